//! Comments and replies: a reply joins the thread of its root comment and remembers whom it
//! answers. A post's comment count always equals its visible comments.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, TransactionTrait};

use super::feed::{latest_changed, FeedChange};
use super::model::{comment, post, CommentView, ContentStatus, TargetType};
use super::moderation;
use super::posts::{check_text_length, refresh_hot_rank, visible_post};
use super::repo;
use super::safety;
use super::views::{comment_page, comment_views};
use crate::auth::guard::Principal;
use crate::error::{AppError, AppResult};
use crate::http::pagination::{Page, PageQuery};
use crate::notifications::{
    self,
    service::{notify, Notice},
};
use crate::realtime::{self, Channel};
use crate::state::AppState;

pub const MAX_COMMENT_CHARS: usize = 500;

pub struct NewComment {
    pub content: String,
    pub parent_id: Option<i64>,
}

pub async fn create_comment(
    state: &AppState,
    user: &Principal,
    post_id: i64,
    input: NewComment,
) -> AppResult<CommentView> {
    let content = check_text_length("content", &input.content, MAX_COMMENT_CHARS)?;
    repo::find_post(&state.db, post_id)
        .await?
        .filter(|p| p.status == ContentStatus::Published)
        .ok_or_else(|| AppError::not_found("post"))?;
    let (parent_id, reply_to) = match input.parent_id {
        None => (None, None),
        Some(parent_id) => {
            let parent = repo::find_comment(&state.db, parent_id)
                .await?
                .filter(|c| c.post_id == post_id && c.status == ContentStatus::Published)
                .ok_or_else(|| {
                    AppError::validation("parent_id", "is not a comment of this post")
                })?;
            // Replies thread under the root comment, remembering whom they answer.
            (
                Some(parent.parent_id.unwrap_or(parent.id)),
                Some(parent.author_id),
            )
        }
    };
    state
        .limiter
        .hit(
            "comments",
            &user.id.to_string(),
            state.config.community.comments_per_minute,
        )
        .await?;
    let author = safety::author_of(state, user).await?;
    let verdict =
        safety::check_text(state, &author.openid, &content, safety::SCENE_COMMENT).await?;
    safety::refuse_duplicate(state, "dup-comment", user.id, &content).await?;
    let (status, _, recheck) = safety::placement(state, verdict);
    let now = Utc::now();
    let txn = state.db.begin().await?;
    let id = repo::insert_comment(
        &txn,
        comment::ActiveModel {
            post_id: Set(post_id),
            author_id: Set(user.id),
            parent_id: Set(parent_id),
            reply_to_user_id: Set(reply_to),
            content: Set(content),
            status: Set(status),
            like_count: Set(0),
            created_at: Set(now),
            deleted_at: Set(None),
            ..Default::default()
        },
    )
    .await?;
    let published = status == ContentStatus::Published;
    let notified = if published {
        publish_comment_effects(&txn, id).await?
    } else {
        Vec::new()
    };
    if recheck {
        safety::enqueue_recheck(&txn, TargetType::Comment, id).await?;
    }
    txn.commit().await?;
    latest_changed(state, FeedChange::Counters).await;
    state.jobs.wake();
    let comment = repo::find_comment(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("comment"))?;
    let view = comment_views(state, Some(user), vec![comment])
        .await?
        .pop()
        .ok_or_else(|| AppError::not_found("comment"))?;
    if published {
        realtime::publish(state, Channel::Post(post_id), "comment.created", &view);
    } else {
        moderation::announce_queued(state, TargetType::Comment, id);
    }
    for recipient in notified {
        notifications::announce(state, recipient, "comment").await;
    }
    Ok(view)
}

/// A comment became visible: count it on its post and tell the post's author (and the user
/// replied to). Returns whom it notified, to announce once the transaction commits.
pub async fn publish_comment_effects(
    db: &impl ConnectionTrait,
    comment_id: i64,
) -> AppResult<Vec<i64>> {
    let comment = repo::find_comment(db, comment_id)
        .await?
        .ok_or_else(|| AppError::not_found("comment"))?;
    if !repo::add_post_count(db, comment.post_id, post::Column::CommentCount, 1).await? {
        return Err(AppError::not_found("post"));
    }
    refresh_hot_rank(db, comment.post_id).await?;
    let post = repo::find_post(db, comment.post_id)
        .await?
        .ok_or_else(|| AppError::not_found("post"))?;
    let body = serde_json::json!({ "post_id": comment.post_id, "comment_id": comment.id, "excerpt": comment.content.chars().take(50).collect::<String>() });
    let mut notified = Vec::new();
    if post.author_id != comment.author_id {
        notified.push(post.author_id);
    }
    notify(
        db,
        Notice {
            user_id: post.author_id,
            kind: "comment",
            actor_id: Some(comment.author_id),
            subject_type: "comment",
            subject_id: comment.id,
            body: body.clone(),
        },
    )
    .await?;
    if let Some(replied) = comment.reply_to_user_id.filter(|u| *u != post.author_id) {
        if replied != comment.author_id {
            notified.push(replied);
        }
        notify(
            db,
            Notice {
                user_id: replied,
                kind: "reply",
                actor_id: Some(comment.author_id),
                subject_type: "comment",
                subject_id: comment.id,
                body,
            },
        )
        .await?;
    }
    Ok(notified)
}

/// Take a published or pending comment down (deleted by its author, removed or held by
/// moderation), keeping the post's count equal to its visible comments.
pub async fn unpublish_comment(
    db: &impl ConnectionTrait,
    id: i64,
    to: ContentStatus,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let comment = repo::find_comment(db, id)
        .await?
        .ok_or_else(|| AppError::not_found("comment"))?;
    let was_published = comment.status == ContentStatus::Published;
    let from = [ContentStatus::Published, ContentStatus::Pending];
    if !repo::set_comment_status(db, id, &from, to, now).await? {
        return Ok(false);
    }
    if was_published {
        repo::add_post_count(db, comment.post_id, post::Column::CommentCount, -1).await?;
        refresh_hot_rank(db, comment.post_id).await?;
    }
    Ok(true)
}

pub async fn delete_comment(state: &AppState, user: &Principal, id: i64) -> AppResult<()> {
    let comment = repo::find_comment(&state.db, id)
        .await?
        .filter(|c| !matches!(c.status, ContentStatus::Deleted | ContentStatus::Removed))
        .ok_or_else(|| AppError::not_found("comment"))?;
    if comment.author_id != user.id {
        return Err(AppError::forbidden("only the author can delete a comment"));
    }
    let txn = state.db.begin().await?;
    unpublish_comment(&txn, id, ContentStatus::Deleted, Utc::now()).await?;
    txn.commit().await?;
    latest_changed(state, FeedChange::Counters).await;
    Ok(())
}

/// Root comments of a post, or replies in a thread; oldest first.
pub async fn list_comments(
    state: &AppState,
    viewer: Option<&Principal>,
    post_id: i64,
    parent_id: Option<i64>,
    page: &PageQuery,
) -> AppResult<Page<CommentView>> {
    visible_post(state, viewer, post_id).await?;
    let limit = page.limit();
    let after: Option<i64> = page.decode()?;
    let rows = repo::comments(
        state.read_db(),
        post_id,
        parent_id,
        after,
        u64::from(limit) + 1,
    )
    .await?;
    comment_page(state, viewer, rows, limit).await
}

pub async fn replies(
    state: &AppState,
    viewer: Option<&Principal>,
    comment_id: i64,
    page: &PageQuery,
) -> AppResult<Page<CommentView>> {
    let root = repo::find_comment(&state.db, comment_id)
        .await?
        .filter(|c| c.status == ContentStatus::Published)
        .ok_or_else(|| AppError::not_found("comment"))?;
    list_comments(
        state,
        viewer,
        root.post_id,
        Some(root.parent_id.unwrap_or(root.id)),
        page,
    )
    .await
}
