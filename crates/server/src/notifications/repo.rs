//! Queries on `notifications`.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder,
};

use super::model::{self as notifications, Column};
use crate::store::keyset::newest_first;

pub async fn insert(
    db: &impl ConnectionTrait,
    row: notifications::ActiveModel,
) -> Result<(), DbErr> {
    notifications::Entity::insert(row)
        .exec_without_returning(db)
        .await
        .map(|_| ())
}

pub fn new_row(
    user_id: i64,
    kind: &str,
    actor_id: Option<i64>,
    subject_type: &str,
    subject_id: i64,
    body: String,
    now: DateTime<Utc>,
) -> notifications::ActiveModel {
    notifications::ActiveModel {
        user_id: Set(user_id),
        kind: Set(kind.into()),
        actor_id: Set(actor_id),
        subject_type: Set(subject_type.into()),
        subject_id: Set(subject_id),
        body: Set(body),
        read_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
}

/// Newest first, keyset by id.
pub async fn list(
    db: &impl ConnectionTrait,
    user_id: i64,
    before_id: Option<i64>,
    unread_only: bool,
    limit: u64,
) -> Result<Vec<notifications::Model>, DbErr> {
    let mut query = notifications::Entity::find().filter(Column::UserId.eq(user_id));
    if unread_only {
        query = query.filter(Column::ReadAt.is_null());
    }
    newest_first(query, Column::Id, before_id, limit)
        .all(db)
        .await
}

pub async fn unread_count(db: &impl ConnectionTrait, user_id: i64) -> Result<u64, DbErr> {
    notifications::Entity::find()
        .filter(Column::UserId.eq(user_id))
        .filter(Column::ReadAt.is_null())
        .count(db)
        .await
}

/// Mark the user's notifications read: the given ids, or all of them.
pub async fn mark_read(
    db: &impl ConnectionTrait,
    user_id: i64,
    ids: Option<&[i64]>,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let mut update = notifications::Entity::update_many()
        .col_expr(Column::ReadAt, Expr::value(now))
        .filter(Column::UserId.eq(user_id))
        .filter(Column::ReadAt.is_null());
    if let Some(ids) = ids {
        update = update.filter(Column::Id.is_in(ids.iter().copied()));
    }
    Ok(update.exec(db).await?.rows_affected)
}

use super::model::subscribe_quota;

/// Add `count` accepted messages of each template for the user.
pub async fn add_quota(
    db: &impl ConnectionTrait,
    user_id: i64,
    template_id: &str,
    count: i32,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    use sea_orm::sea_query::OnConflict;
    subscribe_quota::Entity::insert(subscribe_quota::ActiveModel {
        user_id: Set(user_id),
        template_id: Set(template_id.to_string()),
        remaining: Set(count),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([
            subscribe_quota::Column::UserId,
            subscribe_quota::Column::TemplateId,
        ])
        .value(
            subscribe_quota::Column::Remaining,
            Expr::col((subscribe_quota::Entity, subscribe_quota::Column::Remaining)).add(count),
        )
        .value(subscribe_quota::Column::UpdatedAt, Expr::value(now))
        .to_owned(),
    )
    .exec_without_returning(db)
    .await
    .map(|_| ())
}

/// Spend one accepted message; false when the user has none left for the template.
pub async fn take_quota(
    db: &impl ConnectionTrait,
    user_id: i64,
    template_id: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = subscribe_quota::Entity::update_many()
        .col_expr(
            subscribe_quota::Column::Remaining,
            Expr::col(subscribe_quota::Column::Remaining).sub(1),
        )
        .col_expr(subscribe_quota::Column::UpdatedAt, Expr::value(now))
        .filter(subscribe_quota::Column::UserId.eq(user_id))
        .filter(subscribe_quota::Column::TemplateId.eq(template_id))
        .filter(subscribe_quota::Column::Remaining.gt(0))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn give_back_quota(
    db: &impl ConnectionTrait,
    user_id: i64,
    template_id: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    subscribe_quota::Entity::update_many()
        .col_expr(
            subscribe_quota::Column::Remaining,
            Expr::col(subscribe_quota::Column::Remaining).add(1),
        )
        .col_expr(subscribe_quota::Column::UpdatedAt, Expr::value(now))
        .filter(subscribe_quota::Column::UserId.eq(user_id))
        .filter(subscribe_quota::Column::TemplateId.eq(template_id))
        .exec(db)
        .await
        .map(|_| ())
}

pub async fn quotas(
    db: &impl ConnectionTrait,
    user_id: i64,
) -> Result<Vec<subscribe_quota::Model>, DbErr> {
    subscribe_quota::Entity::find()
        .filter(subscribe_quota::Column::UserId.eq(user_id))
        .filter(subscribe_quota::Column::Remaining.gt(0))
        .order_by_asc(subscribe_quota::Column::TemplateId)
        .all(db)
        .await
}
