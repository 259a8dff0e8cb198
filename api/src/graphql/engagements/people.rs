//! The people of an engagement: the client's stakeholders and the provider's staff.

use async_graphql::{Context, ID, Object};
use tandem_entities::{engagement_staff, engagement_stakeholder};

use super::types::loaders;
use super::*;
use crate::error::AppError;
use crate::graphql::contacts::Contact;
use crate::graphql::node::{Kind, global_id};
use crate::graphql::registry::row;
use crate::resource::Contacts;

/// A contact of the client with a role in an engagement.
pub struct Stakeholder(pub engagement_stakeholder::Model);

/// A contact of the client with a role in an engagement.
#[Object]
impl Stakeholder {
    /// The contact.
    async fn contact(&self, ctx: &Context<'_>) -> async_graphql::Result<Contact> {
        let c = row::<Contacts>(ctx, self.0.contact_id)
            .await?
            .ok_or_else(|| AppError::NotFound("contact".into()))?;
        Ok(Contact(c))
    }

    /// The part they play.
    async fn role(&self) -> StakeholderRole {
        self.0.role.into()
    }
}

/// A provider user staffed on an engagement.
pub struct StaffMember(pub engagement_staff::Model);

/// A DELIVERY user staffed on an engagement.
#[Object]
impl StaffMember {
    /// Global id of the user.
    async fn user_id(&self) -> ID {
        global_id(Kind::User, self.0.user_id)
    }

    /// The user's name.
    async fn name(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        Ok(loaders(ctx)?.user_names.load_one(self.0.user_id).await?)
    }

    /// When they were staffed (UTC).
    async fn since(&self) -> crate::graphql::scalars::Instant {
        self.0.created_at.into()
    }
}

crate::connection!(
    StakeholderConnection,
    StakeholderEdge,
    Stakeholder,
    "stakeholder"
);
crate::connection!(StaffConnection, StaffEdge, StaffMember, "staff member");
