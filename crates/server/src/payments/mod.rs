//! Payments with WeChat Pay v3 (JSAPI, for mini-programs), for any feature that sells
//! something: prepay and `wx.requestPayment` parameters, verified notifications processed once,
//! active queries for missed notifications, closing at WeChat Pay before stock goes back, and
//! audited refunds. See docs/payments.md.
//!
//! - A payment is created once per subject (`subject`, `subject_id`) with its own
//!   `out_trade_no`, before WeChat Pay hears of it, together with its first active-query job.
//! - It becomes paid only from a transaction WeChat Pay signed: a verified notification or the
//!   answer of an active query (also verified). Appid, mchid and amount must match; a mismatch is
//!   recorded and alerted, never paid.
//! - The move pending -> paid and the subject's own move (order created -> paid) happen in one
//!   database transaction, with the notification's id claimed in the same transaction: a crash
//!   before the commit leaves nothing, so WeChat Pay's retry finds it undone; a duplicate (retry,
//!   second node, replay) finds the id taken and changes nothing.
//! - Before a subject gives its stock back (expiry, cancel), the payment is closed at WeChat Pay
//!   first ([`settle_before_close`]): once closed there, it can no longer be paid.
//!
//! Files: `paying` (prepay, active queries, closing), `transactions` (applying what WeChat Pay
//! signed), `notifications`, `refunds`, `records` (event log, alerts, the admins' view),
//! `client` (the pay client of this node).

mod client;
pub mod model;
mod notifications;
mod paying;
mod records;
mod refunds;
mod repo;
pub mod routes;
pub mod settings;
mod subjects;
mod transactions;

use crate::store::jobs::Handler;

pub use client::PaymentsState;
pub use model::{PayParams, PaymentView, RefundInput, RefundView, WxRequestPayment};
pub use notifications::{pay_notification, refund_notification, NotifyError, SignedNotification};
pub use paying::{settle_before_close, start, Charge, Settled, QUERY_JOB};
pub use records::{record_override, view};
pub use refunds::{refund, REFUND_JOB};
pub use routes::routes;
pub use subjects::{PaySubject, PaySubjects};
pub use transactions::{apply_transaction, Applied};

/// The job handlers of this feature.
pub fn jobs() -> Vec<(&'static str, Handler)> {
    vec![
        (QUERY_JOB, paying::query_job as Handler),
        (REFUND_JOB, refunds::refund_job as Handler),
    ]
}
