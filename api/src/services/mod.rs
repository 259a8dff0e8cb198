//! Business rules and transactions, one module per domain area. Every
//! function takes the [`Caller`](crate::caller::Caller) and enforces what it
//! may see and do.

pub mod allocation;
pub mod api_tokens;
pub mod auth;
pub use crate::resource::page as pagination;
pub mod budgets;
pub mod catalog;
pub mod clients;
pub mod contacts;
pub mod engagements;
pub mod filter;
pub mod funding_sources;
pub mod governance;
pub mod rate_card_versions;
pub mod rate_cards;
pub mod reports;
pub mod spend;
pub mod splits;
pub mod users;
