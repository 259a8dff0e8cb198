//! A client's approval rules and its owners' delegates.

mod mutation;
mod types;

pub use mutation::GovernanceMutation;
pub use types::*;
