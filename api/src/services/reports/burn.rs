//! Burn: for every ACTIVE or ON_HOLD engagement (the ones that take spend),
//! its value, spend, burn rate, runway and forecast at completion, flagged
//! against the caller's thresholds.
//!
//! As on `Engagement`: the burn rate is the spend dated in the 30 days up to
//! and including today, divided by 30 and rounded half up to a minor unit;
//! the forecast at completion is spent + burn rate x the days left until the
//! end date (none once it has passed). The runway is remaining (value -
//! spent) / burn rate in whole days, rounded down (0 once nothing remains,
//! `null` when the burn rate is 0). The flag compares the larger of spent
//! and forecast, as a percentage of value, with the thresholds: `OVER` when
//! it is above `alert_percent`, `WARN` when it is at or above `warn_percent`,
//! else `OK` (with no value, any spend or forecast is `OVER`).

use chrono::NaiveDate;
use sea_orm::{ActiveEnum, QueryResult};
use tandem_entities::EngagementStatus;

use super::Cell;
use super::sql::{self, Ctx, ENGAGEMENT_VALUE, Sql};
use crate::domain::burn;
use crate::error::AppResult;
use crate::ids::Kind;

pub(super) fn build(q: &mut Sql, ctx: &Ctx) {
    q.push(&format!(
        "SELECT c.id AS client_id, c.code AS client_code, e.id AS engagement_id, \
           e.code AS engagement_code, e.name AS engagement_name, e.status AS status, \
           e.end_date AS end_date, e.currency AS currency, {ENGAGEMENT_VALUE} AS value, \
           CAST(COALESCE((SELECT SUM(se.charge_minor) FROM spend_entries se WHERE se.engagement_id = e.id), 0) AS BIGINT) AS spent, \
           CAST(COALESCE((SELECT SUM(se.charge_minor) FROM spend_entries se WHERE se.engagement_id = e.id AND se.spent_on >= "
    ))
    .bind(burn::window(ctx.today).0)
    .push(" AND se.spent_on <= ")
    .bind(burn::window(ctx.today).1)
    .push(
        "), 0) AS BIGINT) AS recent \
         FROM engagements e \
         JOIN clients c ON c.id = e.client_id \
         WHERE 1 = 1",
    );
    q.and_in_texts(
        "e.status",
        &[
            &EngagementStatus::Active.to_value(),
            &EngagementStatus::OnHold.to_value(),
        ],
    );
    q.engagement_conditions(ctx, true);
    q.push(" ORDER BY c.code, e.currency, e.code, e.id");
}

/// `OK`, `WARN` or `OVER` for `used` (the larger of spent and forecast)
/// against `value`.
fn flag(used: i64, value: i64, warn_percent: u32, alert_percent: u32) -> &'static str {
    if value <= 0 {
        return if used > 0 { "OVER" } else { "OK" };
    }
    let used = i128::from(used) * 100;
    let value = i128::from(value);
    if used > value * i128::from(alert_percent) {
        "OVER"
    } else if used >= value * i128::from(warn_percent) {
        "WARN"
    } else {
        "OK"
    }
}

pub(super) fn decode(row: &QueryResult, ctx: &Ctx) -> AppResult<Vec<Cell>> {
    let currency = sql::currency(row)?;
    let value = sql::int(row, "value")?;
    let spent = sql::int(row, "spent")?;
    let recent = sql::int(row, "recent")?;
    let end: NaiveDate = sql::get(row, "end_date")?;
    let rate = burn::rate(recent);
    let remaining = value - spent;
    let runway = match (rate, remaining) {
        (0, _) => Cell::Null,
        (_, r) if r <= 0 => Cell::Int(0),
        (rate, r) => Cell::Int(r / rate),
    };
    let forecast = burn::forecast(spent, rate, end, ctx.today);
    Ok(vec![
        sql::id(row, "client_id", Kind::Client)?,
        sql::text(row, "client_code")?,
        sql::id(row, "engagement_id", Kind::Engagement)?,
        sql::text(row, "engagement_code")?,
        sql::text(row, "engagement_name")?,
        sql::text(row, "status")?,
        Cell::Date(end),
        Cell::Text(currency.code().to_owned()),
        sql::money(value, currency),
        sql::money(spent, currency),
        sql::money(recent, currency),
        sql::money(rate, currency),
        runway,
        sql::money(forecast, currency),
        sql::percent(spent, value),
        sql::percent(forecast, value),
        Cell::Text(
            flag(
                spent.max(forecast),
                value,
                ctx.warn_percent,
                ctx.alert_percent,
            )
            .to_owned(),
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::flag;

    #[test]
    fn the_flag_warns_at_the_warn_threshold_and_alerts_past_the_alert_one() {
        assert_eq!(flag(7_999, 10_000, 80, 100), "OK");
        assert_eq!(flag(8_000, 10_000, 80, 100), "WARN");
        assert_eq!(flag(10_000, 10_000, 80, 100), "WARN");
        assert_eq!(flag(10_001, 10_000, 80, 100), "OVER");
        assert_eq!(flag(1, 0, 80, 100), "OVER");
        assert_eq!(flag(0, 0, 80, 100), "OK");
    }
}
