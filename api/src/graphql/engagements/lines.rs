//! `EngagementLine`: a service sold on an engagement.

use async_graphql::{Context, ID, Object};
use tandem_entities::engagement_line;

use crate::domain::engagement::format_quantity;
use crate::error::AppError;
use crate::graphql::catalog::{Service, ServiceUnit};
use crate::graphql::context::provider;
use crate::graphql::money::{Money, money};
use crate::graphql::node::{Kind, global_id};
use crate::graphql::registry::row;
use crate::resource::Services;

/// A priced line of an engagement.
#[derive(Clone)]
pub struct EngagementLine(pub engagement_line::Model, pub crate::domain::Currency);

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
        Ok(money(self.0.unit_price_minor, self.1))
    }

    /// The line's value after discount.
    async fn value(&self) -> async_graphql::Result<Money> {
        Ok(money(self.0.value_minor, self.1))
    }

    /// Provider-only: cost of one unit; `null` for client-portal users.
    async fn unit_cost(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Money>> {
        if !provider(ctx)? {
            return Ok(None);
        }
        Ok(Some(money(self.0.unit_cost_minor, self.1)))
    }

    /// Provider-only: the line's cost; `null` for client-portal users.
    async fn cost(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Money>> {
        if !provider(ctx)? {
            return Ok(None);
        }
        Ok(Some(money(self.0.cost_minor, self.1)))
    }

    /// Provider-only: value minus cost; `null` for client-portal users.
    async fn margin(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Money>> {
        if !provider(ctx)? {
            return Ok(None);
        }
        Ok(Some(money(self.0.value_minor - self.0.cost_minor, self.1)))
    }

    /// Provider-only: global id of the rate-card version the price came from;
    /// `null` for client-portal users.
    async fn rate_card_version_id(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ID>> {
        Ok(provider(ctx)?.then(|| global_id(Kind::RateCardVersion, self.0.rate_card_version_id)))
    }
}

crate::connection!(
    EngagementLineConnection,
    EngagementLineEdge,
    EngagementLine,
    "engagement line"
);
