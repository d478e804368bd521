//! Tables of the flash sale: products, sales, per-user purchase counts, orders, and the outcome
//! of each Redis reservation.

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
        pub status: String,
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
        /// [`super::ORDERED`] or [`super::RECLAIMED`].
        pub outcome: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Outcomes of a reservation.
pub const ORDERED: &str = "ordered";
pub const RECLAIMED: &str = "reclaimed";

/// Order states. Only `created` orders hold stock that can come back.
pub const CREATED: &str = "created";
pub const PAID: &str = "paid";
pub const CANCELLED: &str = "cancelled";
pub const EXPIRED: &str = "expired";
