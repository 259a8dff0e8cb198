//! One funding source's share of a split, in basis points.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "funding_split_shares")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub split_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub funding_source_id: Uuid,
    pub share_bp: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
