//! One move of an engagement through its lifecycle.

use sea_orm::entity::prelude::*;

use crate::EngagementStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "engagement_transitions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub engagement_id: Uuid,
    pub actor_id: Option<Uuid>,
    pub from_status: Option<EngagementStatus>,
    pub to_status: EngagementStatus,
    pub reason: Option<String>,
    /// The reason is for the provider only (hidden from client-portal users).
    pub reason_internal: bool,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
