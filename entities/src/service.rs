//! A service in the provider's catalog.

use sea_orm::entity::prelude::*;

use crate::{Buyer, Discipline, PricingModel, ServiceUnit};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "services")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub description: Option<String>,
    pub discipline: Discipline,
    pub buyer: Buyer,
    pub investment_areas: String,
    pub unit: ServiceUnit,
    pub pricing_model: PricingModel,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
