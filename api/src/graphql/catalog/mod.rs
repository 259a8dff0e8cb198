//! The service catalog: what the provider sells.

mod mutation;
mod query;
mod types;

pub use mutation::CatalogMutation;
pub use query::CatalogQuery;
pub use types::*;
