//! Scalars of our own: `Date`, a calendar day (RFC 3339 `full-date`) within
//! the range Tandem accepts, and `BigInt`, a 64-bit integer carried as a
//! string.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;

/// The first and the last day any date input may name: wide enough for any
/// business record, narrow enough that date arithmetic (fiscal years,
/// quarters, burn windows) never leaves the calendar.
pub const FIRST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(d) => d,
    None => panic!("1900-01-01 is a date"),
};
pub const LAST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2199, 12, 31) {
    Some(d) => d,
    None => panic!("2199-12-31 is a date"),
};

/// A calendar day, `YYYY-MM-DD` (RFC 3339 `full-date`), from 1900-01-01 to
/// 2199-12-31.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub NaiveDate);

/// A calendar day, `YYYY-MM-DD` (RFC 3339 `full-date`), from 1900-01-01 to
/// 2199-12-31.
#[Scalar(
    name = "Date",
    specified_by_url = "https://www.rfc-editor.org/rfc/rfc3339#section-5.6"
)]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        let Value::String(text) = &value else {
            return Err(InputValueError::expected_type(value));
        };
        parse(text).map(Date).map_err(InputValueError::custom)
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

/// Parses `YYYY-MM-DD` strictly, within [`FIRST_DATE`]..=[`LAST_DATE`].
pub fn parse(text: &str) -> Result<NaiveDate, String> {
    let well_formed = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    let date = well_formed
        .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
        .ok_or_else(|| format!("{text:?} is not a date of the form YYYY-MM-DD"))?;
    if !(FIRST_DATE..=LAST_DATE).contains(&date) {
        return Err(format!(
            "{text} is outside the accepted range {FIRST_DATE} to {LAST_DATE}"
        ));
    }
    Ok(date)
}

impl From<NaiveDate> for Date {
    fn from(d: NaiveDate) -> Self {
        Date(d)
    }
}

impl From<Date> for NaiveDate {
    fn from(d: Date) -> Self {
        d.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_strictly_and_within_the_range() {
        assert_eq!(
            parse("2026-04-01"),
            Ok(NaiveDate::from_ymd_opt(2026, 4, 1).unwrap())
        );
        for bad in [
            "2026-4-1",
            "0001-01-01",
            "+262142-12-31",
            "-0001-01-01",
            "2026-02-30",
            "2200-01-01",
            "1899-12-31",
            "2026-04-01T00:00:00Z",
            "",
        ] {
            assert!(parse(bad).is_err(), "{bad} should be refused");
        }
        assert!(parse("1900-01-01").is_ok());
        assert!(parse("2199-12-31").is_ok());
    }
}

/// A signed 64-bit integer as a decimal string (e.g. `"3000000000"`): GraphQL
/// `Int` stops at 2^31 - 1 and JSON numbers lose precision past 2^53, so
/// amounts in minor units travel as text. As input, a string or an `Int`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BigInt(pub i64);

/// A signed 64-bit integer as a decimal string (e.g. `"3000000000"`): GraphQL
/// `Int` stops at 2^31 - 1 and JSON numbers lose precision past 2^53, so
/// amounts in minor units travel as text. As input, a string or an `Int`.
#[Scalar(name = "BigInt")]
impl ScalarType for BigInt {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => {
                let well_formed = !text.is_empty()
                    && text
                        .strip_prefix('-')
                        .unwrap_or(text)
                        .bytes()
                        .all(|b| b.is_ascii_digit());
                well_formed
                    .then(|| text.parse::<i64>().ok())
                    .flatten()
                    .map(BigInt)
                    .ok_or_else(|| {
                        InputValueError::custom(format!(
                            "{text:?} is not a 64-bit integer written in decimal digits"
                        ))
                    })
            }
            Value::Number(n) => n
                .as_i64()
                .map(BigInt)
                .ok_or_else(|| InputValueError::custom("not a 64-bit integer")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

/// An instant: an RFC 3339 `date-time` in UTC, e.g.
/// `2026-12-03T17:08:31.123456+00:00`; PostgreSQL and SQLite keep
/// microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(pub chrono::DateTime<chrono::Utc>);

impl From<chrono::DateTime<chrono::Utc>> for Instant {
    fn from(at: chrono::DateTime<chrono::Utc>) -> Self {
        Instant(at)
    }
}

/// An instant: an RFC 3339 `date-time` in UTC, e.g.
/// `2026-12-03T17:08:31.123456+00:00`; PostgreSQL and SQLite keep
/// microseconds. As input, any RFC 3339 offset, turned into UTC.
#[Scalar(
    name = "DateTime",
    specified_by_url = "https://www.rfc-editor.org/rfc/rfc3339#section-5.6"
)]
impl ScalarType for Instant {
    fn parse(value: Value) -> InputValueResult<Self> {
        let Value::String(text) = &value else {
            return Err(InputValueError::expected_type(value));
        };
        chrono::DateTime::parse_from_rfc3339(text)
            .map(|at| Instant(at.with_timezone(&chrono::Utc)))
            .map_err(|_| {
                InputValueError::custom(format!(
                    "{text:?} is not an RFC 3339 date-time such as 2026-12-31T23:59:59Z"
                ))
            })
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_rfc3339())
    }
}
