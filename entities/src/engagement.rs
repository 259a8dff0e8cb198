//! What was sold to a client.

use sea_orm::entity::prelude::*;

use crate::{CommercialModel, EngagementStatus, InvestmentArea};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "engagements")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub client_id: Uuid,
    pub code: String,
    pub name: String,
    pub description: Option<String>,
    pub commercial_model: CommercialModel,
    pub currency: crate::Currency,
    pub investment_area: InvestmentArea,
    pub start_date: Date,
    pub end_date: Date,
    pub probability: i16,
    /// Whether someone set the probability while the engagement was open
    /// (otherwise it is its stage's default).
    pub probability_overridden: bool,
    pub account_manager_id: Option<Uuid>,
    pub status: EngagementStatus,
    /// Set by approved change orders: the agreed value minus the sum of the
    /// lines (locked once won). The engagement's value is lines + this.
    pub value_adjustment_minor: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
