//! Writing records: create, update, delete and batches, each in one transaction that checks the
//! body, the references and the action's rule, then announces the change.

use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseTransaction, TransactionTrait};
use serde_json::{Map, Value};

use super::access::{access, caller_of, condition, denied, Access};
use super::definitions::{invalid, load};
use super::model::{Action, CollectionSpec, FieldDef};
use super::query::{Caller, Ctx};
use super::reads::{fetch_one, record_json};
use super::repo::{self, Row, SelectError};
use super::sql::Sql;
use super::values::{check_body, check_references, select_error, write_error};
use super::watch::announce;
use crate::auth::guard::Principal;
use crate::config::Config;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The most operations in one batch.
const MAX_BATCH: usize = 50;

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
    let rule = |sql: &mut Sql| condition(access.rule(), &ctx, sql);
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
    let rule = |sql: &mut Sql| condition(access.rule(), &ctx, sql);
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

pub(super) async fn create_record(
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

pub(super) async fn update_record(
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

pub(super) async fn delete_record(
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
pub(super) enum BatchOp {
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
pub(super) async fn batch(
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
