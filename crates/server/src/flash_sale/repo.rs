//! Every query of the flash sale. Stock and per-user counts change only through conditional
//! updates, so that concurrent buyers on any number of nodes can never take more than there is.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, SqlErr, TransactionTrait,
};

use super::model::{order, product, purchase, reservation, sale, OrderStatus, ReservationOutcome};
use crate::store::keyset::newest_first;

/// True when `err` is a unique-constraint violation (a duplicate key).
pub fn is_duplicate(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// True when `err` is a foreign-key violation (a row still referenced, or a missing parent).
/// SQLite reports ON DELETE RESTRICT with a code SeaORM does not map, hence the message check.
pub fn is_foreign_key(err: &DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(SqlErr::ForeignKeyConstraintViolation(_))
    ) || err.to_string().contains("FOREIGN KEY constraint failed")
}

// ---- products ----

pub async fn insert_product(
    db: &impl ConnectionTrait,
    row: product::ActiveModel,
) -> Result<i64, DbErr> {
    Ok(product::Entity::insert(row).exec(db).await?.last_insert_id)
}

pub async fn update_product(
    db: &impl ConnectionTrait,
    row: product::ActiveModel,
) -> Result<(), DbErr> {
    product::Entity::update(row).exec(db).await.map(|_| ())
}

pub async fn find_product(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<product::Model>, DbErr> {
    product::Entity::find_by_id(id).one(db).await
}

pub async fn list_products(
    db: &impl ConnectionTrait,
    before_id: Option<i64>,
    limit: u64,
) -> Result<Vec<product::Model>, DbErr> {
    newest_first(
        product::Entity::find(),
        product::Column::Id,
        before_id,
        limit,
    )
    .all(db)
    .await
}

pub async fn delete_product(db: &impl ConnectionTrait, id: i64) -> Result<bool, DbErr> {
    Ok(product::Entity::delete_by_id(id)
        .exec(db)
        .await?
        .rows_affected
        > 0)
}

// ---- sales ----

pub async fn insert_sale(db: &impl ConnectionTrait, row: sale::ActiveModel) -> Result<i64, DbErr> {
    Ok(sale::Entity::insert(row).exec(db).await?.last_insert_id)
}

pub async fn find_sale(db: &impl ConnectionTrait, id: i64) -> Result<Option<sale::Model>, DbErr> {
    sale::Entity::find_by_id(id).one(db).await
}

/// Newest first. `visible_at`: only enabled sales that have not ended by then (the public list).
pub async fn list_sales(
    db: &impl ConnectionTrait,
    visible_at: Option<DateTime<Utc>>,
    before_id: Option<i64>,
    limit: u64,
) -> Result<Vec<sale::Model>, DbErr> {
    let mut query = sale::Entity::find();
    if let Some(now) = visible_at {
        query = query
            .filter(sale::Column::Enabled.eq(true))
            .filter(sale::Column::EndsAt.gt(now));
    }
    newest_first(query, sale::Column::Id, before_id, limit)
        .all(db)
        .await
}

/// Sales whose Redis stock may still move: not ended before `since`.
pub async fn sales_ending_after(
    db: &impl ConnectionTrait,
    since: DateTime<Utc>,
) -> Result<Vec<sale::Model>, DbErr> {
    sale::Entity::find()
        .filter(sale::Column::EndsAt.gt(since))
        .order_by_asc(sale::Column::Id)
        .all(db)
        .await
}

/// Write the sale's editable fields; `stock_delta` moves total and left together, refused (false)
/// when it would take `stock_left` below zero. A stock change marks the Redis copy dirty.
pub async fn update_sale(
    db: &impl ConnectionTrait,
    row: &sale::Model,
    stock_delta: i32,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut update = sale::Entity::update_many()
        .col_expr(sale::Column::ProductId, Expr::value(row.product_id))
        .col_expr(sale::Column::SkuCode, Expr::value(row.sku_code.clone()))
        .col_expr(sale::Column::Title, Expr::value(row.title.clone()))
        .col_expr(
            sale::Column::SalePriceCents,
            Expr::value(row.sale_price_cents),
        )
        .col_expr(sale::Column::PerUserLimit, Expr::value(row.per_user_limit))
        .col_expr(sale::Column::StartsAt, Expr::value(row.starts_at))
        .col_expr(sale::Column::EndsAt, Expr::value(row.ends_at))
        .col_expr(sale::Column::Enabled, Expr::value(row.enabled))
        .col_expr(sale::Column::UpdatedAt, Expr::value(now))
        .filter(sale::Column::Id.eq(row.id));
    if stock_delta != 0 {
        update = update
            .col_expr(
                sale::Column::StockTotal,
                Expr::col(sale::Column::StockTotal).add(stock_delta),
            )
            .col_expr(
                sale::Column::StockLeft,
                Expr::col(sale::Column::StockLeft).add(stock_delta),
            )
            .col_expr(
                sale::Column::RedisDirty,
                Expr::col(sale::Column::RedisDirty).add(1),
            )
            .filter(sale::Column::StockLeft.gte(-stock_delta));
    }
    Ok(update.exec(db).await?.rows_affected == 1)
}

pub async fn delete_sale(db: &impl ConnectionTrait, id: i64) -> Result<bool, DbErr> {
    Ok(sale::Entity::delete_by_id(id).exec(db).await?.rows_affected > 0)
}

/// Take `quantity` units if the sale is open at `now` and has them. The one statement that
/// decides who gets stock; `dirty` also marks the Redis copy stale (taken without Redis).
pub async fn take_stock(
    db: &impl ConnectionTrait,
    sale_id: i64,
    quantity: i32,
    now: DateTime<Utc>,
    dirty: bool,
) -> Result<bool, DbErr> {
    let mut update = sale::Entity::update_many()
        .col_expr(
            sale::Column::StockLeft,
            Expr::col(sale::Column::StockLeft).sub(quantity),
        )
        .filter(sale::Column::Id.eq(sale_id))
        .filter(sale::Column::StockLeft.gte(quantity))
        .filter(sale::Column::Enabled.eq(true))
        .filter(sale::Column::StartsAt.lte(now))
        .filter(sale::Column::EndsAt.gt(now));
    if dirty {
        update = update.col_expr(
            sale::Column::RedisDirty,
            Expr::col(sale::Column::RedisDirty).add(1),
        );
    }
    Ok(update.exec(db).await?.rows_affected == 1)
}

/// Give `quantity` units back (an order expired or was cancelled).
pub async fn give_stock(
    db: &impl ConnectionTrait,
    sale_id: i64,
    quantity: i32,
) -> Result<(), DbErr> {
    sale::Entity::update_many()
        .col_expr(
            sale::Column::StockLeft,
            Expr::col(sale::Column::StockLeft).add(quantity),
        )
        .filter(sale::Column::Id.eq(sale_id))
        .exec(db)
        .await
        .map(|_| ())
}

/// Clear the dirty mark, unless stock moved without Redis again since `seen` was read.
pub async fn clear_dirty(db: &impl ConnectionTrait, sale_id: i64, seen: i32) -> Result<(), DbErr> {
    sale::Entity::update_many()
        .col_expr(sale::Column::RedisDirty, Expr::value(0))
        .filter(sale::Column::Id.eq(sale_id))
        .filter(sale::Column::RedisDirty.eq(seen))
        .exec(db)
        .await
        .map(|_| ())
}

// ---- per-user counts ----

/// Add `quantity` to the user's units in the sale unless that passes `limit` (false then).
pub async fn add_purchase(
    db: &impl ConnectionTrait,
    sale_id: i64,
    user_id: i64,
    quantity: i32,
    limit: i32,
) -> Result<bool, DbErr> {
    purchase::Entity::insert(purchase::ActiveModel {
        sale_id: Set(sale_id),
        user_id: Set(user_id),
        count: Set(0),
    })
    .on_conflict(
        OnConflict::columns([purchase::Column::SaleId, purchase::Column::UserId])
            // MySQL has no DO NOTHING; this renders a no-op update there.
            .do_nothing_on([purchase::Column::SaleId])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    let result = purchase::Entity::update_many()
        .col_expr(
            purchase::Column::Count,
            Expr::col(purchase::Column::Count).add(quantity),
        )
        .filter(purchase::Column::SaleId.eq(sale_id))
        .filter(purchase::Column::UserId.eq(user_id))
        .filter(purchase::Column::Count.lte(limit - quantity))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn remove_purchase(
    db: &impl ConnectionTrait,
    sale_id: i64,
    user_id: i64,
    quantity: i32,
) -> Result<(), DbErr> {
    purchase::Entity::update_many()
        .col_expr(
            purchase::Column::Count,
            Expr::col(purchase::Column::Count).sub(quantity),
        )
        .filter(purchase::Column::SaleId.eq(sale_id))
        .filter(purchase::Column::UserId.eq(user_id))
        .exec(db)
        .await
        .map(|_| ())
}

/// (user, units) of everyone holding units in the sale.
pub async fn purchases(db: &impl ConnectionTrait, sale_id: i64) -> Result<Vec<(i64, i32)>, DbErr> {
    purchase::Entity::find()
        .select_only()
        .column(purchase::Column::UserId)
        .column(purchase::Column::Count)
        .filter(purchase::Column::SaleId.eq(sale_id))
        .filter(purchase::Column::Count.gt(0))
        .into_tuple()
        .all(db)
        .await
}

// ---- orders ----

pub async fn insert_order(
    db: &impl ConnectionTrait,
    row: order::ActiveModel,
) -> Result<i64, DbErr> {
    Ok(order::Entity::insert(row).exec(db).await?.last_insert_id)
}

pub async fn find_order(db: &impl ConnectionTrait, id: i64) -> Result<Option<order::Model>, DbErr> {
    order::Entity::find_by_id(id).one(db).await
}

pub async fn find_order_by_key(
    db: &impl ConnectionTrait,
    user_id: i64,
    key: &str,
) -> Result<Option<order::Model>, DbErr> {
    order::Entity::find()
        .filter(order::Column::UserId.eq(user_id))
        .filter(order::Column::IdempotencyKey.eq(key))
        .one(db)
        .await
}

// ---- reservation outcomes ----

async fn insert_outcome(
    db: &impl ConnectionTrait,
    reservation_id: &str,
    sale_id: i64,
    outcome: ReservationOutcome,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    reservation::Entity::insert(reservation::ActiveModel {
        reservation: Set(reservation_id.to_string()),
        sale_id: Set(sale_id),
        outcome: Set(outcome),
        created_at: Set(now),
    })
    .exec_without_returning(db)
    .await
    .map(|_| ())
}

/// Claim `reservation_id` for the order being written in `txn`. A duplicate key (see
/// [`is_duplicate`]) means a node reclaimed the reservation first: the order must not commit.
pub async fn claim_for_order(
    txn: &impl ConnectionTrait,
    reservation_id: &str,
    sale_id: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    insert_outcome(
        txn,
        reservation_id,
        sale_id,
        ReservationOutcome::Ordered,
        now,
    )
    .await
}

/// What a reservation turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Its order committed: the units are sold.
    Ordered,
    /// Voided: its order can never commit, the units may go back.
    Reclaimed,
    /// An open transaction of its order holds the claim (the order is being written right now,
    /// or its connection is stuck): ask again later.
    Undecided,
}

/// How long voiding waits for an open order transaction that holds the reservation.
const VOID_LOCK_WAIT_SECS: u32 = 2;

/// Void `reservation_id` unless its order claimed it first; either way the answer is final
/// (except [`Outcome::Undecided`]). Waits at most about two seconds for an order transaction
/// that holds the claim, so a stuck connection cannot stall the caller.
pub async fn void_reservation(
    db: &DatabaseConnection,
    reservation_id: &str,
    sale_id: i64,
    now: DateTime<Utc>,
) -> Result<Outcome, DbErr> {
    let backend = db.get_database_backend();
    let txn = db.begin().await?;
    match backend {
        DatabaseBackend::Postgres => {
            txn.execute_unprepared(&format!(
                "SET LOCAL lock_timeout = '{VOID_LOCK_WAIT_SECS}s'"
            ))
            .await?;
        }
        DatabaseBackend::MySql => {
            txn.execute_unprepared(&format!(
                "SET SESSION innodb_lock_wait_timeout = {VOID_LOCK_WAIT_SECS}"
            ))
            .await?;
        }
        // SQLite waits for the write lock up to its busy timeout.
        DatabaseBackend::Sqlite => {}
    }
    let inserted = insert_outcome(
        &txn,
        reservation_id,
        sale_id,
        ReservationOutcome::Reclaimed,
        now,
    )
    .await;
    if backend == DatabaseBackend::MySql {
        // The connection goes back to the pool: orders keep the server's own wait.
        txn.execute_unprepared("SET SESSION innodb_lock_wait_timeout = DEFAULT")
            .await?;
    }
    match inserted {
        Ok(()) => {
            txn.commit().await?;
            Ok(Outcome::Reclaimed)
        }
        Err(err) if is_duplicate(&err) => {
            txn.rollback().await?;
            let row = reservation::Entity::find_by_id(reservation_id.to_string())
                .one(db)
                .await?;
            Ok(match row {
                Some(row) if row.outcome == ReservationOutcome::Ordered => Outcome::Ordered,
                Some(_) => Outcome::Reclaimed,
                // Gone between the two statements: only possible if rows are deleted by hand.
                None => Outcome::Undecided,
            })
        }
        Err(err) if is_lock_wait(&err) => {
            txn.rollback().await?;
            Ok(Outcome::Undecided)
        }
        Err(err) => Err(err),
    }
}

/// True when `err` says a lock was not granted in time (PostgreSQL's `lock_timeout`, MySQL's
/// `innodb_lock_wait_timeout`, SQLite's busy timeout).
fn is_lock_wait(err: &DbErr) -> bool {
    let text = err.to_string().to_ascii_lowercase();
    text.contains("lock timeout")
        || text.contains("lock wait timeout")
        || text.contains("database is locked")
}

/// The user's orders, newest first, keyset by id.
pub async fn list_orders(
    db: &impl ConnectionTrait,
    user_id: i64,
    before_id: Option<i64>,
    limit: u64,
) -> Result<Vec<order::Model>, DbErr> {
    let query = order::Entity::find().filter(order::Column::UserId.eq(user_id));
    newest_first(query, order::Column::Id, before_id, limit)
        .all(db)
        .await
}

/// Move a `created` order to `status`; false when it is no longer `created` (someone else
/// moved it first: this is what makes expiry and cancellation give stock back once).
pub async fn transition_from_created(
    db: &impl ConnectionTrait,
    id: i64,
    status: OrderStatus,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut update = order::Entity::update_many()
        .col_expr(order::Column::Status, Expr::value(status))
        .col_expr(order::Column::UpdatedAt, Expr::value(now))
        .filter(order::Column::Id.eq(id))
        .filter(order::Column::Status.eq(OrderStatus::Created));
    update = if status == OrderStatus::Paid {
        update.col_expr(order::Column::PaidAt, Expr::value(now))
    } else {
        update.col_expr(order::Column::ClosedAt, Expr::value(now))
    };
    Ok(update.exec(db).await?.rows_affected == 1)
}

/// Ids of the sale's orders whose stock went back (expired or cancelled).
pub async fn closed_order_ids(db: &impl ConnectionTrait, sale_id: i64) -> Result<Vec<i64>, DbErr> {
    order::Entity::find()
        .select_only()
        .column(order::Column::Id)
        .filter(order::Column::SaleId.eq(sale_id))
        .filter(order::Column::Status.is_in([OrderStatus::Expired, OrderStatus::Cancelled]))
        .into_tuple()
        .all(db)
        .await
}

/// (status, orders, units) of a sale.
pub async fn order_counts(
    db: &impl ConnectionTrait,
    sale_id: i64,
) -> Result<Vec<(String, i64, i64)>, DbErr> {
    let rows: Vec<(String, i64, Option<i64>)> = order::Entity::find()
        .select_only()
        .column(order::Column::Status)
        .column_as(Expr::col(order::Column::Id).count(), "orders")
        .column_as(
            Expr::col(order::Column::Quantity)
                .sum()
                .cast_as(sea_orm::sea_query::Alias::new(
                    match db.get_database_backend() {
                        sea_orm::DatabaseBackend::MySql => "SIGNED",
                        _ => "BIGINT",
                    },
                )),
            "units",
        )
        .filter(order::Column::SaleId.eq(sale_id))
        .group_by(order::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(status, orders, units)| (status, orders, units.unwrap_or(0)))
        .collect())
}

pub async fn sale_has_orders(db: &impl ConnectionTrait, sale_id: i64) -> Result<bool, DbErr> {
    Ok(order::Entity::find()
        .filter(order::Column::SaleId.eq(sale_id))
        .count(db)
        .await?
        > 0)
}

/// A sale's orders, newest first, keyset by id (the admin console).
pub async fn list_sale_orders(
    db: &impl ConnectionTrait,
    sale_id: i64,
    before_id: Option<i64>,
    limit: u64,
) -> Result<Vec<order::Model>, DbErr> {
    let query = order::Entity::find().filter(order::Column::SaleId.eq(sale_id));
    newest_first(query, order::Column::Id, before_id, limit)
        .all(db)
        .await
}
