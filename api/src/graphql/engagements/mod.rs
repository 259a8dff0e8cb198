//! Engagements: what was sold to a client, its lifecycle, lines,
//! stakeholders and staff.

mod enums;
mod filter;
mod history;
mod lines;
pub mod loaders;
mod mutation;
mod people;
mod query;
mod types;

pub use enums::*;
pub use filter::*;
pub use history::*;
pub use lines::*;
pub use loaders::EngagementFigures;
pub use mutation::EngagementMutation;
pub use people::*;
pub use query::EngagementQuery;
pub use types::*;
