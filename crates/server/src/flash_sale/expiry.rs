//! Unpaid orders expire: their job closes the payment at WeChat Pay first, then the order, and
//! its units go back to Redis by a job of their own so that a crash loses nothing.

use chrono::Utc;
use futures::future::BoxFuture;
use serde::Deserialize;

use super::model::{order, OrderStatus};
use super::orders::close_order;
use super::orders::FLASH_SALE_ORDER;
use super::repo;
use super::stock::FlashSaleState;
use super::stock::SaleKeys;
use crate::payments::{self, Settled};
use crate::state::AppState;

pub const EXPIRE_JOB: &str = "flash_sale.expire_order";
pub const GIVE_BACK_JOB: &str = "flash_sale.give_back_redis";

#[derive(Deserialize)]
struct OrderJob {
    order_id: i64,
}

/// The order a job is about (none when it was deleted meanwhile).
async fn job_order(
    state: &AppState,
    payload: serde_json::Value,
) -> anyhow::Result<Option<order::Model>> {
    let job: OrderJob = serde_json::from_value(payload)?;
    Ok(repo::find_order(&state.db, job.order_id).await?)
}

pub(super) fn expire_job(
    state: AppState,
    payload: serde_json::Value,
) -> BoxFuture<'static, anyhow::Result<()>> {
    Box::pin(async move {
        let Some(order) = job_order(&state, payload).await? else {
            return Ok(());
        };
        if order.status != OrderStatus::Created {
            return Ok(());
        }
        if order.expires_at > Utc::now() {
            anyhow::bail!("order {} is not due yet", order.id);
        }
        // Closed at WeChat Pay first; WeChat Pay unreachable: the job retries, the stock stays
        // held. Paid meanwhile (a late notification, or one that was missed): it stays paid.
        match payments::settle_before_close(&state, FLASH_SALE_ORDER, order.id).await {
            Ok(Settled::Paid) => return Ok(()),
            Ok(Settled::Closed | Settled::NoPayment) => {}
            Err(err) => anyhow::bail!("closing order {}'s payment: {err}", order.id),
        }
        close_order(&state, order.id, OrderStatus::Expired)
            .await
            .map_err(|err| anyhow::anyhow!("expiring order {}: {err}", order.id))?;
        Ok(())
    })
}

pub(super) fn give_back_job(
    state: AppState,
    payload: serde_json::Value,
) -> BoxFuture<'static, anyhow::Result<()>> {
    Box::pin(async move {
        let Some(order) = job_order(&state, payload).await? else {
            return Ok(());
        };
        give_back_redis(&state, &order).await
    })
}

/// Give a closed order's units back to Redis (idempotent per order id).
pub(super) async fn give_back_redis(state: &AppState, order: &order::Model) -> anyhow::Result<()> {
    if !matches!(order.status, OrderStatus::Cancelled | OrderStatus::Expired) {
        return Ok(());
    }
    let Some(gate) = &state.feature::<FlashSaleState>()?.redis else {
        return Ok(());
    };
    let Some(sale) = repo::find_sale(&state.db, order.sale_id).await? else {
        return Ok(());
    };
    let keys = SaleKeys::new(&sale.redis_tag);
    if !gate
        .give_back(&keys, order.id, order.user_id, order.quantity)
        .await?
    {
        anyhow::bail!("sale {} is being rebuilt", sale.id);
    }
    Ok(())
}
