//! Clients: the buying companies.

mod mutation;
mod query;
mod types;

pub use mutation::ClientMutation;
pub use query::ClientQuery;
pub use types::*;
