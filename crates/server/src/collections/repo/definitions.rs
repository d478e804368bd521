//! The `collections` table: one row a definition, its spec as JSON.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, QueryResult};

use super::first;
use crate::collections::sql::Sql;

/// A row of `collections`.
pub struct DefinitionRow {
    pub id: i64,
    pub name: String,
    pub spec: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn definition_row(row: &QueryResult) -> Result<DefinitionRow, DbErr> {
    Ok(DefinitionRow {
        id: row.try_get("", "id")?,
        name: row.try_get("", "name")?,
        spec: row.try_get("", "spec")?,
        created_at: row.try_get("", "created_at")?,
        updated_at: row.try_get("", "updated_at")?,
    })
}

pub async fn find_definition(
    db: &impl ConnectionTrait,
    name: &str,
) -> Result<Option<DefinitionRow>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT id, name, spec, created_at, updated_at FROM collections WHERE name = ")
        .bind(name.to_string());
    first(db, sql)
        .await?
        .as_ref()
        .map(definition_row)
        .transpose()
}

pub async fn list_definitions(db: &impl ConnectionTrait) -> Result<Vec<DefinitionRow>, DbErr> {
    let sql = Sql::new(db.get_database_backend());
    let mut sql = sql;
    sql.push("SELECT id, name, spec, created_at, updated_at FROM collections ORDER BY name");
    db.query_all(sql.statement())
        .await?
        .iter()
        .map(definition_row)
        .collect()
}

pub async fn insert_definition(
    db: &impl ConnectionTrait,
    name: &str,
    spec: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("INSERT INTO collections (name, spec, created_at, updated_at) VALUES (")
        .bind(name.to_string())
        .push(", ")
        .bind(spec.to_string())
        .push(", ")
        .bind(now)
        .push(", ")
        .bind(now)
        .push(")");
    db.execute(sql.statement()).await?;
    Ok(())
}

pub async fn update_definition(
    db: &impl ConnectionTrait,
    name: &str,
    spec: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("UPDATE collections SET spec = ")
        .bind(spec.to_string())
        .push(", updated_at = ")
        .bind(now)
        .push(" WHERE name = ")
        .bind(name.to_string());
    db.execute(sql.statement()).await?;
    Ok(())
}

pub async fn delete_definition(db: &impl ConnectionTrait, name: &str) -> Result<(), DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("DELETE FROM collections WHERE name = ")
        .bind(name.to_string());
    db.execute(sql.statement()).await?;
    Ok(())
}
