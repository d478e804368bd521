//! The outcome of each Redis reservation of a flash sale (`ordered` or `reclaimed`), written by
//! whichever comes first: the order's transaction, or a node reclaiming the reservation after its
//! lease lapsed. The primary key on the reservation id makes them exclude each other in the
//! database, so stock given back by a reclaim can never also be sold by the late order.

use sea_orm_migration::prelude::*;

use super::utc_timestamp;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FlashSaleReservations {
    Table,
    Reservation,
    SaleId,
    Outcome,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(FlashSaleReservations::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(FlashSaleReservations::Reservation)
                            .string_len(40)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(FlashSaleReservations::SaleId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(FlashSaleReservations::Outcome)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(utc_timestamp(backend, FlashSaleReservations::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(FlashSaleReservations::Table).to_owned())
            .await
    }
}
