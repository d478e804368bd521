//! Placing an order, in order of cost: the sale (cached) and its time window; the node's
//! sold-out flag (memory); the rate limits; with Redis, one atomic reservation script; then one
//! database transaction that starts with a write and holds the order, the per-user count, the
//! expiry job and the conditional stock update. The database decides: the Redis gate only keeps
//! the losers away from it.

use std::net::IpAddr;
use std::time::Duration;

use chrono::Utc;
use sea_orm::{ActiveValue::Set, TransactionTrait};
use serde_json::json;

use super::announce::{announce_order, announce_stock};
use super::catalogue::{cached_sale, phase, CachedSale};
use super::expiry::EXPIRE_JOB;
use super::model::{order, OrderInput, OrderStatus, OrderView, SalePhase};
use super::reconcile::load_redis;
use super::repo;
use super::stock::FlashSaleState;
use super::stock::{self, RedisStock, Reserve, SaleKeys, LEASE_RENEWAL};
use crate::auth::guard::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::AppState;
use crate::store::jobs::{self, JobSpec};

/// How long an order waits for a rebuild to finish before giving up with a 503.
const BUSY_WAIT: Duration = Duration::from_secs(3);

/// A new order, or the one an earlier request with the same Idempotency-Key made.
pub struct Placed {
    pub order: OrderView,
    pub replayed: bool,
}

fn sold_out() -> AppError {
    AppError::new(ErrorCode::SoldOut, "sold out")
}

fn over_limit(limit: i32) -> AppError {
    AppError::new(
        ErrorCode::OverLimit,
        format!("the limit is {limit} per user for this sale"),
    )
}

/// The answer for a retry: the order made under `key`, if it is this very request.
async fn replay(
    state: &AppState,
    user_id: i64,
    key: &str,
    sale_id: i64,
    quantity: i32,
) -> AppResult<Option<Placed>> {
    match repo::find_order_by_key(&state.db, user_id, key).await? {
        Some(order) if order.sale_id == sale_id && order.quantity == quantity => Ok(Some(Placed {
            order: order.into(),
            replayed: true,
        })),
        Some(_) => Err(AppError::new(
            ErrorCode::IdempotencyConflict,
            "this Idempotency-Key was used for another order",
        )),
        None => Ok(None),
    }
}

/// `POST /api/v1/flash-sales/{id}/orders`.
pub async fn place_order(
    state: &AppState,
    user: &Principal,
    sale_id: i64,
    input: &OrderInput,
    key: Option<&str>,
    ip: IpAddr,
) -> AppResult<Placed> {
    let quantity = input.quantity.unwrap_or(1);
    let outcome = attempt_order(state, user, sale_id, quantity, key, ip).await;
    match (outcome, key) {
        (Ok(placed), _) => Ok(placed),
        // A rejected retry of a request that did succeed gets its order back.
        (Err(err), Some(key))
            if matches!(
                err.code(),
                ErrorCode::SoldOut
                    | ErrorCode::OverLimit
                    | ErrorCode::SaleEnded
                    | ErrorCode::IdempotencyConflict
            ) =>
        {
            match replay(state, user.id, key, sale_id, quantity).await? {
                Some(placed) => Ok(placed),
                None if err.code() == ErrorCode::IdempotencyConflict => Err(AppError::internal(
                    anyhow::anyhow!("duplicate idempotency key without an order"),
                )),
                None => Err(err),
            }
        }
        (Err(err), _) => Err(err),
    }
}

async fn attempt_order(
    state: &AppState,
    user: &Principal,
    sale_id: i64,
    quantity: i32,
    key: Option<&str>,
    ip: IpAddr,
) -> AppResult<Placed> {
    let cached = cached_sale(state, sale_id).await?;
    let Some(sale) = cached.as_ref() else {
        return Err(AppError::not_found("flash sale"));
    };
    let now = Utc::now();
    if !sale.enabled || now >= sale.ends_at {
        return Err(AppError::new(ErrorCode::SaleEnded, "the sale has ended"));
    }
    if now < sale.starts_at {
        return Err(AppError::new(
            ErrorCode::SaleNotStarted,
            format!("the sale starts at {}", sale.starts_at.to_rfc3339()),
        ));
    }
    if quantity > sale.per_user_limit {
        return Err(over_limit(sale.per_user_limit));
    }
    let sales = state.feature::<FlashSaleState>()?;
    let flags = &sales.flags;
    if flags.is_sold_out(sale.id) {
        return Err(sold_out());
    }
    let limits = &state.config.flash_sale;
    state
        .limiter
        .hit("flash-order-user", &user.id.to_string(), limits.per_user)
        .await?;
    state
        .limiter
        .hit("flash-order-ip", &ip.to_string(), limits.per_ip)
        .await?;

    // With Redis: reserve first, so that only winners reach the database.
    let gate = sales.redis.as_ref().filter(|g| g.redis.is_healthy());
    let keys = SaleKeys::new(&sale.redis_tag);
    let mut reservation: Option<(String, String)> = None;
    let mut left_after: Option<i64> = None;
    let mut dirty = sales.redis.is_some();
    if let Some(gate) = gate {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let member = stock::pending_member(&id, user.id, quantity);
        match reserve(state, gate, sale, &keys, user.id, quantity, &member).await {
            Ok(Reserve::Ok(left)) => {
                left_after = Some(left);
                reservation = Some((id, member));
                dirty = false;
            }
            Ok(Reserve::SoldOut(left)) => {
                if left <= 0 && !flags.is_sold_out(sale.id) {
                    flags.mark(sale.id);
                    announce_stock(state, sale.id, 0);
                }
                return Err(sold_out());
            }
            Ok(Reserve::OverLimit) => return Err(over_limit(sale.per_user_limit)),
            Ok(Reserve::Busy | Reserve::NotLoaded) => {
                return Err(AppError::new(
                    ErrorCode::Unavailable,
                    "the sale's stock is being reloaded; retry in a moment",
                ))
            }
            // Redis failed: the database alone still decides correctly; the sale is marked so
            // the reconciler brings Redis back in line.
            Err(err) => {
                tracing::warn!(sale = sale.id, error = %format!("{err:#}"), "flash sale: Redis reservation failed; ordering through the database only");
            }
        }
    }

    let write = write_order(
        state,
        Draft {
            sale,
            user_id: user.id,
            quantity,
            key,
            reservation: reservation.as_ref().map(|r| r.0.as_str()),
            dirty,
        },
    );
    let written = match (gate, &reservation) {
        (Some(gate), Some((_, member))) => holding_lease(gate, &keys, member, write).await,
        _ => write.await,
    };
    if let (Some(gate), Some((_, member))) = (gate, &reservation) {
        // Best effort: a reservation left behind is settled or reclaimed by the reconciler.
        let result = match &written {
            Ok(_) => gate.settle(&keys, member).await,
            // The commit's answer was lost: only the database knows whether the order exists,
            // so the lease is left to lapse and the reconciler asks it.
            Err(Refused::Uncertain(_)) => Ok(()),
            Err(_) => gate
                .release(&keys, member, user.id, quantity)
                .await
                .map(|_| ()),
        };
        if let Err(err) = result {
            tracing::warn!(sale = sale.id, error = %format!("{err:#}"), "flash sale: could not settle a reservation; the reconciler will");
        }
    }
    match written {
        Ok(order) => {
            // The stock was there: whatever this node believed before is out of date.
            flags.clear(sale.id);
            announce_order(state, &order);
            let left = match left_after {
                Some(left) => Some(left),
                // Without Redis the conditional update does not say what is left.
                None => repo::find_sale(&state.db, sale.id)
                    .await
                    .ok()
                    .flatten()
                    .map(|row| i64::from(row.stock_left)),
            };
            if let Some(left) = left {
                announce_stock(state, sale.id, left);
            }
            Ok(Placed {
                order: order.into(),
                replayed: false,
            })
        }
        Err(Refused::Duplicate) => Err(AppError::new(
            ErrorCode::IdempotencyConflict,
            "this Idempotency-Key was already used",
        )),
        Err(Refused::OverLimit) => Err(over_limit(sale.per_user_limit)),
        Err(Refused::NoStock) => Err(why_no_stock(state, sale.id, quantity).await?),
        Err(Refused::Reclaimed) => Err(AppError::new(
            ErrorCode::Unavailable,
            "the order took too long and its reservation lapsed; retry",
        )),
        Err(Refused::Error(err) | Refused::Uncertain(err)) => Err(err),
    }
}
/// Run `write` (the order's transaction) while renewing the reservation's lease, so that no node
/// reclaims the units of an order that is still being written. Should the lease be lost anyway
/// (this node stalled for longer than the lease), the write goes on and the database refuses it.
async fn holding_lease<T>(
    gate: &RedisStock,
    keys: &SaleKeys,
    member: &str,
    write: impl std::future::Future<Output = T>,
) -> T {
    let renew = async {
        loop {
            tokio::time::sleep(LEASE_RENEWAL).await;
            // An error is retried at the next tick: the database decides in any case.
            if let Ok(false) = gate.renew(keys, member).await {
                return;
            }
        }
    };
    tokio::pin!(write);
    tokio::select! {
        written = &mut write => return written,
        () = renew => {}
    }
    write.await
}

/// Reserve in Redis, loading the keys when missing and waiting out a rebuild.
async fn reserve(
    state: &AppState,
    gate: &RedisStock,
    sale: &CachedSale,
    keys: &SaleKeys,
    user_id: i64,
    quantity: i32,
    member: &str,
) -> anyhow::Result<Reserve> {
    let started = std::time::Instant::now();
    loop {
        let answer = gate
            .reserve(keys, user_id, quantity, sale.per_user_limit, member)
            .await?;
        match answer {
            Reserve::NotLoaded if started.elapsed() < BUSY_WAIT => {
                load_redis(state, sale.id, false).await?;
            }
            Reserve::Busy if started.elapsed() < BUSY_WAIT => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            other => return Ok(other),
        }
    }
}

/// Why the conditional stock update took nothing.
async fn why_no_stock(state: &AppState, sale_id: i64, quantity: i32) -> AppResult<AppError> {
    let Some(row) = repo::find_sale(&state.db, sale_id).await? else {
        return Ok(AppError::not_found("flash sale"));
    };
    let now = Utc::now();
    Ok(match phase(&row, now) {
        SalePhase::Ended => AppError::new(ErrorCode::SaleEnded, "the sale has ended"),
        SalePhase::Upcoming => AppError::new(
            ErrorCode::SaleNotStarted,
            format!("the sale starts at {}", row.starts_at.to_rfc3339()),
        ),
        SalePhase::SoldOut => {
            state.feature::<FlashSaleState>()?.flags.mark(sale_id);
            sold_out()
        }
        SalePhase::Active if row.stock_left < quantity => {
            AppError::new(ErrorCode::SoldOut, format!("only {} left", row.stock_left))
        }
        // The cached window was stale and the sale changed meanwhile.
        SalePhase::Active => AppError::new(
            ErrorCode::Unavailable,
            "the sale changed while ordering; retry",
        ),
    })
}

enum Refused {
    Duplicate,
    OverLimit,
    NoStock,
    /// A node reclaimed the reservation (its lease lapsed) before this order claimed it.
    Reclaimed,
    /// Rolled back: nothing was written.
    Error(AppError),
    /// The commit failed without saying whether it happened.
    Uncertain(AppError),
}

impl From<sea_orm::DbErr> for Refused {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::Error(err.into())
    }
}

impl From<AppError> for Refused {
    fn from(err: AppError) -> Self {
        Self::Error(err)
    }
}

/// The order about to be written.
#[derive(Clone, Copy)]
struct Draft<'a> {
    sale: &'a CachedSale,
    user_id: i64,
    quantity: i32,
    key: Option<&'a str>,
    /// The Redis reservation it claims (with Redis).
    reservation: Option<&'a str>,
    /// Taken without Redis: the Redis copy of the stock goes stale.
    dirty: bool,
}

/// One transaction, starting with a write (SQLite takes its lock there): the order, the user's
/// count, the reservation's claim (with Redis), the expiry job, and last the contended stock
/// row, so its lock is held shortest.
async fn write_order(state: &AppState, draft: Draft<'_>) -> Result<order::Model, Refused> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match write_order_once(state, draft).await {
            Err(Refused::Error(err)) if attempt < 3 && is_deadlock(&err) => {
                tokio::time::sleep(Duration::from_millis(5 * attempt)).await;
            }
            other => return other,
        }
    }
}

fn is_deadlock(err: &AppError) -> bool {
    err.db_error()
        .is_some_and(crate::store::db::is_lock_conflict)
}

async fn write_order_once(state: &AppState, draft: Draft<'_>) -> Result<order::Model, Refused> {
    let Draft {
        sale,
        user_id,
        quantity,
        key,
        reservation,
        dirty,
    } = draft;
    let now = Utc::now();
    let ttl = chrono::Duration::from_std(state.config.flash_sale.order_ttl)
        .map_err(AppError::internal)?;
    let row = order::ActiveModel {
        sale_id: Set(sale.id),
        user_id: Set(user_id),
        quantity: Set(quantity),
        unit_price_cents: Set(sale.sale_price_cents),
        total_cents: Set(sale.sale_price_cents * i64::from(quantity)),
        status: Set(OrderStatus::Created),
        idempotency_key: Set(key.map(String::from)),
        reservation: Set(reservation.map(String::from)),
        created_at: Set(now),
        expires_at: Set(now + ttl),
        paid_at: Set(None),
        closed_at: Set(None),
        updated_at: Set(now),
        ..Default::default()
    };
    let txn = state.db.begin().await?;
    let id = match repo::insert_order(&txn, row).await {
        Ok(id) => id,
        Err(err) if repo::is_duplicate(&err) => return Err(Refused::Duplicate),
        Err(err) => return Err(err.into()),
    };
    if !repo::add_purchase(&txn, sale.id, user_id, quantity, sale.per_user_limit).await? {
        return Err(Refused::OverLimit);
    }
    if let Some(reservation) = reservation {
        // The claim excludes a reclaim of the same reservation: one of the two commits.
        match repo::claim_for_order(&txn, reservation, sale.id, now).await {
            Ok(()) => {}
            Err(err) if repo::is_duplicate(&err) => return Err(Refused::Reclaimed),
            Err(err) => return Err(err.into()),
        }
    }
    jobs::enqueue(
        &txn,
        JobSpec {
            kind: EXPIRE_JOB,
            run_at: now + ttl,
            dedupe_key: Some(&format!("order-expiry:{id}")),
            max_attempts: 30,
        },
        &json!({ "order_id": id }),
    )
    .await?;
    if !repo::take_stock(&txn, sale.id, quantity, now, dirty).await? {
        return Err(Refused::NoStock);
    }
    txn.commit().await.map_err(|err| {
        let err = AppError::from(err);
        // A deadlock reported at commit is a refusal; anything else may have committed.
        if is_deadlock(&err) {
            Refused::Error(err)
        } else {
            Refused::Uncertain(err)
        }
    })?;
    Ok(order::Model {
        id,
        sale_id: sale.id,
        user_id,
        quantity,
        unit_price_cents: sale.sale_price_cents,
        total_cents: sale.sale_price_cents * i64::from(quantity),
        status: OrderStatus::Created,
        idempotency_key: key.map(String::from),
        reservation: reservation.map(String::from),
        created_at: now,
        expires_at: now + ttl,
        paid_at: None,
        closed_at: None,
        updated_at: now,
    })
}
