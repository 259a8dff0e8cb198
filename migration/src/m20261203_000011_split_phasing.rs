//! An optional explicit phasing of a split's share: the amount of the share
//! each budget period takes when the split is approved, instead of the
//! default pro rata to the engagement's days in each period.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FundingSplitPhases {
    Table,
    Id,
    SplitId,
    FundingSourceId,
    FiscalYear,
    Period,
    AmountMinor,
}

#[derive(DeriveIden)]
enum FundingSplits {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum FundingSources {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FundingSplitPhases::Table)
                    .col(uuid(FundingSplitPhases::Id).primary_key())
                    .col(uuid(FundingSplitPhases::SplitId))
                    .col(uuid(FundingSplitPhases::FundingSourceId))
                    .col(integer(FundingSplitPhases::FiscalYear))
                    .col(string_len(FundingSplitPhases::Period, 4))
                    .col(big_integer(FundingSplitPhases::AmountMinor))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_fsp_split")
                            .from(FundingSplitPhases::Table, FundingSplitPhases::SplitId)
                            .to(FundingSplits::Table, FundingSplits::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_fsp_source")
                            .from(
                                FundingSplitPhases::Table,
                                FundingSplitPhases::FundingSourceId,
                            )
                            .to(FundingSources::Table, FundingSources::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .check(Expr::col(FundingSplitPhases::AmountMinor).gt(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_fsp_split_source_period")
                    .table(FundingSplitPhases::Table)
                    .col(FundingSplitPhases::SplitId)
                    .col(FundingSplitPhases::FundingSourceId)
                    .col(FundingSplitPhases::FiscalYear)
                    .col(FundingSplitPhases::Period)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(FundingSplitPhases::Table).to_owned())
            .await
    }
}
