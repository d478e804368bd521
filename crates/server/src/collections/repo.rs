//! All SQL of collections: the `collections` table of definitions, the DDL that keeps each
//! collection's own table (`c_<name>`) in step with its definition, and the statements on records.
//! Names reach SQL only as checked [`Ident`]s; values are always bound.

use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, QueryResult, Value as SqlValue};
use serde_json::{Map, Value};

use super::model::{CollectionSpec, FieldDef, FieldType, IndexDef, MAX_INDEXED_TEXT_LENGTH};
use super::sql::{Ident, Sql};

/// The first row of a query, read through `query_all`. On SQLite, sqlx resets a statement that
/// `fetch_one` left unfinished later, on its worker thread, and until then the connection keeps
/// its read snapshot: the next request on it could read data from before a commit it already saw
/// answered (found here as a collection change whose filled values were not there yet).
async fn first(db: &impl ConnectionTrait, sql: Sql) -> Result<Option<QueryResult>, DbErr> {
    Ok(db.query_all(sql.statement()).await?.into_iter().next())
}

// ---------------------------------------------------------------------------------------------
// Definitions

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

// ---------------------------------------------------------------------------------------------
// DDL

fn column_type(backend: DatabaseBackend, field: &FieldDef) -> &'static str {
    use DatabaseBackend::*;
    match (field.field_type, backend) {
        (FieldType::Text, MySql) if field.max_length() <= MAX_INDEXED_TEXT_LENGTH => "VARCHAR(255)",
        (FieldType::Text | FieldType::Json, MySql) => "MEDIUMTEXT",
        (FieldType::File, MySql) => "VARCHAR(255)",
        (FieldType::Text | FieldType::Json | FieldType::File, _) => "TEXT",
        (FieldType::Number, Postgres) => "DOUBLE PRECISION",
        (FieldType::Number, MySql) => "DOUBLE",
        (FieldType::Number, _) => "REAL",
        (FieldType::Bool, _) => "BOOLEAN",
        (FieldType::Date, Postgres) => "TIMESTAMPTZ",
        (FieldType::Date, MySql) => "DATETIME(6)",
        (FieldType::Date, _) => "TEXT",
        (FieldType::Relation, _) => "BIGINT",
    }
}

/// Whether changing `old` into `new` (same type) changes the column type (MySQL text only).
pub fn column_type_changes(backend: DatabaseBackend, old: &FieldDef, new: &FieldDef) -> bool {
    column_type(backend, old) != column_type(backend, new)
}

fn timestamp_type(backend: DatabaseBackend) -> &'static str {
    match backend {
        DatabaseBackend::Postgres => "TIMESTAMPTZ",
        DatabaseBackend::MySql => "DATETIME(6)",
        _ => "TEXT",
    }
}

async fn run(db: &impl ConnectionTrait, sql: Sql) -> Result<(), DbErr> {
    db.execute(sql.statement()).await.map(|_| ())
}

pub fn unique_index_name(table: &Ident, field: &str) -> Ident {
    Ident::index("ux", table, field)
}

pub fn index_name(table: &Ident, index: &IndexDef) -> Ident {
    let prefix = if index.unique { "uix" } else { "ix" };
    Ident::index(prefix, table, &index.fields.join("_"))
}

/// Columns must be checked names; the caller validated the spec.
fn ident_of(name: &str) -> Result<Ident, DbErr> {
    Ident::column(name).ok_or_else(|| DbErr::Custom(format!("invalid column name {name:?}")))
}

pub fn table_of(collection: &str) -> Result<Ident, DbErr> {
    Ident::table(collection)
        .ok_or_else(|| DbErr::Custom(format!("invalid collection name {collection:?}")))
}

pub async fn create_table(db: &impl ConnectionTrait, spec: &CollectionSpec) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let table = table_of(&spec.name)?;
    let ts = timestamp_type(backend);
    let mut sql = Sql::new(backend);
    sql.push("CREATE TABLE ").ident(&table).push(" (");
    sql.push(match backend {
        DatabaseBackend::Postgres => "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
        DatabaseBackend::MySql => "id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY",
        _ => "id INTEGER PRIMARY KEY AUTOINCREMENT",
    });
    sql.push(&format!(
        ", created_at {ts} NOT NULL, updated_at {ts} NOT NULL, source_id VARCHAR(64) NULL"
    ));
    for field in &spec.fields {
        sql.push(", ")
            .ident(&ident_of(&field.name)?)
            .push(" ")
            .push(column_type(backend, field))
            .push(" NULL");
    }
    sql.push(")");
    if backend == DatabaseBackend::MySql {
        sql.push(" DEFAULT CHARSET = utf8mb4");
    }
    run(db, sql).await?;
    let mut sql = Sql::new(backend);
    sql.push("CREATE UNIQUE INDEX ")
        .ident(&Ident::index("ux", &table, "source_id"))
        .push(" ON ")
        .ident(&table)
        .push(" (source_id)");
    run(db, sql).await?;
    let mut sql = Sql::new(backend);
    sql.push("CREATE INDEX ")
        .ident(&Ident::index("ix", &table, "created_at"))
        .push(" ON ")
        .ident(&table)
        .push(" (created_at)");
    run(db, sql).await?;
    for field in spec.fields.iter().filter(|f| f.unique) {
        create_unique(db, &table, &field.name).await?;
    }
    for index in &spec.indexes {
        create_index(db, &table, index).await?;
    }
    Ok(())
}

pub async fn drop_table(db: &impl ConnectionTrait, collection: &str) -> Result<(), DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("DROP TABLE IF EXISTS ")
        .ident(&table_of(collection)?);
    run(db, sql).await
}

pub async fn create_unique(
    db: &impl ConnectionTrait,
    table: &Ident,
    field: &str,
) -> Result<(), DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("CREATE UNIQUE INDEX ")
        .ident(&unique_index_name(table, field))
        .push(" ON ")
        .ident(table)
        .push(" (")
        .ident(&ident_of(field)?)
        .push(")");
    run(db, sql).await
}

pub async fn create_index(
    db: &impl ConnectionTrait,
    table: &Ident,
    index: &IndexDef,
) -> Result<(), DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(if index.unique {
        "CREATE UNIQUE INDEX "
    } else {
        "CREATE INDEX "
    })
    .ident(&index_name(table, index))
    .push(" ON ")
    .ident(table)
    .push(" (");
    for (i, field) in index.fields.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.ident(&ident_of(field)?);
    }
    sql.push(")");
    run(db, sql).await
}

pub async fn drop_index(
    db: &impl ConnectionTrait,
    table: &Ident,
    name: &Ident,
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let mut sql = Sql::new(backend);
    sql.push("DROP INDEX ").ident(name);
    if backend == DatabaseBackend::MySql {
        sql.push(" ON ").ident(table);
    }
    run(db, sql).await
}

pub async fn add_column(
    db: &impl ConnectionTrait,
    table: &Ident,
    field: &FieldDef,
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let mut sql = Sql::new(backend);
    sql.push("ALTER TABLE ")
        .ident(table)
        .push(" ADD COLUMN ")
        .ident(&ident_of(&field.name)?)
        .push(" ")
        .push(column_type(backend, field))
        .push(" NULL");
    run(db, sql).await
}

pub async fn drop_column(
    db: &impl ConnectionTrait,
    table: &Ident,
    field: &str,
) -> Result<(), DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("ALTER TABLE ")
        .ident(table)
        .push(" DROP COLUMN ")
        .ident(&ident_of(field)?);
    run(db, sql).await
}

/// MySQL only: a text field moved between VARCHAR and MEDIUMTEXT.
pub async fn modify_column(
    db: &impl ConnectionTrait,
    table: &Ident,
    field: &FieldDef,
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let mut sql = Sql::new(backend);
    sql.push("ALTER TABLE ")
        .ident(table)
        .push(" MODIFY COLUMN ")
        .ident(&ident_of(&field.name)?)
        .push(" ")
        .push(column_type(backend, field))
        .push(" NULL");
    run(db, sql).await
}

/// Set `field` to `value` wherever it is null (a default given to existing records).
pub async fn fill_nulls(
    db: &impl ConnectionTrait,
    table: &Ident,
    field: &str,
    value: SqlValue,
) -> Result<u64, DbErr> {
    let column = ident_of(field)?;
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("UPDATE ")
        .ident(table)
        .push(" SET ")
        .ident(&column)
        .push(" = ")
        .bind(value)
        .push(" WHERE ")
        .ident(&column)
        .push(" IS NULL");
    Ok(db.execute(sql.statement()).await?.rows_affected())
}

/// How many records have no value in `field` (or, with `longer_than`, a text longer than it).
pub async fn count_where(
    db: &impl ConnectionTrait,
    table: &Ident,
    field: &str,
    longer_than: Option<u32>,
) -> Result<i64, DbErr> {
    let backend = db.get_database_backend();
    let column = ident_of(field)?;
    let mut sql = Sql::new(backend);
    sql.push("SELECT COUNT(*) AS n FROM ")
        .ident(table)
        .push(" WHERE ");
    match longer_than {
        None => {
            sql.ident(&column).push(" IS NOT NULL");
        }
        Some(max) => {
            sql.push(if backend == DatabaseBackend::MySql {
                "CHAR_LENGTH("
            } else {
                "LENGTH("
            })
            .ident(&column)
            .push(") > ")
            .bind(i64::from(max));
        }
    }
    count(db, sql).await
}

/// Whether two records hold the same non-null value in `field`.
pub async fn has_duplicates(
    db: &impl ConnectionTrait,
    table: &Ident,
    field: &str,
) -> Result<bool, DbErr> {
    let column = ident_of(field)?;
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT ")
        .ident(&column)
        .push(" FROM ")
        .ident(table)
        .push(" WHERE ")
        .ident(&column)
        .push(" IS NOT NULL GROUP BY ")
        .ident(&column)
        .push(" HAVING COUNT(*) > 1 LIMIT 1");
    Ok(first(db, sql).await?.is_some())
}

/// Records in the table.
pub async fn count_all(db: &impl ConnectionTrait, table: &Ident) -> Result<i64, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT COUNT(*) AS n FROM ").ident(table);
    count(db, sql).await
}

/// Records with no value in `field`.
pub async fn count_null(
    db: &impl ConnectionTrait,
    table: &Ident,
    field: &str,
) -> Result<i64, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT COUNT(*) AS n FROM ")
        .ident(table)
        .push(" WHERE ")
        .ident(&ident_of(field)?)
        .push(" IS NULL");
    count(db, sql).await
}

async fn count(db: &impl ConnectionTrait, sql: Sql) -> Result<i64, DbErr> {
    let row = first(db, sql).await?;
    match row {
        Some(row) => row.try_get::<i64>("", "n"),
        None => Ok(0),
    }
}

/// Whether the table holds more than `limit` records, found without counting them all.
pub async fn more_than(
    db: &impl ConnectionTrait,
    table: &Ident,
    limit: u32,
) -> Result<bool, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT id FROM ")
        .ident(table)
        .push(" ORDER BY id LIMIT 1 OFFSET ")
        .bind(i64::from(limit));
    Ok(first(db, sql).await?.is_some())
}

// ---------------------------------------------------------------------------------------------
// Records

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
pub type Condition<'a> = &'a (dyn Fn(&mut Sql) -> Result<(), super::expr::ExprError> + Sync);

pub struct Select<'a> {
    pub table: &'a Ident,
    pub fields: &'a [&'a FieldDef],
    pub conditions: Vec<Condition<'a>>,
    pub order: &'a [super::query::SortKey],
    pub after: Option<Vec<SqlValue>>,
    pub limit: Option<u64>,
}

/// Errors of building a statement: a condition that does not compile, or the database.
pub enum SelectError {
    Expr(super::expr::ExprError),
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
        super::query::after(&mut sql, q.order, values);
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
    if let Some(condition) = condition {
        sql.push(" AND (");
        condition(&mut sql).map_err(SelectError::Expr)?;
        sql.push(")");
    }
    Ok(db.execute(sql.statement()).await?.rows_affected())
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

// ---------------------------------------------------------------------------------------------
// Imports

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
