//! Reading funding sources.

use async_graphql::{Context, ID, Object};

use crate::graphql::node::{self, Kind};
use crate::graphql::registry::{PageArgs, root_connection};
use crate::graphql::root_page_cost;

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
        node::lookup::<crate::resource::FundingSources, _>(
            ctx,
            Kind::FundingSource,
            &id,
            FundingSource,
        )
        .await
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
        let filter = filter
            .map(FundingSourceFilter::into_service)
            .transpose()?
            .unwrap_or_default();
        let order: crate::resource::FundingSourceOrder = order_by.unwrap_or_default().into();
        root_connection::<crate::resource::FundingSources, _>(
            ctx,
            crate::services::filter::build(&filter)?,
            order.ordering(),
            PageArgs::new(first, after, last, before),
            FundingSource,
        )
        .await
    }
}
