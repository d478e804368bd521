//! A payment's records: the event log (audit trail and anomalies), the alerts that go with an
//! anomaly, and the full record admins read.

use chrono::{DateTime, Utc};
use sea_orm::DatabaseTransaction;
use serde_json::json;

use super::model::{EventKind, EventView, PaymentView, RefundView};
use super::repo::{self, NewEvent};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::json;

/// Count and log an anomaly someone must look at (`kind`: an event kind, or `refund_abnormal`).
pub(super) fn alert(kind: impl Into<String>, detail: &serde_json::Value) {
    let kind: String = kind.into();
    metrics::counter!("payments_alerts_total", "kind" => kind.clone()).increment(1);
    tracing::error!(alert = %kind, detail = %detail, "PAYMENT ALERT: {kind}");
}

/// An entry of the payment's event log, in the caller's transaction.
pub(super) async fn record(
    txn: &DatabaseTransaction,
    payment_id: Option<i64>,
    kind: EventKind,
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
            kind: EventKind::AdminMarkPaid,
            notification_id: None,
            actor_id: Some(admin_id),
            detail: json!({ "subject": subject, "subject_id": subject_id }),
        },
        Utc::now(),
    )
    .await?;
    Ok(())
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
            .map(|e| {
                Ok(EventView {
                    detail: json::decode("payment_events.detail", e.id, &e.detail)?,
                    kind: e.kind,
                    notification_id: e.notification_id,
                    actor_id: e.actor_id,
                    created_at: e.created_at,
                })
            })
            .collect::<AppResult<_>>()?,
    })
}
