//! The `Client` type and its enums and inputs.

use async_graphql::{Context, Enum, ID, InputObject, Object};
use tandem_entities::{budget, client, contact, engagement, funding_source};

use crate::enum_filter;
use crate::graphql::contacts::{Contact, ContactConnection, ContactOrderBy};
use crate::graphql::engagements::{Engagement, EngagementConnection, EngagementOrderBy};
use crate::graphql::filters::StringFilter;
use crate::graphql::node::{Kind, global_id};
use crate::graphql::page_cost;
use crate::graphql::registry::{PageArgs, child_connection};
use crate::resource::{
    BudgetOrder, Budgets, ClientFilter as Filter, ClientOrder, ContactOrder, Contacts,
    EngagementOrder, Engagements, FundingSourceOrder, FundingSources,
};
use crate::services::filter::Combinators;

/// Whether a client is current.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "tandem_entities::ClientStatus")]
pub enum ClientStatus {
    /// A current client: engagements can be sold to it.
    Active,
    /// A former client, kept for history; it takes no new contacts.
    Archived,
}

/// A buying company: the client of the provider.
#[derive(Clone)]
pub struct Client(pub client::Model);

/// A buying company: the client of the provider.
#[Object]
impl Client {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        global_id(Kind::Client, self.0.id)
    }

    /// The company's name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Short unique code, upper case (e.g. `ACME`).
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// Industry, free text (e.g. "Retail").
    async fn industry(&self) -> Option<&str> {
        self.0.industry.as_deref()
    }

    /// Region, free text (e.g. "EMEA").
    async fn region(&self) -> Option<&str> {
        self.0.region.as_deref()
    }

    /// ISO-4217 code of the currency the client buys in by default.
    async fn default_currency(&self) -> &str {
        self.0.default_currency.code()
    }

    /// Month (1 = January) in which the client's fiscal year starts.
    async fn fiscal_year_start_month(&self) -> i32 {
        i32::from(self.0.fiscal_year_start_month)
    }

    /// Whether the client is current or archived.
    async fn status(&self) -> ClientStatus {
        self.0.status.into()
    }

    /// When the client was created (UTC).
    async fn created_at(&self) -> crate::graphql::scalars::Instant {
        self.0.created_at.into()
    }

    /// When the client was last changed (UTC).
    async fn updated_at(&self) -> crate::graphql::scalars::Instant {
        self.0.updated_at.into()
    }

    /// The client's contacts, a page at a time.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn contacts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return the first n contacts (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Return contacts after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n contacts (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return contacts before this cursor.")] before: Option<String>,
        #[graphql(desc = "Order of the contacts; by name by default.")] order_by: Option<
            ContactOrderBy,
        >,
    ) -> async_graphql::Result<ContactConnection> {
        let order: ContactOrder = order_by.unwrap_or_default().into();
        child_connection::<Contacts, _>(
            ctx,
            contact::Column::ClientId,
            self.0.id,
            order.ordering(),
            PageArgs::new(first, after, last, before),
            Contact,
        )
        .await
    }

    /// The client's money across all its funding sources and budgets:
    /// planned, committed, charged and available, one entry per currency. Its
    /// burn rate and forecast at completion are the sums of those of every
    /// budget line of its funding sources (each line forecast to the end of
    /// its own period), so they match the sum of its sources' figures.
    #[graphql(complexity = "crate::graphql::cost::FIGURES + child_complexity")]
    async fn budget_figures(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::graphql::budgets::Figures>> {
        let rows = crate::graphql::registry::Registry::of(ctx)?
            .area::<crate::graphql::budgets::BudgetFigures>()
            .clients
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows
            .into_iter()
            .map(
                |(currency, amounts, sources)| crate::graphql::budgets::Figures {
                    currency,
                    amounts,
                    demand: crate::graphql::budgets::Demand {
                        client: self.0.id,
                        of: crate::graphql::budgets::DemandOf::Sources(sources),
                    },
                },
            )
            .collect())
    }

    /// The client's engagements, a page at a time.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn engagements(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return the first n engagements (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Return engagements after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n engagements (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return engagements before this cursor.")] before: Option<String>,
        #[graphql(desc = "Order of the engagements; latest start first by default.")]
        order_by: Option<EngagementOrderBy>,
    ) -> async_graphql::Result<EngagementConnection> {
        let order: EngagementOrder = order_by.unwrap_or_default().into();
        child_connection::<Engagements, _>(
            ctx,
            engagement::Column::ClientId,
            self.0.id,
            order.ordering(),
            PageArgs::new(first, after, last, before),
            Engagement,
        )
        .await
    }

    /// The client's funding sources, by name unless `orderBy` says
    /// otherwise, a page at a time.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn funding_sources(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return the first n funding sources (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Return funding sources after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n funding sources (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return funding sources before this cursor.")] before: Option<String>,
        #[graphql(desc = "Order of the funding sources; by name, A to Z, by default.")]
        order_by: Option<crate::graphql::funding_sources::FundingSourceOrderBy>,
    ) -> async_graphql::Result<crate::graphql::funding_sources::FundingSourceConnection> {
        let order: FundingSourceOrder = order_by.unwrap_or_default().into();
        child_connection::<FundingSources, _>(
            ctx,
            funding_source::Column::ClientId,
            self.0.id,
            order.ordering(),
            PageArgs::new(first, after, last, before),
            crate::graphql::funding_sources::FundingSource,
        )
        .await
    }

    /// The client's approval rules, oldest first: the extra approvers its
    /// splits above a value need.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn approval_rules(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return the first n rules (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Return rules after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n rules (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return rules before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<crate::graphql::governance::ApprovalRuleConnection> {
        child_connection::<crate::resource::ApprovalRules, _>(
            ctx,
            tandem_entities::approval_rule::Column::ClientId,
            self.0.id,
            crate::resource::ApprovalRules::ordering(),
            PageArgs::new(first, after, last, before),
            crate::graphql::governance::ApprovalRule,
        )
        .await
    }

    /// The client's budgets, latest fiscal year first unless `orderBy` says
    /// otherwise, a page at a time.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn budgets(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return the first n budgets (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Return budgets after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n budgets (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return budgets before this cursor.")] before: Option<String>,
        #[graphql(desc = "Order of the budgets; latest fiscal year first by default.")]
        order_by: Option<crate::graphql::budgets::BudgetOrderBy>,
    ) -> async_graphql::Result<crate::graphql::budgets::BudgetConnection> {
        let order: BudgetOrder = order_by.unwrap_or_default().into();
        child_connection::<Budgets, _>(
            ctx,
            budget::Column::ClientId,
            self.0.id,
            order.ordering(),
            PageArgs::new(first, after, last, before),
            crate::graphql::budgets::Budget,
        )
        .await
    }
}

/// How to order a list of clients.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
#[graphql(remote = "ClientOrder")]
pub enum ClientOrderBy {
    /// By name, A to Z.
    #[default]
    NameAsc,
    /// By name, Z to A.
    NameDesc,
    /// By code, A to Z.
    CodeAsc,
    /// By code, Z to A.
    CodeDesc,
    /// Oldest first.
    CreatedAtAsc,
    /// Newest first.
    CreatedAtDesc,
}

enum_filter!(
    ClientStatusFilter,
    ClientStatus,
    tandem_entities::ClientStatus,
    "a client's status"
);

/// Which clients to list. All given conditions must hold.
#[derive(InputObject, Default, Clone)]
pub struct ClientFilter {
    /// Conditions on the name.
    pub name: Option<StringFilter>,
    /// Conditions on the code.
    pub code: Option<StringFilter>,
    /// Conditions on the industry.
    pub industry: Option<StringFilter>,
    /// Conditions on the region.
    pub region: Option<StringFilter>,
    /// Conditions on the status.
    pub status: Option<ClientStatusFilter>,
    /// All of these filters must hold.
    pub and: Option<Vec<ClientFilter>>,
    /// At least one of these filters must hold.
    pub or: Option<Vec<ClientFilter>>,
    /// This filter must not hold.
    pub not: Option<Box<ClientFilter>>,
}

impl From<ClientFilter> for Filter {
    fn from(f: ClientFilter) -> Self {
        Filter {
            name: f.name.map(Into::into),
            code: f.code.map(Into::into),
            industry: f.industry.map(Into::into),
            region: f.region.map(Into::into),
            status: f.status.map(Into::into),
            combinators: Combinators {
                and: f
                    .and
                    .unwrap_or_default()
                    .into_iter()
                    .map(Into::into)
                    .collect(),
                or: f
                    .or
                    .unwrap_or_default()
                    .into_iter()
                    .map(Into::into)
                    .collect(),
                not: f.not.map(|n| Box::new((*n).into())),
            },
        }
    }
}

crate::connection!(ClientConnection, ClientEdge, Client, "client");
