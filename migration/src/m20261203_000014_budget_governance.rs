//! Owner-governed budgets: every change to a budget line's planned money,
//! kept with who made it, when, the old and new amounts and why (a change
//! the provider proposes to an approved budget waits there for the line's
//! owner); the client's sign-offs of a budget; and who approved it, when.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum BudgetLineChanges {
    Table,
    Id,
    BudgetId,
    BudgetLineId,
    FundingSourceId,
    Period,
    OldPlannedMinor,
    NewPlannedMinor,
    Reason,
    Status,
    RequestedBy,
    RequestedAt,
    DecidedBy,
    DecidedByContact,
    OnBehalf,
    Comment,
    DecidedAt,
}

#[derive(DeriveIden)]
enum BudgetSignoffs {
    Table,
    BudgetId,
    ContactId,
    DecidedBy,
    OnBehalf,
    SignedAt,
}

#[derive(DeriveIden)]
enum Budgets {
    Table,
    Id,
    ApprovedAt,
    ApprovedBy,
}

#[derive(DeriveIden)]
enum FundingSources {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(BudgetLineChanges::Table)
                    .col(uuid(BudgetLineChanges::Id).primary_key())
                    .col(uuid(BudgetLineChanges::BudgetId))
                    .col(uuid_null(BudgetLineChanges::BudgetLineId))
                    .col(uuid(BudgetLineChanges::FundingSourceId))
                    .col(string_len(BudgetLineChanges::Period, 4))
                    .col(big_integer_null(BudgetLineChanges::OldPlannedMinor))
                    .col(big_integer_null(BudgetLineChanges::NewPlannedMinor))
                    .col(string_len_null(BudgetLineChanges::Reason, 2000))
                    .col(string_len(BudgetLineChanges::Status, 16))
                    .col(uuid_null(BudgetLineChanges::RequestedBy))
                    .col(timestamp_with_time_zone(BudgetLineChanges::RequestedAt))
                    .col(uuid_null(BudgetLineChanges::DecidedBy))
                    .col(uuid_null(BudgetLineChanges::DecidedByContact))
                    .col(boolean(BudgetLineChanges::OnBehalf))
                    .col(string_len_null(BudgetLineChanges::Comment, 2000))
                    .col(timestamp_with_time_zone_null(BudgetLineChanges::DecidedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_blc_budget")
                            .from(BudgetLineChanges::Table, BudgetLineChanges::BudgetId)
                            .to(Budgets::Table, Budgets::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_blc_source")
                            .from(BudgetLineChanges::Table, BudgetLineChanges::FundingSourceId)
                            .to(FundingSources::Table, FundingSources::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_blc_line")
                    .table(BudgetLineChanges::Table)
                    .col(BudgetLineChanges::BudgetId)
                    .col(BudgetLineChanges::FundingSourceId)
                    .col(BudgetLineChanges::Period)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_blc_budget_line")
                    .table(BudgetLineChanges::Table)
                    .col(BudgetLineChanges::BudgetLineId)
                    .to_owned(),
            )
            .await?;
        // At most one proposal awaits the owner per line: a partial unique
        // index, which both databases support.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_blc_pending ON budget_line_changes \
                 (budget_id, funding_source_id, period) WHERE status = 'PENDING'",
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(BudgetSignoffs::Table)
                    .col(uuid(BudgetSignoffs::BudgetId))
                    .col(uuid(BudgetSignoffs::ContactId))
                    .col(uuid_null(BudgetSignoffs::DecidedBy))
                    .col(boolean(BudgetSignoffs::OnBehalf))
                    .col(timestamp_with_time_zone(BudgetSignoffs::SignedAt))
                    .primary_key(
                        Index::create()
                            .col(BudgetSignoffs::BudgetId)
                            .col(BudgetSignoffs::ContactId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_bso_budget")
                            .from(BudgetSignoffs::Table, BudgetSignoffs::BudgetId)
                            .to(Budgets::Table, Budgets::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_bso_contact")
                            .from(BudgetSignoffs::Table, BudgetSignoffs::ContactId)
                            .to(Contacts::Table, Contacts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // SQLite adds one column per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table(Budgets::Table)
                    .add_column(timestamp_with_time_zone_null(Budgets::ApprovedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Budgets::Table)
                    .add_column(uuid_null(Budgets::ApprovedBy))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [Budgets::ApprovedBy, Budgets::ApprovedAt] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Budgets::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(BudgetSignoffs::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(BudgetLineChanges::Table).to_owned())
            .await
    }
}
