//! Funding splits with their approvals, and spend.

pub mod loaders;
mod mutation;
mod query;
mod types;

pub use loaders::SplitLoaders;
pub use mutation::SplitMutation;
pub use query::SplitQuery;
pub use types::*;
