//! Tables of the flash sale (products, sales, per-user purchase counts, orders, and the outcome
//! of each Redis reservation), their status enums, and what the API takes and answers.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::{DeriveActiveEnum, EnumIter};
use sea_orm::sea_query::StringLen;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::error::{AppError, AppResult};
use crate::store::json;

pub mod product {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "products")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        #[sea_orm(column_type = "Text")]
        pub description: String,
        /// List price in cents (分).
        pub price_cents: i64,
        /// JSON array of image URLs.
        #[sea_orm(column_type = "Text")]
        pub images: String,
        /// JSON array of `{"code","name","price_cents"}`.
        #[sea_orm(column_type = "Text")]
        pub skus: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod sale {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "flash_sales")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub product_id: i64,
        pub sku_code: Option<String>,
        pub title: String,
        pub sale_price_cents: i64,
        pub stock_total: i32,
        /// The source of truth: only ever changed by conditional updates.
        pub stock_left: i32,
        pub per_user_limit: i32,
        pub starts_at: DateTimeUtc,
        pub ends_at: DateTimeUtc,
        pub enabled: bool,
        /// Names this sale's Redis keys; random, so that databases sharing one Redis never meet.
        pub redis_tag: String,
        /// Bumped whenever stock moved without Redis (Redis down, admin edit); the reconciler
        /// rebuilds the Redis stock and clears it.
        pub redis_dirty: i32,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod purchase {
    use sea_orm::entity::prelude::*;

    /// Units a user holds in a sale (live orders); guarded against the per-user limit.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "flash_sale_purchases")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub sale_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: i64,
        pub count: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod order {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "flash_sale_orders")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub sale_id: i64,
        pub user_id: i64,
        pub quantity: i32,
        pub unit_price_cents: i64,
        pub total_cents: i64,
        /// created -> paid | cancelled | expired.
        pub status: super::OrderStatus,
        pub idempotency_key: Option<String>,
        /// The Redis reservation this order consumed (multi-node mode).
        pub reservation: Option<String>,
        pub created_at: DateTimeUtc,
        pub expires_at: DateTimeUtc,
        pub paid_at: Option<DateTimeUtc>,
        pub closed_at: Option<DateTimeUtc>,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod reservation {
    use sea_orm::entity::prelude::*;

    /// What became of a Redis reservation, decided once by whichever writes this row first: the
    /// transaction of its order (`ordered`) or a node reclaiming its lapsed lease (`reclaimed`).
    /// The primary key makes the two exclude each other, so a reclaimed reservation can never
    /// also become an order.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "flash_sale_reservations")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub reservation: String,
        pub sale_id: i64,
        pub outcome: super::ReservationOutcome,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// What became of a Redis reservation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum ReservationOutcome {
    /// Its order committed.
    #[sea_orm(string_value = "ordered")]
    Ordered,
    /// A node voided it after its lease lapsed: its order can never commit.
    #[sea_orm(string_value = "reclaimed")]
    Reclaimed,
}

/// Where an order stands: created -> paid | cancelled | expired. Only `created` orders hold
/// stock that can come back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    #[sea_orm(string_value = "created")]
    Created,
    #[sea_orm(string_value = "paid")]
    Paid,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
    #[sea_orm(string_value = "expired")]
    Expired,
}

impl OrderStatus {
    /// The stored (and JSON) name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Paid => "paid",
            Self::Cancelled => "cancelled",
            Self::Expired => "expired",
        }
    }
}

impl std::fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
pub struct Sku {
    /// Unique within the product, 1-64 characters.
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64)]
    pub code: String,
    /// E.g. "红色 / XL".
    #[validate(length(max = 128))]
    #[schema(max_length = 128)]
    #[serde(default)]
    pub name: String,
    #[validate(range(min = 0))]
    #[schema(minimum = 0)]
    pub price_cents: i64,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct ProductInput {
    #[validate(length(min = 1, max = 128))]
    #[schema(min_length = 1, max_length = 128)]
    pub name: String,
    #[validate(length(max = 10000))]
    #[schema(max_length = 10000)]
    #[serde(default)]
    pub description: String,
    /// List price in cents (分).
    #[validate(range(min = 0))]
    #[schema(minimum = 0)]
    pub price_cents: i64,
    /// Image URLs, at most 20.
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    #[serde(default)]
    pub images: Vec<String>,
    /// At most 100 SKUs with distinct codes.
    #[validate(length(max = 100), nested)]
    #[serde(default)]
    pub skus: Vec<Sku>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProductView {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub price_cents: i64,
    pub images: Vec<String>,
    pub skus: Vec<Sku>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<product::Model> for ProductView {
    type Error = AppError;

    fn try_from(row: product::Model) -> AppResult<Self> {
        Ok(Self {
            id: row.id,
            name: row.name,
            description: row.description,
            price_cents: row.price_cents,
            images: json::decode("products.images", row.id, &row.images)?,
            skus: json::decode("products.skus", row.id, &row.skus)?,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct SaleInput {
    pub product_id: i64,
    /// One of the product's SKU codes, or absent for the product itself.
    pub sku_code: Option<String>,
    #[validate(length(min = 1, max = 128))]
    #[schema(min_length = 1, max_length = 128)]
    pub title: String,
    /// Sale price in cents (分).
    #[validate(range(min = 0))]
    #[schema(minimum = 0)]
    pub sale_price_cents: i64,
    /// Units for sale. On an update, the difference is added to (or taken from) what is left.
    #[validate(range(min = 0, max = 10000000))]
    #[schema(minimum = 0, maximum = 10000000)]
    pub stock: i32,
    /// Units one user may hold (live orders), 1-1000.
    #[validate(range(min = 1, max = 1000))]
    #[schema(minimum = 1, maximum = 1000)]
    pub per_user_limit: i32,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// False closes the sale at once (default true).
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

/// Where a sale stands, for a client's countdown and button.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SalePhase {
    Upcoming,
    Active,
    SoldOut,
    Ended,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SaleView {
    pub id: i64,
    pub product_id: i64,
    pub sku_code: Option<String>,
    pub title: String,
    pub sale_price_cents: i64,
    pub stock_total: i32,
    pub stock_left: i32,
    pub per_user_limit: i32,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub enabled: bool,
    pub phase: SalePhase,
    /// The product (on details; absent in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<ProductView>,
}

/// A page of sales with the server's clock, so clients count down against it and not their own.
#[derive(Debug, Serialize, ToSchema)]
pub struct SaleList {
    pub items: Vec<SaleView>,
    pub next_cursor: Option<String>,
    pub server_time: DateTime<Utc>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SaleDetail {
    #[serde(flatten)]
    pub sale: SaleView,
    pub server_time: DateTime<Utc>,
}

/// What an admin (and the benchmark) checks after a sale: orders and units by status, whether
/// the database's books balance, and whether Redis agrees with the database.
#[derive(Debug, Serialize, ToSchema)]
pub struct SaleStats {
    pub sale_id: i64,
    pub stock_total: i32,
    /// Units left in the database (the source of truth).
    pub stock_left: i32,
    /// Orders by status (created, paid, cancelled, expired).
    pub orders: std::collections::BTreeMap<String, i64>,
    /// Units by status.
    pub units: std::collections::BTreeMap<String, i64>,
    /// Units held by live orders (created + paid).
    pub units_sold: i64,
    /// The database's books balance: `stock_total = stock_left + units_sold`, and no more sold
    /// than the stock.
    pub books_consistent: bool,
    /// Redis's stock (several nodes); null without Redis, while it is unreachable, or before the
    /// sale's keys are loaded.
    pub redis_stock: Option<i64>,
    /// Units of Redis reservations whose lease is live: orders being written right now.
    pub redis_leased_units: Option<i64>,
    /// Units of Redis reservations whose lease lapsed (their node died or stalled) and that no
    /// node has reclaimed yet: held back from buyers although the database has them.
    pub redis_lapsed_units: Option<i64>,
    /// Redis agrees with the database: `stock_left - redis_leased_units <= redis_stock <=
    /// stock_left` (Redis is short by at most the orders being written, and never over). False
    /// while stock is held by a dead node's reservations or was not given back to Redis, or
    /// while Redis overstates the stock; null when `redis_stock` is.
    pub redis_consistent: Option<bool>,
    /// `books_consistent`, and `redis_consistent` is not false.
    pub consistent: bool,
    pub server_time: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OrderView {
    pub order_id: i64,
    pub sale_id: i64,
    pub quantity: i32,
    pub unit_price_cents: i64,
    pub total_cents: i64,
    /// created, paid, cancelled or expired.
    #[schema(value_type = String)]
    pub status: OrderStatus,
    pub created_at: DateTime<Utc>,
    /// An unpaid order expires (and its stock goes back) at this time.
    pub expires_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

impl From<order::Model> for OrderView {
    fn from(row: order::Model) -> Self {
        Self {
            order_id: row.id,
            sale_id: row.sale_id,
            quantity: row.quantity,
            unit_price_cents: row.unit_price_cents,
            total_cents: row.total_cents,
            status: row.status,
            created_at: row.created_at,
            expires_at: row.expires_at,
            paid_at: row.paid_at,
            closed_at: row.closed_at,
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema, Validate)]
pub struct OrderInput {
    /// Units to buy (default 1), at most the sale's per-user limit.
    #[validate(range(min = 1, max = 1000))]
    #[schema(minimum = 1, maximum = 1000)]
    pub quantity: Option<i32>,
}

/// An order as the admin console lists it: the buyer too.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminOrderView {
    pub user_id: i64,
    #[serde(flatten)]
    pub order: OrderView,
}
