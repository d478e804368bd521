//! Moderation: users report posts and comments; moderators work a queue (pending content and
//! open reports), approve, remove, or ban the author; every decision, human or automatic, is in
//! an append-only audit log.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, TransactionTrait};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::{moderation_action, report};
use super::repo::{self, PENDING, PUBLISHED};
use super::service::{self, actor_of, CommentView, PostView};
use crate::auth::guard::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::http::pagination::{Page, PageQuery};
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TargetType {
    Post,
    Comment,
}

impl TargetType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Post => "post",
            Self::Comment => "comment",
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportView {
    pub id: i64,
    pub reporter_id: i64,
    pub target_type: String,
    pub target_id: i64,
    pub reason: String,
    /// open or resolved.
    pub status: String,
    pub resolution: Option<String>,
    pub resolved_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

impl From<report::Model> for ReportView {
    fn from(r: report::Model) -> Self {
        Self {
            id: r.id,
            reporter_id: r.reporter_id,
            target_type: r.target_type,
            target_id: r.target_id,
            reason: r.reason,
            status: r.status,
            resolution: r.resolution,
            resolved_by: r.resolved_by,
            created_at: r.created_at,
            resolved_at: r.resolved_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActionView {
    pub id: i64,
    /// admin:<id>, user:<id>, or wechat for automatic checks.
    pub actor: String,
    /// publish, approve, remove, block, hold, review, ban, resolve.
    pub action: String,
    pub target_type: String,
    pub target_id: i64,
    pub reason: String,
    pub created_at: DateTime<Utc>,
}

impl From<moderation_action::Model> for ActionView {
    fn from(a: moderation_action::Model) -> Self {
        Self {
            id: a.id,
            actor: a.actor,
            action: a.action,
            target_type: a.target_type,
            target_id: a.target_id,
            reason: a.reason,
            created_at: a.created_at,
        }
    }
}

/// Report a post or comment; reporting the same thing again while the report is open returns it.
pub async fn report(
    state: &AppState,
    user: &Principal,
    target_type: TargetType,
    target_id: i64,
    reason: &str,
) -> AppResult<ReportView> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(AppError::validation("reason", "must be 1-200 characters"));
    }
    let exists = match target_type {
        TargetType::Post => repo::find_post(&state.db, target_id)
            .await?
            .is_some_and(|p| p.status == PUBLISHED),
        TargetType::Comment => repo::find_comment(&state.db, target_id)
            .await?
            .is_some_and(|c| c.status == PUBLISHED),
    };
    if !exists {
        return Err(AppError::not_found(target_type.as_str()));
    }
    if let Some(open) =
        repo::open_report_by(&state.db, user.id, target_type.as_str(), target_id).await?
    {
        return Ok(open.into());
    }
    let id = repo::insert_report(
        &state.db,
        report::ActiveModel {
            reporter_id: Set(user.id),
            target_type: Set(target_type.as_str().into()),
            target_id: Set(target_id),
            reason: Set(reason.into()),
            status: Set("open".into()),
            resolution: Set(None),
            resolved_by: Set(None),
            created_at: Set(Utc::now()),
            resolved_at: Set(None),
            ..Default::default()
        },
    )
    .await?;
    let row = repo::find_report(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("report"))?;
    Ok(row.into())
}

pub async fn reports(
    state: &AppState,
    status: &str,
    page: &PageQuery,
) -> AppResult<Page<ReportView>> {
    if !matches!(status, "open" | "resolved") {
        return Err(AppError::new(
            ErrorCode::InvalidQuery,
            "status: must be open or resolved",
        ));
    }
    let limit = page.limit();
    let rows = repo::reports(&state.db, status, page.decode()?, u64::from(limit) + 1).await?;
    Ok(Page::from_rows(rows, limit, |r| r.id).map(ReportView::from))
}

pub async fn posts_in_status(
    state: &AppState,
    moderator: &Principal,
    status: &str,
    page: &PageQuery,
) -> AppResult<Page<PostView>> {
    if !matches!(status, "pending" | "published" | "blocked" | "removed") {
        return Err(AppError::new(
            ErrorCode::InvalidQuery,
            "status: must be pending, published, blocked or removed",
        ));
    }
    let limit = page.limit();
    let rows = repo::by_status(&state.db, status, page.decode()?, u64::from(limit) + 1).await?;
    let page = Page::from_rows(rows, limit, |p| p.id);
    let next = page.next_cursor;
    let items = service::post_views(state, Some(moderator), page.items).await?;
    Ok(Page {
        items,
        next_cursor: next,
    })
}

pub async fn comments_in_status(
    state: &AppState,
    moderator: &Principal,
    status: &str,
    page: &PageQuery,
) -> AppResult<Page<CommentView>> {
    if !matches!(status, "pending" | "published" | "removed") {
        return Err(AppError::new(
            ErrorCode::InvalidQuery,
            "status: must be pending, published or removed",
        ));
    }
    let limit = page.limit();
    let rows =
        repo::comments_by_status(&state.db, status, page.decode()?, u64::from(limit) + 1).await?;
    let page = Page::from_rows(rows, limit, |c| c.id);
    let next = page.next_cursor;
    let items = service::comment_views(state, Some(moderator), page.items).await?;
    Ok(Page {
        items,
        next_cursor: next,
    })
}

/// A moderator's decision on a post or comment.
pub struct Decision {
    pub approve: bool,
    pub reason: String,
    pub ban_author: bool,
}

pub async fn decide(
    state: &AppState,
    moderator: &Principal,
    target_type: TargetType,
    id: i64,
    decision: Decision,
) -> AppResult<()> {
    let reason = decision.reason.trim().to_string();
    if reason.chars().count() > 500 {
        return Err(AppError::validation(
            "reason",
            "must be at most 500 characters",
        ));
    }
    if !decision.approve && reason.is_empty() {
        return Err(AppError::validation("reason", "a removal needs a reason"));
    }
    let actor = actor_of(moderator);
    let now = Utc::now();
    let txn = state.db.begin().await?;
    let mut notified = Vec::new();
    let author_id = match target_type {
        TargetType::Post => {
            let post = repo::find_post(&txn, id)
                .await?
                .ok_or_else(|| AppError::not_found("post"))?;
            let changed = if decision.approve {
                let published =
                    repo::set_post_status(&txn, id, &[PENDING, "blocked"], PUBLISHED, now).await?;
                if published {
                    service::on_published(&txn, id).await?;
                }
                published
            } else {
                let removed = repo::set_post_status(
                    &txn,
                    id,
                    &[PENDING, PUBLISHED, "blocked"],
                    "removed",
                    now,
                )
                .await?;
                if removed {
                    repo::set_topics(&txn, id, &[]).await?;
                }
                removed
            };
            if !changed {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    format!("the post is {}; nothing to decide", post.status),
                ));
            }
            post.author_id
        }
        TargetType::Comment => {
            let comment = repo::find_comment(&txn, id)
                .await?
                .ok_or_else(|| AppError::not_found("comment"))?;
            let changed = if decision.approve {
                let published =
                    repo::set_comment_status(&txn, id, &[PENDING], PUBLISHED, now).await?;
                if published {
                    notified = service::publish_comment_effects(&txn, id).await?;
                }
                published
            } else {
                service::unpublish_comment(&txn, id, "removed", now).await?
            };
            if !changed {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    format!("the comment is {}; nothing to decide", comment.status),
                ));
            }
            comment.author_id
        }
    };
    let action = if decision.approve {
        "approve"
    } else {
        "remove"
    };
    repo::record_action(&txn, &actor, action, target_type.as_str(), id, &reason, now).await?;
    if decision.ban_author {
        repo::record_action(&txn, &actor, "ban", "user", author_id, &reason, now).await?;
    }
    txn.commit().await?;
    service::latest_changed(state).await;
    for recipient in notified {
        crate::notifications::announce(state, recipient, "comment").await;
    }
    if decision.ban_author {
        crate::users::service::set_banned(state, moderator, author_id, true).await?;
    }
    Ok(())
}

pub async fn resolve_report(
    state: &AppState,
    moderator: &Principal,
    id: i64,
    resolution: &str,
) -> AppResult<ReportView> {
    let resolution = resolution.trim();
    if resolution.is_empty() || resolution.chars().count() > 200 {
        return Err(AppError::validation(
            "resolution",
            "must be 1-200 characters",
        ));
    }
    let actor = actor_of(moderator);
    let now = Utc::now();
    let txn = state.db.begin().await?;
    if !repo::resolve_report(&txn, id, resolution, &actor, now).await? {
        return match repo::find_report(&txn, id).await? {
            None => Err(AppError::not_found("report")),
            Some(_) => Err(AppError::new(
                ErrorCode::Conflict,
                "the report is already resolved",
            )),
        };
    }
    repo::record_action(&txn, &actor, "resolve", "report", id, resolution, now).await?;
    txn.commit().await?;
    let row = repo::find_report(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("report"))?;
    Ok(row.into())
}

pub async fn audit(
    state: &AppState,
    target: Option<(TargetType, i64)>,
    page: &PageQuery,
) -> AppResult<Page<ActionView>> {
    let limit = page.limit();
    let rows = repo::actions(
        &state.db,
        target.map(|(t, id)| (t.as_str(), id)),
        page.decode()?,
        u64::from(limit) + 1,
    )
    .await?;
    Ok(Page::from_rows(rows, limit, |a| a.id).map(ActionView::from))
}
