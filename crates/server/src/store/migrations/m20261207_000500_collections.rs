//! Collections defined by admins (`collections`: one JSON definition per collection; each
//! collection's records live in a table of their own, `c_<name>`, made by the collections
//! feature), and files brought in by the importers (`collection_files`), which belong to no user.

use sea_orm_migration::prelude::*;

use super::{id_column, utc_timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Collections {
    Table,
    Id,
    Name,
    Spec,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CollectionFiles {
    Table,
    Id,
    StorageKey,
    SourceId,
    Name,
    ContentType,
    Size,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(Collections::Table)
                    .if_not_exists()
                    .col(id_column(Collections::Id))
                    .col(ColumnDef::new(Collections::Name).string_len(64).not_null())
                    .col(ColumnDef::new(Collections::Spec).text().not_null())
                    .col(utc_timestamp(backend, Collections::CreatedAt))
                    .col(utc_timestamp(backend, Collections::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_collections_name")
                    .table(Collections::Table)
                    .col(Collections::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CollectionFiles::Table)
                    .if_not_exists()
                    .col(id_column(CollectionFiles::Id))
                    .col(
                        ColumnDef::new(CollectionFiles::StorageKey)
                            .string_len(191)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CollectionFiles::SourceId)
                            .string_len(191)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CollectionFiles::Name)
                            .string_len(255)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CollectionFiles::ContentType)
                            .string_len(128)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CollectionFiles::Size)
                            .big_integer()
                            .not_null(),
                    )
                    .col(utc_timestamp(backend, CollectionFiles::CreatedAt))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("ux_collection_files_key", CollectionFiles::StorageKey),
            ("ux_collection_files_source", CollectionFiles::SourceId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(CollectionFiles::Table)
                        .col(column)
                        .unique()
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CollectionFiles::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Collections::Table).to_owned())
            .await
    }
}
