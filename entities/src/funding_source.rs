//! A pot of the client's money, owned by one contact.

use sea_orm::entity::prelude::*;

use crate::{ExpenseType, FundingFunction};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "funding_sources")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub client_id: Uuid,
    pub name: String,
    pub function: FundingFunction,
    pub owner_contact_id: Uuid,
    pub external_ref: Option<String>,
    pub currency: crate::Currency,
    pub expense_type: ExpenseType,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
