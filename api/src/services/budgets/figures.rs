//! Derived money figures of budget lines, budgets and funding sources,
//! computed by the database with `SUM ... GROUP BY` for a whole batch of
//! parents at once.
//!
//! Spend counts towards a budget line when it is attributed to the line's
//! funding source and its date falls inside the line's period: the whole
//! fiscal year for FY lines, or the quarter (by the month's position in the
//! fiscal year) for Q1..Q4 lines.
//!
//! Burn rate and forecast at completion follow the engagements' rule, line
//! by line:
//! - a line's burn rate is its spend dated in the 30 days up to and
//!   including today, divided by 30 and rounded half up to a minor unit;
//! - a line's forecast at completion is its spend plus its burn rate times
//!   the days left from today until the last day of its period (none once
//!   the period is over).
//!
//! Any other set of figures (a budget's totals, a function, an owner or a
//! period of it, a funding source, a client) is the sum of its lines'
//! figures, burn rate and forecast included, so that the parts always add
//! up to the whole.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{ActiveEnum, ConnectionTrait, DbBackend, QueryResult, Statement, Value};
use tandem_entities::{BudgetPeriod, FundingFunction};
use uuid::Uuid;

use crate::domain::burn::{self, WINDOW_DAYS};
use crate::error::{AppError, AppResult};

/// Planned, allocated and spent money, in minor units of one currency, with
/// the burn rate and the forecast at completion.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Amounts {
    pub planned: i64,
    pub allocated: i64,
    pub spent: i64,
    /// The part of `spent` dated in the [`WINDOW_DAYS`] days up to and
    /// including today.
    pub last_30_days: i64,
    /// Minor units per day: the sum of the lines' burn rates.
    pub burn_rate: i64,
    /// The sum of the lines' forecasts at completion.
    pub forecast: i64,
    /// What the lines can still take: per line, planned minus the larger of
    /// allocated (committed) and spent (charged), summed.
    pub available: i64,
}

impl Amounts {
    /// Planned minus allocated.
    pub fn remaining(&self) -> i64 {
        self.planned.saturating_sub(self.allocated)
    }

    pub fn add(&mut self, other: &Amounts) {
        self.planned = self.planned.saturating_add(other.planned);
        self.allocated = self.allocated.saturating_add(other.allocated);
        self.spent = self.spent.saturating_add(other.spent);
        self.last_30_days = self.last_30_days.saturating_add(other.last_30_days);
        self.burn_rate = self.burn_rate.saturating_add(other.burn_rate);
        self.forecast = self.forecast.saturating_add(other.forecast);
        self.available = self.available.saturating_add(other.available);
    }
}

/// Spent as a percentage of planned, exactly, with two decimals (rounded
/// half up); `None` when nothing is planned.
pub fn utilisation(spent: i64, planned: i64) -> Option<String> {
    if planned == 0 {
        return None;
    }
    // Hundredths of a percent, rounded half away from zero, in 128 bits so
    // that it never overflows.
    let q = crate::domain::money::div_round(i128::from(spent) * 10_000, i128::from(planned));
    let sign = if q < 0 { "-" } else { "" };
    let abs = q.unsigned_abs();
    Some(format!("{sign}{}.{:02}", abs / 100, abs % 100))
}

/// One group of a budget's lines: same currency, function, owner and period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub currency: crate::domain::Currency,
    pub function: FundingFunction,
    pub owner_contact_id: Uuid,
    pub period: BudgetPeriod,
    pub amounts: Amounts,
}

/// The month number (year * 12 + month) of a date column, per backend.
pub(crate) fn month_number(backend: DbBackend, col: &str) -> String {
    match backend {
        DbBackend::Postgres => format!(
            "(CAST(EXTRACT(YEAR FROM {col}) AS INTEGER) * 12 + CAST(EXTRACT(MONTH FROM {col}) AS INTEGER))"
        ),
        _ => format!(
            "(CAST(strftime('%Y', {col}) AS INTEGER) * 12 + CAST(strftime('%m', {col}) AS INTEGER))"
        ),
    }
}

/// The rule for which spend counts towards a budget line, as an SQL
/// condition on an attribution `sa`, a line `bl` and its budget `b`:
/// attributed to the line's funding source and dated inside the line's
/// period (the fiscal year for FY lines, the quarter, by the month's
/// position in the fiscal year, for Q1..Q4 lines).
pub(crate) fn spend_counts_towards_line(backend: DbBackend) -> String {
    let quarter = format!(
        "({} - {}) / 3",
        month_number(backend, "sa.spent_on"),
        month_number(backend, "b.starts_on")
    );
    format!(
        "sa.funding_source_id = bl.funding_source_id \
         AND sa.spent_on >= b.starts_on AND sa.spent_on <= b.ends_on \
         AND (bl.period = 'FY' OR bl.period = CASE {quarter} WHEN 0 THEN 'Q1' WHEN 1 THEN 'Q2' WHEN 2 THEN 'Q3' ELSE 'Q4' END)"
    )
}

/// `SELECT line_id, spent, last_30` for the budget lines matching `filter`
/// (which may refer to `bl`). Its first two placeholders are the first and
/// last day of the burn window, then come those of `filter`.
fn line_spent(backend: DbBackend, filter: &str) -> String {
    let counts = spend_counts_towards_line(backend);
    format!(
        "SELECT bl.id AS line_id, CAST(SUM(sa.amount_minor) AS BIGINT) AS spent, \
           CAST(SUM(CASE WHEN sa.spent_on >= ? AND sa.spent_on <= ? THEN sa.amount_minor ELSE 0 END) AS BIGINT) AS last_30 \
         FROM budget_lines bl \
         JOIN budgets b ON b.id = bl.budget_id \
         JOIN spend_attributions sa ON {counts} \
         WHERE {filter} \
         GROUP BY bl.id"
    )
}

/// The sums of every row of [`line_sums`]. Each line's burn rate is
/// [`burn::rate`] computed in SQL (half up by integer division, exact since
/// a line's net spend in a window is never negative: a reversal carries its
/// original's date), so the sums are sums of rounded line rates.
fn sums() -> String {
    let half = WINDOW_DAYS / 2;
    format!(
        "CAST(SUM(bl.planned_minor) AS BIGINT) AS planned, \
         CAST(SUM(bl.allocated_minor) AS BIGINT) AS allocated, \
         CAST(SUM(COALESCE(s.spent, 0)) AS BIGINT) AS spent, \
         CAST(SUM(COALESCE(s.last_30, 0)) AS BIGINT) AS last_30, \
         CAST(SUM((COALESCE(s.last_30, 0) + {half}) / {WINDOW_DAYS}) AS BIGINT) AS burn, \
         CAST(SUM(bl.planned_minor - CASE WHEN bl.allocated_minor > COALESCE(s.spent, 0) \
           THEN bl.allocated_minor ELSE COALESCE(s.spent, 0) END) AS BIGINT) AS available"
    )
}

/// The figures of the lines matching `filter` on `ids`, summed per
/// `keys` (`(expression, alias)` pairs) and per budget period, in one
/// statement. Each row comes with its amounts, its forecast reckoned to the
/// end of its period; the caller reads its keys.
async fn line_sums(
    db: &impl ConnectionTrait,
    keys: &[(&str, &str)],
    with_sources: bool,
    filter: &str,
    ids: &[Uuid],
    today: NaiveDate,
) -> AppResult<Vec<(QueryResult, Amounts)>> {
    let backend = db.get_database_backend();
    let select: Vec<String> = keys.iter().map(|(e, a)| format!("{e} AS {a}")).collect();
    let group: Vec<&str> = keys.iter().map(|(e, _)| *e).collect();
    let sources = if with_sources {
        "JOIN funding_sources fs ON fs.id = bl.funding_source_id "
    } else {
        ""
    };
    let sql = format!(
        "SELECT {}, bl.period AS period, b.starts_on AS starts_on, b.ends_on AS ends_on, {} \
         FROM budget_lines bl \
         JOIN budgets b ON b.id = bl.budget_id \
         {sources}\
         LEFT JOIN ({}) s ON s.line_id = bl.id \
         WHERE {filter} \
         GROUP BY {}, bl.period, b.starts_on, b.ends_on",
        select.join(", "),
        sums(),
        line_spent(backend, filter),
        group.join(", "),
    );
    let (since, until) = burn::window(today);
    let mut values = vec![Value::from(since), Value::from(until)];
    values.extend(uuids(ids));
    values.extend(uuids(ids));
    let mut out = Vec::new();
    for row in db.query_all_raw(statement(backend, &sql, values)).await? {
        let period = stored::<BudgetPeriod>(row.try_get("", "period")?)?;
        let starts_on: NaiveDate = row.try_get("", "starts_on")?;
        let ends_on: NaiveDate = row.try_get("", "ends_on")?;
        let (_, end) = super::period_bounds(starts_on, ends_on, period);
        let spent = int(&row, "spent")?;
        let burn_rate = int(&row, "burn")?;
        let amounts = Amounts {
            planned: int(&row, "planned")?,
            allocated: int(&row, "allocated")?,
            spent,
            last_30_days: int(&row, "last_30")?,
            burn_rate,
            forecast: burn::forecast(spent, burn_rate, end, today),
            available: int(&row, "available")?,
        };
        out.push((row, amounts));
    }
    Ok(out)
}

/// `?, ?, ?` for `n` values.
fn marks(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// A statement with `?` placeholders, numbered for PostgreSQL.
pub(crate) fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = if backend == DbBackend::Postgres {
        let mut out = String::with_capacity(sql.len() + 16);
        let mut n = 0;
        for ch in sql.chars() {
            if ch == '?' {
                n += 1;
                out.push_str(&format!("${n}"));
            } else {
                out.push(ch);
            }
        }
        out
    } else {
        sql.to_owned()
    };
    Statement::from_sql_and_values(backend, sql, values)
}

fn uuids(ids: &[Uuid]) -> Vec<Value> {
    ids.iter().map(|id| Value::from(*id)).collect()
}

fn int(row: &QueryResult, col: &str) -> AppResult<i64> {
    Ok(row.try_get::<Option<i64>>("", col)?.unwrap_or(0))
}

/// A string-backed enum as stored.
fn stored<E: ActiveEnum<Value = String>>(text: String) -> AppResult<E> {
    E::try_from_value(&text).map_err(|_| AppError::internal(format!("stored value {text:?}")))
}

/// The figures of each budget line among `ids`, in one statement.
pub async fn for_lines(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    today: NaiveDate,
) -> AppResult<HashMap<Uuid, Amounts>> {
    let mut out: HashMap<Uuid, Amounts> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let filter = format!("bl.id IN ({})", marks(ids.len()));
    for (row, amounts) in line_sums(db, &[("bl.id", "id")], false, &filter, ids, today).await? {
        out.insert(row.try_get("", "id")?, amounts);
    }
    Ok(out)
}

/// The lines of each budget among `ids`, summed by currency, function,
/// owner and period, in one statement.
pub async fn groups_for_budgets(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    today: NaiveDate,
) -> AppResult<HashMap<Uuid, Vec<Group>>> {
    let mut out: HashMap<Uuid, Vec<Group>> = ids.iter().map(|id| (*id, Vec::new())).collect();
    if ids.is_empty() {
        return Ok(out);
    }
    let filter = format!("bl.budget_id IN ({})", marks(ids.len()));
    let keys = [
        ("bl.budget_id", "budget_id"),
        ("fs.currency", "currency"),
        ("fs.function", "function"),
        ("fs.owner_contact_id", "owner_contact_id"),
    ];
    for (row, amounts) in line_sums(db, &keys, true, &filter, ids, today).await? {
        let budget_id: Uuid = row.try_get("", "budget_id")?;
        let group = Group {
            currency: row.try_get("", "currency")?,
            function: stored::<FundingFunction>(row.try_get("", "function")?)?,
            owner_contact_id: row.try_get("", "owner_contact_id")?,
            period: stored::<BudgetPeriod>(row.try_get("", "period")?)?,
            amounts,
        };
        out.entry(budget_id).or_default().push(group);
    }
    Ok(out)
}

/// The figures of each funding source among `ids`, summed over all its
/// budget lines (every budget, every period), in one statement.
pub async fn for_sources(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    today: NaiveDate,
) -> AppResult<HashMap<Uuid, Amounts>> {
    let mut out: HashMap<Uuid, Amounts> = ids.iter().map(|id| (*id, Amounts::default())).collect();
    if ids.is_empty() {
        return Ok(out);
    }
    let filter = format!("bl.funding_source_id IN ({})", marks(ids.len()));
    // Grouped per budget and period too, since each has its own end date.
    let keys = [
        ("bl.funding_source_id", "id"),
        ("bl.budget_id", "budget_id"),
    ];
    for (row, amounts) in line_sums(db, &keys, false, &filter, ids, today).await? {
        out.entry(row.try_get("", "id")?).or_default().add(&amounts);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utilisation_is_an_exact_percentage_with_two_decimals() {
        assert_eq!(utilisation(1250, 10_000).as_deref(), Some("12.50"));
        assert_eq!(utilisation(1, 3).as_deref(), Some("33.33"));
        assert_eq!(utilisation(2, 3).as_deref(), Some("66.67"));
        assert_eq!(utilisation(0, 5).as_deref(), Some("0.00"));
        assert_eq!(utilisation(15, 10).as_deref(), Some("150.00"));
        assert_eq!(utilisation(5, 0), None);
    }

    #[test]
    fn amounts_add_up_every_figure() {
        let mut a = Amounts {
            planned: 1,
            allocated: 2,
            spent: 3,
            last_30_days: 4,
            burn_rate: 5,
            forecast: 6,
            available: 7,
        };
        a.add(&a.clone());
        assert_eq!(
            a,
            Amounts {
                planned: 2,
                allocated: 4,
                spent: 6,
                last_30_days: 8,
                burn_rate: 10,
                forecast: 12,
                available: 14,
            }
        );
        assert_eq!(a.remaining(), -2);
    }
}
