use axum::extract::State;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use validator::Validate;

use super::guard::Principal;
use super::service::{self, AdminLoginResult, LoginResult, TokenPair};
use crate::error::AppResult;
use crate::http::client_ip::ClientIp;
use crate::http::{ApiJson, Envelope, ValidJson};
use crate::openapi::ErrorEnvelope;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(refresh))
        .routes(routes!(logout))
        .routes(routes!(admin_login))
}

#[derive(Deserialize, Validate, ToSchema)]
pub struct LoginRequest {
    /// The code from `wx.login()`.
    #[validate(length(min = 1, max = 128))]
    #[schema(min_length = 1, max_length = 128)]
    code: String,
}

/// Log in with a `wx.login()` code: WeChat's code2session, the user created on first login.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = Envelope<LoginResult>),
        (status = 400, description = "Invalid (40010) or used (40011) code", body = ErrorEnvelope),
        (status = 403, description = "Banned (40301) or high-risk user (40302)", body = ErrorEnvelope),
        (status = 422, description = "Missing code", body = ErrorEnvelope),
        (status = 429, description = "Too many logins", body = ErrorEnvelope),
        (status = 502, description = "WeChat busy (50200) or over quota (50201)", body = ErrorEnvelope),
    ))]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ValidJson(body): ValidJson<LoginRequest>,
) -> AppResult<ApiJson<LoginResult>> {
    service::login(&state, &body.code, ip)
        .await
        .map(ApiJson::ok)
}

#[derive(Deserialize, Validate, ToSchema)]
pub struct RefreshRequest {
    #[validate(length(min = 1, max = 256))]
    #[schema(min_length = 1, max_length = 256)]
    refresh_token: String,
}

/// Exchange a refresh token for a new access token and a new refresh token. Each refresh token
/// works once, except that the token just replaced gets the same answer again for a few seconds
/// (parallel refreshes); presenting a spent one later revokes the session (40107), and a token
/// the session never issued is refused (40106) without revoking anything.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new pair", body = Envelope<TokenPair>),
        (status = 401, description = "Unknown/expired (40106) or reused (40107) refresh token", body = ErrorEnvelope),
    ))]
pub async fn refresh(
    State(state): State<AppState>,
    ValidJson(body): ValidJson<RefreshRequest>,
) -> AppResult<ApiJson<TokenPair>> {
    service::refresh(&state, &body.refresh_token)
        .await
        .map(ApiJson::ok)
}

/// End this session: its access and refresh tokens stop working.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, description = "Logged out", body = Envelope<Option<String>>),
        (status = 401, description = "No valid token", body = ErrorEnvelope),
    ))]
pub async fn logout(
    State(state): State<AppState>,
    principal: Principal,
) -> AppResult<ApiJson<Option<String>>> {
    service::logout(&state, &principal)
        .await
        .map(|()| ApiJson::ok(None))
}

#[derive(Deserialize, Validate, ToSchema)]
pub struct AdminLoginRequest {
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64)]
    username: String,
    #[validate(length(min = 1, max = 256))]
    #[schema(min_length = 1, max_length = 256)]
    password: String,
}

/// Log in to the admin console with an account made by `minibase admin create`.
#[utoipa::path(post, path = "/api/v1/admin/auth/login", tag = "admin", request_body = AdminLoginRequest,
    responses(
        (status = 200, description = "Logged in", body = Envelope<AdminLoginResult>),
        (status = 401, description = "Wrong username or password (40105)", body = ErrorEnvelope),
        (status = 429, description = "Too many attempts", body = ErrorEnvelope),
    ))]
pub async fn admin_login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ValidJson(body): ValidJson<AdminLoginRequest>,
) -> AppResult<ApiJson<AdminLoginResult>> {
    service::admin_login(&state, &body.username, &body.password, ip)
        .await
        .map(ApiJson::ok)
}
