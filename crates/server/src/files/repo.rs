//! Queries on `files`.

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use super::model::{self as files, Column};

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
