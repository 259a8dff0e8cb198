//! Creating rate cards, and changing their versions and prices. The default
//! card is changed by administrators; a client's card also by that client's
//! account managers.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use uuid::Uuid;

use super::types::{RateCard, RateCardPrice, RateCardVersion};
use crate::error::{AppError, AppResult};
use crate::graphql::context::request;
use crate::graphql::errors::split;
use crate::graphql::node::{self, Kind};
use crate::graphql::patch_value;
use crate::graphql::scalars::Date;
use crate::services::rate_card_versions::{self, NewPrice, NewVersion, VersionPatch};
use crate::services::rate_cards::{self, NewRateCard};

/// A new rate card.
#[derive(InputObject)]
pub struct CreateRateCardInput {
    /// Global id of the client the card is for; omit (or `null`) for the
    /// default card. A client has at most one card.
    pub client_id: Option<ID>,
    /// The card's name (required, at most 200 characters).
    pub name: String,
    /// ISO-4217 code of the currency of every price and cost on the card.
    pub currency: String,
}

/// A new version of a rate card; it starts as a DRAFT.
#[derive(InputObject)]
pub struct CreateRateCardVersionInput {
    /// The rate card's global id.
    pub rate_card_id: ID,
    /// The first day the version is in force.
    pub effective_from: Date,
    /// The last day the version is in force (inclusive); omit for no end.
    pub effective_to: Option<Date>,
}

/// New dates for a DRAFT version; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateRateCardVersionInput {
    /// The version's global id.
    pub id: ID,
    /// New first day in force.
    pub effective_from: Option<Date>,
    /// New last day in force (inclusive); `null` removes the end.
    pub effective_to: MaybeUndefined<Date>,
}

/// The price and cost of a service in a DRAFT version.
#[derive(InputObject)]
pub struct SetRateCardPriceInput {
    /// The version's global id.
    pub version_id: ID,
    /// The service's global id.
    pub service_id: ID,
    /// What the client pays per unit, as an exact decimal string in the
    /// card's currency (e.g. `"1250.00"`).
    pub price: String,
    /// What one unit costs the provider, as an exact decimal string in the
    /// card's currency (e.g. `"800.00"`).
    pub cost: String,
}

/// The price to remove from a DRAFT version.
#[derive(InputObject)]
pub struct RemoveRateCardPriceInput {
    /// The version's global id.
    pub version_id: ID,
    /// The service's global id.
    pub service_id: ID,
}

/// The rate-card version to publish or retire.
#[derive(InputObject)]
pub struct RateCardVersionInput {
    /// The version's global id.
    pub id: ID,
}

crate::payloads! {
    /// The result of `createRateCard`.
    CreateRateCardPayload {
        /// The new rate card; `null` when there are user errors.
        rate_card: RateCard
    }
    /// The result of a change to a rate-card version.
    RateCardVersionPayload {
        /// The version as it now is; `null` when there are user errors.
        rate_card_version: RateCardVersion
    }
    /// The result of `setRateCardPrice`.
    SetRateCardPricePayload {
        /// The price as it now is; `null` when there are user errors.
        rate_card_price: RateCardPrice
    }
}

fn version_payload(
    result: AppResult<tandem_entities::rate_card_version::Model>,
) -> async_graphql::Result<RateCardVersionPayload> {
    let (version, user_errors) = split(result)?;
    Ok(RateCardVersionPayload {
        rate_card_version: version.map(RateCardVersion),
        user_errors,
    })
}

/// Decodes a version id and a service id, reporting both when both are bad.
fn version_and_service(version_id: &ID, service_id: &ID) -> AppResult<(Uuid, Uuid)> {
    let version = node::expect(Kind::RateCardVersion, version_id, &["versionId"]);
    let service = node::expect(Kind::Service, service_id, &["serviceId"]);
    match (version, service) {
        (Ok(v), Ok(s)) => Ok((v, s)),
        (v, s) => {
            let errors = [v.err(), s.err()]
                .into_iter()
                .flatten()
                .flat_map(|e| match e {
                    AppError::Invalid(errors) => errors,
                    _ => Vec::new(),
                })
                .collect();
            Err(AppError::Invalid(errors))
        }
    }
}

#[derive(Default)]
pub struct RateCardMutation;

#[Object]
impl RateCardMutation {
    /// Creates the default rate card (administrators) or a client's card
    /// (administrators and the client's account managers). A second default
    /// card, or a second card for a client, is a user error TAKEN on
    /// `clientId`.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn create_rate_card(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new rate card.")] input: CreateRateCardInput,
    ) -> async_graphql::Result<CreateRateCardPayload> {
        let rc = request(ctx)?;
        let client_id = input
            .client_id
            .as_ref()
            .map(|id| node::expect(Kind::Client, id, &["clientId"]))
            .transpose();
        let result = match client_id {
            Ok(client_id) => {
                let new = NewRateCard {
                    client_id,
                    name: input.name,
                    currency: input.currency,
                };
                rate_cards::create(&rc.db, &rc.caller, new).await
            }
            Err(e) => Err(e),
        };
        let (card, user_errors) = split(result)?;
        Ok(CreateRateCardPayload {
            rate_card: card.map(RateCard),
            user_errors,
        })
    }

    /// Adds a DRAFT version to a rate card. Its dates must not overlap those
    /// of another non-retired version of the card (OVERLAPS), and
    /// `effectiveTo` must not be before `effectiveFrom` (INVALID).
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn create_rate_card_version(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The card and the dates.")] input: CreateRateCardVersionInput,
    ) -> async_graphql::Result<RateCardVersionPayload> {
        let rc = request(ctx)?;
        let result = match node::expect(Kind::RateCard, &input.rate_card_id, &["rateCardId"]) {
            Ok(rate_card_id) => {
                let new = NewVersion {
                    rate_card_id,
                    effective_from: input.effective_from.into(),
                    effective_to: input.effective_to.map(Into::into),
                };
                rate_card_versions::create_version(&rc.db, &rc.caller, new).await
            }
            Err(e) => Err(e),
        };
        version_payload(result)
    }

    /// Changes the dates of a DRAFT version. A published or retired version
    /// never changes (IMMUTABLE); overlapping dates are OVERLAPS.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn update_rate_card_version(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The version and its new dates.")] input: UpdateRateCardVersionInput,
    ) -> async_graphql::Result<RateCardVersionPayload> {
        let rc = request(ctx)?;
        let result = match node::expect(Kind::RateCardVersion, &input.id, &["id"]) {
            Ok(id) => {
                let patch = VersionPatch {
                    effective_from: input.effective_from.map(Into::into),
                    effective_to: patch_value(input.effective_to).map(|v| v.map(Into::into)),
                };
                rate_card_versions::update_version(&rc.db, &rc.caller, id, patch).await
            }
            Err(e) => Err(e),
        };
        version_payload(result)
    }

    /// Sets the price and cost of a service in a DRAFT version, replacing any
    /// earlier ones. Amounts are exact decimal strings in the card's currency,
    /// not negative. A published or retired version never changes
    /// (IMMUTABLE); an archived service takes no new price (ARCHIVED).
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn set_rate_card_price(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The version, the service and the amounts.")] input: SetRateCardPriceInput,
    ) -> async_graphql::Result<SetRateCardPricePayload> {
        let rc = request(ctx)?;
        let result = match version_and_service(&input.version_id, &input.service_id) {
            Ok((version_id, service_id)) => {
                let new = NewPrice {
                    version_id,
                    service_id,
                    price: input.price,
                    cost: input.cost,
                };
                rate_card_versions::set_price(&rc.db, &rc.caller, new).await
            }
            Err(e) => Err(e),
        };
        let (price, user_errors) = split(result)?;
        Ok(SetRateCardPricePayload {
            rate_card_price: price.map(RateCardPrice),
            user_errors,
        })
    }

    /// Removes a service's price from a DRAFT version.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn remove_rate_card_price(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The version and the service.")] input: RemoveRateCardPriceInput,
    ) -> async_graphql::Result<RateCardVersionPayload> {
        let rc = request(ctx)?;
        let result = match version_and_service(&input.version_id, &input.service_id) {
            Ok((version_id, service_id)) => {
                rate_card_versions::remove_price(&rc.db, &rc.caller, version_id, service_id).await
            }
            Err(e) => Err(e),
        };
        version_payload(result)
    }

    /// Publishes a DRAFT version holding at least one price (else NO_PRICE):
    /// from then on it prices new engagement lines on the dates it covers,
    /// and never changes. Any other status is INVALID_TRANSITION.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn publish_rate_card_version(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The version to publish.")] input: RateCardVersionInput,
    ) -> async_graphql::Result<RateCardVersionPayload> {
        let rc = request(ctx)?;
        let result = match node::expect(Kind::RateCardVersion, &input.id, &["id"]) {
            Ok(id) => rate_card_versions::publish(&rc.db, &rc.caller, id).await,
            Err(e) => Err(e),
        };
        version_payload(result)
    }

    /// Retires a PUBLISHED version: it prices nothing new and its dates are
    /// free for another version; lines already priced from it keep their
    /// prices. Any other status is INVALID_TRANSITION.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn retire_rate_card_version(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The version to retire.")] input: RateCardVersionInput,
    ) -> async_graphql::Result<RateCardVersionPayload> {
        let rc = request(ctx)?;
        let result = match node::expect(Kind::RateCardVersion, &input.id, &["id"]) {
            Ok(id) => rate_card_versions::retire(&rc.db, &rc.caller, id).await,
            Err(e) => Err(e),
        };
        version_payload(result)
    }
}
