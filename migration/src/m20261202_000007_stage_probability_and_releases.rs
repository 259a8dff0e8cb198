//! Probability follows the stage, and releases of committed money are kept.
//!
//! An engagement's probability is its stage's default unless someone set it
//! while the engagement was open (`probability_overridden`); once WON it is
//! 100 and once LOST or CANCELLED 0. Existing rows: decided stages take
//! their fixed value, open rows whose probability differs from their stage's
//! default keep it as an override.
//!
//! An allocation with a `release_reason` is a release: a negative amount
//! handed back to its budget line when the engagement was CANCELLED or
//! CLOSED, kept next to the commitment it reduces.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Engagements {
    Table,
    Status,
    Probability,
    ProbabilityOverridden,
}

#[derive(DeriveIden)]
enum Allocations {
    Table,
    ReleaseReason,
}

/// The stage defaults at the time of this migration.
const OPEN_DEFAULTS: [(&str, i32); 3] = [("LEAD", 10), ("QUALIFIED", 25), ("PROPOSED", 50)];
const WON_AND_LATER: [&str; 5] = ["WON", "ACTIVE", "ON_HOLD", "DELIVERED", "CLOSED"];
const GONE: [&str; 2] = ["LOST", "CANCELLED"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Engagements::Table)
                    .add_column(boolean(Engagements::ProbabilityOverridden).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Allocations::Table)
                    .add_column(string_len_null(Allocations::ReleaseReason, 20))
                    .to_owned(),
            )
            .await?;
        for (status, fixed) in [(&WON_AND_LATER[..], 100), (&GONE[..], 0)] {
            manager
                .exec_stmt(
                    Query::update()
                        .table(Engagements::Table)
                        .value(Engagements::Probability, fixed)
                        .and_where(Expr::col(Engagements::Status).is_in(status.iter().copied()))
                        .to_owned(),
                )
                .await?;
        }
        for (status, default) in OPEN_DEFAULTS {
            manager
                .exec_stmt(
                    Query::update()
                        .table(Engagements::Table)
                        .value(Engagements::ProbabilityOverridden, true)
                        .and_where(Expr::col(Engagements::Status).eq(status))
                        .and_where(Expr::col(Engagements::Probability).ne(default))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Allocations::Table)
                    .drop_column(Allocations::ReleaseReason)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Engagements::Table)
                    .drop_column(Engagements::ProbabilityOverridden)
                    .to_owned(),
            )
            .await
    }
}
