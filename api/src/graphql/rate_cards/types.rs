//! `RateCard`, `RateCardVersion`, `RateCardPrice` and `PriceInForce`.
//! Everything here is provider-only: client-portal users never reach a rate
//! card, and never see a cost.

use async_graphql::{Context, Enum, ID, InputObject, Object};
use tandem_entities::{rate_card, rate_card_price, rate_card_version};

use crate::error::AppError;
use crate::graphql::catalog::Service;
use crate::graphql::clients::Client;
use crate::graphql::filters::IdFilter;
use crate::graphql::money::{Money, money};
use crate::graphql::node::{Kind, global_id};
use crate::graphql::page_cost;
use crate::graphql::registry::{PageArgs, child_connection, row};
use crate::graphql::scalars::Date;
use crate::resource::{
    Clients, RateCardPrices, RateCardVersions, RateCards, Services, VersionOrder,
};
use crate::services::rate_card_versions::CardPrice;
use crate::services::rate_cards::{Quote, RateCardFilter as Filter};

/// Where a rate-card version is in its life.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "tandem_entities::RateCardVersionStatus")]
pub enum RateCardVersionStatus {
    /// Being prepared: its dates and prices may change; it prices nothing.
    Draft,
    /// In use: prices new engagement lines on the dates it covers; it can no
    /// longer change.
    Published,
    /// Out of use: prices nothing new, and its dates are free for another
    /// version. Lines priced from it keep their prices.
    Retired,
}

/// A rate card: the provider's prices and costs per service, in one
/// currency. There is one default card and at most one card per client.
#[derive(Clone)]
pub struct RateCard(pub rate_card::Model);

/// Provider-only: a rate card, the provider's prices and costs per service
/// in one currency, in dated versions. There is one default card and at most
/// one card per client; a client's card wins over the default one for the
/// services it prices.
#[Object]
impl RateCard {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        global_id(Kind::RateCard, self.0.id)
    }

    /// The card's name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The client the card is for; `null` for the default card.
    async fn client(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Client>> {
        let Some(client_id) = self.0.client_id else {
            return Ok(None);
        };
        let client = row::<Clients>(ctx, client_id).await?;
        Ok(client.map(Client))
    }

    /// Whether this is the default card, used for clients without a card of
    /// their own and for the services their card does not price.
    async fn is_default(&self) -> bool {
        self.0.client_id.is_none()
    }

    /// ISO-4217 code of the currency of every price and cost on the card.
    async fn currency(&self) -> &str {
        self.0.currency.code()
    }

    /// When the card was created (UTC).
    async fn created_at(&self) -> crate::graphql::scalars::Instant {
        self.0.created_at.into()
    }

    /// When the card or one of its versions last changed (UTC).
    async fn updated_at(&self) -> crate::graphql::scalars::Instant {
        self.0.updated_at.into()
    }

    /// The card's versions, a page at a time.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn versions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return the first n versions (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Return versions after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n versions (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return versions before this cursor.")] before: Option<String>,
        #[graphql(desc = "Order of the versions; by start date by default.")] order_by: Option<
            RateCardVersionOrderBy,
        >,
    ) -> async_graphql::Result<RateCardVersionConnection> {
        let order: VersionOrder = order_by.unwrap_or_default().into();
        child_connection::<RateCardVersions, _>(
            ctx,
            rate_card_version::Column::RateCardId,
            self.0.id,
            order.ordering(),
            PageArgs::new(first, after, last, before),
            RateCardVersion,
        )
        .await
    }
}

/// A dated version of a rate card.
#[derive(Clone)]
pub struct RateCardVersion(pub rate_card_version::Model);

/// Provider-only: a dated version of a rate card. The periods of a card's
/// non-retired versions never overlap.
#[Object]
impl RateCardVersion {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        global_id(Kind::RateCardVersion, self.0.id)
    }

    /// The card this version belongs to.
    async fn rate_card(&self, ctx: &Context<'_>) -> async_graphql::Result<RateCard> {
        let card = row::<RateCards>(ctx, self.0.rate_card_id)
            .await?
            .ok_or_else(|| AppError::NotFound("rate card".into()))?;
        Ok(RateCard(card))
    }

    /// The first day the version is in force.
    async fn effective_from(&self) -> Date {
        self.0.effective_from.into()
    }

    /// The last day the version is in force (inclusive); `null` when it has
    /// no end.
    async fn effective_to(&self) -> Option<Date> {
        self.0.effective_to.map(Into::into)
    }

    /// DRAFT, PUBLISHED or RETIRED.
    async fn status(&self) -> RateCardVersionStatus {
        self.0.status.into()
    }

    /// When the version was created (UTC).
    async fn created_at(&self) -> crate::graphql::scalars::Instant {
        self.0.created_at.into()
    }

    /// When the version was published (UTC); `null` while it is a draft.
    async fn published_at(&self) -> Option<crate::graphql::scalars::Instant> {
        self.0.published_at.map(Into::into)
    }

    /// When the version was retired (UTC); `null` unless it is retired.
    async fn retired_at(&self) -> Option<crate::graphql::scalars::Instant> {
        self.0.retired_at.map(Into::into)
    }

    /// The services this version prices, with their price and cost, a page
    /// at a time (in the order the services were created).
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn prices(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return the first n prices (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Return prices after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n prices (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return prices before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<RateCardPriceConnection> {
        let card = row::<RateCards>(ctx, self.0.rate_card_id)
            .await?
            .ok_or_else(|| AppError::NotFound("rate card".into()))?;
        let currency = card.currency;
        child_connection::<RateCardPrices, _>(
            ctx,
            rate_card_price::Column::VersionId,
            self.0.id,
            RateCardPrices::ordering(),
            PageArgs::new(first, after, last, before),
            move |price| RateCardPrice(CardPrice { price, currency }),
        )
        .await
    }
}

/// The price and cost of one service in one rate-card version.
pub struct RateCardPrice(pub CardPrice);

/// Provider-only: the price and cost of one service in one rate-card
/// version, in the card's currency.
#[Object]
impl RateCardPrice {
    /// The service priced.
    async fn service(&self, ctx: &Context<'_>) -> async_graphql::Result<Service> {
        let service = row::<Services>(ctx, self.0.price.service_id)
            .await?
            .ok_or_else(|| AppError::NotFound("service".into()))?;
        Ok(Service(service))
    }

    /// What the client pays for one unit of the service.
    async fn price(&self) -> Money {
        money(self.0.price.price_minor, self.0.currency)
    }

    /// Provider-only: what one unit costs the provider. Never shown to
    /// client-portal users, who cannot read rate cards at all.
    async fn cost(&self) -> Money {
        money(self.0.price.cost_minor, self.0.currency)
    }
}

/// The price of a service for a client on a date.
pub struct PriceInForce(pub Quote);

/// The price of a service for a client on a date, from the client's rate
/// card if its published version in force prices the service, else from the
/// default card's.
#[Object]
impl PriceInForce {
    /// What the client pays for one unit of the service.
    async fn price(&self) -> Money {
        money(self.0.price_minor, self.0.currency)
    }

    /// Provider-only: what one unit costs the provider; `null` for
    /// client-portal users.
    async fn cost(&self) -> Option<Money> {
        self.0.cost_minor.map(|c| money(c, self.0.currency))
    }

    /// Provider-only: the rate-card version the price comes from; `null` for
    /// client-portal users.
    async fn version(&self) -> Option<RateCardVersion> {
        self.0.version.clone().map(RateCardVersion)
    }
}

/// How to order a card's versions.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
#[graphql(remote = "VersionOrder")]
pub enum RateCardVersionOrderBy {
    /// By the first day in force, earliest first.
    #[default]
    EffectiveFromAsc,
    /// By the first day in force, latest first.
    EffectiveFromDesc,
    /// Oldest first.
    CreatedAtAsc,
    /// Newest first.
    CreatedAtDesc,
}

/// Which rate cards to list. All given conditions must hold.
#[derive(InputObject, Default, Clone)]
pub struct RateCardFilter {
    /// Conditions on the client of the card (the default card has none).
    pub client_id: Option<IdFilter>,
    /// Only the default card (`true`) or only client cards (`false`).
    pub is_default: Option<bool>,
}

impl RateCardFilter {
    /// Converts to the service's filter, decoding global ids.
    pub fn into_service(self) -> Result<Filter, AppError> {
        Ok(Filter {
            client_id: self
                .client_id
                .map(|f| f.decode(Kind::Client, "clientId"))
                .transpose()?,
            is_default: self.is_default,
        })
    }
}

crate::connection!(RateCardConnection, RateCardEdge, RateCard, "rate card");
crate::connection!(
    RateCardVersionConnection,
    RateCardVersionEdge,
    RateCardVersion,
    "rate-card version"
);
crate::connection!(
    RateCardPriceConnection,
    RateCardPriceEdge,
    RateCardPrice,
    "rate-card price"
);
