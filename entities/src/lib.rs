//! SeaORM entities: the persistence shapes of Tandem's tables. No business
//! rules live here; the service layer in `tandem-api` owns those.

pub mod client;
pub mod contact;
pub mod enums;

pub use enums::*;
