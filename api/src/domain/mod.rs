//! Domain values parsed at the edge: "parse, don't validate".

pub mod burn;
pub mod charge;
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

/// The name the API gives a stored enum value (`ON_HOLD`, not `OnHold`), for
/// messages: every enum of the entities stores its API name.
pub fn api_name<E: sea_orm::ActiveEnum<Value = String>>(value: &E) -> String {
    value.to_value()
}
