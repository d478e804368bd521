//! Payments (WeChat Pay v3), usable by any feature: one row per paid thing (`subject`,
//! `subject_id`), its refunds, and an event log that is both the audit trail (admin overrides,
//! refunds, mismatches) and the at-most-once guard of notifications (unique `notification_id`).

use sea_orm_migration::prelude::*;

use super::{id_column, utc_timestamp, utc_timestamp_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Payments {
    Table,
    Id,
    Subject,
    SubjectId,
    UserId,
    OutTradeNo,
    Appid,
    Mchid,
    Openid,
    AmountCents,
    RefundedCents,
    Description,
    Status,
    PrepayId,
    PrepayAt,
    TransactionId,
    PaidAt,
    ClosedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PaymentRefunds {
    Table,
    Id,
    PaymentId,
    OutRefundNo,
    AmountCents,
    Reason,
    Status,
    RefundId,
    AdminId,
    CreatedAt,
    UpdatedAt,
    SucceededAt,
}

#[derive(DeriveIden)]
enum PaymentEvents {
    Table,
    Id,
    PaymentId,
    Kind,
    NotificationId,
    ActorId,
    Detail,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(Payments::Table)
                    .if_not_exists()
                    .col(id_column(Payments::Id))
                    .col(ColumnDef::new(Payments::Subject).string_len(32).not_null())
                    .col(ColumnDef::new(Payments::SubjectId).big_integer().not_null())
                    .col(ColumnDef::new(Payments::UserId).big_integer().not_null())
                    .col(
                        ColumnDef::new(Payments::OutTradeNo)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Payments::Appid).string_len(64).not_null())
                    .col(ColumnDef::new(Payments::Mchid).string_len(32).not_null())
                    .col(ColumnDef::new(Payments::Openid).string_len(128).not_null())
                    .col(
                        ColumnDef::new(Payments::AmountCents)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Payments::RefundedCents)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(Payments::Description)
                            .string_len(128)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Payments::Status).string_len(16).not_null())
                    .col(ColumnDef::new(Payments::PrepayId).string_len(64).null())
                    .col(utc_timestamp_null(backend, Payments::PrepayAt))
                    .col(
                        ColumnDef::new(Payments::TransactionId)
                            .string_len(64)
                            .null(),
                    )
                    .col(utc_timestamp_null(backend, Payments::PaidAt))
                    .col(utc_timestamp_null(backend, Payments::ClosedAt))
                    .col(utc_timestamp(backend, Payments::CreatedAt))
                    .col(utc_timestamp(backend, Payments::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_payments_out_trade_no")
                    .table(Payments::Table)
                    .col(Payments::OutTradeNo)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_payments_subject")
                    .table(Payments::Table)
                    .col(Payments::Subject)
                    .col(Payments::SubjectId)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PaymentRefunds::Table)
                    .if_not_exists()
                    .col(id_column(PaymentRefunds::Id))
                    .col(
                        ColumnDef::new(PaymentRefunds::PaymentId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PaymentRefunds::OutRefundNo)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PaymentRefunds::AmountCents)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PaymentRefunds::Reason)
                            .string_len(80)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PaymentRefunds::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PaymentRefunds::RefundId)
                            .string_len(64)
                            .null(),
                    )
                    .col(ColumnDef::new(PaymentRefunds::AdminId).big_integer().null())
                    .col(utc_timestamp(backend, PaymentRefunds::CreatedAt))
                    .col(utc_timestamp(backend, PaymentRefunds::UpdatedAt))
                    .col(utc_timestamp_null(backend, PaymentRefunds::SucceededAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_payment_refunds_out_refund_no")
                    .table(PaymentRefunds::Table)
                    .col(PaymentRefunds::OutRefundNo)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_payment_refunds_payment")
                    .table(PaymentRefunds::Table)
                    .col(PaymentRefunds::PaymentId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PaymentEvents::Table)
                    .if_not_exists()
                    .col(id_column(PaymentEvents::Id))
                    .col(
                        ColumnDef::new(PaymentEvents::PaymentId)
                            .big_integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(PaymentEvents::Kind)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PaymentEvents::NotificationId)
                            .string_len(64)
                            .null(),
                    )
                    .col(ColumnDef::new(PaymentEvents::ActorId).big_integer().null())
                    .col(ColumnDef::new(PaymentEvents::Detail).text().not_null())
                    .col(utc_timestamp(backend, PaymentEvents::CreatedAt))
                    .to_owned(),
            )
            .await?;
        // NULLs never collide in a unique index (all three databases): only notifications
        // carry an id, and each is recorded once.
        manager
            .create_index(
                Index::create()
                    .name("ux_payment_events_notification")
                    .table(PaymentEvents::Table)
                    .col(PaymentEvents::NotificationId)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_payment_events_payment")
                    .table(PaymentEvents::Table)
                    .col(PaymentEvents::PaymentId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PaymentEvents::Table.into_iden(),
            PaymentRefunds::Table.into_iden(),
            Payments::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
