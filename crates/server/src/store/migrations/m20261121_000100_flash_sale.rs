//! Flash sales: products, timed sales with their stock, per-user purchase counts and orders.

use sea_orm_migration::prelude::*;

use super::{id_column, utc_timestamp, utc_timestamp_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
    Name,
    Description,
    PriceCents,
    Images,
    Skus,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum FlashSales {
    Table,
    Id,
    ProductId,
    SkuCode,
    Title,
    SalePriceCents,
    StockTotal,
    StockLeft,
    PerUserLimit,
    StartsAt,
    EndsAt,
    Enabled,
    RedisTag,
    RedisDirty,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum FlashSalePurchases {
    Table,
    SaleId,
    UserId,
    Count,
}

#[derive(DeriveIden)]
enum FlashSaleOrders {
    Table,
    Id,
    SaleId,
    UserId,
    Quantity,
    UnitPriceCents,
    TotalCents,
    Status,
    IdempotencyKey,
    Reservation,
    CreatedAt,
    ExpiresAt,
    PaidAt,
    ClosedAt,
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
                    .table(Products::Table)
                    .if_not_exists()
                    .col(id_column(Products::Id))
                    .col(ColumnDef::new(Products::Name).string_len(128).not_null())
                    .col(ColumnDef::new(Products::Description).text().not_null())
                    .col(
                        ColumnDef::new(Products::PriceCents)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Products::Images).text().not_null())
                    .col(ColumnDef::new(Products::Skus).text().not_null())
                    .col(utc_timestamp(backend, Products::CreatedAt))
                    .col(utc_timestamp(backend, Products::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FlashSales::Table)
                    .if_not_exists()
                    .col(id_column(FlashSales::Id))
                    .col(
                        ColumnDef::new(FlashSales::ProductId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(FlashSales::SkuCode).string_len(64).null())
                    .col(ColumnDef::new(FlashSales::Title).string_len(128).not_null())
                    .col(
                        ColumnDef::new(FlashSales::SalePriceCents)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(FlashSales::StockTotal).integer().not_null())
                    .col(ColumnDef::new(FlashSales::StockLeft).integer().not_null())
                    .col(
                        ColumnDef::new(FlashSales::PerUserLimit)
                            .integer()
                            .not_null(),
                    )
                    .col(utc_timestamp(backend, FlashSales::StartsAt))
                    .col(utc_timestamp(backend, FlashSales::EndsAt))
                    .col(
                        ColumnDef::new(FlashSales::Enabled)
                            .boolean()
                            .not_null()
                            .default(true),
                    )
                    .col(
                        ColumnDef::new(FlashSales::RedisTag)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(FlashSales::RedisDirty)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(utc_timestamp(backend, FlashSales::CreatedAt))
                    .col(utc_timestamp(backend, FlashSales::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_flash_sales_product")
                            .from(FlashSales::Table, FlashSales::ProductId)
                            .to(Products::Table, Products::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_flash_sales_window")
                    .table(FlashSales::Table)
                    .col(FlashSales::EndsAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FlashSalePurchases::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(FlashSalePurchases::SaleId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(FlashSalePurchases::UserId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(FlashSalePurchases::Count)
                            .integer()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(FlashSalePurchases::SaleId)
                            .col(FlashSalePurchases::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_flash_sale_purchases_sale")
                            .from(FlashSalePurchases::Table, FlashSalePurchases::SaleId)
                            .to(FlashSales::Table, FlashSales::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FlashSaleOrders::Table)
                    .if_not_exists()
                    .col(id_column(FlashSaleOrders::Id))
                    .col(
                        ColumnDef::new(FlashSaleOrders::SaleId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(FlashSaleOrders::UserId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(FlashSaleOrders::Quantity)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(FlashSaleOrders::UnitPriceCents)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(FlashSaleOrders::TotalCents)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(FlashSaleOrders::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(FlashSaleOrders::IdempotencyKey)
                            .string_len(64)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(FlashSaleOrders::Reservation)
                            .string_len(40)
                            .null(),
                    )
                    .col(utc_timestamp(backend, FlashSaleOrders::CreatedAt))
                    .col(utc_timestamp(backend, FlashSaleOrders::ExpiresAt))
                    .col(utc_timestamp_null(backend, FlashSaleOrders::PaidAt))
                    .col(utc_timestamp_null(backend, FlashSaleOrders::ClosedAt))
                    .col(utc_timestamp(backend, FlashSaleOrders::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_flash_sale_orders_sale")
                            .from(FlashSaleOrders::Table, FlashSaleOrders::SaleId)
                            .to(FlashSales::Table, FlashSales::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_flash_sale_orders_user")
                            .from(FlashSaleOrders::Table, FlashSaleOrders::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        // A retry with the same Idempotency-Key finds the first order instead of making another.
        manager
            .create_index(
                Index::create()
                    .name("ux_flash_sale_orders_idempotency")
                    .table(FlashSaleOrders::Table)
                    .col(FlashSaleOrders::UserId)
                    .col(FlashSaleOrders::IdempotencyKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // Reconciliation asks "did the order of this Redis reservation commit?".
        manager
            .create_index(
                Index::create()
                    .name("ux_flash_sale_orders_reservation")
                    .table(FlashSaleOrders::Table)
                    .col(FlashSaleOrders::Reservation)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_flash_sale_orders_user")
                    .table(FlashSaleOrders::Table)
                    .col(FlashSaleOrders::UserId)
                    .col(FlashSaleOrders::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_flash_sale_orders_sale")
                    .table(FlashSaleOrders::Table)
                    .col(FlashSaleOrders::SaleId)
                    .col(FlashSaleOrders::Status)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            FlashSaleOrders::Table.into_iden(),
            FlashSalePurchases::Table.into_iden(),
            FlashSales::Table.into_iden(),
            Products::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
