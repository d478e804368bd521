//! Paying: the payment row (once per subject) and its prepay at WeChat Pay, the active queries
//! that catch a missed notification, and closing a payment at WeChat Pay before its subject
//! gives its stock back.

use chrono::{DateTime, SecondsFormat, Utc};
use futures::future::BoxFuture;
use minibase_wechat::pay::{Amount, JsapiPrepay, PayError, Payer};
use sea_orm::{ActiveValue::Set, DatabaseTransaction, TransactionTrait};
use serde::Deserialize;
use serde_json::json;

use super::client::pay_error;
use super::client::PaymentsState;
use super::model::{payment, EventKind, PayParams, PaymentStatus, WxRequestPayment};
use super::records::record;
use super::repo;
use super::transactions::{query_and_apply, Applied};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::AppState;
use crate::store::jobs::{self, JobSpec};

pub const QUERY_JOB: &str = "payments.query";

/// Active queries of an unpaid payment: at `query_after` x 1, 2, 4, 8, 16 after it was made.
const QUERY_ROUNDS: u32 = 5;
/// A prepay id is valid for 2 hours; a newer one is asked for after this.
const PREPAY_REUSE: chrono::Duration = chrono::Duration::minutes(110);

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
                    status: Set(PaymentStatus::Pending),
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
    match payment.status {
        PaymentStatus::Paid => {
            return Err(AppError::new(
                ErrorCode::OrderStateConflict,
                "this order is already paid",
            ))
        }
        PaymentStatus::Closed => {
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
    match payment.status {
        PaymentStatus::Paid => return Ok(Settled::Paid),
        PaymentStatus::Closed => return Ok(Settled::Closed),
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
            .is_some_and(|p| p.status == PaymentStatus::Paid)
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
            EventKind::Closed,
            json!({ "out_trade_no": payment.out_trade_no }),
            now,
        )
        .await?;
    }
    txn.commit().await?;
    // Paid a moment before the close won: the subject is paid. Paid after the close (it has a
    // `closed_at`): the subject closes all the same, and the money is refunded by an admin.
    match repo::find(&state.db, payment.id).await? {
        Some(p) if p.status == PaymentStatus::Paid && p.closed_at.is_none() => Ok(Settled::Paid),
        _ => Ok(Settled::Closed),
    }
}

#[derive(Deserialize)]
struct QueryJob {
    out_trade_no: String,
    #[serde(default)]
    round: u32,
}

/// A missed notification is caught here: query a pending payment, apply a paid answer, and ask
/// again later (up to [`QUERY_ROUNDS`] times; the subject's expiry closes it for good).
pub(super) fn query_job(
    state: AppState,
    payload: serde_json::Value,
) -> BoxFuture<'static, anyhow::Result<()>> {
    Box::pin(async move {
        let job: QueryJob = serde_json::from_value(payload)?;
        let Some(payment) = repo::find_by_out_trade_no(&state.db, &job.out_trade_no).await? else {
            return Ok(());
        };
        if payment.status != PaymentStatus::Pending {
            return Ok(());
        }
        let client = state.feature::<PaymentsState>()?.job_client().await?;
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
