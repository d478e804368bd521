//! The catalogue: products, sales (with their start announcement and Redis stock following
//! admin changes), the public and admin views of a sale, and its books.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use serde::{Deserialize, Serialize};

use super::announce::schedule_start;
use super::model::{
    product, sale, OrderStatus, ProductInput, ProductView, SaleDetail, SaleInput, SaleList,
    SalePhase, SaleStats, SaleView, Sku,
};
use super::reconcile::rebuild_redis;
use super::repo;
use super::stock::FlashSaleState;
use super::stock::SaleKeys;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::http::pagination::{Page, PageQuery};
use crate::state::AppState;
use crate::store::cache::CacheSpec;
use crate::store::json;

/// The sale as the order path needs it; invalidated on every admin change.
const SALES: CacheSpec = CacheSpec {
    namespace: "flash-sale",
    ttl: Duration::from_secs(5),
    shared: false,
};

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
pub(super) fn phase(row: &sale::Model, now: DateTime<Utc>) -> SalePhase {
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
    for status in [
        OrderStatus::Created,
        OrderStatus::Paid,
        OrderStatus::Cancelled,
        OrderStatus::Expired,
    ] {
        orders.insert(status.to_string(), 0);
        units.insert(status.to_string(), 0);
    }
    for (status, count, quantity) in repo::order_counts(&state.db, id).await? {
        orders.insert(status.clone(), count);
        units.insert(status, quantity);
    }
    let units_sold = units[OrderStatus::Created.as_str()] + units[OrderStatus::Paid.as_str()];
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

/// The sale as cached for the order path.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct CachedSale {
    pub(super) id: i64,
    pub(super) sale_price_cents: i64,
    pub(super) per_user_limit: i32,
    pub(super) starts_at: DateTime<Utc>,
    pub(super) ends_at: DateTime<Utc>,
    pub(super) enabled: bool,
    pub(super) redis_tag: String,
}

pub(super) async fn cached_sale(state: &AppState, id: i64) -> AppResult<Arc<Option<CachedSale>>> {
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
