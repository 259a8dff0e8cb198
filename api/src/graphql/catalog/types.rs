//! The `Service` type and the catalog's enums and inputs.

use async_graphql::{Enum, ID, InputObject, Object};
use tandem_entities::service;

use crate::enum_filter;
use crate::graphql::filters::StringFilter;
use crate::graphql::node::{Kind, global_id};
use crate::services::catalog::{
    InvestmentAreasFilter as AreasCondition, ServiceFilter as Filter, ServiceOrder, decode_areas,
};
use crate::services::filter::{Combinators, MAX_IN_VALUES};

/// The kind of work a service is.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "tandem_entities::Discipline")]
pub enum Discipline {
    /// Creative work: brand, campaigns, content, design.
    Creative,
    /// Technology: platforms, integration, software engineering.
    Technology,
    /// Data: analytics, data engineering, customer intelligence.
    Data,
    /// An ongoing service run for the client (hosting, support, operations).
    ManagedService,
}

/// Whose budget usually buys a service.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "tandem_entities::Buyer")]
pub enum Buyer {
    /// The CMO's marketing budget.
    Marketing,
    /// The CIO's IT budgets.
    It,
    /// Both, for a joint initiative.
    Joint,
}

/// What a joint marketing and IT initiative invests in.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "tandem_entities::InvestmentArea")]
pub enum InvestmentArea {
    /// Knowing the customer: data, analytics, segmentation.
    CustomerIntelligence,
    /// The customer's experience across touchpoints.
    CustomerExperience,
    /// Selling: e-commerce, marketplaces, sales enablement.
    SalesChannels,
    /// Content and interactive experiences.
    ContentAndInteractive,
}

/// The unit a service is sold in.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "tandem_entities::ServiceUnit")]
pub enum ServiceUnit {
    /// Per hour.
    Hour,
    /// Per day.
    Day,
    /// Per month.
    Month,
    /// Per item delivered.
    Item,
}

/// How a service is priced.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "tandem_entities::PricingModel")]
pub enum PricingModel {
    /// A fixed price per unit of scope.
    Fixed,
    /// Billed by the time and materials used.
    TimeAndMaterials,
    /// A recurring fee for reserved capacity.
    Retainer,
}

/// A service in the provider's catalog.
#[derive(Clone)]
pub struct Service(pub service::Model);

/// A service in the provider's catalog: what the provider sells, priced by
/// rate cards. Every signed-in user may read the catalog.
#[Object]
impl Service {
    /// Opaque global id.
    pub async fn id(&self) -> ID {
        global_id(Kind::Service, self.0.id)
    }

    /// Short unique code, upper case (e.g. `UX-DESIGN`).
    async fn code(&self) -> &str {
        &self.0.code
    }

    /// The service's name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What the service is, free text.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// The kind of work.
    async fn discipline(&self) -> Discipline {
        self.0.discipline.into()
    }

    /// Whose budget usually buys it.
    async fn buyer(&self) -> Buyer {
        self.0.buyer.into()
    }

    /// The investment areas it serves, in a fixed order (possibly none).
    async fn investment_areas(&self) -> Vec<InvestmentArea> {
        decode_areas(&self.0.investment_areas)
            .into_iter()
            .map(Into::into)
            .collect()
    }

    /// The unit it is sold in.
    async fn unit(&self) -> ServiceUnit {
        self.0.unit.into()
    }

    /// How it is priced.
    async fn pricing_model(&self) -> PricingModel {
        self.0.pricing_model.into()
    }

    /// Whether it can be sold: an archived service (`false`) stays readable
    /// but goes on no new engagement line or rate-card price.
    async fn active(&self) -> bool {
        self.0.active
    }

    /// When the service was created (UTC).
    async fn created_at(&self) -> crate::graphql::scalars::Instant {
        self.0.created_at.into()
    }

    /// When the service was last changed (UTC).
    async fn updated_at(&self) -> crate::graphql::scalars::Instant {
        self.0.updated_at.into()
    }
}

/// How to order a list of services.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
#[graphql(remote = "ServiceOrder")]
pub enum ServiceOrderBy {
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
    DisciplineFilter,
    Discipline,
    tandem_entities::Discipline,
    "a service's discipline"
);
enum_filter!(
    BuyerFilter,
    Buyer,
    tandem_entities::Buyer,
    "a service's buyer"
);
enum_filter!(
    ServiceUnitFilter,
    ServiceUnit,
    tandem_entities::ServiceUnit,
    "a service's unit"
);
enum_filter!(
    PricingModelFilter,
    PricingModel,
    tandem_entities::PricingModel,
    "a service's pricing model"
);

/// Conditions on the investment areas a service serves; all that are given
/// must hold.
#[derive(InputObject, Clone)]
pub struct InvestmentAreasFilter {
    /// The service serves this area (among others, possibly).
    pub contains: Option<InvestmentArea>,
    /// The service serves at least one of these areas.
    pub contains_any: Option<Vec<InvestmentArea>>,
}

/// Which services to list. All given conditions must hold.
#[derive(InputObject, Default, Clone)]
pub struct ServiceFilter {
    /// Conditions on the code.
    pub code: Option<StringFilter>,
    /// Conditions on the name.
    pub name: Option<StringFilter>,
    /// Conditions on the discipline.
    pub discipline: Option<DisciplineFilter>,
    /// Conditions on the buyer.
    pub buyer: Option<BuyerFilter>,
    /// Conditions on the unit.
    pub unit: Option<ServiceUnitFilter>,
    /// Conditions on the pricing model.
    pub pricing_model: Option<PricingModelFilter>,
    /// Only active services (`true`) or only archived ones (`false`).
    pub active: Option<bool>,
    /// Conditions on the investment areas.
    pub investment_areas: Option<InvestmentAreasFilter>,
    /// All of these filters must hold.
    pub and: Option<Vec<ServiceFilter>>,
    /// At least one of these filters must hold.
    pub or: Option<Vec<ServiceFilter>>,
    /// This filter must not hold.
    pub not: Option<Box<ServiceFilter>>,
}

impl From<ServiceFilter> for Filter {
    fn from(f: ServiceFilter) -> Self {
        let list = |v: Option<Vec<ServiceFilter>>| -> Vec<Filter> {
            v.unwrap_or_default().into_iter().map(Into::into).collect()
        };
        Filter {
            code: f.code.map(Into::into),
            name: f.name.map(Into::into),
            discipline: f.discipline.map(Into::into),
            buyer: f.buyer.map(Into::into),
            unit: f.unit.map(Into::into),
            pricing_model: f.pricing_model.map(Into::into),
            active: f.active,
            investment_areas: f.investment_areas.map(|a| AreasCondition {
                contains: a.contains.map(Into::into),
                contains_any: a.contains_any.map(|v| {
                    v.into_iter()
                        .take(MAX_IN_VALUES + 1)
                        .map(Into::into)
                        .collect()
                }),
            }),
            combinators: Combinators {
                and: list(f.and),
                or: list(f.or),
                not: f.not.map(|n| Box::new((*n).into())),
            },
        }
    }
}

crate::connection!(ServiceConnection, ServiceEdge, Service, "service");
