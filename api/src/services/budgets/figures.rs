//! Derived money figures of budget lines, budgets and funding sources,
//! computed by the database with `SUM ... GROUP BY` for a whole batch of
//! parents at once.
//!
//! Spend counts towards a budget line when it is attributed to the line's
//! funding source and its date falls inside the line's period: the whole
//! fiscal year for FY lines, or the quarter (by the month's position in the
//! fiscal year) for Q1..Q4 lines.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, Value};
use tandem_entities::{BudgetPeriod, FundingFunction};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// Planned, allocated and spent money, in minor units of one currency.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Amounts {
    pub planned: i64,
    pub allocated: i64,
    pub spent: i64,
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
    }
}

/// Spent as a percentage of planned, exactly, with two decimals (rounded
/// half up); `None` when nothing is planned.
pub fn utilisation(spent: i64, planned: i64) -> Option<String> {
    if planned == 0 {
        return None;
    }
    // Hundredths of a percent: spent * 10000 / planned, rounded half away
    // from zero, in 128 bits so that it never overflows.
    let num = i128::from(spent) * 10_000;
    let den = i128::from(planned);
    let mut q = num / den;
    let r = num % den;
    if (r * 2).abs() >= den.abs() {
        q += if (num < 0) != (den < 0) { -1 } else { 1 };
    }
    let sign = if q < 0 { "-" } else { "" };
    let abs = q.unsigned_abs();
    Some(format!("{sign}{}.{:02}", abs / 100, abs % 100))
}

/// One group of a budget's lines: same currency, function, owner and period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub currency: String,
    pub function: FundingFunction,
    pub owner_contact_id: Uuid,
    pub period: BudgetPeriod,
    pub amounts: Amounts,
}

/// The month number (year * 12 + month) of a date column, per backend.
fn month_number(backend: DbBackend, col: &str) -> String {
    match backend {
        DbBackend::Postgres => format!(
            "(CAST(EXTRACT(YEAR FROM {col}) AS INTEGER) * 12 + CAST(EXTRACT(MONTH FROM {col}) AS INTEGER))"
        ),
        _ => format!(
            "(CAST(strftime('%Y', {col}) AS INTEGER) * 12 + CAST(strftime('%m', {col}) AS INTEGER))"
        ),
    }
}

/// `SELECT line_id, spent` for the budget lines matching `filter` (which
/// may refer to `bl`).
fn line_spent(backend: DbBackend, filter: &str) -> String {
    let quarter = format!(
        "({} - {}) / 3",
        month_number(backend, "sa.spent_on"),
        month_number(backend, "b.starts_on")
    );
    format!(
        "SELECT bl.id AS line_id, SUM(sa.amount_minor) AS spent \
         FROM budget_lines bl \
         JOIN budgets b ON b.id = bl.budget_id \
         JOIN spend_attributions sa ON sa.funding_source_id = bl.funding_source_id \
           AND sa.spent_on >= b.starts_on AND sa.spent_on <= b.ends_on \
           AND (bl.period = 'FY' OR bl.period = CASE {quarter} WHEN 0 THEN 'Q1' WHEN 1 THEN 'Q2' WHEN 2 THEN 'Q3' ELSE 'Q4' END) \
         WHERE {filter} \
         GROUP BY bl.id"
    )
}

/// `?, ?, ?` for `n` values.
fn marks(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// A statement with `?` placeholders, numbered for PostgreSQL.
fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
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

fn period(text: &str) -> AppResult<BudgetPeriod> {
    Ok(match text {
        "FY" => BudgetPeriod::Fy,
        "Q1" => BudgetPeriod::Q1,
        "Q2" => BudgetPeriod::Q2,
        "Q3" => BudgetPeriod::Q3,
        "Q4" => BudgetPeriod::Q4,
        other => return Err(AppError::internal(format!("stored period {other:?}"))),
    })
}

fn function(text: &str) -> AppResult<FundingFunction> {
    Ok(match text {
        "MARKETING" => FundingFunction::Marketing,
        "IT_RUN" => FundingFunction::ItRun,
        "BUSINESS_TECH" => FundingFunction::BusinessTech,
        "SALES" => FundingFunction::Sales,
        "OTHER" => FundingFunction::Other,
        other => return Err(AppError::internal(format!("stored function {other:?}"))),
    })
}

/// The money spent on each budget line among `ids`, in one statement.
pub async fn spent_for_lines(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, i64>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let backend = db.get_database_backend();
    let filter = format!("bl.id IN ({})", marks(ids.len()));
    let sql = format!(
        "SELECT s.line_id AS id, CAST(s.spent AS BIGINT) AS spent FROM ({}) s",
        line_spent(backend, &filter)
    );
    let rows = db
        .query_all_raw(statement(backend, &sql, uuids(ids)))
        .await?;
    let mut out: HashMap<Uuid, i64> = ids.iter().map(|id| (*id, 0)).collect();
    for row in rows {
        out.insert(row.try_get("", "id")?, int(&row, "spent")?);
    }
    Ok(out)
}

/// The lines of each budget among `ids`, summed by currency, function,
/// owner and period, in one statement.
pub async fn groups_for_budgets(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<Group>>> {
    let mut out: HashMap<Uuid, Vec<Group>> = ids.iter().map(|id| (*id, Vec::new())).collect();
    if ids.is_empty() {
        return Ok(out);
    }
    let backend = db.get_database_backend();
    let filter = format!("bl.budget_id IN ({})", marks(ids.len()));
    let sql = format!(
        "SELECT bl.budget_id AS budget_id, fs.currency AS currency, fs.function AS function, \
           fs.owner_contact_id AS owner_contact_id, bl.period AS period, \
           CAST(SUM(bl.planned_minor) AS BIGINT) AS planned, \
           CAST(SUM(bl.allocated_minor) AS BIGINT) AS allocated, \
           CAST(SUM(COALESCE(s.spent, 0)) AS BIGINT) AS spent \
         FROM budget_lines bl \
         JOIN funding_sources fs ON fs.id = bl.funding_source_id \
         LEFT JOIN ({}) s ON s.line_id = bl.id \
         WHERE {filter} \
         GROUP BY bl.budget_id, fs.currency, fs.function, fs.owner_contact_id, bl.period \
         ORDER BY fs.currency, fs.function, bl.period",
        line_spent(backend, &filter)
    );
    let mut values = uuids(ids);
    values.extend(uuids(ids));
    for row in db.query_all_raw(statement(backend, &sql, values)).await? {
        let budget_id: Uuid = row.try_get("", "budget_id")?;
        let group = Group {
            currency: row.try_get("", "currency")?,
            function: function(&row.try_get::<String>("", "function")?)?,
            owner_contact_id: row.try_get("", "owner_contact_id")?,
            period: period(&row.try_get::<String>("", "period")?)?,
            amounts: Amounts {
                planned: int(&row, "planned")?,
                allocated: int(&row, "allocated")?,
                spent: int(&row, "spent")?,
            },
        };
        out.entry(budget_id).or_default().push(group);
    }
    Ok(out)
}

/// Planned, allocated and spent money of each funding source among `ids`
/// across all its budget lines, in one statement.
pub async fn for_sources(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Amounts>> {
    let mut out: HashMap<Uuid, Amounts> = ids.iter().map(|id| (*id, Amounts::default())).collect();
    if ids.is_empty() {
        return Ok(out);
    }
    let backend = db.get_database_backend();
    let filter = format!("bl.funding_source_id IN ({})", marks(ids.len()));
    let sql = format!(
        "SELECT bl.funding_source_id AS id, \
           CAST(SUM(bl.planned_minor) AS BIGINT) AS planned, \
           CAST(SUM(bl.allocated_minor) AS BIGINT) AS allocated, \
           CAST(SUM(COALESCE(s.spent, 0)) AS BIGINT) AS spent \
         FROM budget_lines bl \
         LEFT JOIN ({}) s ON s.line_id = bl.id \
         WHERE {filter} \
         GROUP BY bl.funding_source_id",
        line_spent(backend, &filter)
    );
    let mut values = uuids(ids);
    values.extend(uuids(ids));
    for row in db.query_all_raw(statement(backend, &sql, values)).await? {
        out.insert(
            row.try_get("", "id")?,
            Amounts {
                planned: int(&row, "planned")?,
                allocated: int(&row, "allocated")?,
                spent: int(&row, "spent")?,
            },
        );
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
}
