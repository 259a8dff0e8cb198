//! `FundingSource`: a pot of a client's money, with its figures.

use async_graphql::{Context, Enum, ID, InputObject, Object};
use tandem_entities::funding_source;

use crate::enum_filter;
use crate::error::AppError;
use crate::graphql::clients::Client;
use crate::graphql::contacts::Contact;
use crate::graphql::filters::{IdFilter, StringFilter};
use crate::graphql::money::Money;
use crate::graphql::money::money;
use crate::graphql::node::{Kind, global_id};
use crate::graphql::registry::row;
use crate::resource::{Clients, Contacts, FundingSourceFilter as SourceFilter, FundingSourceOrder};
use crate::services::budgets::figures;
use crate::services::filter::Combinators;

use crate::graphql::budgets::figures_of;

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
        self.0.currency.code()
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
        Ok(money(self.amounts(ctx).await?.planned, self.0.currency))
    }

    /// Money committed to engagements across all its budget lines (see
    /// `Figures.committed`).
    async fn committed(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        Ok(money(self.amounts(ctx).await?.committed, self.0.currency))
    }

    /// Money charged to it (actuals) within the periods of its budget
    /// lines: the charge of spend, never the provider's cost.
    async fn charged(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        Ok(money(self.amounts(ctx).await?.charged, self.0.currency))
    }

    /// What can still be committed or charged: planned minus the larger of
    /// committed and charged, line by line (charges beyond a commitment use
    /// up the line too).
    async fn available(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        Ok(money(self.amounts(ctx).await?.available, self.0.currency))
    }

    /// What submitted, not yet approved funding splits would add to the
    /// commitments of its budget lines (see `Figures.pendingDemand`).
    async fn pending_demand(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        let demand = crate::graphql::budgets::Demand {
            client: self.0.client_id,
            of: crate::graphql::budgets::DemandOf::Sources(vec![self.0.id]),
        };
        Ok(money(demand.load(ctx).await?, self.0.currency))
    }

    /// Charged as a percentage of planned across all its budget lines, an
    /// exact decimal string with two decimals; `null` when nothing is
    /// planned.
    async fn utilisation(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        let a = self.amounts(ctx).await?;
        Ok(crate::services::budgets::figures::utilisation(
            a.charged, a.planned,
        ))
    }

    /// Money committed across all its budget lines (the same as
    /// `committed`).
    #[graphql(deprecation = "Use `committed`.")]
    async fn allocated(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        Ok(money(self.amounts(ctx).await?.committed, self.0.currency))
    }

    /// Money charged within the periods of its budget lines (the same as
    /// `charged`).
    #[graphql(deprecation = "Use `charged`.")]
    async fn spent(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        Ok(money(self.amounts(ctx).await?.charged, self.0.currency))
    }

    /// Planned minus committed, across all its budget lines.
    #[graphql(deprecation = "Use `available`, which counts charges beyond a commitment.")]
    async fn remaining(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        Ok(money(self.amounts(ctx).await?.remaining(), self.0.currency))
    }

    /// Charges per day: the sum of the burn rates of all its budget lines
    /// (see `BudgetLine.burnRate`), so charges dated in the last 30 days
    /// (today, UTC, included) inside a line's period, over 30.
    async fn burn_rate(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        Ok(money(self.amounts(ctx).await?.burn_rate, self.0.currency))
    }

    /// Forecast at completion: the sum of the forecasts of all its budget
    /// lines (see `BudgetLine.forecastAtCompletion`), so for each line the
    /// larger of its commitment and its charges plus its burn rate for
    /// every day left until the end of its period.
    async fn forecast_at_completion(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        Ok(money(self.amounts(ctx).await?.forecast, self.0.currency))
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

crate::connection!(
    FundingSourceConnection,
    FundingSourceEdge,
    FundingSource,
    "funding source"
);

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
