//! What the flash sale says on its realtime channels: a sale's start, its stock, and each
//! order's status to its buyer.

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

use super::model::order;
use super::repo;
use crate::error::AppResult;
use crate::realtime::{self, Channel};
use crate::state::AppState;
use crate::store::jobs::{self, JobSpec};

/// Announces a sale's start on its realtime channel, at its start time.
pub(super) const START_JOB: &str = "flash_sale.announce_start";

/// Schedule the start announcement (one per sale and start time; a moved start gets its own,
/// and the old one finds the time changed and says nothing).
pub(super) async fn schedule_start(
    state: &AppState,
    id: i64,
    starts_at: DateTime<Utc>,
) -> AppResult<()> {
    jobs::enqueue(
        &state.db,
        JobSpec {
            kind: START_JOB,
            run_at: starts_at,
            dedupe_key: Some(&format!("sale-start:{id}:{}", starts_at.timestamp_millis())),
            max_attempts: 5,
        },
        &json!({ "sale_id": id, "starts_at": starts_at }),
    )
    .await?;
    state.jobs.wake();
    Ok(())
}

#[derive(Deserialize)]
struct StartJob {
    sale_id: i64,
    starts_at: DateTime<Utc>,
}

pub(super) fn start_job(
    state: AppState,
    payload: serde_json::Value,
) -> BoxFuture<'static, anyhow::Result<()>> {
    Box::pin(async move {
        let job: StartJob = serde_json::from_value(payload)?;
        let Some(row) = repo::find_sale(&state.db, job.sale_id).await? else {
            return Ok(());
        };
        if row.enabled
            && row.starts_at.timestamp_millis() == job.starts_at.timestamp_millis()
            && Utc::now() < row.ends_at
        {
            let started = json!({ "sale_id": row.id, "starts_at": row.starts_at, "ends_at": row.ends_at, "stock_left": row.stock_left });
            realtime::publish(
                &state,
                Channel::FlashSale(row.id),
                "flash_sale.started",
                started,
            );
        }
        Ok(())
    })
}

/// Stock left on the sale's realtime channel, and `flash_sale.sold_out` when none is.
pub(super) fn announce_stock(state: &AppState, sale_id: i64, left: i64) {
    let channel = || Channel::FlashSale(sale_id);
    realtime::publish(
        state,
        channel(),
        "flash_sale.stock",
        json!({ "sale_id": sale_id, "stock_left": left.max(0) }),
    );
    if left <= 0 {
        realtime::publish(
            state,
            channel(),
            "flash_sale.sold_out",
            json!({ "sale_id": sale_id }),
        );
    }
}

/// An order's status on its buyer's realtime channel.
pub(super) fn announce_order(state: &AppState, order: &order::Model) {
    let status = json!({ "order_id": order.id, "sale_id": order.sale_id, "status": order.status });
    realtime::publish(state, Channel::User(order.user_id), "order.status", status);
}

/// After a payment made an order paid (committed): tell its buyer on the realtime channel.
pub(super) async fn announce_paid(state: &AppState, id: i64) -> AppResult<()> {
    if let Some(order) = repo::find_order(&state.db, id).await? {
        announce_order(state, &order);
    }
    Ok(())
}
