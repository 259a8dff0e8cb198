//! Contacts: the people at a client.

mod mutation;
mod query;
mod types;

pub use mutation::ContactMutation;
pub use query::ContactQuery;
pub use types::*;
