//! Records: reading them (selected fields, conditions compiled from rules and filters), writing
//! them, and checking that the records, users and files a record points at exist.

use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, QueryResult, Value as SqlValue};
use serde_json::{Map, Value};

use super::{first, ident_of, run};
use crate::collections::model::{FieldDef, FieldType};
use crate::collections::sql::{Ident, Sql};

/// A record as read: system columns and the selected fields as JSON (file fields hold the key).
#[derive(Debug, Clone)]
pub struct Row {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub values: Map<String, Value>,
}

pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}

fn decode(row: &QueryResult, fields: &[&FieldDef]) -> Result<Row, DbErr> {
    let mut values = Map::new();
    for field in fields {
        let name = field.name.as_str();
        let value = match field.field_type {
            FieldType::Text | FieldType::File => row
                .try_get::<Option<String>>("", name)?
                .map_or(Value::Null, Value::String),
            FieldType::Json => match row.try_get::<Option<String>>("", name)? {
                Some(text) => serde_json::from_str(&text).unwrap_or(Value::Null),
                None => Value::Null,
            },
            FieldType::Number => row
                .try_get::<Option<f64>>("", name)?
                .map_or(Value::Null, number),
            FieldType::Bool => row
                .try_get::<Option<bool>>("", name)?
                .map_or(Value::Null, Value::Bool),
            FieldType::Date => row
                .try_get::<Option<DateTime<Utc>>>("", name)?
                .map_or(Value::Null, |d| Value::String(timestamp(d))),
            FieldType::Relation => row
                .try_get::<Option<i64>>("", name)?
                .map_or(Value::Null, Value::from),
        };
        values.insert(field.name.clone(), value);
    }
    Ok(Row {
        id: row.try_get("", "id")?,
        created_at: row.try_get("", "created_at")?,
        updated_at: row.try_get("", "updated_at")?,
        values,
    })
}

fn select_columns(sql: &mut Sql, table: &Ident, fields: &[&FieldDef]) -> Result<(), DbErr> {
    sql.push("SELECT id, created_at, updated_at");
    for field in fields {
        sql.push(", ").ident(&ident_of(&field.name)?);
    }
    sql.push(" FROM ").ident(table);
    Ok(())
}

/// A condition written into a statement by the caller (a compiled rule or filter).
pub type Condition<'a> =
    &'a (dyn Fn(&mut Sql) -> Result<(), crate::collections::expr::ExprError> + Sync);

pub struct Select<'a> {
    pub table: &'a Ident,
    pub fields: &'a [&'a FieldDef],
    pub conditions: Vec<Condition<'a>>,
    pub order: &'a [crate::collections::query::SortKey],
    pub after: Option<Vec<SqlValue>>,
    pub limit: Option<u64>,
}

/// Errors of building a statement: a condition that does not compile, or the database.
pub enum SelectError {
    Expr(crate::collections::expr::ExprError),
    Db(DbErr),
}

impl From<DbErr> for SelectError {
    fn from(err: DbErr) -> Self {
        Self::Db(err)
    }
}

pub async fn select(db: &impl ConnectionTrait, q: Select<'_>) -> Result<Vec<Row>, SelectError> {
    let mut sql = Sql::new(db.get_database_backend());
    select_columns(&mut sql, q.table, q.fields)?;
    let mut first = true;
    for condition in &q.conditions {
        sql.push(if first { " WHERE " } else { " AND " });
        first = false;
        sql.push("(");
        condition(&mut sql).map_err(SelectError::Expr)?;
        sql.push(")");
    }
    if let Some(values) = &q.after {
        sql.push(if first { " WHERE " } else { " AND " });
        crate::collections::query::after(&mut sql, q.order, values);
    }
    if !q.order.is_empty() {
        sql.push(" ORDER BY ");
        for (i, key) in q.order.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.ident(&key.ident)
                .push(if key.desc { " DESC" } else { " ASC" });
        }
    }
    if let Some(limit) = q.limit {
        sql.push(" LIMIT ").bind(limit as i64);
    }
    let rows = db.query_all(sql.statement()).await?;
    Ok(rows
        .iter()
        .map(|row| decode(row, q.fields))
        .collect::<Result<Vec<_>, _>>()?)
}

/// For each condition, whether it holds for one record given as bound values rather than as a
/// row of its table (a record that may be gone, such as a deleted one). The values form a
/// one-row derived table with the columns' names, so a condition compiles exactly as it does
/// against the table. COUNT reads as a 64-bit integer on every backend.
pub async fn evaluate(
    db: &impl ConnectionTrait,
    values: &[(Ident, SqlValue)],
    conditions: &[Condition<'_>],
) -> Result<Vec<bool>, SelectError> {
    if conditions.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT ");
    for (i, condition) in conditions.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.push("COUNT(CASE WHEN (");
        condition(&mut sql).map_err(SelectError::Expr)?;
        sql.push(&format!(") THEN 1 END) AS c{i}"));
    }
    sql.push(" FROM (SELECT ");
    for (i, (ident, value)) in values.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind(value.clone()).push(" AS ").ident(ident);
    }
    sql.push(") r");
    let Some(row) = first(db, sql).await? else {
        return Ok(vec![false; conditions.len()]);
    };
    (0..conditions.len())
        .map(|i| {
            row.try_get::<i64>("", &format!("c{i}"))
                .map(|n| n > 0)
                .map_err(SelectError::Db)
        })
        .collect()
}

/// Take the table's write lock (SQLite: the database's) without changing anything.
pub async fn lock_for_write(db: &impl ConnectionTrait, table: &Ident) -> Result<(), DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("UPDATE ")
        .ident(table)
        .push(" SET id = id WHERE 1 = 0");
    run(db, sql).await
}

/// Insert a record; its id.
pub async fn insert(
    db: &impl ConnectionTrait,
    table: &Ident,
    values: &[(Ident, SqlValue)],
    source_id: Option<&str>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
) -> Result<i64, DbErr> {
    let backend = db.get_database_backend();
    let mut sql = Sql::new(backend);
    sql.push("INSERT INTO ")
        .ident(table)
        .push(" (created_at, updated_at, source_id");
    for (column, _) in values {
        sql.push(", ").ident(column);
    }
    sql.push(") VALUES (")
        .bind(created_at)
        .push(", ")
        .bind(updated_at)
        .push(", ")
        .bind(source_id.map(str::to_string));
    for (_, value) in values {
        sql.push(", ").bind(value.clone());
    }
    sql.push(")");
    if backend == DatabaseBackend::MySql {
        let result = db.execute(sql.statement()).await?;
        return Ok(result.last_insert_id() as i64);
    }
    sql.push(" RETURNING id");
    let row = first(db, sql)
        .await?
        .ok_or_else(|| DbErr::RecordNotInserted)?;
    row.try_get("", "id")
}

/// Update a record where the condition holds; rows changed (0 or 1).
pub async fn update(
    db: &impl ConnectionTrait,
    table: &Ident,
    id: i64,
    values: &[(Ident, SqlValue)],
    updated_at: DateTime<Utc>,
    condition: Option<Condition<'_>>,
) -> Result<u64, SelectError> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("UPDATE ")
        .ident(table)
        .push(" SET updated_at = ")
        .bind(updated_at);
    for (column, value) in values {
        sql.push(", ").ident(column).push(" = ").bind(value.clone());
    }
    sql.push(" WHERE id = ").bind(id);
    execute_where(db, sql, condition).await
}

/// Delete a record where the condition holds; rows deleted (0 or 1).
pub async fn delete(
    db: &impl ConnectionTrait,
    table: &Ident,
    id: i64,
    condition: Option<Condition<'_>>,
) -> Result<u64, SelectError> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("DELETE FROM ")
        .ident(table)
        .push(" WHERE id = ")
        .bind(id);
    execute_where(db, sql, condition).await
}

/// Run a write whose `WHERE` is written, narrowed by `condition` when there is one; the rows
/// it affected.
async fn execute_where(
    db: &impl ConnectionTrait,
    mut sql: Sql,
    condition: Option<Condition<'_>>,
) -> Result<u64, SelectError> {
    if let Some(condition) = condition {
        sql.push(" AND (");
        condition(&mut sql).map_err(SelectError::Expr)?;
        sql.push(")");
    }
    Ok(db.execute(sql.statement()).await?.rows_affected())
}

/// The id of the record imported from `source_id`, if any.
pub async fn find_by_source(
    db: &impl ConnectionTrait,
    table: &Ident,
    source_id: &str,
) -> Result<Option<i64>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT id FROM ")
        .ident(table)
        .push(" WHERE source_id = ")
        .bind(source_id.to_string());
    match first(db, sql).await? {
        Some(row) => Ok(Some(row.try_get("", "id")?)),
        None => Ok(None),
    }
}

/// Which of `ids` exist in the table.
pub async fn existing_ids(
    db: &impl ConnectionTrait,
    table: &Ident,
    ids: &[i64],
) -> Result<Vec<i64>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT id FROM ")
        .ident(table)
        .push(" WHERE id IN (");
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind(*id);
    }
    sql.push(")");
    db.query_all(sql.statement())
        .await?
        .iter()
        .map(|row| row.try_get::<i64>("", "id"))
        .collect()
}

/// Which of `keys` are stored files (uploads or imported files).
pub async fn existing_files(
    db: &impl ConnectionTrait,
    keys: &[String],
) -> Result<Vec<String>, DbErr> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(db.get_database_backend());
    let list = |sql: &mut Sql| {
        for (i, key) in keys.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind(key.clone());
        }
    };
    sql.push("SELECT storage_key FROM files WHERE storage_key IN (");
    list(&mut sql);
    sql.push(") UNION SELECT storage_key FROM collection_files WHERE storage_key IN (");
    list(&mut sql);
    sql.push(")");
    db.query_all(sql.statement())
        .await?
        .iter()
        .map(|row| row.try_get::<String>("", "storage_key"))
        .collect()
}

/// Public profiles of users, for expansion: (id, nickname, avatar_url).
pub async fn user_profiles(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<Vec<(i64, String, String)>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT id, nickname, avatar_url FROM users WHERE id IN (");
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind(*id);
    }
    sql.push(")");
    db.query_all(sql.statement())
        .await?
        .iter()
        .map(|row| {
            Ok((
                row.try_get("", "id")?,
                row.try_get("", "nickname")?,
                row.try_get("", "avatar_url")?,
            ))
        })
        .collect()
}
