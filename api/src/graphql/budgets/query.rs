//! Reading funding sources and budgets.

use std::sync::Arc;

use async_graphql::{Context, ID, Object};

use super::types::*;
use crate::error::AppError;
use crate::graphql::connection::Counter;
use crate::graphql::context::request;
use crate::graphql::node::{self, Kind};
use crate::graphql::root_page_cost;
use crate::services::budgets;
use crate::services::pagination::PageRequest;

#[derive(Default)]
pub struct BudgetQuery;

#[Object]
impl BudgetQuery {
    /// One budget by global id; `null` when it does not exist or is not
    /// visible to the caller.
    #[graphql(complexity = "crate::graphql::cost::LOOKUP + child_complexity")]
    async fn budget(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The budget's global id.")] id: ID,
    ) -> async_graphql::Result<Option<Budget>> {
        let rc = request(ctx)?;
        let Some((Kind::Budget, uuid)) = node::decode(&id) else {
            return Err(
                AppError::BadUserInput(format!("{:?} is not a Budget id", id.as_str())).into(),
            );
        };
        Ok(
            crate::resource::get::<crate::resource::Budgets>(&rc.db, &rc.caller, uuid)
                .await?
                .map(Budget),
        )
    }

    /// Budgets visible to the caller, filtered and ordered (latest fiscal
    /// year first by default), a page at a time. CLIENT users see their own
    /// client's budgets only.
    #[graphql(complexity = "root_page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn budgets(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only budgets matching this filter.")] filter: Option<BudgetFilter>,
        #[graphql(desc = "Order of the budgets; latest fiscal year first by default.")]
        order_by: Option<BudgetOrderBy>,
        #[graphql(desc = "Return the first n budgets (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Return budgets after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n budgets (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return budgets before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<BudgetConnection> {
        let rc = request(ctx)?;
        let page = PageRequest::new(first, after.as_deref(), last, before.as_deref())?;
        let filter = filter
            .map(BudgetFilter::into_service)
            .transpose()?
            .unwrap_or_default();
        let order = order_by.unwrap_or_default().into();
        let slice = budgets::list(&rc.db, &rc.caller, &filter, order, &page).await?;
        let (db, caller) = (rc.db.clone(), rc.caller.clone());
        let filter = Arc::new(filter);
        let counter: Counter = Arc::new(move || {
            let (db, caller, filter) = (db.clone(), caller.clone(), Arc::clone(&filter));
            Box::pin(async move { budgets::count(&db, &caller, &filter).await })
        });
        Ok(budget_connection(slice, order, counter))
    }
}
