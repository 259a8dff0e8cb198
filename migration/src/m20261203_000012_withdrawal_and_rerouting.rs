//! Who withdrew a split awaiting approval, and why; and, for a decision
//! re-routed when a funding source changed owner while its split was
//! pending, whom it was asked of before, and when it moved.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FundingSplits {
    Table,
    WithdrawnBy,
    WithdrawnReason,
}

#[derive(DeriveIden)]
enum SplitApprovals {
    Table,
    ReroutedFrom,
    ReroutedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table(FundingSplits::Table)
                    .add_column(uuid_null(FundingSplits::WithdrawnBy))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(FundingSplits::Table)
                    .add_column(string_len_null(FundingSplits::WithdrawnReason, 2000))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(SplitApprovals::Table)
                    .add_column(uuid_null(SplitApprovals::ReroutedFrom))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(SplitApprovals::Table)
                    .add_column(timestamp_with_time_zone_null(SplitApprovals::ReroutedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [SplitApprovals::ReroutedAt, SplitApprovals::ReroutedFrom] {
            manager
                .alter_table(
                    Table::alter()
                        .table(SplitApprovals::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for column in [FundingSplits::WithdrawnReason, FundingSplits::WithdrawnBy] {
            manager
                .alter_table(
                    Table::alter()
                        .table(FundingSplits::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
