//! Tables of payments (one row per paid thing, its refunds, and the event log: audit trail,
//! anomalies, and the at-most-once guard of notifications), their status enums, and what the API
//! answers.

use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::{DeriveActiveEnum, EnumIter};
use sea_orm::sea_query::StringLen;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

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
        pub status: super::PaymentStatus,
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
        pub status: super::RefundStatus,
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
        pub kind: super::EventKind,
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

/// pending -> paid | closed; closed -> paid when WeChat Pay took the money after the close.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "paid")]
    Paid,
    #[sea_orm(string_value = "closed")]
    Closed,
}

/// processing -> success | closed | abnormal | failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum RefundStatus {
    #[sea_orm(string_value = "processing")]
    Processing,
    #[sea_orm(string_value = "success")]
    Success,
    #[sea_orm(string_value = "closed")]
    Closed,
    #[sea_orm(string_value = "abnormal")]
    Abnormal,
    #[sea_orm(string_value = "failed")]
    Failed,
}

/// What an entry of the event log records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A notification was processed (its id is the at-most-once guard).
    #[sea_orm(string_value = "notification")]
    Notification,
    #[sea_orm(string_value = "paid")]
    Paid,
    #[sea_orm(string_value = "mismatch")]
    Mismatch,
    #[sea_orm(string_value = "unknown_order")]
    UnknownOrder,
    #[sea_orm(string_value = "paid_after_close")]
    PaidAfterClose,
    #[sea_orm(string_value = "closed")]
    Closed,
    #[sea_orm(string_value = "admin_mark_paid")]
    AdminMarkPaid,
    #[sea_orm(string_value = "refund_requested")]
    RefundRequested,
    #[sea_orm(string_value = "refund_updated")]
    RefundUpdated,
}

/// The parameters of `wx.requestPayment`, as the mini-program API names them.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WxRequestPayment {
    /// Unix seconds, as a string.
    pub time_stamp: String,
    pub nonce_str: String,
    /// `prepay_id=...`.
    pub package: String,
    /// `RSA`.
    pub sign_type: String,
    pub pay_sign: String,
}

/// What `POST .../pay` answers.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PayParams {
    /// The merchant order number at WeChat Pay.
    pub out_trade_no: String,
    /// Fen (分).
    pub amount_cents: i64,
    /// Pass these to `wx.requestPayment` as they are.
    pub request_payment: WxRequestPayment,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct RefundInput {
    /// Fen to give back; default: all that is left.
    #[validate(range(min = 1))]
    pub amount_cents: Option<i64>,
    /// Why (shown to the payer, kept in the audit log), 1-80 characters.
    #[validate(length(min = 1, max = 80))]
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RefundView {
    pub out_refund_no: String,
    pub amount_cents: i64,
    pub reason: String,
    /// processing, success, closed, abnormal or failed.
    #[schema(value_type = String)]
    pub status: RefundStatus,
    pub refund_id: Option<String>,
    pub admin_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub succeeded_at: Option<DateTime<Utc>>,
}

impl From<refund::Model> for RefundView {
    fn from(row: refund::Model) -> Self {
        Self {
            out_refund_no: row.out_refund_no,
            amount_cents: row.amount_cents,
            reason: row.reason,
            status: row.status,
            refund_id: row.refund_id,
            admin_id: row.admin_id,
            created_at: row.created_at,
            succeeded_at: row.succeeded_at,
        }
    }
}

/// One entry of a payment's event log. Named apart in the spec: the approvals' `EventView`
/// took the plain name, and the two shapes must not share one schema.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(as = PaymentEventView)]
pub struct EventView {
    /// notification, paid, mismatch, unknown_order, paid_after_close, closed, admin_mark_paid,
    /// refund_requested or refund_updated.
    #[schema(value_type = String)]
    pub kind: EventKind,
    pub notification_id: Option<String>,
    pub actor_id: Option<i64>,
    pub detail: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// A payment with its refunds and its event log (admins).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PaymentView {
    pub subject: String,
    pub subject_id: i64,
    pub out_trade_no: String,
    pub amount_cents: i64,
    pub refunded_cents: i64,
    /// pending, paid or closed.
    #[schema(value_type = String)]
    pub status: PaymentStatus,
    pub transaction_id: Option<String>,
    pub paid_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub refunds: Vec<RefundView>,
    pub events: Vec<EventView>,
}
