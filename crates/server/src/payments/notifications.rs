//! WeChat Pay's signed notifications (payments and refunds): verified, decrypted, applied once.

use chrono::Utc;
use minibase_wechat::pay::{PayClient, PayError, Signed};
use sea_orm::{ActiveEnum, TransactionTrait};
use serde_json::json;

use super::client::PaymentsState;
use super::model::EventKind;
use super::records::{alert, record};
use super::refunds::finish_refund;
use super::repo::{self, NewEvent};
use super::transactions::{apply_transaction, Applied};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

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
        alert(EventKind::Mismatch.to_value(), &detail);
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
                kind: EventKind::Notification,
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
                record(&txn, None, EventKind::UnknownOrder, detail.clone(), now).await?;
                txn.commit().await?;
                alert(EventKind::UnknownOrder.to_value(), &detail);
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
