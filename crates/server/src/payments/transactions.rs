//! Applying what WeChat Pay signed (a notification or the answer of an active query): at most
//! once per notification id and once per payment, with the subject's own move to paid in the
//! same database transaction.

use chrono::{DateTime, Utc};
use minibase_wechat::pay::{PayClient, PayError, Transaction};
use sea_orm::{ActiveEnum, DatabaseTransaction, TransactionTrait};
use serde_json::json;

use super::client::pay_error;
use super::model::{payment, EventKind, PaymentStatus};
use super::records::{alert, record};
use super::repo::{self, NewEvent};
use super::subjects::PaySubjects;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

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
    err.db_error()
        .is_some_and(crate::store::db::is_lock_conflict)
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
                kind: EventKind::Notification,
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
        record(&txn, None, EventKind::UnknownOrder, detail.clone(), now).await?;
        txn.commit().await?;
        alert(EventKind::UnknownOrder.to_value(), &detail);
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
        record(
            &txn,
            Some(payment.id),
            EventKind::Mismatch,
            detail.clone(),
            now,
        )
        .await?;
        txn.commit().await?;
        alert(EventKind::Mismatch.to_value(), &detail);
        return Ok(Applied::Mismatch);
    }
    if !tx.state().is_paid() {
        txn.commit().await?;
        return Ok(Applied::NotPaid);
    }
    let transaction_id = tx.transaction_id.as_deref();
    let outcome = if repo::mark_paid(
        &txn,
        payment.id,
        PaymentStatus::Pending,
        transaction_id,
        now,
    )
    .await?
    {
        if fulfil(state, &txn, &payment, now).await? {
            Applied::Paid
        } else {
            Applied::PaidAfterClose
        }
    } else if repo::mark_paid(&txn, payment.id, PaymentStatus::Closed, transaction_id, now).await? {
        // Closed here (and its stock given back) before WeChat Pay took the money: the payment
        // records the money so that an admin can refund it; the subject stays closed.
        Applied::PaidAfterClose
    } else {
        Applied::AlreadyDone
    };
    let kind = match outcome {
        Applied::Paid => Some(EventKind::Paid),
        Applied::PaidAfterClose => Some(EventKind::PaidAfterClose),
        _ => None,
    };
    if let Some(kind) = kind {
        record(&txn, Some(payment.id), kind, detail.clone(), now).await?;
    }
    txn.commit().await?;
    match outcome {
        Applied::Paid => {
            metrics::counter!("payments_paid_total").increment(1);
            announce(state, &payment).await;
        }
        Applied::PaidAfterClose => alert(EventKind::PaidAfterClose.to_value(), &detail),
        _ => {}
    }
    Ok(outcome)
}

/// The subject's own move to paid, in the payment's transaction. False when the subject can no
/// longer be paid (closed meanwhile).
async fn fulfil(
    state: &AppState,
    txn: &DatabaseTransaction,
    payment: &payment::Model,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let subject = state
        .feature::<PaySubjects>()?
        .get(&payment.subject)
        .ok_or_else(|| {
            AppError::internal(anyhow::anyhow!(
                "payment {} has an unknown subject '{}'",
                payment.id,
                payment.subject
            ))
        })?;
    (subject.fulfil)(txn, payment.subject_id, now).await
}

/// Tell the subject's owner it is paid (best effort: the database already says so).
async fn announce(state: &AppState, payment: &payment::Model) {
    let subject = state
        .feature::<PaySubjects>()
        .ok()
        .and_then(|subjects| subjects.get(&payment.subject));
    let result = match subject {
        Some(subject) => (subject.announce)(state, payment.subject_id).await,
        None => Ok(()),
    };
    if let Err(err) = result {
        tracing::debug!(payment = payment.id, error = %err, "payments: paid announcement skipped");
    }
}

/// Ask WeChat Pay about a payment and apply the answer.
pub(super) async fn query_and_apply(
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
