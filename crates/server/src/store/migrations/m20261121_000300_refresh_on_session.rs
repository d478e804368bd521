//! A session holds its current refresh token's hash itself, instead of one row per token in
//! `auth_refresh_tokens`: a login writes one row fewer (and three index entries fewer), and a
//! refresh is one conditional update of the session. Refresh tokens now name their session
//! (`<session id>.<secret>`), so any other token presented for a session is a spent one.
//!
//! Tokens issued before this migration do not name their session and stop working: their
//! holders log in again (a mini-program does so silently on a 401). Access tokens and the
//! sessions themselves are untouched.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuthSessions {
    Table,
    RefreshTokenHash,
}

#[derive(DeriveIden)]
enum AuthRefreshTokens {
    Table,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AuthSessions::Table)
                    .add_column(
                        ColumnDef::new(AuthSessions::RefreshTokenHash)
                            .string_len(64)
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(
                Table::drop()
                    .table(AuthRefreshTokens::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The earlier migration's table comes back empty: the tokens it held are not recoverable.
        super::m20261121_000002_auth::create_refresh_tokens(manager).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AuthSessions::Table)
                    .drop_column(AuthSessions::RefreshTokenHash)
                    .to_owned(),
            )
            .await
    }
}
