//! Managing funding sources, budgets and budget lines (ADMIN, or the
//! client's ACCOUNT_MANAGER).

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use tandem_entities::BudgetStatus as Status;

use super::types::{Budget, BudgetLine, BudgetPeriod, ExpenseType, FundingFunction, FundingSource};
use crate::graphql::clients::request;
use crate::graphql::errors::{UserError, split};
use crate::graphql::node::{self, Kind};
use crate::graphql::patch_value;
use crate::services::budgets::{self, LineInput};
use crate::services::funding_sources::{self, FundingSourcePatch, NewFundingSource};

/// A new funding source, created active.
#[derive(InputObject)]
pub struct CreateFundingSourceInput {
    /// The client's global id.
    pub client_id: ID,
    /// Name (required, at most 200 characters).
    pub name: String,
    /// Whose money it is.
    pub function: FundingFunction,
    /// Global id of the owning contact, who must be a contact of the client.
    pub owner_contact_id: ID,
    /// The client's reference: cost centre or purchase order (at most 100
    /// characters).
    pub external_ref: Option<String>,
    /// ISO-4217 currency; the client's default currency when omitted.
    pub currency: Option<String>,
    /// Operating or capital expense.
    pub expense_type: ExpenseType,
}

/// Changes to a funding source; omitted fields stay as they are. The
/// currency never changes.
#[derive(InputObject)]
pub struct UpdateFundingSourceInput {
    /// The funding source's global id.
    pub id: ID,
    /// New name.
    pub name: Option<String>,
    /// New function.
    pub function: Option<FundingFunction>,
    /// New owner: a contact of the same client.
    pub owner_contact_id: Option<ID>,
    /// New external reference; `null` clears it.
    pub external_ref: MaybeUndefined<String>,
    /// New expense type.
    pub expense_type: Option<ExpenseType>,
    /// Reactivate (`true`) or archive (`false`).
    pub active: Option<bool>,
}

/// The funding source to archive.
#[derive(InputObject)]
pub struct ArchiveFundingSourceInput {
    /// The funding source's global id.
    pub id: ID,
}

/// The result of a change to a funding source.
#[derive(SimpleObject)]
pub struct FundingSourcePayload {
    /// The funding source after the change; `null` when there are user
    /// errors.
    pub funding_source: Option<FundingSource>,
    /// Problems with the input; empty on success.
    pub user_errors: Vec<UserError>,
}

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
}

/// The result of a change to a budget.
#[derive(SimpleObject)]
pub struct BudgetPayload {
    /// The budget after the change; `null` when there are user errors.
    pub budget: Option<Budget>,
    /// Problems with the input; empty on success.
    pub user_errors: Vec<UserError>,
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
}

/// The budget line to remove.
#[derive(InputObject)]
pub struct RemoveBudgetLineInput {
    /// The budget line's global id.
    pub id: ID,
}

/// The result of a change to a budget line.
#[derive(SimpleObject)]
pub struct BudgetLinePayload {
    /// The line after the change (or as it was, when removed); `null` when
    /// there are user errors.
    pub line: Option<BudgetLine>,
    /// Problems with the input; empty on success.
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct BudgetMutation;

#[Object]
impl BudgetMutation {
    /// Creates a funding source of a client. The owner must be a contact of
    /// that client (NOT_FOUND on `ownerContactId` otherwise).
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn create_funding_source(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new funding source.")] input: CreateFundingSourceInput,
    ) -> async_graphql::Result<FundingSourcePayload> {
        let rc = request(ctx)?;
        let result = async {
            let client_id = node::expect(Kind::Client, &input.client_id, &["input", "clientId"])?;
            let owner = node::expect(
                Kind::Contact,
                &input.owner_contact_id,
                &["input", "ownerContactId"],
            )?;
            let new = NewFundingSource {
                client_id,
                name: input.name,
                function: input.function.into(),
                owner_contact_id: owner,
                external_ref: input.external_ref,
                currency: input.currency,
                expense_type: input.expense_type.into(),
            };
            funding_sources::create(&rc.db, &rc.caller, new).await
        }
        .await;
        let (source, user_errors) = split(result)?;
        Ok(FundingSourcePayload {
            funding_source: source.map(FundingSource),
            user_errors,
        })
    }

    /// Changes a funding source.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn update_funding_source(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The funding source and the changes.")] input: UpdateFundingSourceInput,
    ) -> async_graphql::Result<FundingSourcePayload> {
        let rc = request(ctx)?;
        let result = async {
            let id = node::expect(Kind::FundingSource, &input.id, &["input", "id"])?;
            let owner = input
                .owner_contact_id
                .as_ref()
                .map(|o| node::expect(Kind::Contact, o, &["input", "ownerContactId"]))
                .transpose()?;
            let patch = FundingSourcePatch {
                name: input.name,
                function: input.function.map(Into::into),
                owner_contact_id: owner,
                external_ref: patch_value(input.external_ref),
                expense_type: input.expense_type.map(Into::into),
                active: input.active,
            };
            funding_sources::update(&rc.db, &rc.caller, id, patch).await
        }
        .await;
        let (source, user_errors) = split(result)?;
        Ok(FundingSourcePayload {
            funding_source: source.map(FundingSource),
            user_errors,
        })
    }

    /// Archives a funding source (`active` becomes false): it stays readable
    /// and keeps its lines, but takes no new budget lines. Archiving an
    /// archived source changes nothing.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn archive_funding_source(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The funding source to archive.")] input: ArchiveFundingSourceInput,
    ) -> async_graphql::Result<FundingSourcePayload> {
        let rc = request(ctx)?;
        let result = match node::expect(Kind::FundingSource, &input.id, &["input", "id"]) {
            Ok(id) => funding_sources::archive(&rc.db, &rc.caller, id).await,
            Err(e) => Err(e),
        };
        let (source, user_errors) = split(result)?;
        Ok(FundingSourcePayload {
            funding_source: source.map(FundingSource),
            user_errors,
        })
    }

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
        let result = match node::expect(Kind::Client, &input.client_id, &["input", "clientId"]) {
            Ok(id) => budgets::create(&rc.db, &rc.caller, id, input.fiscal_year).await,
            Err(e) => Err(e),
        };
        let (budget, user_errors) = split(result)?;
        Ok(BudgetPayload {
            budget: budget.map(Budget),
            user_errors,
        })
    }

    /// Approves a DRAFT budget; any other status is INVALID_TRANSITION.
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

    /// Creates or changes the line of a funding source for a period. Planned
    /// money may not go below what is allocated (INVALID on `planned`); a
    /// closed budget is LOCKED.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn set_budget_line(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The line to set.")] input: SetBudgetLineInput,
    ) -> async_graphql::Result<BudgetLinePayload> {
        let rc = request(ctx)?;
        let result = async {
            let budget_id = node::expect(Kind::Budget, &input.budget_id, &["input", "budgetId"])?;
            let source = node::expect(
                Kind::FundingSource,
                &input.funding_source_id,
                &["input", "fundingSourceId"],
            )?;
            let line = LineInput {
                budget_id,
                funding_source_id: source,
                period: input.period.into(),
                planned: input.planned,
            };
            budgets::set_line(&rc.db, &rc.caller, line).await
        }
        .await;
        let (line, user_errors) = split(result)?;
        Ok(BudgetLinePayload {
            line: line.map(BudgetLine),
            user_errors,
        })
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
        let result = match node::expect(Kind::BudgetLine, &input.id, &["input", "id"]) {
            Ok(id) => budgets::remove_line(&rc.db, &rc.caller, id).await,
            Err(e) => Err(e),
        };
        let (line, user_errors) = split(result)?;
        Ok(BudgetLinePayload {
            line: line.map(BudgetLine),
            user_errors,
        })
    }
}

async fn transition(
    ctx: &Context<'_>,
    input: BudgetTransitionInput,
    to: Status,
) -> async_graphql::Result<BudgetPayload> {
    let rc = request(ctx)?;
    let result = match node::expect(Kind::Budget, &input.id, &["input", "id"]) {
        Ok(id) => budgets::transition(&rc.db, &rc.caller, id, to).await,
        Err(e) => Err(e),
    };
    let (budget, user_errors) = split(result)?;
    Ok(BudgetPayload {
        budget: budget.map(Budget),
        user_errors,
    })
}
