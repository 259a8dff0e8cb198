//! A dated version of a rate card.

use sea_orm::entity::prelude::*;

use crate::RateCardVersionStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rate_card_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub rate_card_id: Uuid,
    pub effective_from: Date,
    pub effective_to: Option<Date>,
    pub status: RateCardVersionStatus,
    pub created_at: DateTimeUtc,
    pub published_at: Option<DateTimeUtc>,
    pub retired_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
