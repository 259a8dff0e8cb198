//! `FundingSource`, `Budget`, `BudgetLine` and their figures.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use tandem_entities::{budget, budget_line, funding_source};
use uuid::Uuid;

use crate::enum_filter;
use crate::error::AppError;
use crate::graphql::budgets::loaders::BudgetFigures;
use crate::graphql::clients::Client;
use crate::graphql::connection::Counter;
use crate::graphql::contacts::Contact;
use crate::graphql::engagements::money;
use crate::graphql::filters::{IdFilter, IntFilter, StringFilter};
use crate::graphql::money::Money;
use crate::graphql::node::{Kind, global_id};
use crate::graphql::page_cost;
use crate::graphql::registry::{PageArgs, Registry, assemble, child_connection, row};
use crate::graphql::scalars::Date;
use crate::resource::{
    BudgetLines, BudgetOrder, Budgets, Clients, Contacts, FundingSourceFilter as SourceFilter,
    FundingSourceOrder, FundingSources, Slice,
};
use crate::services::budgets::{self, figures};
use crate::services::filter::Combinators;

/// Whose money a funding source is.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Ord, PartialOrd)]
#[graphql(remote = "tandem_entities::FundingFunction")]
pub enum FundingFunction {
    /// The CMO's marketing budget.
    Marketing,
    /// The CIO's budget to run the business.
    ItRun,
    /// The CIO's budget for technology serving customers.
    BusinessTech,
    /// The sales organisation's budget.
    Sales,
    /// Any other budget.
    Other,
}

/// How the money is accounted for.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "tandem_entities::ExpenseType")]
pub enum ExpenseType {
    /// Operating expense.
    Opex,
    /// Capital expense.
    Capex,
}

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

fn figures_of(ctx: &Context<'_>) -> async_graphql::Result<Arc<BudgetFigures>> {
    Ok(Registry::of(ctx)?.area::<BudgetFigures>())
}

/// A pot of a client's money, owned by one of the client's contacts.
#[derive(Clone)]
pub struct FundingSource(pub funding_source::Model);

impl FundingSource {
    async fn amounts(&self, ctx: &Context<'_>) -> async_graphql::Result<figures::Amounts> {
        Ok(figures_of(ctx)?
            .sources
            .load_one(self.0.id)
            .await?
            .unwrap_or_default())
    }
}

/// A pot of a client's money (the CMO's marketing budget, the CIO's run or
/// business-technology budgets, ...), owned by one of the client's contacts.
/// Its figures add up all its budget lines, in its own currency.
#[Object]
impl FundingSource {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        global_id(Kind::FundingSource, self.0.id)
    }

    /// The client whose money it is.
    async fn client(&self, ctx: &Context<'_>) -> async_graphql::Result<Client> {
        let client = row::<Clients>(ctx, self.0.client_id)
            .await?
            .ok_or_else(|| AppError::NotFound("client".into()))?;
        Ok(Client(client))
    }

    /// Name, e.g. "Brand marketing 2026".
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Whose money it is.
    async fn function(&self) -> FundingFunction {
        self.0.function.into()
    }

    /// The contact who owns (and approves spend from) it.
    async fn owner(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Contact>> {
        Ok(row::<Contacts>(ctx, self.0.owner_contact_id)
            .await?
            .map(Contact))
    }

    /// The client's reference for it: a cost centre or purchase order.
    async fn external_ref(&self) -> Option<&str> {
        self.0.external_ref.as_deref()
    }

    /// ISO-4217 currency of its money.
    async fn currency(&self) -> &str {
        &self.0.currency
    }

    /// Operating or capital expense.
    async fn expense_type(&self) -> ExpenseType {
        self.0.expense_type.into()
    }

    /// Whether it takes new budget lines; archived sources (`false`) stay
    /// readable.
    async fn active(&self) -> bool {
        self.0.active
    }

    /// Planned money across all its budget lines.
    async fn planned(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        money(self.amounts(ctx).await?.planned, &self.0.currency)
    }

    /// Money allocated to engagements across all its budget lines.
    async fn allocated(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        money(self.amounts(ctx).await?.allocated, &self.0.currency)
    }

    /// Money spent within the periods of its budget lines.
    async fn spent(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        money(self.amounts(ctx).await?.spent, &self.0.currency)
    }

    /// Planned minus allocated, across all its budget lines.
    async fn remaining(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        money(self.amounts(ctx).await?.remaining(), &self.0.currency)
    }

    /// Spend per day: the sum of the burn rates of all its budget lines
    /// (see `BudgetLine.burnRate`), so spend dated in the last 30 days
    /// (today, UTC, included) inside a line's period, over 30.
    async fn burn_rate(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        money(self.amounts(ctx).await?.burn_rate, &self.0.currency)
    }

    /// Forecast at completion: the sum of the forecasts of all its budget
    /// lines (see `BudgetLine.forecastAtCompletion`), so each line's spend
    /// plus its burn rate for every day left until the end of its period.
    /// For a source with one FY line per year this is its spend plus its
    /// burn rate until the end of the fiscal year containing today.
    async fn forecast_at_completion(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        money(self.amounts(ctx).await?.forecast, &self.0.currency)
    }

    /// When it was created (UTC).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it was last changed (UTC).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// Planned, allocated, spent and remaining money in one currency. Figures
/// in different currencies are never added together: a budget holding
/// sources of several currencies has one `Figures` per currency.
pub struct Figures {
    pub currency: String,
    pub amounts: figures::Amounts,
}

/// Planned, allocated, spent and remaining money in one currency, with the
/// burn rate and forecast at completion of the budget lines counted. Figures
/// in different currencies are never added together.
#[Object]
impl Figures {
    /// ISO-4217 currency of every amount here.
    async fn currency(&self) -> &str {
        &self.currency
    }

    /// Planned money.
    async fn planned(&self) -> async_graphql::Result<Money> {
        money(self.amounts.planned, &self.currency)
    }

    /// Money allocated to active engagements.
    async fn allocated(&self) -> async_graphql::Result<Money> {
        money(self.amounts.allocated, &self.currency)
    }

    /// Money spent inside the lines' periods.
    async fn spent(&self) -> async_graphql::Result<Money> {
        money(self.amounts.spent, &self.currency)
    }

    /// Planned minus allocated.
    async fn remaining(&self) -> async_graphql::Result<Money> {
        money(self.amounts.remaining(), &self.currency)
    }

    /// Spent as a percentage of planned, an exact decimal string with two
    /// decimals (e.g. `"12.50"`); `null` when nothing is planned.
    async fn utilisation(&self) -> Option<String> {
        figures::utilisation(self.amounts.spent, self.amounts.planned)
    }

    /// Spend per day: the sum of the burn rates of the lines counted here
    /// (see `BudgetLine.burnRate`), so that totals, functions, owners and
    /// periods always add up.
    async fn burn_rate(&self) -> async_graphql::Result<Money> {
        money(self.amounts.burn_rate, &self.currency)
    }

    /// Forecast at completion: the sum of the forecasts of the lines counted
    /// here (see `BudgetLine.forecastAtCompletion`): each line's spend plus
    /// its burn rate for every day left until the end of its period. For a
    /// client, the lines of all its funding sources in every budget.
    async fn forecast_at_completion(&self) -> async_graphql::Result<Money> {
        money(self.amounts.forecast, &self.currency)
    }
}

/// A budget's figures for one function, in one currency.
pub struct FunctionFigures {
    pub function: FundingFunction,
    pub figures: Figures,
}

/// A budget's figures for the funding sources of one function, in one
/// currency (one entry per function and currency).
#[Object]
impl FunctionFigures {
    /// The funding sources' function.
    async fn function(&self) -> FundingFunction {
        self.function
    }

    /// Their figures.
    async fn figures(&self) -> &Figures {
        &self.figures
    }
}

/// A budget's figures for the funding sources of one owner, in one currency.
pub struct OwnerFigures {
    pub owner_id: Uuid,
    pub figures: Figures,
}

/// A budget's figures for the funding sources one contact owns, in one
/// currency (one entry per owner and currency).
#[Object]
impl OwnerFigures {
    /// The owning contact.
    async fn owner(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Contact>> {
        Ok(row::<Contacts>(ctx, self.owner_id).await?.map(Contact))
    }

    /// Their figures.
    async fn figures(&self) -> &Figures {
        &self.figures
    }
}

/// A budget's figures for one period, in one currency.
pub struct PeriodFigures {
    pub period: BudgetPeriod,
    pub figures: Figures,
}

/// A budget's figures for the lines of one period, in one currency (one
/// entry per period and currency). FY lines appear under FY only; they are
/// not spread over quarters.
#[Object]
impl PeriodFigures {
    /// The lines' period.
    async fn period(&self) -> BudgetPeriod {
        self.period
    }

    /// Their figures.
    async fn figures(&self) -> &Figures {
        &self.figures
    }
}

/// Sums `groups` by `key` and currency, ordered by key then currency.
fn grouped<K: Ord + Clone>(
    groups: &[figures::Group],
    key: impl Fn(&figures::Group) -> K,
) -> Vec<(K, Figures)> {
    let mut sums: BTreeMap<(K, String), figures::Amounts> = BTreeMap::new();
    for g in groups {
        sums.entry((key(g), g.currency.clone()))
            .or_default()
            .add(&g.amounts);
    }
    sums.into_iter()
        .map(|((k, currency), amounts)| (k, Figures { currency, amounts }))
        .collect()
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
        Ok(grouped(&groups, |_| ())
            .into_iter()
            .map(|(_, f)| f)
            .collect())
    }

    /// The figures per function of the funding sources, one entry per
    /// function and currency.
    #[graphql(complexity = "crate::graphql::cost::FIGURES + child_complexity")]
    async fn by_function(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<FunctionFigures>> {
        let groups = self.groups(ctx).await?;
        Ok(grouped(&groups, |g| FundingFunction::from(g.function))
            .into_iter()
            .map(|(function, figures)| FunctionFigures { function, figures })
            .collect())
    }

    /// The figures per owner of the funding sources, one entry per owner and
    /// currency.
    #[graphql(complexity = "crate::graphql::cost::FIGURES + child_complexity")]
    async fn by_owner(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<OwnerFigures>> {
        let groups = self.groups(ctx).await?;
        Ok(grouped(&groups, |g| g.owner_contact_id)
            .into_iter()
            .map(|(owner_id, figures)| OwnerFigures { owner_id, figures })
            .collect())
    }

    /// The figures per period of the lines, one entry per period and
    /// currency.
    #[graphql(complexity = "crate::graphql::cost::FIGURES + child_complexity")]
    async fn by_period(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PeriodFigures>> {
        let groups = self.groups(ctx).await?;
        Ok(grouped(&groups, |g| BudgetPeriod::from(g.period))
            .into_iter()
            .map(|(period, figures)| PeriodFigures { period, figures })
            .collect())
    }

    /// When it was created (UTC).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it was last changed (UTC).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
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
/// source's currency, with what is allocated to engagements and spent.
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
        money(self.0.planned_minor, &self.extras(ctx).await?.currency)
    }

    /// Money allocated to active engagements; never above `planned`.
    async fn allocated(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        money(self.0.allocated_minor, &self.extras(ctx).await?.currency)
    }

    /// Money spent from its funding source within its period.
    async fn spent(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        let extras = self.extras(ctx).await?;
        money(extras.amounts.spent, &extras.currency)
    }

    /// Planned minus allocated.
    async fn remaining(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        money(
            self.0.planned_minor.saturating_sub(self.0.allocated_minor),
            &self.extras(ctx).await?.currency,
        )
    }

    /// Spent as a percentage of planned, an exact decimal string with two
    /// decimals (e.g. `"12.50"`); `null` when nothing is planned.
    async fn utilisation(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        let extras = self.extras(ctx).await?;
        Ok(figures::utilisation(
            extras.amounts.spent,
            self.0.planned_minor,
        ))
    }

    /// Burn rate: spend per day, as for engagements: the money spent from
    /// its funding source within its period and dated in the 30 days up to
    /// and including today (UTC), divided by 30 and rounded half up to a
    /// minor unit. Zero for a period that is over or not begun.
    async fn burn_rate(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        let extras = self.extras(ctx).await?;
        money(extras.amounts.burn_rate, &extras.currency)
    }

    /// Forecast at completion: `spent` plus `burnRate` for each day left
    /// after today until the last day of its period (`endsOn`); just
    /// `spent` once the period is over.
    async fn forecast_at_completion(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        let extras = self.extras(ctx).await?;
        money(extras.amounts.forecast, &extras.currency)
    }

    /// When it was created (UTC).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it was last changed (UTC).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

crate::connection!(
    FundingSourceConnection,
    FundingSourceEdge,
    FundingSource,
    "funding source"
);
crate::connection!(BudgetConnection, BudgetEdge, Budget, "budget");
crate::connection!(
    BudgetLineConnection,
    BudgetLineEdge,
    BudgetLine,
    "budget line"
);

/// Wraps a page of funding sources read in `order` in a connection.
pub fn funding_source_connection(
    slice: Slice<funding_source::Model>,
    order: FundingSourceOrder,
    counter: Counter,
) -> FundingSourceConnection {
    assemble(slice, &order.ordering(), FundingSource, counter)
}

/// Wraps a page of budgets read in `order` in a connection.
pub fn budget_connection(
    slice: Slice<budget::Model>,
    order: BudgetOrder,
    counter: Counter,
) -> BudgetConnection {
    assemble(slice, &order.ordering(), Budget, counter)
}

/// How to order a list of funding sources.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
#[graphql(remote = "FundingSourceOrder")]
pub enum FundingSourceOrderBy {
    /// By name, A to Z (the default).
    #[default]
    NameAsc,
    /// By name, Z to A.
    NameDesc,
    /// Oldest first.
    CreatedAtAsc,
    /// Newest first.
    CreatedAtDesc,
}

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
    FundingFunctionFilter,
    FundingFunction,
    tandem_entities::FundingFunction,
    "a funding source's function"
);
enum_filter!(
    ExpenseTypeFilter,
    ExpenseType,
    tandem_entities::ExpenseType,
    "a funding source's expense type"
);
enum_filter!(
    BudgetStatusFilter,
    BudgetStatus,
    tandem_entities::BudgetStatus,
    "a budget's status"
);

/// Which funding sources to list. All given conditions must hold.
#[derive(InputObject, Default, Clone)]
pub struct FundingSourceFilter {
    /// Conditions on the client (Client global ids).
    pub client_id: Option<IdFilter>,
    /// Conditions on the function.
    pub function: Option<FundingFunctionFilter>,
    /// Conditions on the owner (Contact global ids).
    pub owner_contact_id: Option<IdFilter>,
    /// Conditions on the expense type.
    pub expense_type: Option<ExpenseTypeFilter>,
    /// Conditions on the name.
    pub name: Option<StringFilter>,
    /// Only active sources (`true`) or only archived ones (`false`).
    pub active: Option<bool>,
    /// All of these filters must hold.
    pub and: Option<Vec<FundingSourceFilter>>,
    /// At least one of these filters must hold.
    pub or: Option<Vec<FundingSourceFilter>>,
    /// This filter must not hold.
    pub not: Option<Box<FundingSourceFilter>>,
}

impl FundingSourceFilter {
    /// Converts to the service's filter, decoding global ids.
    pub fn into_service(self) -> Result<SourceFilter, AppError> {
        Ok(SourceFilter {
            client_id: self
                .client_id
                .map(|f| f.decode(Kind::Client, "clientId"))
                .transpose()?,
            function: self.function.map(Into::into),
            owner_contact_id: self
                .owner_contact_id
                .map(|f| f.decode(Kind::Contact, "ownerContactId"))
                .transpose()?,
            expense_type: self.expense_type.map(Into::into),
            name: self.name.map(Into::into),
            active: self.active,
            combinators: Combinators::convert(
                self.and,
                self.or,
                self.not,
                FundingSourceFilter::into_service,
            )?,
        })
    }
}

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
