//! A client contact's sign-off of a DRAFT budget: the owner of one of its
//! lines' sources (the budget is approved once every owner has signed), or
//! the client's CFO (whose sign-off approves it whole).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "budget_signoffs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub budget_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub contact_id: Uuid,
    /// The user who signed: the contact's portal user, or an administrator
    /// on their behalf.
    pub decided_by: Option<Uuid>,
    pub on_behalf: bool,
    pub signed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
