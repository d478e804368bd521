use axum::extract::State;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use validator::Validate;

use super::model::Role;
use super::service::{
    self, AdminUserQuery, AdminUserView, Me, PhoneView, SignatureCheck, SignedPayload,
};
use crate::auth::extract::{Admin, CurrentUser, Moderator, RequireRole};
use crate::console::audit::AuditNote;
use crate::error::AppResult;
use crate::http::pagination::Page;
use crate::http::{ApiJson, Envelope, Id, OptionalJson, ValidJson, ValidQuery};
use crate::openapi::ErrorEnvelope;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_me, update_me))
        .routes(routes!(bind_phone))
        .routes(routes!(decrypt_open_data))
        .routes(routes!(verify_signature))
        .routes(routes!(admin_list_users))
        .routes(routes!(admin_get_user))
        .routes(routes!(admin_ban_user))
        .routes(routes!(admin_unban_user))
        .routes(routes!(admin_revoke_sessions))
        .routes(routes!(admin_set_role))
}

/// The caller's profile.
#[utoipa::path(get, path = "/api/v1/users/me", tag = "users", security(("bearer" = [])),
    responses(
        (status = 200, description = "The profile", body = Envelope<Me>),
        (status = 401, description = "Missing (40100), malformed (40101), invalid (40102), expired (40103) or revoked (40104) token", body = ErrorEnvelope),
        (status = 403, description = "Banned (40301)", body = ErrorEnvelope),
    ))]
pub async fn get_me(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> AppResult<ApiJson<Me>> {
    service::me(&state, &user).await.map(ApiJson::ok)
}

#[derive(Deserialize, Validate, ToSchema)]
pub struct UpdateMe {
    /// 1 to 32 characters, not blank, without control, bidirectional or zero-width characters.
    #[validate(length(min = 1, max = 32))]
    #[schema(min_length = 1, max_length = 32)]
    #[schema(
        pattern = "^\\s*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u00AD\\u061C\\u180E\\u200B\\u200E\\u200F\\u2028-\\u202E\\u2060-\\u2064\\u2066-\\u2069\\uFEFF][^\\u0000-\\u001F\\u007F-\\u009F\\u00AD\\u061C\\u180E\\u200B\\u200E\\u200F\\u2028-\\u202E\\u2060-\\u2064\\u2066-\\u2069\\uFEFF]*$"
    )]
    nickname: Option<String>,
    /// An http(s) URL, at most 512 characters (for example from `wx.chooseAvatar`, uploaded).
    #[validate(length(max = 512))]
    #[schema(max_length = 512)]
    avatar_url: Option<String>,
}

/// Change the caller's nickname or avatar.
#[utoipa::path(patch, path = "/api/v1/users/me", tag = "users", security(("bearer" = [])), request_body = UpdateMe,
    responses(
        (status = 200, description = "The updated profile", body = Envelope<Me>),
        (status = 422, description = "A field is invalid; the message names it", body = ErrorEnvelope),
    ))]
pub async fn update_me(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ValidJson(body): ValidJson<UpdateMe>,
) -> AppResult<ApiJson<Me>> {
    service::update_me(
        &state,
        &user,
        body.nickname.as_deref(),
        body.avatar_url.as_deref(),
    )
    .await
    .map(ApiJson::ok)
}

#[derive(Deserialize, Validate, ToSchema)]
pub struct PhoneRequest {
    /// The code from the `getPhoneNumber` button.
    #[validate(length(min = 1, max = 128))]
    #[schema(min_length = 1, max_length = 128)]
    code: String,
}

/// Bind the caller's phone number from a `getPhoneNumber` code.
#[utoipa::path(post, path = "/api/v1/users/me/phone", tag = "users", security(("bearer" = [])), request_body = PhoneRequest,
    responses(
        (status = 200, description = "The number, now on the profile", body = Envelope<PhoneView>),
        (status = 400, description = "Invalid code (40010)", body = ErrorEnvelope),
    ))]
pub async fn bind_phone(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ValidJson(body): ValidJson<PhoneRequest>,
) -> AppResult<ApiJson<PhoneView>> {
    service::bind_phone(&state, &user, &body.code)
        .await
        .map(ApiJson::ok)
}

#[derive(Deserialize, Validate, ToSchema)]
pub struct EncryptedData {
    /// `encryptedData` as the client received it (base64).
    #[validate(length(min = 1, max = 65536))]
    #[schema(min_length = 1, max_length = 65536)]
    encrypted_data: String,
    /// `iv` as the client received it (base64).
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64)]
    iv: String,
}

/// Decrypt open data the client received encrypted (`wx.getWeRunData`, share info) with the
/// caller's WeChat session key. Data watermarked for another AppID is refused (40303).
#[utoipa::path(post, path = "/api/v1/users/me/open-data", tag = "users", security(("bearer" = [])), request_body = EncryptedData,
    responses(
        (status = 200, description = "The decrypted JSON", body = Envelope<crate::openapi::JsonObject>),
        (status = 400, description = "Cannot be decrypted with this session", body = ErrorEnvelope),
        (status = 403, description = "Watermark of another AppID (40303)", body = ErrorEnvelope),
    ))]
pub async fn decrypt_open_data(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ValidJson(body): ValidJson<EncryptedData>,
) -> AppResult<ApiJson<serde_json::Value>> {
    service::decrypt_open_data(&state, &user, &body.encrypted_data, &body.iv)
        .await
        .map(ApiJson::ok)
}

/// Check a signature made with the caller's session key: the login-state signature
/// (`buffer`, hmac_sha256) or the legacy raw-data signature (`raw_data`, sha1).
#[utoipa::path(post, path = "/api/v1/users/me/verify-signature", tag = "users", security(("bearer" = [])), request_body = SignedPayload,
    responses(
        (status = 200, description = "The signature matches", body = Envelope<SignatureCheck>),
        (status = 403, description = "It does not (40304)", body = ErrorEnvelope),
    ))]
pub async fn verify_signature(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ValidJson(body): ValidJson<SignedPayload>,
) -> AppResult<ApiJson<SignatureCheck>> {
    service::verify_signature(&state, &user, &body)
        .await
        .map(ApiJson::ok)
}

/// List and search users (moderators and admins), newest first. Phone numbers are masked
/// (`138****1234`) for moderators and shown whole to admins.
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin", security(("bearer" = [])), params(AdminUserQuery),
    responses(
        (status = 200, description = "A page of users", body = Envelope<Page<AdminUserView>>),
        (status = 403, description = "Needs the moderator role", body = ErrorEnvelope),
    ))]
pub async fn admin_list_users(
    State(state): State<AppState>,
    RequireRole(viewer, _): RequireRole<Moderator>,
    ValidQuery(query): ValidQuery<AdminUserQuery>,
) -> AppResult<ApiJson<Page<AdminUserView>>> {
    service::admin_list(&state, &viewer, &query)
        .await
        .map(ApiJson::ok)
}

/// One user (moderators and admins).
#[utoipa::path(get, path = "/api/v1/admin/users/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 200, description = "The user", body = Envelope<AdminUserView>),
        (status = 404, description = "No such user", body = ErrorEnvelope),
    ))]
pub async fn admin_get_user(
    State(state): State<AppState>,
    RequireRole(viewer, _): RequireRole<Moderator>,
    Id(id): Id,
) -> AppResult<ApiJson<AdminUserView>> {
    service::admin_get(&state, &viewer, id)
        .await
        .map(ApiJson::ok)
}

#[derive(Deserialize, Validate, ToSchema)]
pub struct ReasonRequest {
    /// Why: kept in the admin audit log with the action.
    #[validate(length(max = 500))]
    reason: Option<String>,
}

/// Ban a user: every session ends and new logins are refused (moderators and admins). The
/// optional body's reason goes to the admin audit log.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/ban", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")), request_body(content = Option<ReasonRequest>),
    responses(
        (status = 200, description = "Banned", body = Envelope<AdminUserView>),
        (status = 403, description = "Needs a higher role than the target's", body = ErrorEnvelope),
        (status = 404, description = "No such user", body = ErrorEnvelope),
    ))]
pub async fn admin_ban_user(
    State(state): State<AppState>,
    RequireRole(actor, _): RequireRole<Moderator>,
    Id(id): Id,
    audit: AuditNote,
    OptionalJson(body): OptionalJson<ReasonRequest>,
) -> AppResult<ApiJson<AdminUserView>> {
    audit.set(body.as_ref().and_then(|b| b.reason.as_deref()));
    service::set_banned(&state, &actor, id, true)
        .await
        .map(ApiJson::ok)
}

/// Lift a ban (moderators and admins); the optional reason goes to the admin audit log.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/unban", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")), request_body(content = Option<ReasonRequest>),
    responses(
        (status = 200, description = "Unbanned", body = Envelope<AdminUserView>),
        (status = 404, description = "No such user", body = ErrorEnvelope),
    ))]
pub async fn admin_unban_user(
    State(state): State<AppState>,
    RequireRole(actor, _): RequireRole<Moderator>,
    Id(id): Id,
    audit: AuditNote,
    OptionalJson(body): OptionalJson<ReasonRequest>,
) -> AppResult<ApiJson<AdminUserView>> {
    audit.set(body.as_ref().and_then(|b| b.reason.as_deref()));
    service::set_banned(&state, &actor, id, false)
        .await
        .map(ApiJson::ok)
}

/// End every session of a user at once (admins).
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/revoke-sessions", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 200, description = "All sessions ended", body = Envelope<Option<String>>),
        (status = 403, description = "Needs the admin role", body = ErrorEnvelope),
        (status = 404, description = "No such user", body = ErrorEnvelope),
    ))]
pub async fn admin_revoke_sessions(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
    Id(id): Id,
) -> AppResult<ApiJson<Option<String>>> {
    service::revoke_sessions(&state, id)
        .await
        .map(|()| ApiJson::ok(None))
}

#[derive(Deserialize, Validate, ToSchema)]
pub struct RoleRequest {
    role: Role,
}

/// Change a user's role (admins).
#[utoipa::path(put, path = "/api/v1/admin/users/{id}/role", tag = "admin", security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")), request_body = RoleRequest,
    responses(
        (status = 200, description = "The user with the new role", body = Envelope<AdminUserView>),
        (status = 403, description = "Needs the admin role", body = ErrorEnvelope),
    ))]
pub async fn admin_set_role(
    State(state): State<AppState>,
    RequireRole(actor, _): RequireRole<Admin>,
    Id(id): Id,
    ValidJson(body): ValidJson<RoleRequest>,
) -> AppResult<ApiJson<AdminUserView>> {
    service::set_role(&state, &actor, id, body.role)
        .await
        .map(ApiJson::ok)
}
