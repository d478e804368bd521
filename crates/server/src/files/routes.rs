use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::service::{self, AdminFileView, FileView};
use crate::auth::extract::{CurrentUser, Moderator, RequireRole};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::http::pagination::{Page, PageQuery};
use crate::http::{ApiJson, Envelope, Id, ValidQuery};
use crate::openapi::ErrorEnvelope;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        // Uploads have their own limit (files_max_bytes), counted while the file streams in.
        .routes(routes!(upload))
        .layer(DefaultBodyLimit::disable())
        .routes(routes!(download))
        .routes(routes!(admin_list_files))
        .routes(routes!(admin_delete_file))
}

#[derive(serde::Deserialize, validator::Validate, utoipa::IntoParams)]
pub struct AdminFileQuery {
    /// Only this user's uploads.
    owner_id: Option<i64>,
    #[validate(range(min = 1, max = 100))]
    limit: Option<u32>,
    cursor: Option<String>,
}

/// Browse uploads, newest first (moderators and admins).
#[utoipa::path(get, path = "/api/v1/admin/files", tag = "admin", params(AdminFileQuery),
    security(("bearer" = []), ("console_cookie" = [])),
    responses(
        (status = 200, description = "A page of files", body = Envelope<Page<AdminFileView>>),
        (status = 400, description = "Bad cursor", body = ErrorEnvelope),
        (status = 403, description = "Needs the moderator role", body = ErrorEnvelope),
    ))]
pub async fn admin_list_files(
    State(state): State<AppState>,
    _staff: RequireRole<Moderator>,
    ValidQuery(query): ValidQuery<AdminFileQuery>,
) -> AppResult<ApiJson<Page<AdminFileView>>> {
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    };
    service::admin_list(&state, query.owner_id, &page)
        .await
        .map(ApiJson::ok)
}

/// Delete an upload and its stored object (moderators and admins).
#[utoipa::path(delete, path = "/api/v1/admin/files/{id}", tag = "admin",
    params(("id" = i64, Path, description = "File id")),
    security(("bearer" = []), ("console_cookie" = [])),
    responses(
        (status = 200, description = "Deleted", body = Envelope<Option<String>>),
        (status = 403, description = "Needs the moderator role", body = ErrorEnvelope),
        (status = 404, description = "No such file", body = ErrorEnvelope),
        (status = 503, description = "The file storage refused", body = ErrorEnvelope),
    ))]
pub async fn admin_delete_file(
    State(state): State<AppState>,
    _staff: RequireRole<Moderator>,
    Id(id): Id,
) -> AppResult<ApiJson<Option<String>>> {
    service::admin_delete(&state, id)
        .await
        .map(|()| ApiJson::ok(None))
}

/// The multipart form `wx.uploadFile` sends: one file part (any field name).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Upload an image (JPEG, PNG, WebP or GIF, sniffed from its bytes) as `wx.uploadFile` sends it.
#[utoipa::path(post, path = "/api/v1/files", tag = "files", security(("bearer" = [])),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored", body = Envelope<FileView>),
        (status = 400, description = "A malformed multipart form, or no file in it", body = ErrorEnvelope),
        (status = 413, description = "Larger than files_max_bytes", body = ErrorEnvelope),
        (status = 415, description = "Not a multipart/form-data body, or not an image of an accepted type", body = ErrorEnvelope),
        (status = 422, description = "Unreadable image or too many pixels", body = ErrorEnvelope),
    ))]
pub async fn upload(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> AppResult<ApiJson<FileView>> {
    // The only rejection is a Content-Type that is not multipart/form-data with a boundary.
    let mut multipart = multipart.map_err(|err| {
        AppError::new(
            ErrorCode::UnsupportedMediaType,
            format!("expected a multipart/form-data upload: {err}"),
        )
    })?;
    loop {
        let field = multipart.next_field().await.map_err(multipart_error)?;
        let Some(field) = field else {
            return Err(AppError::bad_request("the form has no file part"));
        };
        if field.file_name().is_none() {
            continue;
        }
        let max = state.config.files.max_bytes;
        let mut field = field;
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
            if bytes.len() + chunk.len() > max {
                return Err(AppError::new(
                    ErrorCode::PayloadTooLarge,
                    format!("file is larger than {max} bytes"),
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        return service::upload(&state, &user, bytes.into())
            .await
            .map(ApiJson::created);
    }
}

fn multipart_error(err: axum::extract::multipart::MultipartError) -> AppError {
    if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::new(ErrorCode::PayloadTooLarge, "file is too large")
    } else {
        AppError::bad_request(format!("malformed multipart body: {}", err.body_text()))
    }
}

/// A stored file, with its content type and long-lived caching headers (names never change).
#[utoipa::path(get, path = "/files/{key}", tag = "files",
    params(("key" = String, Path, description = "Storage key, as in the file's url")),
    responses(
        (status = 200, description = "The bytes", content_type = "image/*"),
        (status = 304, description = "Unchanged (If-None-Match)"),
        (status = 404, description = "No such file", body = ErrorEnvelope),
    ))]
pub async fn download(
    State(state): State<AppState>,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let etag = service::etag(&key)?;
    let etag_value = HeaderValue::from_str(&etag).map_err(AppError::internal)?;
    let cache = HeaderValue::from_static("public, max-age=31536000, immutable");
    if headers.get(IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        return Ok((
            StatusCode::NOT_MODIFIED,
            [(ETAG, etag_value), (CACHE_CONTROL, cache)],
        )
            .into_response());
    }
    let (content_type, bytes) = service::read(&state, &key).await?;
    Ok((
        [
            (CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (ETAG, etag_value),
            (CACHE_CONTROL, cache),
            (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        ],
        bytes,
    )
        .into_response())
}
