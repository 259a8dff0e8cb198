//! Funding sources: the pots of a client's money (the CMO's marketing
//! budget, the CIO's run budget, ...), each owned by one of its contacts.

mod mutation;
mod query;
mod types;

pub use mutation::*;
pub use query::FundingSourceQuery;
pub use types::*;
