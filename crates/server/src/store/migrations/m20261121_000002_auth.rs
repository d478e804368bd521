//! Login sessions, rotating refresh tokens and admin accounts.

use sea_orm_migration::prelude::*;

use super::{id_column, utc_timestamp, utc_timestamp_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AuthSessions {
    Table,
    Id,
    UserId,
    RevokedAt,
    ExpiresAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AuthRefreshTokens {
    Table,
    Id,
    SessionId,
    TokenHash,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AdminAccounts {
    Table,
    Id,
    Username,
    PasswordHash,
    Role,
    Disabled,
    TokenVersion,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(AuthSessions::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(AuthSessions::Id)
                            .string_len(36)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(AuthSessions::UserId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(utc_timestamp_null(backend, AuthSessions::RevokedAt))
                    .col(utc_timestamp(backend, AuthSessions::ExpiresAt))
                    .col(utc_timestamp(backend, AuthSessions::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_auth_sessions_user")
                            .from(AuthSessions::Table, AuthSessions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_auth_sessions_user")
                    .table(AuthSessions::Table)
                    .col(AuthSessions::UserId)
                    .to_owned(),
            )
            .await?;
        create_refresh_tokens(manager).await?;
        manager
            .create_table(
                Table::create()
                    .table(AdminAccounts::Table)
                    .if_not_exists()
                    .col(id_column(AdminAccounts::Id))
                    .col(
                        ColumnDef::new(AdminAccounts::Username)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AdminAccounts::PasswordHash)
                            .string_len(255)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AdminAccounts::Role)
                            .string_len(16)
                            .not_null()
                            .default("admin"),
                    )
                    .col(
                        ColumnDef::new(AdminAccounts::Disabled)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(
                        ColumnDef::new(AdminAccounts::TokenVersion)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(utc_timestamp(backend, AdminAccounts::CreatedAt))
                    .col(utc_timestamp(backend, AdminAccounts::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_admin_accounts_username")
                    .table(AdminAccounts::Table)
                    .col(AdminAccounts::Username)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuthRefreshTokens::Table.into_iden(),
            AuthSessions::Table.into_iden(),
            AdminAccounts::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// The table of refresh tokens this migration made; a later migration moved the current token
/// onto the session and dropped it, and brings it back when undone.
pub(super) async fn create_refresh_tokens(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let backend = manager.get_database_backend();
    manager
        .create_table(
            Table::create()
                .table(AuthRefreshTokens::Table)
                .if_not_exists()
                .col(id_column(AuthRefreshTokens::Id))
                .col(
                    ColumnDef::new(AuthRefreshTokens::SessionId)
                        .string_len(36)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(AuthRefreshTokens::TokenHash)
                        .string_len(64)
                        .not_null(),
                )
                .col(utc_timestamp(backend, AuthRefreshTokens::ExpiresAt))
                .col(utc_timestamp_null(backend, AuthRefreshTokens::UsedAt))
                .col(utc_timestamp(backend, AuthRefreshTokens::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_auth_refresh_tokens_session")
                        .from(AuthRefreshTokens::Table, AuthRefreshTokens::SessionId)
                        .to(AuthSessions::Table, AuthSessions::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("ux_auth_refresh_tokens_hash")
                .table(AuthRefreshTokens::Table)
                .col(AuthRefreshTokens::TokenHash)
                .unique()
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("ix_auth_refresh_tokens_session")
                .table(AuthRefreshTokens::Table)
                .col(AuthRefreshTokens::SessionId)
                .to_owned(),
        )
        .await
}
