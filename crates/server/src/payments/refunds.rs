//! Admin refunds: the amount set aside on the payment (never more than is left, however many
//! refunds race), the refund and its audit record written with a retry job, then WeChat Pay
//! asked, and its answer (reply, notification or query) applied once.

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use minibase_wechat::pay::{PayClient, PayError, RefundAmountRequest, RefundRequest};
use sea_orm::{ActiveEnum, ActiveValue::Set, DatabaseTransaction, TransactionTrait};
use serde::Deserialize;
use serde_json::json;

use super::client::pay_error;
use super::client::PaymentsState;
use super::model::{
    payment, refund, EventKind, PaymentStatus, RefundInput, RefundStatus, RefundView,
};
use super::records::{alert, record};
use super::repo::{self, NewEvent};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::AppState;
use crate::store::jobs::{self, JobSpec};

pub const REFUND_JOB: &str = "payments.refund";

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
    if payment.status != PaymentStatus::Paid {
        return Err(AppError::new(
            ErrorCode::OrderStateConflict,
            format!("a {} payment cannot be refunded", payment.status.to_value()),
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
            status: Set(RefundStatus::Processing),
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
            kind: EventKind::RefundRequested,
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
            if repo::finish_refund(&txn, row.id, RefundStatus::Failed, None, Utc::now()).await? {
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

/// Move a processing refund to WeChat Pay's `status`, giving back what it had set aside when it
/// was closed.
pub(super) async fn finish_refund(
    txn: &DatabaseTransaction,
    row: &refund::Model,
    status: &str,
    refund_id: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let to = match status {
        "SUCCESS" => RefundStatus::Success,
        "CLOSED" => RefundStatus::Closed,
        "ABNORMAL" => RefundStatus::Abnormal,
        _ => return Ok(()),
    };
    if repo::finish_refund(txn, row.id, to, refund_id, now).await? {
        if to == RefundStatus::Closed {
            repo::release_refund(txn, row.payment_id, row.amount_cents, now).await?;
        }
        let detail = json!({ "out_refund_no": row.out_refund_no, "status": to });
        record(
            txn,
            Some(row.payment_id),
            EventKind::RefundUpdated,
            detail.clone(),
            now,
        )
        .await?;
        if to == RefundStatus::Abnormal {
            alert("refund_abnormal", &detail);
        }
    }
    Ok(())
}

#[derive(Deserialize)]
struct RefundJob {
    out_refund_no: String,
}

/// A refund whose request got no answer, or that is still processing: ask WeChat Pay again.
pub(super) fn refund_job(
    state: AppState,
    payload: serde_json::Value,
) -> BoxFuture<'static, anyhow::Result<()>> {
    Box::pin(async move {
        let job: RefundJob = serde_json::from_value(payload)?;
        let Some(row) = repo::find_refund(&state.db, &job.out_refund_no).await? else {
            return Ok(());
        };
        if row.status != RefundStatus::Processing {
            return Ok(());
        }
        let Some(payment) = repo::find(&state.db, row.payment_id).await? else {
            return Ok(());
        };
        let client = state.feature::<PaymentsState>()?.job_client().await?;
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
        if still.is_some_and(|r| r.status == RefundStatus::Processing) {
            anyhow::bail!("refund {} is still processing", job.out_refund_no);
        }
        Ok(())
    })
}
