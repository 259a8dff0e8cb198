//! Reading engagements.

use async_graphql::{Context, ID, Object};

use super::{Engagement, EngagementConnection, EngagementFilter, EngagementOrderBy};
use crate::graphql::node::{self, Kind};
use crate::graphql::registry::{PageArgs, root_connection};
use crate::graphql::root_page_cost;

#[derive(Default)]
pub struct EngagementQuery;

#[Object]
impl EngagementQuery {
    /// One engagement by global id; `null` when it does not exist or is not
    /// visible to the caller.
    #[graphql(complexity = "crate::graphql::cost::LOOKUP + child_complexity")]
    async fn engagement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The engagement's global id.")] id: ID,
    ) -> async_graphql::Result<Option<Engagement>> {
        node::lookup::<crate::resource::Engagements, _>(ctx, Kind::Engagement, &id, Engagement)
            .await
    }

    /// Engagements visible to the caller, filtered and ordered, a page at a
    /// time.
    #[graphql(complexity = "root_page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn engagements(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only engagements matching this filter.")] filter: Option<
            EngagementFilter,
        >,
        #[graphql(desc = "Order of the engagements; latest start first by default.")]
        order_by: Option<EngagementOrderBy>,
        #[graphql(desc = "Return the first n engagements (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Return engagements after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n engagements (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return engagements before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<EngagementConnection> {
        let filter = filter
            .map(EngagementFilter::into_service)
            .transpose()?
            .unwrap_or_default();
        let order: crate::resource::EngagementOrder = order_by.unwrap_or_default().into();
        root_connection::<crate::resource::Engagements, _>(
            ctx,
            crate::services::filter::build(&filter)?,
            order.ordering(),
            PageArgs::new(first, after, last, before),
            Engagement,
        )
        .await
    }
}
