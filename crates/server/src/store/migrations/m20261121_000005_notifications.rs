//! In-app notifications.

use sea_orm_migration::prelude::*;

use super::{id_column, utc_timestamp, utc_timestamp_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    UserId,
    Kind,
    ActorId,
    SubjectType,
    SubjectId,
    Body,
    ReadAt,
    CreatedAt,
}

/// One-time subscribe-message acceptances (wx.requestSubscribeMessage) not yet used.
#[derive(DeriveIden)]
enum SubscribeQuotas {
    Table,
    UserId,
    TemplateId,
    Remaining,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(Notifications::Table)
                    .if_not_exists()
                    .col(id_column(Notifications::Id))
                    .col(
                        ColumnDef::new(Notifications::UserId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Notifications::Kind)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Notifications::ActorId).big_integer().null())
                    .col(
                        ColumnDef::new(Notifications::SubjectType)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Notifications::SubjectId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Notifications::Body).text().not_null())
                    .col(utc_timestamp_null(backend, Notifications::ReadAt))
                    .col(utc_timestamp(backend, Notifications::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_notifications_user")
                            .from(Notifications::Table, Notifications::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_notifications_user")
                    .table(Notifications::Table)
                    .col(Notifications::UserId)
                    .col(Notifications::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SubscribeQuotas::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(SubscribeQuotas::UserId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SubscribeQuotas::TemplateId)
                            .string_len(128)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SubscribeQuotas::Remaining)
                            .integer()
                            .not_null(),
                    )
                    .col(utc_timestamp(backend, SubscribeQuotas::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(SubscribeQuotas::UserId)
                            .col(SubscribeQuotas::TemplateId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_subscribe_quotas_user")
                            .from(SubscribeQuotas::Table, SubscribeQuotas::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SubscribeQuotas::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Notifications::Table).to_owned())
            .await
    }
}
