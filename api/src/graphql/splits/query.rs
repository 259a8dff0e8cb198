//! Reading splits and what awaits the caller's decision.

use async_graphql::{Context, ID, Object};

use super::types::FundingSplit;
use crate::error::AppError;
use crate::graphql::context::request;
use crate::graphql::node::{self, Kind};
use crate::services::splits;

#[derive(Default)]
pub struct SplitQuery;

#[Object]
impl SplitQuery {
    /// One funding split by global id; `null` when not visible.
    #[graphql(complexity = "crate::graphql::cost::LOOKUP + child_complexity")]
    async fn funding_split(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The split's global id.")] id: ID,
    ) -> async_graphql::Result<Option<FundingSplit>> {
        let rc = request(ctx)?;
        let Some((Kind::FundingSplit, uuid)) = node::decode(&id) else {
            return Err(AppError::BadUserInput(format!(
                "{:?} is not a FundingSplit id",
                id.as_str()
            ))
            .into());
        };
        Ok(splits::get(&rc.db, &rc.caller, uuid)
            .await?
            .map(|(s, e)| FundingSplit(s, e.currency)))
    }

    /// Splits waiting for the caller's decision: for a client-portal user,
    /// those asking the contact they are; for an administrator, every
    /// pending split (they may decide on an owner's behalf). Oldest first;
    /// the list is short by nature.
    #[graphql(complexity = "crate::graphql::cost::LOOKUP + child_complexity")]
    async fn my_pending_approvals(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<FundingSplit>> {
        let rc = request(ctx)?;
        let pending = splits::pending_for(&rc.db, &rc.caller).await?;
        let engagements = crate::resource::get_many::<crate::resource::Engagements>(
            &rc.db,
            &rc.caller,
            &pending.iter().map(|s| s.engagement_id).collect::<Vec<_>>(),
        )
        .await?;
        Ok(pending
            .into_iter()
            .filter_map(|s| {
                engagements
                    .get(&s.engagement_id)
                    .map(|e| FundingSplit(s, e.currency))
            })
            .collect())
    }
}
