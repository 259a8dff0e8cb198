//! A contact of the client with a role in an engagement.

use sea_orm::entity::prelude::*;

use crate::StakeholderRole;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "engagement_stakeholders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub engagement_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub contact_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub role: StakeholderRole,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
