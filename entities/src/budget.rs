//! A client's budget for one fiscal year.

use sea_orm::entity::prelude::*;

use crate::BudgetStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "budgets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub client_id: Uuid,
    pub fiscal_year: i32,
    pub starts_on: Date,
    pub ends_on: Date,
    pub status: BudgetStatus,
    /// When it was approved.
    pub approved_at: Option<DateTimeUtc>,
    /// The user whose sign-off approved it.
    pub approved_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
