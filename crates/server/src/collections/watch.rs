//! Realtime's hooks into collections: who may watch a collection's record events, which
//! watchers see a given record, and the announcement of a change.

use sea_orm::Value as SqlValue;
use serde_json::{Map, Value};

use super::access::{access, caller_of, denied, Access};
use super::definitions::load;
use super::expr::Expr;
use super::model::{Action, CollectionSpec};
use super::query::{self, Caller, Ctx};
use super::repo;
use super::sql::{Ident, Sql};
use super::values::{select_error, to_sql};
use crate::auth::guard::Principal;
use crate::config::Config;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

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
pub(super) fn announce(state: &AppState, name: &str, event: &str, record: &Map<String, Value>) {
    crate::realtime::publish(
        state,
        crate::realtime::Channel::Collection(name.to_string()),
        event,
        record,
    );
}
