use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use validator::Validate;

use super::service::{self, Change, EntryView, HistoryView, Kind};
use crate::auth::extract::{Admin, MaybePrincipal, RequireRole};
use crate::error::{AppError, AppResult};
use crate::http::{ApiJson, Envelope, ValidJson};
use crate::openapi::ErrorEnvelope;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(public_config))
        .routes(routes!(list_config))
        .routes(routes!(get_config, put_config, delete_config))
        .routes(routes!(config_history))
        .routes(routes!(rollback_config))
        .routes(routes!(list_flags))
        .routes(routes!(get_flag, put_flag, delete_flag))
        .routes(routes!(flag_history))
        .routes(routes!(rollback_flag))
}

/// Public configuration: every public key with its JSON value, `_version` (the configuration's
/// revision), and for a signed-in user `_flags` (each feature flag, evaluated for them).
/// Answers carry an ETag; send it back as `If-None-Match` to get a 304 when nothing changed.
#[utoipa::path(get, path = "/api/v1/config", tag = "config",
    params(("If-None-Match" = Option<String>, Header, description = "ETag of the copy the client holds")),
    responses(
        (status = 200, description = "Public values by key, plus `_version` and, with a token, `_flags`", body = Envelope<crate::openapi::JsonObject>),
        (status = 304, description = "Unchanged since the ETag sent"),
        (status = 401, description = "A token was sent but is not valid", body = ErrorEnvelope),
    ))]
pub async fn public_config(
    State(state): State<AppState>,
    MaybePrincipal(caller): MaybePrincipal,
    headers: HeaderMap,
) -> AppResult<Response> {
    let data = service::public_config(&state, caller.as_ref()).await?;
    let body = serde_json::to_vec(&Envelope {
        code: 0,
        message: "ok",
        data,
    })
    .map_err(AppError::internal)?;
    let etag = format!("\"{}\"", &hex::encode(Sha256::digest(&body))[..20]);
    let etag_value = HeaderValue::from_str(&etag).map_err(AppError::internal)?;
    let no_cache = HeaderValue::from_static("no-cache");
    if if_none_match(&headers, &etag) {
        return Ok((
            StatusCode::NOT_MODIFIED,
            [(ETAG, etag_value), (CACHE_CONTROL, no_cache)],
        )
            .into_response());
    }
    Ok((
        [
            (CONTENT_TYPE, HeaderValue::from_static("application/json")),
            (ETAG, etag_value),
            (CACHE_CONTROL, no_cache),
        ],
        body,
    )
        .into_response())
}

fn if_none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == etag || t == "*")
}

/// Absent stays None; an explicit null becomes Some(None).
fn explicit_null<'de, D: Deserializer<'de>>(de: D) -> Result<Option<Option<Value>>, D::Error> {
    Option::<Value>::deserialize(de).map(Some)
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutEntry {
    /// Any JSON value. For a flag: `{"enabled","percentage","roles","users"}`.
    #[schema(value_type = Value)]
    value: Value,
    /// A JSON Schema the value must match (config keys only); null removes it, absent keeps it.
    #[serde(default, deserialize_with = "explicit_null")]
    #[schema(value_type = Option<Object>)]
    schema: Option<Option<Value>>,
    /// Served by `GET /api/v1/config` (config keys only). Absent keeps it (false for a new key).
    public: Option<bool>,
    #[validate(length(max = 512))]
    #[schema(max_length = 512)]
    description: Option<String>,
    /// The version the change was based on; a different current version is a 409.
    expected_version: Option<i32>,
}

impl From<PutEntry> for Change {
    fn from(body: PutEntry) -> Self {
        Self {
            value: body.value,
            schema: body.schema,
            public: body.public,
            description: body.description,
            expected_version: body.expected_version,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeleteQuery {
    /// Delete only if the entry is still at this version (else 409).
    expected_version: Option<i32>,
}

#[derive(Deserialize, Validate, ToSchema)]
pub struct RollbackRequest {
    /// The version to restore, from the history.
    #[validate(range(min = 1))]
    #[schema(minimum = 1)]
    version: i32,
}

/// Every config key, public and private (admins).
#[utoipa::path(get, path = "/api/v1/admin/config", tag = "config", security(("bearer" = [])),
    responses((status = 200, description = "All keys", body = Envelope<Vec<EntryView>>),
              (status = 403, description = "Needs the admin role", body = ErrorEnvelope)))]
pub async fn list_config(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
) -> AppResult<ApiJson<Vec<EntryView>>> {
    service::list(&state, Kind::Config).await.map(ApiJson::ok)
}

/// One config key (admins).
#[utoipa::path(get, path = "/api/v1/admin/config/{key}", tag = "config", security(("bearer" = [])),
    params(("key" = String, Path)),
    responses((status = 200, description = "The key", body = Envelope<EntryView>),
              (status = 404, description = "Unknown key", body = ErrorEnvelope)))]
pub async fn get_config(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
    Path(key): Path<String>,
) -> AppResult<ApiJson<EntryView>> {
    service::get(&state, Kind::Config, &key)
        .await
        .map(ApiJson::ok)
}

/// Create or change a config key (admins). The value is checked against the key's JSON Schema.
/// Every node serves the change within about a second.
#[utoipa::path(put, path = "/api/v1/admin/config/{key}", tag = "config", security(("bearer" = [])),
    params(("key" = String, Path)), request_body = PutEntry,
    responses((status = 200, description = "The key after the change", body = Envelope<EntryView>),
              (status = 409, description = "Changed by someone else (expected_version)", body = ErrorEnvelope),
              (status = 422, description = "Invalid key name, schema, or a value that breaks the schema", body = ErrorEnvelope)))]
pub async fn put_config(
    State(state): State<AppState>,
    RequireRole(admin, _): RequireRole<Admin>,
    Path(key): Path<String>,
    ValidJson(body): ValidJson<PutEntry>,
) -> AppResult<ApiJson<EntryView>> {
    service::put(&state, &admin, Kind::Config, &key, body.into())
        .await
        .map(ApiJson::ok)
}

/// Delete a config key (admins); its history stays, and it can be rolled back.
#[utoipa::path(delete, path = "/api/v1/admin/config/{key}", tag = "config", security(("bearer" = [])),
    params(("key" = String, Path), DeleteQuery),
    responses((status = 200, description = "Deleted", body = Envelope<Option<String>>),
              (status = 404, description = "Unknown key", body = ErrorEnvelope),
              (status = 409, description = "Changed by someone else (expected_version)", body = ErrorEnvelope)))]
pub async fn delete_config(
    State(state): State<AppState>,
    RequireRole(admin, _): RequireRole<Admin>,
    Path(key): Path<String>,
    Query(query): Query<DeleteQuery>,
) -> AppResult<ApiJson<Option<String>>> {
    service::delete(&state, &admin, Kind::Config, &key, query.expected_version)
        .await
        .map(|()| ApiJson::ok(None))
}

/// Every change of a config key, newest first: who, when, old and new (admins).
#[utoipa::path(get, path = "/api/v1/admin/config/{key}/history", tag = "config", security(("bearer" = [])),
    params(("key" = String, Path)),
    responses((status = 200, description = "The changes", body = Envelope<Vec<HistoryView>>),
              (status = 404, description = "Never existed", body = ErrorEnvelope)))]
pub async fn config_history(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
    Path(key): Path<String>,
) -> AppResult<ApiJson<Vec<HistoryView>>> {
    service::history(&state, Kind::Config, &key)
        .await
        .map(ApiJson::ok)
}

/// Restore a config key to an earlier version, recorded as a new change (admins).
#[utoipa::path(post, path = "/api/v1/admin/config/{key}/rollback", tag = "config", security(("bearer" = [])),
    params(("key" = String, Path)), request_body = RollbackRequest,
    responses((status = 200, description = "The key after the rollback", body = Envelope<EntryView>),
              (status = 404, description = "No such version", body = ErrorEnvelope)))]
pub async fn rollback_config(
    State(state): State<AppState>,
    RequireRole(admin, _): RequireRole<Admin>,
    Path(key): Path<String>,
    ValidJson(body): ValidJson<RollbackRequest>,
) -> AppResult<ApiJson<EntryView>> {
    service::rollback(&state, &admin, Kind::Config, &key, body.version)
        .await
        .map(ApiJson::ok)
}

/// Every feature flag (admins).
#[utoipa::path(get, path = "/api/v1/admin/flags", tag = "config", security(("bearer" = [])),
    responses((status = 200, description = "All flags", body = Envelope<Vec<EntryView>>)))]
pub async fn list_flags(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
) -> AppResult<ApiJson<Vec<EntryView>>> {
    service::list(&state, Kind::Flag).await.map(ApiJson::ok)
}

/// One feature flag (admins).
#[utoipa::path(get, path = "/api/v1/admin/flags/{name}", tag = "config", security(("bearer" = [])),
    params(("name" = String, Path)),
    responses((status = 200, description = "The flag", body = Envelope<EntryView>),
              (status = 404, description = "Unknown flag", body = ErrorEnvelope)))]
pub async fn get_flag(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
    Path(name): Path<String>,
) -> AppResult<ApiJson<EntryView>> {
    service::get(&state, Kind::Flag, &name)
        .await
        .map(ApiJson::ok)
}

/// Create or change a feature flag (admins): value `{"enabled":true,"percentage":20,
/// "roles":["moderator"],"users":[42]}`.
#[utoipa::path(put, path = "/api/v1/admin/flags/{name}", tag = "config", security(("bearer" = [])),
    params(("name" = String, Path)), request_body = PutEntry,
    responses((status = 200, description = "The flag after the change", body = Envelope<EntryView>),
              (status = 409, description = "Changed by someone else (expected_version)", body = ErrorEnvelope),
              (status = 422, description = "Not a valid flag rule; the message names the field", body = ErrorEnvelope)))]
pub async fn put_flag(
    State(state): State<AppState>,
    RequireRole(admin, _): RequireRole<Admin>,
    Path(name): Path<String>,
    ValidJson(body): ValidJson<PutEntry>,
) -> AppResult<ApiJson<EntryView>> {
    service::put(&state, &admin, Kind::Flag, &name, body.into())
        .await
        .map(ApiJson::ok)
}

/// Delete a feature flag (admins).
#[utoipa::path(delete, path = "/api/v1/admin/flags/{name}", tag = "config", security(("bearer" = [])),
    params(("name" = String, Path), DeleteQuery),
    responses((status = 200, description = "Deleted", body = Envelope<Option<String>>),
              (status = 404, description = "Unknown flag", body = ErrorEnvelope),
              (status = 409, description = "Changed by someone else (expected_version)", body = ErrorEnvelope)))]
pub async fn delete_flag(
    State(state): State<AppState>,
    RequireRole(admin, _): RequireRole<Admin>,
    Path(name): Path<String>,
    Query(query): Query<DeleteQuery>,
) -> AppResult<ApiJson<Option<String>>> {
    service::delete(&state, &admin, Kind::Flag, &name, query.expected_version)
        .await
        .map(|()| ApiJson::ok(None))
}

/// Every change of a feature flag, newest first (admins).
#[utoipa::path(get, path = "/api/v1/admin/flags/{name}/history", tag = "config", security(("bearer" = [])),
    params(("name" = String, Path)),
    responses((status = 200, description = "The changes", body = Envelope<Vec<HistoryView>>)))]
pub async fn flag_history(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
    Path(name): Path<String>,
) -> AppResult<ApiJson<Vec<HistoryView>>> {
    service::history(&state, Kind::Flag, &name)
        .await
        .map(ApiJson::ok)
}

/// Restore a feature flag to an earlier version (admins).
#[utoipa::path(post, path = "/api/v1/admin/flags/{name}/rollback", tag = "config", security(("bearer" = [])),
    params(("name" = String, Path)), request_body = RollbackRequest,
    responses((status = 200, description = "The flag after the rollback", body = Envelope<EntryView>)))]
pub async fn rollback_flag(
    State(state): State<AppState>,
    RequireRole(admin, _): RequireRole<Admin>,
    Path(name): Path<String>,
    ValidJson(body): ValidJson<RollbackRequest>,
) -> AppResult<ApiJson<EntryView>> {
    service::rollback(&state, &admin, Kind::Flag, &name, body.version)
        .await
        .map(ApiJson::ok)
}
