//! Reading funding sources and budgets.

use async_graphql::{Context, ID, Object};

use super::types::*;
use crate::graphql::node::{self, Kind};
use crate::graphql::registry::{PageArgs, root_connection};
use crate::graphql::root_page_cost;

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
        node::lookup::<crate::resource::Budgets, _>(ctx, Kind::Budget, &id, Budget).await
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
        let filter = filter
            .map(BudgetFilter::into_service)
            .transpose()?
            .unwrap_or_default();
        let order: crate::resource::BudgetOrder = order_by.unwrap_or_default().into();
        root_connection::<crate::resource::Budgets, _>(
            ctx,
            crate::services::filter::build(&filter)?,
            order.ordering(),
            PageArgs::new(first, after, last, before),
            Budget,
        )
        .await
    }
}
