//! Funding sources and client budgets, with their derived figures.

mod figures;
pub mod loaders;
mod mutation;
mod query;
mod types;

pub use figures::*;
pub use loaders::BudgetFigures;
pub use mutation::BudgetMutation;
pub use query::BudgetQuery;
pub use types::*;
