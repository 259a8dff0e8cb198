//! Funding sources and client budgets, with their derived figures.

pub mod loaders;
mod mutation;
mod query;
mod types;

pub use loaders::BudgetFigures;
pub use mutation::BudgetMutation;
pub use query::BudgetQuery;
pub use types::*;
