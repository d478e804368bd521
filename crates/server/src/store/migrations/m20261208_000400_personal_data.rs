//! Personal data (docs/privacy.md): `session_key` and `phone` hold AES-256-GCM ciphertext from
//! now on, which is longer than the plain values, so both columns widen; `phone_hash` (a keyed
//! hash) lets an exact phone number be found without decrypting every row; an account deletion
//! request is recorded by `deletion_requested_at` and its completion by `deleted_at`.
//!
//! Existing plain-text values stay readable and are encrypted by the privacy sweep at start
//! (a compare-and-set per row, safe on several nodes), so this migration needs no key.

use sea_orm::DatabaseBackend;
use sea_orm_migration::prelude::*;

use super::utc_timestamp_null;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    SessionKey,
    Phone,
    PhoneHash,
    DeletionRequestedAt,
    DeletedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        // SQLite does not enforce VARCHAR lengths (and cannot alter a column's type).
        if backend != DatabaseBackend::Sqlite {
            for column in [Users::SessionKey, Users::Phone] {
                manager
                    .alter_table(
                        Table::alter()
                            .table(Users::Table)
                            .modify_column(ColumnDef::new(column).string_len(255).null())
                            .to_owned(),
                    )
                    .await?;
            }
        }
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(ColumnDef::new(Users::PhoneHash).string_len(64).null())
                    .to_owned(),
            )
            .await?;
        for column in [Users::DeletionRequestedAt, Users::DeletedAt] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Users::Table)
                        .add_column(utc_timestamp_null(backend, column))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("ix_users_phone_hash")
                    .table(Users::Table)
                    .col(Users::PhoneHash)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_users_deletion_requested_at")
                    .table(Users::Table)
                    .col(Users::DeletionRequestedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for index in ["ix_users_deletion_requested_at", "ix_users_phone_hash"] {
            manager
                .drop_index(Index::drop().name(index).table(Users::Table).to_owned())
                .await?;
        }
        for column in [
            Users::DeletedAt,
            Users::DeletionRequestedAt,
            Users::PhoneHash,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Users::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
