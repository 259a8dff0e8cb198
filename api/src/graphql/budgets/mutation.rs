//! Managing funding sources, budgets and budget lines (ADMIN, or the
//! client's ACCOUNT_MANAGER).

use async_graphql::{Context, ID, InputObject, Object};
use tandem_entities::BudgetStatus as Status;

use super::types::*;
use crate::graphql::context::request;
use crate::graphql::node::{self, Kind};
use crate::services::budgets::{self, LineInput};

/// A new budget.
#[derive(InputObject)]
pub struct CreateBudgetInput {
    /// The client's global id.
    pub client_id: ID,
    /// The fiscal year (2000 to 2100): the calendar year in which it starts.
    pub fiscal_year: i32,
}

/// The budget to move.
#[derive(InputObject)]
pub struct BudgetTransitionInput {
    /// The budget's global id.
    pub id: ID,
    /// `approveBudget`, administrators only: the client contact (its CFO, or
    /// the owner of one of the budget's sources) they sign off for; omitted,
    /// an administrator approves the budget outright for the client.
    pub on_behalf_of: Option<ID>,
}

crate::payloads! {
    /// The result of a change to a budget.
    BudgetPayload {
        /// The budget after the change; `null` when there are user errors.
        budget: Budget
    }
}

/// The line of a funding source for a period, to create or change.
#[derive(InputObject)]
pub struct SetBudgetLineInput {
    /// The budget's global id.
    pub budget_id: ID,
    /// An active funding source of the budget's client.
    pub funding_source_id: ID,
    /// The period: FY, or Q1 to Q4. A source has either one FY line or
    /// quarter lines in a budget, not both.
    pub period: BudgetPeriod,
    /// Planned money in the source's currency: an exact decimal string, at
    /// least 0 and at least what is already allocated, e.g. `"250000.00"`.
    pub planned: String,
    /// Why, kept in the line's history (at most 2000 characters).
    pub reason: Option<String>,
}

/// The budget line to remove.
#[derive(InputObject)]
pub struct RemoveBudgetLineInput {
    /// The budget line's global id.
    pub id: ID,
    /// Why, kept in the line's history (at most 2000 characters).
    pub reason: Option<String>,
}

crate::payloads! {
    /// The result of a change to a budget line.
    BudgetLinePayload {
        /// The line after the change (or as it was, when removed); `null` when
        /// there are user errors.
        line: BudgetLine
    }
}

#[derive(Default)]
pub struct BudgetMutation;

#[Object]
impl BudgetMutation {
    /// Creates a client's DRAFT budget for a fiscal year, which runs from the
    /// first day of the client's fiscal-year start month for twelve months.
    /// One budget per client and year (TAKEN otherwise).
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn create_budget(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The client and fiscal year.")] input: CreateBudgetInput,
    ) -> async_graphql::Result<BudgetPayload> {
        let rc = request(ctx)?;
        let result = match node::expect(Kind::Client, &input.client_id, &["clientId"]) {
            Ok(id) => budgets::create(&rc.db, &rc.caller, id, input.fiscal_year).await,
            Err(e) => Err(e),
        };
        BudgetPayload::of(result, Budget)
    }

    /// Signs off a DRAFT budget for the client: its CFO's sign-off approves
    /// it, as does the last of the owners of its lines' funding sources (each
    /// through their portal login); an administrator signs for a named
    /// contact, or approves it outright. Account managers prepare budgets but
    /// do not approve them (FORBIDDEN). Any status but DRAFT, or signing
    /// twice, is INVALID_TRANSITION.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn approve_budget(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The budget to approve.")] input: BudgetTransitionInput,
    ) -> async_graphql::Result<BudgetPayload> {
        transition(ctx, input, Status::Approved).await
    }

    /// Closes an APPROVED budget: its lines no longer change. Any other
    /// status is INVALID_TRANSITION.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn close_budget(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The budget to close.")] input: BudgetTransitionInput,
    ) -> async_graphql::Result<BudgetPayload> {
        transition(ctx, input, Status::Closed).await
    }

    /// Creates or changes the line of a funding source for a period, kept in
    /// the line's history. A draft's lines are set by the client's account
    /// manager, an administrator or the source's owner; an APPROVED budget's
    /// by the source's owner or an administrator, while the account manager
    /// proposes the change instead (LOCKED here; `requestBudgetLineChange`).
    /// Planned money may not go below what is allocated (BELOW_ALLOCATED on
    /// `planned`); a closed budget is LOCKED.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn set_budget_line(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The line to set.")] input: SetBudgetLineInput,
    ) -> async_graphql::Result<BudgetLinePayload> {
        let rc = request(ctx)?;
        let result = async {
            let budget_id = node::expect(Kind::Budget, &input.budget_id, &["budgetId"])?;
            let source = node::expect(
                Kind::FundingSource,
                &input.funding_source_id,
                &["fundingSourceId"],
            )?;
            let line = LineInput {
                budget_id,
                funding_source_id: source,
                period: input.period.into(),
                planned: input.planned,
                reason: input.reason,
            };
            budgets::set_line(&rc.db, &rc.caller, line).await
        }
        .await;
        BudgetLinePayload::of(result, BudgetLine)
    }

    /// Removes a budget line on which nothing is allocated (LOCKED
    /// otherwise, and when the budget is closed).
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn remove_budget_line(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The line to remove.")] input: RemoveBudgetLineInput,
    ) -> async_graphql::Result<BudgetLinePayload> {
        let rc = request(ctx)?;
        let result = match node::expect(Kind::BudgetLine, &input.id, &["id"]) {
            Ok(id) => budgets::remove_line(&rc.db, &rc.caller, id, input.reason).await,
            Err(e) => Err(e),
        };
        BudgetLinePayload::of(result, BudgetLine)
    }
}

async fn transition(
    ctx: &Context<'_>,
    input: BudgetTransitionInput,
    to: Status,
) -> async_graphql::Result<BudgetPayload> {
    let rc = request(ctx)?;
    let result = async {
        let id = node::expect(Kind::Budget, &input.id, &["id"])?;
        let on_behalf_of = input
            .on_behalf_of
            .as_ref()
            .map(|c| node::expect(Kind::Contact, c, &["onBehalfOf"]))
            .transpose()?;
        budgets::transition(&rc.db, &rc.caller, id, to, on_behalf_of).await
    }
    .await;
    BudgetPayload::of(result, Budget)
}
