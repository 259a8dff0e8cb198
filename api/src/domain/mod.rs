//! Domain values parsed at the edge: "parse, don't validate".

pub mod burn;
pub mod engagement;
pub mod money;
pub mod split;
pub mod text;

pub use money::{Currency, Money};

/// The current time in UTC, truncated to whole microseconds: PostgreSQL keeps
/// microseconds, so both databases round-trip exactly the same value.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::{DurationRound, TimeDelta};
    let now = chrono::Utc::now();
    now.duration_trunc(TimeDelta::microseconds(1))
        .unwrap_or(now)
}
