//! The part of a spend entry charged to one funding source, fixed when the spend was recorded.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "spend_attributions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub spend_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub funding_source_id: Uuid,
    pub engagement_id: Uuid,
    pub spent_on: Date,
    pub amount_minor: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
