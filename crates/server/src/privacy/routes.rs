use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::service::{self, DataExport, DeletionScheduled};
use crate::auth::extract::CurrentUser;
use crate::error::AppResult;
use crate::http::{ApiJson, Envelope};
use crate::openapi::ErrorEnvelope;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(export_my_data))
        .routes(routes!(request_account_deletion))
}

/// Everything Minibase holds about the caller, as one JSON document: profile (phone in full),
/// uploads, posts, comments, likes, follows, notifications, orders, payments, approvals,
/// reports, sessions, and the records they own in collections.
#[utoipa::path(get, path = "/api/v1/users/me/export", tag = "users", security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's data", body = Envelope<DataExport>),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
    ))]
pub async fn export_my_data(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> AppResult<ApiJson<DataExport>> {
    service::export(&state, &user).await.map(ApiJson::ok)
}

/// Delete the caller's account (注销). Every session ends at once. Logging in again within the
/// grace period (`account_deletion_grace_secs`, 15 days by default) cancels the request; after
/// it, personal data is erased and what must be kept (orders, payments, approvals, audit) stays
/// under the anonymised user id. Asking again keeps the first request's time.
#[utoipa::path(post, path = "/api/v1/users/me/deletion", tag = "users", security(("bearer" = [])),
    responses(
        (status = 202, description = "Scheduled", body = Envelope<DeletionScheduled>),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
    ))]
pub async fn request_account_deletion(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> AppResult<ApiJson<DeletionScheduled>> {
    service::request_deletion(&state, &user)
        .await
        .map(|scheduled| ApiJson(StatusCode::ACCEPTED, scheduled))
}
