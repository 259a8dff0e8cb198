//! SeaORM entities: the persistence shapes of Tandem's tables. No business
//! rules live here; the service layer in `tandem-api` owns those.

pub mod allocation;
pub mod api_token;
pub mod approval_delegation;
pub mod approval_rule;
pub mod budget;
pub mod budget_line;
pub mod budget_line_change;
pub mod budget_signoff;
pub mod client;
pub mod client_manager;
pub mod contact;
pub mod currency;
pub mod engagement;
pub mod engagement_line;
pub mod engagement_staff;
pub mod engagement_stakeholder;
pub mod engagement_transition;
pub mod enums;
pub mod funding_source;
pub mod funding_split;
pub mod funding_split_phase;
pub mod funding_split_share;
pub mod login_throttle;
pub mod rate_card;
pub mod rate_card_price;
pub mod rate_card_version;
pub mod refresh_token;
pub mod service;
pub mod spend_attribution;
pub mod spend_entry;
pub mod split_approval;
pub mod user;

pub use currency::Currency;
pub use enums::*;
