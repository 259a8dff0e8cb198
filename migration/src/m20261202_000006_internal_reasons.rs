//! Lifecycle reasons the provider keeps to itself.
//!
//! A transition's reason may be marked internal (why a deal was lost, say):
//! client-portal users then read the move but not its reason.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EngagementTransitions {
    Table,
    ReasonInternal,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(EngagementTransitions::Table)
                    .add_column(boolean(EngagementTransitions::ReasonInternal).default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(EngagementTransitions::Table)
                    .drop_column(EngagementTransitions::ReasonInternal)
                    .to_owned(),
            )
            .await
    }
}
