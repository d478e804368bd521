//! The approval workflow: the organisation (departments and members), versioned templates,
//! requests with their approval tasks, and the append-only, hash-chained event log.

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
enum ApprovalDepartments {
    Table,
    Id,
    Name,
    ParentId,
    HeadUserId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ApprovalMembers {
    Table,
    UserId,
    DepartmentId,
    ManagerUserId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ApprovalTemplates {
    Table,
    Id,
    Name,
    Description,
    Enabled,
    Version,
    Definition,
    UpdatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ApprovalTemplateVersions {
    Table,
    Id,
    TemplateId,
    Version,
    Name,
    Description,
    Definition,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ApprovalRequests {
    Table,
    Id,
    TemplateId,
    TemplateVersion,
    TemplateSnapshot,
    ApplicantId,
    Title,
    Form,
    FormSha256,
    Status,
    CurrentStep,
    Version,
    EventCount,
    HeadHash,
    CreatedAt,
    UpdatedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum ApprovalTasks {
    Table,
    Id,
    RequestId,
    StepIndex,
    ApproverId,
    Status,
    Comment,
    TransferredTo,
    CreatedAt,
    DecidedAt,
}

#[derive(DeriveIden)]
enum ApprovalEvents {
    Table,
    Id,
    RequestId,
    Seq,
    ActorId,
    Action,
    StepIndex,
    Comment,
    Detail,
    FormSha256,
    PrevHash,
    Hash,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();

        manager
            .create_table(
                Table::create()
                    .table(ApprovalDepartments::Table)
                    .if_not_exists()
                    .col(id_column(ApprovalDepartments::Id))
                    .col(
                        ColumnDef::new(ApprovalDepartments::Name)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ApprovalDepartments::ParentId)
                            .big_integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(ApprovalDepartments::HeadUserId)
                            .big_integer()
                            .null(),
                    )
                    .col(utc_timestamp(backend, ApprovalDepartments::CreatedAt))
                    .col(utc_timestamp(backend, ApprovalDepartments::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_approval_departments_parent")
                            .from(ApprovalDepartments::Table, ApprovalDepartments::ParentId)
                            .to(ApprovalDepartments::Table, ApprovalDepartments::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_approval_departments_head")
                            .from(ApprovalDepartments::Table, ApprovalDepartments::HeadUserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_approval_departments_parent")
                    .table(ApprovalDepartments::Table)
                    .col(ApprovalDepartments::ParentId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApprovalMembers::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(ApprovalMembers::UserId)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ApprovalMembers::DepartmentId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ApprovalMembers::ManagerUserId)
                            .big_integer()
                            .null(),
                    )
                    .col(utc_timestamp(backend, ApprovalMembers::CreatedAt))
                    .col(utc_timestamp(backend, ApprovalMembers::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_approval_members_user")
                            .from(ApprovalMembers::Table, ApprovalMembers::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_approval_members_department")
                            .from(ApprovalMembers::Table, ApprovalMembers::DepartmentId)
                            .to(ApprovalDepartments::Table, ApprovalDepartments::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_approval_members_manager")
                            .from(ApprovalMembers::Table, ApprovalMembers::ManagerUserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_approval_members_department")
                    .table(ApprovalMembers::Table)
                    .col(ApprovalMembers::DepartmentId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApprovalTemplates::Table)
                    .if_not_exists()
                    .col(id_column(ApprovalTemplates::Id))
                    .col(
                        ColumnDef::new(ApprovalTemplates::Name)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ApprovalTemplates::Description)
                            .string_len(512)
                            .not_null()
                            .default(""),
                    )
                    .col(
                        ColumnDef::new(ApprovalTemplates::Enabled)
                            .boolean()
                            .not_null()
                            .default(true),
                    )
                    .col(
                        ColumnDef::new(ApprovalTemplates::Version)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ApprovalTemplates::Definition)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ApprovalTemplates::UpdatedBy)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(utc_timestamp(backend, ApprovalTemplates::CreatedAt))
                    .col(utc_timestamp(backend, ApprovalTemplates::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApprovalTemplateVersions::Table)
                    .if_not_exists()
                    .col(id_column(ApprovalTemplateVersions::Id))
                    .col(
                        ColumnDef::new(ApprovalTemplateVersions::TemplateId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ApprovalTemplateVersions::Version)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ApprovalTemplateVersions::Name)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ApprovalTemplateVersions::Description)
                            .string_len(512)
                            .not_null()
                            .default(""),
                    )
                    .col(
                        ColumnDef::new(ApprovalTemplateVersions::Definition)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ApprovalTemplateVersions::CreatedBy)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(utc_timestamp(backend, ApprovalTemplateVersions::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_approval_template_versions_template")
                            .from(
                                ApprovalTemplateVersions::Table,
                                ApprovalTemplateVersions::TemplateId,
                            )
                            .to(ApprovalTemplates::Table, ApprovalTemplates::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_approval_template_versions")
                    .table(ApprovalTemplateVersions::Table)
                    .col(ApprovalTemplateVersions::TemplateId)
                    .col(ApprovalTemplateVersions::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApprovalRequests::Table)
                    .if_not_exists()
                    .col(id_column(ApprovalRequests::Id))
                    .col(
                        ColumnDef::new(ApprovalRequests::TemplateId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ApprovalRequests::TemplateVersion)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ApprovalRequests::TemplateSnapshot)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ApprovalRequests::ApplicantId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ApprovalRequests::Title)
                            .string_len(128)
                            .not_null(),
                    )
                    .col(ColumnDef::new(ApprovalRequests::Form).text().not_null())
                    .col(
                        ColumnDef::new(ApprovalRequests::FormSha256)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ApprovalRequests::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ApprovalRequests::CurrentStep)
                            .integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(ApprovalRequests::Version)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ApprovalRequests::EventCount)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ApprovalRequests::HeadHash)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(utc_timestamp(backend, ApprovalRequests::CreatedAt))
                    .col(utc_timestamp(backend, ApprovalRequests::UpdatedAt))
                    .col(utc_timestamp_null(backend, ApprovalRequests::FinishedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_approval_requests_template")
                            .from(ApprovalRequests::Table, ApprovalRequests::TemplateId)
                            .to(ApprovalTemplates::Table, ApprovalTemplates::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_approval_requests_applicant")
                            .from(ApprovalRequests::Table, ApprovalRequests::ApplicantId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_approval_requests_applicant")
                    .table(ApprovalRequests::Table)
                    .col(ApprovalRequests::ApplicantId)
                    .col(ApprovalRequests::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_approval_requests_status")
                    .table(ApprovalRequests::Table)
                    .col(ApprovalRequests::Status)
                    .col(ApprovalRequests::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApprovalTasks::Table)
                    .if_not_exists()
                    .col(id_column(ApprovalTasks::Id))
                    .col(
                        ColumnDef::new(ApprovalTasks::RequestId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ApprovalTasks::StepIndex)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ApprovalTasks::ApproverId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ApprovalTasks::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(ApprovalTasks::Comment).text().null())
                    .col(
                        ColumnDef::new(ApprovalTasks::TransferredTo)
                            .big_integer()
                            .null(),
                    )
                    .col(utc_timestamp(backend, ApprovalTasks::CreatedAt))
                    .col(utc_timestamp_null(backend, ApprovalTasks::DecidedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_approval_tasks_request")
                            .from(ApprovalTasks::Table, ApprovalTasks::RequestId)
                            .to(ApprovalRequests::Table, ApprovalRequests::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_approval_tasks_approver")
                            .from(ApprovalTasks::Table, ApprovalTasks::ApproverId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_approval_tasks_request")
                    .table(ApprovalTasks::Table)
                    .col(ApprovalTasks::RequestId)
                    .col(ApprovalTasks::StepIndex)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_approval_tasks_approver")
                    .table(ApprovalTasks::Table)
                    .col(ApprovalTasks::ApproverId)
                    .col(ApprovalTasks::Status)
                    .col(ApprovalTasks::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApprovalEvents::Table)
                    .if_not_exists()
                    .col(id_column(ApprovalEvents::Id))
                    .col(
                        ColumnDef::new(ApprovalEvents::RequestId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(ApprovalEvents::Seq).integer().not_null())
                    .col(ColumnDef::new(ApprovalEvents::ActorId).big_integer().null())
                    .col(
                        ColumnDef::new(ApprovalEvents::Action)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(ApprovalEvents::StepIndex).integer().null())
                    .col(ColumnDef::new(ApprovalEvents::Comment).text().null())
                    .col(ColumnDef::new(ApprovalEvents::Detail).text().not_null())
                    .col(
                        ColumnDef::new(ApprovalEvents::FormSha256)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ApprovalEvents::PrevHash)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ApprovalEvents::Hash)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(utc_timestamp(backend, ApprovalEvents::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_approval_events_request")
                            .from(ApprovalEvents::Table, ApprovalEvents::RequestId)
                            .to(ApprovalRequests::Table, ApprovalRequests::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_approval_events_seq")
                    .table(ApprovalEvents::Table)
                    .col(ApprovalEvents::RequestId)
                    .col(ApprovalEvents::Seq)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ApprovalEvents::Table.into_iden(),
            ApprovalTasks::Table.into_iden(),
            ApprovalRequests::Table.into_iden(),
            ApprovalTemplateVersions::Table.into_iden(),
            ApprovalTemplates::Table.into_iden(),
            ApprovalMembers::Table.into_iden(),
            ApprovalDepartments::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
