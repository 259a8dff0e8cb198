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
//! - a line's forecast at completion is the larger of what is committed on
//!   it and its charges plus its burn rate times the days left from today
//!   until the last day of its period (none once the period is over): a
//!   commitment not yet charged is still money the line will pay.
//!
//! A line's pending demand is what the submitted, not yet approved splits
//! drawing on its funding source would commit to it, phased by the rule
//! activation uses (see [`crate::services::allocation::phase`]), less what
//! the engagement already holds on the line (a change order only adds its
//! difference), never below zero.
//!
//! Any other set of figures (a budget's totals, a function, an owner or a
//! period of it, a funding source, a client) is the sum of its lines'
//! figures, burn rate and forecast included, so that the parts always add
//! up to the whole.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{ActiveEnum, ConnectionTrait, DbBackend, QueryResult, Statement, Value};
use tandem_entities::{BudgetPeriod, BudgetStatus, FundingFunction};
use uuid::Uuid;

use crate::caller::Caller;
use crate::domain::burn;
use crate::error::{AppError, AppResult};
use crate::resource::{self, BudgetLines, Engagements};
use crate::services::allocation::{Explicit, PhaseBudget, PhaseLine, phase};

/// Planned, committed and charged money, in minor units of one currency,
/// with the burn rate and the forecast at completion.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Amounts {
    pub planned: i64,
    /// Held for engagements (the lines' `allocated`), releases deducted.
    pub committed: i64,
    /// Charged to the client (the charge of spend, attributed).
    pub charged: i64,
    /// The part of `charged` dated in the [`WINDOW_DAYS`] days up to and
    /// including today.
    pub last_30_days: i64,
    /// Minor units per day: the sum of the lines' burn rates.
    pub burn_rate: i64,
    /// The sum of the lines' forecasts at completion.
    pub forecast: i64,
    /// What the lines can still take: per line, planned minus the larger of
    /// committed and charged, summed.
    pub available: i64,
}

impl Amounts {
    /// Planned minus committed.
    pub fn remaining(&self) -> i64 {
        self.planned.saturating_sub(self.committed)
    }

    /// One line's figures from its sums: its burn rate, forecast and what
    /// it has available follow.
    pub fn of_line(
        planned: i64,
        committed: i64,
        charged: i64,
        last_30_days: i64,
        end: NaiveDate,
        today: NaiveDate,
    ) -> Self {
        let burn_rate = burn::rate(last_30_days);
        Self {
            planned,
            committed,
            charged,
            last_30_days,
            burn_rate,
            forecast: Ord::max(committed, burn::forecast(charged, burn_rate, end, today)),
            available: planned.saturating_sub(Ord::max(committed, charged)),
        }
    }

    pub fn add(&mut self, other: &Amounts) {
        self.planned = self.planned.saturating_add(other.planned);
        self.committed = self.committed.saturating_add(other.committed);
        self.charged = self.charged.saturating_add(other.charged);
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

/// One line of a budget, with what its figures are grouped by: currency,
/// function, owner and period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub currency: crate::domain::Currency,
    pub function: FundingFunction,
    pub owner_contact_id: Uuid,
    pub period: BudgetPeriod,
    pub amounts: Amounts,
    /// The line counted, with its funding source.
    pub line: (Uuid, Uuid),
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

/// The figures of each line matching `filter` on `ids`, one row per line
/// in one statement (the sums of its spend by SQL), with `keys`
/// (`(expression, alias)` pairs) selected beside them for the caller to
/// read.
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
    let sources = if with_sources {
        "JOIN funding_sources fs ON fs.id = bl.funding_source_id "
    } else {
        ""
    };
    let sql = format!(
        "SELECT {}, bl.id AS line_id_, bl.funding_source_id AS source_id_, \
           bl.period AS period, b.starts_on AS starts_on, b.ends_on AS ends_on, \
           CAST(bl.planned_minor AS BIGINT) AS planned, CAST(bl.allocated_minor AS BIGINT) AS committed, \
           CAST(COALESCE(s.spent, 0) AS BIGINT) AS charged, CAST(COALESCE(s.last_30, 0) AS BIGINT) AS last_30 \
         FROM budget_lines bl \
         JOIN budgets b ON b.id = bl.budget_id \
         {sources}\
         LEFT JOIN ({}) s ON s.line_id = bl.id \
         WHERE {filter}",
        select.join(", "),
        line_spent(backend, filter),
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
        let line = Amounts::of_line(
            int(&row, "planned")?,
            int(&row, "committed")?,
            int(&row, "charged")?,
            int(&row, "last_30")?,
            end,
            today,
        );
        out.push((row, line));
    }
    Ok(out)
}

/// What pending splits would add to one budget line's commitment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineDemand {
    pub source: Uuid,
    pub line: Uuid,
    pub amount: i64,
}

/// What the submitted, not yet approved splits of each client among
/// `clients` would add to the commitments of its budget lines, line by
/// line; see [`pending_parts`]. One statement when no such split exists,
/// three otherwise, whatever the number of clients, splits or lines.
/// Only splits `caller` may read count.
pub async fn pending_demand(
    db: &impl ConnectionTrait,
    caller: &Caller,
    clients: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<LineDemand>>> {
    let mut out: HashMap<Uuid, Vec<LineDemand>> =
        clients.iter().map(|c| (*c, Vec::new())).collect();
    if clients.is_empty() {
        return Ok(out);
    }
    let filter = format!("e.client_id IN ({})", marks(clients.len()));
    let mut sums: HashMap<(Uuid, Uuid, Uuid), i64> = HashMap::new();
    for part in pending_parts(db, caller, &filter, uuids(clients)).await? {
        *sums
            .entry((part.client, part.source, part.line))
            .or_default() += part.amount;
    }
    for ((client, source, line), amount) in sums {
        out.entry(client).or_default().push(LineDemand {
            source,
            line,
            amount,
        });
    }
    Ok(out)
}

/// What the submitted, not yet approved splits of each engagement among
/// `ids` would add to the commitments of the client's lines, summed; see
/// [`pending_parts`].
pub async fn pending_demand_of_engagements(
    db: &impl ConnectionTrait,
    caller: &Caller,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, i64>> {
    let mut out: HashMap<Uuid, i64> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let filter = format!("s.engagement_id IN ({})", marks(ids.len()));
    let parts = pending_parts(db, caller, &filter, uuids(ids)).await?;
    // Only on lines the caller may read (a DELIVERY user reads none).
    let mut lines: Vec<Uuid> = parts.iter().map(|p| p.line).collect();
    lines.sort();
    lines.dedup();
    let readable: std::collections::HashSet<Uuid> =
        resource::readable::<BudgetLines>(db, caller, &lines)
            .await?
            .into_iter()
            .collect();
    for part in parts.iter().filter(|p| readable.contains(&p.line)) {
        *out.entry(part.engagement).or_default() += part.amount;
    }
    Ok(out)
}

/// How one budget line would stand if a split were approved.
#[derive(Debug, Clone, Copy)]
pub struct LineFit {
    pub line: Uuid,
    pub source: Uuid,
    /// The line's figures today.
    pub amounts: Amounts,
    /// What approving the split would add to the line's commitment.
    pub demand: i64,
    /// `available` once that is committed: planned - max(committed +
    /// demand, charged).
    pub available_after: i64,
    /// Whether the line takes the demand: committed + demand <= planned,
    /// the very rule approval and activation debit by.
    pub fits: bool,
}

/// Whether a DRAFT or PENDING_APPROVAL split would fit the client's budget
/// lines if approved now.
#[derive(Debug, Clone, Default)]
pub struct SplitFit {
    /// Each line the split would commit money on, in line id order.
    pub lines: Vec<LineFit>,
    /// Whether APPROVED budgets cover every day of the engagement (without,
    /// approval or activation fails with NO_BUDGET and `lines` is empty).
    pub budgeted: bool,
    /// Budgeted, every part has a line, and every line fits.
    pub fits: bool,
    /// Parts that would land where the budget has no line for the source.
    pub missing: Vec<Lineless>,
}

/// [`SplitFit`] of each DRAFT or PENDING_APPROVAL split among `ids` that
/// `caller` may read and whose engagement can still commit money, in a
/// fixed number of statements. Lines the caller may not read are left out
/// (a DELIVERY user reads none).
pub async fn fit_of_splits(
    db: &impl ConnectionTrait,
    caller: &Caller,
    ids: &[Uuid],
    today: NaiveDate,
) -> AppResult<HashMap<Uuid, SplitFit>> {
    let mut out: HashMap<Uuid, SplitFit> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let filter = format!("s.id IN ({})", marks(ids.len()));
    let (parts, unbudgeted, found, lineless) = parts_of(
        db,
        caller,
        "s.status IN ('DRAFT', 'PENDING_APPROVAL')",
        &filter,
        uuids(ids),
    )
    .await?;
    let mut lines: Vec<Uuid> = parts.iter().map(|p| p.line).collect();
    lines.sort();
    lines.dedup();
    let readable = resource::readable::<BudgetLines>(db, caller, &lines).await?;
    let figures = for_lines(db, &readable, today).await?;
    for split in found {
        let missing: Vec<Lineless> = lineless
            .iter()
            .filter(|l| l.split == split)
            .copied()
            .collect();
        out.insert(
            split,
            SplitFit {
                lines: Vec::new(),
                budgeted: !unbudgeted.contains(&split),
                fits: !unbudgeted.contains(&split) && missing.is_empty(),
                missing,
            },
        );
    }
    for part in parts {
        let Some(amounts) = figures.get(&part.line).copied() else {
            continue;
        };
        let Some(fit) = out.get_mut(&part.split) else {
            continue;
        };
        let after = amounts.committed.saturating_add(part.amount);
        let line = LineFit {
            line: part.line,
            source: part.source,
            amounts,
            demand: part.amount,
            available_after: amounts.planned - Ord::max(after, amounts.charged),
            fits: after <= amounts.planned,
        };
        fit.fits &= line.fits;
        fit.lines.push(line);
    }
    for fit in out.values_mut() {
        fit.lines.sort_by_key(|l| l.line);
    }
    Ok(out)
}

/// What one submitted split would add to one line's commitment.
struct Demand {
    split: Uuid,
    engagement: Uuid,
    client: Uuid,
    source: Uuid,
    line: Uuid,
    amount: i64,
}

/// What each submitted split matching
/// `filter` (on the split `s`, with its `values`) would add to a line's
/// commitment, phased as its activation or last approval would phase it,
/// less what its engagement already holds on the line (a change order adds
/// only its difference), never below zero. Parts that would land where the
/// budget has no line are left out, and so are splits whose dates reach a
/// fiscal year without an APPROVED budget (approving would fail with
/// NO_BUDGET). Splits of DELIVERED, LOST, CANCELLED and CLOSED engagements
/// demand nothing (approving commits nothing there), nor do splits the
/// caller may not read.
async fn pending_parts(
    db: &impl ConnectionTrait,
    caller: &Caller,
    filter: &str,
    values: Vec<Value>,
) -> AppResult<Vec<Demand>> {
    Ok(
        parts_of(db, caller, "s.status = 'PENDING_APPROVAL'", filter, values)
            .await?
            .0,
    )
}

/// [`pending_parts`] of the splits in `status` (a condition on `s.status`),
/// with the ids of those found that demand nothing because their dates
/// reach a fiscal year without an APPROVED budget, and of every split
/// found.
async fn parts_of(
    db: &impl ConnectionTrait,
    caller: &Caller,
    status: &str,
    filter: &str,
    values: Vec<Value>,
) -> AppResult<Parts> {
    let backend = db.get_database_backend();
    let mut out = Vec::new();
    let mut unbudgeted = Vec::new();
    let mut lineless: Vec<Lineless> = Vec::new();
    // Which splits: submitted, of work that can still be committed, that
    // the caller may read, matching `filter`; the same condition selects
    // the budgets, lines and holdings below, so no list of ids is sent.
    let mut pending = format!(
        "{status} \
         AND e.status NOT IN ('LOST', 'CANCELLED', 'DELIVERED', 'CLOSED') AND {filter}"
    );
    let mut values = values;
    if let Some((readable, more)) = resource::readable_ids_sql::<Engagements>(caller) {
        pending.push_str(&format!(" AND s.engagement_id IN ({readable})"));
        values.extend(more);
    }
    let sql = format!(
        "SELECT s.id AS split_id, CAST(s.value_minor AS BIGINT) AS value, s.engagement_id AS engagement_id, \
           e.client_id AS client_id, e.start_date AS start_date, e.end_date AS end_date, \
           sh.funding_source_id AS source, sh.share_bp AS bp, \
           ph.fiscal_year AS phase_year, ph.period AS phase_period, \
           CAST(ph.amount_minor AS BIGINT) AS phase_amount \
         FROM funding_splits s \
         JOIN engagements e ON e.id = s.engagement_id \
         JOIN funding_split_shares sh ON sh.split_id = s.id \
         LEFT JOIN funding_split_phases ph \
           ON ph.split_id = s.id AND ph.funding_source_id = sh.funding_source_id \
         WHERE {pending} \
         ORDER BY s.id, sh.funding_source_id, ph.id"
    );
    struct Pending {
        value: i64,
        engagement: Uuid,
        client: Uuid,
        dates: (NaiveDate, NaiveDate),
        shares: Vec<(Uuid, i32)>,
        explicit: Vec<Explicit>,
    }
    let mut splits: Vec<(Uuid, Pending)> = Vec::new();
    for row in db
        .query_all_raw(statement(backend, &sql, values.clone()))
        .await?
    {
        let id: Uuid = row.try_get("", "split_id")?;
        let share = (
            row.try_get::<Uuid>("", "source")?,
            row.try_get::<i32>("", "bp")?,
        );
        let explicit = match row.try_get::<Option<i32>>("", "phase_year")? {
            Some(fiscal_year) => Some(Explicit {
                source: share.0,
                fiscal_year,
                period: stored::<BudgetPeriod>(row.try_get("", "phase_period")?)?,
                amount: int(&row, "phase_amount")?,
            }),
            None => None,
        };
        match splits.last_mut() {
            Some((last, p)) if *last == id => {
                // One row per phase of a phased share: the share once.
                if p.shares.last() != Some(&share) {
                    p.shares.push(share);
                }
                p.explicit.extend(explicit);
            }
            _ => splits.push((
                id,
                Pending {
                    value: int(&row, "value")?,
                    engagement: row.try_get("", "engagement_id")?,
                    client: row.try_get("", "client_id")?,
                    dates: (row.try_get("", "start_date")?, row.try_get("", "end_date")?),
                    shares: vec![share],
                    explicit: explicit.into_iter().collect(),
                },
            )),
        }
    }
    let found: Vec<Uuid> = splits.iter().map(|(id, _)| *id).collect();
    if splits.is_empty() {
        return Ok((out, unbudgeted, found, lineless));
    }
    // The clients' budgets, with their lines for the splits' sources.
    let from = "FROM funding_splits s JOIN engagements e ON e.id = s.engagement_id";
    let sql = format!(
        "SELECT b.id AS budget_id, b.client_id AS client_id, b.fiscal_year AS fiscal_year, \
           b.starts_on AS starts_on, b.ends_on AS ends_on, b.status AS status, \
           bl.id AS line_id, bl.funding_source_id AS source, bl.period AS period \
         FROM budgets b \
         LEFT JOIN budget_lines bl ON bl.budget_id = b.id AND bl.funding_source_id IN \
           (SELECT sh.funding_source_id {from} JOIN funding_split_shares sh ON sh.split_id = s.id WHERE {pending}) \
         WHERE b.client_id IN (SELECT e.client_id {from} WHERE {pending}) \
         ORDER BY b.starts_on, b.id"
    );
    let mut twice = values.clone();
    twice.extend(values.clone());
    // (client, budget, approved)
    let mut budgets: Vec<(Uuid, PhaseBudget, bool)> = Vec::new();
    let mut phase_lines: Vec<PhaseLine> = Vec::new();
    for row in db.query_all_raw(statement(backend, &sql, twice)).await? {
        let id: Uuid = row.try_get("", "budget_id")?;
        if budgets.last().is_none_or(|b| b.1.id != id) {
            let status = stored::<BudgetStatus>(row.try_get("", "status")?)?;
            budgets.push((
                row.try_get("", "client_id")?,
                PhaseBudget {
                    id,
                    fiscal_year: row.try_get("", "fiscal_year")?,
                    starts_on: row.try_get("", "starts_on")?,
                    ends_on: row.try_get("", "ends_on")?,
                },
                status == BudgetStatus::Approved,
            ));
        }
        if let Some(line) = row.try_get::<Option<Uuid>>("", "line_id")? {
            phase_lines.push(PhaseLine {
                id: line,
                budget_id: id,
                source: row.try_get("", "source")?,
                period: stored::<BudgetPeriod>(row.try_get("", "period")?)?,
            });
        }
    }
    // What each engagement holds on each line now.
    let sql = format!(
        "SELECT engagement_id, budget_line_id, CAST(SUM(amount_minor) AS BIGINT) AS held \
         FROM allocations WHERE engagement_id IN (SELECT s.engagement_id {from} WHERE {pending}) \
         GROUP BY engagement_id, budget_line_id"
    );
    let mut held: HashMap<(Uuid, Uuid), i64> = HashMap::new();
    for row in db.query_all_raw(statement(backend, &sql, values)).await? {
        held.insert(
            (
                row.try_get("", "engagement_id")?,
                row.try_get("", "budget_line_id")?,
            ),
            int(&row, "held")?,
        );
    }
    for (split, p) in &splits {
        let spanned: Vec<(PhaseBudget, bool)> = budgets
            .iter()
            .filter(|(c, b, _)| {
                *c == p.client && b.starts_on <= p.dates.1 && b.ends_on >= p.dates.0
            })
            .map(|(_, b, approved)| (*b, *approved))
            .collect();
        // A split its approval could not commit (a year without an approved
        // budget) demands nothing.
        if !covers(&spanned, p.dates) {
            unbudgeted.push(*split);
            continue;
        }
        let spanned: Vec<PhaseBudget> = spanned.into_iter().map(|(b, _)| b).collect();
        for part in phase(
            p.dates,
            &spanned,
            &phase_lines,
            &p.shares,
            &p.explicit,
            p.value,
        ) {
            let Some(line) = part.line else {
                lineless.push(Lineless {
                    split: *split,
                    source: part.source,
                    fiscal_year: part.fiscal_year,
                    period: part.period,
                });
                continue;
            };
            let more = part.amount - held.get(&(p.engagement, line)).copied().unwrap_or(0);
            if more > 0 {
                out.push(Demand {
                    split: *split,
                    engagement: p.engagement,
                    client: p.client,
                    source: part.source,
                    line,
                    amount: more,
                });
            }
        }
    }
    Ok((out, unbudgeted, found, lineless))
}

/// A part of a split that would land where the budget has no line for its
/// source: approving or activating fails with NO_BUDGET.
#[derive(Debug, Clone, Copy)]
pub struct Lineless {
    pub split: Uuid,
    pub source: Uuid,
    pub fiscal_year: i32,
    pub period: BudgetPeriod,
}

/// What [`parts_of`] finds: the demand, the splits reaching a year without
/// an approved budget, every split found, and the parts without a line.
type Parts = (Vec<Demand>, Vec<Uuid>, Vec<Uuid>, Vec<Lineless>);

/// Whether APPROVED budgets (`spanned`, in date order, with whether each is
/// approved) cover every day of `dates`, as activation requires.
fn covers(spanned: &[(PhaseBudget, bool)], dates: (NaiveDate, NaiveDate)) -> bool {
    let mut cursor = dates.0;
    for (b, approved) in spanned {
        if b.starts_on > cursor || !approved {
            return false;
        }
        if b.ends_on >= dates.1 {
            return true;
        }
        cursor = b.ends_on.succ_opt().unwrap_or(b.ends_on);
    }
    false
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
            line: (row.try_get("", "line_id_")?, row.try_get("", "source_id_")?),
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
            committed: 2,
            charged: 3,
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
                committed: 4,
                charged: 6,
                last_30_days: 8,
                burn_rate: 10,
                forecast: 12,
                available: 14,
            }
        );
        assert_eq!(a.remaining(), -2);
    }

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    #[test]
    fn a_line_forecasts_its_commitment_until_charges_and_burn_pass_it() {
        // 300 charged in the window: 10 a day, 20 days left.
        let line = Amounts::of_line(1_000, 800, 300, 300, d(6, 30), d(6, 10));
        assert_eq!(line.burn_rate, 10);
        assert_eq!(line.forecast, 800, "the commitment is still to be paid");
        assert_eq!(line.available, 200);
        let burning = Amounts::of_line(1_000, 400, 300, 3_000, d(6, 30), d(6, 10));
        assert_eq!(burning.forecast, 300 + 100 * 20);
        let over = Amounts::of_line(1_000, 400, 1_200, 0, d(6, 30), d(7, 10));
        assert_eq!(over.forecast, 1_200);
        assert_eq!(over.available, -200, "charges beyond the plan show");
    }
}
