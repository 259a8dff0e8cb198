//! The service catalog and the rate cards that price it.

use sea_orm::sea_query::{BinOper, Expr, ExprTrait, LikeExpr};
use sea_orm::{ColumnTrait, Condition};
use tandem_entities::{
    Buyer, Discipline, InvestmentArea, PricingModel, ServiceUnit, rate_card, rate_card_price,
    rate_card_version, service,
};

use super::{Ordering, Resource, Scope};
use crate::caller::{Caller, ClientScope};
use crate::error::{AppError, AppResult};
use crate::services::filter::{
    ColumnFilter, Combinators, IdFilter, MAX_IN_VALUES, Nested, TextFilter, ValueFilter, all_of, on,
};

/// The provider's services: every signed-in user reads the whole catalog.
pub struct Services;

impl Resource for Services {
    type Entity = service::Entity;
    const ID: service::Column = service::Column::Id;

    fn scope(caller: &Caller) -> Scope {
        match caller {
            Caller::Anonymous => Scope::Nothing,
            _ => Scope::All,
        }
    }
}

/// Conditions on a service's investment areas.
#[derive(Debug, Clone, Default)]
pub struct InvestmentAreasFilter {
    /// The service covers this area.
    pub contains: Option<InvestmentArea>,
    /// The service covers at least one of these areas.
    pub contains_any: Option<Vec<InvestmentArea>>,
}

/// Which services to list.
#[derive(Debug, Clone, Default)]
pub struct ServiceFilter {
    pub code: Option<TextFilter>,
    pub name: Option<TextFilter>,
    pub discipline: Option<ValueFilter<Discipline>>,
    pub buyer: Option<ValueFilter<Buyer>>,
    pub unit: Option<ValueFilter<ServiceUnit>>,
    pub pricing_model: Option<ValueFilter<PricingModel>>,
    pub active: Option<bool>,
    pub investment_areas: Option<InvestmentAreasFilter>,
    pub combinators: Combinators<ServiceFilter>,
}

/// The stored text of one investment area, e.g. `SALES_CHANNELS`.
pub fn area_value(area: InvestmentArea) -> String {
    sea_orm::ActiveEnum::to_value(&area)
}

/// Matches services whose comma-separated `investment_areas` holds `area`.
/// Wrapping the column in commas makes one LIKE exact on both databases; `_`
/// (part of the area names) is escaped.
fn covers(area: InvestmentArea) -> Condition {
    let value = area_value(area).replace('_', "\\_");
    let wrapped = Expr::val(",")
        .binary(
            BinOper::Custom("||"),
            Expr::col(service::Column::InvestmentAreas),
        )
        .binary(BinOper::Custom("||"), Expr::val(","));
    Condition::all().add(wrapped.like(LikeExpr::new(format!("%,{value},%")).escape('\\')))
}

/// Services covering the areas `f` names.
fn covering(f: &InvestmentAreasFilter) -> AppResult<Condition> {
    let mut cond = Condition::all();
    if let Some(area) = f.contains {
        cond = cond.add(covers(area));
    }
    if let Some(areas) = &f.contains_any {
        if areas.len() > MAX_IN_VALUES {
            return Err(AppError::BadUserInput(format!(
                "`containsAny` holds at most {MAX_IN_VALUES} values"
            )));
        }
        let any = areas
            .iter()
            .fold(Condition::any(), |any, a| any.add(covers(*a)));
        cond = cond.add(any);
    }
    Ok(cond)
}

impl Nested for ServiceFilter {
    fn combinators(&self) -> &Combinators<Self> {
        &self.combinators
    }

    fn fields(&self) -> AppResult<Condition> {
        use service::Column as C;
        all_of([
            on(&self.code, C::Code),
            on(&self.name, C::Name),
            on(&self.discipline, C::Discipline),
            on(&self.buyer, C::Buyer),
            on(&self.unit, C::Unit),
            on(&self.pricing_model, C::PricingModel),
            on(&self.active, C::Active),
            self.investment_areas.as_ref().map(covering).transpose(),
        ])
    }
}

orderings! {
    /// The orderings a service list supports; each ends with the id as
    /// tie-breaker.
    ServiceOrder for service {
        #[default] NameAsc: "NAME_ASC" => Name asc,
        NameDesc: "NAME_DESC" => Name desc,
        CodeAsc: "CODE_ASC" => Code asc,
        CodeDesc: "CODE_DESC" => Code desc,
        CreatedAtAsc: "CREATED_AT_ASC" => Id asc,
        CreatedAtDesc: "CREATED_AT_DESC" => Id desc,
    }
}

/// Rate cards hold the provider's prices and costs: administrators read
/// every card, account managers the default card and their clients' cards,
/// nobody else any (DELIVERY users and the client's people never see
/// costs).
pub struct RateCards;

impl Resource for RateCards {
    type Entity = rate_card::Entity;
    const ID: rate_card::Column = rate_card::Column::Id;

    fn scope(caller: &Caller) -> Scope {
        if !caller.sees_costs() {
            return Scope::Nothing;
        }
        match caller.client_scope() {
            ClientScope::All => Scope::All,
            ClientScope::Only(ids) => Scope::rows(
                Condition::any()
                    .add(rate_card::Column::ClientId.is_null())
                    .add(rate_card::Column::ClientId.is_in(ids)),
            ),
        }
    }
}

impl RateCards {
    /// Rate cards are listed oldest first.
    pub fn ordering() -> Ordering<rate_card::Entity> {
        Ordering::by_id("CREATED_AT_ASC", false, rate_card::Column::Id)
    }
}

/// Which rate cards to list.
#[derive(Debug, Clone, Default)]
pub struct RateCardFilter {
    /// Conditions on the client of the card (the default card has none).
    pub client_id: Option<IdFilter>,
    /// Only the default card (`true`) or only client cards (`false`).
    pub is_default: Option<bool>,
}

impl RateCardFilter {
    pub fn condition(&self) -> AppResult<Condition> {
        let mut cond = Condition::all();
        if let Some(f) = &self.client_id {
            cond = cond.add(f.condition(rate_card::Column::ClientId)?);
        }
        match self.is_default {
            Some(true) => cond = cond.add(rate_card::Column::ClientId.is_null()),
            Some(false) => cond = cond.add(rate_card::Column::ClientId.is_not_null()),
            None => {}
        }
        Ok(cond)
    }
}

/// The dated versions of the cards the caller may read.
pub struct RateCardVersions;

impl Resource for RateCardVersions {
    type Entity = rate_card_version::Entity;
    const ID: rate_card_version::Column = rate_card_version::Column::Id;

    fn scope(caller: &Caller) -> Scope {
        Scope::under::<RateCards>(caller, rate_card_version::Column::RateCardId)
    }
}

orderings! {
    /// The orderings of a card's versions; each ends with the id as tie-breaker.
    VersionOrder for rate_card_version {
        #[default] EffectiveFromAsc: "EFFECTIVE_FROM_ASC" => EffectiveFrom asc,
        EffectiveFromDesc: "EFFECTIVE_FROM_DESC" => EffectiveFrom desc,
        CreatedAtAsc: "CREATED_AT_ASC" => Id asc,
        CreatedAtDesc: "CREATED_AT_DESC" => Id desc,
    }
}

/// The prices of the versions the caller may read.
pub struct RateCardPrices;

impl Resource for RateCardPrices {
    type Entity = rate_card_price::Entity;
    const ID: rate_card_price::Column = rate_card_price::Column::ServiceId;

    fn scope(caller: &Caller) -> Scope {
        Scope::under::<RateCardVersions>(caller, rate_card_price::Column::VersionId)
    }
}

impl RateCardPrices {
    /// A version's prices are listed by service, in the order the services
    /// were created (the service id is unique within a version).
    pub fn ordering() -> Ordering<rate_card_price::Entity> {
        Ordering::by_id("SERVICE", false, rate_card_price::Column::ServiceId)
    }
}
