//! What an import writes beside records: users as WeChat login would make them, and the files
//! it copied (so that a second run finds them).

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr};

use super::first;
use crate::collections::sql::Sql;

/// The user imported (or logged in) with this openid: its id.
pub async fn user_by_openid(db: &impl ConnectionTrait, openid: &str) -> Result<Option<i64>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT id FROM users WHERE openid = ")
        .bind(openid.to_string());
    match first(db, sql).await? {
        Some(row) => Ok(Some(row.try_get("", "id")?)),
        None => Ok(None),
    }
}

/// Create a user as WeChat login would (same openid, so the next login finds it).
pub async fn insert_user(
    db: &impl ConnectionTrait,
    openid: &str,
    unionid: Option<&str>,
    nickname: &str,
    avatar_url: &str,
    created_at: DateTime<Utc>,
) -> Result<i64, DbErr> {
    let backend = db.get_database_backend();
    let mut sql = Sql::new(backend);
    sql.push("INSERT INTO users (openid, unionid, nickname, avatar_url, role, banned, token_version, created_at, updated_at) VALUES (")
        .bind(openid.to_string())
        .push(", ")
        .bind(unionid.map(str::to_string))
        .push(", ")
        .bind(nickname.to_string())
        .push(", ")
        .bind(avatar_url.to_string())
        .push(", 'user', ")
        .bind(false)
        .push(", 0, ")
        .bind(created_at)
        .push(", ")
        .bind(Utc::now())
        .push(")");
    if backend == DatabaseBackend::MySql {
        return Ok(db.execute(sql.statement()).await?.last_insert_id() as i64);
    }
    sql.push(" RETURNING id");
    let row = first(db, sql).await?.ok_or(DbErr::RecordNotInserted)?;
    row.try_get("", "id")
}

/// The key of the file imported from `source_id`, if any.
pub async fn imported_file(
    db: &impl ConnectionTrait,
    source_id: &str,
) -> Result<Option<String>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT storage_key FROM collection_files WHERE source_id = ")
        .bind(source_id.to_string());
    match first(db, sql).await? {
        Some(row) => Ok(Some(row.try_get("", "storage_key")?)),
        None => Ok(None),
    }
}

pub async fn insert_imported_file(
    db: &impl ConnectionTrait,
    storage_key: &str,
    source_id: &str,
    name: &str,
    content_type: &str,
    size: i64,
) -> Result<(), DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("INSERT INTO collection_files (storage_key, source_id, name, content_type, size, created_at) VALUES (")
        .bind(storage_key.to_string())
        .push(", ")
        .bind(source_id.to_string())
        .push(", ")
        .bind(name.to_string())
        .push(", ")
        .bind(content_type.to_string())
        .push(", ")
        .bind(size)
        .push(", ")
        .bind(Utc::now())
        .push(")");
    db.execute(sql.statement()).await.map(|_| ())
}
