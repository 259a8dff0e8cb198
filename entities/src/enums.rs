//! String-backed enums. They are stored as short strings (never native
//! PostgreSQL enum types) so that SQLite and PostgreSQL share one schema.

use sea_orm::entity::prelude::*;

/// Whether a client is current.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ClientStatus {
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    #[sea_orm(string_value = "ARCHIVED")]
    Archived,
}

/// The role a contact plays at the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Persona {
    #[sea_orm(string_value = "CMO")]
    Cmo,
    #[sea_orm(string_value = "CIO")]
    Cio,
    #[sea_orm(string_value = "CDO")]
    Cdo,
    #[sea_orm(string_value = "SALES_LEADER")]
    SalesLeader,
    #[sea_orm(string_value = "PROCUREMENT")]
    Procurement,
    #[sea_orm(string_value = "ARCHITECT")]
    Architect,
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// The part of the client's organisation a contact works in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ContactFunction {
    #[sea_orm(string_value = "MARKETING")]
    Marketing,
    #[sea_orm(string_value = "IT")]
    It,
    #[sea_orm(string_value = "BUSINESS_TECH")]
    BusinessTech,
    #[sea_orm(string_value = "SALES")]
    Sales,
    #[sea_orm(string_value = "FINANCE")]
    Finance,
    #[sea_orm(string_value = "PROCUREMENT")]
    Procurement,
    #[sea_orm(string_value = "EXEC")]
    Exec,
}

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Role {
    #[sea_orm(string_value = "ADMIN")]
    Admin,
    #[sea_orm(string_value = "ACCOUNT_MANAGER")]
    AccountManager,
    #[sea_orm(string_value = "DELIVERY")]
    Delivery,
    #[sea_orm(string_value = "CLIENT")]
    Client,
}
