//! `EngagementTransition`: one move through the lifecycle.

use async_graphql::{Context, Object};
use tandem_entities::engagement_transition;

use super::types::loaders;
use super::*;
use crate::graphql::context::provider;

/// One move of an engagement through its lifecycle.
pub struct EngagementTransition(pub engagement_transition::Model);

/// One move of an engagement through its lifecycle: who, when, from, to and
/// why.
#[Object]
impl EngagementTransition {
    /// The status before; `null` for the creation of the engagement.
    async fn from(&self) -> Option<EngagementStatus> {
        self.0.from_status.map(Into::into)
    }

    /// The status after.
    async fn to(&self) -> EngagementStatus {
        self.0.to_status.into()
    }

    /// When (UTC).
    async fn at(&self) -> crate::graphql::scalars::Instant {
        self.0.at.into()
    }

    /// Why, as given by the actor; `null` for client-portal users when the
    /// provider marked the reason internal.
    async fn reason(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&str>> {
        if self.0.reason_internal && !provider(ctx)? {
            return Ok(None);
        }
        Ok(self.0.reason.as_deref())
    }

    /// Name of the user who made the move; `null` for Tandem itself.
    async fn actor_name(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        let Some(id) = self.0.actor_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.user_names.load_one(id).await?)
    }
}

crate::connection!(
    EngagementTransitionConnection,
    EngagementTransitionEdge,
    EngagementTransition,
    "lifecycle move"
);
