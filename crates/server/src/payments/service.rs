//! The rules of payments, for any feature that sells something (flash sale first).
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

use chrono::{DateTime, SecondsFormat, Utc};
use futures::future::BoxFuture;
use minibase_wechat::pay::{
    Amount, JsapiPrepay, PayClient, PayError, Payer, RefundAmountRequest, RefundRequest, Signed,
    Transaction,
};
use sea_orm::{ActiveValue::Set, DatabaseTransaction, TransactionTrait};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use validator::Validate;

use super::model::{
    payment, refund, CLOSED, EVENT_ADMIN_MARK_PAID, EVENT_CLOSED, EVENT_MISMATCH,
    EVENT_NOTIFICATION, EVENT_PAID, EVENT_PAID_AFTER_CLOSE, EVENT_REFUND_REQUESTED,
    EVENT_REFUND_UPDATED, EVENT_UNKNOWN_ORDER, FLASH_SALE_ORDER, PAID, PENDING, REFUND_ABNORMAL,
    REFUND_CLOSED, REFUND_FAILED, REFUND_PROCESSING, REFUND_SUCCESS,
};
use super::repo::{self, NewEvent};
use super::PaymentsState;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::AppState;
use crate::store::jobs::{self, Handler, JobSpec};

pub const QUERY_JOB: &str = "payments.query";
pub const REFUND_JOB: &str = "payments.refund";

/// Active queries of an unpaid payment: at `query_after` x 1, 2, 4, 8, 16 after it was made.
const QUERY_ROUNDS: u32 = 5;
/// A prepay id is valid for 2 hours; a newer one is asked for after this.
const PREPAY_REUSE: chrono::Duration = chrono::Duration::minutes(110);

/// The job handlers of this feature.
pub fn jobs() -> Vec<(&'static str, Handler)> {
    vec![
        (QUERY_JOB, query_job as Handler),
        (REFUND_JOB, refund_job as Handler),
    ]
}

/// What a feature asks to be paid.
pub struct Charge {
    pub subject: &'static str,
    pub subject_id: i64,
    pub user_id: i64,
    pub amount_cents: i64,
    /// What the payer sees (at most 127 characters).
    pub description: String,
    /// WeChat Pay refuses to take the money after this.
    pub expires_at: DateTime<Utc>,
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

pub(crate) fn pay_error(err: PayError) -> AppError {
    let error = match &err {
        e if e.is_retryable() => AppError::new(
            ErrorCode::PaymentUnavailable,
            "WeChat Pay is unavailable; try again",
        ),
        PayError::SignError { .. } => {
            tracing::error!(error = %err, "WeChat Pay refused the merchant signature: check wechat_pay_serial_no and the private key");
            AppError::new(
                ErrorCode::PaymentRejected,
                "WeChat Pay refused the merchant's credentials",
            )
        }
        PayError::Decrypt(_) => {
            tracing::error!(error = %err, "WeChat Pay's platform certificates do not decrypt: check wechat_pay_api_v3_key");
            AppError::new(
                ErrorCode::PaymentRejected,
                "WeChat Pay's platform certificates could not be read with the merchant's APIv3 key",
            )
        }
        PayError::Api { code, .. } => AppError::new(
            ErrorCode::PaymentRejected,
            format!("WeChat Pay refused the request ({code})"),
        ),
        _ => AppError::new(ErrorCode::PaymentRejected, "WeChat Pay refused the request"),
    };
    error.with_source(anyhow::anyhow!(err))
}

fn alert(kind: &str, detail: &serde_json::Value) {
    metrics::counter!("payments_alerts_total", "kind" => kind.to_string()).increment(1);
    tracing::error!(alert = kind, detail = %detail, "PAYMENT ALERT: {kind}");
}

/// Start (or resume) paying: the payment row (once per subject), a prepay at WeChat Pay (reused
/// while valid), and freshly signed `wx.requestPayment` parameters.
pub async fn start(state: &AppState, charge: Charge) -> AppResult<PayParams> {
    let client = state.feature::<PaymentsState>()?.client().await?;
    let config = client.config();
    let now = Utc::now();
    let payment = match repo::find_by_subject(&state.db, charge.subject, charge.subject_id).await? {
        Some(payment) => payment,
        None => {
            let user = crate::users::service::find(&state.db, charge.user_id)
                .await?
                .ok_or_else(|| AppError::not_found("user"))?;
            if user.openid.is_empty() {
                return Err(AppError::bad_request(
                    "only a mini-program user (with an openid) can pay",
                ));
            }
            let out_trade_no = uuid::Uuid::now_v7().simple().to_string();
            let txn = state.db.begin().await?;
            let inserted = repo::insert(
                &txn,
                payment::ActiveModel {
                    subject: Set(charge.subject.to_string()),
                    subject_id: Set(charge.subject_id),
                    user_id: Set(charge.user_id),
                    out_trade_no: Set(out_trade_no.clone()),
                    appid: Set(config.appid.clone()),
                    mchid: Set(config.mchid.clone()),
                    openid: Set(user.openid),
                    amount_cents: Set(charge.amount_cents),
                    refunded_cents: Set(0),
                    description: Set(charge.description.chars().take(127).collect()),
                    status: Set(PENDING.to_string()),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                },
            )
            .await?;
            if inserted {
                enqueue_query(state, &txn, &out_trade_no, 0, now).await?;
            }
            txn.commit().await?;
            repo::find_by_subject(&state.db, charge.subject, charge.subject_id)
                .await?
                .ok_or_else(|| AppError::internal(anyhow::anyhow!("the payment row vanished")))?
        }
    };
    match payment.status.as_str() {
        PAID => {
            return Err(AppError::new(
                ErrorCode::OrderStateConflict,
                "this order is already paid",
            ))
        }
        CLOSED => {
            return Err(AppError::new(
                ErrorCode::OrderStateConflict,
                "this order's payment was closed",
            ))
        }
        _ => {}
    }
    let prepay_id = match (&payment.prepay_id, payment.prepay_at) {
        (Some(id), Some(at)) if now - at < PREPAY_REUSE => id.clone(),
        _ => {
            let order = JsapiPrepay {
                description: payment.description.clone(),
                out_trade_no: payment.out_trade_no.clone(),
                time_expire: Some(
                    charge
                        .expires_at
                        .to_rfc3339_opts(SecondsFormat::Secs, false),
                ),
                attach: Some(format!("{}:{}", payment.subject, payment.subject_id)),
                notify_url: state.feature::<PaymentsState>()?.notify_url(),
                amount: Amount {
                    total: payment.amount_cents,
                    currency: "CNY".into(),
                },
                payer: Payer {
                    openid: payment.openid.clone(),
                },
            };
            let id = match client.jsapi_prepay(&order).await {
                Ok(id) => id,
                Err(PayError::OrderPaid { .. }) => {
                    // Paid already (its notification is on the way or was missed): learn it now.
                    query_and_apply(state, client, &payment).await?;
                    return Err(AppError::new(
                        ErrorCode::OrderStateConflict,
                        "this order is already paid",
                    ));
                }
                Err(err) => return Err(pay_error(err)),
            };
            repo::set_prepay(&state.db, payment.id, &id, now).await?;
            id
        }
    };
    let params = client.request_payment(&prepay_id);
    Ok(PayParams {
        out_trade_no: payment.out_trade_no,
        amount_cents: payment.amount_cents,
        request_payment: WxRequestPayment {
            time_stamp: params.time_stamp,
            nonce_str: params.nonce_str,
            package: params.package,
            sign_type: params.sign_type,
            pay_sign: params.pay_sign,
        },
    })
}

async fn enqueue_query(
    state: &AppState,
    txn: &DatabaseTransaction,
    out_trade_no: &str,
    round: u32,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let delay = state.config.pay.query_after * 2u32.pow(round);
    jobs::enqueue(
        txn,
        JobSpec {
            kind: QUERY_JOB,
            run_at: now + chrono::Duration::from_std(delay).unwrap_or_default(),
            dedupe_key: Some(&format!("payment-query:{out_trade_no}:{round}")),
            max_attempts: jobs::DEFAULT_MAX_ATTEMPTS,
        },
        &json!({ "out_trade_no": out_trade_no, "round": round }),
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// Applying what WeChat Pay says
// ---------------------------------------------------------------------------------------------

/// What applying a transaction did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The payment (and its subject) became paid now.
    Paid,
    /// Nothing to do: this notification was processed before, or the payment was already paid.
    AlreadyDone,
    /// WeChat Pay says it is not paid.
    NotPaid,
    /// Appid, mchid or amount differ from the payment: recorded and alerted, not paid.
    Mismatch,
    /// No payment has this out_trade_no: recorded and alerted.
    Unknown,
    /// Paid at WeChat Pay while the subject was already closed: recorded and alerted (refund it).
    PaidAfterClose,
}

/// Apply a transaction WeChat Pay signed (notification or query), at most once per
/// notification id and once per payment.
pub async fn apply_transaction(
    state: &AppState,
    tx: &Transaction,
    notification_id: Option<&str>,
) -> AppResult<Applied> {
    let mut attempt = 0;
    loop {
        match apply_once(state, tx, notification_id).await {
            // Copies of one notification racing on several nodes can deadlock on MySQL (each
            // waits on the others' unique-key check); the loser goes again and finds it done.
            Err(err) if attempt < 3 && is_lock_conflict(&err) => {
                attempt += 1;
                tokio::time::sleep(std::time::Duration::from_millis(20 * attempt)).await;
            }
            other => return other,
        }
    }
}

fn is_lock_conflict(err: &AppError) -> bool {
    let text = format!("{err:?}").to_ascii_lowercase();
    text.contains("deadlock")
        || text.contains("database is locked")
        || text.contains("lock wait timeout")
}

async fn apply_once(
    state: &AppState,
    tx: &Transaction,
    notification_id: Option<&str>,
) -> AppResult<Applied> {
    let now = Utc::now();
    // Read before the transaction (what is checked never changes once written), so that the
    // transaction starts with a write: SQLite then takes its write lock at once instead of
    // failing to upgrade a read lock when another node writes at the same moment.
    let payment = repo::find_by_out_trade_no(&state.db, &tx.out_trade_no).await?;
    let txn = state.db.begin().await?;
    let detail = json!({
        "out_trade_no": tx.out_trade_no,
        "transaction_id": tx.transaction_id,
        "trade_state": tx.trade_state,
        "appid": tx.appid,
        "mchid": tx.mchid,
        "amount": tx.amount.total,
    });
    if let Some(id) = notification_id {
        let claimed = repo::claim_notification(
            &txn,
            NewEvent {
                payment_id: payment.as_ref().map(|p| p.id),
                kind: EVENT_NOTIFICATION,
                notification_id: Some(id),
                actor_id: None,
                detail: detail.clone(),
            },
            now,
        )
        .await?;
        if !claimed {
            txn.rollback().await?;
            metrics::counter!("payments_notifications_total", "outcome" => "duplicate")
                .increment(1);
            return Ok(Applied::AlreadyDone);
        }
    }
    let Some(payment) = payment else {
        record(&txn, None, EVENT_UNKNOWN_ORDER, detail.clone(), now).await?;
        txn.commit().await?;
        alert(EVENT_UNKNOWN_ORDER, &detail);
        return Ok(Applied::Unknown);
    };
    let mut wrong = Vec::new();
    if tx.appid != payment.appid {
        wrong.push("appid");
    }
    if tx.mchid != payment.mchid {
        wrong.push("mchid");
    }
    if tx.amount.total != payment.amount_cents {
        wrong.push("amount");
    }
    if !wrong.is_empty() {
        let detail = json!({
            "mismatch": wrong,
            "expected": { "appid": payment.appid, "mchid": payment.mchid, "amount": payment.amount_cents },
            "got": detail,
        });
        record(&txn, Some(payment.id), EVENT_MISMATCH, detail.clone(), now).await?;
        txn.commit().await?;
        alert(EVENT_MISMATCH, &detail);
        return Ok(Applied::Mismatch);
    }
    if !tx.state().is_paid() {
        txn.commit().await?;
        return Ok(Applied::NotPaid);
    }
    let outcome = if repo::mark_paid(&txn, payment.id, tx.transaction_id.as_deref(), now).await? {
        if fulfil(&txn, &payment, now).await? {
            record(&txn, Some(payment.id), EVENT_PAID, detail.clone(), now).await?;
            Applied::Paid
        } else {
            record(
                &txn,
                Some(payment.id),
                EVENT_PAID_AFTER_CLOSE,
                detail.clone(),
                now,
            )
            .await?;
            Applied::PaidAfterClose
        }
    } else if repo::mark_paid_after_close(&txn, payment.id, tx.transaction_id.as_deref(), now)
        .await?
    {
        // Closed here (and its stock given back) before WeChat Pay took the money: the payment
        // records the money so that an admin can refund it; the subject stays closed.
        record(
            &txn,
            Some(payment.id),
            EVENT_PAID_AFTER_CLOSE,
            detail.clone(),
            now,
        )
        .await?;
        Applied::PaidAfterClose
    } else {
        Applied::AlreadyDone
    };
    txn.commit().await?;
    match outcome {
        Applied::Paid => {
            metrics::counter!("payments_paid_total").increment(1);
            announce(state, &payment).await;
        }
        Applied::PaidAfterClose => alert(EVENT_PAID_AFTER_CLOSE, &detail),
        _ => {}
    }
    Ok(outcome)
}

async fn record(
    txn: &DatabaseTransaction,
    payment_id: Option<i64>,
    kind: &str,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> AppResult<()> {
    repo::insert_event(
        txn,
        NewEvent {
            payment_id,
            kind,
            notification_id: None,
            actor_id: None,
            detail,
        },
        now,
    )
    .await?;
    Ok(())
}

/// The subject's own move to paid, in the payment's transaction. False when the subject can no
/// longer be paid (closed meanwhile). A new feature that takes payments adds its arm here.
async fn fulfil(
    txn: &DatabaseTransaction,
    payment: &payment::Model,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    match payment.subject.as_str() {
        FLASH_SALE_ORDER => {
            crate::flash_sale::service::fulfil_paid(txn, payment.subject_id, now).await
        }
        other => Err(AppError::internal(anyhow::anyhow!(
            "payment {} has an unknown subject '{other}'",
            payment.id
        ))),
    }
}

/// Tell the subject's owner it is paid (best effort: the database already says so).
async fn announce(state: &AppState, payment: &payment::Model) {
    let result = match payment.subject.as_str() {
        FLASH_SALE_ORDER => {
            crate::flash_sale::service::announce_paid(state, payment.subject_id).await
        }
        _ => Ok(()),
    };
    if let Err(err) = result {
        tracing::debug!(payment = payment.id, error = %err, "payments: paid announcement skipped");
    }
}

/// Ask WeChat Pay about a payment and apply the answer.
async fn query_and_apply(
    state: &AppState,
    client: &PayClient,
    payment: &payment::Model,
) -> AppResult<Applied> {
    match client.query_by_out_trade_no(&payment.out_trade_no).await {
        Ok(tx) => apply_transaction(state, &tx, None).await,
        Err(PayError::NotFound { .. }) => Ok(Applied::NotPaid),
        Err(err) => Err(pay_error(err)),
    }
}

/// A notification as received: the signed headers and the body, exactly as sent.
pub struct SignedNotification {
    pub serial: String,
    pub timestamp: String,
    pub nonce: String,
    pub signature: String,
    pub body: String,
}

/// Why a notification was not accepted; WeChat Pay retries either way.
pub enum NotifyError {
    /// Not from WeChat Pay, altered, stale, or undecryptable (4xx).
    Refused(String),
    /// We could not process it now (5xx).
    Retry(AppError),
}

async fn verified<'a>(
    state: &'a AppState,
    signed: &SignedNotification,
) -> Result<(&'a PayClient, minibase_wechat::pay::Notification), NotifyError> {
    let client = state
        .feature::<PaymentsState>()
        .map_err(NotifyError::Retry)?
        .client()
        .await
        .map_err(NotifyError::Retry)?;
    let parsed = client
        .parse_notification(&Signed {
            serial: &signed.serial,
            timestamp: &signed.timestamp,
            nonce: &signed.nonce,
            signature: &signed.signature,
            body: &signed.body,
        })
        .await
        .map_err(|err| {
            let reason = match &err {
                PayError::StaleTimestamp(_) => "stale",
                PayError::UnknownSerial(_) => "unknown_serial",
                PayError::BadSignature(_) => "bad_signature",
                PayError::Decrypt(_) => "decrypt",
                _ => "malformed",
            };
            metrics::counter!("payments_notifications_refused_total", "reason" => reason)
                .increment(1);
            tracing::warn!(reason, error = %err, "payment notification refused");
            NotifyError::Refused(err.to_string())
        })?;
    Ok((client, parsed))
}

/// A payment notification (`TRANSACTION.SUCCESS`): verified, decrypted, applied once.
pub async fn pay_notification(
    state: &AppState,
    signed: SignedNotification,
) -> Result<Applied, NotifyError> {
    let (_, notification) = verified(state, &signed).await?;
    if !notification.event_type.starts_with("TRANSACTION.") {
        return Err(NotifyError::Refused(format!(
            "'{}' is not a payment event",
            notification.event_type
        )));
    }
    let tx = notification
        .transaction()
        .map_err(|err| NotifyError::Refused(format!("the resource is not a transaction: {err}")))?;
    let applied = apply_transaction(state, &tx, Some(&notification.id))
        .await
        .map_err(NotifyError::Retry)?;
    metrics::counter!("payments_notifications_total", "outcome" => format!("{applied:?}"))
        .increment(1);
    Ok(applied)
}

/// A refund notification (`REFUND.SUCCESS|CLOSED|ABNORMAL`): verified, decrypted, applied once.
pub async fn refund_notification(
    state: &AppState,
    signed: SignedNotification,
) -> Result<(), NotifyError> {
    let (client, notification) = verified(state, &signed).await?;
    if !notification.event_type.starts_with("REFUND.") {
        return Err(NotifyError::Refused(format!(
            "'{}' is not a refund event",
            notification.event_type
        )));
    }
    let answer = notification
        .refund()
        .map_err(|err| NotifyError::Refused(format!("the resource is not a refund: {err}")))?;
    if answer
        .mchid
        .as_deref()
        .is_some_and(|mchid| mchid != client.config().mchid)
    {
        let detail = json!({ "out_refund_no": answer.out_refund_no, "mchid": answer.mchid });
        alert(EVENT_MISMATCH, &detail);
        return Ok(());
    }
    let now = Utc::now();
    let result: AppResult<()> = async {
        // Read first, then a transaction that starts with a write (see apply_transaction).
        let row = repo::find_refund(&state.db, &answer.out_refund_no).await?;
        let txn = state.db.begin().await?;
        let claimed = repo::claim_notification(
            &txn,
            NewEvent {
                payment_id: row.as_ref().map(|r| r.payment_id),
                kind: EVENT_NOTIFICATION,
                notification_id: Some(&notification.id),
                actor_id: None,
                detail: json!({ "out_refund_no": answer.out_refund_no, "status": answer.status }),
            },
            now,
        )
        .await?;
        if !claimed {
            txn.rollback().await?;
            return Ok(());
        }
        match row {
            None => {
                let detail = json!({ "out_refund_no": answer.out_refund_no });
                record(&txn, None, EVENT_UNKNOWN_ORDER, detail.clone(), now).await?;
                txn.commit().await?;
                alert(EVENT_UNKNOWN_ORDER, &detail);
            }
            Some(row) => {
                finish_refund(&txn, &row, &answer.status, Some(&answer.refund_id), now).await?;
                txn.commit().await?;
            }
        }
        Ok(())
    }
    .await;
    result.map_err(NotifyError::Retry)
}

/// Move a processing refund to WeChat Pay's `status`, giving back what it had set aside when it
/// was closed.
async fn finish_refund(
    txn: &DatabaseTransaction,
    row: &refund::Model,
    status: &str,
    refund_id: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let to = match status {
        "SUCCESS" => REFUND_SUCCESS,
        "CLOSED" => REFUND_CLOSED,
        "ABNORMAL" => REFUND_ABNORMAL,
        _ => return Ok(()),
    };
    if repo::finish_refund(txn, row.id, to, refund_id, now).await? {
        if to == REFUND_CLOSED {
            repo::release_refund(txn, row.payment_id, row.amount_cents, now).await?;
        }
        let detail = json!({ "out_refund_no": row.out_refund_no, "status": to });
        record(
            txn,
            Some(row.payment_id),
            EVENT_REFUND_UPDATED,
            detail.clone(),
            now,
        )
        .await?;
        if to == REFUND_ABNORMAL {
            alert("refund_abnormal", &detail);
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Closing before giving stock back
// ---------------------------------------------------------------------------------------------

/// What [`settle_before_close`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    /// The subject never asked for payment: close it.
    NoPayment,
    /// Closed at WeChat Pay (or never reached it): nobody can pay any more; close the subject.
    Closed,
    /// It was paid (now learnt): do not close the subject.
    Paid,
}

/// Before a subject closes and gives its stock back: close its payment at WeChat Pay first,
/// then check nothing was paid a moment before. Errors (WeChat Pay unreachable) mean "not yet":
/// the caller retries later, the stock stays held.
pub async fn settle_before_close(
    state: &AppState,
    subject: &str,
    subject_id: i64,
) -> AppResult<Settled> {
    let Some(payment) = repo::find_by_subject(&state.db, subject, subject_id).await? else {
        return Ok(Settled::NoPayment);
    };
    match payment.status.as_str() {
        PAID => return Ok(Settled::Paid),
        CLOSED => return Ok(Settled::Closed),
        _ => {}
    }
    let client = state.feature::<PaymentsState>()?.client().await?;
    match client.close(&payment.out_trade_no).await {
        Ok(()) | Err(PayError::NotFound { .. } | PayError::OrderClosed { .. }) => {}
        Err(PayError::OrderPaid { .. }) => {
            return match query_and_apply(state, client, &payment).await? {
                Applied::Paid | Applied::AlreadyDone => Ok(Settled::Paid),
                other => Err(AppError::internal(anyhow::anyhow!(
                    "payment {}: WeChat Pay says paid when closing, but the query gave {other:?}",
                    payment.id
                ))),
            };
        }
        Err(err) => return Err(pay_error(err)),
    }
    // Closed there. A payment made just before the close is caught by one verified query.
    if let Applied::Paid | Applied::AlreadyDone = query_and_apply(state, client, &payment).await? {
        if repo::find(&state.db, payment.id)
            .await?
            .is_some_and(|p| p.status == PAID)
        {
            return Ok(Settled::Paid);
        }
    }
    let now = Utc::now();
    let txn = state.db.begin().await?;
    if repo::mark_closed(&txn, payment.id, now).await? {
        record(
            &txn,
            Some(payment.id),
            EVENT_CLOSED,
            json!({ "out_trade_no": payment.out_trade_no }),
            now,
        )
        .await?;
    }
    txn.commit().await?;
    // Paid a moment before the close won: the subject is paid. Paid after the close (it has a
    // `closed_at`): the subject closes all the same, and the money is refunded by an admin.
    match repo::find(&state.db, payment.id).await? {
        Some(p) if p.status == PAID && p.closed_at.is_none() => Ok(Settled::Paid),
        _ => Ok(Settled::Closed),
    }
}

/// The audit record of an admin's `mark-paid` override, in the caller's transaction.
pub async fn record_override(
    txn: &DatabaseTransaction,
    subject: &str,
    subject_id: i64,
    admin_id: i64,
) -> AppResult<()> {
    let payment = repo::find_by_subject(txn, subject, subject_id).await?;
    repo::insert_event(
        txn,
        NewEvent {
            payment_id: payment.map(|p| p.id),
            kind: EVENT_ADMIN_MARK_PAID,
            notification_id: None,
            actor_id: Some(admin_id),
            detail: json!({ "subject": subject, "subject_id": subject_id }),
        },
        Utc::now(),
    )
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Refunds
// ---------------------------------------------------------------------------------------------

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
    pub status: String,
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
    pub kind: String,
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
    pub status: String,
    pub transaction_id: Option<String>,
    pub paid_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub refunds: Vec<RefundView>,
    pub events: Vec<EventView>,
}

/// A payment's full record (admins).
pub async fn view(state: &AppState, subject: &str, subject_id: i64) -> AppResult<PaymentView> {
    let payment = repo::find_by_subject(&state.db, subject, subject_id)
        .await?
        .ok_or_else(|| AppError::not_found("payment"))?;
    let refunds = repo::refunds(&state.db, payment.id).await?;
    let events = repo::events(&state.db, payment.id).await?;
    Ok(PaymentView {
        subject: payment.subject,
        subject_id: payment.subject_id,
        out_trade_no: payment.out_trade_no,
        amount_cents: payment.amount_cents,
        refunded_cents: payment.refunded_cents,
        status: payment.status,
        transaction_id: payment.transaction_id,
        paid_at: payment.paid_at,
        closed_at: payment.closed_at,
        refunds: refunds.into_iter().map(RefundView::from).collect(),
        events: events
            .into_iter()
            .map(|e| EventView {
                kind: e.kind,
                notification_id: e.notification_id,
                actor_id: e.actor_id,
                detail: serde_json::from_str(&e.detail).unwrap_or(serde_json::Value::Null),
                created_at: e.created_at,
            })
            .collect(),
    })
}

/// An admin refund: the amount is set aside on the payment (never more than is left, however
/// many refunds race), the refund and its audit record are written with a retry job, and then
/// WeChat Pay is asked. No stock goes back (see docs/payments.md).
pub async fn refund(
    state: &AppState,
    admin_id: i64,
    subject: &str,
    subject_id: i64,
    input: &RefundInput,
) -> AppResult<RefundView> {
    let client = state.feature::<PaymentsState>()?.client().await?;
    let payment = repo::find_by_subject(&state.db, subject, subject_id)
        .await?
        .ok_or_else(|| AppError::not_found("payment"))?;
    if payment.status != PAID {
        return Err(AppError::new(
            ErrorCode::OrderStateConflict,
            format!("a {} payment cannot be refunded", payment.status),
        ));
    }
    let amount = input
        .amount_cents
        .unwrap_or(payment.amount_cents - payment.refunded_cents);
    let too_large = || {
        AppError::new(
            ErrorCode::RefundExceedsPaid,
            "the refund is larger than what is left of the payment",
        )
    };
    if amount < 1 {
        return Err(too_large());
    }
    let now = Utc::now();
    let out_refund_no = uuid::Uuid::now_v7().simple().to_string();
    let txn = state.db.begin().await?;
    if !repo::reserve_refund(&txn, payment.id, amount, now).await? {
        return Err(too_large());
    }
    repo::insert_refund(
        &txn,
        refund::ActiveModel {
            payment_id: Set(payment.id),
            out_refund_no: Set(out_refund_no.clone()),
            amount_cents: Set(amount),
            reason: Set(input.reason.clone()),
            status: Set(REFUND_PROCESSING.to_string()),
            admin_id: Set(Some(admin_id)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        },
    )
    .await?;
    repo::insert_event(
        &txn,
        NewEvent {
            payment_id: Some(payment.id),
            kind: EVENT_REFUND_REQUESTED,
            notification_id: None,
            actor_id: Some(admin_id),
            detail: json!({ "out_refund_no": out_refund_no, "amount": amount, "reason": input.reason }),
        },
        now,
    )
    .await?;
    jobs::enqueue(
        &txn,
        JobSpec {
            kind: REFUND_JOB,
            // The first retry of a refund that got no answer, as late as the first query.
            run_at: now
                + chrono::Duration::from_std(state.config.pay.query_after).unwrap_or_default(),
            dedupe_key: Some(&format!("refund:{out_refund_no}")),
            max_attempts: 20,
        },
        &json!({ "out_refund_no": out_refund_no }),
    )
    .await?;
    txn.commit().await?;
    let row = repo::find_refund(&state.db, &out_refund_no)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("the refund row vanished")))?;
    match send_refund(state, client, &payment, &row).await {
        Ok(()) => {}
        // Not reached or no answer: the job sends it again (same out_refund_no: one refund).
        Err(err) if err.is_retryable() => {
            tracing::warn!(out_refund_no = %row.out_refund_no, error = %err, "refund not sent yet; its job retries");
        }
        Err(err) => {
            let txn = state.db.begin().await?;
            if repo::finish_refund(&txn, row.id, REFUND_FAILED, None, Utc::now()).await? {
                repo::release_refund(&txn, payment.id, amount, Utc::now()).await?;
            }
            txn.commit().await?;
            return Err(pay_error(err));
        }
    }
    let row = repo::find_refund(&state.db, &out_refund_no)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("the refund row vanished")))?;
    Ok(row.into())
}

/// Ask WeChat Pay for a refund (again: the same out_refund_no is the same refund there) and
/// record its answer.
async fn send_refund(
    state: &AppState,
    client: &PayClient,
    payment: &payment::Model,
    row: &refund::Model,
) -> Result<(), PayError> {
    let answer = client
        .refund(&RefundRequest {
            out_trade_no: payment.out_trade_no.clone(),
            out_refund_no: row.out_refund_no.clone(),
            reason: Some(row.reason.clone()),
            // Registered: the caller's client came from it.
            notify_url: state
                .feature::<PaymentsState>()
                .ok()
                .map(PaymentsState::refund_notify_url),
            amount: RefundAmountRequest {
                refund: row.amount_cents,
                total: payment.amount_cents,
                currency: "CNY".into(),
            },
        })
        .await?;
    let store = async {
        let now = Utc::now();
        let txn = state.db.begin().await?;
        repo::set_refund_id(&txn, row.id, &answer.refund_id, now).await?;
        finish_refund(&txn, row, &answer.status, Some(&answer.refund_id), now).await?;
        txn.commit().await?;
        AppResult::Ok(())
    };
    store
        .await
        .map_err(|err| PayError::Http(format!("recording the refund: {err}")))
}

// ---------------------------------------------------------------------------------------------
// Jobs
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize)]
struct QueryJob {
    out_trade_no: String,
    #[serde(default)]
    round: u32,
}

/// A missed notification is caught here: query a pending payment, apply a paid answer, and ask
/// again later (up to [`QUERY_ROUNDS`] times; the subject's expiry closes it for good).
fn query_job(
    state: AppState,
    payload: serde_json::Value,
) -> BoxFuture<'static, anyhow::Result<()>> {
    Box::pin(async move {
        let job: QueryJob = serde_json::from_value(payload)?;
        let Some(payment) = repo::find_by_out_trade_no(&state.db, &job.out_trade_no).await? else {
            return Ok(());
        };
        if payment.status != PENDING {
            return Ok(());
        }
        let client = state
            .feature::<PaymentsState>()?
            .client()
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let applied = query_and_apply(&state, client, &payment)
            .await
            .map_err(|e| anyhow::anyhow!("querying payment {}: {e}", payment.id))?;
        if applied == Applied::NotPaid && job.round + 1 < QUERY_ROUNDS {
            let txn = state.db.begin().await?;
            enqueue_query(
                &state,
                &txn,
                &payment.out_trade_no,
                job.round + 1,
                Utc::now(),
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            txn.commit().await?;
        }
        Ok(())
    })
}

#[derive(Deserialize)]
struct RefundJob {
    out_refund_no: String,
}

/// A refund whose request got no answer, or that is still processing: ask WeChat Pay again.
fn refund_job(
    state: AppState,
    payload: serde_json::Value,
) -> BoxFuture<'static, anyhow::Result<()>> {
    Box::pin(async move {
        let job: RefundJob = serde_json::from_value(payload)?;
        let Some(row) = repo::find_refund(&state.db, &job.out_refund_no).await? else {
            return Ok(());
        };
        if row.status != REFUND_PROCESSING {
            return Ok(());
        }
        let Some(payment) = repo::find(&state.db, row.payment_id).await? else {
            return Ok(());
        };
        let client = state
            .feature::<PaymentsState>()?
            .client()
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        if row.refund_id.is_some() {
            let answer = client.query_refund(&row.out_refund_no).await?;
            let txn = state.db.begin().await?;
            finish_refund(
                &txn,
                &row,
                &answer.status,
                Some(&answer.refund_id),
                Utc::now(),
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            txn.commit().await?;
        } else {
            send_refund(&state, client, &payment, &row).await?;
        }
        let still = repo::find_refund(&state.db, &job.out_refund_no).await?;
        if still.is_some_and(|r| r.status == REFUND_PROCESSING) {
            anyhow::bail!("refund {} is still processing", job.out_refund_no);
        }
        Ok(())
    })
}
