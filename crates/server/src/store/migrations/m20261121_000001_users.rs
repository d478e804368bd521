//! Users of the mini-program, keyed by WeChat openid.

use sea_orm_migration::prelude::*;

use super::{id_column, utc_timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Openid,
    Unionid,
    SessionKey,
    Nickname,
    AvatarUrl,
    Phone,
    Role,
    Banned,
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
                    .table(Users::Table)
                    .if_not_exists()
                    .col(id_column(Users::Id))
                    .col(ColumnDef::new(Users::Openid).string_len(64).not_null())
                    .col(ColumnDef::new(Users::Unionid).string_len(64).null())
                    .col(ColumnDef::new(Users::SessionKey).string_len(64).null())
                    .col(
                        ColumnDef::new(Users::Nickname)
                            .string_len(64)
                            .not_null()
                            .default(""),
                    )
                    .col(
                        ColumnDef::new(Users::AvatarUrl)
                            .string_len(512)
                            .not_null()
                            .default(""),
                    )
                    .col(ColumnDef::new(Users::Phone).string_len(32).null())
                    .col(
                        ColumnDef::new(Users::Role)
                            .string_len(16)
                            .not_null()
                            .default("user"),
                    )
                    .col(
                        ColumnDef::new(Users::Banned)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(
                        ColumnDef::new(Users::TokenVersion)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(utc_timestamp(backend, Users::CreatedAt))
                    .col(utc_timestamp(backend, Users::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_users_openid")
                    .table(Users::Table)
                    .col(Users::Openid)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_users_unionid")
                    .table(Users::Table)
                    .col(Users::Unionid)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Users::Table).to_owned())
            .await
    }
}
