//! A priced line of an engagement; price and cost are snapshots.

use sea_orm::entity::prelude::*;

use crate::ServiceUnit;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "engagement_lines")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub engagement_id: Uuid,
    pub service_id: Uuid,
    pub quantity_milli: i64,
    pub unit: ServiceUnit,
    pub discount_bp: i32,
    pub unit_price_minor: i64,
    pub unit_cost_minor: i64,
    /// quantity x unit price x (1 - discount), rounded half up to a minor unit.
    pub value_minor: i64,
    /// quantity x unit cost, rounded half up to a minor unit.
    pub cost_minor: i64,
    pub rate_card_version_id: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
