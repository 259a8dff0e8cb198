//! Budget position: per client, fiscal year and funding source (so per
//! function and currency), the planned, committed (`allocated`) and charged
//! (`spent`) money of the source's budget lines, what remains (planned -
//! committed), the utilisation (charged / planned in percent) and what is
//! available (planned - the larger of committed and charged, line by
//! line). `committed` and `charged` repeat `allocated` and `spent` under the
//! ledger's names.
//!
//! Spend counts towards a line as in `services::budgets::figures`: attributed
//! to the line's source and dated inside the line's period (the fiscal year
//! for FY lines, the quarter for Q1..Q4 lines).

use sea_orm::QueryResult;

use super::Cell;
use super::sql::{self, Ctx, Period, Sql};
use crate::error::AppResult;
use crate::ids::Kind;
use crate::services::budgets::figures::spend_counts_towards_line;

pub(super) fn build(q: &mut Sql, ctx: &Ctx) {
    let counts = spend_counts_towards_line(ctx.backend);
    q.push(&format!(
        "SELECT c.id AS client_id, c.code AS client_code, c.name AS client_name, \
           b.fiscal_year AS fiscal_year, fs.id AS funding_source_id, fs.name AS funding_source_name, \
           fs.function AS function, fs.currency AS currency, \
           CAST(SUM(x.planned_minor) AS BIGINT) AS planned, \
           CAST(SUM(x.allocated_minor) AS BIGINT) AS allocated, \
           CAST(SUM(x.spent) AS BIGINT) AS spent, \
           CAST(SUM(x.planned_minor - CASE WHEN x.allocated_minor > x.spent THEN x.allocated_minor ELSE x.spent END) AS BIGINT) AS available \
         FROM (SELECT bl.budget_id AS budget_id, bl.funding_source_id AS funding_source_id, \
                 bl.planned_minor AS planned_minor, bl.allocated_minor AS allocated_minor, \
                 COALESCE((SELECT SUM(sa.amount_minor) FROM spend_attributions sa \
                   WHERE {counts}), 0) AS spent \
               FROM budget_lines bl \
               JOIN budgets b ON b.id = bl.budget_id \
               WHERE 1 = 1"
    ));
    q.readable("b.id", &ctx.scope.budgets);
    q.client_filter(ctx, "b.client_id");
    match ctx.period {
        None => {}
        Some(Period::FiscalYear(year)) => {
            q.push(" AND b.fiscal_year = ").bind(year);
        }
        Some(Period::Range(from, to)) => {
            if let Some(from) = from {
                q.push(" AND b.ends_on >= ").bind(from);
            }
            if let Some(to) = to {
                q.push(" AND b.starts_on <= ").bind(to);
            }
        }
    }
    q.push(
        ") x \
         JOIN budgets b ON b.id = x.budget_id \
         JOIN funding_sources fs ON fs.id = x.funding_source_id \
         JOIN clients c ON c.id = b.client_id \
         WHERE 1 = 1",
    );
    if let Some(function) = ctx.function {
        q.push(" AND fs.function = ")
            .bind(sea_orm::ActiveEnum::to_value(&function));
    }
    if let Some(currency) = &ctx.currency {
        q.push(" AND fs.currency = ").bind(currency.clone());
    }
    q.push(
        " GROUP BY c.id, c.code, c.name, b.fiscal_year, fs.id, fs.name, fs.function, fs.currency \
         ORDER BY c.code, b.fiscal_year, fs.currency, fs.function, fs.name, fs.id",
    );
}

pub(super) fn decode(row: &QueryResult) -> AppResult<Vec<Cell>> {
    let currency = sql::currency(row)?;
    let planned = sql::int(row, "planned")?;
    let allocated = sql::int(row, "allocated")?;
    let spent = sql::int(row, "spent")?;
    let available = sql::int(row, "available")?;
    Ok(vec![
        sql::id(row, "client_id", Kind::Client)?,
        sql::text(row, "client_code")?,
        sql::text(row, "client_name")?,
        Cell::Int(i64::from(sql::get::<i32>(row, "fiscal_year")?)),
        sql::id(row, "funding_source_id", Kind::FundingSource)?,
        sql::text(row, "funding_source_name")?,
        sql::text(row, "function")?,
        Cell::Text(currency.code().to_owned()),
        sql::money(planned, currency),
        sql::money(allocated, currency),
        sql::money(spent, currency),
        sql::money(planned - allocated, currency),
        sql::percent(spent, planned),
        sql::money(allocated, currency),
        sql::money(spent, currency),
        sql::money(available, currency),
    ])
}
