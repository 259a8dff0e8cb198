//! A split remembers the engagement's value when it was made, so that a
//! split priced for an old value is refused at submission and at every
//! approval, not only at activation. Splits made before this migration have
//! none and are not checked this way.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FundingSplits {
    Table,
    BaseValueMinor,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(FundingSplits::Table)
                    .add_column(big_integer_null(FundingSplits::BaseValueMinor))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(FundingSplits::Table)
                    .drop_column(FundingSplits::BaseValueMinor)
                    .to_owned(),
            )
            .await
    }
}
