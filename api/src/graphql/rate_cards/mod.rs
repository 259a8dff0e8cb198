//! Rate cards: the provider's prices and costs per service, in dated
//! versions. Provider-only.

mod mutation;
mod query;
mod types;

pub use mutation::RateCardMutation;
pub use query::RateCardQuery;
pub use types::*;
