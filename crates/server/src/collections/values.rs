//! Record bodies checked against a collection's fields and turned into column values, with the
//! references they hold (relations, files) checked to point at something.

use std::collections::BTreeMap;

use sea_orm::{ConnectionTrait, DbErr, SqlErr, Value as SqlValue};
use serde_json::{Map, Value};

use super::definitions::invalid;
use super::model::{CollectionSpec, FieldDef, FieldType, DEFAULT_TEXT_LENGTH, USERS_TARGET};
use super::query::{self, Caller};
use super::repo::{self, SelectError};
use super::sql::Ident;
use crate::config::Config;
use crate::error::{AppError, AppResult, ErrorCode};

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
pub(super) fn to_sql(
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
pub(super) struct Written {
    pub(super) columns: Vec<(Ident, SqlValue)>,
    /// Relation ids by target, and file keys, to check that they exist.
    relations: BTreeMap<String, Vec<(String, i64)>>,
    files: Vec<(String, String)>,
}

/// Check a body against the collection. `create` applies defaults and required fields; an
/// update only writes what was sent.
pub(super) fn check_body(
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
pub(super) async fn check_references(
    conn: &impl ConnectionTrait,
    written: &Written,
) -> AppResult<()> {
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
pub(super) fn write_error(spec: &CollectionSpec, err: DbErr) -> AppError {
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

pub(super) fn select_error(err: SelectError) -> AppError {
    match err {
        SelectError::Db(err) => err.into(),
        // Rules were checked when saved; a rule that fails to compile now is a server fault.
        SelectError::Expr(err) => {
            AppError::internal(anyhow::anyhow!("rule does not compile: {err}"))
        }
    }
}
