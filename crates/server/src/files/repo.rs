//! Queries on `files`.

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use super::model::{self as files, Column};
use crate::store::keyset::newest_first;

pub async fn insert(db: &impl ConnectionTrait, row: files::ActiveModel) -> Result<i64, DbErr> {
    Ok(files::Entity::insert(row).exec(db).await?.last_insert_id)
}

pub async fn find_many(db: &impl ConnectionTrait, ids: &[i64]) -> Result<Vec<files::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    files::Entity::find()
        .filter(Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await
}

/// Newest first, `limit + 1` rows with ids below `before_id`; optionally one owner's.
pub async fn list(
    db: &impl ConnectionTrait,
    owner_id: Option<i64>,
    before_id: Option<i64>,
    limit: u32,
) -> Result<Vec<files::Model>, DbErr> {
    let mut query = files::Entity::find();
    if let Some(owner) = owner_id {
        query = query.filter(Column::OwnerId.eq(owner));
    }
    newest_first(query, Column::Id, before_id, u64::from(limit) + 1)
        .all(db)
        .await
}

pub async fn find(db: &impl ConnectionTrait, id: i64) -> Result<Option<files::Model>, DbErr> {
    files::Entity::find_by_id(id).one(db).await
}

pub async fn delete(db: &impl ConnectionTrait, id: i64) -> Result<bool, DbErr> {
    Ok(files::Entity::delete_by_id(id)
        .exec(db)
        .await?
        .rows_affected
        == 1)
}
