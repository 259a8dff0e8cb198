//! A client's rule: splits above a value (in general, or the part drawn on
//! one funding function) also need the approval of a contact with a persona.

use sea_orm::entity::prelude::*;

use crate::{FundingFunction, Persona};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "approval_rules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub client_id: Uuid,
    /// When set, the rule weighs only the part of a split drawn on sources
    /// of this function; unset, the split's whole value.
    pub function: Option<FundingFunction>,
    pub currency: crate::Currency,
    pub above_minor: i64,
    pub persona: Persona,
    /// The contact who approves under the rule; unset, the client's one
    /// contact with the persona.
    pub approver_contact_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
