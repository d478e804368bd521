//! The rules of the config center: JSON values checked against optional JSON Schemas, public and
//! private keys, feature flags with gray release, a history of every change with rollback, and
//! propagation to every node through the cache's invalidation.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, TransactionTrait};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::model::{entry, history};
use super::repo;
use crate::auth::guard::Principal;
use crate::auth::jwt::SubjectKind;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::AppState;
use crate::store::cache::CacheSpec;
use crate::store::json;
use crate::users::model::Role;

const SNAPSHOT: CacheSpec = CacheSpec {
    namespace: "config",
    ttl: Duration::from_secs(300),
    shared: false,
};

/// Keys that `GET /api/v1/config` adds beside the public values; config keys cannot start with
/// `_`, so they never collide.
pub const VERSION_FIELD: &str = "_version";
pub const FLAGS_FIELD: &str = "_flags";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Config,
    Flag,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Config => "config",
            Self::Flag => "flag",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Self::Config => "config key",
            Self::Flag => "feature flag",
        }
    }
}

/// Who sees a feature flag on. A user is in when the flag is enabled and the user is listed, has
/// a listed role, or falls in the percentage (stable: the same user always gets the same answer
/// for the same flag and percentage, and raising the percentage only adds users).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlagRule {
    /// Master switch: when false, the flag is off for everyone.
    #[serde(default)]
    pub enabled: bool,
    /// Share of users (0-100) who get the flag, chosen by a stable hash of flag name and user id.
    #[serde(default)]
    pub percentage: u8,
    /// Roles that always get it.
    #[serde(default)]
    pub roles: Vec<Role>,
    /// User ids that always get it.
    #[serde(default)]
    pub users: Vec<i64>,
}

impl FlagRule {
    pub fn evaluate(&self, name: &str, user_id: i64, role: Role) -> bool {
        if !self.enabled {
            return false;
        }
        if self.users.contains(&user_id) || self.roles.contains(&role) {
            return true;
        }
        self.percentage > 0 && bucket(name, user_id) < u64::from(self.percentage)
    }
}

/// 0..100 from SHA-256 of the flag name and user id: stable across nodes, restarts and versions.
pub fn bucket(name: &str, user_id: i64) -> u64 {
    let digest = Sha256::digest(format!("{name}:{user_id}").as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first) % 100
}

/// What is cached on every node: the public values (already serialised) and the flag rules.
#[derive(Debug, Serialize, Deserialize)]
pub struct Snapshot {
    pub revision: i64,
    pub public: BTreeMap<String, Value>,
    pub flags: BTreeMap<String, FlagRule>,
}

async fn snapshot(state: &AppState) -> AppResult<Arc<Snapshot>> {
    state
        .cache
        .get_or_load(&SNAPSHOT, "all", || async {
            let revision = repo::revision(&state.db).await?;
            let mut public = BTreeMap::new();
            let mut flags = BTreeMap::new();
            for row in repo::all_entries(&state.db).await? {
                match row.kind.as_str() {
                    "config" if row.is_public => {
                        let value = json::decode("config_entries.value", &row.name, &row.value)?;
                        public.insert(row.name, value);
                    }
                    "flag" => {
                        let rule = json::decode("config_entries.value", &row.name, &row.value)?;
                        flags.insert(row.name, rule);
                    }
                    _ => {}
                }
            }
            Ok(Snapshot {
                revision,
                public,
                flags,
            })
        })
        .await
}

/// `GET /api/v1/config`: public values, the revision, and for a signed-in user the flags as
/// they apply to them.
pub async fn public_config(
    state: &AppState,
    caller: Option<&Principal>,
) -> AppResult<serde_json::Map<String, Value>> {
    let snapshot = snapshot(state).await?;
    let mut data: serde_json::Map<String, Value> = snapshot
        .public
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    data.insert(VERSION_FIELD.into(), Value::from(snapshot.revision));
    if let Some(user) = caller.filter(|p| p.kind == SubjectKind::User) {
        let flags: serde_json::Map<String, Value> = snapshot
            .flags
            .iter()
            .map(|(name, rule)| {
                (
                    name.clone(),
                    Value::Bool(rule.evaluate(name, user.id, user.role)),
                )
            })
            .collect();
        data.insert(FLAGS_FIELD.into(), Value::Object(flags));
    }
    Ok(data)
}

/// An entry's state, as kept in the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EntryState {
    #[schema(value_type = Value)]
    pub value: Value,
    #[schema(value_type = Option<Object>)]
    pub schema: Option<Value>,
    pub public: bool,
    pub description: String,
}

/// An entry as the admin API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryView {
    pub name: String,
    #[schema(value_type = Value)]
    pub value: Value,
    /// The JSON Schema values are checked against (config keys only).
    #[schema(value_type = Option<Object>)]
    pub schema: Option<Value>,
    /// Served by `GET /api/v1/config` (config keys only; flags are evaluated per user).
    pub public: bool,
    pub description: String,
    /// Increases with every change, across deletes; pass it back as `expected_version`.
    pub version: i32,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<entry::Model> for EntryView {
    type Error = AppError;

    fn try_from(row: entry::Model) -> AppResult<Self> {
        let state = state_of(&row)?;
        Ok(Self {
            name: row.name,
            value: state.value,
            schema: state.schema,
            public: row.is_public,
            description: row.description,
            version: row.version,
            updated_by: row.updated_by,
            updated_at: row.updated_at,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryView {
    /// Global revision of the configuration after this change.
    pub revision: i64,
    /// The entry's version after this change.
    pub version: i32,
    /// create, update, delete or rollback.
    pub action: String,
    pub actor: String,
    pub at: DateTime<Utc>,
    /// The entry before (null for a create).
    pub old: Option<EntryState>,
    /// The entry after (null for a delete).
    pub new: Option<EntryState>,
}

impl From<history::Model> for HistoryView {
    fn from(row: history::Model) -> Self {
        let parse = |text: Option<String>| text.and_then(|t| serde_json::from_str(&t).ok());
        Self {
            revision: row.id,
            version: row.version,
            action: row.action,
            actor: row.actor,
            at: row.created_at,
            old: parse(row.previous),
            new: parse(row.snapshot),
        }
    }
}

/// A change asked for by `PUT`.
#[derive(Debug)]
pub struct Change {
    pub value: Value,
    /// None: keep; Some(None): remove; Some(Some(schema)): set.
    pub schema: Option<Option<Value>>,
    pub public: Option<bool>,
    pub description: Option<String>,
    pub expected_version: Option<i32>,
}

pub fn check_name(kind: Kind, name: &str) -> AppResult<()> {
    let valid = !name.is_empty()
        && name.len() <= 128
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
    if valid {
        Ok(())
    } else {
        Err(AppError::validation(
            if kind == Kind::Config { "key" } else { "name" },
            "must be 1-128 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit",
        ))
    }
}

fn actor_name(actor: &Principal) -> String {
    match actor.kind {
        SubjectKind::Admin => format!("admin:{}", actor.id),
        SubjectKind::User => format!("user:{}", actor.id),
    }
}

/// Check a value: a flag must be a valid rule; a config value must match its schema.
pub fn check_value(kind: Kind, value: &Value, schema: Option<&Value>) -> AppResult<()> {
    match kind {
        Kind::Flag => {
            if schema.is_some() {
                return Err(AppError::validation(
                    "schema",
                    "feature flags have a fixed shape and take no schema",
                ));
            }
            let rule: FlagRule =
                serde_path_to_error::deserialize(value.clone()).map_err(|err| {
                    let path = err.path().to_string();
                    let field = if path == "." {
                        "value".to_string()
                    } else {
                        format!("value.{path}")
                    };
                    AppError::validation(&field, err.into_inner())
                })?;
            if rule.percentage > 100 {
                return Err(AppError::validation(
                    "value.percentage",
                    "must be between 0 and 100",
                ));
            }
            Ok(())
        }
        Kind::Config => {
            let Some(schema) = schema else { return Ok(()) };
            let validator = jsonschema::validator_for(schema).map_err(|err| {
                AppError::validation("schema", format!("is not a valid JSON Schema: {err}"))
            })?;
            validator.validate(value).map_err(|err| {
                let pointer = err.instance_path().to_string();
                AppError::validation(&format!("value{pointer}"), err)
            })
        }
    }
}

fn state_of(row: &entry::Model) -> AppResult<EntryState> {
    Ok(EntryState {
        value: json::decode("config_entries.value", &row.name, &row.value)?,
        schema: row
            .schema
            .as_deref()
            .map(|s| json::decode("config_entries.schema", &row.name, s))
            .transpose()?,
        public: row.is_public,
        description: row.description.clone(),
    })
}

fn conflict(kind: Kind, name: &str) -> AppError {
    AppError::new(
        ErrorCode::Conflict,
        format!(
            "{} '{name}' was changed by someone else; reload and retry",
            kind.noun()
        ),
    )
}

pub async fn list(state: &AppState, kind: Kind) -> AppResult<Vec<EntryView>> {
    repo::all_entries(&state.db)
        .await?
        .into_iter()
        .filter(|row| row.kind == kind.as_str())
        .map(EntryView::try_from)
        .collect()
}

pub async fn get(state: &AppState, kind: Kind, name: &str) -> AppResult<EntryView> {
    repo::find(&state.db, kind.as_str(), name)
        .await?
        .ok_or_else(|| AppError::not_found(kind.noun()))?
        .try_into()
}

/// Create or update an entry.
pub async fn put(
    state: &AppState,
    actor: &Principal,
    kind: Kind,
    name: &str,
    change: Change,
) -> AppResult<EntryView> {
    check_name(kind, name)?;
    let current = repo::find(&state.db, kind.as_str(), name).await?;
    if let (Some(expected), found) = (
        change.expected_version,
        current.as_ref().map(|c| c.version).unwrap_or(0),
    ) {
        if expected != found {
            return Err(conflict(kind, name));
        }
    }
    let before = current.as_ref().map(state_of).transpose()?;
    let schema = match change.schema {
        Some(schema) => schema,
        None => before.as_ref().and_then(|b| b.schema.clone()),
    };
    let after = EntryState {
        value: change.value,
        schema,
        public: kind == Kind::Config
            && change
                .public
                .or(before.as_ref().map(|b| b.public))
                .unwrap_or(false),
        description: change
            .description
            .or(before.as_ref().map(|b| b.description.clone()))
            .unwrap_or_default(),
    };
    if after.description.chars().count() > 512 {
        return Err(AppError::validation(
            "description",
            "length must be at most 512",
        ));
    }
    check_value(kind, &after.value, after.schema.as_ref())?;
    let action = if current.is_some() {
        "update"
    } else {
        "create"
    };
    write(state, actor, kind, name, current, Some(after), action).await?;
    get(state, kind, name).await
}

pub async fn delete(
    state: &AppState,
    actor: &Principal,
    kind: Kind,
    name: &str,
    expected_version: Option<i32>,
) -> AppResult<()> {
    let current = repo::find(&state.db, kind.as_str(), name)
        .await?
        .ok_or_else(|| AppError::not_found(kind.noun()))?;
    if expected_version.is_some_and(|v| v != current.version) {
        return Err(conflict(kind, name));
    }
    write(state, actor, kind, name, Some(current), None, "delete").await
}

pub async fn history(state: &AppState, kind: Kind, name: &str) -> AppResult<Vec<HistoryView>> {
    let rows = repo::history(&state.db, kind.as_str(), name, 1000).await?;
    if rows.is_empty() {
        return Err(AppError::not_found(kind.noun()));
    }
    Ok(rows.into_iter().map(HistoryView::from).collect())
}

/// Make the entry what it was at `version` again, as a new version.
pub async fn rollback(
    state: &AppState,
    actor: &Principal,
    kind: Kind,
    name: &str,
    version: i32,
) -> AppResult<EntryView> {
    let target = repo::history_at(&state.db, kind.as_str(), name, version)
        .await?
        .ok_or_else(|| {
            AppError::not_found(&format!("version {version} of {} '{name}'", kind.noun()))
        })?;
    let Some(snapshot) = target
        .snapshot
        .as_deref()
        .map(|s| json::decode::<EntryState>("config_history.snapshot", target.id, s))
        .transpose()?
    else {
        return Err(AppError::validation(
            "version",
            "that version is a deletion; roll back to a version that had a value",
        ));
    };
    let current = repo::find(&state.db, kind.as_str(), name).await?;
    write(
        state,
        actor,
        kind,
        name,
        current,
        Some(snapshot),
        "rollback",
    )
    .await?;
    get(state, kind, name).await
}

/// Apply a change and record it, in one transaction; then tell every node.
async fn write(
    state: &AppState,
    actor: &Principal,
    kind: Kind,
    name: &str,
    current: Option<entry::Model>,
    after: Option<EntryState>,
    action: &str,
) -> AppResult<()> {
    let now = Utc::now();
    let actor = actor_name(actor);
    let version = repo::last_version(&state.db, kind.as_str(), name).await? + 1;
    let previous = current.as_ref().map(state_of).transpose()?;
    let to_text = |v: &Value| serde_json::to_string(v).map_err(AppError::internal);
    let txn = state.db.begin().await?;
    // The entry's own write goes first: it takes the write lock and detects concurrent changes.
    match (&current, &after) {
        (Some(row), Some(next)) => {
            let model = entry::Model {
                value: to_text(&next.value)?,
                schema: next.schema.as_ref().map(to_text).transpose()?,
                is_public: next.public,
                description: next.description.clone(),
                version,
                updated_by: actor.clone(),
                updated_at: now,
                ..row.clone()
            };
            if !repo::update(&txn, &model, row.version).await? {
                return Err(conflict(kind, name));
            }
        }
        (None, Some(next)) => {
            let model = entry::Model {
                kind: kind.as_str().into(),
                name: name.into(),
                value: to_text(&next.value)?,
                schema: next.schema.as_ref().map(to_text).transpose()?,
                is_public: next.public,
                description: next.description.clone(),
                version,
                updated_by: actor.clone(),
                created_at: now,
                updated_at: now,
            };
            // A concurrent create of the same name fails on the primary key.
            repo::insert(&txn, model)
                .await
                .map_err(|err| match err.sql_err() {
                    Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => conflict(kind, name),
                    _ => AppError::from(err),
                })?;
        }
        (Some(row), None) => {
            if !repo::delete(&txn, kind.as_str(), name, row.version).await? {
                return Err(conflict(kind, name));
            }
        }
        (None, None) => return Err(AppError::not_found(kind.noun())),
    }
    let as_json = |s: &Option<EntryState>| {
        s.as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(AppError::internal)
    };
    repo::insert_history(
        &txn,
        history::ActiveModel {
            kind: Set(kind.as_str().into()),
            name: Set(name.into()),
            version: Set(version),
            action: Set(action.into()),
            previous: Set(as_json(&previous)?),
            snapshot: Set(as_json(&after)?),
            actor: Set(actor.clone()),
            created_at: Set(now),
            ..Default::default()
        },
    )
    .await?;
    txn.commit().await?;
    state.cache.invalidate(&SNAPSHOT, "all").await;
    // Clients re-read GET /api/v1/config; private configuration is not announced at all.
    let visible = kind == Kind::Flag
        || previous.as_ref().is_some_and(|p| p.public)
        || after.as_ref().is_some_and(|a| a.public);
    if visible {
        let change = serde_json::json!({ "kind": kind.as_str(), "name": name, "version": version, "action": action });
        crate::realtime::publish(
            state,
            crate::realtime::Channel::Config,
            "config.changed",
            change,
        );
    }
    tracing::info!(
        kind = kind.as_str(),
        name,
        version,
        action,
        actor,
        "configuration changed"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_stable_and_spread() {
        assert_eq!(bucket("new-feed", 42), bucket("new-feed", 42));
        let mut counts = [0u32; 10];
        for user in 0..10_000 {
            counts[(bucket("new-feed", user) / 10) as usize] += 1;
        }
        assert!(counts.iter().all(|c| (800..1200).contains(c)), "{counts:?}");
    }

    #[test]
    fn raising_the_percentage_only_adds_users() {
        let at = |p: u8| FlagRule {
            enabled: true,
            percentage: p,
            ..FlagRule::default()
        };
        for user in 0..2000 {
            if at(10).evaluate("f", user, Role::User) {
                assert!(at(30).evaluate("f", user, Role::User));
            }
        }
        let on = (0..10_000)
            .filter(|u| at(25).evaluate("f", *u, Role::User))
            .count();
        assert!((2200..2800).contains(&on), "{on}");
    }

    #[test]
    fn roles_users_and_master_switch() {
        let rule = FlagRule {
            enabled: true,
            percentage: 0,
            roles: vec![Role::Moderator],
            users: vec![7],
        };
        assert!(rule.evaluate("f", 7, Role::User));
        assert!(rule.evaluate("f", 8, Role::Moderator));
        assert!(!rule.evaluate("f", 8, Role::User));
        let off = FlagRule {
            enabled: false,
            ..rule
        };
        assert!(!off.evaluate("f", 7, Role::Admin));
    }
}
