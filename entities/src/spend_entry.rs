//! Money actually spent delivering an engagement.

use sea_orm::entity::prelude::*;

use crate::SpendKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "spend_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub engagement_id: Uuid,
    pub spent_on: Date,
    pub amount_minor: i64,
    pub kind: SpendKind,
    pub description: Option<String>,
    pub billable: bool,
    pub split_id: Uuid,
    pub created_by: Option<Uuid>,
    /// The entry this one reverses (its opposite, kept beside it); `None`
    /// for an original entry.
    pub reverses_id: Option<Uuid>,
    /// Why the reversed entry was wrong; set on reversals only.
    pub reversal_reason: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
