//! Money actually spent delivering an engagement: the provider's cost and the client's charge.

use sea_orm::entity::prelude::*;

use crate::SpendKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "spend_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub engagement_id: Uuid,
    pub spent_on: Date,
    /// What it cost the provider (provider-only).
    pub cost_minor: i64,
    /// What is charged to the client: the part that counts towards the
    /// client's pots (attributed by the split in force on `spent_on`).
    pub charge_minor: i64,
    /// For labour charged at an engagement line's price: the line.
    pub engagement_line_id: Option<Uuid>,
    /// For labour charged at a line's price: the quantity in thousandths of
    /// the line's unit.
    pub quantity_milli: Option<i64>,
    /// For pass-through costs: the markup charged on top of the cost, in
    /// basis points.
    pub markup_bp: Option<i32>,
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
