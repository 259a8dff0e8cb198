//! SeaORM entities: the persistence shapes of Tandem's tables. No business
//! rules live here; the service layer in `tandem-api` owns those.

pub mod api_token;
pub mod client;
pub mod client_manager;
pub mod contact;
pub mod enums;
pub mod login_throttle;
pub mod refresh_token;
pub mod user;

pub use enums::*;
