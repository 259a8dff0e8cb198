//! Planned money of one funding source for one period of a budget; `allocated_minor` is kept in step with the allocations.

use sea_orm::entity::prelude::*;

use crate::BudgetPeriod;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "budget_lines")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub budget_id: Uuid,
    pub funding_source_id: Uuid,
    pub period: BudgetPeriod,
    pub planned_minor: i64,
    pub allocated_minor: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
