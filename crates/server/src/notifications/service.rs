//! In-app notifications: features record them (inside their own transactions), users list them,
//! count the unread ones and mark them read.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::model;
use super::repo;
use crate::auth::guard::Principal;
use crate::error::{AppError, AppResult};
use crate::http::pagination::{Page, PageQuery};
use crate::realtime::{self, Channel};
use crate::state::AppState;

/// What to tell a user.
pub struct Notice<'a> {
    pub user_id: i64,
    pub kind: &'a str,
    pub actor_id: Option<i64>,
    pub subject_type: &'a str,
    pub subject_id: i64,
    pub body: Value,
}

/// Record a notification, inside the caller's transaction. Telling users about their own acts
/// (liking one's own post) is skipped.
pub async fn notify(db: &impl ConnectionTrait, notice: Notice<'_>) -> AppResult<()> {
    if notice.actor_id == Some(notice.user_id) {
        return Ok(());
    }
    let body = serde_json::to_string(&notice.body).map_err(AppError::internal)?;
    repo::insert(
        db,
        repo::new_row(
            notice.user_id,
            notice.kind,
            notice.actor_id,
            notice.subject_type,
            notice.subject_id,
            body,
            Utc::now(),
        ),
    )
    .await?;
    Ok(())
}

/// Tell a user's open realtime connections that a notification of `kind` arrived, with the new
/// unread count. Called after the transaction that recorded it commits; best effort.
pub async fn announce(state: &AppState, user_id: i64, kind: &str) {
    match repo::unread_count(&state.db, user_id).await {
        Ok(unread) => realtime::publish(
            state,
            Channel::User(user_id),
            "notification.created",
            serde_json::json!({ "kind": kind, "unread": unread }),
        ),
        Err(err) => tracing::warn!(error = %err, "notifications: unread count for realtime failed"),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationView {
    pub id: i64,
    pub kind: String,
    pub actor_id: Option<i64>,
    pub subject_type: String,
    pub subject_id: i64,
    #[schema(value_type = Object)]
    pub body: Value,
    pub read: bool,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<model::Model> for NotificationView {
    type Error = AppError;

    fn try_from(row: model::Model) -> AppResult<Self> {
        Ok(Self {
            body: crate::store::json::decode("notifications.body", row.id, &row.body)?,
            id: row.id,
            kind: row.kind,
            actor_id: row.actor_id,
            subject_type: row.subject_type,
            subject_id: row.subject_id,
            read: row.read_at.is_some(),
            created_at: row.created_at,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnreadCount {
    pub unread: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MarkedRead {
    pub marked: u64,
}

#[derive(Debug, Deserialize, ToSchema, validator::Validate)]
pub struct MarkRead {
    /// The notifications to mark; absent marks all of the caller's.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_items = 1, max_items = 200)]
    pub ids: Option<Vec<i64>>,
}

pub async fn list(
    state: &AppState,
    user: &Principal,
    page: &PageQuery,
    unread_only: bool,
) -> AppResult<Page<NotificationView>> {
    let limit = page.limit();
    let before: Option<i64> = page.decode()?;
    let rows = repo::list(
        &state.db,
        user.id,
        before,
        unread_only,
        u64::from(limit) + 1,
    )
    .await?;
    Page::from_rows(rows, limit, |n| n.id).try_map(NotificationView::try_from)
}

pub async fn unread_count(state: &AppState, user: &Principal) -> AppResult<UnreadCount> {
    Ok(UnreadCount {
        unread: repo::unread_count(&state.db, user.id).await?,
    })
}

pub async fn mark_read(
    state: &AppState,
    user: &Principal,
    request: &MarkRead,
) -> AppResult<MarkedRead> {
    let marked = repo::mark_read(&state.db, user.id, request.ids.as_deref(), Utc::now()).await?;
    if marked > 0 {
        let unread = repo::unread_count(&state.db, user.id).await?;
        realtime::publish(
            state,
            Channel::User(user.id),
            "notification.unread",
            serde_json::json!({ "unread": unread }),
        );
    }
    Ok(MarkedRead { marked })
}
