//! Cost and charge are separate: a spend entry records the provider's
//! `cost` and the client's `charge` (what counts towards the client's pots),
//! and, for labour charged at an engagement line's price, the line and the
//! quantity; for pass-through costs, the markup applied.
//!
//! Existing entries: the one amount becomes the cost, and the charge where
//! the entry was billable (non-billable entries are charged 0, and their
//! attributions, which are parts of the charge, become 0).
//!
//! Existing commitments of engagements already CANCELLED or CLOSED, which
//! were never handed back, are released as the ledger now does: line by
//! line, what the engagement holds committed minus what was charged to the
//! line's source in the line's period, kept as a negative allocation with
//! the status as its reason. Commitments of running engagements stay where
//! they were made (phasing them now could overdraw lines committed since);
//! their next change order phases them.

use std::collections::BTreeMap;

use chrono::{Months, NaiveDate};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, FromQueryResult, Statement};
use uuid::Uuid;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SpendEntries {
    Table,
    Id,
    AmountMinor,
    CostMinor,
    ChargeMinor,
    Billable,
    EngagementLineId,
    QuantityMilli,
    MarkupBp,
}

#[derive(DeriveIden)]
enum SpendAttributions {
    Table,
    SpendId,
    AmountMinor,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            big_integer(SpendEntries::CostMinor).default(0).to_owned(),
            big_integer(SpendEntries::ChargeMinor).default(0).to_owned(),
            uuid_null(SpendEntries::EngagementLineId).to_owned(),
            big_integer_null(SpendEntries::QuantityMilli).to_owned(),
            integer_null(SpendEntries::MarkupBp).to_owned(),
        ] {
            let mut col = col;
            manager
                .alter_table(
                    Table::alter()
                        .table(SpendEntries::Table)
                        .add_column(&mut col)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .exec_stmt(
                Query::update()
                    .table(SpendEntries::Table)
                    .value(
                        SpendEntries::CostMinor,
                        Expr::col(SpendEntries::AmountMinor),
                    )
                    .value(
                        SpendEntries::ChargeMinor,
                        Expr::col(SpendEntries::AmountMinor),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::update()
                    .table(SpendEntries::Table)
                    .value(SpendEntries::ChargeMinor, 0)
                    .and_where(Expr::col(SpendEntries::Billable).eq(false))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::update()
                    .table(SpendAttributions::Table)
                    .value(SpendAttributions::AmountMinor, 0)
                    .and_where(
                        Expr::col(SpendAttributions::SpendId).in_subquery(
                            Query::select()
                                .column(SpendEntries::Id)
                                .from(SpendEntries::Table)
                                .and_where(Expr::col(SpendEntries::Billable).eq(false))
                                .to_owned(),
                        ),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(SpendEntries::Table)
                    .drop_column(SpendEntries::AmountMinor)
                    .to_owned(),
            )
            .await?;
        release_stopped(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(SpendEntries::Table)
                    .add_column(big_integer(SpendEntries::AmountMinor).default(0))
                    .to_owned(),
            )
            .await?;
        // The one amount was what the client was charged, and the cost of
        // a non-billable entry; non-billable spend stays off the pots (its
        // attributions are not restored).
        manager
            .exec_stmt(
                Query::update()
                    .table(SpendEntries::Table)
                    .value(
                        SpendEntries::AmountMinor,
                        Expr::col(SpendEntries::ChargeMinor),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::update()
                    .table(SpendEntries::Table)
                    .value(
                        SpendEntries::AmountMinor,
                        Expr::col(SpendEntries::CostMinor),
                    )
                    .and_where(Expr::col(SpendEntries::Billable).eq(false))
                    .to_owned(),
            )
            .await?;
        for col in [
            SpendEntries::MarkupBp,
            SpendEntries::QuantityMilli,
            SpendEntries::EngagementLineId,
            SpendEntries::ChargeMinor,
            SpendEntries::CostMinor,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(SpendEntries::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(FromQueryResult)]
struct Held {
    engagement_id: Uuid,
    split_id: Uuid,
    status: String,
    budget_line_id: Uuid,
    funding_source_id: Uuid,
    period: String,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    held: i64,
}

#[derive(FromQueryResult)]
struct Charged {
    engagement_id: Uuid,
    funding_source_id: Uuid,
    spent_on: NaiveDate,
    charged: i64,
}

/// The first and last day of `period` in a fiscal year, as the ledger
/// reckons them at the time of this migration.
fn period_bounds(starts_on: NaiveDate, ends_on: NaiveDate, period: &str) -> (NaiveDate, NaiveDate) {
    let quarter = match period {
        "Q1" => 0,
        "Q2" => 1,
        "Q3" => 2,
        "Q4" => 3,
        _ => return (starts_on, ends_on),
    };
    let start = starts_on
        .checked_add_months(Months::new(3 * quarter))
        .unwrap_or(starts_on);
    let end = start
        .checked_add_months(Months::new(3))
        .and_then(|d| d.pred_opt())
        .unwrap_or(ends_on);
    (start, Ord::min(end, ends_on))
}

/// Releases what CANCELLED and CLOSED engagements without any release still
/// hold beyond what was charged, line by line.
async fn release_stopped(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let backend = db.get_database_backend();
    let stopped = "e.status IN ('CANCELLED', 'CLOSED') \
         AND NOT EXISTS (SELECT 1 FROM allocations r WHERE r.engagement_id = e.id AND r.release_reason IS NOT NULL)";
    let held = Held::find_by_statement(Statement::from_string(
        backend,
        format!(
            "SELECT a.engagement_id AS engagement_id, a.split_id AS split_id, e.status AS status, \
               a.budget_line_id AS budget_line_id, a.funding_source_id AS funding_source_id, \
               bl.period AS period, b.starts_on AS starts_on, b.ends_on AS ends_on, \
               CAST(SUM(a.amount_minor) AS BIGINT) AS held \
             FROM allocations a \
             JOIN engagements e ON e.id = a.engagement_id \
             JOIN budget_lines bl ON bl.id = a.budget_line_id \
             JOIN budgets b ON b.id = bl.budget_id \
             WHERE {stopped} \
             GROUP BY a.engagement_id, a.split_id, e.status, a.budget_line_id, a.funding_source_id, bl.period, b.starts_on, b.ends_on \
             ORDER BY a.budget_line_id, a.engagement_id"
        ),
    ))
    .all(db)
    .await?;
    if held.is_empty() {
        return Ok(());
    }
    let charged = Charged::find_by_statement(Statement::from_string(
        backend,
        format!(
            "SELECT sa.engagement_id AS engagement_id, sa.funding_source_id AS funding_source_id, \
               sa.spent_on AS spent_on, CAST(SUM(sa.amount_minor) AS BIGINT) AS charged \
             FROM spend_attributions sa \
             JOIN engagements e ON e.id = sa.engagement_id \
             WHERE {stopped} \
             GROUP BY sa.engagement_id, sa.funding_source_id, sa.spent_on"
        ),
    ))
    .all(db)
    .await?;
    let mut by_engagement: BTreeMap<Uuid, Vec<&Charged>> = BTreeMap::new();
    for c in &charged {
        by_engagement.entry(c.engagement_id).or_default().push(c);
    }
    let now = chrono::Utc::now();
    for h in &held {
        let (from, to) = period_bounds(h.starts_on, h.ends_on, &h.period);
        let on_line: i64 = by_engagement
            .get(&h.engagement_id)
            .map(|cs| {
                cs.iter()
                    .filter(|c| {
                        c.funding_source_id == h.funding_source_id
                            && from <= c.spent_on
                            && c.spent_on <= to
                    })
                    .map(|c| c.charged)
                    .sum()
            })
            .unwrap_or(0);
        let unspent = h.held - Ord::max(on_line, 0);
        if unspent <= 0 {
            continue;
        }
        manager
            .exec_stmt(
                Query::update()
                    .table(Alias::new("budget_lines"))
                    .value(
                        Alias::new("allocated_minor"),
                        Expr::col(Alias::new("allocated_minor")).sub(unspent),
                    )
                    .and_where(Expr::col(Alias::new("id")).eq(h.budget_line_id))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(Alias::new("allocations"))
                    .columns([
                        Alias::new("id"),
                        Alias::new("engagement_id"),
                        Alias::new("split_id"),
                        Alias::new("budget_line_id"),
                        Alias::new("funding_source_id"),
                        Alias::new("amount_minor"),
                        Alias::new("release_reason"),
                        Alias::new("created_at"),
                    ])
                    .values_panic([
                        Uuid::now_v7().into(),
                        h.engagement_id.into(),
                        h.split_id.into(),
                        h.budget_line_id.into(),
                        h.funding_source_id.into(),
                        (-unspent).into(),
                        h.status.clone().into(),
                        now.into(),
                    ])
                    .to_owned(),
            )
            .await?;
    }
    Ok(())
}
