//! Building the reports' SQL with bound values, and decoding their cells.

use chrono::NaiveDate;
use sea_orm::{ActiveEnum, DbBackend, QueryResult, TryGetable, Value};
use tandem_entities::{FundingFunction, SplitStatus};
use uuid::Uuid;

use super::Cell;
pub(super) use crate::domain::money::div_round;
use crate::domain::{Currency, money::format_minor_units};
use crate::error::{AppError, AppResult};
use crate::ids::{self, Kind};
use crate::services::budgets::figures;

/// A sub-select of the ids a caller may read (SQL with `?` placeholders and
/// its values), from the resource layer; `None` when every row is readable.
pub(super) type Readable = Option<(String, Vec<Value>)>;

/// Which rows the caller may see: the same rule as every other read, from
/// the resources of the engagements and budgets.
#[derive(Debug, Clone)]
pub(super) struct Scope {
    pub engagements: Readable,
    pub budgets: Readable,
}

/// The dates a report is restricted to.
#[derive(Debug, Clone, Copy)]
pub(super) enum Period {
    /// The client's fiscal year.
    FiscalYear(i32),
    /// Inclusive; either end may be open.
    Range(Option<NaiveDate>, Option<NaiveDate>),
}

/// A validated filter with the caller's scope.
#[derive(Debug, Clone)]
pub(super) struct Ctx {
    pub backend: DbBackend,
    pub scope: Scope,
    pub client_id: Option<Uuid>,
    pub period: Option<Period>,
    pub function: Option<FundingFunction>,
    pub currency: Option<String>,
    pub warn_percent: u32,
    pub alert_percent: u32,
    pub today: NaiveDate,
}

/// SQL text with `?` placeholders and their values, in order.
#[derive(Debug, Default)]
pub(super) struct Sql {
    pub text: String,
    pub values: Vec<Value>,
}

impl Sql {
    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.text.push_str(sql);
        self
    }

    pub fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.text.push('?');
        self.values.push(value.into());
        self
    }

    /// `(?, ?, ...)`; `(NULL)` for an empty list, which matches nothing.
    pub fn bind_list(&mut self, values: impl IntoIterator<Item = Value>) -> &mut Self {
        self.text.push('(');
        let mut first = true;
        for v in values {
            if !first {
                self.text.push_str(", ");
            }
            first = false;
            self.bind(v);
        }
        if first {
            self.text.push_str("NULL");
        }
        self.text.push(')');
        self
    }

    /// ` AND col IN (...)` over strings.
    pub fn and_in_texts(&mut self, col: &str, values: &[&str]) -> &mut Self {
        self.push(&format!(" AND {col} IN "));
        self.bind_list(values.iter().map(|v| Value::from(*v)))
    }

    /// ` AND {col} IN (<readable ids>)` when the caller may not read every
    /// row.
    pub fn readable(&mut self, col: &str, readable: &Readable) -> &mut Self {
        if let Some((sql, values)) = readable {
            self.push(&format!(" AND {col} IN ({sql})"));
            self.values.extend(values.iter().cloned());
        }
        self
    }

    /// ` AND {client_col} = ?` for a report of one client.
    pub fn client_filter(&mut self, ctx: &Ctx, client_col: &str) -> &mut Self {
        if let Some(id) = ctx.client_id {
            self.push(&format!(" AND {client_col} = ")).bind(id);
        }
        self
    }

    /// The conditions every engagement-based report shares, on an
    /// engagement `e` of a client `c`: the caller's scope, the client, the
    /// period (engagements whose dates overlap it), the function (engagements
    /// with a funding split, other than a rejected one, drawing on a source
    /// of that function) and the currency.
    pub fn engagement_conditions(&mut self, ctx: &Ctx, with_period: bool) -> &mut Self {
        self.readable("e.id", &ctx.scope.engagements);
        self.client_filter(ctx, "e.client_id");
        if with_period {
            self.overlaps_period(ctx, "e.start_date", "e.end_date");
        }
        if let Some(function) = ctx.function {
            self.push(
                " AND EXISTS (SELECT 1 FROM funding_splits fsp \
                 JOIN funding_split_shares fsh ON fsh.split_id = fsp.id \
                 JOIN funding_sources ffs ON ffs.id = fsh.funding_source_id \
                 WHERE fsp.engagement_id = e.id AND fsp.status NOT IN (",
            )
            .bind(SplitStatus::Rejected.to_value())
            .push(", ")
            .bind(SplitStatus::Withdrawn.to_value())
            .push(") AND ffs.function = ")
            .bind(function.to_value())
            .push(")");
        }
        if let Some(currency) = &ctx.currency {
            self.push(" AND e.currency = ").bind(currency.clone());
        }
        self
    }

    /// ` AND` the date column `col` within the period, for a client `c`.
    pub fn date_in_period(&mut self, ctx: &Ctx, col: &str) -> &mut Self {
        self.overlaps_period(ctx, col, col)
    }

    /// ` AND` the dates from `start_col` to `end_col` overlap the period
    /// (for a fiscal year, that of the client `c`).
    fn overlaps_period(&mut self, ctx: &Ctx, start_col: &str, end_col: &str) -> &mut Self {
        match ctx.period {
            None => {}
            Some(Period::Range(from, to)) => {
                if let Some(from) = from {
                    self.push(&format!(" AND {end_col} >= ")).bind(from);
                }
                if let Some(to) = to {
                    self.push(&format!(" AND {start_col} <= ")).bind(to);
                }
            }
            Some(Period::FiscalYear(year)) => {
                let (first, last) = fiscal_months(year);
                self.push(&format!(
                    " AND {} >= ",
                    figures::month_number(ctx.backend, end_col)
                ))
                .bind(first)
                .push(" + c.fiscal_year_start_month");
                self.push(&format!(
                    " AND {} <= ",
                    figures::month_number(ctx.backend, start_col)
                ))
                .bind(last)
                .push(" + c.fiscal_year_start_month");
            }
        }
        self
    }
}

/// The month numbers (year * 12 + month) of the first and last months of
/// fiscal year `year`, less the client's start month (added in SQL).
fn fiscal_months(year: i32) -> (i32, i32) {
    (year * 12, year * 12 + 11)
}

/// The value an engagement `e` is worth: its lines plus its change orders'
/// adjustment.
pub(super) const ENGAGEMENT_VALUE: &str = "CAST(COALESCE((SELECT SUM(l.value_minor) FROM engagement_lines l WHERE l.engagement_id = e.id), 0) + e.value_adjustment_minor AS BIGINT)";

/// `FROM` the priced items of engagements `e` of clients `c`, with their
/// service `sv` (if any): every line, plus one item without a service for
/// each engagement whose change orders adjusted its value (`x.is_line` is 0
/// for those), so that items always add up to the engagements' values.
pub(super) const ITEMS: &str = "FROM (SELECT l.engagement_id AS engagement_id, l.service_id AS service_id, \
       l.value_minor AS value_minor, l.cost_minor AS cost_minor, 1 AS is_line \
     FROM engagement_lines l \
     UNION ALL SELECT a.id, NULL, a.value_adjustment_minor, 0, 0 FROM engagements a \
     WHERE a.value_adjustment_minor <> 0) x \
   JOIN engagements e ON e.id = x.engagement_id \
   JOIN clients c ON c.id = e.client_id \
   LEFT JOIN services sv ON sv.id = x.service_id";

/// Sorts rows without a service (change orders) last on both databases.
pub(super) const SERVICE_LAST: &str = "CASE WHEN x.service_id IS NULL THEN 1 ELSE 0 END";

pub(super) fn get<T: TryGetable>(row: &QueryResult, col: &str) -> AppResult<T> {
    Ok(row.try_get::<T>("", col)?)
}

/// An integer column (a `NULL` sum is 0).
pub(super) fn int(row: &QueryResult, col: &str) -> AppResult<i64> {
    Ok(row.try_get::<Option<i64>>("", col)?.unwrap_or(0))
}

pub(super) fn text(row: &QueryResult, col: &str) -> AppResult<Cell> {
    Ok(row
        .try_get::<Option<String>>("", col)?
        .map_or(Cell::Null, Cell::Text))
}

/// The global id of the uuid in `col` (`Null` when there is none).
pub(super) fn id(row: &QueryResult, col: &str, kind: Kind) -> AppResult<Cell> {
    Ok(row
        .try_get::<Option<Uuid>>("", col)?
        .map_or(Cell::Null, |id| Cell::Text(ids::encode(kind, id))))
}

/// The stored currency of a row.
pub(super) fn currency(row: &QueryResult) -> AppResult<Currency> {
    let code: String = get(row, "currency")?;
    Currency::parse(&code)
        .ok_or_else(|| AppError::internal(format_args!("stored currency {code:?} is not ISO-4217")))
}

/// An exact amount with the currency's decimals.
pub(super) fn money(minor: i64, currency: Currency) -> Cell {
    Cell::Decimal(format_minor_units(minor, currency.exponent()))
}

/// `part` as a percentage of `whole`, with two decimals; `Null` when
/// `whole` is 0.
pub(super) fn percent(part: i64, whole: i64) -> Cell {
    figures::utilisation(part, whole).map_or(Cell::Null, Cell::Decimal)
}
