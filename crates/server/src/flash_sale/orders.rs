//! An order's life after it is placed: the buyer's view, paying (through payments), cancelling,
//! an admin's override and refund, and the one move that closes an order and gives its stock
//! back exactly once.

use chrono::{DateTime, Utc};
use sea_orm::TransactionTrait;
use serde_json::json;

use super::announce::{announce_order, announce_stock};
use super::expiry::{give_back_redis, GIVE_BACK_JOB};
use super::model::{order, AdminOrderView, OrderStatus, OrderView};
use super::repo;
use super::stock::FlashSaleState;
use crate::auth::guard::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::http::pagination::{Page, PageQuery};
use crate::payments::{
    self, Charge, PayParams, PaySubject, PaymentView, RefundInput, RefundView, Settled,
};
use crate::state::AppState;
use crate::store::jobs::{self, JobSpec};

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

/// 409: an order in `status` cannot be `done` (cancelled, paid).
fn refused(status: OrderStatus, done: &str) -> AppError {
    AppError::new(
        ErrorCode::OrderStateConflict,
        format!("a {status} order cannot be {done}"),
    )
}

/// [`refused`], naming the status the order has now (someone moved it meanwhile); `seen` when it
/// is gone.
async fn refused_now(
    state: &AppState,
    id: i64,
    seen: OrderStatus,
    done: &str,
) -> AppResult<AppError> {
    let now = repo::find_order(&state.db, id)
        .await?
        .map_or(seen, |o| o.status);
    Ok(refused(now, done))
}

pub async fn cancel_order(state: &AppState, user: &Principal, id: i64) -> AppResult<OrderView> {
    let order = own_order(state, user, id).await?;
    // An order being paid is closed at WeChat Pay first: once closed there nobody can pay it,
    // so its stock can go back. If it turns out paid, it stays paid.
    if order.status == OrderStatus::Created
        && payments::settle_before_close(state, FLASH_SALE_ORDER, id).await? == Settled::Paid
    {
        return Err(AppError::new(
            ErrorCode::OrderStateConflict,
            "a paid order cannot be cancelled",
        ));
    }
    if order.status != OrderStatus::Created
        || !close_order(state, id, OrderStatus::Cancelled).await?
    {
        return Err(refused_now(state, id, order.status, "cancelled").await?);
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
    let moved = repo::transition_from_created(&txn, id, OrderStatus::Paid, Utc::now()).await?;
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
        return Err(refused_now(state, id, order.status, "paid").await?);
    }
    let paid = repo::find_order(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("order"))?;
    announce_order(state, &paid);
    Ok(paid.into())
}

/// What a payment for a flash-sale order is (`payments.subject`).
pub const FLASH_SALE_ORDER: &str = "flash_sale_order";

/// How a payment for an order settles it: registered with payments at start-up.
pub const PAY_SUBJECT: PaySubject = PaySubject {
    name: FLASH_SALE_ORDER,
    fulfil: |txn, id, now| Box::pin(fulfil_paid(txn, id, now)),
    announce: |state, id| Box::pin(super::announce::announce_paid(state, id)),
};

/// The payment's move of an order to paid, in the payment's transaction: created -> paid, or
/// already paid (an admin override came first). False when the order was closed meanwhile.
pub(super) async fn fulfil_paid(
    txn: &sea_orm::DatabaseTransaction,
    id: i64,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    if repo::transition_from_created(txn, id, OrderStatus::Paid, now).await? {
        metrics::counter!("flash_sale_orders_paid_total").increment(1);
        return Ok(true);
    }
    Ok(repo::find_order(txn, id)
        .await?
        .is_some_and(|order| order.status == OrderStatus::Paid))
}

/// `POST /api/v1/flash-sale-orders/{id}/pay`: the caller's unpaid, unexpired order gets the
/// `wx.requestPayment` parameters.
pub async fn pay_order(state: &AppState, user: &Principal, id: i64) -> AppResult<PayParams> {
    let order = own_order(state, user, id).await?;
    if order.status != OrderStatus::Created {
        return Err(refused(order.status, "paid"));
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
pub async fn close_order(state: &AppState, id: i64, to: OrderStatus) -> AppResult<bool> {
    // Looked up before the transaction, so nothing can fail between the commit and the flags.
    let sales = state.feature::<FlashSaleState>()?;
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
    if sales.redis.is_some() {
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
    sales.flags.clear(order.sale_id);
    if sales.redis.is_some() {
        if let Err(err) = give_back_redis(state, &order).await {
            tracing::debug!(order = id, error = %format!("{err:#}"), "flash sale: Redis give-back deferred to its job");
        }
        state.jobs.wake();
    }
    metrics::counter!("flash_sale_orders_closed_total", "status" => to.as_str()).increment(1);
    announce_order(
        state,
        &order::Model {
            status: to,
            ..order.clone()
        },
    );
    if let Ok(Some(row)) = repo::find_sale(&state.db, order.sale_id).await {
        announce_stock(state, order.sale_id, i64::from(row.stock_left));
    }
    Ok(true)
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
