//! Reading records: lists (filter, sort, keyset cursor, selected fields, expanded relations)
//! and single records, each through the collection's view rule.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::{ConnectionTrait, Value as SqlValue};
use serde_json::{Map, Value};

use super::access::{access, caller_of, condition, denied, Access};
use super::definitions::load;
use super::expr::{self, Expr, ExprError, Mode};
use super::model::{Action, CollectionSpec, FieldDef, FieldType, USERS_TARGET};
use super::query::{self, Caller, Ctx, SortKey};
use super::repo::{self, Row, Select, SelectError};
use super::sql::Sql;
use super::values::select_error;
use crate::auth::guard::Principal;
use crate::config::Config;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::http::pagination::{decode_cursor, Page};
use crate::state::AppState;

/// The most conditions a filter (and `where`) may hold together.
const MAX_CONDITIONS: usize = 20;
/// The most relations expanded in one request.
const MAX_EXPAND: usize = 5;

const MAX_LIMIT: u32 = 100;
const DEFAULT_LIMIT: u32 = 20;

/// What a list asks for (query-string parameters).
#[derive(Debug, Default, Clone)]
pub(super) struct ListParams {
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
pub(super) fn record_json(config: &Config, spec: &CollectionSpec, row: &Row) -> Map<String, Value> {
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
                    let rule = |sql: &mut Sql| condition(access.rule(), &ctx, sql);
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
pub(super) async fn list_records(
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
    let rule_cond = |sql: &mut Sql| condition(access.rule(), &ctx, sql);
    let filter_cond = |sql: &mut Sql| condition(filter.as_ref(), &ctx, sql);
    let where_cond = |sql: &mut Sql| condition(where_expr.as_ref(), &ctx, sql);
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

pub(super) async fn fetch_one(
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
pub(super) async fn get_record(
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
