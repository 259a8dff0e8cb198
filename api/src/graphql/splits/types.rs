//! `FundingSplit`, its shares and approvals, and `SpendEntry`.

use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};
use tandem_entities::{
    funding_split, funding_split_phase, funding_split_share, spend_attribution, spend_entry,
    split_approval,
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
    Contacts, Engagements, FundingSources, SpendAttributions, SplitApprovals, SplitPhases,
    SplitShares,
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
    /// Taken back by the provider while it awaited approval; a new split
    /// can be made.
    Withdrawn,
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

    /// Whether the split would fit the client's budget lines if approved
    /// now, line by line; `null` once it is decided, and for work that can
    /// no longer commit money.
    async fn fit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<super::SplitFit>> {
        if !matches!(
            self.0.status,
            tandem_entities::SplitStatus::Draft | tandem_entities::SplitStatus::PendingApproval
        ) {
            return Ok(None);
        }
        // Budget figures: none for those who read no budgets.
        if crate::graphql::context::request(ctx)?.caller.role()
            == Some(tandem_entities::Role::Delivery)
        {
            return Ok(None);
        }
        Ok(super::fit::loaders(ctx)?
            .fit
            .load_one(self.0.id)
            .await?
            .map(|f| super::SplitFit(f, self.1)))
    }

    /// Every step of its approval, oldest first, as both buyers see it:
    /// created, submitted, each owner's approval or rejection (with its
    /// comment), each decision re-routed to a new owner, withdrawn,
    /// superseded.
    async fn timeline(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return the first n steps (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Return steps after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n steps (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return steps before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<super::SplitEventConnection> {
        let events = super::timeline::events(ctx, &self.0).await?;
        super::timeline::page(events, first, after, last, before)
    }

    /// When it was made (UTC).
    async fn created_at(&self) -> crate::graphql::scalars::Instant {
        self.0.created_at.into()
    }

    /// When it was sent for approval (UTC).
    async fn submitted_at(&self) -> Option<crate::graphql::scalars::Instant> {
        self.0.submitted_at.map(Into::into)
    }

    /// When it was approved, rejected or withdrawn (UTC).
    async fn decided_at(&self) -> Option<crate::graphql::scalars::Instant> {
        self.0.decided_at.map(Into::into)
    }

    /// Why the provider withdrew it, for a WITHDRAWN split given a reason.
    async fn withdrawal_reason(&self) -> Option<&str> {
        self.0.withdrawn_reason.as_deref()
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

    /// The share's explicit phasing: what each budget period takes when the
    /// split is approved, summing exactly to `amount`, by fiscal year and
    /// period. Empty when the share is phased by default, pro rata to the
    /// engagement's days in each period.
    async fn phasing(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<SharePhase>> {
        let mut phases: Vec<SharePhase> = children_list::<SplitPhases>(
            ctx,
            funding_split_phase::Column::SplitId,
            self.0.split_id,
            SplitPhases::ordering(),
        )
        .await?
        .into_iter()
        .filter(|p| p.funding_source_id == self.0.funding_source_id)
        .map(|p| SharePhase(p, self.2))
        .collect();
        phases.sort_by_key(|p| (p.0.fiscal_year, crate::domain::api_name(&p.0.period)));
        Ok(phases)
    }
}

/// The part of a share one budget period takes.
pub struct SharePhase(pub funding_split_phase::Model, pub crate::domain::Currency);

/// The part of a share one budget period takes, as the split's phasing
/// gives it: committed on that period's line of the source when the split
/// is approved.
#[Object]
impl SharePhase {
    /// The fiscal year (as the client counts it: the year it starts in).
    async fn fiscal_year(&self) -> i32 {
        self.0.fiscal_year
    }

    /// The period of that year: the whole year (FY) or a quarter.
    async fn period(&self) -> crate::graphql::budgets::BudgetPeriod {
        self.0.period.into()
    }

    /// The part of the share that period takes.
    async fn amount(&self) -> Money {
        money(self.0.amount_minor, self.1)
    }
}

/// Why a contact is asked to decide on a split.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum AskedAs {
    /// As the owner of one of the split's funding sources.
    Owner,
    /// Under one of the client's approval rules.
    Rule,
}

/// An owner's decision on a split.
pub struct SplitApproval(pub split_approval::Model);

/// A decision asked of a contact on a split (an owner of one of its
/// sources, or an approver a client's rule asks for): who was asked, who
/// decided (they, their delegate, or an administrator on their behalf),
/// when, and under which rule.
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
    async fn decided_at(&self) -> Option<crate::graphql::scalars::Instant> {
        self.0.decided_at.map(Into::into)
    }

    /// The owner this decision was first asked of, when the funding source
    /// changed owner while the split was pending and the decision moved.
    async fn rerouted_from(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Contact>> {
        let Some(from) = self.0.rerouted_from else {
            return Ok(None);
        };
        Ok(row::<Contacts>(ctx, from).await?.map(Contact))
    }

    /// When the decision moved to this owner (UTC).
    async fn rerouted_at(&self) -> Option<crate::graphql::scalars::Instant> {
        self.0.rerouted_at.map(Into::into)
    }

    /// The client's approval rule under which this decision was asked
    /// (`null` when it was asked only as a source's owner, or the rule has
    /// since been deleted).
    async fn rule(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<crate::graphql::governance::ApprovalRule>> {
        let Some(rule) = self.0.rule_id else {
            return Ok(None);
        };
        Ok(row::<crate::resource::ApprovalRules>(ctx, rule)
            .await?
            .map(crate::graphql::governance::ApprovalRule))
    }

    /// Why this contact is asked: as the owner of one of the split's
    /// sources, or under one of the client's approval rules (or both).
    async fn asked_as(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<AskedAs>> {
        let Some(_) = self.0.rule_id else {
            return Ok(vec![AskedAs::Owner]);
        };
        let mut out = Vec::new();
        let shares = children_list::<SplitShares>(
            ctx,
            funding_split_share::Column::SplitId,
            self.0.split_id,
            SplitShares::ordering(),
        )
        .await?;
        for share in shares {
            let source = row::<FundingSources>(ctx, share.funding_source_id).await?;
            if source.is_some_and(|s| s.owner_contact_id == self.0.owner_contact_id) {
                out.push(AskedAs::Owner);
                break;
            }
        }
        if self.0.rule_id.is_some() {
            out.push(AskedAs::Rule);
        }
        Ok(out)
    }

    /// The contact who decided: the one asked, or their delegate (`null`
    /// while undecided, and when an administrator decided on the owner's
    /// behalf).
    async fn decided_by_contact(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Contact>> {
        let Some(id) = self.0.decided_by_contact else {
            return Ok(None);
        };
        Ok(row::<Contacts>(ctx, id).await?.map(Contact))
    }

    /// The delegation under which a delegate decided, when one did.
    async fn delegation(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<crate::graphql::governance::ApprovalDelegation>> {
        let Some(id) = self.0.delegation_id else {
            return Ok(None);
        };
        Ok(row::<crate::resource::ApprovalDelegations>(ctx, id)
            .await?
            .map(crate::graphql::governance::ApprovalDelegation))
    }

    /// The split decided on.
    async fn split(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<FundingSplit>> {
        let Some(split) = row::<crate::resource::FundingSplits>(ctx, self.0.split_id).await? else {
            return Ok(None);
        };
        Ok(row::<Engagements>(ctx, split.engagement_id)
            .await?
            .map(|e| FundingSplit(split, e.currency)))
    }

    /// Since when the owner has been asked (the split's submission, UTC),
    /// while the decision is still awaited; `null` once decided, or when the
    /// split no longer awaits approval.
    async fn waiting_since(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<crate::graphql::scalars::Instant>> {
        Ok(self.awaited(ctx).await?.map(Into::into))
    }

    /// How many whole days the owner has been asked, while the decision is
    /// still awaited (0 on the day of submission); `null` otherwise.
    async fn waiting_days(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<i64>> {
        Ok(self
            .awaited(ctx)
            .await?
            .map(|since| (crate::domain::now() - since).num_days().max(0)))
    }
}

impl SplitApproval {
    /// The split's submission, while this decision is still awaited.
    async fn awaited(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<DateTime<Utc>>> {
        if self.0.decision != tandem_entities::Decision::Pending {
            return Ok(None);
        }
        Ok(row::<crate::resource::FundingSplits>(ctx, self.0.split_id)
            .await?
            .filter(|s| s.status == tandem_entities::SplitStatus::PendingApproval)
            .and_then(|s| s.submitted_at))
    }
}

crate::connection!(
    SplitApprovalConnection,
    SplitApprovalEdge,
    SplitApproval,
    "owner's decision on a split"
);

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
    async fn created_at(&self) -> crate::graphql::scalars::Instant {
        self.0.created_at.into()
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
