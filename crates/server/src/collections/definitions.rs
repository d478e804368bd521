//! Defining collections: what a valid definition is, how a change to one migrates its table
//! (and when it must be confirmed), and the cache that every records request reads it through.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseTransaction, DbErr, SqlErr, TransactionTrait,
    Value as SqlValue,
};

use super::expr::{self, ExprError, Mode};
use super::model::{
    Action, CollectionSpec, CollectionView, FieldDef, FieldType, IndexDef, MAX_FIELDS,
    MAX_INDEXED_TEXT_LENGTH, MAX_INDEXES, MAX_TEXT_LENGTH, USERS_TARGET,
};
use super::repo;
use super::sql::{valid_name, Ident, RESERVED_COLLECTIONS, RESERVED_FIELDS};
use super::values::to_sql;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::AppState;
use crate::store::cache::{Cache, CacheSpec};
use crate::store::Db;

const DEFINITIONS: CacheSpec = CacheSpec {
    namespace: "collection",
    ttl: Duration::from_secs(30),
    shared: false,
};

pub(super) fn invalid(field: &str, problem: impl std::fmt::Display) -> AppError {
    AppError::validation(field, problem)
}

fn rule_error(action: Action, err: &ExprError) -> AppError {
    AppError::new(
        ErrorCode::InvalidRule,
        format!("rules.{}: {err}", action.as_str()),
    )
}

/// Check a definition. `collections` are the names that exist (relation targets).
fn validate_spec(spec: &CollectionSpec, collections: &BTreeSet<String>) -> AppResult<()> {
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
pub(super) async fn load(state: &AppState, name: &str) -> AppResult<Arc<CollectionView>> {
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

pub(super) async fn get_collection(db: &Db, name: &str) -> AppResult<CollectionView> {
    match repo::find_definition(db, name).await? {
        Some(row) => parse_stored(&row),
        None => Err(AppError::not_found("collection")),
    }
}

pub(super) async fn list_collections(db: &Db) -> AppResult<Vec<CollectionView>> {
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
pub(super) async fn create_collection(db: &Db, spec: CollectionSpec) -> AppResult<CollectionView> {
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
pub(super) async fn update_collection(
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
pub(super) async fn delete_collection(db: &Db, name: &str, confirm: bool) -> AppResult<()> {
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

pub(super) async fn forget(cache: &Cache, name: &str) {
    cache.invalidate(&DEFINITIONS, name).await;
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
