//! Queries of the privacy feature: re-encryption, account deletion and erasure, export, purges.
//! Other features' tables are named here on purpose: erasing or exporting a user means reaching
//! every table that holds something of theirs, in one place that lists them all.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Asterisk, Expr, LikeExpr, Order, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, JsonValue,
    QueryFilter, QueryOrder, QuerySelect,
};

use crate::auth::model::session;
use crate::files::model as files;
use crate::users::model::{self as users, Column};

/// A user's encrypted fields, as stored.
#[derive(Debug, FromQueryResult)]
pub struct StoredSecrets {
    pub id: i64,
    pub session_key: Option<String>,
    pub phone: Option<String>,
    pub phone_hash: Option<String>,
}

fn current_prefix(key_id: &str) -> LikeExpr {
    // Key ids may hold '_', a LIKE wildcard: escape it.
    let escaped = key_id.replace('\\', "\\\\").replace('_', "\\_");
    LikeExpr::new(format!("enc:v1:{escaped}:%")).escape('\\')
}

/// Users with ids above `after_id` whose session key or phone is plain text or under another key
/// than `key_id` (or whose phone has no hash yet); all users with `all`.
pub async fn stale_secrets(
    db: &impl ConnectionTrait,
    key_id: &str,
    all: bool,
    after_id: i64,
    limit: u64,
) -> Result<Vec<StoredSecrets>, DbErr> {
    let mut select = users::Entity::find()
        .select_only()
        .column(Column::Id)
        .column(Column::SessionKey)
        .column(Column::Phone)
        .column(Column::PhoneHash)
        .filter(Column::Id.gt(after_id));
    if all {
        select = select.filter(
            Condition::any()
                .add(Column::SessionKey.is_not_null())
                .add(Column::Phone.is_not_null()),
        );
    } else {
        let stale = |col: Column| {
            Condition::all()
                .add(col.is_not_null())
                .add(Expr::col(col).not_like(current_prefix(key_id)))
        };
        select = select.filter(
            Condition::any()
                .add(stale(Column::SessionKey))
                .add(stale(Column::Phone))
                .add(
                    Condition::all()
                        .add(Column::Phone.is_not_null())
                        .add(Column::PhoneHash.is_null()),
                ),
        );
    }
    select
        .order_by_asc(Column::Id)
        .limit(limit)
        .into_model::<StoredSecrets>()
        .all(db)
        .await
}

/// Replace the session key if it is still `old` (another node or a new login may have changed
/// it meanwhile: then this does nothing). True when replaced.
pub async fn replace_session_key(
    db: &impl ConnectionTrait,
    id: i64,
    old: &str,
    new: &str,
) -> Result<bool, DbErr> {
    let result = users::Entity::update_many()
        .col_expr(Column::SessionKey, Expr::value(new))
        .filter(Column::Id.eq(id))
        .filter(Column::SessionKey.eq(old))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Replace the phone (and its hash) if it is still `old`. True when replaced.
pub async fn replace_phone(
    db: &impl ConnectionTrait,
    id: i64,
    old: &str,
    new: &str,
    hash: &str,
) -> Result<bool, DbErr> {
    let result = users::Entity::update_many()
        .col_expr(Column::Phone, Expr::value(new))
        .col_expr(Column::PhoneHash, Expr::value(hash))
        .filter(Column::Id.eq(id))
        .filter(Column::Phone.eq(old))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Record a deletion request (an earlier one stands) and end every token of the user. False when
/// there is no such live user.
pub async fn request_deletion(
    db: &impl ConnectionTrait,
    id: i64,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = users::Entity::update_many()
        .col_expr(
            Column::DeletionRequestedAt,
            Expr::col(Column::DeletionRequestedAt).if_null(now),
        )
        .col_expr(Column::TokenVersion, Expr::col(Column::TokenVersion).add(1))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .filter(Column::DeletedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Users whose deletion request is older than `cutoff` and not yet carried out.
pub async fn due_deletions(
    db: &impl ConnectionTrait,
    cutoff: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<(i64, DateTime<Utc>)>, DbErr> {
    users::Entity::find()
        .select_only()
        .column(Column::Id)
        .column(Column::DeletionRequestedAt)
        .filter(Column::DeletionRequestedAt.lte(cutoff))
        .filter(Column::DeletedAt.is_null())
        .order_by_asc(Column::Id)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await
}

/// Anonymise the user's row if its deletion is still due (not cancelled by a login, not done by
/// another node): the identity (openid, unionid), session key, phone, name and avatar go; the id
/// stays, so that what must be kept (orders, payments, approvals, audit) still adds up. True when
/// this call did it; the caller's transaction then erases the rest.
pub async fn anonymise_user(
    db: &impl ConnectionTrait,
    id: i64,
    cutoff: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = users::Entity::update_many()
        .col_expr(Column::Openid, Expr::value(format!("deleted:{id}")))
        .col_expr(Column::Unionid, Expr::value(Option::<String>::None))
        .col_expr(Column::SessionKey, Expr::value(Option::<String>::None))
        .col_expr(Column::Phone, Expr::value(Option::<String>::None))
        .col_expr(Column::PhoneHash, Expr::value(Option::<String>::None))
        .col_expr(Column::Nickname, Expr::value(""))
        .col_expr(Column::AvatarUrl, Expr::value(""))
        .col_expr(Column::TokenVersion, Expr::col(Column::TokenVersion).add(1))
        .col_expr(Column::DeletedAt, Expr::value(now))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .filter(Column::DeletionRequestedAt.lte(cutoff))
        .filter(Column::DeletedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

fn col(name: &'static str) -> Expr {
    Expr::col(Alias::new(name))
}

fn update(table: &'static str) -> sea_orm::sea_query::UpdateStatement {
    Query::update().table(Alias::new(table)).to_owned()
}

async fn exec(
    db: &impl ConnectionTrait,
    stmt: &impl sea_orm::StatementBuilder,
) -> Result<u64, DbErr> {
    let backend = db.get_database_backend();
    Ok(db.execute(backend.build(stmt)).await?.rows_affected())
}

/// Erase what the user wrote and did in the community, their notifications and sessions: posts
/// and comments are emptied and marked deleted (the threads of others keep their shape), likes
/// and follows go, with the like counts they added to. Comments still shown must be unpublished
/// first ([`live_comments_of`]), so that posts' comment counts stay right.
pub async fn erase_activity(
    db: &impl ConnectionTrait,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    // Likes: give back what each added to a post's or comment's count, then drop them.
    for (target_type, table) in [("post", "posts"), ("comment", "comments")] {
        let liked = Query::select()
            .column(Alias::new("target_id"))
            .from(Alias::new("likes"))
            .and_where(col("user_id").eq(id))
            .and_where(col("target_type").eq(target_type))
            .to_owned();
        exec(
            db,
            update(table)
                .value(Alias::new("like_count"), col("like_count").sub(1))
                .and_where(col("id").in_subquery(liked))
                .and_where(col("like_count").gt(0)),
        )
        .await?;
    }
    exec(
        db,
        Query::delete()
            .from_table(Alias::new("likes"))
            .and_where(col("user_id").eq(id)),
    )
    .await?;
    exec(
        db,
        Query::delete()
            .from_table(Alias::new("follows"))
            .cond_where(
                Condition::any()
                    .add(col("follower_id").eq(id))
                    .add(col("followee_id").eq(id)),
            ),
    )
    .await?;
    exec(
        db,
        update("comments")
            .value(Alias::new("content"), "")
            .value(Alias::new("deleted_at"), col("deleted_at").if_null(now))
            .and_where(col("author_id").eq(id)),
    )
    .await?;
    let own_posts = Query::select()
        .column(Alias::new("id"))
        .from(Alias::new("posts"))
        .and_where(col("author_id").eq(id))
        .to_owned();
    exec(
        db,
        Query::delete()
            .from_table(Alias::new("post_topics"))
            .and_where(col("post_id").in_subquery(own_posts)),
    )
    .await?;
    exec(
        db,
        update("posts")
            .value(Alias::new("status"), "deleted")
            .value(Alias::new("content"), "")
            .value(Alias::new("images"), "[]")
            .value(Alias::new("topics"), "[]")
            .value(Alias::new("deleted_at"), col("deleted_at").if_null(now))
            .value(Alias::new("updated_at"), now)
            .and_where(col("author_id").eq(id)),
    )
    .await?;
    // Others' notifications quote what the user wrote ("X commented: ...").
    exec(
        db,
        Query::delete()
            .from_table(Alias::new("notifications"))
            .and_where(col("actor_id").eq(id)),
    )
    .await?;
    for (table, column) in [
        ("notifications", "user_id"),
        ("subscribe_quotas", "user_id"),
        ("auth_sessions", "user_id"),
    ] {
        exec(
            db,
            Query::delete()
                .from_table(Alias::new(table))
                .and_where(col(column).eq(id)),
        )
        .await?;
    }
    // Kept for the books, but WeChat Pay's payer id is the person's identity.
    exec(
        db,
        update("payments")
            .value(Alias::new("openid"), "")
            .and_where(col("user_id").eq(id)),
    )
    .await?;
    Ok(())
}

/// Ids of the user's comments that are published or awaiting review.
pub async fn live_comments_of(db: &impl ConnectionTrait, id: i64) -> Result<Vec<i64>, DbErr> {
    let select = Query::select()
        .column(Alias::new("id"))
        .from(Alias::new("comments"))
        .and_where(col("author_id").eq(id))
        .and_where(col("status").is_in(["published", "pending"]))
        .to_owned();
    let backend = db.get_database_backend();
    db.query_all(backend.build(&select))
        .await?
        .iter()
        .map(|row| row.try_get_by_index::<i64>(0))
        .collect()
}

/// The user's uploads (their stored objects are deleted by the caller).
pub async fn files_of(db: &impl ConnectionTrait, id: i64) -> Result<Vec<files::Model>, DbErr> {
    files::Entity::find()
        .filter(files::Column::OwnerId.eq(id))
        .order_by_asc(files::Column::Id)
        .all(db)
        .await
}

pub async fn delete_files(db: &impl ConnectionTrait, ids: &[i64]) -> Result<u64, DbErr> {
    if ids.is_empty() {
        return Ok(0);
    }
    Ok(files::Entity::delete_many()
        .filter(files::Column::Id.is_in(ids.iter().copied()))
        .exec(db)
        .await?
        .rows_affected)
}

/// Delete the records of collection table `table` whose owner column is the user.
pub async fn delete_owned_records(
    db: &impl ConnectionTrait,
    table: &str,
    owner_column: &str,
    id: i64,
) -> Result<u64, DbErr> {
    exec(
        db,
        Query::delete()
            .from_table(Alias::new(table))
            .and_where(Expr::col(Alias::new(owner_column)).eq(id)),
    )
    .await
}

/// Every row of `table` whose `owner_column` is the user, as JSON, oldest first by `order`.
pub async fn rows_of(
    db: &impl ConnectionTrait,
    table: &str,
    columns: Option<&[&'static str]>,
    owner_column: &str,
    order: &str,
    id: i64,
) -> Result<Vec<JsonValue>, DbErr> {
    let mut select: SelectStatement = Query::select();
    match columns {
        Some(columns) => {
            select.columns(columns.iter().map(|c| Alias::new(*c)));
        }
        None => {
            select.column(Asterisk);
        }
    }
    select
        .from(Alias::new(table))
        .and_where(Expr::col(Alias::new(owner_column)).eq(id))
        .order_by(Alias::new(order), Order::Asc);
    let backend = db.get_database_backend();
    JsonValue::find_by_statement(backend.build(&select))
        .all(db)
        .await
}

/// Delete sessions that expired or were revoked before `before`.
pub async fn purge_sessions(
    db: &impl ConnectionTrait,
    before: DateTime<Utc>,
) -> Result<u64, DbErr> {
    Ok(session::Entity::delete_many()
        .filter(
            Condition::any()
                .add(session::Column::ExpiresAt.lt(before))
                .add(session::Column::RevokedAt.lt(before)),
        )
        .exec(db)
        .await?
        .rows_affected)
}

/// Of the (up to `limit`) uploads made before `before` with ids above `after_id`, those that no
/// live post shows and that are no user's avatar; and the last id looked at (None: no more).
pub async fn orphaned_files(
    db: &impl ConnectionTrait,
    before: DateTime<Utc>,
    after_id: i64,
    limit: u64,
) -> Result<(Vec<files::Model>, Option<i64>), DbErr> {
    let candidates = files::Entity::find()
        .filter(files::Column::CreatedAt.lt(before))
        .filter(files::Column::Id.gt(after_id))
        .order_by_asc(files::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    let last = candidates.last().map(|f| f.id);
    let mut orphans = Vec::new();
    for file in candidates {
        // Storage keys hold only [A-Za-z0-9._-]: no quote or '%' can reach the pattern, and a
        // '_' matching any character can only keep a file, never lose one.
        let in_post = Query::select()
            .expr(Expr::val(1))
            .from(Alias::new("posts"))
            .and_where(col("deleted_at").is_null())
            .and_where(col("images").like(format!("%\"key\":\"{}\"%", file.storage_key)))
            .limit(1)
            .to_owned();
        let as_avatar = Query::select()
            .expr(Expr::val(1))
            .from(Alias::new("users"))
            .and_where(col("avatar_url").like(format!("%/files/{}", file.storage_key)))
            .limit(1)
            .to_owned();
        let backend = db.get_database_backend();
        // query_all, not query_one: see `collections::repo::first` on SQLite read snapshots.
        if db.query_all(backend.build(&in_post)).await?.is_empty()
            && db.query_all(backend.build(&as_avatar)).await?.is_empty()
        {
            orphans.push(file);
        }
    }
    Ok((orphans, last))
}
