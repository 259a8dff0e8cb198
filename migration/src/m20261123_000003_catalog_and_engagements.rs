//! The service catalog, rate cards with dated versions, and engagements with
//! their lines, stakeholders, staff and transition history.

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
enum Services {
    Table,
    Id,
    Code,
    Name,
    Description,
    Discipline,
    Buyer,
    InvestmentAreas,
    Unit,
    PricingModel,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RateCards {
    Table,
    Id,
    Name,
    ClientId,
    /// `default` or the client's id: unique, so one card per scope.
    Scope,
    Currency,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RateCardVersions {
    Table,
    Id,
    RateCardId,
    EffectiveFrom,
    EffectiveTo,
    Status,
    CreatedAt,
    PublishedAt,
    RetiredAt,
}

#[derive(DeriveIden)]
enum RateCardPrices {
    Table,
    VersionId,
    ServiceId,
    PriceMinor,
    CostMinor,
}

#[derive(DeriveIden)]
enum Engagements {
    Table,
    Id,
    ClientId,
    Code,
    Name,
    Description,
    CommercialModel,
    Currency,
    InvestmentArea,
    StartDate,
    EndDate,
    Probability,
    AccountManagerId,
    Status,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EngagementStakeholders {
    Table,
    EngagementId,
    ContactId,
    Role,
    CreatedAt,
}

#[derive(DeriveIden)]
enum EngagementStaff {
    Table,
    EngagementId,
    UserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum EngagementTransitions {
    Table,
    Id,
    EngagementId,
    ActorId,
    FromStatus,
    ToStatus,
    Reason,
    At,
}

#[derive(DeriveIden)]
enum EngagementLines {
    Table,
    Id,
    EngagementId,
    ServiceId,
    QuantityMilli,
    Unit,
    DiscountBp,
    UnitPriceMinor,
    UnitCostMinor,
    ValueMinor,
    CostMinor,
    RateCardVersionId,
    CreatedAt,
    UpdatedAt,
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
) -> Result<(), DbErr> {
    let mut idx = Index::create();
    idx.name(name).table(table);
    for c in cols {
        idx.col(c);
    }
    manager.create_index(idx.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Services::Table)
                    .col(uuid(Services::Id).primary_key())
                    .col(string_len_uniq(Services::Code, 32))
                    .col(string_len(Services::Name, 200))
                    .col(text_null(Services::Description))
                    .col(string_len(Services::Discipline, 24))
                    .col(string_len(Services::Buyer, 16))
                    .col(string_len(Services::InvestmentAreas, 200))
                    .col(string_len(Services::Unit, 8))
                    .col(string_len(Services::PricingModel, 24))
                    .col(boolean(Services::Active))
                    .col(timestamp_with_time_zone(Services::CreatedAt))
                    .col(timestamp_with_time_zone(Services::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_services_name",
            Services::Table,
            vec![Services::Name.into_iden(), Services::Id.into_iden()],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(RateCards::Table)
                    .col(uuid(RateCards::Id).primary_key())
                    .col(string_len(RateCards::Name, 200))
                    .col(uuid_null(RateCards::ClientId))
                    .col(string_len_uniq(RateCards::Scope, 40))
                    .col(string_len(RateCards::Currency, 3))
                    .col(timestamp_with_time_zone(RateCards::CreatedAt))
                    .col(timestamp_with_time_zone(RateCards::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_rate_cards_client",
                        (RateCards::Table, RateCards::ClientId),
                        (Clients::Table, Clients::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RateCardVersions::Table)
                    .col(uuid(RateCardVersions::Id).primary_key())
                    .col(uuid(RateCardVersions::RateCardId))
                    .col(date(RateCardVersions::EffectiveFrom))
                    .col(date_null(RateCardVersions::EffectiveTo))
                    .col(string_len(RateCardVersions::Status, 16))
                    .col(timestamp_with_time_zone(RateCardVersions::CreatedAt))
                    .col(timestamp_with_time_zone_null(RateCardVersions::PublishedAt))
                    .col(timestamp_with_time_zone_null(RateCardVersions::RetiredAt))
                    .foreign_key(&mut fk(
                        "fk_rcv_card",
                        (RateCardVersions::Table, RateCardVersions::RateCardId),
                        (RateCards::Table, RateCards::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_rcv_card",
            RateCardVersions::Table,
            vec![
                RateCardVersions::RateCardId.into_iden(),
                RateCardVersions::EffectiveFrom.into_iden(),
            ],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(RateCardPrices::Table)
                    .col(uuid(RateCardPrices::VersionId))
                    .col(uuid(RateCardPrices::ServiceId))
                    .col(big_integer(RateCardPrices::PriceMinor))
                    .col(big_integer(RateCardPrices::CostMinor))
                    .primary_key(
                        Index::create()
                            .col(RateCardPrices::VersionId)
                            .col(RateCardPrices::ServiceId),
                    )
                    .foreign_key(&mut fk(
                        "fk_rcp_version",
                        (RateCardPrices::Table, RateCardPrices::VersionId),
                        (RateCardVersions::Table, RateCardVersions::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_rcp_service",
                        (RateCardPrices::Table, RateCardPrices::ServiceId),
                        (Services::Table, Services::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Engagements::Table)
                    .col(uuid(Engagements::Id).primary_key())
                    .col(uuid(Engagements::ClientId))
                    .col(string_len(Engagements::Code, 32))
                    .col(string_len(Engagements::Name, 200))
                    .col(text_null(Engagements::Description))
                    .col(string_len(Engagements::CommercialModel, 24))
                    .col(string_len(Engagements::Currency, 3))
                    .col(string_len(Engagements::InvestmentArea, 32))
                    .col(date(Engagements::StartDate))
                    .col(date(Engagements::EndDate))
                    .col(small_integer(Engagements::Probability))
                    .col(uuid_null(Engagements::AccountManagerId))
                    .col(string_len(Engagements::Status, 16))
                    .col(timestamp_with_time_zone(Engagements::CreatedAt))
                    .col(timestamp_with_time_zone(Engagements::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_engagements_client",
                        (Engagements::Table, Engagements::ClientId),
                        (Clients::Table, Clients::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_engagements_manager",
                        (Engagements::Table, Engagements::AccountManagerId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_engagements_client_code")
                    .table(Engagements::Table)
                    .col(Engagements::ClientId)
                    .col(Engagements::Code)
                    .unique()
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_engagements_client", Engagements::ClientId),
            ("idx_engagements_status", Engagements::Status),
            ("idx_engagements_start", Engagements::StartDate),
            ("idx_engagements_name", Engagements::Name),
            ("idx_engagements_manager", Engagements::AccountManagerId),
        ] {
            index(
                manager,
                name,
                Engagements::Table,
                vec![col.into_iden(), Engagements::Id.into_iden()],
            )
            .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(EngagementStakeholders::Table)
                    .col(uuid(EngagementStakeholders::EngagementId))
                    .col(uuid(EngagementStakeholders::ContactId))
                    .col(string_len(EngagementStakeholders::Role, 24))
                    .col(timestamp_with_time_zone(EngagementStakeholders::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(EngagementStakeholders::EngagementId)
                            .col(EngagementStakeholders::ContactId)
                            .col(EngagementStakeholders::Role),
                    )
                    .foreign_key(&mut fk(
                        "fk_es_engagement",
                        (
                            EngagementStakeholders::Table,
                            EngagementStakeholders::EngagementId,
                        ),
                        (Engagements::Table, Engagements::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_es_contact",
                        (
                            EngagementStakeholders::Table,
                            EngagementStakeholders::ContactId,
                        ),
                        (Contacts::Table, Contacts::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EngagementStaff::Table)
                    .col(uuid(EngagementStaff::EngagementId))
                    .col(uuid(EngagementStaff::UserId))
                    .col(timestamp_with_time_zone(EngagementStaff::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(EngagementStaff::EngagementId)
                            .col(EngagementStaff::UserId),
                    )
                    .foreign_key(&mut fk(
                        "fk_estaff_engagement",
                        (EngagementStaff::Table, EngagementStaff::EngagementId),
                        (Engagements::Table, Engagements::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_estaff_user",
                        (EngagementStaff::Table, EngagementStaff::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_estaff_user",
            EngagementStaff::Table,
            vec![EngagementStaff::UserId.into_iden()],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(EngagementTransitions::Table)
                    .col(uuid(EngagementTransitions::Id).primary_key())
                    .col(uuid(EngagementTransitions::EngagementId))
                    .col(uuid_null(EngagementTransitions::ActorId))
                    .col(string_len_null(EngagementTransitions::FromStatus, 16))
                    .col(string_len(EngagementTransitions::ToStatus, 16))
                    .col(text_null(EngagementTransitions::Reason))
                    .col(timestamp_with_time_zone(EngagementTransitions::At))
                    .foreign_key(&mut fk(
                        "fk_et_engagement",
                        (
                            EngagementTransitions::Table,
                            EngagementTransitions::EngagementId,
                        ),
                        (Engagements::Table, Engagements::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_et_engagement",
            EngagementTransitions::Table,
            vec![
                EngagementTransitions::EngagementId.into_iden(),
                EngagementTransitions::Id.into_iden(),
            ],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(EngagementLines::Table)
                    .col(uuid(EngagementLines::Id).primary_key())
                    .col(uuid(EngagementLines::EngagementId))
                    .col(uuid(EngagementLines::ServiceId))
                    .col(big_integer(EngagementLines::QuantityMilli))
                    .col(string_len(EngagementLines::Unit, 8))
                    .col(integer(EngagementLines::DiscountBp))
                    .col(big_integer(EngagementLines::UnitPriceMinor))
                    .col(big_integer(EngagementLines::UnitCostMinor))
                    .col(big_integer(EngagementLines::ValueMinor))
                    .col(big_integer(EngagementLines::CostMinor))
                    .col(uuid(EngagementLines::RateCardVersionId))
                    .col(timestamp_with_time_zone(EngagementLines::CreatedAt))
                    .col(timestamp_with_time_zone(EngagementLines::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_el_engagement",
                        (EngagementLines::Table, EngagementLines::EngagementId),
                        (Engagements::Table, Engagements::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_el_service",
                        (EngagementLines::Table, EngagementLines::ServiceId),
                        (Services::Table, Services::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_el_version",
                        (EngagementLines::Table, EngagementLines::RateCardVersionId),
                        (RateCardVersions::Table, RateCardVersions::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_el_engagement",
            EngagementLines::Table,
            vec![
                EngagementLines::EngagementId.into_iden(),
                EngagementLines::Id.into_iden(),
            ],
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            EngagementLines::Table.into_iden(),
            EngagementTransitions::Table.into_iden(),
            EngagementStaff::Table.into_iden(),
            EngagementStakeholders::Table.into_iden(),
            Engagements::Table.into_iden(),
            RateCardPrices::Table.into_iden(),
            RateCardVersions::Table.into_iden(),
            RateCards::Table.into_iden(),
            Services::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
