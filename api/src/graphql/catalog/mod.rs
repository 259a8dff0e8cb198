//! The service catalog: what the provider sells.

pub mod loaders;
mod mutation;
mod query;
mod types;

pub use loaders::CatalogLoaders;
pub use mutation::CatalogMutation;
pub use query::CatalogQuery;
pub use types::*;
