//! Reconciliation of the Redis stock with the database (Redis only): keys loaded before a sale
//! starts, reservations whose lease lapsed decided and reclaimed, and sales whose stock moved
//! without Redis rebuilt. Runs on every node.

use std::time::Duration;

use chrono::Utc;
use sea_orm::{AccessMode, ConnectionTrait, DatabaseBackend, IsolationLevel, TransactionTrait};

use super::repo;
use super::stock::FlashSaleState;
use super::stock::{self, RedisStock, SaleKeys, Snapshot};
use crate::state::AppState;

/// How long a rebuild may hold a sale's Redis keys.
const LOCK_HOLD: Duration = Duration::from_secs(10);

/// Decide a reservation that is still in `pending` once and for all, in the database: settle it
/// when its order committed, otherwise void it there (so that its order can never commit) and
/// give its units back. [`repo::Outcome::Undecided`] while an open order transaction holds it.
async fn resolve_reservation(
    state: &AppState,
    gate: &RedisStock,
    sale_id: i64,
    keys: &SaleKeys,
    member: &str,
) -> anyhow::Result<repo::Outcome> {
    let Some((reservation, user_id, quantity)) = stock::parse_member(member) else {
        // Not a reservation this code writes: drop it.
        gate.settle(keys, member).await?;
        return Ok(repo::Outcome::Reclaimed);
    };
    let outcome = repo::void_reservation(&state.db, &reservation, sale_id, Utc::now()).await?;
    match outcome {
        repo::Outcome::Ordered => gate.settle(keys, member).await?,
        repo::Outcome::Reclaimed => {
            if gate.release(keys, member, user_id, quantity).await? {
                state.feature::<FlashSaleState>()?.flags.clear(sale_id);
                tracing::info!(
                    sale = sale_id,
                    user = user_id,
                    quantity,
                    "flash sale: reservation reclaimed after its lease lapsed"
                );
            }
        }
        repo::Outcome::Undecided => tracing::debug!(
            sale = sale_id,
            "flash sale: a lapsed reservation's order transaction is still open; asking again later"
        ),
    }
    Ok(outcome)
}

/// Fill a sale's Redis keys from the database. `force`: replace keys that exist (after stock
/// moved without Redis), waiting first for reservations in flight to finish.
pub async fn load_redis(state: &AppState, sale_id: i64, force: bool) -> anyhow::Result<()> {
    let Some(gate) = &state.feature::<FlashSaleState>()?.redis else {
        return Ok(());
    };
    let Some(sale) = repo::find_sale(&state.db, sale_id).await? else {
        return Ok(());
    };
    let keys = SaleKeys::new(&sale.redis_tag);
    let Some(token) = gate.lock(&keys, LOCK_HOLD).await? else {
        // Another node is loading it.
        return Ok(());
    };
    let result = async {
        if !force && gate.exists(&keys).await? {
            return Ok(false);
        }
        if force {
            // New reservations wait for the lock; those in flight finish, or are decided here,
            // so that the database read below already counts every order that can ever commit.
            gate.drain(&keys, Duration::from_secs(2)).await;
            for member in gate.pending(&keys).await? {
                let outcome = resolve_reservation(state, gate, sale_id, &keys, &member).await?;
                if outcome == repo::Outcome::Undecided {
                    anyhow::bail!("sale {sale_id}: an order transaction holds a reservation; rebuild postponed");
                }
            }
        }
        let (snapshot, dirty_seen) = snapshot(state, sale_id).await?;
        let keep_for = (sale.ends_at - Utc::now())
            .to_std()
            .unwrap_or_default()
            + state.config.flash_sale.order_ttl
            + Duration::from_secs(86_400);
        let written = gate
            .write_snapshot(&keys, &token, &snapshot, keep_for)
            .await?;
        if written && dirty_seen > 0 {
            repo::clear_dirty(&state.db, sale_id, dirty_seen).await?;
        }
        anyhow::Ok(written)
    }
    .await;
    match result {
        Ok(true) => {
            state.feature::<FlashSaleState>()?.flags.clear(sale_id);
            tracing::info!(
                sale = sale_id,
                force,
                "flash sale: Redis stock loaded from the database"
            );
            Ok(())
        }
        Ok(false) => gate.unlock(&keys, &token).await,
        Err(err) => {
            let _ = gate.unlock(&keys, &token).await;
            Err(err)
        }
    }
}

/// Rebuild now (admin stock change, the reconcile endpoint).
pub async fn rebuild_redis(state: &AppState, sale_id: i64) -> anyhow::Result<()> {
    load_redis(state, sale_id, true).await
}

/// The database's view of a sale in one consistent read: closed order ids (already given back),
/// stock left and the per-user counts.
async fn snapshot(state: &AppState, sale_id: i64) -> anyhow::Result<(Snapshot, i32)> {
    let txn = match state.db.get_database_backend() {
        DatabaseBackend::Sqlite => state.db.begin().await?,
        _ => {
            state
                .db
                .begin_with_config(
                    Some(IsolationLevel::RepeatableRead),
                    Some(AccessMode::ReadOnly),
                )
                .await?
        }
    };
    let closed_orders = repo::closed_order_ids(&txn, sale_id).await?;
    let sale = repo::find_sale(&txn, sale_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("sale {sale_id} vanished"))?;
    let holders = repo::purchases(&txn, sale_id).await?;
    txn.commit().await?;
    Ok((
        Snapshot {
            stock_left: i64::from(sale.stock_left),
            holders,
            closed_orders,
        },
        sale.redis_dirty,
    ))
}

/// One round over the live sales: load missing keys, reclaim reservations whose lease lapsed
/// (their node died or stalled), rebuild sales whose stock moved without Redis.
pub async fn reconcile_once(state: &AppState) -> anyhow::Result<()> {
    let Some(gate) = &state.feature::<FlashSaleState>()?.redis else {
        return Ok(());
    };
    if !gate.redis.is_healthy() {
        return Ok(());
    }
    let now = Utc::now();
    let horizon = chrono::Duration::from_std(state.config.flash_sale.order_ttl)?
        + chrono::Duration::minutes(1);
    for sale in repo::sales_ending_after(&state.db, now - horizon).await? {
        let keys = SaleKeys::new(&sale.redis_tag);
        if !gate.exists(&keys).await? {
            // Warm the keys shortly before the start, so the first second does not load them.
            if sale.starts_at - now < chrono::Duration::minutes(10) {
                load_redis(state, sale.id, false).await?;
            }
            continue;
        }
        for member in gate.lapsed(&keys).await? {
            resolve_reservation(state, gate, sale.id, &keys, &member).await?;
        }
        if sale.redis_dirty > 0 {
            load_redis(state, sale.id, true).await?;
        }
    }
    Ok(())
}

/// The per-node reconciler: at start, then every `flash_sale_reconcile_interval_secs`.
pub async fn run_reconciler(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    if !state
        .feature::<FlashSaleState>()
        .is_ok_and(|sales| sales.redis.is_some())
    {
        return;
    }
    let every = state.config.flash_sale.reconcile_interval;
    loop {
        if *stop.borrow() {
            return;
        }
        if let Err(err) = reconcile_once(&state).await {
            tracing::warn!(error = %format!("{err:#}"), "flash sale: reconciliation round failed");
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            _ = stop.changed() => {}
        }
    }
}
