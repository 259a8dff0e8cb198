//! Funding splits with their approvals, and spend.

mod fit;
mod mutation;
mod query;
mod timeline;
mod types;

pub use fit::{LineFit, SplitFit, SplitLoaders};
pub use mutation::SplitMutation;
pub use query::SplitQuery;
pub use timeline::{SplitEvent, SplitEventConnection, SplitEventKind};
pub use types::*;
