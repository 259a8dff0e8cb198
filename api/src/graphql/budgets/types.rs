//! `Budget`, `BudgetLine` and the figures of budgets and funding sources.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object};
use tandem_entities::{budget, budget_line};

use super::figures::*;
use crate::enum_filter;
use crate::error::AppError;
use crate::graphql::budgets::loaders::BudgetFigures;
use crate::graphql::clients::Client;
use crate::graphql::filters::{IdFilter, IntFilter};
use crate::graphql::funding_sources::*;
use crate::graphql::money::Money;
use crate::graphql::money::money;
use crate::graphql::node::{Kind, global_id};
use crate::graphql::page_cost;
use crate::graphql::registry::{PageArgs, Registry, child_connection, row};
use crate::graphql::scalars::Date;
use crate::resource::{BudgetLines, BudgetOrder, Budgets, Clients, FundingSources};
use crate::services::budgets::{self, figures};
use crate::services::filter::Combinators;

/// Where a budget is in its life: DRAFT -> APPROVED -> CLOSED.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "tandem_entities::BudgetStatus")]
pub enum BudgetStatus {
    /// Being prepared.
    Draft,
    /// Agreed with the client.
    Approved,
    /// Over: its lines no longer change.
    Closed,
}

/// The part of the fiscal year a budget line covers.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Ord, PartialOrd)]
#[graphql(remote = "tandem_entities::BudgetPeriod")]
pub enum BudgetPeriod {
    /// The whole fiscal year.
    Fy,
    /// The first three months of the fiscal year.
    Q1,
    /// Months four to six of the fiscal year.
    Q2,
    /// Months seven to nine of the fiscal year.
    Q3,
    /// The last three months of the fiscal year.
    Q4,
}

pub(crate) fn figures_of(ctx: &Context<'_>) -> async_graphql::Result<Arc<BudgetFigures>> {
    Ok(Registry::of(ctx)?.area::<BudgetFigures>())
}

/// A client's budget for one fiscal year.
#[derive(Clone)]
pub struct Budget(pub budget::Model);

impl Budget {
    async fn groups(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<figures::Group>> {
        Ok(figures_of(ctx)?
            .budget_groups
            .load_one(self.0.id)
            .await?
            .unwrap_or_default())
    }
}

/// A client's budget for one fiscal year: the combined CMO/CIO picture of
/// marketing and IT money side by side, made of budget lines (funding
/// source x period x planned amount). Figures come per currency, since a
/// budget may hold funding sources of several currencies.
#[Object]
impl Budget {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        global_id(Kind::Budget, self.0.id)
    }

    /// The client it belongs to.
    async fn client(&self, ctx: &Context<'_>) -> async_graphql::Result<Client> {
        let client = row::<Clients>(ctx, self.0.client_id)
            .await?
            .ok_or_else(|| AppError::NotFound("client".into()))?;
        Ok(Client(client))
    }

    /// The fiscal year: the calendar year in which it starts.
    async fn fiscal_year(&self) -> i32 {
        self.0.fiscal_year
    }

    /// First day of the fiscal year: the first of the client's fiscal-year
    /// start month.
    async fn starts_on(&self) -> Date {
        self.0.starts_on.into()
    }

    /// Last day of the fiscal year (inclusive).
    async fn ends_on(&self) -> Date {
        self.0.ends_on.into()
    }

    /// Where it is in its life.
    async fn status(&self) -> BudgetStatus {
        self.0.status.into()
    }

    /// When it was approved (UTC); `null` before.
    async fn approved_at(&self) -> Option<crate::graphql::scalars::Instant> {
        self.0.approved_at.map(Into::into)
    }

    /// The client's sign-offs, in the order given: the CFO's approves the
    /// budget, as does the last of its sources' owners'.
    async fn signoffs(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<super::governance::BudgetSignoff>> {
        Ok(
            crate::graphql::registry::children_list::<crate::resource::BudgetSignoffs>(
                ctx,
                tandem_entities::budget_signoff::Column::BudgetId,
                self.0.id,
                crate::resource::BudgetSignoffs::ordering(),
            )
            .await?
            .into_iter()
            .map(super::governance::BudgetSignoff)
            .collect(),
        )
    }

    /// While it is a DRAFT: the owners of its lines' funding sources who
    /// have not signed it off yet (the budget is approved once none is left,
    /// or once the client's CFO signs); empty otherwise.
    async fn awaiting_signoff_from(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::graphql::contacts::Contact>> {
        if self.0.status != tandem_entities::BudgetStatus::Draft {
            return Ok(Vec::new());
        }
        let rc = crate::graphql::context::request(ctx)?;
        let owners = budgets::signoff::owners(&rc.db, self.0.id).await?;
        let signed: Vec<uuid::Uuid> =
            crate::graphql::registry::children_list::<crate::resource::BudgetSignoffs>(
                ctx,
                tandem_entities::budget_signoff::Column::BudgetId,
                self.0.id,
                crate::resource::BudgetSignoffs::ordering(),
            )
            .await?
            .into_iter()
            .map(|s| s.contact_id)
            .collect();
        let mut out = Vec::new();
        for owner in owners.into_iter().filter(|o| !signed.contains(o)) {
            if let Some(c) = row::<crate::resource::Contacts>(ctx, owner).await? {
                out.push(crate::graphql::contacts::Contact(c));
            }
        }
        Ok(out)
    }

    /// Every change to its lines, made or proposed, newest first.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn line_changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return the first n changes (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Return changes after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n changes (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return changes before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<super::governance::BudgetLineChangeConnection> {
        child_connection::<crate::resource::BudgetLineChanges, _>(
            ctx,
            tandem_entities::budget_line_change::Column::BudgetId,
            self.0.id,
            crate::resource::BudgetLineChanges::ordering(),
            PageArgs::new(first, after, last, before),
            super::governance::BudgetLineChange,
        )
        .await
    }

    /// Its lines, oldest first, a page at a time.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn lines(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return the first n lines (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Return lines after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n lines (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return lines before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<BudgetLineConnection> {
        child_connection::<BudgetLines, _>(
            ctx,
            budget_line::Column::BudgetId,
            self.0.id,
            BudgetLines::ordering(),
            PageArgs::new(first, after, last, before),
            BudgetLine,
        )
        .await
    }

    /// Planned, allocated, spent and remaining money of all lines, one entry
    /// per currency (empty without lines).
    #[graphql(complexity = "crate::graphql::cost::FIGURES + child_complexity")]
    async fn totals(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Figures>> {
        let groups = self.groups(ctx).await?;
        Ok(grouped(self.0.client_id, &groups, |_| ())
            .into_iter()
            .map(|(_, f)| f)
            .collect())
    }

    /// The figures per function of the funding sources, one entry per
    /// function and currency.
    #[graphql(complexity = "crate::graphql::cost::FIGURES + child_complexity")]
    async fn by_function(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<FunctionFigures>> {
        let groups = self.groups(ctx).await?;
        Ok(grouped(self.0.client_id, &groups, |g| {
            FundingFunction::from(g.function)
        })
        .into_iter()
        .map(|(function, figures)| FunctionFigures { function, figures })
        .collect())
    }

    /// The figures per owner of the funding sources, one entry per owner and
    /// currency.
    #[graphql(complexity = "crate::graphql::cost::FIGURES + child_complexity")]
    async fn by_owner(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<OwnerFigures>> {
        let groups = self.groups(ctx).await?;
        Ok(grouped(self.0.client_id, &groups, |g| g.owner_contact_id)
            .into_iter()
            .map(|(owner_id, figures)| OwnerFigures { owner_id, figures })
            .collect())
    }

    /// The figures per period of the lines, one entry per period and
    /// currency.
    #[graphql(complexity = "crate::graphql::cost::FIGURES + child_complexity")]
    async fn by_period(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PeriodFigures>> {
        let groups = self.groups(ctx).await?;
        Ok(
            grouped(self.0.client_id, &groups, |g| BudgetPeriod::from(g.period))
                .into_iter()
                .map(|(period, figures)| PeriodFigures { period, figures })
                .collect(),
        )
    }

    /// When it was created (UTC).
    async fn created_at(&self) -> crate::graphql::scalars::Instant {
        self.0.created_at.into()
    }

    /// When it was last changed (UTC).
    async fn updated_at(&self) -> crate::graphql::scalars::Instant {
        self.0.updated_at.into()
    }
}

/// Planned money of one funding source for one period of a budget.
#[derive(Clone)]
pub struct BudgetLine(pub budget_line::Model);

impl BudgetLine {
    async fn extras(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<crate::graphql::budgets::loaders::LineExtras> {
        Ok(figures_of(ctx)?
            .lines
            .load_one(self.0.id)
            .await?
            .ok_or_else(|| AppError::NotFound("budget line".into()))?)
    }

    async fn budget_model(&self, ctx: &Context<'_>) -> async_graphql::Result<budget::Model> {
        Ok(row::<Budgets>(ctx, self.0.budget_id)
            .await?
            .ok_or_else(|| AppError::NotFound("budget".into()))?)
    }
}

/// Planned money of one funding source for one period of a budget, in the
/// source's currency, with what is committed to engagements, charged and
/// still available.
#[Object]
impl BudgetLine {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        global_id(Kind::BudgetLine, self.0.id)
    }

    /// The budget it belongs to.
    async fn budget(&self, ctx: &Context<'_>) -> async_graphql::Result<Budget> {
        Ok(Budget(self.budget_model(ctx).await?))
    }

    /// The funding source whose money it plans.
    async fn funding_source(&self, ctx: &Context<'_>) -> async_graphql::Result<FundingSource> {
        let source = row::<FundingSources>(ctx, self.0.funding_source_id)
            .await?
            .ok_or_else(|| AppError::NotFound("funding source".into()))?;
        Ok(FundingSource(source))
    }

    /// The part of the fiscal year it covers.
    async fn period(&self) -> BudgetPeriod {
        self.0.period.into()
    }

    /// Every change to its planned money, newest first: who, when, the old
    /// and new amounts, why; proposals awaiting its owner among them.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn history(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return the first n changes (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Return changes after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n changes (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return changes before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<super::governance::BudgetLineChangeConnection> {
        child_connection::<crate::resource::BudgetLineChanges, _>(
            ctx,
            tandem_entities::budget_line_change::Column::BudgetLineId,
            self.0.id,
            crate::resource::BudgetLineChanges::ordering(),
            PageArgs::new(first, after, last, before),
            super::governance::BudgetLineChange,
        )
        .await
    }

    /// First day of its period.
    async fn starts_on(&self, ctx: &Context<'_>) -> async_graphql::Result<Date> {
        Ok((budgets::period_dates(&self.budget_model(ctx).await?, self.0.period).0).into())
    }

    /// Last day of its period (inclusive).
    async fn ends_on(&self, ctx: &Context<'_>) -> async_graphql::Result<Date> {
        Ok((budgets::period_dates(&self.budget_model(ctx).await?, self.0.period).1).into())
    }

    /// Planned money.
    async fn planned(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        Ok(money(
            self.0.planned_minor,
            self.extras(ctx).await?.currency,
        ))
    }

    /// Money committed to engagements on this line: what their activations
    /// and change orders hold here, phased pro rata to the days of each
    /// engagement in its period, less what cancelling or closing them
    /// released; never above `planned`.
    async fn committed(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        Ok(money(
            self.0.allocated_minor,
            self.extras(ctx).await?.currency,
        ))
    }

    /// Money charged (actuals) to its funding source within its period:
    /// the charge of spend, never the provider's cost.
    async fn charged(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        let extras = self.extras(ctx).await?;
        Ok(money(extras.amounts.charged, extras.currency))
    }

    /// What can still be committed or charged: planned minus the larger of
    /// committed and charged (charges beyond a commitment use up the line
    /// too); negative when charges passed the plan.
    async fn available(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        let extras = self.extras(ctx).await?;
        Ok(money(extras.amounts.available, extras.currency))
    }

    /// What submitted, not yet approved funding splits would add to this
    /// line's commitment if approved: each split phased as its activation
    /// would phase it, less what its engagement already holds here (a
    /// change order adds only its difference). When it exceeds `available`
    /// the pending work does not all fit.
    async fn pending_demand(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        let extras = self.extras(ctx).await?;
        let demand = Demand {
            client: extras.client,
            of: DemandOf::Lines(vec![self.0.id]),
        };
        Ok(money(demand.load(ctx).await?, extras.currency))
    }

    /// Money committed on this line (the same as `committed`).
    #[graphql(deprecation = "Use `committed`.")]
    async fn allocated(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        Ok(money(
            self.0.allocated_minor,
            self.extras(ctx).await?.currency,
        ))
    }

    /// Money charged within its period (the same as `charged`).
    #[graphql(deprecation = "Use `charged`.")]
    async fn spent(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        let extras = self.extras(ctx).await?;
        Ok(money(extras.amounts.charged, extras.currency))
    }

    /// Planned minus committed.
    #[graphql(deprecation = "Use `available`, which counts charges beyond a commitment.")]
    async fn remaining(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        Ok(money(
            self.0.planned_minor.saturating_sub(self.0.allocated_minor),
            self.extras(ctx).await?.currency,
        ))
    }

    /// Charged as a percentage of planned, an exact decimal string with two
    /// decimals (e.g. `"12.50"`); `null` when nothing is planned.
    async fn utilisation(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        let extras = self.extras(ctx).await?;
        Ok(figures::utilisation(
            extras.amounts.charged,
            self.0.planned_minor,
        ))
    }

    /// Burn rate: charges per day, as for engagements: the money charged to
    /// its funding source within its period and dated in the 30 days up to
    /// and including today (UTC), divided by 30 and rounded half up to a
    /// minor unit. Zero for a period that is over or not begun.
    async fn burn_rate(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        let extras = self.extras(ctx).await?;
        Ok(money(extras.amounts.burn_rate, extras.currency))
    }

    /// Forecast at completion: the larger of `committed` (what engagements
    /// hold here is still to be paid) and `charged` plus `burnRate` for each
    /// day left after today until the last day of its period (`endsOn`;
    /// none once the period is over).
    async fn forecast_at_completion(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        let extras = self.extras(ctx).await?;
        Ok(money(extras.amounts.forecast, extras.currency))
    }

    /// When it was created (UTC).
    async fn created_at(&self) -> crate::graphql::scalars::Instant {
        self.0.created_at.into()
    }

    /// When it was last changed (UTC).
    async fn updated_at(&self) -> crate::graphql::scalars::Instant {
        self.0.updated_at.into()
    }
}

crate::connection!(BudgetConnection, BudgetEdge, Budget, "budget");
crate::connection!(
    BudgetLineConnection,
    BudgetLineEdge,
    BudgetLine,
    "budget line"
);

/// How to order a list of budgets.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
#[graphql(remote = "BudgetOrder")]
pub enum BudgetOrderBy {
    /// Latest fiscal year first (the default).
    #[default]
    FiscalYearDesc,
    /// Earliest fiscal year first.
    FiscalYearAsc,
    /// Oldest first.
    CreatedAtAsc,
    /// Newest first.
    CreatedAtDesc,
}

enum_filter!(
    BudgetStatusFilter,
    BudgetStatus,
    tandem_entities::BudgetStatus,
    "a budget's status"
);

/// Which budgets to list. All given conditions must hold.
#[derive(InputObject, Default, Clone)]
pub struct BudgetFilter {
    /// Conditions on the client (Client global ids).
    pub client_id: Option<IdFilter>,
    /// Conditions on the fiscal year.
    pub fiscal_year: Option<IntFilter>,
    /// Conditions on the status.
    pub status: Option<BudgetStatusFilter>,
    /// All of these filters must hold.
    pub and: Option<Vec<BudgetFilter>>,
    /// At least one of these filters must hold.
    pub or: Option<Vec<BudgetFilter>>,
    /// This filter must not hold.
    pub not: Option<Box<BudgetFilter>>,
}

impl BudgetFilter {
    /// Converts to the service's filter, decoding global ids.
    pub fn into_service(self) -> Result<budgets::BudgetFilter, AppError> {
        Ok(budgets::BudgetFilter {
            client_id: self
                .client_id
                .map(|f| f.decode(Kind::Client, "clientId"))
                .transpose()?,
            fiscal_year: self.fiscal_year.map(Into::into),
            status: self.status.map(Into::into),
            combinators: Combinators::convert(
                self.and,
                self.or,
                self.not,
                BudgetFilter::into_service,
            )?,
        })
    }
}
