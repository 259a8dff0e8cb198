//! The part of one source's share of a split that one budget period takes,
//! when the split is phased explicitly.

use sea_orm::entity::prelude::*;

use crate::BudgetPeriod;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "funding_split_phases")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub split_id: Uuid,
    pub funding_source_id: Uuid,
    pub fiscal_year: i32,
    pub period: BudgetPeriod,
    pub amount_minor: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
