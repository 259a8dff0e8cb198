//! Owner-governed budgets: the history and proposals of budget-line
//! changes, and the client's sign-offs of a budget.

use async_graphql::{Context, Enum, ID, InputObject, Object};
use tandem_entities::{budget_line_change, budget_signoff};

use super::types::{Budget, BudgetLine, BudgetPeriod};
use crate::graphql::contacts::Contact;
use crate::graphql::context::request;
use crate::graphql::engagements::user_name;
use crate::graphql::funding_sources::FundingSource;
use crate::graphql::money::{Money, money};
use crate::graphql::node::{self, Kind};
use crate::graphql::registry::row;
use crate::resource::{BudgetLines, Budgets, Contacts, FundingSources};
use crate::services::budgets::changes::{self, ChangeRequest};

/// Where a change to a budget line stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "tandem_entities::LineChangeStatus")]
pub enum LineChangeStatus {
    /// Proposed by the provider to an approved budget; awaits the owner of
    /// the line's funding source.
    Pending,
    /// Made: the line holds the new amount (or was removed).
    Applied,
    /// Refused by the owner; the line is unchanged.
    Rejected,
    /// Taken back by the provider before the owner decided.
    Withdrawn,
}

/// One change to a budget line's planned money.
#[derive(Clone)]
pub struct BudgetLineChange(pub budget_line_change::Model);

impl BudgetLineChange {
    async fn amount(
        &self,
        ctx: &Context<'_>,
        minor: Option<i64>,
    ) -> async_graphql::Result<Option<Money>> {
        let Some(minor) = minor else {
            return Ok(None);
        };
        Ok(row::<FundingSources>(ctx, self.0.funding_source_id)
            .await?
            .map(|s| money(minor, s.currency)))
    }
}

/// One change to the planned money of a budget line (funding source x
/// period), made or proposed: who, when, the old and new amounts, why, and
/// for a proposal, the owner's decision.
#[Object]
impl BudgetLineChange {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        crate::graphql::node::global_id(Kind::BudgetLineChange, self.0.id)
    }

    /// The budget.
    async fn budget(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Budget>> {
        Ok(row::<Budgets>(ctx, self.0.budget_id).await?.map(Budget))
    }

    /// The line, while it exists (`null` once removed, and for a proposal
    /// of a new line until it is applied).
    async fn line(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<BudgetLine>> {
        let Some(id) = self.0.budget_line_id else {
            return Ok(None);
        };
        Ok(row::<BudgetLines>(ctx, id).await?.map(BudgetLine))
    }

    /// The funding source whose line it is.
    async fn funding_source(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<FundingSource>> {
        Ok(row::<FundingSources>(ctx, self.0.funding_source_id)
            .await?
            .map(FundingSource))
    }

    /// The line's period.
    async fn period(&self) -> BudgetPeriod {
        self.0.period.into()
    }

    /// The planned money before (`null` when the line did not exist); for
    /// an applied proposal, what the line held when it was applied.
    async fn old_planned(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Money>> {
        self.amount(ctx, self.0.old_planned_minor).await
    }

    /// The planned money after (`null` when the change removes the line).
    async fn new_planned(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Money>> {
        self.amount(ctx, self.0.new_planned_minor).await
    }

    /// Why, as given.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }

    /// Where it stands.
    async fn status(&self) -> LineChangeStatus {
        self.0.status.into()
    }

    /// Name of the user who made or proposed it.
    async fn requested_by_name(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        let Some(id) = self.0.requested_by else {
            return Ok(None);
        };
        user_name(ctx, id).await
    }

    /// When it was made or proposed (UTC).
    async fn requested_at(&self) -> crate::graphql::scalars::Instant {
        self.0.requested_at.into()
    }

    /// The owner who made it or decided the proposal (or for whom an
    /// administrator did); `null` when the provider made it directly.
    async fn decided_by_contact(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Contact>> {
        let Some(id) = self.0.decided_by_contact else {
            return Ok(None);
        };
        Ok(row::<Contacts>(ctx, id).await?.map(Contact))
    }

    /// Whether an administrator made or decided it on the client's behalf.
    async fn on_behalf(&self) -> bool {
        self.0.on_behalf
    }

    /// The owner's comment on their decision.
    async fn comment(&self) -> Option<&str> {
        self.0.comment.as_deref()
    }

    /// When it was applied, rejected or withdrawn (UTC).
    async fn decided_at(&self) -> Option<crate::graphql::scalars::Instant> {
        self.0.decided_at.map(Into::into)
    }
}

crate::connection!(
    BudgetLineChangeConnection,
    BudgetLineChangeEdge,
    BudgetLineChange,
    "change to a budget line"
);

/// A client contact's sign-off of a budget.
#[derive(Clone)]
pub struct BudgetSignoff(pub budget_signoff::Model);

/// A client contact's sign-off of a DRAFT budget: the CFO's approves it; an
/// owner's counts toward every owner's.
#[Object]
impl BudgetSignoff {
    /// The contact who signed (or for whom an administrator did).
    async fn contact(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Contact>> {
        Ok(row::<Contacts>(ctx, self.0.contact_id).await?.map(Contact))
    }

    /// Whether an administrator signed on the contact's behalf.
    async fn on_behalf(&self) -> bool {
        self.0.on_behalf
    }

    /// When (UTC).
    async fn signed_at(&self) -> crate::graphql::scalars::Instant {
        self.0.signed_at.into()
    }
}

/// A proposed change to a line of an approved budget.
#[derive(InputObject)]
pub struct RequestBudgetLineChangeInput {
    /// The budget's global id (APPROVED).
    pub budget_id: ID,
    /// An active funding source of the budget's client.
    pub funding_source_id: ID,
    /// The period: FY, or Q1 to Q4.
    pub period: BudgetPeriod,
    /// The proposed planned money in the source's currency: an exact decimal
    /// string, zero or more, other than the line's current amount.
    pub planned: String,
    /// Why (at most 2000 characters), shown to the owner.
    pub reason: Option<String>,
}

/// A decision on a proposed change.
#[derive(InputObject)]
pub struct DecideBudgetLineChangeInput {
    /// The change's global id.
    pub id: ID,
    /// Why, kept with the decision (at most 2000 characters).
    pub comment: Option<String>,
    /// Administrators only: the owner (a contact) they decide for.
    pub on_behalf_of: Option<ID>,
}

/// A proposed change to take back.
#[derive(InputObject)]
pub struct WithdrawBudgetLineChangeInput {
    /// The change's global id.
    pub id: ID,
}

crate::payloads! {
    /// The result of proposing or deciding a budget-line change.
    BudgetLineChangePayload {
        /// The change after the mutation; `null` when there are user errors.
        change: BudgetLineChange
    }
}

fn change_id(id: &ID) -> crate::error::AppResult<uuid::Uuid> {
    node::expect(Kind::BudgetLineChange, id, &["id"])
}

#[derive(Default)]
pub struct BudgetGovernanceMutation;

#[Object]
impl BudgetGovernanceMutation {
    /// Proposes a new planned amount for a line of an APPROVED budget (the
    /// client's account manager or an administrator). It waits, PENDING,
    /// for the owner of the line's funding source; one proposal per line at
    /// a time (TAKEN).
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn request_budget_line_change(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The line and the proposed amount.")] input: RequestBudgetLineChangeInput,
    ) -> async_graphql::Result<BudgetLineChangePayload> {
        let rc = request(ctx)?;
        let result = async {
            let budget_id = node::expect(Kind::Budget, &input.budget_id, &["budgetId"])?;
            let source = node::expect(
                Kind::FundingSource,
                &input.funding_source_id,
                &["fundingSourceId"],
            )?;
            changes::request(
                &rc.db,
                &rc.caller,
                ChangeRequest {
                    budget_id,
                    funding_source_id: source,
                    period: input.period.into(),
                    planned: input.planned,
                    reason: input.reason,
                },
            )
            .await
        }
        .await;
        BudgetLineChangePayload::of(result, BudgetLineChange)
    }

    /// Approves a proposed change: the owner of the line's funding source
    /// (or an administrator on their behalf). The line takes the new amount
    /// at once; BELOW_ALLOCATED (nothing recorded) when more is committed
    /// on it.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn approve_budget_line_change(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The change and an optional comment.")] input: DecideBudgetLineChangeInput,
    ) -> async_graphql::Result<BudgetLineChangePayload> {
        decide(ctx, input, true).await
    }

    /// Rejects a proposed change: the line stays as it is.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn reject_budget_line_change(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The change and an optional comment.")] input: DecideBudgetLineChangeInput,
    ) -> async_graphql::Result<BudgetLineChangePayload> {
        decide(ctx, input, false).await
    }

    /// Takes back a proposal the owner has not decided (the client's account
    /// manager or an administrator).
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn withdraw_budget_line_change(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The change.")] input: WithdrawBudgetLineChangeInput,
    ) -> async_graphql::Result<BudgetLineChangePayload> {
        let rc = request(ctx)?;
        let result = match change_id(&input.id) {
            Ok(id) => changes::withdraw(&rc.db, &rc.caller, id).await,
            Err(e) => Err(e),
        };
        BudgetLineChangePayload::of(result, BudgetLineChange)
    }
}

async fn decide(
    ctx: &Context<'_>,
    input: DecideBudgetLineChangeInput,
    approve: bool,
) -> async_graphql::Result<BudgetLineChangePayload> {
    let rc = request(ctx)?;
    let result = async {
        let id = change_id(&input.id)?;
        let owner = input
            .on_behalf_of
            .as_ref()
            .map(|o| node::expect(Kind::Contact, o, &["onBehalfOf"]))
            .transpose()?;
        changes::decide(&rc.db, &rc.caller, id, approve, input.comment, owner).await
    }
    .await;
    BudgetLineChangePayload::of(result, BudgetLineChange)
}
