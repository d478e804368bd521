use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use validator::Validate;

use super::model::{AdminAccountView, AuditEntry, ConsoleSession, Dashboard, JobView};
use super::service::{self, JobStatus};
use crate::auth::admins;
use crate::auth::cookie;
use crate::auth::extract::{Admin, Moderator, RequireRole};
use crate::auth::guard::Principal;
use crate::error::AppResult;
use crate::http::client_ip::ClientIp;
use crate::http::pagination::{Page, PageQuery};
use crate::http::{ApiJson, Envelope, Id, ValidJson, ValidQuery};
use crate::openapi::ErrorEnvelope;
use crate::state::AppState;
use crate::users::model::Role;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_in, current_session, sign_out))
        .routes(routes!(change_password))
        .routes(routes!(list_accounts, create_account))
        .routes(routes!(disable_account))
        .routes(routes!(enable_account))
        .routes(routes!(audit_log))
        .routes(routes!(dashboard))
        .routes(routes!(list_jobs))
        .routes(routes!(retry_job))
        .routes(routes!(discard_job))
}

#[derive(Deserialize, Validate, ToSchema)]
pub struct SignInRequest {
    #[validate(length(min = 1, max = 64))]
    username: String,
    #[validate(length(min = 1, max = 256))]
    password: String,
}

/// Sign in to the admin console. The session is an HttpOnly, SameSite=Strict cookie (Secure in
/// prod mode); the token is never in the body. Send the returned `csrf_token` as `X-CSRF-Token`
/// on every state-changing request.
#[utoipa::path(post, path = "/api/v1/admin/console/session", tag = "console",
    request_body = SignInRequest,
    responses(
        (status = 200, description = "Signed in; Set-Cookie carries the session", body = Envelope<ConsoleSession>),
        (status = 401, description = "Wrong username or password (40105)", body = ErrorEnvelope),
        (status = 403, description = "The account is disabled (40301)", body = ErrorEnvelope),
        (status = 404, description = "The console is turned off (40400)", body = ErrorEnvelope),
        (status = 429, description = "Too many attempts", body = ErrorEnvelope),
    ))]
pub async fn sign_in(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ValidJson(body): ValidJson<SignInRequest>,
) -> AppResult<Response> {
    let (login, admin) = service::sign_in(&state, &body.username, &body.password, ip).await?;
    let session = ConsoleSession {
        csrf_token: Some(cookie::csrf_token(&login.token)),
        expires_in: Some(login.expires_in),
        admin,
    };
    let mut response = ApiJson::ok(session).into_response();
    cookie::append_set_cookies(
        response.headers_mut(),
        cookie::session_cookies(
            &login.token,
            login.expires_in,
            state.config.console.secure_cookies,
        ),
    );
    Ok(response)
}

/// The signed-in console account, and the CSRF token of its cookie session.
#[utoipa::path(get, path = "/api/v1/admin/console/session", tag = "console",
    security(("bearer" = []), ("console_cookie" = [])),
    responses(
        (status = 200, description = "The signed-in account", body = Envelope<ConsoleSession>),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "Not an admin-console account", body = ErrorEnvelope),
    ))]
pub async fn current_session(
    State(state): State<AppState>,
    headers: HeaderMap,
    principal: Principal,
) -> AppResult<ApiJson<ConsoleSession>> {
    let admin = admins::current(&state, &principal).await?;
    let csrf_token = headers
        .get(axum::http::header::AUTHORIZATION)
        .is_none()
        .then(|| cookie::read_cookie(&headers, cookie::SESSION_COOKIE))
        .flatten()
        .map(cookie::csrf_token);
    Ok(ApiJson::ok(ConsoleSession {
        admin,
        csrf_token,
        expires_in: None,
    }))
}

/// Sign out of the console: every token of the account ends and the cookies are cleared.
#[utoipa::path(delete, path = "/api/v1/admin/console/session", tag = "console",
    security(("console_cookie" = [])),
    responses(
        (status = 200, description = "Signed out", body = Envelope<Option<String>>),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "Missing or wrong X-CSRF-Token (40305)", body = ErrorEnvelope),
    ))]
pub async fn sign_out(State(state): State<AppState>, principal: Principal) -> AppResult<Response> {
    service::sign_out(&state, &principal).await?;
    let mut response = ApiJson::<Option<String>>::ok(None).into_response();
    cookie::append_set_cookies(
        response.headers_mut(),
        cookie::cleared_cookies(state.config.console.secure_cookies),
    );
    Ok(response)
}

#[derive(Deserialize, Validate, ToSchema)]
pub struct ChangePasswordRequest {
    #[validate(length(min = 1, max = 256))]
    current_password: String,
    #[validate(length(min = 10, max = 256))]
    new_password: String,
}

/// Change the signed-in account's password. Its other sessions end; a cookie session gets a
/// new cookie (and CSRF token) at once.
#[utoipa::path(post, path = "/api/v1/admin/me/password", tag = "console",
    request_body = ChangePasswordRequest, security(("bearer" = []), ("console_cookie" = [])),
    responses(
        (status = 200, description = "Changed", body = Envelope<ConsoleSession>),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "Not an admin-console account, or a bad X-CSRF-Token", body = ErrorEnvelope),
        (status = 422, description = "Wrong current password or too short a new one", body = ErrorEnvelope),
    ))]
pub async fn change_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    principal: Principal,
    ValidJson(body): ValidJson<ChangePasswordRequest>,
) -> AppResult<Response> {
    let changed = admins::change_password(
        &state,
        &principal,
        &body.current_password,
        &body.new_password,
    )
    .await?;
    let by_cookie = headers.get(axum::http::header::AUTHORIZATION).is_none();
    let admin = admins::current_with_token(&state, &changed.token).await?;
    let session = ConsoleSession {
        admin,
        csrf_token: by_cookie.then(|| cookie::csrf_token(&changed.token)),
        expires_in: Some(changed.expires_in),
    };
    let mut response = ApiJson::ok(session).into_response();
    if by_cookie {
        cookie::append_set_cookies(
            response.headers_mut(),
            cookie::session_cookies(
                &changed.token,
                changed.expires_in,
                state.config.console.secure_cookies,
            ),
        );
    }
    Ok(response)
}

/// Every admin-console account (admin role).
#[utoipa::path(get, path = "/api/v1/admin/accounts", tag = "console",
    security(("bearer" = []), ("console_cookie" = [])),
    responses(
        (status = 200, description = "The accounts, oldest first", body = Envelope<Vec<AdminAccountView>>),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "Not an admin-console account with the admin role", body = ErrorEnvelope),
    ))]
pub async fn list_accounts(
    State(state): State<AppState>,
    RequireRole(principal, _): RequireRole<Admin>,
) -> AppResult<ApiJson<Vec<AdminAccountView>>> {
    admins::list(&state, &principal).await.map(ApiJson::ok)
}

#[derive(Deserialize, Validate, ToSchema)]
pub struct CreateAccountRequest {
    /// 3-64 letters, digits, '.', '_' or '-'.
    #[validate(length(min = 3, max = 64))]
    username: String,
    /// At least 10 characters.
    #[validate(length(min = 10, max = 256))]
    password: String,
    /// `admin` or `moderator`.
    role: Role,
}

/// Create an admin-console account (admin role).
#[utoipa::path(post, path = "/api/v1/admin/accounts", tag = "console",
    request_body = CreateAccountRequest, security(("bearer" = []), ("console_cookie" = [])),
    responses(
        (status = 201, description = "Created", body = Envelope<AdminAccountView>),
        (status = 401, description = "Not signed in", body = ErrorEnvelope),
        (status = 403, description = "Not an admin-console account with the admin role", body = ErrorEnvelope),
        (status = 409, description = "The username is taken", body = ErrorEnvelope),
        (status = 422, description = "A field is invalid", body = ErrorEnvelope),
    ))]
pub async fn create_account(
    State(state): State<AppState>,
    RequireRole(principal, _): RequireRole<Admin>,
    ValidJson(body): ValidJson<CreateAccountRequest>,
) -> AppResult<ApiJson<AdminAccountView>> {
    admins::create(
        &state,
        &principal,
        &body.username,
        &body.password,
        body.role,
    )
    .await
    .map(ApiJson::created)
}

/// Disable an admin-console account: it cannot sign in, and its sessions end at once.
#[utoipa::path(post, path = "/api/v1/admin/accounts/{id}/disable", tag = "console",
    params(("id" = i64, Path, description = "Account id")),
    security(("bearer" = []), ("console_cookie" = [])),
    responses(
        (status = 200, description = "Disabled", body = Envelope<AdminAccountView>),
        (status = 403, description = "Not an admin-console account with the admin role", body = ErrorEnvelope),
        (status = 404, description = "No such account", body = ErrorEnvelope),
        (status = 409, description = "Your own account", body = ErrorEnvelope),
    ))]
pub async fn disable_account(
    State(state): State<AppState>,
    RequireRole(principal, _): RequireRole<Admin>,
    Id(id): Id,
) -> AppResult<ApiJson<AdminAccountView>> {
    admins::set_disabled(&state, &principal, id, true)
        .await
        .map(ApiJson::ok)
}

/// Enable a disabled admin-console account again.
#[utoipa::path(post, path = "/api/v1/admin/accounts/{id}/enable", tag = "console",
    params(("id" = i64, Path, description = "Account id")),
    security(("bearer" = []), ("console_cookie" = [])),
    responses(
        (status = 200, description = "Enabled", body = Envelope<AdminAccountView>),
        (status = 403, description = "Not an admin-console account with the admin role", body = ErrorEnvelope),
        (status = 404, description = "No such account", body = ErrorEnvelope),
    ))]
pub async fn enable_account(
    State(state): State<AppState>,
    RequireRole(principal, _): RequireRole<Admin>,
    Id(id): Id,
) -> AppResult<ApiJson<AdminAccountView>> {
    admins::set_disabled(&state, &principal, id, false)
        .await
        .map(ApiJson::ok)
}

#[derive(Deserialize, Validate, IntoParams)]
pub struct AuditQuery {
    /// Only this admin-console account's actions.
    admin_id: Option<i64>,
    #[validate(range(min = 1, max = 100))]
    limit: Option<u32>,
    cursor: Option<String>,
}

/// The admin audit log, newest first: every state-changing request by an admin-console account
/// or on an admin route (who, what, when, from where, the status it ended with). Admin role.
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "console", params(AuditQuery),
    security(("bearer" = []), ("console_cookie" = [])),
    responses(
        (status = 200, description = "A page of entries", body = Envelope<Page<AuditEntry>>),
        (status = 400, description = "Bad cursor", body = ErrorEnvelope),
        (status = 403, description = "Not an admin", body = ErrorEnvelope),
    ))]
pub async fn audit_log(
    State(state): State<AppState>,
    RequireRole(_principal, _): RequireRole<Admin>,
    ValidQuery(query): ValidQuery<AuditQuery>,
) -> AppResult<ApiJson<Page<AuditEntry>>> {
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    };
    service::audit_log(&state, query.admin_id, &page)
        .await
        .map(ApiJson::ok)
}

/// Counts across features (users, new users, posts, orders, approvals pending, jobs failed and
/// pending) and this node's request rate, latency and error rate by minute (moderator+).
#[utoipa::path(get, path = "/api/v1/admin/dashboard", tag = "console",
    security(("bearer" = []), ("console_cookie" = [])),
    responses(
        (status = 200, description = "The dashboard", body = Envelope<Dashboard>),
        (status = 403, description = "Needs the moderator role", body = ErrorEnvelope),
    ))]
pub async fn dashboard(
    State(state): State<AppState>,
    _staff: RequireRole<Moderator>,
) -> AppResult<ApiJson<Dashboard>> {
    service::dashboard(&state).await.map(ApiJson::ok)
}

#[derive(Deserialize, Validate, IntoParams)]
pub struct JobQuery {
    /// `failed` (default) or `pending`.
    #[param(inline)]
    status: Option<JobStatus>,
    #[validate(range(min = 1, max = 100))]
    limit: Option<u32>,
    cursor: Option<String>,
}

/// Failed or pending background jobs, newest first (admin).
#[utoipa::path(get, path = "/api/v1/admin/jobs", tag = "console", params(JobQuery),
    security(("bearer" = []), ("console_cookie" = [])),
    responses(
        (status = 200, description = "A page of jobs", body = Envelope<Page<JobView>>),
        (status = 400, description = "Bad cursor or status", body = ErrorEnvelope),
        (status = 403, description = "Needs the admin role", body = ErrorEnvelope),
    ))]
pub async fn list_jobs(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
    ValidQuery(query): ValidQuery<JobQuery>,
) -> AppResult<ApiJson<Page<JobView>>> {
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    };
    service::jobs(&state, query.status.unwrap_or(JobStatus::Failed), &page)
        .await
        .map(ApiJson::ok)
}

/// Run a failed or pending job again now, with a fresh set of attempts (admin).
#[utoipa::path(post, path = "/api/v1/admin/jobs/{id}/retry", tag = "console",
    params(("id" = i64, Path, description = "Job id")),
    security(("bearer" = []), ("console_cookie" = [])),
    responses(
        (status = 200, description = "Queued again", body = Envelope<Option<String>>),
        (status = 403, description = "Needs the admin role", body = ErrorEnvelope),
        (status = 404, description = "No failed or pending job with this id", body = ErrorEnvelope),
    ))]
pub async fn retry_job(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
    Id(id): Id,
) -> AppResult<ApiJson<Option<String>>> {
    service::retry_job(&state, id)
        .await
        .map(|()| ApiJson::ok(None))
}

/// Drop a failed or pending job for good (admin).
#[utoipa::path(delete, path = "/api/v1/admin/jobs/{id}", tag = "console",
    params(("id" = i64, Path, description = "Job id")),
    security(("bearer" = []), ("console_cookie" = [])),
    responses(
        (status = 200, description = "Discarded", body = Envelope<Option<String>>),
        (status = 403, description = "Needs the admin role", body = ErrorEnvelope),
        (status = 404, description = "No failed or pending job with this id", body = ErrorEnvelope),
    ))]
pub async fn discard_job(
    State(state): State<AppState>,
    _admin: RequireRole<Admin>,
    Id(id): Id,
) -> AppResult<ApiJson<Option<String>>> {
    service::discard_job(&state, id)
        .await
        .map(|()| ApiJson::ok(None))
}
