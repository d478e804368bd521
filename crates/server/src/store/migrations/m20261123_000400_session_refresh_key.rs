//! Each session gets a key of its own for its refresh tokens (`refresh_key`), and the time its
//! live token replaced the one before (`refreshed_at`). The key tags every refresh token of the
//! session, so a spent token is told apart from a made-up one, and derives each next token from
//! the one it replaces, so that parallel refreshes with one token share one answer
//! (docs/auth.md).
//!
//! Sessions from before have no key: their live token still works, and the first refresh gives
//! them one.

use sea_orm_migration::prelude::*;

use super::utc_timestamp_null;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuthSessions {
    Table,
    RefreshKey,
    RefreshedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(AuthSessions::Table)
                    .add_column(
                        ColumnDef::new(AuthSessions::RefreshKey)
                            .string_len(64)
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AuthSessions::Table)
                    .add_column(utc_timestamp_null(backend, AuthSessions::RefreshedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [AuthSessions::RefreshedAt, AuthSessions::RefreshKey] {
            manager
                .alter_table(
                    Table::alter()
                        .table(AuthSessions::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
