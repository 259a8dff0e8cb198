//! Creating, changing and archiving services (administrators only).

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};

use super::types::{Buyer, Discipline, InvestmentArea, PricingModel, Service, ServiceUnit};
use crate::graphql::context::request;
use crate::graphql::errors::split;
use crate::graphql::node::{self, Kind};
use crate::graphql::patch_value;
use crate::services::catalog::{self, NewService, ServicePatch};

/// A new service.
#[derive(InputObject)]
pub struct CreateServiceInput {
    /// Unique code: 2 to 32 letters, digits, `-` or `_`; stored in upper case.
    pub code: String,
    /// The service's name (required, at most 200 characters).
    pub name: String,
    /// What the service is (at most 2000 characters).
    pub description: Option<String>,
    /// The kind of work.
    pub discipline: Discipline,
    /// Whose budget usually buys it.
    pub buyer: Buyer,
    /// The investment areas it serves; duplicates are ignored.
    pub investment_areas: Vec<InvestmentArea>,
    /// The unit it is sold in.
    pub unit: ServiceUnit,
    /// How it is priced.
    pub pricing_model: PricingModel,
}

/// Changes to a service; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateServiceInput {
    /// The service's global id.
    pub id: ID,
    /// New unique code.
    pub code: Option<String>,
    /// New name.
    pub name: Option<String>,
    /// New description; `null` clears it.
    pub description: MaybeUndefined<String>,
    /// New discipline.
    pub discipline: Option<Discipline>,
    /// New buyer.
    pub buyer: Option<Buyer>,
    /// New investment areas, replacing the old ones.
    pub investment_areas: Option<Vec<InvestmentArea>>,
    /// New unit.
    pub unit: Option<ServiceUnit>,
    /// New pricing model.
    pub pricing_model: Option<PricingModel>,
}

/// The service to archive.
#[derive(InputObject)]
pub struct ArchiveServiceInput {
    /// The service's global id.
    pub id: ID,
}

crate::payloads! {
    /// The result of `createService`.
    CreateServicePayload {
        /// The new service; `null` when there are user errors.
        service: Service
    }
    /// The result of `updateService`.
    UpdateServicePayload {
        /// The changed service; `null` when there are user errors.
        service: Service
    }
    /// The result of `archiveService`.
    ArchiveServicePayload {
        /// The archived service; `null` when there are user errors.
        service: Service
    }
}

#[derive(Default)]
pub struct CatalogMutation;

#[Object]
impl CatalogMutation {
    /// Adds a service to the catalog (administrators only). A taken code is a
    /// user error with code TAKEN.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn create_service(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new service.")] input: CreateServiceInput,
    ) -> async_graphql::Result<CreateServicePayload> {
        let rc = request(ctx)?;
        let new = NewService {
            code: input.code,
            name: input.name,
            description: input.description,
            discipline: input.discipline.into(),
            buyer: input.buyer.into(),
            investment_areas: input.investment_areas.into_iter().map(Into::into).collect(),
            unit: input.unit.into(),
            pricing_model: input.pricing_model.into(),
        };
        let (service, user_errors) = split(catalog::create(&rc.db, &rc.caller, new).await)?;
        Ok(CreateServicePayload {
            service: service.map(Service),
            user_errors,
        })
    }

    /// Changes a service (administrators only). Lines already sold keep
    /// their unit and prices.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn update_service(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The service and the changes.")] input: UpdateServiceInput,
    ) -> async_graphql::Result<UpdateServicePayload> {
        let rc = request(ctx)?;
        let result = match node::expect(Kind::Service, &input.id, &["id"]) {
            Ok(id) => {
                let patch = ServicePatch {
                    code: input.code,
                    name: input.name,
                    description: patch_value(input.description),
                    discipline: input.discipline.map(Into::into),
                    buyer: input.buyer.map(Into::into),
                    investment_areas: input
                        .investment_areas
                        .map(|v| v.into_iter().map(Into::into).collect()),
                    unit: input.unit.map(Into::into),
                    pricing_model: input.pricing_model.map(Into::into),
                };
                catalog::update(&rc.db, &rc.caller, id, patch).await
            }
            Err(e) => Err(e),
        };
        UpdateServicePayload::of(result, Service)
    }

    /// Archives a service (administrators only): it stays readable but goes
    /// on no new engagement line or rate-card price. Archiving an archived
    /// service changes nothing.
    #[graphql(complexity = "crate::graphql::cost::MUTATION + child_complexity")]
    async fn archive_service(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The service to archive.")] input: ArchiveServiceInput,
    ) -> async_graphql::Result<ArchiveServicePayload> {
        let rc = request(ctx)?;
        let result = match node::expect(Kind::Service, &input.id, &["id"]) {
            Ok(id) => catalog::archive(&rc.db, &rc.caller, id).await,
            Err(e) => Err(e),
        };
        ArchiveServicePayload::of(result, Service)
    }
}
