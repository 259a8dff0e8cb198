//! Signing in, the caller's own account and API tokens, and user
//! administration.

mod mutation;
mod query;
mod types;

pub use mutation::UserMutation;
pub use query::UserQuery;
pub use types::*;
