//! Every query of payments. A payment moves out of `pending` only by a conditional update, and a
//! notification is claimed by inserting its id under a unique index: of any number of nodes and
//! paths (notification, retry, active query) one wins, and only the winner acts.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, QueryOrder,
};

use super::model::{event, payment, refund, EventKind, PaymentStatus, RefundStatus};
use crate::store::db::insert_unless_duplicate;

pub async fn find(db: &impl ConnectionTrait, id: i64) -> Result<Option<payment::Model>, DbErr> {
    payment::Entity::find_by_id(id).one(db).await
}

pub async fn find_by_subject(
    db: &impl ConnectionTrait,
    subject: &str,
    subject_id: i64,
) -> Result<Option<payment::Model>, DbErr> {
    payment::Entity::find()
        .filter(payment::Column::Subject.eq(subject))
        .filter(payment::Column::SubjectId.eq(subject_id))
        .one(db)
        .await
}

pub async fn find_by_out_trade_no(
    db: &impl ConnectionTrait,
    out_trade_no: &str,
) -> Result<Option<payment::Model>, DbErr> {
    payment::Entity::find()
        .filter(payment::Column::OutTradeNo.eq(out_trade_no))
        .one(db)
        .await
}

/// Insert unless the subject already has a payment; true when inserted.
pub async fn insert(txn: &DatabaseTransaction, row: payment::ActiveModel) -> Result<bool, DbErr> {
    insert_unless_duplicate(txn, payment::Entity::insert(row)).await
}

pub async fn set_prepay(
    db: &impl ConnectionTrait,
    id: i64,
    prepay_id: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    payment::Entity::update_many()
        .col_expr(payment::Column::PrepayId, Expr::value(prepay_id))
        .col_expr(payment::Column::PrepayAt, Expr::value(now))
        .col_expr(payment::Column::UpdatedAt, Expr::value(now))
        .filter(payment::Column::Id.eq(id))
        .exec(db)
        .await
        .map(|_| ())
}

/// `from` (pending, or closed when WeChat Pay took the money after the payment was closed here)
/// -> paid; true for the one caller that moved it.
pub async fn mark_paid(
    db: &impl ConnectionTrait,
    id: i64,
    from: PaymentStatus,
    transaction_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = payment::Entity::update_many()
        .col_expr(payment::Column::Status, Expr::value(PaymentStatus::Paid))
        .col_expr(payment::Column::TransactionId, Expr::value(transaction_id))
        .col_expr(payment::Column::PaidAt, Expr::value(now))
        .col_expr(payment::Column::UpdatedAt, Expr::value(now))
        .filter(payment::Column::Id.eq(id))
        .filter(payment::Column::Status.eq(from))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// pending -> closed (closed at WeChat Pay first); true for the one caller that moved it.
pub async fn mark_closed(
    db: &impl ConnectionTrait,
    id: i64,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = payment::Entity::update_many()
        .col_expr(payment::Column::Status, Expr::value(PaymentStatus::Closed))
        .col_expr(payment::Column::ClosedAt, Expr::value(now))
        .col_expr(payment::Column::UpdatedAt, Expr::value(now))
        .filter(payment::Column::Id.eq(id))
        .filter(payment::Column::Status.eq(PaymentStatus::Pending))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Set aside `amount` of a paid payment for a refund, only if that much is left: concurrent
/// refunds can never give back more than was paid.
pub async fn reserve_refund(
    db: &impl ConnectionTrait,
    id: i64,
    amount: i64,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = payment::Entity::update_many()
        .col_expr(
            payment::Column::RefundedCents,
            Expr::col(payment::Column::RefundedCents).add(amount),
        )
        .col_expr(payment::Column::UpdatedAt, Expr::value(now))
        .filter(payment::Column::Id.eq(id))
        .filter(payment::Column::Status.eq(PaymentStatus::Paid))
        .filter(
            Expr::col(payment::Column::RefundedCents)
                .add(amount)
                .lte(Expr::col(payment::Column::AmountCents)),
        )
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Give back what a failed or closed refund had set aside.
pub async fn release_refund(
    db: &impl ConnectionTrait,
    id: i64,
    amount: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    payment::Entity::update_many()
        .col_expr(
            payment::Column::RefundedCents,
            Expr::col(payment::Column::RefundedCents).sub(amount),
        )
        .col_expr(payment::Column::UpdatedAt, Expr::value(now))
        .filter(payment::Column::Id.eq(id))
        .exec(db)
        .await
        .map(|_| ())
}

pub struct NewEvent<'a> {
    pub payment_id: Option<i64>,
    pub kind: EventKind,
    pub notification_id: Option<&'a str>,
    pub actor_id: Option<i64>,
    pub detail: serde_json::Value,
}

pub async fn insert_event(
    db: &impl ConnectionTrait,
    new: NewEvent<'_>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    event::Entity::insert(event_row(new, now))
        .exec_without_returning(db)
        .await
        .map(|_| ())
}

fn event_row(new: NewEvent<'_>, now: DateTime<Utc>) -> event::ActiveModel {
    event::ActiveModel {
        payment_id: Set(new.payment_id),
        kind: Set(new.kind),
        notification_id: Set(new.notification_id.map(String::from)),
        actor_id: Set(new.actor_id),
        detail: Set(new.detail.to_string()),
        created_at: Set(now),
        ..Default::default()
    }
}

/// Record a notification as processed; false when it already was (by this node or another,
/// now or before). The insert waits for a concurrent transaction holding the same id.
pub async fn claim_notification(
    txn: &DatabaseTransaction,
    new: NewEvent<'_>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    insert_unless_duplicate(txn, event::Entity::insert(event_row(new, now))).await
}

pub async fn events(
    db: &impl ConnectionTrait,
    payment_id: i64,
) -> Result<Vec<event::Model>, DbErr> {
    event::Entity::find()
        .filter(event::Column::PaymentId.eq(payment_id))
        .order_by_asc(event::Column::Id)
        .all(db)
        .await
}

// ---- refunds ----

pub async fn insert_refund(
    db: &impl ConnectionTrait,
    row: refund::ActiveModel,
) -> Result<i64, DbErr> {
    Ok(refund::Entity::insert(row).exec(db).await?.last_insert_id)
}

pub async fn find_refund(
    db: &impl ConnectionTrait,
    out_refund_no: &str,
) -> Result<Option<refund::Model>, DbErr> {
    refund::Entity::find()
        .filter(refund::Column::OutRefundNo.eq(out_refund_no))
        .one(db)
        .await
}

pub async fn refunds(
    db: &impl ConnectionTrait,
    payment_id: i64,
) -> Result<Vec<refund::Model>, DbErr> {
    refund::Entity::find()
        .filter(refund::Column::PaymentId.eq(payment_id))
        .order_by_asc(refund::Column::Id)
        .all(db)
        .await
}

/// processing -> `status`; true for the one caller that moved it.
pub async fn finish_refund(
    db: &impl ConnectionTrait,
    id: i64,
    status: RefundStatus,
    refund_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut update = refund::Entity::update_many()
        .col_expr(refund::Column::Status, Expr::value(status))
        .col_expr(refund::Column::UpdatedAt, Expr::value(now))
        .filter(refund::Column::Id.eq(id))
        .filter(refund::Column::Status.eq(RefundStatus::Processing));
    if status == RefundStatus::Success {
        update = update.col_expr(refund::Column::SucceededAt, Expr::value(now));
    }
    if let Some(refund_id) = refund_id {
        update = update.col_expr(refund::Column::RefundId, Expr::value(refund_id));
    }
    Ok(update.exec(db).await?.rows_affected == 1)
}

pub async fn set_refund_id(
    db: &impl ConnectionTrait,
    id: i64,
    refund_id: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    refund::Entity::update_many()
        .col_expr(refund::Column::RefundId, Expr::value(refund_id))
        .col_expr(refund::Column::UpdatedAt, Expr::value(now))
        .filter(refund::Column::Id.eq(id))
        .exec(db)
        .await
        .map(|_| ())
}
