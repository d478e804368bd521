//! Queries of the config center.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::model::{entry, history};

pub async fn all_entries(db: &impl ConnectionTrait) -> Result<Vec<entry::Model>, DbErr> {
    entry::Entity::find()
        .order_by_asc(entry::Column::Kind)
        .order_by_asc(entry::Column::Name)
        .all(db)
        .await
}

/// The id of the newest history row: the revision of the whole configuration.
pub async fn revision(db: &impl ConnectionTrait) -> Result<i64, DbErr> {
    let max: Option<Option<i64>> = history::Entity::find()
        .select_only()
        .column_as(history::Column::Id.max(), "max_id")
        .into_tuple()
        .one(db)
        .await?;
    Ok(max.flatten().unwrap_or(0))
}

pub async fn find(
    db: &impl ConnectionTrait,
    kind: &str,
    name: &str,
) -> Result<Option<entry::Model>, DbErr> {
    entry::Entity::find_by_id((kind.to_string(), name.to_string()))
        .one(db)
        .await
}

pub async fn insert(db: &impl ConnectionTrait, model: entry::Model) -> Result<(), DbErr> {
    entry::Entity::insert(entry::ActiveModel {
        kind: Set(model.kind),
        name: Set(model.name),
        value: Set(model.value),
        schema: Set(model.schema),
        is_public: Set(model.is_public),
        description: Set(model.description),
        version: Set(model.version),
        updated_by: Set(model.updated_by),
        created_at: Set(model.created_at),
        updated_at: Set(model.updated_at),
    })
    .exec_without_returning(db)
    .await
    .map(|_| ())
}

/// Replace the entry if it is still at `expected_version`; false when someone changed it first.
pub async fn update(
    db: &impl ConnectionTrait,
    model: &entry::Model,
    expected_version: i32,
) -> Result<bool, DbErr> {
    let result = entry::Entity::update_many()
        .col_expr(entry::Column::Value, Expr::value(model.value.clone()))
        .col_expr(entry::Column::Schema, Expr::value(model.schema.clone()))
        .col_expr(entry::Column::IsPublic, Expr::value(model.is_public))
        .col_expr(
            entry::Column::Description,
            Expr::value(model.description.clone()),
        )
        .col_expr(entry::Column::Version, Expr::value(model.version))
        .col_expr(
            entry::Column::UpdatedBy,
            Expr::value(model.updated_by.clone()),
        )
        .col_expr(entry::Column::UpdatedAt, Expr::value(model.updated_at))
        .filter(entry::Column::Kind.eq(&model.kind))
        .filter(entry::Column::Name.eq(&model.name))
        .filter(entry::Column::Version.eq(expected_version))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Delete the entry if it is still at `expected_version`.
pub async fn delete(
    db: &impl ConnectionTrait,
    kind: &str,
    name: &str,
    expected_version: i32,
) -> Result<bool, DbErr> {
    let result = entry::Entity::delete_many()
        .filter(entry::Column::Kind.eq(kind))
        .filter(entry::Column::Name.eq(name))
        .filter(entry::Column::Version.eq(expected_version))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn insert_history(
    db: &impl ConnectionTrait,
    row: history::ActiveModel,
) -> Result<(), DbErr> {
    history::Entity::insert(row)
        .exec_without_returning(db)
        .await
        .map(|_| ())
}

/// Newest first.
pub async fn history(
    db: &impl ConnectionTrait,
    kind: &str,
    name: &str,
    limit: u64,
) -> Result<Vec<history::Model>, DbErr> {
    history::Entity::find()
        .filter(history::Column::Kind.eq(kind))
        .filter(history::Column::Name.eq(name))
        .order_by_desc(history::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// The newest history row of the entry, for its next version number (versions continue across
/// a delete and re-create, so every version number names one state).
pub async fn last_version(db: &impl ConnectionTrait, kind: &str, name: &str) -> Result<i32, DbErr> {
    Ok(history(db, kind, name, 1)
        .await?
        .first()
        .map(|h| h.version)
        .unwrap_or(0))
}

pub async fn history_at(
    db: &impl ConnectionTrait,
    kind: &str,
    name: &str,
    version: i32,
) -> Result<Option<history::Model>, DbErr> {
    history::Entity::find()
        .filter(history::Column::Kind.eq(kind))
        .filter(history::Column::Name.eq(name))
        .filter(history::Column::Version.eq(version))
        .order_by_desc(history::Column::Id)
        .one(db)
        .await
}
