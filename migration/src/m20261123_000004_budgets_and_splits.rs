//! Combined CMO/CIO budgets: funding sources, budgets and their lines,
//! versioned funding splits with per-owner approvals, allocations, and spend
//! with its attribution to funding sources.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

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

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Engagements {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum FundingSources {
    Table,
    Id,
    ClientId,
    Name,
    Function,
    OwnerContactId,
    ExternalRef,
    Currency,
    ExpenseType,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Budgets {
    Table,
    Id,
    ClientId,
    FiscalYear,
    StartsOn,
    EndsOn,
    Status,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum BudgetLines {
    Table,
    Id,
    BudgetId,
    FundingSourceId,
    Period,
    PlannedMinor,
    AllocatedMinor,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum FundingSplits {
    Table,
    Id,
    EngagementId,
    Version,
    Status,
    ValueMinor,
    CreatedBy,
    CreatedAt,
    SubmittedAt,
    DecidedAt,
}

#[derive(DeriveIden)]
enum FundingSplitShares {
    Table,
    SplitId,
    FundingSourceId,
    ShareBp,
}

#[derive(DeriveIden)]
enum SplitApprovals {
    Table,
    SplitId,
    OwnerContactId,
    Decision,
    DecidedBy,
    OnBehalf,
    Comment,
    DecidedAt,
}

#[derive(DeriveIden)]
enum Allocations {
    Table,
    Id,
    EngagementId,
    SplitId,
    BudgetLineId,
    FundingSourceId,
    AmountMinor,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SpendEntries {
    Table,
    Id,
    EngagementId,
    SpentOn,
    AmountMinor,
    Kind,
    Description,
    Billable,
    SplitId,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SpendAttributions {
    Table,
    SpendId,
    FundingSourceId,
    EngagementId,
    SpentOn,
    AmountMinor,
}

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    cols: Vec<DynIden>,
    unique: bool,
) -> Result<(), DbErr> {
    let mut idx = Index::create();
    idx.name(name).table(table);
    for c in cols {
        idx.col(c);
    }
    if unique {
        idx.unique();
    }
    manager.create_index(idx.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FundingSources::Table)
                    .col(uuid(FundingSources::Id).primary_key())
                    .col(uuid(FundingSources::ClientId))
                    .col(string_len(FundingSources::Name, 200))
                    .col(string_len(FundingSources::Function, 16))
                    .col(uuid(FundingSources::OwnerContactId))
                    .col(string_len_null(FundingSources::ExternalRef, 100))
                    .col(string_len(FundingSources::Currency, 3))
                    .col(string_len(FundingSources::ExpenseType, 8))
                    .col(boolean(FundingSources::Active))
                    .col(timestamp_with_time_zone(FundingSources::CreatedAt))
                    .col(timestamp_with_time_zone(FundingSources::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_fs_client",
                        (FundingSources::Table, FundingSources::ClientId),
                        (Clients::Table, Clients::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_fs_owner",
                        (FundingSources::Table, FundingSources::OwnerContactId),
                        (Contacts::Table, Contacts::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_fs_client",
            FundingSources::Table,
            vec![
                FundingSources::ClientId.into_iden(),
                FundingSources::Id.into_iden(),
            ],
            false,
        )
        .await?;
        index(
            manager,
            "idx_fs_owner",
            FundingSources::Table,
            vec![FundingSources::OwnerContactId.into_iden()],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Budgets::Table)
                    .col(uuid(Budgets::Id).primary_key())
                    .col(uuid(Budgets::ClientId))
                    .col(integer(Budgets::FiscalYear))
                    .col(date(Budgets::StartsOn))
                    .col(date(Budgets::EndsOn))
                    .col(string_len(Budgets::Status, 16))
                    .col(timestamp_with_time_zone(Budgets::CreatedAt))
                    .col(timestamp_with_time_zone(Budgets::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_budgets_client",
                        (Budgets::Table, Budgets::ClientId),
                        (Clients::Table, Clients::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_budgets_client_year",
            Budgets::Table,
            vec![
                Budgets::ClientId.into_iden(),
                Budgets::FiscalYear.into_iden(),
            ],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(BudgetLines::Table)
                    .col(uuid(BudgetLines::Id).primary_key())
                    .col(uuid(BudgetLines::BudgetId))
                    .col(uuid(BudgetLines::FundingSourceId))
                    .col(string_len(BudgetLines::Period, 4))
                    .col(big_integer(BudgetLines::PlannedMinor))
                    .col(big_integer(BudgetLines::AllocatedMinor))
                    .col(timestamp_with_time_zone(BudgetLines::CreatedAt))
                    .col(timestamp_with_time_zone(BudgetLines::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_bl_budget",
                        (BudgetLines::Table, BudgetLines::BudgetId),
                        (Budgets::Table, Budgets::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_bl_source",
                        (BudgetLines::Table, BudgetLines::FundingSourceId),
                        (FundingSources::Table, FundingSources::Id),
                    ))
                    .check(
                        Expr::col(BudgetLines::AllocatedMinor)
                            .lte(Expr::col(BudgetLines::PlannedMinor)),
                    )
                    .check(Expr::col(BudgetLines::AllocatedMinor).gte(0))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_bl_budget_source_period",
            BudgetLines::Table,
            vec![
                BudgetLines::BudgetId.into_iden(),
                BudgetLines::FundingSourceId.into_iden(),
                BudgetLines::Period.into_iden(),
            ],
            true,
        )
        .await?;
        index(
            manager,
            "idx_bl_source",
            BudgetLines::Table,
            vec![BudgetLines::FundingSourceId.into_iden()],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(FundingSplits::Table)
                    .col(uuid(FundingSplits::Id).primary_key())
                    .col(uuid(FundingSplits::EngagementId))
                    .col(integer(FundingSplits::Version))
                    .col(string_len(FundingSplits::Status, 20))
                    .col(big_integer(FundingSplits::ValueMinor))
                    .col(uuid_null(FundingSplits::CreatedBy))
                    .col(timestamp_with_time_zone(FundingSplits::CreatedAt))
                    .col(timestamp_with_time_zone_null(FundingSplits::SubmittedAt))
                    .col(timestamp_with_time_zone_null(FundingSplits::DecidedAt))
                    .foreign_key(&mut fk(
                        "fk_splits_engagement",
                        (FundingSplits::Table, FundingSplits::EngagementId),
                        (Engagements::Table, Engagements::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_splits_engagement_version",
            FundingSplits::Table,
            vec![
                FundingSplits::EngagementId.into_iden(),
                FundingSplits::Version.into_iden(),
            ],
            true,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(FundingSplitShares::Table)
                    .col(uuid(FundingSplitShares::SplitId))
                    .col(uuid(FundingSplitShares::FundingSourceId))
                    .col(integer(FundingSplitShares::ShareBp))
                    .primary_key(
                        Index::create()
                            .col(FundingSplitShares::SplitId)
                            .col(FundingSplitShares::FundingSourceId),
                    )
                    .foreign_key(&mut fk(
                        "fk_shares_split",
                        (FundingSplitShares::Table, FundingSplitShares::SplitId),
                        (FundingSplits::Table, FundingSplits::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_shares_source",
                        (
                            FundingSplitShares::Table,
                            FundingSplitShares::FundingSourceId,
                        ),
                        (FundingSources::Table, FundingSources::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SplitApprovals::Table)
                    .col(uuid(SplitApprovals::SplitId))
                    .col(uuid(SplitApprovals::OwnerContactId))
                    .col(string_len(SplitApprovals::Decision, 16))
                    .col(uuid_null(SplitApprovals::DecidedBy))
                    .col(boolean(SplitApprovals::OnBehalf))
                    .col(text_null(SplitApprovals::Comment))
                    .col(timestamp_with_time_zone_null(SplitApprovals::DecidedAt))
                    .primary_key(
                        Index::create()
                            .col(SplitApprovals::SplitId)
                            .col(SplitApprovals::OwnerContactId),
                    )
                    .foreign_key(&mut fk(
                        "fk_approvals_split",
                        (SplitApprovals::Table, SplitApprovals::SplitId),
                        (FundingSplits::Table, FundingSplits::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_approvals_owner",
                        (SplitApprovals::Table, SplitApprovals::OwnerContactId),
                        (Contacts::Table, Contacts::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_approvals_user",
                        (SplitApprovals::Table, SplitApprovals::DecidedBy),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_approvals_owner",
            SplitApprovals::Table,
            vec![
                SplitApprovals::OwnerContactId.into_iden(),
                SplitApprovals::Decision.into_iden(),
            ],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Allocations::Table)
                    .col(uuid(Allocations::Id).primary_key())
                    .col(uuid(Allocations::EngagementId))
                    .col(uuid(Allocations::SplitId))
                    .col(uuid(Allocations::BudgetLineId))
                    .col(uuid(Allocations::FundingSourceId))
                    .col(big_integer(Allocations::AmountMinor))
                    .col(timestamp_with_time_zone(Allocations::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_alloc_engagement",
                        (Allocations::Table, Allocations::EngagementId),
                        (Engagements::Table, Engagements::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_alloc_split",
                        (Allocations::Table, Allocations::SplitId),
                        (FundingSplits::Table, FundingSplits::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_alloc_line",
                        (Allocations::Table, Allocations::BudgetLineId),
                        (BudgetLines::Table, BudgetLines::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_alloc_source",
                        (Allocations::Table, Allocations::FundingSourceId),
                        (FundingSources::Table, FundingSources::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_alloc_engagement",
            Allocations::Table,
            vec![Allocations::EngagementId.into_iden()],
            false,
        )
        .await?;
        index(
            manager,
            "idx_alloc_line",
            Allocations::Table,
            vec![Allocations::BudgetLineId.into_iden()],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(SpendEntries::Table)
                    .col(uuid(SpendEntries::Id).primary_key())
                    .col(uuid(SpendEntries::EngagementId))
                    .col(date(SpendEntries::SpentOn))
                    .col(big_integer(SpendEntries::AmountMinor))
                    .col(string_len(SpendEntries::Kind, 16))
                    .col(text_null(SpendEntries::Description))
                    .col(boolean(SpendEntries::Billable))
                    .col(uuid(SpendEntries::SplitId))
                    .col(uuid_null(SpendEntries::CreatedBy))
                    .col(timestamp_with_time_zone(SpendEntries::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_spend_engagement",
                        (SpendEntries::Table, SpendEntries::EngagementId),
                        (Engagements::Table, Engagements::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_spend_split",
                        (SpendEntries::Table, SpendEntries::SplitId),
                        (FundingSplits::Table, FundingSplits::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_spend_engagement",
            SpendEntries::Table,
            vec![
                SpendEntries::EngagementId.into_iden(),
                SpendEntries::SpentOn.into_iden(),
            ],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(SpendAttributions::Table)
                    .col(uuid(SpendAttributions::SpendId))
                    .col(uuid(SpendAttributions::FundingSourceId))
                    .col(uuid(SpendAttributions::EngagementId))
                    .col(date(SpendAttributions::SpentOn))
                    .col(big_integer(SpendAttributions::AmountMinor))
                    .primary_key(
                        Index::create()
                            .col(SpendAttributions::SpendId)
                            .col(SpendAttributions::FundingSourceId),
                    )
                    .foreign_key(&mut fk(
                        "fk_attr_spend",
                        (SpendAttributions::Table, SpendAttributions::SpendId),
                        (SpendEntries::Table, SpendEntries::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_attr_source",
                        (SpendAttributions::Table, SpendAttributions::FundingSourceId),
                        (FundingSources::Table, FundingSources::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_attr_source_date",
            SpendAttributions::Table,
            vec![
                SpendAttributions::FundingSourceId.into_iden(),
                SpendAttributions::SpentOn.into_iden(),
            ],
            false,
        )
        .await?;
        index(
            manager,
            "idx_attr_engagement",
            SpendAttributions::Table,
            vec![SpendAttributions::EngagementId.into_iden()],
            false,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SpendAttributions::Table.into_iden(),
            SpendEntries::Table.into_iden(),
            Allocations::Table.into_iden(),
            SplitApprovals::Table.into_iden(),
            FundingSplitShares::Table.into_iden(),
            FundingSplits::Table.into_iden(),
            BudgetLines::Table.into_iden(),
            Budgets::Table.into_iden(),
            FundingSources::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
