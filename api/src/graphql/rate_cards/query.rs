//! Reading rate cards and the price in force (provider-only, except the
//! price itself).

use async_graphql::{Context, ID, Object};

use super::types::{PriceInForce, RateCard, RateCardConnection, RateCardFilter};
use crate::error::AppError;
use crate::graphql::context::request;
use crate::graphql::node::{self, Kind};
use crate::graphql::registry::{PageArgs, root_connection};
use crate::graphql::root_page_cost;
use crate::graphql::scalars::Date;
use crate::resource::RateCards;
use crate::services::rate_cards;

fn decode(kind: Kind, id: &ID, what: &str) -> Result<uuid::Uuid, AppError> {
    match node::decode(id) {
        Some((k, uuid)) if k == kind => Ok(uuid),
        _ => Err(AppError::BadUserInput(format!(
            "{:?} is not a {what} id",
            id.as_str()
        ))),
    }
}

#[derive(Default)]
pub struct RateCardQuery;

#[Object]
impl RateCardQuery {
    /// Provider-only: one rate card by global id; `null` when it does not
    /// exist or is not visible to the caller. FORBIDDEN for client-portal
    /// users.
    #[graphql(complexity = "crate::graphql::cost::LOOKUP + child_complexity")]
    async fn rate_card(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The rate card's global id.")] id: ID,
    ) -> async_graphql::Result<Option<RateCard>> {
        let rc = request(ctx)?;
        let uuid = decode(Kind::RateCard, &id, "RateCard")?;
        Ok(rate_cards::find(&rc.db, &rc.caller, uuid)
            .await?
            .map(RateCard))
    }

    /// Provider-only: the rate cards visible to the caller (the default card
    /// and those of the clients they may read), oldest first, a page at a
    /// time. FORBIDDEN for client-portal users.
    #[graphql(complexity = "root_page_cost(first, last, child_complexity)")]
    async fn rate_cards(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only rate cards matching this filter.")] filter: Option<RateCardFilter>,
        #[graphql(desc = "Return the first n rate cards (at most 100).")] first: Option<i32>,
        #[graphql(desc = "Return rate cards after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n rate cards (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Return rate cards before this cursor.")] before: Option<String>,
    ) -> async_graphql::Result<RateCardConnection> {
        let rc = request(ctx)?;
        let filter = filter
            .map(RateCardFilter::into_service)
            .transpose()?
            .unwrap_or_default();
        rate_cards::require_provider(&rc.caller)?;
        root_connection::<RateCards, _>(
            ctx,
            filter.condition()?,
            RateCards::ordering(),
            PageArgs::new(first, after, last, before),
            RateCard,
        )
        .await
    }

    /// The price of a service for a client on a date: from the client's rate
    /// card if its published version in force on that date prices the
    /// service, else from the default card's; `null` when neither does. The
    /// cost and the version are provider-only. NOT_FOUND when the client or
    /// the service is not visible to the caller.
    #[graphql(complexity = "crate::graphql::cost::LOOKUP + child_complexity")]
    async fn price_in_force(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The client's global id.")] client_id: ID,
        #[graphql(desc = "The service's global id.")] service_id: ID,
        #[graphql(desc = "The day the price applies to.")] on: Date,
    ) -> async_graphql::Result<Option<PriceInForce>> {
        let rc = request(ctx)?;
        let client_id = decode(Kind::Client, &client_id, "Client")?;
        let service_id = decode(Kind::Service, &service_id, "Service")?;
        let quote = rate_cards::quote(&rc.db, &rc.caller, client_id, service_id, on.into()).await?;
        Ok(quote.map(PriceInForce))
    }
}
