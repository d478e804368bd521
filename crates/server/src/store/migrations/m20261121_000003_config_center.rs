//! Config entries and feature flags (one table, told apart by `kind`), and the history of every
//! change to them.

use sea_orm_migration::prelude::*;

use super::{id_column, utc_timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ConfigEntries {
    Table,
    Kind,
    Name,
    Value,
    Schema,
    IsPublic,
    Description,
    Version,
    UpdatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ConfigHistory {
    Table,
    Id,
    Kind,
    Name,
    Version,
    Action,
    Previous,
    Snapshot,
    Actor,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(ConfigEntries::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(ConfigEntries::Kind)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ConfigEntries::Name)
                            .string_len(128)
                            .not_null(),
                    )
                    .col(ColumnDef::new(ConfigEntries::Value).text().not_null())
                    .col(ColumnDef::new(ConfigEntries::Schema).text().null())
                    .col(
                        ColumnDef::new(ConfigEntries::IsPublic)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(
                        ColumnDef::new(ConfigEntries::Description)
                            .string_len(512)
                            .not_null()
                            .default(""),
                    )
                    .col(ColumnDef::new(ConfigEntries::Version).integer().not_null())
                    .col(
                        ColumnDef::new(ConfigEntries::UpdatedBy)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(utc_timestamp(backend, ConfigEntries::CreatedAt))
                    .col(utc_timestamp(backend, ConfigEntries::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(ConfigEntries::Kind)
                            .col(ConfigEntries::Name),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ConfigHistory::Table)
                    .if_not_exists()
                    .col(id_column(ConfigHistory::Id))
                    .col(
                        ColumnDef::new(ConfigHistory::Kind)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ConfigHistory::Name)
                            .string_len(128)
                            .not_null(),
                    )
                    .col(ColumnDef::new(ConfigHistory::Version).integer().not_null())
                    .col(
                        ColumnDef::new(ConfigHistory::Action)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(ConfigHistory::Previous).text().null())
                    .col(ColumnDef::new(ConfigHistory::Snapshot).text().null())
                    .col(
                        ColumnDef::new(ConfigHistory::Actor)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(utc_timestamp(backend, ConfigHistory::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_config_history_entry")
                    .table(ConfigHistory::Table)
                    .col(ConfigHistory::Kind)
                    .col(ConfigHistory::Name)
                    .col(ConfigHistory::Version)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ConfigHistory::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ConfigEntries::Table).to_owned())
            .await
    }
}
