//! The rules of the flash sale: catalogue, ordering, the order state machine, expiry and the
//! reconciliation of Redis stock with the database.
//!
//! Ordering, in order of cost: the sale (cached) and its time window; the node's sold-out flag
//! (memory); the rate limits; with Redis, one atomic reservation script; then one database
//! transaction that starts with a write and holds the order, the per-user count, the expiry job
//! and the conditional stock update. The database decides: the Redis gate only keeps the losers
//! away from it.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use sea_orm::{
    AccessMode, ActiveValue::Set, ConnectionTrait, DatabaseBackend, IsolationLevel,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use validator::Validate;

use super::model::{order, product, sale, CANCELLED, CREATED, EXPIRED, PAID};
use super::repo;
use super::stock::{self, RedisStock, Reserve, SaleKeys, Snapshot, SoldOutFlags, LEASE_RENEWAL};
use crate::auth::guard::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::http::pagination::{Page, PageQuery};
use crate::payments::model::FLASH_SALE_ORDER;
use crate::payments::service::{
    self as payments, Charge, PayParams, PaymentView, RefundInput, RefundView, Settled,
};
use crate::realtime::{self, Channel};
use crate::state::AppState;
use crate::store::cache::CacheSpec;
use crate::store::jobs::{self, Handler, JobSpec};
use crate::store::json;
use crate::store::redis::Redis;

pub const EXPIRE_JOB: &str = "flash_sale.expire_order";
pub const GIVE_BACK_JOB: &str = "flash_sale.give_back_redis";

/// The sale as the order path needs it; invalidated on every admin change.
const SALES: CacheSpec = CacheSpec {
    namespace: "flash-sale",
    ttl: Duration::from_secs(5),
    shared: false,
};

/// How long a rebuild may hold a sale's Redis keys.
const LOCK_HOLD: Duration = Duration::from_secs(10);
/// How long an order waits for a rebuild to finish before giving up with a 503.
const BUSY_WAIT: Duration = Duration::from_secs(3);

/// This node's flash-sale machinery: the sold-out flags and, with Redis, the stock gate.
#[derive(Clone)]
pub struct FlashSaleState {
    pub flags: SoldOutFlags,
    pub redis: Option<RedisStock>,
}

impl FlashSaleState {
    pub fn new(redis: Option<Redis>) -> Self {
        Self {
            flags: SoldOutFlags::new(),
            redis: redis.map(RedisStock::new),
        }
    }
}

/// The job handlers of this feature.
pub fn jobs() -> Vec<(&'static str, Handler)> {
    vec![
        (EXPIRE_JOB, expire_job as Handler),
        (GIVE_BACK_JOB, give_back_job as Handler),
        (START_JOB, start_job as Handler),
    ]
}

/// Announces a sale's start on its realtime channel, at its start time.
const START_JOB: &str = "flash_sale.announce_start";

/// Schedule the start announcement (one per sale and start time; a moved start gets its own,
/// and the old one finds the time changed and says nothing).
async fn schedule_start(state: &AppState, id: i64, starts_at: DateTime<Utc>) -> AppResult<()> {
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

fn start_job(
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

// ---------------------------------------------------------------------------------------------
// Catalogue
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
pub struct Sku {
    /// Unique within the product, 1-64 characters.
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64)]
    pub code: String,
    /// E.g. "红色 / XL".
    #[validate(length(max = 128))]
    #[schema(max_length = 128)]
    #[serde(default)]
    pub name: String,
    #[validate(range(min = 0))]
    #[schema(minimum = 0)]
    pub price_cents: i64,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct ProductInput {
    #[validate(length(min = 1, max = 128))]
    #[schema(min_length = 1, max_length = 128)]
    pub name: String,
    #[validate(length(max = 10000))]
    #[schema(max_length = 10000)]
    #[serde(default)]
    pub description: String,
    /// List price in cents (分).
    #[validate(range(min = 0))]
    #[schema(minimum = 0)]
    pub price_cents: i64,
    /// Image URLs, at most 20.
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    #[serde(default)]
    pub images: Vec<String>,
    /// At most 100 SKUs with distinct codes.
    #[validate(length(max = 100), nested)]
    #[serde(default)]
    pub skus: Vec<Sku>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProductView {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub price_cents: i64,
    pub images: Vec<String>,
    pub skus: Vec<Sku>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<product::Model> for ProductView {
    type Error = AppError;

    fn try_from(row: product::Model) -> AppResult<Self> {
        Ok(Self {
            id: row.id,
            name: row.name,
            description: row.description,
            price_cents: row.price_cents,
            images: json::decode("products.images", row.id, &row.images)?,
            skus: json::decode("products.skus", row.id, &row.skus)?,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

fn check_product(input: &ProductInput) -> AppResult<(String, String)> {
    for (i, url) in input.images.iter().enumerate() {
        let ok = url.len() <= 512
            && url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
        if !ok {
            return Err(AppError::validation(
                &format!("images[{i}]"),
                "must be an http(s) URL of at most 512 characters",
            ));
        }
    }
    let mut codes = std::collections::HashSet::new();
    for (i, sku) in input.skus.iter().enumerate() {
        if !codes.insert(sku.code.as_str()) {
            return Err(AppError::validation(
                &format!("skus[{i}].code"),
                "is used twice",
            ));
        }
    }
    let images = serde_json::to_string(&input.images).map_err(AppError::internal)?;
    let skus = serde_json::to_string(&input.skus).map_err(AppError::internal)?;
    Ok((images, skus))
}

pub async fn create_product(state: &AppState, input: &ProductInput) -> AppResult<ProductView> {
    let (images, skus) = check_product(input)?;
    let now = Utc::now();
    let id = repo::insert_product(
        &state.db,
        product::ActiveModel {
            name: Set(input.name.clone()),
            description: Set(input.description.clone()),
            price_cents: Set(input.price_cents),
            images: Set(images),
            skus: Set(skus),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        },
    )
    .await?;
    get_product(state, id).await
}

pub async fn update_product(
    state: &AppState,
    id: i64,
    input: &ProductInput,
) -> AppResult<ProductView> {
    let (images, skus) = check_product(input)?;
    if repo::find_product(&state.db, id).await?.is_none() {
        return Err(AppError::not_found("product"));
    }
    repo::update_product(
        &state.db,
        product::ActiveModel {
            id: Set(id),
            name: Set(input.name.clone()),
            description: Set(input.description.clone()),
            price_cents: Set(input.price_cents),
            images: Set(images),
            skus: Set(skus),
            updated_at: Set(Utc::now()),
            ..Default::default()
        },
    )
    .await?;
    get_product(state, id).await
}

pub async fn get_product(state: &AppState, id: i64) -> AppResult<ProductView> {
    repo::find_product(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("product"))?
        .try_into()
}

pub async fn list_products(state: &AppState, page: &PageQuery) -> AppResult<Page<ProductView>> {
    let limit = page.limit();
    let before: Option<i64> = page.decode()?;
    let rows = repo::list_products(&state.db, before, u64::from(limit) + 1).await?;
    Page::from_rows(rows, limit, |p| p.id).try_map(ProductView::try_from)
}

pub async fn delete_product(state: &AppState, id: i64) -> AppResult<()> {
    match repo::delete_product(&state.db, id).await {
        Ok(true) => Ok(()),
        Ok(false) => Err(AppError::not_found("product")),
        Err(err) if repo::is_foreign_key(&err) => Err(AppError::conflict(
            ErrorCode::Conflict,
            "the product has flash sales; delete them first",
        )),
        Err(err) => Err(err.into()),
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct SaleInput {
    pub product_id: i64,
    /// One of the product's SKU codes, or absent for the product itself.
    pub sku_code: Option<String>,
    #[validate(length(min = 1, max = 128))]
    #[schema(min_length = 1, max_length = 128)]
    pub title: String,
    /// Sale price in cents (分).
    #[validate(range(min = 0))]
    #[schema(minimum = 0)]
    pub sale_price_cents: i64,
    /// Units for sale. On an update, the difference is added to (or taken from) what is left.
    #[validate(range(min = 0, max = 10000000))]
    #[schema(minimum = 0, maximum = 10000000)]
    pub stock: i32,
    /// Units one user may hold (live orders), 1-1000.
    #[validate(range(min = 1, max = 1000))]
    #[schema(minimum = 1, maximum = 1000)]
    pub per_user_limit: i32,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// False closes the sale at once (default true).
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

/// Where a sale stands, for a client's countdown and button.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SalePhase {
    Upcoming,
    Active,
    SoldOut,
    Ended,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SaleView {
    pub id: i64,
    pub product_id: i64,
    pub sku_code: Option<String>,
    pub title: String,
    pub sale_price_cents: i64,
    pub stock_total: i32,
    pub stock_left: i32,
    pub per_user_limit: i32,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub enabled: bool,
    pub phase: SalePhase,
    /// The product (on details; absent in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<ProductView>,
}

fn phase(row: &sale::Model, now: DateTime<Utc>) -> SalePhase {
    if !row.enabled || now >= row.ends_at {
        SalePhase::Ended
    } else if now < row.starts_at {
        SalePhase::Upcoming
    } else if row.stock_left <= 0 {
        SalePhase::SoldOut
    } else {
        SalePhase::Active
    }
}

fn sale_view(row: sale::Model, product: Option<ProductView>, now: DateTime<Utc>) -> SaleView {
    SaleView {
        phase: phase(&row, now),
        id: row.id,
        product_id: row.product_id,
        sku_code: row.sku_code,
        title: row.title,
        sale_price_cents: row.sale_price_cents,
        stock_total: row.stock_total,
        stock_left: row.stock_left,
        per_user_limit: row.per_user_limit,
        starts_at: row.starts_at,
        ends_at: row.ends_at,
        enabled: row.enabled,
        product,
    }
}

/// A page of sales with the server's clock, so clients count down against it and not their own.
#[derive(Debug, Serialize, ToSchema)]
pub struct SaleList {
    pub items: Vec<SaleView>,
    pub next_cursor: Option<String>,
    pub server_time: DateTime<Utc>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SaleDetail {
    #[serde(flatten)]
    pub sale: SaleView,
    pub server_time: DateTime<Utc>,
}

async fn check_sale_input(state: &AppState, input: &SaleInput) -> AppResult<()> {
    if input.ends_at <= input.starts_at {
        return Err(AppError::validation("ends_at", "must be after starts_at"));
    }
    let product = repo::find_product(&state.db, input.product_id)
        .await?
        .ok_or_else(|| AppError::validation("product_id", "no such product"))?;
    if let Some(code) = &input.sku_code {
        let skus: Vec<Sku> = json::decode("products.skus", product.id, &product.skus)?;
        if !skus.iter().any(|s| &s.code == code) {
            return Err(AppError::validation(
                "sku_code",
                "is not one of the product's SKUs",
            ));
        }
    }
    Ok(())
}

pub async fn create_sale(state: &AppState, input: &SaleInput) -> AppResult<SaleView> {
    check_sale_input(state, input).await?;
    let now = Utc::now();
    let id = repo::insert_sale(
        &state.db,
        sale::ActiveModel {
            product_id: Set(input.product_id),
            sku_code: Set(input.sku_code.clone()),
            title: Set(input.title.clone()),
            sale_price_cents: Set(input.sale_price_cents),
            stock_total: Set(input.stock),
            stock_left: Set(input.stock),
            per_user_limit: Set(input.per_user_limit),
            starts_at: Set(input.starts_at),
            ends_at: Set(input.ends_at),
            enabled: Set(input.enabled),
            redis_tag: Set(uuid::Uuid::new_v4().simple().to_string()),
            redis_dirty: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        },
    )
    .await?;
    schedule_start(state, id, input.starts_at).await?;
    admin_get_sale(state, id).await
}

pub async fn update_sale(state: &AppState, id: i64, input: &SaleInput) -> AppResult<SaleView> {
    check_sale_input(state, input).await?;
    let current = repo::find_sale(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("flash sale"))?;
    let delta = input.stock - current.stock_total;
    let current_starts_at = current.starts_at;
    let next = sale::Model {
        product_id: input.product_id,
        sku_code: input.sku_code.clone(),
        title: input.title.clone(),
        sale_price_cents: input.sale_price_cents,
        per_user_limit: input.per_user_limit,
        starts_at: input.starts_at,
        ends_at: input.ends_at,
        enabled: input.enabled,
        ..current
    };
    if !repo::update_sale(&state.db, &next, delta, Utc::now()).await? {
        return Err(AppError::conflict(
            ErrorCode::Conflict,
            "the stock cannot shrink below what is already sold",
        ));
    }
    state.cache.invalidate(&SALES, &id.to_string()).await;
    state.feature::<FlashSaleState>()?.flags.clear(id);
    if input.starts_at != current_starts_at {
        schedule_start(state, id, input.starts_at).await?;
    }
    if delta != 0 {
        // Redis follows the database now rather than at the next reconciliation round.
        if let Err(err) = rebuild_redis(state, id).await {
            tracing::warn!(sale = id, error = %format!("{err:#}"), "flash sale: Redis rebuild after a stock change failed; the reconciler retries");
        }
    }
    admin_get_sale(state, id).await
}

pub async fn delete_sale(state: &AppState, id: i64) -> AppResult<()> {
    if repo::sale_has_orders(&state.db, id).await? {
        return Err(AppError::conflict(
            ErrorCode::Conflict,
            "the sale has orders; disable it instead",
        ));
    }
    match repo::delete_sale(&state.db, id).await {
        Ok(true) => {
            state.cache.invalidate(&SALES, &id.to_string()).await;
            Ok(())
        }
        Ok(false) => Err(AppError::not_found("flash sale")),
        Err(err) if repo::is_foreign_key(&err) => Err(AppError::conflict(
            ErrorCode::Conflict,
            "the sale has orders; disable it instead",
        )),
        Err(err) => Err(err.into()),
    }
}

pub async fn admin_get_sale(state: &AppState, id: i64) -> AppResult<SaleView> {
    let row = repo::find_sale(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("flash sale"))?;
    let product = repo::find_product(&state.db, row.product_id)
        .await?
        .map(ProductView::try_from)
        .transpose()?;
    Ok(sale_view(row, product, Utc::now()))
}

/// Public list (enabled, not ended) or the admin's (all).
pub async fn list_sales(state: &AppState, page: &PageQuery, public: bool) -> AppResult<SaleList> {
    let limit = page.limit();
    let before: Option<i64> = page.decode()?;
    let now = Utc::now();
    // The public list tolerates lag (the replica may serve it); the admin's follows its writes.
    let db = if public { state.read_db() } else { &state.db };
    let rows = repo::list_sales(db, public.then_some(now), before, u64::from(limit) + 1).await?;
    let page = Page::from_rows(rows, limit, |s| s.id).map(|row| sale_view(row, None, now));
    Ok(SaleList {
        items: page.items,
        next_cursor: page.next_cursor,
        server_time: now,
    })
}

/// Public detail: the sale, its product, stock left and the server's clock.
pub async fn public_sale(state: &AppState, id: i64) -> AppResult<SaleDetail> {
    let view = admin_get_sale(state, id).await?;
    if !view.enabled {
        return Err(AppError::not_found("flash sale"));
    }
    Ok(SaleDetail {
        sale: view,
        server_time: Utc::now(),
    })
}

/// What an admin (and the benchmark) checks after a sale: orders and units by status, whether
/// the database's books balance, and whether Redis agrees with the database.
#[derive(Debug, Serialize, ToSchema)]
pub struct SaleStats {
    pub sale_id: i64,
    pub stock_total: i32,
    /// Units left in the database (the source of truth).
    pub stock_left: i32,
    /// Orders by status (created, paid, cancelled, expired).
    pub orders: std::collections::BTreeMap<String, i64>,
    /// Units by status.
    pub units: std::collections::BTreeMap<String, i64>,
    /// Units held by live orders (created + paid).
    pub units_sold: i64,
    /// The database's books balance: `stock_total = stock_left + units_sold`, and no more sold
    /// than the stock.
    pub books_consistent: bool,
    /// Redis's stock (several nodes); null without Redis, while it is unreachable, or before the
    /// sale's keys are loaded.
    pub redis_stock: Option<i64>,
    /// Units of Redis reservations whose lease is live: orders being written right now.
    pub redis_leased_units: Option<i64>,
    /// Units of Redis reservations whose lease lapsed (their node died or stalled) and that no
    /// node has reclaimed yet: held back from buyers although the database has them.
    pub redis_lapsed_units: Option<i64>,
    /// Redis agrees with the database: `stock_left - redis_leased_units <= redis_stock <=
    /// stock_left` (Redis is short by at most the orders being written, and never over). False
    /// while stock is held by a dead node's reservations or was not given back to Redis, or
    /// while Redis overstates the stock; null when `redis_stock` is.
    pub redis_consistent: Option<bool>,
    /// `books_consistent`, and `redis_consistent` is not false.
    pub consistent: bool,
    pub server_time: DateTime<Utc>,
}

pub async fn sale_stats(state: &AppState, id: i64) -> AppResult<SaleStats> {
    let tag = repo::find_sale(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("flash sale"))?
        .redis_tag;
    // Redis before the database: orders leave Redis first and the database second, so read in
    // this order a busy sale does not look inconsistent.
    let redis = match &state.feature::<FlashSaleState>()?.redis {
        Some(gate) if gate.redis.is_healthy() => {
            gate.inspect(&SaleKeys::new(&tag)).await.unwrap_or(None)
        }
        _ => None,
    };
    let row = repo::find_sale(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("flash sale"))?;
    let mut orders = std::collections::BTreeMap::new();
    let mut units = std::collections::BTreeMap::new();
    for status in [CREATED, PAID, CANCELLED, EXPIRED] {
        orders.insert(status.to_string(), 0);
        units.insert(status.to_string(), 0);
    }
    for (status, count, quantity) in repo::order_counts(&state.db, id).await? {
        orders.insert(status.clone(), count);
        units.insert(status, quantity);
    }
    let units_sold = units[CREATED] + units[PAID];
    let stock_left = i64::from(row.stock_left);
    let books_consistent = i64::from(row.stock_total) == stock_left + units_sold
        && units_sold <= i64::from(row.stock_total);
    let redis_consistent =
        redis.map(|r| stock_left - r.leased_units <= r.stock && r.stock <= stock_left);
    Ok(SaleStats {
        sale_id: id,
        stock_total: row.stock_total,
        stock_left: row.stock_left,
        orders,
        units,
        units_sold,
        books_consistent,
        redis_stock: redis.map(|r| r.stock),
        redis_leased_units: redis.map(|r| r.leased_units),
        redis_lapsed_units: redis.map(|r| r.lapsed_units),
        redis_consistent,
        consistent: books_consistent && redis_consistent != Some(false),
        server_time: Utc::now(),
    })
}

// ---------------------------------------------------------------------------------------------
// Ordering
// ---------------------------------------------------------------------------------------------

/// The sale as cached for the order path.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CachedSale {
    id: i64,
    sale_price_cents: i64,
    per_user_limit: i32,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    enabled: bool,
    redis_tag: String,
}

async fn cached_sale(state: &AppState, id: i64) -> AppResult<Arc<Option<CachedSale>>> {
    state
        .cache
        .get_or_load(&SALES, &id.to_string(), || async {
            Ok(repo::find_sale(&state.db, id).await?.map(|s| CachedSale {
                id: s.id,
                sale_price_cents: s.sale_price_cents,
                per_user_limit: s.per_user_limit,
                starts_at: s.starts_at,
                ends_at: s.ends_at,
                enabled: s.enabled,
                redis_tag: s.redis_tag,
            }))
        })
        .await
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OrderView {
    pub order_id: i64,
    pub sale_id: i64,
    pub quantity: i32,
    pub unit_price_cents: i64,
    pub total_cents: i64,
    /// created, paid, cancelled or expired.
    pub status: String,
    pub created_at: DateTime<Utc>,
    /// An unpaid order expires (and its stock goes back) at this time.
    pub expires_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

impl From<order::Model> for OrderView {
    fn from(row: order::Model) -> Self {
        Self {
            order_id: row.id,
            sale_id: row.sale_id,
            quantity: row.quantity,
            unit_price_cents: row.unit_price_cents,
            total_cents: row.total_cents,
            status: row.status,
            created_at: row.created_at,
            expires_at: row.expires_at,
            paid_at: row.paid_at,
            closed_at: row.closed_at,
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema, Validate)]
pub struct OrderInput {
    /// Units to buy (default 1), at most the sale's per-user limit.
    #[validate(range(min = 1, max = 1000))]
    #[schema(minimum = 1, maximum = 1000)]
    pub quantity: Option<i32>,
}

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
    let flags = &state.feature::<FlashSaleState>()?.flags;
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
    let gate = state
        .feature::<FlashSaleState>()?
        .redis
        .as_ref()
        .filter(|g| g.redis.is_healthy());
    let keys = SaleKeys::new(&sale.redis_tag);
    let mut reservation: Option<(String, String)> = None;
    let mut left_after: Option<i64> = None;
    let mut dirty = state.feature::<FlashSaleState>()?.redis.is_some();
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
        sale,
        user.id,
        quantity,
        key,
        reservation.as_ref().map(|r| r.0.as_str()),
        dirty,
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

/// Stock left on the sale's realtime channel, and `flash_sale.sold_out` when none is.
fn announce_stock(state: &AppState, sale_id: i64, left: i64) {
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
fn announce_order(state: &AppState, order: &order::Model) {
    let status = json!({ "order_id": order.id, "sale_id": order.sale_id, "status": order.status });
    realtime::publish(state, Channel::User(order.user_id), "order.status", status);
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

/// One transaction, starting with a write (SQLite takes its lock there): the order, the user's
/// count, the reservation's claim (with Redis), the expiry job, and last the contended stock
/// row, so its lock is held shortest.
async fn write_order(
    state: &AppState,
    sale: &CachedSale,
    user_id: i64,
    quantity: i32,
    key: Option<&str>,
    reservation: Option<&str>,
    dirty: bool,
) -> Result<order::Model, Refused> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match write_order_once(state, sale, user_id, quantity, key, reservation, dirty).await {
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

async fn write_order_once(
    state: &AppState,
    sale: &CachedSale,
    user_id: i64,
    quantity: i32,
    key: Option<&str>,
    reservation: Option<&str>,
    dirty: bool,
) -> Result<order::Model, Refused> {
    let now = Utc::now();
    let ttl = chrono::Duration::from_std(state.config.flash_sale.order_ttl)
        .map_err(AppError::internal)?;
    let row = order::ActiveModel {
        sale_id: Set(sale.id),
        user_id: Set(user_id),
        quantity: Set(quantity),
        unit_price_cents: Set(sale.sale_price_cents),
        total_cents: Set(sale.sale_price_cents * i64::from(quantity)),
        status: Set(CREATED.into()),
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
        status: CREATED.into(),
        idempotency_key: key.map(String::from),
        reservation: reservation.map(String::from),
        created_at: now,
        expires_at: now + ttl,
        paid_at: None,
        closed_at: None,
        updated_at: now,
    })
}

// ---------------------------------------------------------------------------------------------
// Orders
// ---------------------------------------------------------------------------------------------

pub async fn my_orders(
    state: &AppState,
    user: &Principal,
    page: &PageQuery,
) -> AppResult<Page<OrderView>> {
    let limit = page.limit();
    let before: Option<i64> = page.decode()?;
    let rows = repo::list_orders(&state.db, user.id, before, u64::from(limit) + 1).await?;
    Ok(Page::from_rows(rows, limit, |o| o.id).map(OrderView::from))
}

async fn own_order(state: &AppState, user: &Principal, id: i64) -> AppResult<order::Model> {
    match repo::find_order(&state.db, id).await? {
        Some(order) if order.user_id == user.id => Ok(order),
        _ => Err(AppError::not_found("order")),
    }
}

pub async fn my_order(state: &AppState, user: &Principal, id: i64) -> AppResult<OrderView> {
    own_order(state, user, id).await.map(OrderView::from)
}

pub async fn cancel_order(state: &AppState, user: &Principal, id: i64) -> AppResult<OrderView> {
    let order = own_order(state, user, id).await?;
    // An order being paid is closed at WeChat Pay first: once closed there nobody can pay it,
    // so its stock can go back. If it turns out paid, it stays paid.
    if order.status == CREATED
        && payments::settle_before_close(state, FLASH_SALE_ORDER, id).await? == Settled::Paid
    {
        return Err(AppError::new(
            ErrorCode::OrderStateConflict,
            "a paid order cannot be cancelled",
        ));
    }
    if order.status != CREATED || !close_order(state, id, CANCELLED).await? {
        let now = repo::find_order(&state.db, id)
            .await?
            .map(|o| o.status)
            .unwrap_or(order.status);
        return Err(AppError::new(
            ErrorCode::OrderStateConflict,
            format!("a {now} order cannot be cancelled"),
        ));
    }
    my_order(state, user, id).await
}

/// created -> paid by an admin's override (payments normally do it), recorded in the payment
/// event log with the admin's id.
pub async fn mark_paid(state: &AppState, admin_id: i64, id: i64) -> AppResult<OrderView> {
    let Some(order) = repo::find_order(&state.db, id).await? else {
        return Err(AppError::not_found("order"));
    };
    let txn = state.db.begin().await?;
    let moved = repo::transition_from_created(&txn, id, PAID, Utc::now()).await?;
    if moved {
        payments::record_override(&txn, FLASH_SALE_ORDER, id, admin_id).await?;
        tracing::warn!(
            order = id,
            admin = admin_id,
            "flash sale order marked paid by an admin override"
        );
    }
    txn.commit().await?;
    if !moved {
        let status = repo::find_order(&state.db, id)
            .await?
            .map(|o| o.status)
            .unwrap_or(order.status);
        return Err(AppError::new(
            ErrorCode::OrderStateConflict,
            format!("a {status} order cannot be paid"),
        ));
    }
    let paid = repo::find_order(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("order"))?;
    announce_order(state, &paid);
    Ok(paid.into())
}

/// After a payment made an order paid (committed): tell its buyer on the realtime channel.
pub async fn announce_paid(state: &AppState, id: i64) -> AppResult<()> {
    if let Some(order) = repo::find_order(&state.db, id).await? {
        announce_order(state, &order);
    }
    Ok(())
}

/// The payment's move of an order to paid, in the payment's transaction: created -> paid, or
/// already paid (an admin override came first). False when the order was closed meanwhile.
pub async fn fulfil_paid(
    txn: &sea_orm::DatabaseTransaction,
    id: i64,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    if repo::transition_from_created(txn, id, PAID, now).await? {
        metrics::counter!("flash_sale_orders_paid_total").increment(1);
        return Ok(true);
    }
    Ok(repo::find_order(txn, id)
        .await?
        .is_some_and(|order| order.status == PAID))
}

/// `POST /api/v1/flash-sale-orders/{id}/pay`: the caller's unpaid, unexpired order gets the
/// `wx.requestPayment` parameters.
pub async fn pay_order(state: &AppState, user: &Principal, id: i64) -> AppResult<PayParams> {
    let order = own_order(state, user, id).await?;
    if order.status != CREATED {
        return Err(AppError::new(
            ErrorCode::OrderStateConflict,
            format!("a {} order cannot be paid", order.status),
        ));
    }
    if order.expires_at <= Utc::now() {
        return Err(AppError::new(
            ErrorCode::OrderStateConflict,
            "the order expired before it was paid",
        ));
    }
    let title = repo::find_sale(&state.db, order.sale_id)
        .await?
        .map(|sale| sale.title)
        .unwrap_or_else(|| "Flash sale".to_string());
    payments::start(
        state,
        Charge {
            subject: FLASH_SALE_ORDER,
            subject_id: order.id,
            user_id: order.user_id,
            amount_cents: order.total_cents,
            description: format!("{title} x{}", order.quantity),
            expires_at: order.expires_at,
        },
    )
    .await
}

/// An admin refund of a paid order (no stock goes back: see docs/payments.md).
pub async fn refund_order(
    state: &AppState,
    admin_id: i64,
    id: i64,
    input: &RefundInput,
) -> AppResult<RefundView> {
    if repo::find_order(&state.db, id).await?.is_none() {
        return Err(AppError::not_found("order"));
    }
    payments::refund(state, admin_id, FLASH_SALE_ORDER, id, input).await
}

/// An order's payment, refunds and payment events (admins).
pub async fn order_payment(state: &AppState, id: i64) -> AppResult<PaymentView> {
    payments::view(state, FLASH_SALE_ORDER, id).await
}

/// Move a created order to `to` (cancelled or expired) and give its stock back, once: only the
/// caller whose conditional update changed the row gives anything back. False when the order
/// was no longer `created`.
pub async fn close_order(state: &AppState, id: i64, to: &str) -> AppResult<bool> {
    let now = Utc::now();
    let txn = state.db.begin().await?;
    if !repo::transition_from_created(&txn, id, to, now).await? {
        return Ok(false);
    }
    let Some(order) = repo::find_order(&txn, id).await? else {
        return Ok(false);
    };
    repo::give_stock(&txn, order.sale_id, order.quantity).await?;
    repo::remove_purchase(&txn, order.sale_id, order.user_id, order.quantity).await?;
    if state.feature::<FlashSaleState>()?.redis.is_some() {
        // Redis gets the units back by a job, so a crash right after the commit loses nothing.
        jobs::enqueue(
            &txn,
            JobSpec {
                kind: GIVE_BACK_JOB,
                run_at: now,
                dedupe_key: Some(&format!("order-give-back:{id}")),
                max_attempts: 50,
            },
            &json!({ "order_id": id }),
        )
        .await?;
    }
    txn.commit().await?;
    state
        .feature::<FlashSaleState>()?
        .flags
        .clear(order.sale_id);
    if state.feature::<FlashSaleState>()?.redis.is_some() {
        if let Err(err) = give_back_redis(state, &order).await {
            tracing::debug!(order = id, error = %format!("{err:#}"), "flash sale: Redis give-back deferred to its job");
        }
        state.jobs.wake();
    }
    metrics::counter!("flash_sale_orders_closed_total", "status" => to.to_string()).increment(1);
    announce_order(
        state,
        &order::Model {
            status: to.to_string(),
            ..order.clone()
        },
    );
    if let Ok(Some(row)) = repo::find_sale(&state.db, order.sale_id).await {
        announce_stock(state, order.sale_id, i64::from(row.stock_left));
    }
    Ok(true)
}

#[derive(Deserialize)]
struct OrderJob {
    order_id: i64,
}

fn expire_job(
    state: AppState,
    payload: serde_json::Value,
) -> BoxFuture<'static, anyhow::Result<()>> {
    Box::pin(async move {
        let job: OrderJob = serde_json::from_value(payload)?;
        let Some(order) = repo::find_order(&state.db, job.order_id).await? else {
            return Ok(());
        };
        if order.status != CREATED {
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
        close_order(&state, order.id, EXPIRED)
            .await
            .map_err(|err| anyhow::anyhow!("expiring order {}: {err}", order.id))?;
        Ok(())
    })
}

fn give_back_job(
    state: AppState,
    payload: serde_json::Value,
) -> BoxFuture<'static, anyhow::Result<()>> {
    Box::pin(async move {
        let job: OrderJob = serde_json::from_value(payload)?;
        let Some(order) = repo::find_order(&state.db, job.order_id).await? else {
            return Ok(());
        };
        give_back_redis(&state, &order).await
    })
}

/// Give a closed order's units back to Redis (idempotent per order id).
async fn give_back_redis(state: &AppState, order: &order::Model) -> anyhow::Result<()> {
    if order.status != CANCELLED && order.status != EXPIRED {
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

// ---------------------------------------------------------------------------------------------
// Reconciliation (Redis only)
// ---------------------------------------------------------------------------------------------

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

/// An order as the admin console lists it: the buyer too.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminOrderView {
    pub user_id: i64,
    #[serde(flatten)]
    pub order: OrderView,
}

/// A sale's orders, newest first (admins).
pub async fn sale_orders(
    state: &AppState,
    sale_id: i64,
    page: &PageQuery,
) -> AppResult<Page<AdminOrderView>> {
    let limit = page.limit();
    let before: Option<i64> = page.decode()?;
    let rows = repo::list_sale_orders(&state.db, sale_id, before, u64::from(limit) + 1).await?;
    Ok(
        Page::from_rows(rows, limit, |o| o.id).map(|row| AdminOrderView {
            user_id: row.user_id,
            order: OrderView::from(row),
        }),
    )
}
