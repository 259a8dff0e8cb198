//! A client's approval rules (an extra approver persona for splits above a
//! value, in general or for one funding function), owners' delegates for a
//! date range, and, on each decision, who decided, through which delegation
//! and under which rule.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApprovalRules {
    Table,
    Id,
    ClientId,
    Function,
    Currency,
    AboveMinor,
    Persona,
    ApproverContactId,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ApprovalDelegations {
    Table,
    Id,
    OwnerContactId,
    DelegateContactId,
    StartsOn,
    EndsOn,
    CreatedBy,
    CreatedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum SplitApprovals {
    Table,
    RuleId,
    DecidedByContact,
    DelegationId,
}

#[derive(DeriveIden)]
enum Clients {
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
                    .table(ApprovalRules::Table)
                    .col(uuid(ApprovalRules::Id).primary_key())
                    .col(uuid(ApprovalRules::ClientId))
                    .col(string_len_null(ApprovalRules::Function, 16))
                    .col(string_len(ApprovalRules::Currency, 3))
                    .col(big_integer(ApprovalRules::AboveMinor))
                    .col(string_len(ApprovalRules::Persona, 16))
                    .col(uuid_null(ApprovalRules::ApproverContactId))
                    .col(uuid_null(ApprovalRules::CreatedBy))
                    .col(timestamp_with_time_zone(ApprovalRules::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_ar_client")
                            .from(ApprovalRules::Table, ApprovalRules::ClientId)
                            .to(Clients::Table, Clients::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_ar_approver")
                            .from(ApprovalRules::Table, ApprovalRules::ApproverContactId)
                            .to(Contacts::Table, Contacts::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .check(Expr::col(ApprovalRules::AboveMinor).gte(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_ar_client")
                    .table(ApprovalRules::Table)
                    .col(ApprovalRules::ClientId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ApprovalDelegations::Table)
                    .col(uuid(ApprovalDelegations::Id).primary_key())
                    .col(uuid(ApprovalDelegations::OwnerContactId))
                    .col(uuid(ApprovalDelegations::DelegateContactId))
                    .col(date(ApprovalDelegations::StartsOn))
                    .col(date(ApprovalDelegations::EndsOn))
                    .col(uuid_null(ApprovalDelegations::CreatedBy))
                    .col(timestamp_with_time_zone(ApprovalDelegations::CreatedAt))
                    .col(timestamp_with_time_zone_null(
                        ApprovalDelegations::RevokedAt,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_ad_owner")
                            .from(
                                ApprovalDelegations::Table,
                                ApprovalDelegations::OwnerContactId,
                            )
                            .to(Contacts::Table, Contacts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_ad_delegate")
                            .from(
                                ApprovalDelegations::Table,
                                ApprovalDelegations::DelegateContactId,
                            )
                            .to(Contacts::Table, Contacts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .check(
                        Expr::col(ApprovalDelegations::EndsOn)
                            .gte(Expr::col(ApprovalDelegations::StartsOn)),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("ix_ad_owner", ApprovalDelegations::OwnerContactId),
            ("ix_ad_delegate", ApprovalDelegations::DelegateContactId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(ApprovalDelegations::Table)
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }
        // SQLite adds one column per ALTER TABLE.
        for col in [
            SplitApprovals::RuleId,
            SplitApprovals::DecidedByContact,
            SplitApprovals::DelegationId,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(SplitApprovals::Table)
                        .add_column(uuid_null(col))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            SplitApprovals::DelegationId,
            SplitApprovals::DecidedByContact,
            SplitApprovals::RuleId,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(SplitApprovals::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(ApprovalDelegations::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ApprovalRules::Table).to_owned())
            .await
    }
}
