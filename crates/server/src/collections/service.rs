//! The rules of collections: what a valid definition is, how a change to one migrates its table
//! (and when it must be confirmed), and who may list, view, create, update and delete records.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseTransaction, DbErr, SqlErr, TransactionTrait,
    Value as SqlValue,
};
use serde_json::{Map, Value};

use super::expr::{self, Expr, ExprError, Mode};
use super::model::{
    Action, CollectionSpec, CollectionView, FieldDef, FieldType, IndexDef, DEFAULT_TEXT_LENGTH,
    MAX_FIELDS, MAX_INDEXED_TEXT_LENGTH, MAX_INDEXES, MAX_TEXT_LENGTH, USERS_TARGET,
};
use super::query::{self, Caller, Ctx, SortKey};
use super::repo::{self, Row, Select, SelectError};
use super::sql::{valid_name, Ident, Sql, RESERVED_COLLECTIONS, RESERVED_FIELDS};
use crate::auth::guard::Principal;
use crate::auth::jwt::SubjectKind;
use crate::config::Config;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::http::pagination::{decode_cursor, Page};
use crate::state::AppState;
use crate::store::cache::{Cache, CacheSpec};
use crate::store::Db;
use crate::users::model::Role;

const DEFINITIONS: CacheSpec = CacheSpec {
    namespace: "collection",
    ttl: Duration::from_secs(30),
    shared: false,
};

/// The most conditions a filter (and `where`) may hold together.
pub const MAX_CONDITIONS: usize = 20;
/// The most relations expanded in one request.
pub const MAX_EXPAND: usize = 5;
/// The most operations in one batch.
pub const MAX_BATCH: usize = 50;
pub const MAX_LIMIT: u32 = 100;
pub const DEFAULT_LIMIT: u32 = 20;

pub fn caller_of(principal: Option<&Principal>) -> Caller {
    match principal {
        None => Caller::default(),
        Some(p) => Caller {
            // Console accounts are not users: their ids would collide with users' ids.
            id: (p.kind == SubjectKind::User).then_some(p.id),
            role: Some(p.role.as_str().to_string()),
            admin: p.role == Role::Admin,
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Definitions

fn invalid(field: &str, problem: impl std::fmt::Display) -> AppError {
    AppError::validation(field, problem)
}

fn rule_error(action: Action, err: &ExprError) -> AppError {
    AppError::new(
        ErrorCode::InvalidRule,
        format!("rules.{}: {err}", action.as_str()),
    )
}

/// Check a definition. `collections` are the names that exist (relation targets).
pub fn validate_spec(spec: &CollectionSpec, collections: &BTreeSet<String>) -> AppResult<()> {
    if !valid_name(&spec.name) {
        return Err(invalid(
            "name",
            "must match ^[a-z][a-z0-9_]{0,39}$ (lowercase letters, digits, single underscores)",
        ));
    }
    if RESERVED_COLLECTIONS.contains(&spec.name.as_str()) {
        return Err(invalid("name", format!("'{}' is reserved", spec.name)));
    }
    if spec.fields.len() > MAX_FIELDS {
        return Err(invalid("fields", format!("at most {MAX_FIELDS} fields")));
    }
    let mut seen = BTreeSet::new();
    for (i, field) in spec.fields.iter().enumerate() {
        let at = format!("fields[{i}]");
        if !valid_name(&field.name) {
            return Err(invalid(
                &format!("{at}.name"),
                "must match ^[a-z][a-z0-9_]{0,39}$",
            ));
        }
        if RESERVED_FIELDS.contains(&field.name.as_str()) {
            return Err(invalid(
                &format!("{at}.name"),
                format!("'{}' is reserved", field.name),
            ));
        }
        if !seen.insert(field.name.as_str()) {
            return Err(invalid(
                &format!("{at}.name"),
                format!("'{}' appears twice", field.name),
            ));
        }
        validate_field(field, &at, &spec.name, collections)?;
    }
    if spec.indexes.len() > MAX_INDEXES {
        return Err(invalid("indexes", format!("at most {MAX_INDEXES} indexes")));
    }
    let mut index_keys = BTreeSet::new();
    for (i, index) in spec.indexes.iter().enumerate() {
        let at = format!("indexes[{i}]");
        if index.fields.is_empty() || index.fields.len() > 4 {
            return Err(invalid(&format!("{at}.fields"), "1 to 4 fields"));
        }
        for name in &index.fields {
            let Some(field) = spec.field(name) else {
                return Err(invalid(
                    &format!("{at}.fields"),
                    format!("unknown field '{name}'"),
                ));
            };
            if !indexable(field) {
                return Err(invalid(
                    &format!("{at}.fields"),
                    format!("'{name}' cannot be indexed (json, or text longer than {MAX_INDEXED_TEXT_LENGTH})"),
                ));
            }
        }
        if !index_keys.insert(index.fields.clone()) {
            return Err(invalid(&at, "the same fields are indexed twice"));
        }
    }
    if let Some(owner) = &spec.owner_field {
        let ok = spec.field(owner).is_some_and(|f| {
            f.field_type == FieldType::Relation && f.target.as_deref() == Some(USERS_TARGET)
        });
        if !ok {
            return Err(invalid(
                "owner_field",
                format!("'{owner}' is not a relation field with target \"users\""),
            ));
        }
    }
    if spec.scan_limit.is_some_and(|n| n > 10_000_000) {
        return Err(invalid("scan_limit", "at most 10000000"));
    }
    for action in Action::ALL {
        if let Some(text) = spec.rules.get(action) {
            if text.trim().is_empty() {
                continue;
            }
            let parsed = expr::parse(text, Mode::Rule).map_err(|e| rule_error(action, &e))?;
            expr::check(&parsed, spec).map_err(|e| rule_error(action, &e))?;
        }
    }
    Ok(())
}

fn indexable(field: &FieldDef) -> bool {
    field.field_type != FieldType::Json
        && !(field.field_type == FieldType::Text && field.max_length() > MAX_INDEXED_TEXT_LENGTH)
}

fn validate_field(
    field: &FieldDef,
    at: &str,
    own_name: &str,
    collections: &BTreeSet<String>,
) -> AppResult<()> {
    match (field.field_type, field.max_length) {
        (FieldType::Text, Some(n)) if n == 0 || n > MAX_TEXT_LENGTH => {
            return Err(invalid(
                &format!("{at}.max_length"),
                format!("1 to {MAX_TEXT_LENGTH}"),
            ))
        }
        (FieldType::Text, _) | (_, None) => {}
        (_, Some(_)) => {
            return Err(invalid(
                &format!("{at}.max_length"),
                "only text fields have a max_length",
            ))
        }
    }
    match (field.field_type, field.target.as_deref()) {
        (FieldType::Relation, None) => {
            return Err(invalid(
                &format!("{at}.target"),
                "a relation needs a target: \"users\" or a collection",
            ))
        }
        (FieldType::Relation, Some(target)) => {
            if target != USERS_TARGET && target != own_name && !collections.contains(target) {
                return Err(invalid(
                    &format!("{at}.target"),
                    format!("no collection '{target}'"),
                ));
            }
        }
        (_, Some(_)) => {
            return Err(invalid(
                &format!("{at}.target"),
                "only relation fields have a target",
            ))
        }
        (_, None) => {}
    }
    if field.unique && !indexable(field) {
        return Err(invalid(
            &format!("{at}.unique"),
            format!("json fields and text longer than {MAX_INDEXED_TEXT_LENGTH} cannot be unique"),
        ));
    }
    if let Some(default) = &field.default {
        if matches!(field.field_type, FieldType::Relation | FieldType::File) {
            return Err(invalid(
                &format!("{at}.default"),
                "relation and file fields have no default",
            ));
        }
        if field.unique {
            return Err(invalid(
                &format!("{at}.default"),
                "a unique field cannot have a default",
            ));
        }
        if default.is_null() {
            return Err(invalid(
                &format!("{at}.default"),
                "use no default instead of null",
            ));
        }
        to_sql(field, default, None).map_err(|p| invalid(&format!("{at}.default"), p))?;
    }
    Ok(())
}

fn parse_stored(row: &repo::DefinitionRow) -> AppResult<CollectionView> {
    let spec: CollectionSpec = serde_json::from_str(&row.spec).map_err(|err| {
        AppError::internal(anyhow::anyhow!(
            "collection {} has an unreadable definition: {err}",
            row.name
        ))
    })?;
    Ok(CollectionView {
        id: row.id,
        spec,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// A collection by name, through the cache (every records request needs it).
pub async fn load(state: &AppState, name: &str) -> AppResult<Arc<CollectionView>> {
    if !valid_name(name) {
        return Err(AppError::not_found("collection"));
    }
    let db = state.db.clone();
    let owned = name.to_string();
    state
        .cache
        .get_or_load(&DEFINITIONS, name, || async move {
            match repo::find_definition(&db, &owned).await? {
                Some(row) => parse_stored(&row),
                None => Err(AppError::not_found("collection")),
            }
        })
        .await
}

pub async fn get_collection(db: &Db, name: &str) -> AppResult<CollectionView> {
    match repo::find_definition(db, name).await? {
        Some(row) => parse_stored(&row),
        None => Err(AppError::not_found("collection")),
    }
}

pub async fn list_collections(db: &Db) -> AppResult<Vec<CollectionView>> {
    repo::list_definitions(db)
        .await?
        .iter()
        .map(parse_stored)
        .collect()
}

async fn collection_names(db: &impl ConnectionTrait) -> AppResult<BTreeSet<String>> {
    Ok(repo::list_definitions(db)
        .await?
        .into_iter()
        .map(|row| row.name)
        .collect())
}

/// Define a collection and create its table.
pub async fn create_collection(db: &Db, spec: CollectionSpec) -> AppResult<CollectionView> {
    let names = collection_names(db).await?;
    validate_spec(&spec, &names)?;
    if names.contains(&spec.name) {
        return Err(AppError::conflict(
            ErrorCode::Conflict,
            format!("collection '{}' already exists", spec.name),
        ));
    }
    let json = serde_json::to_string(&spec).map_err(AppError::internal)?;
    let now = Utc::now();
    let txn = db.begin().await?;
    let created = async {
        repo::insert_definition(&txn, &spec.name, &json, now).await?;
        repo::create_table(&txn, &spec).await
    }
    .await;
    match created {
        Ok(()) => txn.commit().await?,
        Err(err) => {
            drop(txn);
            // MySQL commits DDL as it goes: take back what was made.
            if db.get_database_backend() == DatabaseBackend::MySql {
                let _ = repo::drop_table(db, &spec.name).await;
            }
            if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) {
                return Err(AppError::conflict(
                    ErrorCode::Conflict,
                    format!("collection '{}' already exists", spec.name),
                ));
            }
            return Err(err.into());
        }
    }
    get_collection(db, &spec.name).await
}

/// What a change does to a table, worked out before anything runs.
#[derive(Default)]
struct Plan {
    drop_indexes: Vec<Ident>,
    drop_columns: Vec<String>,
    add_columns: Vec<FieldDef>,
    modify_columns: Vec<FieldDef>,
    fills: Vec<(String, SqlValue)>,
    create_uniques: Vec<String>,
    create_indexes: Vec<IndexDef>,
    /// Data the change deletes: refused unless confirmed.
    losses: Vec<String>,
    /// Existing data the change cannot accept: always refused.
    conflicts: Vec<String>,
}

/// Change a collection's definition and migrate its table. Dropping or retyping a field deletes
/// data, so it needs `confirm_data_loss`; otherwise the answer is a 409 naming what would go.
pub async fn update_collection(
    db: &Db,
    name: &str,
    mut spec: CollectionSpec,
    confirm_data_loss: bool,
) -> AppResult<CollectionView> {
    if spec.name.is_empty() {
        spec.name = name.to_string();
    }
    if spec.name != name {
        return Err(invalid("name", "collections cannot be renamed"));
    }
    let old = get_collection(db, name).await?.spec;
    let names = collection_names(db).await?;
    validate_spec(&spec, &names)?;
    let table = repo::table_of(name)?;
    let backend = db.get_database_backend();
    let mut plan = Plan::default();
    let total = repo::count_all(db, &table).await?;
    let retyped: BTreeSet<&str> = old
        .fields
        .iter()
        .filter(|f| {
            spec.field(&f.name)
                .is_some_and(|n| n.field_type != f.field_type || n.target != f.target)
        })
        .map(|f| f.name.as_str())
        .collect();
    for field in &old.fields {
        match spec.field(&field.name) {
            None => {
                let held = repo::count_where(db, &table, &field.name, None).await?;
                plan.losses.push(format!(
                    "dropping field '{}' deletes its values in {held} records",
                    field.name
                ));
                if field.unique {
                    plan.drop_indexes
                        .push(repo::unique_index_name(&table, &field.name));
                }
                plan.drop_columns.push(field.name.clone());
            }
            Some(new) if retyped.contains(field.name.as_str()) => {
                let held = repo::count_where(db, &table, &field.name, None).await?;
                plan.losses.push(format!(
                    "changing field '{}' from {} to {} deletes its values in {held} records",
                    field.name,
                    describe_type(field),
                    describe_type(new)
                ));
                if field.unique {
                    plan.drop_indexes
                        .push(repo::unique_index_name(&table, &field.name));
                }
                plan.drop_columns.push(field.name.clone());
                plan.add_columns.push(new.clone());
                if new.required && new.default.is_none() && total > 0 {
                    plan.conflicts.push(format!(
                        "field '{}' would be required with no value in {total} records: give it a default",
                        new.name
                    ));
                }
                if let Some(default) = &new.default {
                    plan.fills.push((
                        new.name.clone(),
                        to_sql(new, default, None).map_err(|p| invalid("default", p))?,
                    ));
                }
                if new.unique {
                    plan.create_uniques.push(new.name.clone());
                }
            }
            Some(new) => {
                if field.unique && !new.unique {
                    plan.drop_indexes
                        .push(repo::unique_index_name(&table, &field.name));
                }
                if new.field_type == FieldType::Text && new.max_length() < field.max_length() {
                    let longer =
                        repo::count_where(db, &table, &field.name, Some(new.max_length())).await?;
                    if longer > 0 {
                        plan.conflicts.push(format!(
                            "field '{}': {longer} records hold text longer than {}",
                            field.name,
                            new.max_length()
                        ));
                    }
                }
                if repo::column_type_changes(backend, field, new) {
                    plan.modify_columns.push(new.clone());
                }
                if new.required && !field.required {
                    let missing = repo::count_null(db, &table, &field.name).await?;
                    if missing > 0 {
                        match &new.default {
                            Some(default) => plan.fills.push((
                                new.name.clone(),
                                to_sql(new, default, None).map_err(|p| invalid("default", p))?,
                            )),
                            None => plan.conflicts.push(format!(
                                "field '{}' has no value in {missing} records: give it a default to make it required",
                                field.name
                            )),
                        }
                    }
                }
                if new.unique && !field.unique {
                    if repo::has_duplicates(db, &table, &field.name).await? {
                        plan.conflicts.push(format!(
                            "field '{}' holds the same value in several records: it cannot be unique",
                            field.name
                        ));
                    }
                    plan.create_uniques.push(new.name.clone());
                }
            }
        }
    }
    for new in spec.fields.iter().filter(|f| old.field(&f.name).is_none()) {
        plan.add_columns.push(new.clone());
        match &new.default {
            Some(default) => plan.fills.push((
                new.name.clone(),
                to_sql(new, default, None).map_err(|p| invalid("default", p))?,
            )),
            None if new.required && total > 0 => plan.conflicts.push(format!(
                "new field '{}' is required but {total} records exist: give it a default",
                new.name
            )),
            None => {}
        }
        if new.unique {
            plan.create_uniques.push(new.name.clone());
        }
    }
    let touches_retyped =
        |index: &IndexDef| index.fields.iter().any(|f| retyped.contains(f.as_str()));
    for index in &old.indexes {
        if !spec.indexes.contains(index) || touches_retyped(index) {
            plan.drop_indexes.push(repo::index_name(&table, index));
        }
    }
    for index in &spec.indexes {
        if !old.indexes.contains(index) || touches_retyped(index) {
            plan.create_indexes.push(index.clone());
        }
    }
    if !plan.conflicts.is_empty() {
        return Err(AppError::conflict(
            ErrorCode::Conflict,
            plan.conflicts.join("; "),
        ));
    }
    if !plan.losses.is_empty() && !confirm_data_loss {
        return Err(AppError::conflict(
            ErrorCode::DestructiveChange,
            format!(
                "{}; send confirm_data_loss: true to go ahead",
                plan.losses.join("; ")
            ),
        ));
    }
    let json = serde_json::to_string(&spec).map_err(AppError::internal)?;
    // One transaction: on PostgreSQL and SQLite the whole change lands or none of it. MySQL
    // commits each DDL statement; the checks above leave it little that can fail midway.
    let txn = db.begin().await?;
    apply(&txn, &table, &plan).await?;
    repo::update_definition(&txn, name, &json, Utc::now()).await?;
    txn.commit().await?;
    get_collection(db, name).await
}

fn describe_type(field: &FieldDef) -> String {
    match (&field.field_type, &field.target) {
        (FieldType::Relation, Some(target)) => format!("relation to {target}"),
        (t, _) => t.as_str().to_string(),
    }
}

async fn apply(txn: &DatabaseTransaction, table: &Ident, plan: &Plan) -> Result<(), DbErr> {
    for index in &plan.drop_indexes {
        repo::drop_index(txn, table, index).await?;
    }
    for column in &plan.drop_columns {
        repo::drop_column(txn, table, column).await?;
    }
    for field in &plan.add_columns {
        repo::add_column(txn, table, field).await?;
    }
    for field in &plan.modify_columns {
        repo::modify_column(txn, table, field).await?;
    }
    for (field, value) in &plan.fills {
        repo::fill_nulls(txn, table, field, value.clone()).await?;
    }
    for field in &plan.create_uniques {
        repo::create_unique(txn, table, field).await?;
    }
    for index in &plan.create_indexes {
        repo::create_index(txn, table, index).await?;
    }
    Ok(())
}

/// Drop a collection and all its records (needs `confirm`); refused while another collection
/// relates to it.
pub async fn delete_collection(db: &Db, name: &str, confirm: bool) -> AppResult<()> {
    let coll = get_collection(db, name).await?;
    let others = list_collections(db).await?;
    let referring: Vec<String> = others
        .iter()
        .filter(|c| c.spec.name != name)
        .filter(|c| {
            c.spec
                .fields
                .iter()
                .any(|f| f.target.as_deref() == Some(name))
        })
        .map(|c| c.spec.name.clone())
        .collect();
    if !referring.is_empty() {
        return Err(AppError::conflict(
            ErrorCode::Conflict,
            format!(
                "collections {} relate to '{name}'; change them first",
                referring.join(", ")
            ),
        ));
    }
    if !confirm {
        let table = repo::table_of(&coll.spec.name)?;
        let total = repo::count_all(db, &table).await?;
        return Err(AppError::conflict(
            ErrorCode::DestructiveChange,
            format!("deleting '{name}' deletes its {total} records; send confirm=true to go ahead"),
        ));
    }
    let txn = db.begin().await?;
    repo::delete_definition(&txn, name).await?;
    repo::drop_table(&txn, name).await?;
    txn.commit().await?;
    Ok(())
}

pub async fn forget(cache: &Cache, name: &str) {
    cache.invalidate(&DEFINITIONS, name).await;
}

// ---------------------------------------------------------------------------------------------
// Values

/// A field's SQL null of the right type (PostgreSQL wants typed parameters).
fn typed_null(field: &FieldDef) -> SqlValue {
    match field.field_type {
        FieldType::Text | FieldType::Json | FieldType::File => SqlValue::String(None),
        FieldType::Number => SqlValue::Double(None),
        FieldType::Bool => SqlValue::Bool(None),
        FieldType::Date => SqlValue::ChronoDateTimeUtc(None),
        FieldType::Relation => SqlValue::BigInt(None),
    }
}

/// The storage key in a file value: the key itself, or a URL of ours that ends in it.
fn file_key(text: &str, config: Option<&Config>) -> Option<String> {
    let key = match config {
        Some(config) => text
            .strip_prefix(&format!("{}/files/", config.public_url))
            .unwrap_or(text),
        None => text,
    };
    let valid = !key.is_empty()
        && key.len() <= 191
        && !key.contains("..")
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    valid.then(|| key.to_string())
}

/// A JSON value as the SQL value of `field`; the problem in words when it does not fit.
pub fn to_sql(
    field: &FieldDef,
    value: &Value,
    config: Option<&Config>,
) -> Result<SqlValue, String> {
    if value.is_null() {
        return Ok(typed_null(field));
    }
    Ok(match field.field_type {
        FieldType::Text => {
            let Value::String(s) = value else {
                return Err("must be a string".into());
            };
            let max = field.max_length.unwrap_or(DEFAULT_TEXT_LENGTH) as usize;
            if s.chars().count() > max {
                return Err(format!("is longer than {max} characters"));
            }
            s.clone().into()
        }
        FieldType::Number => match value.as_f64() {
            Some(n) if value.is_number() && n.is_finite() => n.into(),
            _ => return Err("must be a number".into()),
        },
        FieldType::Bool => match value {
            Value::Bool(b) => (*b).into(),
            _ => return Err("must be true or false".into()),
        },
        FieldType::Date => {
            let text = match value {
                Value::String(s) => s.as_str(),
                Value::Object(o) if o.len() == 1 => match o.get("$date") {
                    Some(Value::String(s)) => s.as_str(),
                    _ => return Err("must be an RFC 3339 date string".into()),
                },
                _ => return Err("must be an RFC 3339 date string".into()),
            };
            match query::parse_date(text) {
                Some(date) => date.into(),
                None => return Err("must be an RFC 3339 date string".into()),
            }
        }
        FieldType::Json => {
            let text = value.to_string();
            if text.len() > 1 << 20 {
                return Err("is larger than 1 MiB".into());
            }
            text.into()
        }
        FieldType::File => match value {
            Value::String(s) => match file_key(s, config) {
                Some(key) => key.into(),
                None => return Err("must be the key or URL of a stored file".into()),
            },
            _ => return Err("must be the key or URL of a stored file".into()),
        },
        FieldType::Relation => match value.as_i64() {
            Some(id) if id > 0 => id.into(),
            _ => return Err("must be the id of a record (a positive integer)".into()),
        },
    })
}

/// Checked values of a record body.
struct Written {
    columns: Vec<(Ident, SqlValue)>,
    /// Relation ids by target, and file keys, to check that they exist.
    relations: BTreeMap<String, Vec<(String, i64)>>,
    files: Vec<(String, String)>,
}

/// Check a body against the collection. `create` applies defaults and required fields; an
/// update only writes what was sent.
fn check_body(
    spec: &CollectionSpec,
    body: &Map<String, Value>,
    caller: &Caller,
    config: Option<&Config>,
    create: bool,
    prefix: &str,
) -> AppResult<Written> {
    for key in body.keys() {
        if spec.field(key).is_none() {
            let why = if matches!(key.as_str(), "id" | "created_at" | "updated_at") {
                "is set by the server"
            } else {
                "is not a field of this collection"
            };
            return Err(invalid(&format!("{prefix}{key}"), why));
        }
    }
    let mut written = Written {
        columns: Vec::new(),
        relations: BTreeMap::new(),
        files: Vec::new(),
    };
    for field in &spec.fields {
        let is_owner = spec.owner_field.as_deref() == Some(field.name.as_str());
        let sent = body.get(&field.name);
        let at = format!("{prefix}{}", field.name);
        let value = if is_owner && !caller.admin {
            match (create, sent) {
                // The owner comes from the caller, whatever was sent (if it was the caller).
                (true, None) => caller.id.map_or(Value::Null, Value::from),
                (true, Some(v)) if caller.id.is_some() && v.as_i64() == caller.id => v.clone(),
                (false, None) => continue,
                (_, Some(_)) => {
                    return Err(invalid(
                        &at,
                        "is the record's owner and is set by the server",
                    ))
                }
            }
        } else {
            match (sent, create) {
                (Some(v), _) => v.clone(),
                (None, true) => match (&field.default, is_owner) {
                    (Some(default), _) => default.clone(),
                    (None, true) => caller.id.map_or(Value::Null, Value::from),
                    (None, false) => Value::Null,
                },
                (None, false) => continue,
            }
        };
        if value.is_null() && field.required {
            return Err(invalid(&at, "is required"));
        }
        let sql = to_sql(field, &value, config).map_err(|p| invalid(&at, p))?;
        if !value.is_null() {
            match field.field_type {
                FieldType::Relation => {
                    if let (Some(target), Some(id)) = (&field.target, value.as_i64()) {
                        written
                            .relations
                            .entry(target.clone())
                            .or_default()
                            .push((at.clone(), id));
                    }
                }
                FieldType::File => {
                    if let SqlValue::String(Some(key)) = &sql {
                        written.files.push((at.clone(), key.to_string()));
                    }
                }
                _ => {}
            }
        }
        let column = Ident::column(&field.name)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("bad stored field name")))?;
        written.columns.push((column, sql));
    }
    Ok(written)
}

/// Refuse relation ids and file keys that point at nothing.
async fn check_references(conn: &impl ConnectionTrait, written: &Written) -> AppResult<()> {
    for (target, refs) in &written.relations {
        let ids: Vec<i64> = refs.iter().map(|(_, id)| *id).collect();
        let found = if target == USERS_TARGET {
            repo::user_profiles(conn, &ids)
                .await?
                .into_iter()
                .map(|(id, _, _)| id)
                .collect::<Vec<_>>()
        } else {
            repo::existing_ids(conn, &repo::table_of(target)?, &ids).await?
        };
        if let Some((at, id)) = refs.iter().find(|(_, id)| !found.contains(id)) {
            let what = if target == USERS_TARGET {
                "no user".to_string()
            } else {
                format!("no record in '{target}'")
            };
            return Err(invalid(at, format!("{what} has id {id}")));
        }
    }
    if !written.files.is_empty() {
        let keys: Vec<String> = written.files.iter().map(|(_, k)| k.clone()).collect();
        let found = repo::existing_files(conn, &keys).await?;
        if let Some((at, _)) = written.files.iter().find(|(_, k)| !found.contains(k)) {
            return Err(invalid(at, "no stored file has this key"));
        }
    }
    Ok(())
}

/// A unique index refused a write: say which field.
fn write_error(spec: &CollectionSpec, err: DbErr) -> AppError {
    if let Some(SqlErr::UniqueConstraintViolation(message)) = err.sql_err() {
        if let Ok(table) = repo::table_of(&spec.name) {
            for field in spec.fields.iter().filter(|f| f.unique) {
                let index = repo::unique_index_name(&table, &field.name);
                if message.contains(index.as_str())
                    || message.contains(&format!("{}.{}", table.as_str(), field.name))
                {
                    return AppError::conflict(
                        ErrorCode::Conflict,
                        format!("{}: another record has this value", field.name),
                    );
                }
            }
        }
        return AppError::conflict(
            ErrorCode::Conflict,
            "another record has the same values in a unique index",
        );
    }
    err.into()
}

fn select_error(err: SelectError) -> AppError {
    match err {
        SelectError::Db(err) => err.into(),
        // Rules were checked when saved; a rule that fails to compile now is a server fault.
        SelectError::Expr(err) => {
            AppError::internal(anyhow::anyhow!("rule does not compile: {err}"))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Access

enum Access {
    All,
    Denied,
    Rule(Expr),
}

fn access(spec: &CollectionSpec, action: Action, caller: &Caller) -> AppResult<Access> {
    if caller.admin {
        return Ok(Access::All);
    }
    match spec.rules.get(action) {
        None => Ok(Access::Denied),
        Some(text) if text.trim().is_empty() => Ok(Access::All),
        Some(text) => expr::parse(text, Mode::Rule)
            .map(Access::Rule)
            .map_err(|e| AppError::internal(anyhow::anyhow!("stored rule does not parse: {e}"))),
    }
}

fn denied(action: Action, name: &str) -> AppError {
    AppError::forbidden(format!(
        "the {} rule of '{name}' does not allow this",
        action.as_str()
    ))
}

// ---------------------------------------------------------------------------------------------
// Records

/// Callers whose view rules are checked in one statement (realtime, per event and node).
const RULES_PER_CHECK: usize = 32;

/// Who may watch a collection's record events: the caller its view rule is checked for. No
/// such collection is a 404; a view rule that allows nobody but admins, a 403.
pub async fn watcher(state: &AppState, principal: &Principal, name: &str) -> AppResult<Caller> {
    let coll = load(state, name).await?;
    let caller = caller_of(Some(principal));
    match access(&coll.spec, Action::View, &caller)? {
        Access::Denied => Err(denied(Action::View, name)),
        Access::All | Access::Rule(_) => Ok(caller),
    }
}

/// For each caller, whether the collection's view rule lets it see `record` (as the API shows
/// it, which is what realtime events carry). The rule is compiled as for `GET` of the record,
/// and evaluated by the database on the record's values, for many callers in one statement.
pub async fn visible_to(
    state: &AppState,
    name: &str,
    record: &Map<String, Value>,
    callers: &[&Caller],
) -> AppResult<Vec<bool>> {
    let coll = load(state, name).await?;
    let spec = &coll.spec;
    let mut visible = vec![false; callers.len()];
    let mut pending: Vec<(usize, Expr)> = Vec::new();
    for (i, caller) in callers.iter().enumerate() {
        match access(spec, Action::View, caller)? {
            Access::All => visible[i] = true,
            Access::Denied => {}
            Access::Rule(rule) => pending.push((i, rule)),
        }
    }
    if pending.is_empty() {
        return Ok(visible);
    }
    let values = record_values(&state.config, spec, record)?;
    for chunk in pending.chunks(RULES_PER_CHECK) {
        let ctxs: Vec<Ctx<'_>> = chunk
            .iter()
            .map(|(i, _)| Ctx {
                spec,
                caller: callers[*i],
                body: None,
            })
            .collect();
        let compiled: Vec<_> = chunk
            .iter()
            .zip(&ctxs)
            .map(|((_, rule), ctx)| move |sql: &mut Sql| query::compile(rule, ctx, sql))
            .collect();
        let conditions: Vec<repo::Condition<'_>> =
            compiled.iter().map(|c| c as repo::Condition<'_>).collect();
        let held = repo::evaluate(&state.db, &values, &conditions)
            .await
            .map_err(select_error)?;
        for ((i, _), yes) in chunk.iter().zip(held) {
            visible[*i] = yes;
        }
    }
    Ok(visible)
}

/// A record as the API shows it, back as the column values it was read from.
fn record_values(
    config: &Config,
    spec: &CollectionSpec,
    record: &Map<String, Value>,
) -> AppResult<Vec<(Ident, SqlValue)>> {
    let unreadable = |what: &str| {
        AppError::internal(anyhow::anyhow!(
            "a record event of '{}' has no valid {what}",
            spec.name
        ))
    };
    let id = record
        .get("id")
        .and_then(Value::as_i64)
        .ok_or_else(|| unreadable("id"))?;
    let mut values: Vec<(Ident, SqlValue)> = vec![(Ident::system("id"), id.into())];
    for system in ["created_at", "updated_at"] {
        let at = record
            .get(system)
            .and_then(Value::as_str)
            .and_then(query::parse_date)
            .ok_or_else(|| unreadable(system))?;
        let ident = if system == "created_at" {
            Ident::system("created_at")
        } else {
            Ident::system("updated_at")
        };
        values.push((ident, at.into()));
    }
    for field in &spec.fields {
        let ident = Ident::column(&field.name).ok_or_else(|| unreadable("field name"))?;
        let value = record.get(&field.name).unwrap_or(&Value::Null);
        let bound = to_sql(field, value, Some(config)).map_err(|_| unreadable(&field.name))?;
        values.push((ident, bound));
    }
    Ok(values)
}

/// Tell the collection's watchers, on every node, what happened to a record (realtime checks
/// each watcher's view rule before it gets it).
fn announce(state: &AppState, name: &str, event: &str, record: &Map<String, Value>) {
    crate::realtime::publish(
        state,
        crate::realtime::Channel::Collection(name.to_string()),
        event,
        record,
    );
}

/// What a list asks for (query-string parameters).
#[derive(Debug, Default, Clone)]
pub struct ListParams {
    pub filter: Option<String>,
    pub where_json: Option<String>,
    pub sort: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
    pub fields: Option<String>,
    pub expand: Option<String>,
}

fn bad_filter(message: impl Into<String>) -> AppError {
    AppError::new(ErrorCode::InvalidFilter, message.into())
}

/// Fields to read: the requested ones (all by default) plus those sorting and expansion need.
fn selection<'a>(
    spec: &'a CollectionSpec,
    fields: Option<&str>,
    extra: &[&str],
) -> AppResult<Vec<&'a FieldDef>> {
    let Some(list) = fields.map(str::trim).filter(|f| !f.is_empty()) else {
        return Ok(spec.fields.iter().collect());
    };
    let mut wanted: BTreeSet<&str> = extra.iter().copied().collect();
    for name in list.split(',').map(str::trim) {
        if matches!(name, "id" | "created_at" | "updated_at") {
            continue;
        }
        if spec.field(name).is_none() {
            return Err(bad_filter(format!("fields: unknown field '{name}'")));
        }
        wanted.insert(name);
    }
    Ok(spec
        .fields
        .iter()
        .filter(|f| wanted.contains(f.name.as_str()))
        .collect())
}

fn expansion(spec: &CollectionSpec, expand: Option<&str>) -> AppResult<Vec<String>> {
    let Some(list) = expand.map(str::trim).filter(|e| !e.is_empty()) else {
        return Ok(Vec::new());
    };
    let names: Vec<String> = list.split(',').map(|s| s.trim().to_string()).collect();
    if names.len() > MAX_EXPAND {
        return Err(bad_filter(format!("expand: at most {MAX_EXPAND} fields")));
    }
    for name in &names {
        if !spec
            .field(name)
            .is_some_and(|f| f.field_type == FieldType::Relation)
        {
            return Err(bad_filter(format!(
                "expand: '{name}' is not a relation field"
            )));
        }
    }
    Ok(names)
}

/// A record as clients see it.
pub fn record_json(config: &Config, spec: &CollectionSpec, row: &Row) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("id".into(), Value::from(row.id));
    out.insert(
        "created_at".into(),
        Value::String(repo::timestamp(row.created_at)),
    );
    out.insert(
        "updated_at".into(),
        Value::String(repo::timestamp(row.updated_at)),
    );
    for (name, value) in &row.values {
        let value = match (spec.field(name).map(|f| f.field_type), value) {
            (Some(FieldType::File), Value::String(key)) => {
                Value::String(crate::files::service::url(config, key))
            }
            _ => value.clone(),
        };
        out.insert(name.clone(), value);
    }
    out
}

/// Load the targets of `expand` for these rows in one query per relation field (no N+1), each
/// through the target collection's view rule; attach them under `expand`.
async fn expand_rows(
    state: &AppState,
    spec: &CollectionSpec,
    caller: &Caller,
    fields: &[String],
    rows: &[Row],
    out: &mut [Map<String, Value>],
) -> AppResult<()> {
    for name in fields {
        let Some(field) = spec.field(name) else {
            continue;
        };
        let Some(target) = field.target.as_deref() else {
            continue;
        };
        let mut ids: Vec<i64> = rows
            .iter()
            .filter_map(|r| r.values.get(name).and_then(Value::as_i64))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let mut found: BTreeMap<i64, Value> = BTreeMap::new();
        if !ids.is_empty() {
            if target == USERS_TARGET {
                for (id, nickname, avatar_url) in repo::user_profiles(&state.db, &ids).await? {
                    found.insert(
                        id,
                        serde_json::json!({"id": id, "nickname": nickname, "avatar_url": avatar_url}),
                    );
                }
            } else {
                let coll = load(state, target).await?;
                let target_spec = &coll.spec;
                let access = access(target_spec, Action::View, caller)?;
                if !matches!(access, Access::Denied) {
                    let table = repo::table_of(target)?;
                    let all: Vec<&FieldDef> = target_spec.fields.iter().collect();
                    let ctx = Ctx {
                        spec: target_spec,
                        caller,
                        body: None,
                    };
                    let in_ids = |sql: &mut Sql| -> Result<(), ExprError> {
                        sql.push("id IN (");
                        for (i, id) in ids.iter().enumerate() {
                            if i > 0 {
                                sql.push(", ");
                            }
                            sql.bind(*id);
                        }
                        sql.push(")");
                        Ok(())
                    };
                    let rule = |sql: &mut Sql| match &access {
                        Access::Rule(e) => query::compile(e, &ctx, sql),
                        _ => {
                            sql.push("1=1");
                            Ok(())
                        }
                    };
                    let rows = repo::select(
                        &state.db,
                        Select {
                            table: &table,
                            fields: &all,
                            conditions: vec![&in_ids, &rule],
                            order: &[],
                            after: None,
                            limit: None,
                        },
                    )
                    .await
                    .map_err(select_error)?;
                    for row in rows {
                        found.insert(
                            row.id,
                            Value::Object(record_json(&state.config, target_spec, &row)),
                        );
                    }
                }
            }
        }
        for (row, json) in rows.iter().zip(out.iter_mut()) {
            let value = row
                .values
                .get(name)
                .and_then(Value::as_i64)
                .and_then(|id| found.get(&id).cloned())
                .unwrap_or(Value::Null);
            let expand = json
                .entry("expand")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(map) = expand {
                map.insert(name.clone(), value);
            }
        }
    }
    Ok(())
}

/// List records the caller may see, filtered, sorted and keyset-paginated.
pub async fn list_records(
    state: &AppState,
    principal: Option<&Principal>,
    name: &str,
    params: &ListParams,
) -> AppResult<Page<Map<String, Value>>> {
    let coll = load(state, name).await?;
    let spec = &coll.spec;
    let caller = caller_of(principal);
    let access = access(spec, Action::List, &caller)?;
    if matches!(access, Access::Denied) {
        return Err(denied(Action::List, name));
    }
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(AppError::new(
            ErrorCode::InvalidQuery,
            format!("limit: 1 to {MAX_LIMIT}"),
        ));
    }
    let mut conditions_count = 0;
    let mut named: Vec<String> = Vec::new();
    let filter = match params
        .filter
        .as_deref()
        .map(str::trim)
        .filter(|f| !f.is_empty())
    {
        Some(text) => {
            let e =
                expr::parse(text, Mode::Filter).map_err(|e| bad_filter(format!("filter: {e}")))?;
            let summary = expr::check(&e, spec).map_err(|e| bad_filter(format!("filter: {e}")))?;
            conditions_count += summary.comparisons;
            named.extend(summary.fields);
            Some(e)
        }
        None => None,
    };
    let where_expr = match params
        .where_json
        .as_deref()
        .map(str::trim)
        .filter(|w| !w.is_empty())
    {
        Some(text) => {
            if text.len() > expr::MAX_TEXT * 2 {
                return Err(bad_filter("where: too long"));
            }
            let json: Value = serde_json::from_str(text)
                .map_err(|e| bad_filter(format!("where: not JSON ({e})")))?;
            let e = query::from_json(&json).map_err(bad_filter)?;
            let summary =
                expr::check(&e, spec).map_err(|e| bad_filter(format!("where: {}", e.message)))?;
            conditions_count += summary.comparisons;
            named.extend(summary.fields);
            Some(e)
        }
        None => None,
    };
    if conditions_count > MAX_CONDITIONS {
        return Err(bad_filter(format!(
            "the filter holds {conditions_count} conditions; at most {MAX_CONDITIONS}"
        )));
    }
    let order = query::parse_sort(params.sort.as_deref(), spec).map_err(bad_filter)?;
    let expand = expansion(spec, params.expand.as_deref())?;
    let mut extra: Vec<&str> = order.iter().map(|k| k.field.as_str()).collect();
    extra.extend(expand.iter().map(String::as_str));
    let fields = selection(spec, params.fields.as_deref(), &extra)?;
    let table = repo::table_of(name)?;
    // A filter or sort on an unindexed field scans the table: fine while it is small.
    let sorted_on: Vec<String> = order
        .iter()
        .filter(|k| k.field != "id")
        .map(|k| k.field.clone())
        .collect();
    let unindexed: Vec<String> = named
        .iter()
        .chain(sorted_on.iter())
        .filter(|f| !spec.indexed(f))
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if !unindexed.is_empty() && repo::more_than(&state.db, &table, spec.scan_limit()).await? {
        return Err(AppError::new(
            ErrorCode::UnindexedFilter,
            format!(
                "'{}' is not indexed and '{name}' holds more than {} records: add an index on it (the first field of an index counts)",
                unindexed.join("', '"),
                spec.scan_limit()
            ),
        ));
    }
    let after = match params.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(text) => Some(cursor_values(text, &order)?),
        None => None,
    };
    let ctx = Ctx {
        spec,
        caller: &caller,
        body: None,
    };
    let rule_cond = |sql: &mut Sql| match &access {
        Access::Rule(e) => query::compile(e, &ctx, sql),
        _ => {
            sql.push("1=1");
            Ok(())
        }
    };
    let filter_cond = |sql: &mut Sql| match &filter {
        Some(e) => query::compile(e, &ctx, sql),
        None => {
            sql.push("1=1");
            Ok(())
        }
    };
    let where_cond = |sql: &mut Sql| match &where_expr {
        Some(e) => query::compile(e, &ctx, sql),
        None => {
            sql.push("1=1");
            Ok(())
        }
    };
    let rows = repo::select(
        &state.db,
        Select {
            table: &table,
            fields: &fields,
            conditions: vec![&rule_cond, &filter_cond, &where_cond],
            order: &order,
            after,
            limit: Some(u64::from(limit) + 1),
        },
    )
    .await
    .map_err(|err| match err {
        SelectError::Expr(e) => bad_filter(e.to_string()),
        SelectError::Db(e) => e.into(),
    })?;
    let page = Page::from_rows(rows, limit, |row| cursor_of(row, &order));
    let mut items: Vec<Map<String, Value>> = page
        .items
        .iter()
        .map(|row| record_json(&state.config, spec, row))
        .collect();
    expand_rows(state, spec, &caller, &expand, &page.items, &mut items).await?;
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}

fn cursor_of(row: &Row, order: &[SortKey]) -> Vec<Value> {
    order
        .iter()
        .map(|key| match key.field.as_str() {
            "id" => Value::from(row.id),
            "created_at" => Value::String(repo::timestamp(row.created_at)),
            "updated_at" => Value::String(repo::timestamp(row.updated_at)),
            other => row.values.get(other).cloned().unwrap_or(Value::Null),
        })
        .collect()
}

fn cursor_values(text: &str, order: &[SortKey]) -> AppResult<Vec<SqlValue>> {
    let invalid = || {
        AppError::new(
            ErrorCode::InvalidCursor,
            "cursor is not valid for this sort",
        )
    };
    let values: Vec<Value> = decode_cursor(text)?;
    if values.len() != order.len() {
        return Err(invalid());
    }
    order
        .iter()
        .zip(values.iter())
        .map(|(key, value)| query::cursor_value(key.kind, value).ok_or_else(invalid))
        .collect()
}

async fn fetch_one(
    conn: &impl ConnectionTrait,
    spec: &CollectionSpec,
    fields: &[&FieldDef],
    id: i64,
    rule: Option<(&Expr, &Ctx<'_>)>,
) -> AppResult<Option<Row>> {
    let table = repo::table_of(&spec.name)?;
    let by_id = |sql: &mut Sql| -> Result<(), ExprError> {
        sql.push("id = ").bind(id);
        Ok(())
    };
    let rule_cond = |sql: &mut Sql| match rule {
        Some((e, ctx)) => query::compile(e, ctx, sql),
        None => {
            sql.push("1=1");
            Ok(())
        }
    };
    let rows = repo::select(
        conn,
        Select {
            table: &table,
            fields,
            conditions: vec![&by_id, &rule_cond],
            order: &[],
            after: None,
            limit: Some(1),
        },
    )
    .await
    .map_err(select_error)?;
    Ok(rows.into_iter().next())
}

/// One record, when the view rule lets the caller see it (404 otherwise).
pub async fn get_record(
    state: &AppState,
    principal: Option<&Principal>,
    name: &str,
    id: i64,
    fields: Option<&str>,
    expand: Option<&str>,
) -> AppResult<Map<String, Value>> {
    let coll = load(state, name).await?;
    let spec = &coll.spec;
    let caller = caller_of(principal);
    let access = access(spec, Action::View, &caller)?;
    let expand = expansion(spec, expand)?;
    let extra: Vec<&str> = expand.iter().map(String::as_str).collect();
    let fields = selection(spec, fields, &extra)?;
    let ctx = Ctx {
        spec,
        caller: &caller,
        body: None,
    };
    let rule = match &access {
        Access::Denied => return Err(denied(Action::View, name)),
        Access::All => None,
        Access::Rule(e) => Some((e, &ctx)),
    };
    let row = fetch_one(&state.db, spec, &fields, id, rule)
        .await?
        .ok_or_else(|| AppError::not_found("record"))?;
    let mut out = vec![record_json(&state.config, spec, &row)];
    expand_rows(
        state,
        spec,
        &caller,
        &expand,
        std::slice::from_ref(&row),
        &mut out,
    )
    .await?;
    Ok(out.remove(0))
}

/// Create inside `txn`: checks, insert, and the create rule on the record as it would be.
async fn create_in(
    txn: &DatabaseTransaction,
    config: &Config,
    spec: &CollectionSpec,
    caller: &Caller,
    body: &Map<String, Value>,
    prefix: &str,
) -> AppResult<i64> {
    let access = access(spec, Action::Create, caller)?;
    if matches!(access, Access::Denied) {
        return Err(denied(Action::Create, &spec.name));
    }
    let written = check_body(spec, body, caller, Some(config), true, prefix)?;
    check_references(txn, &written).await?;
    let table = repo::table_of(&spec.name)?;
    let now = Utc::now();
    let id = repo::insert(txn, &table, &written.columns, None, now, now)
        .await
        .map_err(|e| write_error(spec, e))?;
    if let Access::Rule(rule) = &access {
        // The rule sees the record as stored (defaults, owner), so it is checked on the row
        // inside the transaction, which rolls back when it does not hold.
        let ctx = Ctx {
            spec,
            caller,
            body: Some(body),
        };
        if fetch_one(txn, spec, &[], id, Some((rule, &ctx)))
            .await?
            .is_none()
        {
            return Err(denied(Action::Create, &spec.name));
        }
    }
    Ok(id)
}

async fn update_in(
    txn: &DatabaseTransaction,
    config: &Config,
    spec: &CollectionSpec,
    caller: &Caller,
    id: i64,
    body: &Map<String, Value>,
    prefix: &str,
) -> AppResult<()> {
    let access = access(spec, Action::Update, caller)?;
    if matches!(access, Access::Denied) {
        return Err(denied(Action::Update, &spec.name));
    }
    let written = check_body(spec, body, caller, Some(config), false, prefix)?;
    check_references(txn, &written).await?;
    let table = repo::table_of(&spec.name)?;
    let ctx = Ctx {
        spec,
        caller,
        body: Some(body),
    };
    let rule = |sql: &mut Sql| match &access {
        Access::Rule(e) => query::compile(e, &ctx, sql),
        _ => {
            sql.push("1=1");
            Ok(())
        }
    };
    let changed = repo::update(txn, &table, id, &written.columns, Utc::now(), Some(&rule))
        .await
        .map_err(|err| match err {
            SelectError::Db(e) => write_error(spec, e),
            other => select_error(other),
        })?;
    if changed == 0 {
        return Err(missing_or_denied(txn, spec, caller, id, Action::Update).await);
    }
    Ok(())
}

/// Delete inside `txn`; the record as it was (for the realtime event).
async fn delete_in(
    txn: &DatabaseTransaction,
    spec: &CollectionSpec,
    caller: &Caller,
    id: i64,
) -> AppResult<Option<Row>> {
    let access = access(spec, Action::Delete, caller)?;
    if matches!(access, Access::Denied) {
        return Err(denied(Action::Delete, &spec.name));
    }
    let all: Vec<&FieldDef> = spec.fields.iter().collect();
    let before = fetch_one(txn, spec, &all, id, None).await?;
    let table = repo::table_of(&spec.name)?;
    let ctx = Ctx {
        spec,
        caller,
        body: None,
    };
    let rule = |sql: &mut Sql| match &access {
        Access::Rule(e) => query::compile(e, &ctx, sql),
        _ => {
            sql.push("1=1");
            Ok(())
        }
    };
    let deleted = repo::delete(txn, &table, id, Some(&rule))
        .await
        .map_err(select_error)?;
    if deleted == 0 {
        return Err(missing_or_denied(txn, spec, caller, id, Action::Delete).await);
    }
    Ok(before)
}

/// After a write matched nothing: 403 when the caller can see the record, 404 when not (so
/// the answer does not tell that a hidden record exists).
async fn missing_or_denied(
    conn: &impl ConnectionTrait,
    spec: &CollectionSpec,
    caller: &Caller,
    id: i64,
    action: Action,
) -> AppError {
    let visible = match access(spec, Action::View, caller) {
        Ok(Access::All) => fetch_one(conn, spec, &[], id, None).await,
        Ok(Access::Rule(e)) => {
            let ctx = Ctx {
                spec,
                caller,
                body: None,
            };
            fetch_one(conn, spec, &[], id, Some((&e, &ctx))).await
        }
        Ok(Access::Denied) => Ok(None),
        Err(err) => return err,
    };
    match visible {
        Ok(Some(_)) => denied(action, &spec.name),
        Ok(None) => AppError::not_found("record"),
        Err(err) => err,
    }
}

/// A transaction for writing records. On SQLite it takes the write lock first: a transaction
/// that reads (a relation's target, a rule, the record before a delete) and then writes cannot
/// upgrade its read snapshot once another connection has committed since (SQLITE_BUSY_SNAPSHOT,
/// at once, without waiting), which failed requests now and then with a 500 while background
/// work wrote. Taking the lock up front waits for the other writer instead (the busy timeout).
async fn begin_write(state: &AppState, spec: &CollectionSpec) -> AppResult<DatabaseTransaction> {
    let txn = state.db.begin().await?;
    if txn.get_database_backend() == DatabaseBackend::Sqlite {
        repo::lock_for_write(&txn, &repo::table_of(&spec.name)?).await?;
    }
    Ok(txn)
}

async fn read_back(
    state: &AppState,
    spec: &CollectionSpec,
    id: i64,
) -> AppResult<Map<String, Value>> {
    let fields: Vec<&FieldDef> = spec.fields.iter().collect();
    let row = fetch_one(&state.db, spec, &fields, id, None)
        .await?
        .ok_or_else(|| AppError::not_found("record"))?;
    Ok(record_json(&state.config, spec, &row))
}

pub async fn create_record(
    state: &AppState,
    principal: Option<&Principal>,
    name: &str,
    body: &Map<String, Value>,
) -> AppResult<Map<String, Value>> {
    let coll = load(state, name).await?;
    let caller = caller_of(principal);
    let txn = begin_write(state, &coll.spec).await?;
    let id = create_in(&txn, &state.config, &coll.spec, &caller, body, "").await?;
    txn.commit().await?;
    let record = read_back(state, &coll.spec, id).await?;
    announce(state, name, "record.created", &record);
    Ok(record)
}

pub async fn update_record(
    state: &AppState,
    principal: Option<&Principal>,
    name: &str,
    id: i64,
    body: &Map<String, Value>,
) -> AppResult<Map<String, Value>> {
    let coll = load(state, name).await?;
    let caller = caller_of(principal);
    let txn = begin_write(state, &coll.spec).await?;
    update_in(&txn, &state.config, &coll.spec, &caller, id, body, "").await?;
    txn.commit().await?;
    let record = read_back(state, &coll.spec, id).await?;
    announce(state, name, "record.updated", &record);
    Ok(record)
}

pub async fn delete_record(
    state: &AppState,
    principal: Option<&Principal>,
    name: &str,
    id: i64,
) -> AppResult<()> {
    let coll = load(state, name).await?;
    let caller = caller_of(principal);
    let txn = begin_write(state, &coll.spec).await?;
    let before = delete_in(&txn, &coll.spec, &caller, id).await?;
    txn.commit().await?;
    if let Some(row) = before {
        announce(
            state,
            name,
            "record.deleted",
            &record_json(&state.config, &coll.spec, &row),
        );
    }
    Ok(())
}

/// One operation of a batch.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "lowercase", deny_unknown_fields)]
pub enum BatchOp {
    Create {
        #[schema(value_type = Object)]
        data: Map<String, Value>,
    },
    Update {
        id: i64,
        #[schema(value_type = Object)]
        data: Map<String, Value>,
    },
    Delete {
        id: i64,
    },
}

/// Run every operation in one transaction: all of them happen, or (on the first error, which
/// names its place) none.
pub async fn batch(
    state: &AppState,
    principal: Option<&Principal>,
    name: &str,
    ops: &[BatchOp],
) -> AppResult<Vec<Value>> {
    if ops.is_empty() || ops.len() > MAX_BATCH {
        return Err(invalid("requests", format!("1 to {MAX_BATCH} operations")));
    }
    let coll = load(state, name).await?;
    let spec = &coll.spec;
    let caller = caller_of(principal);
    let txn = begin_write(state, spec).await?;
    // (id, still there, event, the record before a delete)
    let mut done: Vec<(i64, bool, &str, Option<Row>)> = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        let prefix = format!("requests[{i}].data.");
        let result = match op {
            BatchOp::Create { data } => {
                create_in(&txn, &state.config, spec, &caller, data, &prefix)
                    .await
                    .map(|id| (id, true, "record.created", None))
            }
            BatchOp::Update { id, data } => {
                update_in(&txn, &state.config, spec, &caller, *id, data, &prefix)
                    .await
                    .map(|()| (*id, true, "record.updated", None))
            }
            BatchOp::Delete { id } => delete_in(&txn, spec, &caller, *id)
                .await
                .map(|before| (*id, false, "record.deleted", before)),
        };
        match result {
            Ok(entry) => done.push(entry),
            Err(err) if err.message().starts_with("requests[") => return Err(err),
            Err(err) => {
                return Err(AppError::new(
                    err.code(),
                    format!("requests[{i}]: {}", err.message()),
                ))
            }
        }
    }
    txn.commit().await?;
    let mut out = Vec::with_capacity(done.len());
    for (id, exists, event, before) in done {
        if exists {
            let record = read_back(state, spec, id).await?;
            announce(state, name, event, &record);
            out.push(Value::Object(record));
        } else {
            if let Some(row) = before {
                announce(state, name, event, &record_json(&state.config, spec, &row));
            }
            out.push(serde_json::json!({"id": id, "deleted": true}));
        }
    }
    Ok(out)
}

/// A collection whose records have an owner: its name, table and owner column (for the export
/// and erasure of a user's data).
pub struct OwnedTable {
    pub collection: String,
    pub table: Ident,
    pub owner_column: Ident,
}

/// Every collection with an owner field.
pub async fn owned_tables(db: &impl sea_orm::ConnectionTrait) -> AppResult<Vec<OwnedTable>> {
    let mut tables = Vec::new();
    for row in repo::list_definitions(db).await? {
        let view = parse_stored(&row)?;
        let Some(owner) = view.spec.owner_field.as_deref() else {
            continue;
        };
        if let (Some(table), Some(owner_column)) = (Ident::table(&row.name), Ident::column(owner)) {
            tables.push(OwnedTable {
                collection: row.name,
                table,
                owner_column,
            });
        }
    }
    Ok(tables)
}
