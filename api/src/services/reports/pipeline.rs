//! Pipeline: per buyer (the buyer of each line's service), engagement
//! status and currency, the number of engagements, their value and their
//! value weighted by probability (value x probability / 100, summed over
//! the group and rounded half up once per group). An engagement with lines
//! for several buyers counts in each of their rows; change-order
//! adjustments belong to no line and have a row of their own with no buyer.

use sea_orm::QueryResult;

use super::Cell;
use super::sql::{self, Ctx, ITEMS, SERVICE_LAST, Sql};
use crate::error::AppResult;

pub(super) fn build(q: &mut Sql, ctx: &Ctx) {
    q.push(&format!(
        "SELECT sv.buyer AS buyer, e.status AS status, e.currency AS currency, \
           COUNT(DISTINCT e.id) AS engagements, \
           CAST(SUM(x.value_minor) AS BIGINT) AS value, \
           CAST(SUM(x.value_minor * e.probability) AS BIGINT) AS weighted \
         {ITEMS} WHERE 1 = 1"
    ));
    q.engagement_conditions(ctx, true);
    q.push(&format!(
        " GROUP BY sv.buyer, e.status, e.currency \
         ORDER BY MAX({SERVICE_LAST}), sv.buyer, e.status, e.currency"
    ));
}

pub(super) fn decode(row: &QueryResult) -> AppResult<Vec<Cell>> {
    let currency = sql::currency(row)?;
    let weighted = sql::div_round(i128::from(sql::int(row, "weighted")?), 100);
    Ok(vec![
        sql::text(row, "buyer")?,
        sql::text(row, "status")?,
        Cell::Text(currency.code().to_owned()),
        Cell::Int(sql::int(row, "engagements")?),
        sql::money(sql::int(row, "value")?, currency),
        sql::money(weighted, currency),
    ])
}
