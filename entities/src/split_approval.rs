//! An owner's decision on a split.

use sea_orm::entity::prelude::*;

use crate::Decision;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "split_approvals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub split_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub owner_contact_id: Uuid,
    pub decision: Decision,
    pub decided_by: Option<Uuid>,
    pub on_behalf: bool,
    pub comment: Option<String>,
    pub decided_at: Option<DateTimeUtc>,
    /// The owner this decision was asked of before the funding source
    /// changed owner while the split was pending.
    pub rerouted_from: Option<Uuid>,
    /// When it was re-routed to this owner.
    pub rerouted_at: Option<DateTimeUtc>,
    /// The client's approval rule that asked for this decision, when it was
    /// asked by a rule (as well as, or instead of, as a source's owner).
    pub rule_id: Option<Uuid>,
    /// The contact who decided: the one asked, or their delegate.
    pub decided_by_contact: Option<Uuid>,
    /// The delegation under which a delegate decided.
    pub delegation_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
