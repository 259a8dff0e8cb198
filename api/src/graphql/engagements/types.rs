//! `Engagement`: what was sold, with its figures and nested lists.

use std::sync::Arc;

use async_graphql::{Context, ID, Object};
use tandem_entities::{
    engagement, engagement_line, engagement_staff, engagement_stakeholder, engagement_transition,
    funding_split, spend_entry,
};

use super::*;
use crate::domain::burn;
use crate::error::AppError;
use crate::graphql::catalog::InvestmentArea;
use crate::graphql::clients::Client;
use crate::graphql::context::{provider, provider_only};
use crate::graphql::money::{Money, money};
use crate::graphql::node::{Kind, global_id};
use crate::graphql::page_cost;
use crate::graphql::registry::{PageArgs, Registry, child_connection, children_list, row};
use crate::graphql::scalars::Date;
use crate::graphql::splits::{FundingSplit, SpendEntry, SpendEntryConnection};
use crate::resource::{
    Clients, EngagementLines, FundingSplits, SpendEntries, Staff, Stakeholders, Transitions,
};
use crate::services::engagements::Totals;

pub(super) fn loaders(ctx: &Context<'_>) -> async_graphql::Result<Arc<super::EngagementFigures>> {
    Ok(Registry::of(ctx)?.area::<super::EngagementFigures>())
}

/// The display name of a user, batched with the request's other names.
pub(crate) async fn user_name(
    ctx: &Context<'_>,
    id: uuid::Uuid,
) -> async_graphql::Result<Option<String>> {
    Ok(loaders(ctx)?.user_names.load_one(id).await?)
}

/// What was sold to a client.
#[derive(Clone)]
pub struct Engagement(pub engagement::Model);

impl Engagement {
    /// Its value and cost (one batched load per request).
    async fn totals(&self, ctx: &Context<'_>) -> async_graphql::Result<Totals> {
        Ok(loaders(ctx)?
            .totals
            .load_one(self.0.id)
            .await?
            .unwrap_or_default())
    }

    /// An amount in its currency.
    fn in_currency(&self, minor_units: i64) -> async_graphql::Result<Money> {
        Ok(money(minor_units, self.0.currency))
    }
}

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
        self.0.currency.code()
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

    /// Provider-only: chance of winning, 0 to 100 (percent): the stage's
    /// default (configurable for LEAD, QUALIFIED and PROPOSED; 100 from WON
    /// on, 0 when LOST or CANCELLED) unless set while the sale was open;
    /// `null` with a FORBIDDEN error on this field for client-portal users.
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
        let totals = self.totals(ctx).await?;
        self.in_currency(totals.value_minor)
    }

    /// The sum of its lines' values, as priced when it was sold; equals
    /// `value` unless an approved change order changed the value.
    async fn lines_value(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        let totals = self.totals(ctx).await?;
        self.in_currency(totals.value_minor - self.0.value_adjustment_minor)
    }

    /// What approved change orders added to the lines' value (negative when
    /// they took some away): `value` - `linesValue`.
    async fn value_adjustment(&self) -> async_graphql::Result<Money> {
        self.in_currency(self.0.value_adjustment_minor)
    }

    /// Provider-only: value weighted by probability (value x probability /
    /// 100, rounded half up); `null` with a FORBIDDEN error on this field
    /// for client-portal users.
    async fn weighted_value(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Money>> {
        provider_only(ctx, "weightedValue")?;
        let totals = self.totals(ctx).await?;
        let weighted = (i128::from(totals.value_minor) * i128::from(self.0.probability) + 50) / 100;
        self.in_currency(i64::try_from(weighted).unwrap_or(i64::MAX))
            .map(Some)
    }

    /// Provider-only: total cost of its lines; `null` for client-portal users.
    async fn cost(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Money>> {
        if !provider(ctx)? {
            return Ok(None);
        }
        let totals = self.totals(ctx).await?;
        Ok(Some(self.in_currency(totals.cost_minor)?))
    }

    /// Provider-only: value minus cost; `null` for client-portal users.
    async fn margin(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Money>> {
        if !provider(ctx)? {
            return Ok(None);
        }
        let totals = self.totals(ctx).await?;
        Ok(Some(
            self.in_currency(totals.value_minor - totals.cost_minor)?,
        ))
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
        let currency = self.0.currency;
        child_connection::<EngagementLines, _>(
            ctx,
            engagement_line::Column::EngagementId,
            self.0.id,
            EngagementLines::ordering(),
            PageArgs::new(first, after, last, before),
            move |m| EngagementLine(m, currency),
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
    async fn created_at(&self) -> crate::graphql::scalars::Instant {
        self.0.created_at.into()
    }

    /// When it last changed (UTC).
    async fn updated_at(&self) -> crate::graphql::scalars::Instant {
        self.0.updated_at.into()
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
            .map(|s| FundingSplit(s, self.0.currency))
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
            .map(|s| FundingSplit(s, self.0.currency)))
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
        let currency = self.0.currency;
        child_connection::<SpendEntries, _>(
            ctx,
            spend_entry::Column::EngagementId,
            self.0.id,
            SpendEntries::ordering(),
            PageArgs::new(first, after, last, before),
            move |m| SpendEntry(m, currency),
        )
        .await
    }

    /// What the spend so far charged the client (the same as `charged`).
    #[graphql(deprecation = "Use `charged` (the client's side) or `actualCost` (the provider's).")]
    async fn spent(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        self.charged(ctx).await
    }

    /// What the spend so far charged the client: what counts towards the
    /// client's pots (labour at its lines' prices, pass-through costs with
    /// their markup, nothing for non-billable spend, and on FIXED_FEE and
    /// MILESTONE engagements never more than the value).
    async fn charged(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        let f = loaders(ctx)?
            .spend
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        self.in_currency(f.spent_minor)
    }

    /// Provider-only: what the spend so far cost the provider; `null` for
    /// client-portal users.
    async fn actual_cost(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Money>> {
        if !provider(ctx)? {
            return Ok(None);
        }
        let f = loaders(ctx)?
            .spend
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(Some(self.in_currency(f.cost_minor)?))
    }

    /// Provider-only: charged minus actual cost, the margin made so far
    /// (next to `margin`, the planned one); `null` for client-portal users.
    async fn actual_margin(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Money>> {
        if !provider(ctx)? {
            return Ok(None);
        }
        let f = loaders(ctx)?
            .spend
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(Some(self.in_currency(f.spent_minor - f.cost_minor)?))
    }

    /// Value not yet charged (value - charged; negative when overspent).
    async fn remaining(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        let f = loaders(ctx)?
            .spend
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        let totals = self.totals(ctx).await?;
        self.in_currency(totals.value_minor - f.spent_minor)
    }

    /// Burn rate: spend per day over the last 30 days (today included),
    /// rounded half up to a minor unit.
    async fn burn_rate(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        let f = loaders(ctx)?
            .spend
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        self.in_currency(burn::rate(f.last_30_days_minor))
    }

    /// Forecast at completion: the larger of `committed` (what it holds on
    /// the client's budget lines is money the client expects to pay) and
    /// `charged` plus the burn rate for every day left until the end date
    /// (none once it has passed).
    async fn forecast_at_completion(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        let l = loaders(ctx)?;
        let f = l.spend.load_one(self.0.id).await?.unwrap_or_default();
        let committed = l.committed.load_one(self.0.id).await?.unwrap_or(0);
        let rate = burn::rate(f.last_30_days_minor);
        self.in_currency(Ord::max(
            committed,
            burn::forecast(f.spent_minor, rate, self.0.end_date, burn::today()),
        ))
    }

    /// What it holds committed on the client's budget lines: its split's
    /// shares phased over the periods it spans at activation (or its last
    /// change order), less what cancelling or closing it released. Zero
    /// before it is ACTIVE.
    async fn committed(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        let held = loaders(ctx)?
            .committed
            .load_one(self.0.id)
            .await?
            .unwrap_or(0);
        self.in_currency(held)
    }

    /// What its submitted, not yet approved funding split would add to the
    /// client's budget lines if approved (line by line, beyond what it
    /// already holds there); zero without one.
    async fn pending_demand(&self, ctx: &Context<'_>) -> async_graphql::Result<Money> {
        let demand = loaders(ctx)?
            .pending_demand
            .load_one(self.0.id)
            .await?
            .unwrap_or(0);
        self.in_currency(demand)
    }

    /// Charged as a percentage of its value, an exact decimal string with
    /// two decimals (e.g. `"12.50"`); `null` when its value is zero.
    async fn utilisation(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        let f = loaders(ctx)?
            .spend
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        let totals = self.totals(ctx).await?;
        Ok(crate::services::budgets::figures::utilisation(
            f.spent_minor,
            totals.value_minor,
        ))
    }
}

crate::connection!(
    EngagementConnection,
    EngagementEdge,
    Engagement,
    "engagement"
);
