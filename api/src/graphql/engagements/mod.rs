//! Engagements: what was sold to a client, its lifecycle, lines,
//! stakeholders and staff.

pub mod loaders;
mod mutation;
mod query;
mod types;

pub use loaders::EngagementFigures;
pub use mutation::EngagementMutation;
pub use query::EngagementQuery;
pub use types::*;
