//! The admin audit log: every state-changing request made by an admin-console account or on an
//! admin route (who, what, when, from where, and how it ended).

use sea_orm_migration::prelude::*;

use super::{id_column, utc_timestamp};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AdminAudit {
    Table,
    Id,
    ActorKind,
    ActorId,
    ActorRole,
    Method,
    Route,
    Path,
    Status,
    ClientIp,
    RequestId,
    Note,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(AdminAudit::Table)
                    .if_not_exists()
                    .col(id_column(AdminAudit::Id))
                    .col(
                        ColumnDef::new(AdminAudit::ActorKind)
                            .string_len(8)
                            .not_null(),
                    )
                    .col(ColumnDef::new(AdminAudit::ActorId).big_integer().not_null())
                    .col(
                        ColumnDef::new(AdminAudit::ActorRole)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(AdminAudit::Method).string_len(8).not_null())
                    .col(ColumnDef::new(AdminAudit::Route).string_len(255).not_null())
                    .col(ColumnDef::new(AdminAudit::Path).string_len(512).not_null())
                    .col(ColumnDef::new(AdminAudit::Status).integer().not_null())
                    .col(
                        ColumnDef::new(AdminAudit::ClientIp)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AdminAudit::RequestId)
                            .string_len(128)
                            .not_null(),
                    )
                    .col(ColumnDef::new(AdminAudit::Note).string_len(500).null())
                    .col(utc_timestamp(backend, AdminAudit::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_admin_audit_actor")
                    .table(AdminAudit::Table)
                    .col(AdminAudit::ActorKind)
                    .col(AdminAudit::ActorId)
                    .col(AdminAudit::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AdminAudit::Table).to_owned())
            .await
    }
}
