//! Reading funding sources.

use std::sync::Arc;

use async_graphql::{Context, ID, Object};

use crate::error::AppError;
use crate::graphql::connection::Counter;
use crate::graphql::context::request;
use crate::graphql::node::{self, Kind};
use crate::graphql::root_page_cost;
use crate::services::funding_sources;
use crate::services::pagination::PageRequest;

use super::types::*;

/// The funding-source queries.
#[derive(Default)]
pub struct FundingSourceQuery;

#[Object]
impl FundingSourceQuery {
    /// One funding source by global id; `null` when it does not exist or is
    /// not visible to the caller.
    #[graphql(complexity = "crate::graphql::cost::LOOKUP + child_complexity")]
    async fn funding_source(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The funding source's global id.")] id: ID,
    ) -> async_graphql::Result<Option<FundingSource>> {
        let rc = request(ctx)?;
        let Some((Kind::FundingSource, uuid)) = node::decode(&id) else {
            return Err(AppError::BadUserInput(format!(
                "{:?} is not a FundingSource id",
                id.as_str()
            ))
            .into());
        };
        Ok(
            crate::resource::get::<crate::resource::FundingSources>(&rc.db, &rc.caller, uuid)
                .await?
                .map(FundingSource),
        )
    }

    /// Funding sources visible to the caller, filtered and ordered (by name
    /// by default), a page at a time. Archived sources are included unless
    /// the filter says `active: true`.
    #[graphql(complexity = "root_page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn funding_sources(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only funding sources matching this filter.")] filter: Option<
            FundingSourceFilter,
        >,
        #[graphql(desc = "Order of the funding sources; by name, A to Z, by default.")]
        order_by: Option<FundingSourceOrderBy>,
        #[graphql(desc = "Return the first n funding sources (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Return funding sources after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n funding sources (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return funding sources before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<FundingSourceConnection> {
        let rc = request(ctx)?;
        let page = PageRequest::new(first, after.as_deref(), last, before.as_deref())?;
        let filter = filter
            .map(FundingSourceFilter::into_service)
            .transpose()?
            .unwrap_or_default();
        let order = order_by.unwrap_or_default().into();
        let slice = funding_sources::list(&rc.db, &rc.caller, &filter, order, &page).await?;
        let (db, caller) = (rc.db.clone(), rc.caller.clone());
        let filter = Arc::new(filter);
        let counter: Counter = Arc::new(move || {
            let (db, caller, filter) = (db.clone(), caller.clone(), Arc::clone(&filter));
            Box::pin(async move { funding_sources::count(&db, &caller, &filter).await })
        });
        Ok(funding_source_connection(slice, order, counter))
    }
}
