//! Tables of payments: one row per paid thing, its refunds, and the event log (audit trail,
//! anomalies, and the at-most-once guard of notifications).

pub mod payment {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "payments")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        /// What is paid for, e.g. [`super::FLASH_SALE_ORDER`]; unique with `subject_id`.
        pub subject: String,
        pub subject_id: i64,
        pub user_id: i64,
        /// The merchant's order number at WeChat Pay (32 hex characters).
        pub out_trade_no: String,
        pub appid: String,
        pub mchid: String,
        pub openid: String,
        /// Fen (分).
        pub amount_cents: i64,
        /// Fen given back or being given back (refunds not failed or closed).
        pub refunded_cents: i64,
        pub description: String,
        /// [`super::PENDING`] -> [`super::PAID`] | [`super::CLOSED`].
        pub status: String,
        pub prepay_id: Option<String>,
        pub prepay_at: Option<DateTimeUtc>,
        pub transaction_id: Option<String>,
        pub paid_at: Option<DateTimeUtc>,
        pub closed_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod refund {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "payment_refunds")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub payment_id: i64,
        /// The merchant's refund number (unique); retries at WeChat Pay reuse it.
        pub out_refund_no: String,
        pub amount_cents: i64,
        pub reason: String,
        /// processing -> success | closed | abnormal | failed.
        pub status: String,
        pub refund_id: Option<String>,
        /// The admin who asked for it.
        pub admin_id: Option<i64>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub succeeded_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod event {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "payment_events")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub payment_id: Option<i64>,
        /// See the `EVENT_*` constants.
        pub kind: String,
        /// WeChat Pay's notification id (unique): a notification is processed once.
        pub notification_id: Option<String>,
        /// The admin behind an override or a refund.
        pub actor_id: Option<i64>,
        /// JSON with the details.
        #[sea_orm(column_type = "Text")]
        pub detail: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Subjects: what a payment pays for.
pub const FLASH_SALE_ORDER: &str = "flash_sale_order";

/// Payment states.
pub const PENDING: &str = "pending";
pub const PAID: &str = "paid";
pub const CLOSED: &str = "closed";

/// Refund states.
pub const REFUND_PROCESSING: &str = "processing";
pub const REFUND_SUCCESS: &str = "success";
pub const REFUND_CLOSED: &str = "closed";
pub const REFUND_ABNORMAL: &str = "abnormal";
pub const REFUND_FAILED: &str = "failed";

/// Event kinds.
pub const EVENT_NOTIFICATION: &str = "notification";
pub const EVENT_PAID: &str = "paid";
pub const EVENT_MISMATCH: &str = "mismatch";
pub const EVENT_UNKNOWN_ORDER: &str = "unknown_order";
pub const EVENT_PAID_AFTER_CLOSE: &str = "paid_after_close";
pub const EVENT_CLOSED: &str = "closed";
pub const EVENT_ADMIN_MARK_PAID: &str = "admin_mark_paid";
pub const EVENT_REFUND_REQUESTED: &str = "refund_requested";
pub const EVENT_REFUND_UPDATED: &str = "refund_updated";
