//! `ApprovalRule` and `ApprovalDelegation`.

use async_graphql::{Context, ID, Object};
use tandem_entities::{approval_delegation, approval_rule};

use crate::graphql::clients::Client;
use crate::graphql::contacts::{Contact, Persona};
use crate::graphql::funding_sources::FundingFunction;
use crate::graphql::money::{Money, money};
use crate::graphql::node::{Kind, global_id};
use crate::graphql::registry::row;
use crate::graphql::scalars::Date;
use crate::resource::{Clients, Contacts};

/// A client's approval rule.
#[derive(Clone)]
pub struct ApprovalRule(pub approval_rule::Model);

/// A client's rule for its joint approvals: a split submitted above `above`
/// (its whole value, or, with `function`, the part of it drawn on sources of
/// that function) also needs the approval of a contact with `persona`, as
/// well as its sources' owners. Rules apply to splits submitted after they
/// are made, in their currency.
#[Object]
impl ApprovalRule {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        global_id(Kind::ApprovalRule, self.0.id)
    }

    /// The client the rule governs.
    async fn client(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Client>> {
        Ok(row::<Clients>(ctx, self.0.client_id).await?.map(Client))
    }

    /// When set, only the part of a split drawn on sources of this function
    /// is weighed against `above`; `null`, the split's whole value.
    async fn function(&self) -> Option<FundingFunction> {
        self.0.function.map(Into::into)
    }

    /// The value a split (or its part drawn on `function`) must exceed for
    /// the rule to apply.
    async fn above(&self) -> Money {
        money(self.0.above_minor, self.0.currency)
    }

    /// The persona whose approval the rule asks for.
    async fn persona(&self) -> Persona {
        self.0.persona.into()
    }

    /// The contact who approves under the rule; `null`, the client's one
    /// contact with the persona when a split is submitted (NO_APPROVER at
    /// submission when there is none, or more than one).
    async fn approver(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Contact>> {
        let Some(id) = self.0.approver_contact_id else {
            return Ok(None);
        };
        Ok(row::<Contacts>(ctx, id).await?.map(Contact))
    }

    /// When the rule was made (UTC).
    async fn created_at(&self) -> crate::graphql::scalars::Instant {
        self.0.created_at.into()
    }
}

/// An owner's delegate for a range of days.
#[derive(Clone)]
pub struct ApprovalDelegation(pub approval_delegation::Model);

/// An owner's delegation: on the days from `startsOn` to `endsOn`
/// (inclusive, UTC), the delegate may decide, on the owner's behalf, the
/// approvals asked of the owner; each such decision records the delegation.
#[Object]
impl ApprovalDelegation {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        global_id(Kind::ApprovalDelegation, self.0.id)
    }

    /// The owner who delegates.
    async fn owner(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Contact>> {
        Ok(row::<Contacts>(ctx, self.0.owner_contact_id)
            .await?
            .map(Contact))
    }

    /// The contact who may decide for the owner.
    async fn delegate(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Contact>> {
        Ok(row::<Contacts>(ctx, self.0.delegate_contact_id)
            .await?
            .map(Contact))
    }

    /// The first day the delegate may decide.
    async fn starts_on(&self) -> Date {
        Date(self.0.starts_on)
    }

    /// The last day the delegate may decide.
    async fn ends_on(&self) -> Date {
        Date(self.0.ends_on)
    }

    /// When it was revoked (UTC); `null` while it stands.
    async fn revoked_at(&self) -> Option<crate::graphql::scalars::Instant> {
        self.0.revoked_at.map(Into::into)
    }

    /// Whether the delegate may decide today: not revoked, and today within
    /// its days.
    async fn in_effect(&self) -> bool {
        let today = crate::domain::burn::today();
        self.0.revoked_at.is_none() && self.0.starts_on <= today && today <= self.0.ends_on
    }

    /// When it was made (UTC).
    async fn created_at(&self) -> crate::graphql::scalars::Instant {
        self.0.created_at.into()
    }
}

crate::connection!(
    ApprovalRuleConnection,
    ApprovalRuleEdge,
    ApprovalRule,
    "client's approval rule"
);

crate::connection!(
    ApprovalDelegationConnection,
    ApprovalDelegationEdge,
    ApprovalDelegation,
    "owner's delegation"
);
