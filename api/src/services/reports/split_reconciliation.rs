//! Split reconciliation: per engagement and funding source, the share agreed
//! in the split in force today (the approved version; 0 for a source that
//! only older versions drew on), the spend attributed to the source, the
//! engagement's total spend, the actual share in percent and the difference
//! in money between what was attributed and the agreed share of the total
//! (rounded half up to a minor unit). Rows cover the sources of every split
//! version that was ever approved (the one in force and those it
//! superseded): spend is only ever attributed by such a version, so every
//! source with attributed spend has a row. A period filter restricts the
//! spend counted (by its date), not the rows. Amounts are the client's
//! charge (the provider's cost never reaches a source). `committed` is what
//! the source holds for the engagement on its budget lines (commitments
//! less releases), whatever the period; `beyond_commitment` is the charge
//! attributed to the source above it (0 when within).

use sea_orm::{ActiveEnum, QueryResult};
use tandem_entities::SplitStatus;

use super::Cell;
use super::sql::{self, Ctx, Sql};
use crate::error::AppResult;
use crate::ids::Kind;

pub(super) fn build(q: &mut Sql, ctx: &Ctx) {
    let approved = SplitStatus::Approved.to_value();
    let superseded = SplitStatus::Superseded.to_value();
    q.push(
        "SELECT c.id AS client_id, c.code AS client_code, e.id AS engagement_id, \
           e.code AS engagement_code, fs.id AS funding_source_id, fs.name AS funding_source_name, \
           fs.function AS function, e.currency AS currency, \
           CAST(COALESCE(cur.share_bp, 0) AS BIGINT) AS share_bp, \
           CAST(COALESCE((SELECT SUM(sa.amount_minor) FROM spend_attributions sa \
             WHERE sa.engagement_id = e.id AND sa.funding_source_id = fs.id",
    );
    q.date_in_period(ctx, "sa.spent_on");
    q.push(
        "), 0) AS BIGINT) AS attributed, \
           CAST(COALESCE((SELECT SUM(sa.amount_minor) FROM spend_attributions sa \
             WHERE sa.engagement_id = e.id",
    );
    q.date_in_period(ctx, "sa.spent_on");
    q.push(
        "), 0) AS BIGINT) AS total, \
           CAST(COALESCE((SELECT SUM(a.amount_minor) FROM allocations a \
             WHERE a.engagement_id = e.id AND a.funding_source_id = fs.id",
    );
    // Commitments are budget figures: only on budgets the caller may read
    // (none for DELIVERY users).
    if let Some((sql, values)) = &ctx.scope.budgets {
        q.push(&format!(
            " AND a.budget_line_id IN (SELECT bl.id FROM budget_lines bl WHERE bl.budget_id IN ({sql}))"
        ));
        q.values.extend(values.iter().cloned());
    }
    q.push(
        "), 0) AS BIGINT) AS committed \
         FROM (SELECT DISTINCT s.engagement_id AS engagement_id, sh.funding_source_id AS funding_source_id \
                 FROM funding_splits s JOIN funding_split_shares sh ON sh.split_id = s.id \
                 WHERE s.status IN ",
    )
    .bind_list([approved.clone().into(), superseded.into()])
    .push(
        ") k \
         JOIN engagements e ON e.id = k.engagement_id \
         JOIN clients c ON c.id = e.client_id \
         JOIN funding_sources fs ON fs.id = k.funding_source_id \
         LEFT JOIN (SELECT s.engagement_id AS engagement_id, sh.funding_source_id AS funding_source_id, \
                      sh.share_bp AS share_bp \
                    FROM funding_splits s JOIN funding_split_shares sh ON sh.split_id = s.id \
                    WHERE s.status = ",
    )
    .bind(approved)
    .push(
        ") cur ON cur.engagement_id = e.id AND cur.funding_source_id = fs.id \
         WHERE 1 = 1",
    );
    // The function filter applies to each row's source, not to the
    // engagement.
    let engagements = Ctx {
        function: None,
        ..ctx.clone()
    };
    q.engagement_conditions(&engagements, false);
    if let Some(function) = ctx.function {
        q.push(" AND fs.function = ").bind(function.to_value());
    }
    q.push(" ORDER BY c.code, e.code, e.id, fs.name, fs.id");
}

pub(super) fn decode(row: &QueryResult) -> AppResult<Vec<Cell>> {
    let currency = sql::currency(row)?;
    let share_bp = sql::int(row, "share_bp")?;
    let attributed = sql::int(row, "attributed")?;
    let total = sql::int(row, "total")?;
    let committed = sql::int(row, "committed")?;
    let expected = sql::div_round(i128::from(share_bp) * i128::from(total), 10_000);
    Ok(vec![
        sql::id(row, "client_id", Kind::Client)?,
        sql::text(row, "client_code")?,
        sql::id(row, "engagement_id", Kind::Engagement)?,
        sql::text(row, "engagement_code")?,
        sql::id(row, "funding_source_id", Kind::FundingSource)?,
        sql::text(row, "funding_source_name")?,
        sql::text(row, "function")?,
        Cell::Text(currency.code().to_owned()),
        Cell::Int(share_bp),
        sql::money(attributed, currency),
        sql::money(total, currency),
        sql::percent(attributed, total),
        sql::money(attributed - expected, currency),
        sql::money(committed, currency),
        sql::money(Ord::max(attributed - committed, 0), currency),
    ])
}
