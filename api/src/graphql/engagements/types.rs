//! `Engagement`, its lines, stakeholders and history.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use tandem_entities::{
    engagement, engagement_line, engagement_staff, engagement_stakeholder, engagement_transition,
    funding_split, spend_entry,
};

use crate::domain::{self, burn, engagement::format_quantity};
use crate::enum_filter;
use crate::error::AppError;
use crate::graphql::catalog::{BuyerFilter, InvestmentArea, Service, ServiceUnit};
use crate::graphql::clients::{Client, request};
use crate::graphql::connection::Counter;
use crate::graphql::contacts::Contact;
use crate::graphql::filters::{IdFilter, StringFilter};
use crate::graphql::money::Money;
use crate::graphql::node::{Kind, global_id};
use crate::graphql::page_cost;
use crate::graphql::registry::{
    PageArgs, Registry, assemble, child_connection, children_list, row,
};
use crate::graphql::scalars::Date;
use crate::graphql::splits::{FundingSplit, SpendEntry, SpendEntryConnection};
use crate::resource::{
    Clients, Contacts, DateRange, EngagementFilter as Filter, EngagementLines, EngagementOrder,
    FundingSplits, Services, Slice, SpendEntries, Staff, Stakeholders, Transitions,
};
use crate::services::filter::Combinators;

/// Where an engagement is in its lifecycle: LEAD -> QUALIFIED -> PROPOSED ->
/// WON | LOST; WON -> ACTIVE <-> ON_HOLD -> DELIVERED -> CLOSED; CANCELLED
/// from any open state.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "tandem_entities::EngagementStatus")]
pub enum EngagementStatus {
    /// A possible sale, not yet qualified.
    Lead,
    /// A qualified opportunity.
    Qualified,
    /// A proposal has been sent.
    Proposed,
    /// The client said yes.
    Won,
    /// The client said no (final).
    Lost,
    /// Being delivered.
    Active,
    /// Delivery is paused.
    OnHold,
    /// Delivery is finished.
    Delivered,
    /// Closed (final).
    Closed,
    /// Cancelled before completion (final).
    Cancelled,
}

/// How an engagement is sold.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "tandem_entities::CommercialModel")]
pub enum CommercialModel {
    /// One price for the whole scope.
    FixedFee,
    /// Billed by time and materials used.
    TimeAndMaterials,
    /// A recurring fee.
    Retainer,
    /// Paid by milestones.
    Milestone,
}

/// The part a contact plays in an engagement.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "tandem_entities::StakeholderRole")]
pub enum StakeholderRole {
    /// Owns the money.
    EconomicBuyer,
    /// Signs off the technical approach.
    TechnicalApprover,
    /// Owns the business outcome.
    BusinessOwner,
    /// Sponsors the initiative.
    Sponsor,
    /// Handles the purchase.
    Procurement,
    /// Has a say.
    Influencer,
}

/// An amount of `currency` as a `Money`; the currency was checked when it was
/// stored.
pub fn money(minor_units: i64, currency: &str) -> async_graphql::Result<Money> {
    let currency = domain::Currency::parse(currency).ok_or_else(|| {
        AppError::internal(format_args!("stored currency {currency:?} is not ISO-4217"))
    })?;
    Ok(Money(domain::Money::new(minor_units, currency)))
}

fn provider(ctx: &Context<'_>) -> async_graphql::Result<bool> {
    Ok(request(ctx)?.caller.is_provider())
}

/// Refuses a provider-only field to a client-portal user: the field is
/// `null` with a FORBIDDEN error on it alone (its type is nullable, so the
/// parent stays).
fn provider_only(ctx: &Context<'_>, what: &str) -> async_graphql::Result<()> {
    if provider(ctx)? {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!("{what} is provider-only")).into())
    }
}

fn loaders(ctx: &Context<'_>) -> async_graphql::Result<Arc<super::EngagementFigures>> {
    Ok(Registry::of(ctx)?.area::<super::EngagementFigures>())
}

/// What was sold to a client.
#[derive(Clone)]
pub struct Engagement(pub engagement::Model);

/// What was sold to a client: lines of services, the people involved on the
/// client's side, the provider's staff, and its lifecycle.
#[Object]
impl Engagement {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        global_id(Kind::Engagement, self.0.id)
    }

    /// The client it was sold to.
    async fn client(&self, ctx: &Context<'_>) -> async_graphql::Result<Client> {
        let client = row::<Clients>(ctx, self.0.client_id)
            .await?
            .ok_or_else(|| AppError::NotFound("client".into()))?;
        Ok(Client(client))
    }

    /// Code, unique within the client (upper case).
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Description, free text.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// How it is sold.
    async fn commercial_model(&self) -> CommercialModel {
        self.0.commercial_model.into()
    }

    /// ISO-4217 currency of every amount of the engagement.
    async fn currency(&self) -> &str {
        &self.0.currency
    }

    /// What the initiative invests in.
    async fn investment_area(&self) -> InvestmentArea {
        self.0.investment_area.into()
    }

    /// First day; lines are priced from the rate card in force on it.
    async fn start_date(&self) -> Date {
        self.0.start_date.into()
    }

    /// Last day (inclusive).
    async fn end_date(&self) -> Date {
        self.0.end_date.into()
    }

    /// Provider-only: chance of winning, 0 to 100 (percent); `null` with a
    /// FORBIDDEN error on this field for client-portal users.
    async fn probability(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<i32>> {
        provider_only(ctx, "probability")?;
        Ok(Some(i32::from(self.0.probability)))
    }

    /// Where it is in its lifecycle.
    async fn status(&self) -> EngagementStatus {
        self.0.status.into()
    }

    /// Name of the provider's account manager for it.
    async fn account_manager_name(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<String>> {
        let Some(id) = self.0.account_manager_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.user_names.load_one(id).await?)
    }

    /// Total (contracted) value: the sum of its lines' values plus the
    /// value adjustment that approved change orders made.
    async fn value(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        let totals = loaders(ctx)?
            .totals
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        money(totals.value_minor, &self.0.currency)
    }

    /// The sum of its lines' values, as priced when it was sold; equals
    /// `value` unless an approved change order changed the value.
    async fn lines_value(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        let totals = loaders(ctx)?
            .totals
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        money(
            totals.value_minor - self.0.value_adjustment_minor,
            &self.0.currency,
        )
    }

    /// What approved change orders added to the lines' value (negative when
    /// they took some away): `value` - `linesValue`.
    async fn value_adjustment(&self) -> async_graphql::Result<Money> {
        money(self.0.value_adjustment_minor, &self.0.currency)
    }

    /// Provider-only: value weighted by probability (value x probability /
    /// 100, rounded half up); `null` with a FORBIDDEN error on this field
    /// for client-portal users.
    async fn weighted_value(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Money>> {
        provider_only(ctx, "weightedValue")?;
        let totals = loaders(ctx)?
            .totals
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        let weighted = (i128::from(totals.value_minor) * i128::from(self.0.probability) + 50) / 100;
        money(
            i64::try_from(weighted).unwrap_or(i64::MAX),
            &self.0.currency,
        )
        .map(Some)
    }

    /// Provider-only: total cost of its lines; `null` for client-portal users.
    async fn cost(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Money>> {
        if !provider(ctx)? {
            return Ok(None);
        }
        let totals = loaders(ctx)?
            .totals
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(Some(money(totals.cost_minor, &self.0.currency)?))
    }

    /// Provider-only: value minus cost; `null` for client-portal users.
    async fn margin(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Money>> {
        if !provider(ctx)? {
            return Ok(None);
        }
        let totals = loaders(ctx)?
            .totals
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(Some(money(
            totals.value_minor - totals.cost_minor,
            &self.0.currency,
        )?))
    }

    /// Its lines, oldest first.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn lines(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return the first n lines (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Return lines after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n lines (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return lines before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<EngagementLineConnection> {
        let currency = self.0.currency.clone();
        child_connection::<EngagementLines, _>(
            ctx,
            engagement_line::Column::EngagementId,
            self.0.id,
            EngagementLines::ordering(),
            PageArgs::new(first, after, last, before),
            move |m| EngagementLine(m, currency.clone()),
        )
        .await
    }

    /// The client's people involved, with their roles.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn stakeholders(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return the first n stakeholders (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Return stakeholders after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n stakeholders (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return stakeholders before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<StakeholderConnection> {
        child_connection::<Stakeholders, _>(
            ctx,
            engagement_stakeholder::Column::EngagementId,
            self.0.id,
            Stakeholders::ordering(),
            PageArgs::new(first, after, last, before),
            Stakeholder,
        )
        .await
    }

    /// Every move through the lifecycle, oldest first.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn history(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return the first n moves (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Return moves after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n moves (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return moves before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<EngagementTransitionConnection> {
        child_connection::<Transitions, _>(
            ctx,
            engagement_transition::Column::EngagementId,
            self.0.id,
            Transitions::ordering(),
            PageArgs::new(first, after, last, before),
            EngagementTransition,
        )
        .await
    }

    /// Provider-only: the DELIVERY users staffed on it; `null` with a
    /// FORBIDDEN error on this field for client-portal users.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn staff(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return the first n people (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Return people after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n people (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return people before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<Option<StaffConnection>> {
        provider_only(ctx, "staff")?;
        child_connection::<Staff, _>(
            ctx,
            engagement_staff::Column::EngagementId,
            self.0.id,
            Staff::ordering(),
            PageArgs::new(first, after, last, before),
            StaffMember,
        )
        .await
        .map(Some)
    }

    /// When it was created (UTC).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it last changed (UTC).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Every funding split of the engagement, newest version first.
    async fn funding_splits(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<FundingSplit>> {
        let splits = children_list::<FundingSplits>(
            ctx,
            funding_split::Column::EngagementId,
            self.0.id,
            FundingSplits::ordering(),
        )
        .await?;
        Ok(splits
            .into_iter()
            .map(|s| FundingSplit(s, self.0.currency.clone()))
            .collect())
    }

    /// The approved split in force; `null` before one is approved.
    async fn approved_split(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<FundingSplit>> {
        let splits = children_list::<FundingSplits>(
            ctx,
            funding_split::Column::EngagementId,
            self.0.id,
            FundingSplits::ordering(),
        )
        .await?;
        Ok(splits
            .into_iter()
            .find(|s| s.status == tandem_entities::SplitStatus::Approved)
            .map(|s| FundingSplit(s, self.0.currency.clone())))
    }

    /// Spend recorded on the engagement, newest first.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn spend(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return the first n entries (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Return entries after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n entries (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return entries before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<SpendEntryConnection> {
        let currency = self.0.currency.clone();
        child_connection::<SpendEntries, _>(
            ctx,
            spend_entry::Column::EngagementId,
            self.0.id,
            SpendEntries::ordering(),
            PageArgs::new(first, after, last, before),
            move |m| SpendEntry(m, currency.clone()),
        )
        .await
    }

    /// Total spend recorded.
    async fn spent(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        let f = loaders(ctx)?
            .spend
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        money(f.spent_minor, &self.0.currency)
    }

    /// Value not yet spent (value - spent; negative when overspent).
    async fn remaining(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        let f = loaders(ctx)?
            .spend
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        let totals = loaders(ctx)?
            .totals
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        money(totals.value_minor - f.spent_minor, &self.0.currency)
    }

    /// Burn rate: spend per day over the last 30 days (today included),
    /// rounded half up to a minor unit.
    async fn burn_rate(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        let f = loaders(ctx)?
            .spend
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        money(burn::rate(f.last_30_days_minor), &self.0.currency)
    }

    /// Forecast at completion: spent + burn rate x days left until the end
    /// date (none once it has passed).
    async fn forecast_at_completion(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        let f = loaders(ctx)?
            .spend
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        let rate = burn::rate(f.last_30_days_minor);
        money(
            burn::forecast(f.spent_minor, rate, self.0.end_date, burn::today()),
            &self.0.currency,
        )
    }
}

/// A priced line of an engagement.
#[derive(Clone)]
pub struct EngagementLine(pub engagement_line::Model, pub String);

/// A service sold on an engagement. Its unit price and cost were copied from
/// the rate card in force on the engagement's start date, so rate-card
/// changes never alter it. Amounts: value = quantity x unit price x (1 -
/// discount) and cost = quantity x unit cost, each rounded half up to the
/// currency's minor unit once per line.
#[Object]
impl EngagementLine {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        global_id(Kind::EngagementLine, self.0.id)
    }

    /// The service sold.
    async fn service(&self, ctx: &Context<'_>) -> async_graphql::Result<Service> {
        let svc = row::<Services>(ctx, self.0.service_id)
            .await?
            .ok_or_else(|| AppError::NotFound("service".into()))?;
        Ok(Service(svc))
    }

    /// Quantity in the service's unit, as an exact decimal string (e.g. `12.5`).
    async fn quantity(&self) -> String {
        format_quantity(self.0.quantity_milli)
    }

    /// The unit of the quantity.
    async fn unit(&self) -> ServiceUnit {
        self.0.unit.into()
    }

    /// Discount in basis points (100 = 1%).
    async fn discount_basis_points(&self) -> i32 {
        self.0.discount_bp
    }

    /// Price of one unit, before discount.
    async fn unit_price(&self) -> async_graphql::Result<Money> {
        money(self.0.unit_price_minor, &self.1)
    }

    /// The line's value after discount.
    async fn value(&self) -> async_graphql::Result<Money> {
        money(self.0.value_minor, &self.1)
    }

    /// Provider-only: cost of one unit; `null` for client-portal users.
    async fn unit_cost(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Money>> {
        if !provider(ctx)? {
            return Ok(None);
        }
        Ok(Some(money(self.0.unit_cost_minor, &self.1)?))
    }

    /// Provider-only: the line's cost; `null` for client-portal users.
    async fn cost(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Money>> {
        if !provider(ctx)? {
            return Ok(None);
        }
        Ok(Some(money(self.0.cost_minor, &self.1)?))
    }

    /// Provider-only: value minus cost; `null` for client-portal users.
    async fn margin(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Money>> {
        if !provider(ctx)? {
            return Ok(None);
        }
        Ok(Some(money(
            self.0.value_minor - self.0.cost_minor,
            &self.1,
        )?))
    }

    /// Provider-only: global id of the rate-card version the price came from;
    /// `null` for client-portal users.
    async fn rate_card_version_id(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ID>> {
        Ok(provider(ctx)?.then(|| global_id(Kind::RateCardVersion, self.0.rate_card_version_id)))
    }
}

/// A contact of the client with a role in an engagement.
pub struct Stakeholder(pub engagement_stakeholder::Model);

/// A contact of the client with a role in an engagement.
#[Object]
impl Stakeholder {
    /// The contact.
    async fn contact(&self, ctx: &Context<'_>) -> async_graphql::Result<Contact> {
        let c = row::<Contacts>(ctx, self.0.contact_id)
            .await?
            .ok_or_else(|| AppError::NotFound("contact".into()))?;
        Ok(Contact(c))
    }

    /// The part they play.
    async fn role(&self) -> StakeholderRole {
        self.0.role.into()
    }
}

/// A provider user staffed on an engagement.
pub struct StaffMember(pub engagement_staff::Model);

/// A DELIVERY user staffed on an engagement.
#[Object]
impl StaffMember {
    /// Global id of the user.
    async fn user_id(&self) -> ID {
        global_id(Kind::User, self.0.user_id)
    }

    /// The user's name.
    async fn name(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        Ok(loaders(ctx)?.user_names.load_one(self.0.user_id).await?)
    }

    /// When they were staffed (UTC).
    async fn since(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// One move of an engagement through its lifecycle.
pub struct EngagementTransition(pub engagement_transition::Model);

/// One move of an engagement through its lifecycle: who, when, from, to and
/// why.
#[Object]
impl EngagementTransition {
    /// The status before; `null` for the creation of the engagement.
    async fn from(&self) -> Option<EngagementStatus> {
        self.0.from_status.map(Into::into)
    }

    /// The status after.
    async fn to(&self) -> EngagementStatus {
        self.0.to_status.into()
    }

    /// When (UTC).
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }

    /// Why, as given by the actor; `null` for client-portal users when the
    /// provider marked the reason internal.
    async fn reason(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&str>> {
        if self.0.reason_internal && !provider(ctx)? {
            return Ok(None);
        }
        Ok(self.0.reason.as_deref())
    }

    /// Name of the user who made the move; `null` for Tandem itself.
    async fn actor_name(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        let Some(id) = self.0.actor_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.user_names.load_one(id).await?)
    }
}

crate::connection!(
    EngagementConnection,
    EngagementEdge,
    Engagement,
    "engagement"
);
crate::connection!(
    EngagementLineConnection,
    EngagementLineEdge,
    EngagementLine,
    "engagement line"
);
crate::connection!(
    StakeholderConnection,
    StakeholderEdge,
    Stakeholder,
    "stakeholder"
);
crate::connection!(
    EngagementTransitionConnection,
    EngagementTransitionEdge,
    EngagementTransition,
    "lifecycle move"
);
crate::connection!(StaffConnection, StaffEdge, StaffMember, "staff member");

/// Wraps a page of engagements.
pub fn engagement_connection(
    slice: Slice<engagement::Model>,
    order: EngagementOrder,
    counter: Counter,
) -> EngagementConnection {
    assemble(slice, &order.ordering(), Engagement, counter)
}

/// How to order a list of engagements.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
#[graphql(remote = "EngagementOrder")]
pub enum EngagementOrderBy {
    /// Latest start first (the default).
    #[default]
    StartDateDesc,
    /// Earliest start first.
    StartDateAsc,
    /// By name, A to Z.
    NameAsc,
    /// By name, Z to A.
    NameDesc,
    /// By code, A to Z.
    CodeAsc,
    /// Oldest first.
    CreatedAtAsc,
    /// Newest first.
    CreatedAtDesc,
}

enum_filter!(
    EngagementStatusFilter,
    EngagementStatus,
    tandem_entities::EngagementStatus,
    "an engagement's status"
);
enum_filter!(
    InvestmentAreaFilter,
    InvestmentArea,
    tandem_entities::InvestmentArea,
    "an investment area"
);

/// A range of dates; both ends inclusive and optional.
#[derive(InputObject, Clone, Default)]
pub struct DateRangeInput {
    /// On or after this date.
    pub gte: Option<Date>,
    /// On or before this date.
    pub lte: Option<Date>,
}

impl From<DateRangeInput> for DateRange {
    fn from(r: DateRangeInput) -> Self {
        DateRange {
            gte: r.gte.map(Into::into),
            lte: r.lte.map(Into::into),
        }
    }
}

/// Which engagements to list. All given conditions must hold.
#[derive(InputObject, Clone, Default)]
pub struct EngagementFilter {
    /// Conditions on the status.
    pub status: Option<EngagementStatusFilter>,
    /// Conditions on the client.
    pub client_id: Option<IdFilter>,
    /// Conditions on the account manager (a user id).
    pub account_manager_id: Option<IdFilter>,
    /// Conditions on the investment area.
    pub investment_area: Option<InvestmentAreaFilter>,
    /// Engagements with at least one line of a service for these buyers.
    pub buyer: Option<BuyerFilter>,
    /// Conditions on the start date.
    pub start_date: Option<DateRangeInput>,
    /// Conditions on the end date.
    pub end_date: Option<DateRangeInput>,
    /// Conditions on the code.
    pub code: Option<StringFilter>,
    /// Conditions on the name.
    pub name: Option<StringFilter>,
    /// All of these filters must hold.
    pub and: Option<Vec<EngagementFilter>>,
    /// At least one of these filters must hold.
    pub or: Option<Vec<EngagementFilter>>,
    /// This filter must not hold.
    pub not: Option<Box<EngagementFilter>>,
}

impl EngagementFilter {
    /// Converts to the service's filter, decoding global ids.
    pub fn into_service(self) -> Result<Filter, AppError> {
        Ok(Filter {
            status: self.status.map(Into::into),
            client_id: self
                .client_id
                .map(|f| f.decode(Kind::Client, "clientId"))
                .transpose()?,
            account_manager_id: self
                .account_manager_id
                .map(|f| f.decode(Kind::User, "accountManagerId"))
                .transpose()?,
            investment_area: self.investment_area.map(Into::into),
            buyer: self.buyer.map(Into::into),
            start_date: self.start_date.map(Into::into),
            end_date: self.end_date.map(Into::into),
            code: self.code.map(Into::into),
            name: self.name.map(Into::into),
            combinators: Combinators::convert(
                self.and,
                self.or,
                self.not,
                EngagementFilter::into_service,
            )?,
        })
    }
}
