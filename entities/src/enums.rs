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
    #[sea_orm(string_value = "CFO")]
    Cfo,
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

/// The kind of work a service is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum Discipline {
    #[sea_orm(string_value = "CREATIVE")]
    Creative,
    #[sea_orm(string_value = "TECHNOLOGY")]
    Technology,
    #[sea_orm(string_value = "DATA")]
    Data,
    #[sea_orm(string_value = "MANAGED_SERVICE")]
    ManagedService,
}

/// Whose budget usually buys a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Buyer {
    #[sea_orm(string_value = "MARKETING")]
    Marketing,
    #[sea_orm(string_value = "IT")]
    It,
    #[sea_orm(string_value = "JOINT")]
    Joint,
}

/// The unit a service is sold in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(8))")]
pub enum ServiceUnit {
    #[sea_orm(string_value = "HOUR")]
    Hour,
    #[sea_orm(string_value = "DAY")]
    Day,
    #[sea_orm(string_value = "MONTH")]
    Month,
    #[sea_orm(string_value = "ITEM")]
    Item,
}

/// How a service is priced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum PricingModel {
    #[sea_orm(string_value = "FIXED")]
    Fixed,
    #[sea_orm(string_value = "TIME_AND_MATERIALS")]
    TimeAndMaterials,
    #[sea_orm(string_value = "RETAINER")]
    Retainer,
}

/// Where a rate-card version is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum RateCardVersionStatus {
    #[sea_orm(string_value = "DRAFT")]
    Draft,
    #[sea_orm(string_value = "PUBLISHED")]
    Published,
    #[sea_orm(string_value = "RETIRED")]
    Retired,
}

/// How an engagement is sold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum CommercialModel {
    #[sea_orm(string_value = "FIXED_FEE")]
    FixedFee,
    #[sea_orm(string_value = "TIME_AND_MATERIALS")]
    TimeAndMaterials,
    #[sea_orm(string_value = "RETAINER")]
    Retainer,
    #[sea_orm(string_value = "MILESTONE")]
    Milestone,
}

/// What a joint initiative invests in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum InvestmentArea {
    #[sea_orm(string_value = "CUSTOMER_INTELLIGENCE")]
    CustomerIntelligence,
    #[sea_orm(string_value = "CUSTOMER_EXPERIENCE")]
    CustomerExperience,
    #[sea_orm(string_value = "SALES_CHANNELS")]
    SalesChannels,
    #[sea_orm(string_value = "CONTENT_AND_INTERACTIVE")]
    ContentAndInteractive,
}

/// Where an engagement is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum EngagementStatus {
    #[sea_orm(string_value = "LEAD")]
    Lead,
    #[sea_orm(string_value = "QUALIFIED")]
    Qualified,
    #[sea_orm(string_value = "PROPOSED")]
    Proposed,
    #[sea_orm(string_value = "WON")]
    Won,
    #[sea_orm(string_value = "LOST")]
    Lost,
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    #[sea_orm(string_value = "ON_HOLD")]
    OnHold,
    #[sea_orm(string_value = "DELIVERED")]
    Delivered,
    #[sea_orm(string_value = "CLOSED")]
    Closed,
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

/// The part a contact plays in an engagement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum StakeholderRole {
    #[sea_orm(string_value = "ECONOMIC_BUYER")]
    EconomicBuyer,
    #[sea_orm(string_value = "TECHNICAL_APPROVER")]
    TechnicalApprover,
    #[sea_orm(string_value = "BUSINESS_OWNER")]
    BusinessOwner,
    #[sea_orm(string_value = "SPONSOR")]
    Sponsor,
    #[sea_orm(string_value = "PROCUREMENT")]
    Procurement,
    #[sea_orm(string_value = "INFLUENCER")]
    Influencer,
}

/// Whose pot of money a funding source is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum FundingFunction {
    #[sea_orm(string_value = "MARKETING")]
    Marketing,
    #[sea_orm(string_value = "IT_RUN")]
    ItRun,
    #[sea_orm(string_value = "BUSINESS_TECH")]
    BusinessTech,
    #[sea_orm(string_value = "SALES")]
    Sales,
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// How the client books the money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(8))")]
pub enum ExpenseType {
    #[sea_orm(string_value = "OPEX")]
    Opex,
    #[sea_orm(string_value = "CAPEX")]
    Capex,
}

/// Where a client budget is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum BudgetStatus {
    #[sea_orm(string_value = "DRAFT")]
    Draft,
    #[sea_orm(string_value = "APPROVED")]
    Approved,
    #[sea_orm(string_value = "CLOSED")]
    Closed,
}

/// The part of the fiscal year a budget line covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(4))")]
pub enum BudgetPeriod {
    #[sea_orm(string_value = "FY")]
    Fy,
    #[sea_orm(string_value = "Q1")]
    Q1,
    #[sea_orm(string_value = "Q2")]
    Q2,
    #[sea_orm(string_value = "Q3")]
    Q3,
    #[sea_orm(string_value = "Q4")]
    Q4,
}

/// Where a funding split is in its approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
pub enum SplitStatus {
    #[sea_orm(string_value = "DRAFT")]
    Draft,
    #[sea_orm(string_value = "PENDING_APPROVAL")]
    PendingApproval,
    #[sea_orm(string_value = "APPROVED")]
    Approved,
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
    #[sea_orm(string_value = "SUPERSEDED")]
    Superseded,
    #[sea_orm(string_value = "WITHDRAWN")]
    Withdrawn,
}

/// An owner's decision on a split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Decision {
    #[sea_orm(string_value = "PENDING")]
    Pending,
    #[sea_orm(string_value = "APPROVED")]
    Approved,
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
}

/// What money was spent on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum SpendKind {
    #[sea_orm(string_value = "LABOR")]
    Labor,
    #[sea_orm(string_value = "LICENSE")]
    License,
    #[sea_orm(string_value = "MEDIA")]
    Media,
    #[sea_orm(string_value = "EXPENSE")]
    Expense,
}

/// Where a change to a budget line's planned money stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum LineChangeStatus {
    /// Proposed by the provider to an approved budget; awaits the line's
    /// owner.
    #[sea_orm(string_value = "PENDING")]
    Pending,
    /// Made: the line holds the new amount (or was removed).
    #[sea_orm(string_value = "APPLIED")]
    Applied,
    /// Refused by the owner; the line is unchanged.
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
    /// Taken back by the provider before the owner decided.
    #[sea_orm(string_value = "WITHDRAWN")]
    Withdrawn,
}
