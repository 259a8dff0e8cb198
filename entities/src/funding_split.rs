//! A version of how an engagement's value is shared among funding sources.

use sea_orm::entity::prelude::*;

use crate::SplitStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "funding_splits")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub engagement_id: Uuid,
    pub version: i32,
    pub status: SplitStatus,
    pub value_minor: i64,
    /// The engagement's value when the split was made; `None` for splits
    /// made before it was recorded.
    pub base_value_minor: Option<i64>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub submitted_at: Option<DateTimeUtc>,
    /// When it was approved, rejected or withdrawn.
    pub decided_at: Option<DateTimeUtc>,
    /// The user who withdrew it, for a WITHDRAWN split.
    pub withdrawn_by: Option<Uuid>,
    /// Why it was withdrawn, when a reason was given.
    pub withdrawn_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
