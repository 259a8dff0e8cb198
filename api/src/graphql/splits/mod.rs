//! Funding splits with their approvals, and spend.

mod mutation;
mod query;
mod types;

pub use mutation::SplitMutation;
pub use query::SplitQuery;
pub use types::*;
