use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use validator::Validate;

use super::definitions;
use super::model::{CollectionSpec, CollectionView};
use super::reads::{self, ListParams};
use super::writes::{self, BatchOp};
use crate::auth::extract::{Admin, MaybePrincipal, RequireRole};
use crate::error::AppResult;
use crate::http::pagination::Page;
use crate::http::{ApiJson, Envelope, Id, ValidJson, ValidQuery};
use crate::openapi::ErrorEnvelope;
use crate::state::AppState;

/// The `{name}` of a record's path; its `{id}` is read by [`Id`], which names it when it is not
/// a number.
#[derive(Deserialize)]
pub struct RecordPath {
    name: String,
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_collections, create_collection))
        .routes(routes!(
            get_collection,
            update_collection,
            delete_collection
        ))
        .routes(routes!(list_records, create_record))
        .routes(routes!(batch))
        .routes(routes!(get_record, update_record, delete_record))
        .routes(routes!(admin_list_records, admin_create_record))
        .routes(routes!(admin_update_record, admin_delete_record))
}

/// Every collection with its fields, indexes and rules (admins).
#[utoipa::path(get, path = "/api/v1/admin/collections", tag = "collections", security(("bearer" = [])),
    responses(
        (status = 200, description = "All collections, by name", body = Envelope<Vec<CollectionView>>),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "Needs the admin role", body = ErrorEnvelope),
    ))]
pub async fn list_collections(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
) -> AppResult<ApiJson<Vec<CollectionView>>> {
    definitions::list_collections(&state.db)
        .await
        .map(ApiJson::ok)
}

/// Define a collection: its fields, indexes, owner field and rules. Its table is created at once.
#[utoipa::path(post, path = "/api/v1/admin/collections", tag = "collections", security(("bearer" = [])),
    request_body = CollectionSpec,
    responses(
        (status = 201, description = "Created", body = Envelope<CollectionView>),
        (status = 403, description = "Needs the admin role", body = ErrorEnvelope),
        (status = 409, description = "A collection of that name exists", body = ErrorEnvelope),
        (status = 422, description = "An invalid name, field, index or rule (42220 for rules, with the column)", body = ErrorEnvelope),
    ))]
pub async fn create_collection(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
    ValidJson(spec): ValidJson<SpecBody>,
) -> AppResult<ApiJson<CollectionView>> {
    let view = definitions::create_collection(&state.db, spec.0).await?;
    definitions::forget(&state.cache, &view.spec.name).await;
    Ok(ApiJson::created(view))
}

/// A collection definition as a JSON body.
#[derive(Deserialize)]
#[serde(transparent)]
pub struct SpecBody(CollectionSpec);

impl Validate for SpecBody {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        Ok(())
    }
}

/// One collection (admins).
#[utoipa::path(get, path = "/api/v1/admin/collections/{name}", tag = "collections", security(("bearer" = [])),
    params(("name" = String, Path)),
    responses(
        (status = 200, description = "The collection", body = Envelope<CollectionView>),
        (status = 403, description = "Needs the admin role", body = ErrorEnvelope),
        (status = 404, description = "No such collection", body = ErrorEnvelope),
    ))]
pub async fn get_collection(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
    Path(name): Path<String>,
) -> AppResult<ApiJson<CollectionView>> {
    definitions::get_collection(&state.db, &name)
        .await
        .map(ApiJson::ok)
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
pub struct ChangeQuery {
    /// Go ahead with a change that deletes data (a dropped or retyped field).
    #[serde(default)]
    pub confirm_data_loss: bool,
}

/// Change a collection: the whole new definition. Added fields, relaxed constraints, new
/// indexes and rules apply at once; a dropped or retyped field deletes data and needs
/// `?confirm_data_loss=true` (without it: 409 naming what would be lost).
#[utoipa::path(put, path = "/api/v1/admin/collections/{name}", tag = "collections", security(("bearer" = [])),
    params(("name" = String, Path), ChangeQuery), request_body = CollectionSpec,
    responses(
        (status = 200, description = "The collection after the change", body = Envelope<CollectionView>),
        (status = 403, description = "Needs the admin role", body = ErrorEnvelope),
        (status = 404, description = "No such collection", body = ErrorEnvelope),
        (status = 409, description = "Data would be lost (40940, confirm it), or existing records do not fit (40900)", body = ErrorEnvelope),
        (status = 422, description = "An invalid field, index or rule", body = ErrorEnvelope),
    ))]
pub async fn update_collection(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
    Path(name): Path<String>,
    ValidQuery(q): ValidQuery<ChangeQuery>,
    ValidJson(spec): ValidJson<SpecBody>,
) -> AppResult<ApiJson<CollectionView>> {
    let result =
        definitions::update_collection(&state.db, &name, spec.0, q.confirm_data_loss).await;
    definitions::forget(&state.cache, &name).await;
    result.map(ApiJson::ok)
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
pub struct DeleteQuery {
    /// Must be true: deleting a collection deletes its records.
    #[serde(default)]
    pub confirm: bool,
}

/// Delete a collection and its records (`?confirm=true`).
#[utoipa::path(delete, path = "/api/v1/admin/collections/{name}", tag = "collections", security(("bearer" = [])),
    params(("name" = String, Path), DeleteQuery),
    responses(
        (status = 200, description = "Deleted", body = Envelope<Option<String>>),
        (status = 403, description = "Needs the admin role", body = ErrorEnvelope),
        (status = 404, description = "No such collection", body = ErrorEnvelope),
        (status = 409, description = "Not confirmed (40940), or another collection relates to it (40900)", body = ErrorEnvelope),
    ))]
pub async fn delete_collection(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
    Path(name): Path<String>,
    ValidQuery(q): ValidQuery<DeleteQuery>,
) -> AppResult<ApiJson<Option<String>>> {
    definitions::delete_collection(&state.db, &name, q.confirm).await?;
    definitions::forget(&state.cache, &name).await;
    Ok(ApiJson::ok(None))
}

/// A record: its id and timestamps, and its fields by name (each a property of its own).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Record {
    id: i64,
    created_at: chrono::DateTime<chrono::Utc>,
    updated_at: chrono::DateTime<chrono::Utc>,
    /// Records of related collections and user profiles, by field (with `expand`).
    #[schema(value_type = Option<Object>)]
    expand: Option<()>,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
pub struct ListQuery {
    /// An expression over the fields, e.g. `done == false && title ~ "milk"`
    /// (docs/collections.md).
    pub filter: Option<String>,
    /// CloudBase-style JSON conditions, e.g. `{"price":{"$gt":3},"tag":{"$in":["a","b"]}}`.
    #[serde(rename = "where")]
    #[param(rename = "where")]
    pub where_json: Option<String>,
    /// Fields to sort by, `-` for descending, e.g. `-price,title` (required fields only;
    /// default `-id`).
    pub sort: Option<String>,
    /// Page size, 1..100 (default 20).
    #[validate(range(min = 1, max = 100))]
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page (with the same sort).
    pub cursor: Option<String>,
    /// Comma-separated fields to return (id and timestamps always come).
    pub fields: Option<String>,
    /// Comma-separated relation fields whose records to include under `expand`.
    pub expand: Option<String>,
}

impl From<ListQuery> for ListParams {
    fn from(q: ListQuery) -> Self {
        ListParams {
            filter: q.filter,
            where_json: q.where_json,
            sort: q.sort,
            limit: q.limit,
            cursor: q.cursor,
            fields: q.fields,
            expand: q.expand,
        }
    }
}

/// Records the caller may see (the list rule filters them), filtered, sorted and
/// keyset-paginated.
#[utoipa::path(get, path = "/api/v1/collections/{name}/records", tag = "collections",
    params(("name" = String, Path), ListQuery),
    responses(
        (status = 200, description = "A page of records", body = Envelope<Page<Record>>),
        (status = 400, description = "A filter, sort, fields or expand that is not valid (40040), a filter on an unindexed field of a large collection (40041), a bad cursor (40003)", body = ErrorEnvelope),
        (status = 403, description = "The list rule allows nobody but admins", body = ErrorEnvelope),
        (status = 404, description = "No such collection", body = ErrorEnvelope),
    ))]
pub async fn list_records(
    State(state): State<AppState>,
    MaybePrincipal(caller): MaybePrincipal,
    Path(name): Path<String>,
    ValidQuery(q): ValidQuery<ListQuery>,
) -> AppResult<ApiJson<Page<Map<String, Value>>>> {
    reads::list_records(&state, caller.as_ref(), &name, &q.into())
        .await
        .map(ApiJson::ok)
}

/// A record body: field names to values.
#[derive(Deserialize)]
#[serde(transparent)]
pub struct RecordBody(Map<String, Value>);

impl Validate for RecordBody {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        Ok(())
    }
}

/// Create a record. The owner field (if any) is the caller; the create rule must hold for the
/// record as stored.
#[utoipa::path(post, path = "/api/v1/collections/{name}/records", tag = "collections",
    params(("name" = String, Path)), request_body(content = Object, description = "Field values by name"),
    responses(
        (status = 201, description = "Created", body = Envelope<Record>),
        (status = 403, description = "The create rule does not allow it", body = ErrorEnvelope),
        (status = 404, description = "No such collection", body = ErrorEnvelope),
        (status = 409, description = "A unique field's value is taken", body = ErrorEnvelope),
        (status = 422, description = "A value is missing or of the wrong type; the message names the field", body = ErrorEnvelope),
    ))]
pub async fn create_record(
    State(state): State<AppState>,
    MaybePrincipal(caller): MaybePrincipal,
    Path(name): Path<String>,
    ValidJson(body): ValidJson<RecordBody>,
) -> AppResult<ApiJson<Map<String, Value>>> {
    writes::create_record(&state, caller.as_ref(), &name, &body.0)
        .await
        .map(ApiJson::created)
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
pub struct GetQuery {
    /// Comma-separated fields to return.
    pub fields: Option<String>,
    /// Comma-separated relation fields to expand.
    pub expand: Option<String>,
}

/// One record, if the view rule lets the caller see it.
#[utoipa::path(get, path = "/api/v1/collections/{name}/records/{id}", tag = "collections",
    params(("name" = String, Path), ("id" = i64, Path), GetQuery),
    responses(
        (status = 200, description = "The record", body = Envelope<Record>),
        (status = 403, description = "The view rule allows nobody but admins", body = ErrorEnvelope),
        (status = 404, description = "No such record, or not visible to the caller", body = ErrorEnvelope),
    ))]
pub async fn get_record(
    State(state): State<AppState>,
    MaybePrincipal(caller): MaybePrincipal,
    Path(RecordPath { name }): Path<RecordPath>,
    Id(id): Id,
    ValidQuery(q): ValidQuery<GetQuery>,
) -> AppResult<ApiJson<Map<String, Value>>> {
    reads::get_record(
        &state,
        caller.as_ref(),
        &name,
        id,
        q.fields.as_deref(),
        q.expand.as_deref(),
    )
    .await
    .map(ApiJson::ok)
}

/// Change the fields sent (others keep their values), if the update rule holds for the record.
#[utoipa::path(patch, path = "/api/v1/collections/{name}/records/{id}", tag = "collections",
    params(("name" = String, Path), ("id" = i64, Path)), request_body(content = Object, description = "Field values by name"),
    responses(
        (status = 200, description = "The record after the change", body = Envelope<Record>),
        (status = 403, description = "The update rule does not allow it", body = ErrorEnvelope),
        (status = 404, description = "No such record, or not visible to the caller", body = ErrorEnvelope),
        (status = 409, description = "A unique field's value is taken", body = ErrorEnvelope),
        (status = 422, description = "A value of the wrong type; the message names the field", body = ErrorEnvelope),
    ))]
pub async fn update_record(
    State(state): State<AppState>,
    MaybePrincipal(caller): MaybePrincipal,
    Path(RecordPath { name }): Path<RecordPath>,
    Id(id): Id,
    ValidJson(body): ValidJson<RecordBody>,
) -> AppResult<ApiJson<Map<String, Value>>> {
    writes::update_record(&state, caller.as_ref(), &name, id, &body.0)
        .await
        .map(ApiJson::ok)
}

/// Delete a record, if the delete rule holds for it.
#[utoipa::path(delete, path = "/api/v1/collections/{name}/records/{id}", tag = "collections",
    params(("name" = String, Path), ("id" = i64, Path)),
    responses(
        (status = 200, description = "Deleted", body = Envelope<Option<String>>),
        (status = 403, description = "The delete rule does not allow it", body = ErrorEnvelope),
        (status = 404, description = "No such record, or not visible to the caller", body = ErrorEnvelope),
    ))]
pub async fn delete_record(
    State(state): State<AppState>,
    MaybePrincipal(caller): MaybePrincipal,
    Path(RecordPath { name }): Path<RecordPath>,
    Id(id): Id,
) -> AppResult<ApiJson<Option<String>>> {
    writes::delete_record(&state, caller.as_ref(), &name, id).await?;
    Ok(ApiJson::ok(None))
}

/// Up to 50 creates, updates and deletes in one transaction: all happen or none.
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchBody {
    pub requests: Vec<BatchOp>,
}

/// Several writes at once, in one transaction; each goes through the collection's rules. The
/// first error names its operation (`requests[2].data.title: ...`) and nothing is written.
#[utoipa::path(post, path = "/api/v1/collections/{name}/records/batch", tag = "collections",
    params(("name" = String, Path)), request_body = BatchBody,
    responses(
        (status = 200, description = "Each operation's result, in order: the record, or {id, deleted: true}", body = Envelope<Vec<Object>>),
        (status = 403, description = "A rule refused an operation", body = ErrorEnvelope),
        (status = 404, description = "No such collection or record", body = ErrorEnvelope),
        (status = 422, description = "An invalid operation; the message names it", body = ErrorEnvelope),
    ))]
pub async fn batch(
    State(state): State<AppState>,
    MaybePrincipal(caller): MaybePrincipal,
    Path(name): Path<String>,
    ValidJson(body): ValidJson<BatchBody>,
) -> AppResult<ApiJson<Vec<Value>>> {
    writes::batch(&state, caller.as_ref(), &name, &body.requests)
        .await
        .map(ApiJson::ok)
}

// ---------------------------------------------------------------------------------------------
// The console's view of records: the same operations as an admin (rules do not apply to admins),
// reachable with the console's session cookie, which the records API above does not take.

/// Browse a collection's records as an admin (no rule applies); same query as the records API.
#[utoipa::path(get, path = "/api/v1/admin/collections/{name}/records", tag = "collections", security(("bearer" = [])),
    params(("name" = String, Path), ListQuery),
    responses(
        (status = 200, description = "A page of records", body = Envelope<Page<Record>>),
        (status = 400, description = "A filter, sort, fields or expand that is not valid (40040), a filter on an unindexed field of a large collection (40041), a bad cursor (40003)", body = ErrorEnvelope),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "Needs the admin role", body = ErrorEnvelope),
        (status = 404, description = "No such collection", body = ErrorEnvelope),
    ))]
pub async fn admin_list_records(
    State(state): State<AppState>,
    RequireRole(admin, _): RequireRole<Admin>,
    Path(name): Path<String>,
    ValidQuery(q): ValidQuery<ListQuery>,
) -> AppResult<ApiJson<Page<Map<String, Value>>>> {
    reads::list_records(&state, Some(&admin), &name, &q.into())
        .await
        .map(ApiJson::ok)
}

/// Create a record as an admin (the owner field may be set).
#[utoipa::path(post, path = "/api/v1/admin/collections/{name}/records", tag = "collections", security(("bearer" = [])),
    params(("name" = String, Path)), request_body(content = Object, description = "Field values by name"),
    responses(
        (status = 201, description = "Created", body = Envelope<Record>),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "Needs the admin role", body = ErrorEnvelope),
        (status = 404, description = "No such collection, or a relation names a missing record", body = ErrorEnvelope),
        (status = 409, description = "A unique field's value is taken", body = ErrorEnvelope),
        (status = 422, description = "A value is missing or of the wrong type; the message names the field", body = ErrorEnvelope),
    ))]
pub async fn admin_create_record(
    State(state): State<AppState>,
    RequireRole(admin, _): RequireRole<Admin>,
    Path(name): Path<String>,
    ValidJson(body): ValidJson<RecordBody>,
) -> AppResult<ApiJson<Map<String, Value>>> {
    writes::create_record(&state, Some(&admin), &name, &body.0)
        .await
        .map(ApiJson::created)
}

/// Change the fields sent of a record, as an admin.
#[utoipa::path(patch, path = "/api/v1/admin/collections/{name}/records/{id}", tag = "collections", security(("bearer" = [])),
    params(("name" = String, Path), ("id" = i64, Path)), request_body(content = Object, description = "Field values by name"),
    responses(
        (status = 200, description = "The record after the change", body = Envelope<Record>),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "Needs the admin role", body = ErrorEnvelope),
        (status = 404, description = "No such collection or record", body = ErrorEnvelope),
        (status = 409, description = "A unique field's value is taken", body = ErrorEnvelope),
        (status = 422, description = "A value of the wrong type; the message names the field", body = ErrorEnvelope),
    ))]
pub async fn admin_update_record(
    State(state): State<AppState>,
    RequireRole(admin, _): RequireRole<Admin>,
    Path(RecordPath { name }): Path<RecordPath>,
    Id(id): Id,
    ValidJson(body): ValidJson<RecordBody>,
) -> AppResult<ApiJson<Map<String, Value>>> {
    writes::update_record(&state, Some(&admin), &name, id, &body.0)
        .await
        .map(ApiJson::ok)
}

/// Delete a record, as an admin.
#[utoipa::path(delete, path = "/api/v1/admin/collections/{name}/records/{id}", tag = "collections", security(("bearer" = [])),
    params(("name" = String, Path), ("id" = i64, Path)),
    responses(
        (status = 200, description = "Deleted", body = Envelope<Option<String>>),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "Needs the admin role", body = ErrorEnvelope),
        (status = 404, description = "No such collection or record", body = ErrorEnvelope),
    ))]
pub async fn admin_delete_record(
    State(state): State<AppState>,
    RequireRole(admin, _): RequireRole<Admin>,
    Path(RecordPath { name }): Path<RecordPath>,
    Id(id): Id,
) -> AppResult<ApiJson<Option<String>>> {
    writes::delete_record(&state, Some(&admin), &name, id).await?;
    Ok(ApiJson::ok(None))
}
