use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use validator::Validate;

use super::service::{self, MarkRead, MarkedRead, NotificationView, UnreadCount};
use super::subscribe::{self, Accepted, Quota};
use crate::auth::extract::CurrentUser;
use crate::error::AppResult;
use crate::http::pagination::{Page, PageQuery};
use crate::http::{ApiJson, Envelope, ValidJson, ValidQuery};
use crate::openapi::ErrorEnvelope;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(unread_count))
        .routes(routes!(mark_read))
        .routes(routes!(accept_subscriptions, list_subscriptions))
}

/// Report the templates the user accepted in `wx.requestSubscribeMessage`; each acceptance lets
/// the server send one message of that template.
#[utoipa::path(post, path = "/api/v1/notifications/subscriptions", tag = "notifications", security(("bearer" = [])), request_body = Accepted,
    responses((status = 200, description = "Acceptances left, by template", body = Envelope<Vec<Quota>>),
              (status = 422, description = "No or bad template ids", body = ErrorEnvelope)))]
pub async fn accept_subscriptions(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ValidJson(body): ValidJson<Accepted>,
) -> AppResult<ApiJson<Vec<Quota>>> {
    subscribe::accept(&state, &user, &body)
        .await
        .map(ApiJson::ok)
}

/// Acceptances left, by template.
#[utoipa::path(get, path = "/api/v1/notifications/subscriptions", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, description = "Acceptances left", body = Envelope<Vec<Quota>>)))]
pub async fn list_subscriptions(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> AppResult<ApiJson<Vec<Quota>>> {
    subscribe::quotas(&state, &user).await.map(ApiJson::ok)
}

#[derive(Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Page size, 1..100 (default 20).
    #[validate(range(min = 1, max = 100))]
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Only unread ones.
    unread: Option<bool>,
}

/// The caller's notifications (replies, likes, follows, approvals), newest first.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, description = "A page", body = Envelope<Page<NotificationView>>),
              (status = 400, description = "Bad limit or cursor", body = ErrorEnvelope)))]
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ValidQuery(query): ValidQuery<ListQuery>,
) -> AppResult<ApiJson<Page<NotificationView>>> {
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    };
    service::list(&state, &user, &page, query.unread.unwrap_or(false))
        .await
        .map(ApiJson::ok)
}

/// How many of the caller's notifications are unread.
#[utoipa::path(get, path = "/api/v1/notifications/unread-count", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, description = "The count", body = Envelope<UnreadCount>)))]
pub async fn unread_count(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> AppResult<ApiJson<UnreadCount>> {
    service::unread_count(&state, &user).await.map(ApiJson::ok)
}

/// Mark notifications read: `{"ids":[...]}`, or `{}` for all.
#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "notifications", security(("bearer" = [])), request_body = MarkRead,
    responses((status = 200, description = "How many were marked", body = Envelope<MarkedRead>)))]
pub async fn mark_read(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ValidJson(body): ValidJson<MarkRead>,
) -> AppResult<ApiJson<MarkedRead>> {
    service::mark_read(&state, &user, &body)
        .await
        .map(ApiJson::ok)
}
