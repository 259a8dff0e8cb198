//! Service mix: per discipline, buyer and currency, the number of lines, the
//! number of engagements and their value (quantities are in mixed units, so
//! they are not summed). LOST and CANCELLED engagements are left out: they
//! were never bought. Change-order adjustments have a row of their own with
//! no discipline and no buyer.

use sea_orm::{ActiveEnum, QueryResult};
use tandem_entities::EngagementStatus;

use super::Cell;
use super::sql::{self, Ctx, ITEMS, SERVICE_LAST, Sql};
use crate::error::AppResult;

pub(super) fn build(q: &mut Sql, ctx: &Ctx) {
    q.push(&format!(
        "SELECT sv.discipline AS discipline, sv.buyer AS buyer, e.currency AS currency, \
           CAST(SUM(x.is_line) AS BIGINT) AS lines, \
           COUNT(DISTINCT e.id) AS engagements, \
           CAST(SUM(x.value_minor) AS BIGINT) AS value \
         {ITEMS} WHERE e.status NOT IN "
    ));
    q.bind_list([
        EngagementStatus::Lost.to_value().into(),
        EngagementStatus::Cancelled.to_value().into(),
    ]);
    q.engagement_conditions(ctx, true);
    q.push(&format!(
        " GROUP BY sv.discipline, sv.buyer, e.currency \
         ORDER BY MAX({SERVICE_LAST}), sv.discipline, sv.buyer, e.currency"
    ));
}

pub(super) fn decode(row: &QueryResult) -> AppResult<Vec<Cell>> {
    let currency = sql::currency(row)?;
    Ok(vec![
        sql::text(row, "discipline")?,
        sql::text(row, "buyer")?,
        Cell::Text(currency.code().to_owned()),
        Cell::Int(sql::int(row, "lines")?),
        Cell::Int(sql::int(row, "engagements")?),
        sql::money(sql::int(row, "value")?, currency),
    ])
}
