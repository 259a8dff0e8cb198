//! Spend is corrected, never deleted: a reversal is an opposite entry that
//! names the entry it reverses (once: the column is unique) and why.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SpendEntries {
    Table,
    ReversesId,
    ReversalReason,
}

const ONCE: &str = "ux_spend_entries_reverses_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(SpendEntries::Table)
                    .add_column(uuid_null(SpendEntries::ReversesId))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(SpendEntries::Table)
                    .add_column(text_null(SpendEntries::ReversalReason))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(ONCE)
                    .table(SpendEntries::Table)
                    .col(SpendEntries::ReversesId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(ONCE)
                    .table(SpendEntries::Table)
                    .to_owned(),
            )
            .await?;
        for col in [SpendEntries::ReversalReason, SpendEntries::ReversesId] {
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
