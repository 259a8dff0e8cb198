//! Reading engagements.

use std::sync::Arc;

use async_graphql::{Context, ID, Object};

use super::{
    Engagement, EngagementConnection, EngagementFilter, EngagementOrderBy, engagement_connection,
};
use crate::error::AppError;
use crate::graphql::connection::Counter;
use crate::graphql::context::request;
use crate::graphql::node::{self, Kind};
use crate::graphql::root_page_cost;
use crate::services::engagements;
use crate::services::pagination::PageRequest;

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
        let rc = request(ctx)?;
        let Some((Kind::Engagement, uuid)) = node::decode(&id) else {
            return Err(AppError::BadUserInput(format!(
                "{:?} is not an Engagement id",
                id.as_str()
            ))
            .into());
        };
        Ok(
            crate::resource::get::<crate::resource::Engagements>(&rc.db, &rc.caller, uuid)
                .await?
                .map(Engagement),
        )
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
        let rc = request(ctx)?;
        let page = PageRequest::new(first, after.as_deref(), last, before.as_deref())?;
        let filter = filter
            .map(EngagementFilter::into_service)
            .transpose()?
            .unwrap_or_default();
        let order = order_by.unwrap_or_default().into();
        let slice = engagements::list(&rc.db, &rc.caller, &filter, order, &page).await?;
        let (db, caller) = (rc.db.clone(), rc.caller.clone());
        let filter = Arc::new(filter);
        let counter: Counter = Arc::new(move || {
            let (db, caller, filter) = (db.clone(), caller.clone(), Arc::clone(&filter));
            Box::pin(async move { engagements::count(&db, &caller, &filter).await })
        });
        Ok(engagement_connection(slice, order, counter))
    }
}
