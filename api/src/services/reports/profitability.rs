//! Profitability (provider-only): value, cost (the lines' costs), margin
//! (value - cost) and margin % (margin / value, `null` without value) of
//! the engagements that were sold: WON, ACTIVE, ON_HOLD, DELIVERED and
//! CLOSED. By engagement, or by service and currency (change-order
//! adjustments, which belong to no service, in a row with no service).
//!
//! By engagement, the actual margin stands next to the planned one: what
//! the spend charged the client, what it cost the provider, their
//! difference and its percentage of the charge (`null` before any charge).

use sea_orm::{ActiveEnum, QueryResult};
use tandem_entities::EngagementStatus;

use super::Cell;
use super::sql::{self, Ctx, ENGAGEMENT_VALUE, ITEMS, SERVICE_LAST, Sql};
use crate::error::AppResult;
use crate::ids::Kind;

const SOLD: [EngagementStatus; 5] = [
    EngagementStatus::Won,
    EngagementStatus::Active,
    EngagementStatus::OnHold,
    EngagementStatus::Delivered,
    EngagementStatus::Closed,
];

fn sold(q: &mut Sql) {
    q.push(" AND e.status IN ");
    q.bind_list(SOLD.iter().map(|s| s.to_value().into()));
}

pub(super) fn build_engagement(q: &mut Sql, ctx: &Ctx) {
    q.push(&format!(
        "SELECT c.id AS client_id, c.code AS client_code, e.id AS engagement_id, \
           e.code AS engagement_code, e.name AS engagement_name, e.status AS status, \
           e.currency AS currency, {ENGAGEMENT_VALUE} AS value, \
           CAST(COALESCE((SELECT SUM(l.cost_minor) FROM engagement_lines l WHERE l.engagement_id = e.id), 0) AS BIGINT) AS cost, \
           CAST(COALESCE((SELECT SUM(se.charge_minor) FROM spend_entries se WHERE se.engagement_id = e.id), 0) AS BIGINT) AS charged, \
           CAST(COALESCE((SELECT SUM(se.cost_minor) FROM spend_entries se WHERE se.engagement_id = e.id), 0) AS BIGINT) AS actual_cost \
         FROM engagements e \
         JOIN clients c ON c.id = e.client_id \
         WHERE 1 = 1"
    ));
    sold(q);
    q.engagement_conditions(ctx, true);
    q.push(" ORDER BY c.code, e.currency, e.code, e.id");
}

pub(super) fn build_service(q: &mut Sql, ctx: &Ctx) {
    q.push(&format!(
        "SELECT x.service_id AS service_id, sv.code AS service_code, sv.name AS service_name, \
           sv.discipline AS discipline, sv.buyer AS buyer, e.currency AS currency, \
           CAST(SUM(x.is_line) AS BIGINT) AS lines, \
           CAST(SUM(x.value_minor) AS BIGINT) AS value, \
           CAST(SUM(x.cost_minor) AS BIGINT) AS cost \
         {ITEMS} WHERE 1 = 1"
    ));
    sold(q);
    q.engagement_conditions(ctx, true);
    q.push(&format!(
        " GROUP BY x.service_id, sv.code, sv.name, sv.discipline, sv.buyer, e.currency \
         ORDER BY MAX({SERVICE_LAST}), sv.code, e.currency"
    ));
}

fn figures(row: &QueryResult, out: &mut Vec<Cell>) -> AppResult<()> {
    let currency = sql::currency(row)?;
    let value = sql::int(row, "value")?;
    let cost = sql::int(row, "cost")?;
    out.extend([
        sql::money(value, currency),
        sql::money(cost, currency),
        sql::money(value - cost, currency),
        sql::percent(value - cost, value),
    ]);
    Ok(())
}

pub(super) fn decode_engagement(row: &QueryResult) -> AppResult<Vec<Cell>> {
    let currency = sql::currency(row)?;
    let mut out = vec![
        sql::id(row, "client_id", Kind::Client)?,
        sql::text(row, "client_code")?,
        sql::id(row, "engagement_id", Kind::Engagement)?,
        sql::text(row, "engagement_code")?,
        sql::text(row, "engagement_name")?,
        sql::text(row, "status")?,
        Cell::Text(currency.code().to_owned()),
    ];
    figures(row, &mut out)?;
    let charged = sql::int(row, "charged")?;
    let actual_cost = sql::int(row, "actual_cost")?;
    out.extend([
        sql::money(charged, currency),
        sql::money(actual_cost, currency),
        sql::money(charged - actual_cost, currency),
        sql::percent(charged - actual_cost, charged),
    ]);
    Ok(out)
}

pub(super) fn decode_service(row: &QueryResult) -> AppResult<Vec<Cell>> {
    let currency = sql::currency(row)?;
    let mut out = vec![
        sql::id(row, "service_id", Kind::Service)?,
        sql::text(row, "service_code")?,
        sql::text(row, "service_name")?,
        sql::text(row, "discipline")?,
        sql::text(row, "buyer")?,
        Cell::Text(currency.code().to_owned()),
        Cell::Int(sql::int(row, "lines")?),
    ];
    figures(row, &mut out)?;
    Ok(out)
}
