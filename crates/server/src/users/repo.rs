//! Queries on `users`.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
};

use super::model::{self as users, Role};
use crate::store::keyset::newest_first;

pub async fn find(db: &impl ConnectionTrait, id: i64) -> Result<Option<users::Model>, DbErr> {
    users::Entity::find_by_id(id).one(db).await
}

pub async fn find_by_openid(
    db: &impl ConnectionTrait,
    openid: &str,
) -> Result<Option<users::Model>, DbErr> {
    users::Entity::find()
        .filter(users::Column::Openid.eq(openid))
        .one(db)
        .await
}

/// Create the user on first login or refresh the session key (and unionid, when WeChat sent
/// one) on later ones, cancelling a pending deletion request; safe against two first logins
/// racing.
pub async fn upsert_login(
    db: &impl ConnectionTrait,
    openid: &str,
    unionid: Option<&str>,
    session_key: &str,
    now: DateTime<Utc>,
) -> Result<users::Model, DbErr> {
    let mut update = vec![
        users::Column::SessionKey,
        users::Column::UpdatedAt,
        users::Column::DeletionRequestedAt,
    ];
    if unionid.is_some() {
        update.push(users::Column::Unionid);
    }
    users::Entity::insert(users::ActiveModel {
        openid: Set(openid.to_string()),
        unionid: Set(unionid.map(String::from)),
        session_key: Set(Some(session_key.to_string())),
        nickname: Set(String::new()),
        avatar_url: Set(String::new()),
        phone: Set(None),
        phone_hash: Set(None),
        deletion_requested_at: Set(None),
        deleted_at: Set(None),
        role: Set(Role::User.as_str().to_string()),
        banned: Set(false),
        token_version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(users::Column::Openid)
            .update_columns(update)
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    find_by_openid(db, openid)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("user {openid} after upsert")))
}

/// False when no such user.
pub async fn update_profile(
    db: &impl ConnectionTrait,
    id: i64,
    nickname: Option<&str>,
    avatar_url: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut update = users::Entity::update_many()
        .col_expr(users::Column::UpdatedAt, Expr::value(now))
        .filter(users::Column::Id.eq(id));
    if let Some(nickname) = nickname {
        update = update.col_expr(users::Column::Nickname, Expr::value(nickname));
    }
    if let Some(avatar_url) = avatar_url {
        update = update.col_expr(users::Column::AvatarUrl, Expr::value(avatar_url));
    }
    Ok(update.exec(db).await?.rows_affected > 0)
}

/// False when no such user.
pub async fn set_phone(
    db: &impl ConnectionTrait,
    id: i64,
    encrypted_phone: &str,
    phone_hash: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = users::Entity::update_many()
        .col_expr(users::Column::Phone, Expr::value(encrypted_phone))
        .col_expr(users::Column::PhoneHash, Expr::value(phone_hash))
        .col_expr(users::Column::UpdatedAt, Expr::value(now))
        .filter(users::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// Ban or unban; a ban also bumps the token version so every session ends. False when no such
/// user.
pub async fn set_banned(
    db: &impl ConnectionTrait,
    id: i64,
    banned: bool,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut update = users::Entity::update_many()
        .col_expr(users::Column::Banned, Expr::value(banned))
        .col_expr(users::Column::UpdatedAt, Expr::value(now))
        .filter(users::Column::Id.eq(id));
    if banned {
        update = update.col_expr(
            users::Column::TokenVersion,
            Expr::col(users::Column::TokenVersion).add(1),
        );
    }
    Ok(update.exec(db).await?.rows_affected > 0)
}

/// End every session of the user at once. False when no such user.
pub async fn bump_token_version(
    db: &impl ConnectionTrait,
    id: i64,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = users::Entity::update_many()
        .col_expr(
            users::Column::TokenVersion,
            Expr::col(users::Column::TokenVersion).add(1),
        )
        .col_expr(users::Column::UpdatedAt, Expr::value(now))
        .filter(users::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

pub async fn set_role(
    db: &impl ConnectionTrait,
    id: i64,
    role: Role,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = users::Entity::update_many()
        .col_expr(users::Column::Role, Expr::value(role.as_str()))
        .col_expr(users::Column::UpdatedAt, Expr::value(now))
        .filter(users::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// Newest first, keyset-paginated by id; `query` matches nickname by substring, openid exactly,
/// or the numeric id; `phone_hash` the phone number's keyed hash exactly.
pub async fn list(
    db: &impl ConnectionTrait,
    query: Option<&str>,
    phone_hash: Option<&str>,
    banned: Option<bool>,
    before_id: Option<i64>,
    limit: u64,
) -> Result<Vec<users::Model>, DbErr> {
    let mut select = users::Entity::find();
    if let Some(q) = query.map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = format!(
            "%{}%",
            q.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let mut any = Condition::any()
            .add(users::Column::Nickname.like(&pattern))
            .add(users::Column::Openid.eq(q));
        if let Some(hash) = phone_hash {
            any = any.add(users::Column::PhoneHash.eq(hash));
        }
        if let Ok(id) = q.parse::<i64>() {
            any = any.add(users::Column::Id.eq(id));
        }
        select = select.filter(any);
    }
    if let Some(banned) = banned {
        select = select.filter(users::Column::Banned.eq(banned));
    }
    newest_first(select, users::Column::Id, before_id, limit)
        .all(db)
        .await
}

/// Users by id, in one query (authors of a page of posts).
pub async fn find_many(db: &impl ConnectionTrait, ids: &[i64]) -> Result<Vec<users::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    users::Entity::find()
        .filter(users::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await
}
