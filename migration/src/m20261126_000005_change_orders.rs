//! Change orders that change an engagement's value after it was won.
//!
//! An engagement's value is the sum of its priced lines plus
//! `value_adjustment_minor`, which an approved change order (a funding split
//! version with a new value) sets to the difference between the value agreed
//! in it and the sum of the lines, which are locked once the engagement is won.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Engagements {
    Table,
    ValueAdjustmentMinor,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Engagements::Table)
                    .add_column(big_integer(Engagements::ValueAdjustmentMinor).default(0))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Engagements::Table)
                    .drop_column(Engagements::ValueAdjustmentMinor)
                    .to_owned(),
            )
            .await
    }
}
