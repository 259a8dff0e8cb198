//! Funding sources and client budgets, with their derived figures.

mod figures;
mod governance;
pub mod loaders;
mod mutation;
mod query;
mod types;

pub use figures::*;
pub use governance::*;
pub use loaders::BudgetFigures;
pub use mutation::BudgetMutation;
pub use query::BudgetQuery;
pub use types::*;
