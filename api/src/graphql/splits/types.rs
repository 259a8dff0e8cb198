//! `FundingSplit`, its shares and approvals, and `SpendEntry`.

use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};
use tandem_entities::{
    funding_split, funding_split_share, spend_attribution, spend_entry, split_approval,
};

use crate::domain::split::apportion;
use crate::error::AppError;
use crate::graphql::contacts::Contact;
use crate::graphql::context::provider;
use crate::graphql::engagements::Engagement;
use crate::graphql::money::Money;
use crate::graphql::money::money;
use crate::graphql::node::{Kind, global_id};
use crate::graphql::registry::{children_list, row};
use crate::graphql::scalars::Date;
use crate::resource::{
    Contacts, Engagements, FundingSources, SpendAttributions, SplitApprovals, SplitShares,
};

/// Where a funding split is in its approval.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "tandem_entities::SplitStatus")]
pub enum SplitStatus {
    /// Being prepared; not yet sent for approval.
    Draft,
    /// Waiting for every owner of its sources to decide.
    PendingApproval,
    /// Every owner approved; this is the split in force.
    Approved,
    /// An owner rejected it.
    Rejected,
    /// Replaced by a newer approved version.
    Superseded,
}

/// An owner's decision on a split.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "tandem_entities::Decision")]
pub enum Decision {
    /// Not decided yet.
    Pending,
    /// Approved.
    Approved,
    /// Rejected.
    Rejected,
}

/// What money was spent on.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "tandem_entities::SpendKind")]
pub enum SpendKind {
    /// People's time.
    Labor,
    /// Software licences.
    License,
    /// Paid media.
    Media,
    /// Other expenses.
    Expense,
}

/// A version of how an engagement's value is shared among funding sources.
#[derive(Clone)]
pub struct FundingSplit(pub funding_split::Model, pub crate::domain::Currency);

/// How an engagement's value is shared among the client's funding sources
/// (in basis points summing to 10000), approved by each owner of those
/// sources: the CMO for the marketing share, the CIO for the IT share.
#[Object]
impl FundingSplit {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        global_id(Kind::FundingSplit, self.0.id)
    }

    /// The engagement it funds.
    async fn engagement(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Engagement>> {
        Ok(row::<Engagements>(ctx, self.0.engagement_id)
            .await?
            .map(Engagement))
    }

    /// Version number, from 1.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// Where it is in its approval.
    async fn status(&self) -> SplitStatus {
        self.0.status.into()
    }

    /// The engagement value it shares: the engagement's value when the split
    /// was made, or, for a change order, the new value it sets once approved.
    async fn value(&self) -> async_graphql::Result<Money> {
        Ok(money(self.0.value_minor, self.1))
    }

    /// Each source's share and amount; amounts are split by the largest
    /// remainder rule so they sum to the value exactly.
    async fn shares(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<SplitShare>> {
        let shares = children_list::<SplitShares>(
            ctx,
            funding_split_share::Column::SplitId,
            self.0.id,
            SplitShares::ordering(),
        )
        .await?;
        let amounts = apportion(
            self.0.value_minor,
            &shares.iter().map(|s| s.share_bp).collect::<Vec<_>>(),
        );
        Ok(shares
            .into_iter()
            .zip(amounts)
            .map(|(s, a)| SplitShare(s, a, self.1))
            .collect())
    }

    /// Each owner's decision.
    async fn approvals(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<SplitApproval>> {
        Ok(children_list::<SplitApprovals>(
            ctx,
            split_approval::Column::SplitId,
            self.0.id,
            SplitApprovals::ordering(),
        )
        .await?
        .into_iter()
        .map(SplitApproval)
        .collect())
    }

    /// When it was made (UTC).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it was sent for approval (UTC).
    async fn submitted_at(&self) -> Option<DateTime<Utc>> {
        self.0.submitted_at
    }

    /// When it was approved or rejected (UTC).
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.decided_at
    }
}

/// One funding source's share of a split.
pub struct SplitShare(
    pub funding_split_share::Model,
    pub i64,
    pub crate::domain::Currency,
);

/// One funding source's share of a split.
#[Object]
impl SplitShare {
    /// Global id of the funding source.
    async fn funding_source_id(&self) -> ID {
        global_id(Kind::FundingSource, self.0.funding_source_id)
    }

    /// Name of the funding source.
    async fn funding_source_name(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<String>> {
        Ok(row::<FundingSources>(ctx, self.0.funding_source_id)
            .await?
            .map(|s| s.name))
    }

    /// The share in basis points (10000 = 100%).
    async fn share_basis_points(&self) -> i32 {
        self.0.share_bp
    }

    /// The share of the split's value.
    async fn amount(&self) -> async_graphql::Result<Money> {
        Ok(money(self.1, self.2))
    }
}

/// An owner's decision on a split.
pub struct SplitApproval(pub split_approval::Model);

/// An owner's decision on a split: who, when, and whether an administrator
/// decided on their behalf.
#[Object]
impl SplitApproval {
    /// The owner: a contact of the client who owns one of the split's sources.
    async fn owner(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Contact>> {
        Ok(row::<Contacts>(ctx, self.0.owner_contact_id)
            .await?
            .map(Contact))
    }

    /// The decision.
    async fn decision(&self) -> Decision {
        self.0.decision.into()
    }

    /// Whether an administrator recorded it on the owner's behalf.
    async fn on_behalf(&self) -> bool {
        self.0.on_behalf
    }

    /// The comment given with the decision.
    async fn comment(&self) -> Option<&str> {
        self.0.comment.as_deref()
    }

    /// When it was decided (UTC).
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.decided_at
    }
}

/// Money spent delivering an engagement.
#[derive(Clone)]
pub struct SpendEntry(pub spend_entry::Model, pub crate::domain::Currency);

/// Money spent delivering an engagement, and how it was attributed to the
/// funding sources by the split in force on its date.
#[Object]
impl SpendEntry {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        global_id(Kind::SpendEntry, self.0.id)
    }

    /// The day the money was spent.
    async fn spent_on(&self) -> Date {
        self.0.spent_on.into()
    }

    /// What is charged to the client (the same as `charge`).
    #[graphql(
        deprecation = "Use `charge` (what the client is charged) or `cost` (what it cost the provider)."
    )]
    async fn amount(&self) -> Money {
        money(self.0.charge_minor, self.1)
    }

    /// What is charged to the client, in the engagement's currency: the
    /// part that counts towards the client's pots (negative on a reversal).
    async fn charge(&self) -> Money {
        money(self.0.charge_minor, self.1)
    }

    /// Provider-only: what it cost the provider; `null` for client-portal
    /// users.
    async fn cost(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Money>> {
        Ok(provider(ctx)?.then(|| money(self.0.cost_minor, self.1)))
    }

    /// Global id of the engagement line whose price labour was charged at;
    /// `null` otherwise.
    async fn line_id(&self) -> Option<ID> {
        self.0
            .engagement_line_id
            .map(|id| global_id(Kind::EngagementLine, id))
    }

    /// With `lineId`: how many of the line's units (negative on a
    /// reversal); `null` otherwise.
    async fn quantity(&self) -> Option<String> {
        self.0.quantity_milli.map(|q| {
            let text = crate::domain::engagement::format_quantity(q.abs());
            if q < 0 { format!("-{text}") } else { text }
        })
    }

    /// Provider-only: the markup charged on top of the cost, in basis
    /// points; `null` for labour at a line and for client-portal users.
    async fn markup_basis_points(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<i32>> {
        Ok(if provider(ctx)? {
            self.0.markup_bp
        } else {
            None
        })
    }

    /// What it was spent on.
    async fn kind(&self) -> SpendKind {
        self.0.kind.into()
    }

    /// Free text.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// Whether it is billed to the client.
    async fn billable(&self) -> bool {
        self.0.billable
    }

    /// Global id of the entry this one reverses; `null` for an original
    /// entry.
    async fn reverses_id(&self) -> Option<ID> {
        self.0.reverses_id.map(|id| global_id(Kind::SpendEntry, id))
    }

    /// Why the reversed entry was wrong; `null` for an original entry.
    async fn reversal_reason(&self) -> Option<&str> {
        self.0.reversal_reason.as_deref()
    }

    /// How it was charged to each funding source (fixed when recorded).
    async fn attributions(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<SpendAttribution>> {
        let rows = children_list::<SpendAttributions>(
            ctx,
            spend_attribution::Column::SpendId,
            self.0.id,
            SpendAttributions::ordering(),
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|a| SpendAttribution(a, self.1))
            .collect())
    }

    /// When it was recorded (UTC).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// The part of a spend entry charged to one funding source.
pub struct SpendAttribution(pub spend_attribution::Model, pub crate::domain::Currency);

/// The part of a spend entry charged to one funding source.
#[Object]
impl SpendAttribution {
    /// Global id of the funding source.
    async fn funding_source_id(&self) -> ID {
        global_id(Kind::FundingSource, self.0.funding_source_id)
    }

    /// Name of the funding source.
    async fn funding_source_name(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<String>> {
        Ok(row::<FundingSources>(ctx, self.0.funding_source_id)
            .await?
            .map(|s| s.name))
    }

    /// The amount charged to it.
    async fn amount(&self) -> async_graphql::Result<Money> {
        Ok(money(self.0.amount_minor, self.1))
    }
}

crate::connection!(
    SpendEntryConnection,
    SpendEntryEdge,
    SpendEntry,
    "spend entry"
);

/// For errors about a split the caller cannot see.
pub fn missing() -> AppError {
    AppError::NotFound("funding split".into())
}
