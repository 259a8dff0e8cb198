//! Clients (the buying companies) and their contacts.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Clients {
    Table,
    Id,
    Name,
    Code,
    Industry,
    Region,
    DefaultCurrency,
    FiscalYearStartMonth,
    Status,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Id,
    ClientId,
    Name,
    Email,
    Title,
    Persona,
    Function,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Clients::Table)
                    .col(uuid(Clients::Id).primary_key())
                    .col(string_len(Clients::Name, 200))
                    .col(string_len_uniq(Clients::Code, 32))
                    .col(string_len_null(Clients::Industry, 100))
                    .col(string_len_null(Clients::Region, 100))
                    .col(string_len(Clients::DefaultCurrency, 3))
                    .col(small_integer(Clients::FiscalYearStartMonth))
                    .col(string_len(Clients::Status, 16))
                    .col(timestamp_with_time_zone(Clients::CreatedAt))
                    .col(timestamp_with_time_zone(Clients::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_clients_name", Clients::Name),
            ("idx_clients_status", Clients::Status),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Clients::Table)
                        .col(col)
                        .col(Clients::Id)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Contacts::Table)
                    .col(uuid(Contacts::Id).primary_key())
                    .col(uuid(Contacts::ClientId))
                    .col(string_len(Contacts::Name, 200))
                    .col(string_len(Contacts::Email, 254))
                    .col(string_len_null(Contacts::Title, 200))
                    .col(string_len(Contacts::Persona, 16))
                    .col(string_len(Contacts::Function, 16))
                    .col(timestamp_with_time_zone(Contacts::CreatedAt))
                    .col(timestamp_with_time_zone(Contacts::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_contacts_client")
                            .from(Contacts::Table, Contacts::ClientId)
                            .to(Clients::Table, Clients::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_contacts_client", Contacts::ClientId),
            ("idx_contacts_name", Contacts::Name),
            ("idx_contacts_email", Contacts::Email),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Contacts::Table)
                        .col(col)
                        .col(Contacts::Id)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Contacts::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Clients::Table).to_owned())
            .await
    }
}
