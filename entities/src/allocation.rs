//! Money of an active engagement set aside on a budget line.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "allocations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub engagement_id: Uuid,
    pub split_id: Uuid,
    pub budget_line_id: Uuid,
    pub funding_source_id: Uuid,
    pub amount_minor: i64,
    /// `CANCELLED` or `CLOSED` on a release (a negative amount handed back to
    /// the line); `None` on a commitment.
    pub release_reason: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
