//! Likes, follows and profiles.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::TransactionTrait;
use serde_json::json;

use super::feed::{latest_changed, FeedChange};
use super::model::{post, ContentStatus, FollowState, LikeState, Profile, TargetType};
use super::posts::refresh_hot_rank;
use super::repo;
use crate::auth::guard::Principal;
use crate::auth::jwt::SubjectKind;
use crate::error::{AppError, AppResult};
use crate::http::pagination::{Page, PageQuery};
use crate::notifications::{
    self,
    service::{notify, Notice},
};
use crate::realtime::{self, Channel};
use crate::state::AppState;
use crate::users::service as users_service;
use crate::users::service::UserSummary;

/// Like or unlike a post or comment: idempotent, and the count always equals the rows.
pub async fn set_like(
    state: &AppState,
    user: &Principal,
    target: TargetType,
    id: i64,
    liked: bool,
) -> AppResult<LikeState> {
    let target_type = target.as_str();
    let now = Utc::now();
    let txn = state.db.begin().await?;
    // The like row first (the write that takes the lock), then the count in the same transaction.
    let changed = if liked {
        repo::insert_like(&txn, user.id, target_type, id, now).await?
    } else {
        repo::delete_like(&txn, user.id, target_type, id).await?
    };
    let delta = if liked { 1 } else { -1 };
    let (owner, count, post_id) = match target {
        TargetType::Post => {
            if changed && !repo::add_post_count(&txn, id, post::Column::LikeCount, delta).await? {
                return Err(AppError::not_found("post"));
            }
            let post = repo::find_post(&txn, id)
                .await?
                .filter(|p| p.status == ContentStatus::Published)
                .ok_or_else(|| AppError::not_found("post"))?;
            if changed {
                refresh_hot_rank(&txn, id).await?;
            }
            (post.author_id, post.like_count, post.id)
        }
        TargetType::Comment => {
            if changed && !repo::add_comment_likes(&txn, id, delta).await? {
                return Err(AppError::not_found("comment"));
            }
            let comment = repo::find_comment(&txn, id)
                .await?
                .filter(|c| c.status == ContentStatus::Published)
                .ok_or_else(|| AppError::not_found("comment"))?;
            (comment.author_id, comment.like_count, comment.post_id)
        }
    };
    let notified = changed && liked && owner != user.id;
    if changed && liked {
        notify(
            &txn,
            Notice {
                user_id: owner,
                kind: "like",
                actor_id: Some(user.id),
                subject_type: target_type,
                subject_id: id,
                body: json!({}),
            },
        )
        .await?;
    }
    txn.commit().await?;
    latest_changed(state, FeedChange::Counters).await;
    if changed {
        realtime::publish(
            state,
            Channel::Post(post_id),
            &format!("{target_type}.like_count"),
            json!({ "post_id": post_id, "id": id, "like_count": count }),
        );
    }
    if notified {
        notifications::announce(state, owner, "like").await;
    }
    Ok(LikeState {
        liked,
        like_count: count,
    })
}

pub async fn set_follow(
    state: &AppState,
    user: &Principal,
    target: i64,
    follow: bool,
) -> AppResult<FollowState> {
    if target == user.id {
        return Err(AppError::validation("id", "you cannot follow yourself"));
    }
    users_service::find(&state.db, target)
        .await?
        .ok_or_else(|| AppError::not_found("user"))?;
    let now = Utc::now();
    let txn = state.db.begin().await?;
    let mut notify_target = false;
    if follow {
        if repo::insert_follow(&txn, user.id, target, now).await? {
            notify_target = true;
            notify(
                &txn,
                Notice {
                    user_id: target,
                    kind: "follow",
                    actor_id: Some(user.id),
                    subject_type: "user",
                    subject_id: user.id,
                    body: json!({}),
                },
            )
            .await?;
        }
    } else {
        repo::delete_follow(&txn, user.id, target).await?;
    }
    txn.commit().await?;
    if notify_target {
        notifications::announce(state, target, "follow").await;
    }
    Ok(FollowState { following: follow })
}

pub async fn profile(state: &AppState, viewer: Option<&Principal>, id: i64) -> AppResult<Profile> {
    let user = users_service::find(&state.db, id)
        .await?
        .filter(|u| !u.banned)
        .ok_or_else(|| AppError::not_found("user"))?;
    let followed_by_me = match viewer.filter(|v| v.kind == SubjectKind::User) {
        Some(v) => repo::is_following(&state.db, v.id, id).await?,
        None => false,
    };
    Ok(Profile {
        id,
        nickname: user.nickname,
        avatar_url: user.avatar_url,
        followers: repo::count_followers(&state.db, id).await?,
        following: repo::count_following(&state.db, id).await?,
        posts: repo::count_published_by(&state.db, id).await?,
        followed_by_me,
    })
}

/// A user's followers (or whom they follow), as summaries.
pub async fn follow_list(
    state: &AppState,
    id: i64,
    followers: bool,
    page: &PageQuery,
) -> AppResult<Page<UserSummary>> {
    let limit = page.limit();
    let before: Option<i64> = page.decode()?;
    let ids = repo::follow_ids(&state.db, id, followers, before, u64::from(limit) + 1).await?;
    let page = Page::from_rows(ids, limit, |id| *id);
    let users: HashMap<i64, UserSummary> = users_service::find_many(&state.db, &page.items)
        .await?
        .iter()
        .map(|u| (u.id, UserSummary::from(u)))
        .collect();
    Ok(Page {
        items: page
            .items
            .iter()
            .filter_map(|id| users.get(id).cloned())
            .collect(),
        next_cursor: page.next_cursor,
    })
}
