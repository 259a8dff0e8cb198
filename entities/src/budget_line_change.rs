//! One change to the planned money of a budget's line (funding source x
//! period): made, or proposed to an approved budget and awaiting the line's
//! owner. Kept by line key, so a removed line keeps its history.

use sea_orm::entity::prelude::*;

use crate::{BudgetPeriod, LineChangeStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "budget_line_changes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub budget_id: Uuid,
    /// The line, once it exists (kept after the line is removed).
    pub budget_line_id: Option<Uuid>,
    pub funding_source_id: Uuid,
    pub period: BudgetPeriod,
    /// `None` when the line did not exist.
    pub old_planned_minor: Option<i64>,
    /// `None` when the change removes the line.
    pub new_planned_minor: Option<i64>,
    pub reason: Option<String>,
    pub status: LineChangeStatus,
    /// The user who made or proposed it.
    pub requested_by: Option<Uuid>,
    pub requested_at: DateTimeUtc,
    /// The user who decided a proposal.
    pub decided_by: Option<Uuid>,
    /// The owner who decided it (or for whom an administrator did).
    pub decided_by_contact: Option<Uuid>,
    pub on_behalf: bool,
    pub comment: Option<String>,
    pub decided_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
