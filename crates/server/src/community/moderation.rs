//! Moderation: users report posts and comments; moderators work a queue (pending content and
//! open reports), approve, remove, or ban the author; every decision, human or automatic, is in
//! an append-only audit log.

use chrono::Utc;
use sea_orm::{ActiveEnum, ActiveValue::Set, TransactionTrait};
use serde_json::json;

use super::comments::{publish_comment_effects, unpublish_comment};
use super::feed::{latest_changed, FeedChange};
use super::model::{
    report, ActionView, CommentView, ContentStatus, PostView, ReportStatus, ReportView, TargetType,
};
use super::posts::on_published;
use super::repo;
use super::views::{comment_page, post_page};
use crate::auth::guard::Principal;
use crate::auth::jwt::SubjectKind;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::http::pagination::{Page, PageQuery};
use crate::realtime::{self, Channel};
use crate::state::AppState;

/// The actor of automatic decisions (WeChat's checks) in the audit log.
pub const WECHAT_ACTOR: &str = "wechat";

/// The actor of a person's decisions in the audit log.
pub fn actor_of(principal: &Principal) -> String {
    match principal.kind {
        SubjectKind::Admin => format!("admin:{}", principal.id),
        SubjectKind::User => format!("user:{}", principal.id),
    }
}

/// Tell the moderators' consoles that something joined the queue.
pub fn announce_queued(state: &AppState, target: TargetType, id: i64) {
    realtime::publish(
        state,
        Channel::Admin,
        "moderation.queued",
        json!({ "target_type": target.as_str(), "id": id }),
    );
}

/// One of `allowed`, by its stored name; else the 400 that lists them.
fn status_filter<S: ActiveEnum<Value = String> + Copy>(
    status: &str,
    allowed: &[S],
) -> AppResult<S> {
    if let Some(found) = allowed.iter().find(|s| s.to_value() == status) {
        return Ok(*found);
    }
    let mut names: Vec<String> = allowed.iter().map(|s| s.to_value()).collect();
    let last = names.pop().unwrap_or_default();
    Err(AppError::new(
        ErrorCode::InvalidQuery,
        format!("status: must be {} or {last}", names.join(", ")),
    ))
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
            .is_some_and(|p| p.status == ContentStatus::Published),
        TargetType::Comment => repo::find_comment(&state.db, target_id)
            .await?
            .is_some_and(|c| c.status == ContentStatus::Published),
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
            status: Set(ReportStatus::Open),
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
    let status = status_filter(status, &[ReportStatus::Open, ReportStatus::Resolved])?;
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
    use ContentStatus::*;
    let status = status_filter(status, &[Pending, Checking, Published, Blocked, Removed])?;
    let limit = page.limit();
    let rows = repo::by_status(&state.db, status, page.decode()?, u64::from(limit) + 1).await?;
    post_page(state, Some(moderator), rows, limit, |p| p.id).await
}

pub async fn comments_in_status(
    state: &AppState,
    moderator: &Principal,
    status: &str,
    page: &PageQuery,
) -> AppResult<Page<CommentView>> {
    use ContentStatus::*;
    let status = status_filter(status, &[Pending, Published, Removed])?;
    let limit = page.limit();
    let rows =
        repo::comments_by_status(&state.db, status, page.decode()?, u64::from(limit) + 1).await?;
    comment_page(state, Some(moderator), rows, limit).await
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
                let from = [
                    ContentStatus::Pending,
                    ContentStatus::Checking,
                    ContentStatus::Blocked,
                ];
                let published =
                    repo::set_post_status(&txn, id, &from, ContentStatus::Published, now).await?;
                if published {
                    on_published(&txn, id).await?;
                }
                published
            } else {
                let from = [
                    ContentStatus::Pending,
                    ContentStatus::Checking,
                    ContentStatus::Published,
                    ContentStatus::Blocked,
                ];
                let removed =
                    repo::set_post_status(&txn, id, &from, ContentStatus::Removed, now).await?;
                if removed {
                    repo::set_topics(&txn, id, &[]).await?;
                }
                removed
            };
            if !changed {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    format!("the post is {}; nothing to decide", post.status.to_value()),
                ));
            }
            post.author_id
        }
        TargetType::Comment => {
            let comment = repo::find_comment(&txn, id)
                .await?
                .ok_or_else(|| AppError::not_found("comment"))?;
            let changed = if decision.approve {
                let from = [ContentStatus::Pending];
                let published =
                    repo::set_comment_status(&txn, id, &from, ContentStatus::Published, now)
                        .await?;
                if published {
                    notified = publish_comment_effects(&txn, id).await?;
                }
                published
            } else {
                unpublish_comment(&txn, id, ContentStatus::Removed, now).await?
            };
            if !changed {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    format!(
                        "the comment is {}; nothing to decide",
                        comment.status.to_value()
                    ),
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
    latest_changed(state, FeedChange::Content).await;
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
