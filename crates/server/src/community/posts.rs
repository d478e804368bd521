//! Posts: writing one (text, images, topics), who may see it, editing and deleting it, and the
//! hot rank its likes and comments feed.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveEnum, ActiveValue::Set, ConnectionTrait, TransactionTrait};

use super::feed::{latest_changed, FeedChange};
use super::model::{post, ContentStatus, ImageRef, PostView, TargetType};
use super::moderation::{self, WECHAT_ACTOR};
use super::repo;
use super::safety::{self, TextVerdict};
use super::views::post_views;
use crate::auth::guard::Principal;
use crate::auth::jwt::SubjectKind;
use crate::community::settings::{ContentCheck, ModerationFallback};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::files::service::owned_images;
use crate::state::AppState;
use crate::users::model::Role;
use crate::users::service::{self as users_service, UserSummary};

pub const MAX_CONTENT_CHARS: usize = 2000;
pub const MAX_IMAGES: usize = 9;
pub const MAX_TOPICS: usize = 5;

/// What a topic may be, for error messages.
pub const TOPIC_RULE: &str = "must be 1-20 letters, digits, '_' or '-' (a leading '#' is dropped)";

/// Reddit's hot score: log10 of the engagement plus creation time in units of 12.5 hours, so a
/// post needs ten times the likes to beat one 12.5 hours newer. Scaled to an integer.
pub fn hot_rank(likes: i32, comments: i32, created_at: DateTime<Utc>) -> i64 {
    let engagement = f64::from((likes + 2 * comments).max(1));
    let age = (created_at.timestamp() - 1_700_000_000) as f64 / 45_000.0;
    ((engagement.log10() + age) * 1_000_000.0) as i64
}

/// Rank the post again after its likes or comments changed.
pub(super) async fn refresh_hot_rank(db: &impl ConnectionTrait, post_id: i64) -> AppResult<()> {
    if let Some(post) = repo::find_post(db, post_id).await? {
        repo::set_hot_rank(
            db,
            post_id,
            hot_rank(post.like_count, post.comment_count, post.created_at),
        )
        .await?;
    }
    Ok(())
}

/// A topic as stored: trimmed, without a leading '#', lower case; None when it breaks the rule.
pub fn normalize_topic(topic: &str) -> Option<String> {
    let topic = topic.trim().trim_start_matches('#').to_lowercase();
    let ok = !topic.is_empty()
        && topic.chars().count() <= 20
        && topic
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    ok.then_some(topic)
}

fn normalize_topics(topics: &[String]) -> AppResult<Vec<String>> {
    if topics.len() > MAX_TOPICS {
        return Err(AppError::validation(
            "topics",
            format!("at most {MAX_TOPICS} topics"),
        ));
    }
    let mut seen = Vec::new();
    for (i, topic) in topics.iter().enumerate() {
        let Some(topic) = normalize_topic(topic) else {
            return Err(AppError::validation(&format!("topics[{i}]"), TOPIC_RULE));
        };
        if !seen.contains(&topic) {
            seen.push(topic);
        }
    }
    Ok(seen)
}

/// The post's topics (stored joined by commas).
pub(super) fn topics_of(post: &post::Model) -> Vec<String> {
    post.topics
        .split(',')
        .filter(|t| !t.is_empty())
        .map(String::from)
        .collect()
}

/// Trimmed text of 1 to `max` characters.
pub(super) fn check_text_length(field: &str, text: &str, max: usize) -> AppResult<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::validation(field, "must not be empty"));
    }
    if text.chars().count() > max {
        return Err(AppError::validation(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(text.to_string())
}

pub struct NewPost {
    pub content: String,
    pub images: Vec<i64>,
    pub topics: Vec<String>,
}

pub async fn create_post(
    state: &AppState,
    user: &Principal,
    input: NewPost,
) -> AppResult<PostView> {
    let content = check_text_length("content", &input.content, MAX_CONTENT_CHARS)?;
    if input.images.len() > MAX_IMAGES {
        return Err(AppError::validation(
            "images",
            format!("at most {MAX_IMAGES} images"),
        ));
    }
    if input.images.iter().collect::<HashSet<_>>().len() != input.images.len() {
        return Err(AppError::validation("images", "lists an image twice"));
    }
    let topics = normalize_topics(&input.topics)?;
    let images = if input.images.is_empty() {
        Vec::new()
    } else {
        owned_images(&state.db, &state.config, user.id, &input.images).await?
    };
    state
        .limiter
        .hit(
            "posts",
            &user.id.to_string(),
            state.config.community.posts_per_minute,
        )
        .await?;
    let verdict = match state.config.community.content_check {
        // Checked after the answer, by the background text check.
        ContentCheck::Async => None,
        ContentCheck::Sync => {
            let author = safety::author_of(state, user).await?;
            Some(safety::check_text(state, &author.openid, &content, safety::SCENE_POST).await?)
        }
    };
    safety::refuse_duplicate(state, "dup-post", user.id, &content).await?;

    let (mut status, mut checks, recheck) = match verdict {
        None => (ContentStatus::Checking, 0, false),
        Some(verdict) => post_placement(state, verdict),
    };
    // Images wait for WeChat's callbacks, unless WeChat is unreachable and the policy publishes
    // now; their checks still run, and a risky image blocks the post later.
    if !images.is_empty() && !recheck {
        if status == ContentStatus::Published {
            status = ContentStatus::Pending;
        }
        checks += images.len() as i32;
    }
    let now = Utc::now();
    let image_refs: Vec<ImageRef> = images
        .iter()
        .map(|f| ImageRef {
            id: f.id,
            key: f.url.rsplit('/').next().unwrap_or_default().to_string(),
            content_type: f.content_type.clone(),
            size: f.size,
            width: f.width,
            height: f.height,
        })
        .collect();
    let mut row = post::Model {
        id: 0,
        author_id: user.id,
        content,
        images: serde_json::to_string(&image_refs).map_err(AppError::internal)?,
        topics: topics.join(","),
        status,
        like_count: 0,
        comment_count: 0,
        hot_rank: hot_rank(0, 0, now),
        pending_checks: checks,
        created_at: now,
        updated_at: now,
        deleted_at: None,
    };
    let published = status == ContentStatus::Published;
    let needs_txn =
        published || !image_refs.is_empty() || recheck || verdict == Some(TextVerdict::Review);
    if needs_txn {
        let txn = state.db.begin().await?;
        row.id = repo::insert_post(&txn, new_row(&row)).await?;
        if published {
            repo::set_topics(&txn, row.id, &topics).await?;
        }
        if !image_refs.is_empty() {
            safety::enqueue_media_checks(&txn, row.id).await?;
        }
        if recheck {
            safety::enqueue_recheck(&txn, TargetType::Post, row.id).await?;
        }
        if verdict == Some(TextVerdict::Review) {
            repo::record_action(
                &txn,
                WECHAT_ACTOR,
                "review",
                "post",
                row.id,
                "text needs review",
                now,
            )
            .await?;
        }
        txn.commit().await?;
    } else {
        // The common case (text only, checked in the background): one statement, no transaction.
        row.id = repo::insert_post(&state.db, new_row(&row)).await?;
    }
    // Only a published post changes what others see (and the cached feed page).
    if published {
        latest_changed(state, FeedChange::Published).await;
    }
    if !image_refs.is_empty() || recheck {
        state.jobs.wake();
    }
    if status == ContentStatus::Checking {
        safety::schedule_text_checks(state).await;
    }
    if status == ContentStatus::Pending {
        moderation::announce_queued(state, TargetType::Post, row.id);
    }
    // Everything the answer shows is known: no read back, and the author's profile comes from
    // the cache every signed-in page uses. A new post has no likes or comments.
    let me = users_service::me(state, user).await?;
    Ok(PostView {
        id: row.id,
        author: UserSummary {
            id: me.id,
            nickname: me.nickname,
            avatar_url: me.avatar_url,
        },
        content: row.content,
        images,
        topics,
        like_count: 0,
        comment_count: 0,
        liked_by_me: false,
        status: row.status.to_value(),
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// The insert of `row` (its id left to the database).
fn new_row(row: &post::Model) -> post::ActiveModel {
    post::ActiveModel {
        author_id: Set(row.author_id),
        content: Set(row.content.clone()),
        images: Set(row.images.clone()),
        topics: Set(row.topics.clone()),
        status: Set(row.status),
        like_count: Set(row.like_count),
        comment_count: Set(row.comment_count),
        hot_rank: Set(row.hot_rank),
        pending_checks: Set(row.pending_checks),
        created_at: Set(row.created_at),
        updated_at: Set(row.updated_at),
        deleted_at: Set(row.deleted_at),
        ..Default::default()
    }
}

/// Where a post goes after a check made while the request waits. Text WeChat could not check
/// under the `hold` policy waits in `checking` for the background check's retries (published
/// when WeChat answers); the rest as for comments.
fn post_placement(state: &AppState, verdict: TextVerdict) -> (ContentStatus, i32, bool) {
    match (verdict, state.config.community.moderation_fallback) {
        (TextVerdict::Unchecked, ModerationFallback::Hold) => (ContentStatus::Checking, 0, false),
        _ => safety::placement(state, verdict),
    }
}

/// After a post becomes published: its topics join the topic feeds.
pub async fn on_published(db: &impl ConnectionTrait, post_id: i64) -> AppResult<()> {
    if let Some(post) = repo::find_post(db, post_id).await? {
        repo::set_topics(db, post_id, &topics_of(&post)).await?;
    }
    Ok(())
}

/// One post, if the viewer may see it: everyone sees published posts; the author and
/// moderators also see pending and blocked ones; deleted and removed posts are gone.
pub async fn get_post(
    state: &AppState,
    viewer: Option<&Principal>,
    id: i64,
) -> AppResult<PostView> {
    let post = visible_post(state, viewer, id).await?;
    let mut views = post_views(state, viewer, vec![post]).await?;
    views.pop().ok_or_else(|| AppError::not_found("post"))
}

pub(super) async fn visible_post(
    state: &AppState,
    viewer: Option<&Principal>,
    id: i64,
) -> AppResult<post::Model> {
    let post = repo::find_post(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("post"))?;
    let own = viewer.is_some_and(|v| v.kind == SubjectKind::User && v.id == post.author_id);
    let staff = viewer.is_some_and(|p| p.role >= Role::Moderator);
    let visible = match post.status {
        ContentStatus::Published => true,
        ContentStatus::Pending | ContentStatus::Checking | ContentStatus::Blocked => own || staff,
        ContentStatus::Removed => staff,
        ContentStatus::Deleted => false,
    };
    if visible {
        Ok(post)
    } else {
        Err(AppError::not_found("post"))
    }
}

/// The caller's own post, not deleted or removed, for them to `verb` (edit, delete).
async fn own_post(
    state: &AppState,
    user: &Principal,
    id: i64,
    verb: &str,
) -> AppResult<post::Model> {
    let post = repo::find_post(&state.db, id)
        .await?
        .filter(|p| !matches!(p.status, ContentStatus::Deleted | ContentStatus::Removed))
        .ok_or_else(|| AppError::not_found("post"))?;
    if post.author_id != user.id {
        return Err(AppError::forbidden(format!(
            "only the author can {verb} a post"
        )));
    }
    Ok(post)
}

/// Edit the text and topics of one's own post; the text is checked again.
pub async fn edit_post(
    state: &AppState,
    user: &Principal,
    id: i64,
    content: Option<String>,
    topics: Option<Vec<String>>,
) -> AppResult<PostView> {
    let post = own_post(state, user, id, "edit").await?;
    if post.status == ContentStatus::Blocked {
        return Err(AppError::new(
            ErrorCode::NotEditable,
            "a blocked post cannot be edited",
        ));
    }
    let content = match content {
        Some(text) => check_text_length("content", &text, MAX_CONTENT_CHARS)?,
        None => post.content.clone(),
    };
    let topics = match topics {
        Some(list) => normalize_topics(&list)?,
        None => topics_of(&post),
    };
    let author = safety::author_of(state, user).await?;
    let verdict = if content != post.content {
        safety::check_text(state, &author.openid, &content, safety::SCENE_POST).await?
    } else {
        TextVerdict::Pass
    };
    let (mut status, mut checks, recheck) = post_placement(state, verdict);
    if post.status == ContentStatus::Checking || status == ContentStatus::Checking {
        // The background check (not answered yet, or to retry WeChat) checks the new text; the
        // image checks and reviews still owed stay owed.
        status = ContentStatus::Checking;
        checks = post.pending_checks;
    } else if post.status == ContentStatus::Pending {
        // Still waiting for image checks or a moderator: stays pending.
        status = ContentStatus::Pending;
        checks = checks.max(post.pending_checks);
    }
    let now = Utc::now();
    let txn = state.db.begin().await?;
    if !repo::update_post_text(&txn, id, &content, &topics.join(","), status, checks, now).await? {
        return Err(AppError::new(
            ErrorCode::NotEditable,
            "the post changed state; reload it",
        ));
    }
    let listed = status == ContentStatus::Published;
    repo::set_topics(&txn, id, if listed { &topics } else { &[] }).await?;
    if recheck {
        safety::enqueue_recheck(&txn, TargetType::Post, id).await?;
    }
    txn.commit().await?;
    latest_changed(state, FeedChange::Content).await;
    if status == ContentStatus::Checking {
        safety::schedule_text_checks(state).await;
    }
    get_post(state, Some(user), id).await
}

/// Delete one's own post (soft: it disappears, its rows stay).
pub async fn delete_post(state: &AppState, user: &Principal, id: i64) -> AppResult<()> {
    own_post(state, user, id, "delete").await?;
    let now = Utc::now();
    let txn = state.db.begin().await?;
    let live = [
        ContentStatus::Published,
        ContentStatus::Pending,
        ContentStatus::Checking,
        ContentStatus::Blocked,
    ];
    if !repo::set_post_status(&txn, id, &live, ContentStatus::Deleted, now).await? {
        return Err(AppError::not_found("post"));
    }
    repo::set_topics(&txn, id, &[]).await?;
    txn.commit().await?;
    latest_changed(state, FeedChange::Content).await;
    Ok(())
}
