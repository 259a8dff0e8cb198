//! The burn rule, one for engagements, budget lines and the burn report:
//! the burn rate is the spend dated in the [`WINDOW_DAYS`] days up to and
//! including today (UTC), divided by that many days and rounded half up to
//! a minor unit; the forecast at completion is what was spent plus the burn
//! rate for every day left after today until the end date.

use chrono::{NaiveDate, TimeDelta, Utc};

use super::money::div_round;

/// Days, today included, the burn rate looks back.
pub const WINDOW_DAYS: i64 = 30;

/// The UTC date today: the day burn rates and forecasts are reckoned from.
pub fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// The first and last day of the burn window ending `today`.
pub fn window(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    (today - TimeDelta::days(WINDOW_DAYS - 1), today)
}

/// Minor units per day for `spent_in_window` (spend dated in the window),
/// rounded half up.
pub fn rate(spent_in_window: i64) -> i64 {
    div_round(i128::from(spent_in_window), i128::from(WINDOW_DAYS))
}

/// The days left after `today` until `end` (inclusive): 0 on the last day
/// and once it has passed.
pub fn days_left(end: NaiveDate, today: NaiveDate) -> i64 {
    (end - today).num_days().max(0)
}

/// Spent plus `rate` per day for the days left until `end`.
pub fn forecast(spent: i64, rate: i64, end: NaiveDate, today: NaiveDate) -> i64 {
    spent.saturating_add(rate.saturating_mul(days_left(end, today)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_window_is_thirty_days_today_included() {
        assert_eq!(window(d(2026, 11, 26)), (d(2026, 10, 28), d(2026, 11, 26)));
    }

    #[test]
    fn the_rate_rounds_half_up_to_a_minor_unit() {
        assert_eq!(rate(0), 0);
        assert_eq!(rate(14), 0);
        assert_eq!(rate(15), 1);
        assert_eq!(rate(3000), 100);
        assert_eq!(rate(3044), 101);
    }

    #[test]
    fn a_forecast_adds_the_burn_rate_for_each_day_left_and_nothing_once_over() {
        let today = d(2026, 11, 26);
        assert_eq!(days_left(d(2026, 12, 31), today), 35);
        assert_eq!(days_left(today, today), 0);
        assert_eq!(days_left(d(2026, 1, 1), today), 0);
        assert_eq!(forecast(1_000, 7, d(2026, 12, 31), today), 1_245);
        assert_eq!(forecast(1_000, 7, d(2026, 11, 1), today), 1_000);
    }
}
