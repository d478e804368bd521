//! The rules of the community: posts with images and topics, feeds, comments and replies, likes,
//! follows. Every list assembles its page in a fixed number of queries (the page, its authors,
//! what the caller liked), whatever its length.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, TransactionTrait};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::model::{comment, post};
use super::repo::{self, PENDING, PUBLISHED};
use super::safety::{self, TextVerdict};
use crate::auth::guard::Principal;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::files::service::{owned_images, url, FileView};
use crate::http::pagination::{Page, PageQuery};
use crate::notifications::{
    self,
    service::{notify, Notice},
};
use crate::realtime::{self, Channel};
use crate::state::AppState;
use crate::store::cache::CacheSpec;
use crate::users::model::{self as users, Role};
use crate::users::service::{self as users_service, UserSummary};
use serde_json::json;

pub const WECHAT_ACTOR: &str = "wechat";
pub const MAX_CONTENT_CHARS: usize = 2000;
pub const MAX_IMAGES: usize = 9;
pub const MAX_TOPICS: usize = 5;
pub const MAX_COMMENT_CHARS: usize = 500;

/// An image as stored on the post (the URL is made when the post is shown).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImageRef {
    pub id: i64,
    pub key: String,
    pub content_type: String,
    pub size: i64,
    pub width: i32,
    pub height: i32,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PostView {
    pub id: i64,
    pub author: UserSummary,
    pub content: String,
    pub images: Vec<FileView>,
    pub topics: Vec<String>,
    pub like_count: i32,
    pub comment_count: i32,
    /// Whether the caller liked it (false for anonymous callers).
    pub liked_by_me: bool,
    /// published; or, for its author and moderators, pending / blocked / removed.
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommentView {
    pub id: i64,
    pub post_id: i64,
    pub author: UserSummary,
    /// The thread's root comment, for replies.
    pub parent_id: Option<i64>,
    /// The user replied to, for replies.
    pub reply_to_user_id: Option<i64>,
    pub content: String,
    pub like_count: i32,
    pub liked_by_me: bool,
    pub status: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LikeState {
    pub liked: bool,
    pub like_count: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Profile {
    pub id: i64,
    pub nickname: String,
    pub avatar_url: String,
    pub followers: u64,
    pub following: u64,
    pub posts: u64,
    pub followed_by_me: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FollowState {
    pub following: bool,
}

/// Reddit's hot score: log10 of the engagement plus creation time in units of 12.5 hours, so a
/// post needs ten times the likes to beat one 12.5 hours newer. Scaled to an integer.
pub fn hot_rank(likes: i32, comments: i32, created_at: DateTime<Utc>) -> i64 {
    let engagement = f64::from((likes + 2 * comments).max(1));
    let age = (created_at.timestamp() - 1_700_000_000) as f64 / 45_000.0;
    ((engagement.log10() + age) * 1_000_000.0) as i64
}

pub fn actor_of(principal: &Principal) -> String {
    match principal.kind {
        crate::auth::jwt::SubjectKind::Admin => format!("admin:{}", principal.id),
        crate::auth::jwt::SubjectKind::User => format!("user:{}", principal.id),
    }
}

fn is_staff(viewer: Option<&Principal>) -> bool {
    viewer.is_some_and(|p| p.role >= Role::Moderator)
}

/// What a topic may be, for error messages.
pub const TOPIC_RULE: &str = "must be 1-20 letters, digits, '_' or '-' (a leading '#' is dropped)";

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

fn check_text_length(field: &str, text: &str, max: usize) -> AppResult<String> {
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

async fn author_of(state: &AppState, user: &Principal) -> AppResult<users::Model> {
    users_service::find(&state.db, user.id)
        .await?
        .ok_or_else(|| AppError::not_found("user"))
}

/// Refuse the same text from the same user within the duplicate window.
async fn refuse_duplicate(
    state: &AppState,
    scope: &str,
    user_id: i64,
    text: &str,
) -> AppResult<()> {
    let digest = hex::encode(Sha256::digest(
        text.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase(),
    ));
    let key = format!("{user_id}:{digest}");
    if state
        .limiter
        .seen_before(scope, &key, state.config.community.duplicate_window)
        .await
    {
        return Err(AppError::new(
            ErrorCode::DuplicateContent,
            "you posted the same text a moment ago",
        ));
    }
    Ok(())
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
    let images = owned_images(&state.db, &state.config, user.id, &input.images).await?;
    state
        .limiter
        .hit(
            "posts",
            &user.id.to_string(),
            state.config.community.posts_per_minute,
        )
        .await?;
    let author = author_of(state, user).await?;
    let verdict = safety::check_text(state, &author.openid, &content, safety::SCENE_POST).await?;
    refuse_duplicate(state, "dup-post", user.id, &content).await?;

    let (mut status, mut checks, recheck) = safety::placement(state, verdict);
    // Images wait for WeChat's callbacks, unless WeChat is unreachable and the policy publishes
    // now; their checks still run, and a risky image blocks the post later.
    if !images.is_empty() && !recheck {
        status = PENDING;
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
    let txn = state.db.begin().await?;
    let id = repo::insert_post(
        &txn,
        post::ActiveModel {
            author_id: Set(user.id),
            content: Set(content),
            images: Set(serde_json::to_string(&image_refs).map_err(AppError::internal)?),
            topics: Set(topics.join(",")),
            status: Set(status.into()),
            like_count: Set(0),
            comment_count: Set(0),
            hot_rank: Set(hot_rank(0, 0, now)),
            pending_checks: Set(checks),
            created_at: Set(now),
            updated_at: Set(now),
            deleted_at: Set(None),
            ..Default::default()
        },
    )
    .await?;
    if status == PUBLISHED {
        repo::set_topics(&txn, id, &topics).await?;
    }
    if !image_refs.is_empty() {
        safety::enqueue_media_checks(&txn, id).await?;
    }
    if recheck {
        safety::enqueue_recheck(&txn, "post", id).await?;
    }
    if verdict == TextVerdict::Review {
        repo::record_action(
            &txn,
            WECHAT_ACTOR,
            "review",
            "post",
            id,
            "text needs review",
            now,
        )
        .await?;
    }
    txn.commit().await?;
    latest_changed(state).await;
    state.jobs.wake();
    if status == PENDING {
        realtime::publish(
            state,
            Channel::Admin,
            "moderation.queued",
            json!({ "target_type": "post", "id": id }),
        );
    }
    get_post(state, Some(user), id).await
}

/// After a post becomes published: its topics join the topic feeds.
pub async fn on_published(db: &impl ConnectionTrait, post_id: i64) -> AppResult<()> {
    if let Some(post) = repo::find_post(db, post_id).await? {
        let topics: Vec<String> = post
            .topics
            .split(',')
            .filter(|t| !t.is_empty())
            .map(String::from)
            .collect();
        repo::set_topics(db, post_id, &topics).await?;
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

async fn visible_post(
    state: &AppState,
    viewer: Option<&Principal>,
    id: i64,
) -> AppResult<post::Model> {
    let post = repo::find_post(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("post"))?;
    let own = viewer
        .is_some_and(|v| v.kind == crate::auth::jwt::SubjectKind::User && v.id == post.author_id);
    let visible = match post.status.as_str() {
        PUBLISHED => true,
        PENDING | "blocked" => own || is_staff(viewer),
        "removed" => is_staff(viewer),
        _ => false,
    };
    if visible {
        Ok(post)
    } else {
        Err(AppError::not_found("post"))
    }
}

/// The authors of a page (one query) and which of its items the caller liked (one query).
async fn authors_and_likes(
    state: &AppState,
    viewer: Option<&Principal>,
    author_ids: impl Iterator<Item = i64>,
    target_type: &str,
    ids: &[i64],
) -> AppResult<(HashMap<i64, UserSummary>, HashSet<i64>)> {
    let author_ids: Vec<i64> = author_ids.collect::<HashSet<_>>().into_iter().collect();
    let authors = users_service::find_many(&state.db, &author_ids)
        .await?
        .iter()
        .map(|u| (u.id, UserSummary::from(u)))
        .collect();
    let liked = match viewer.filter(|v| v.kind == crate::auth::jwt::SubjectKind::User) {
        Some(v) => repo::liked(&state.db, v.id, target_type, ids)
            .await?
            .into_iter()
            .collect(),
        None => HashSet::new(),
    };
    Ok((authors, liked))
}

fn author_or_placeholder(authors: &HashMap<i64, UserSummary>, id: i64) -> UserSummary {
    authors.get(&id).cloned().unwrap_or(UserSummary {
        id,
        nickname: String::new(),
        avatar_url: String::new(),
    })
}

/// Views of a page of posts: one query for the authors, one for the caller's likes.
pub async fn post_views(
    state: &AppState,
    viewer: Option<&Principal>,
    posts: Vec<post::Model>,
) -> AppResult<Vec<PostView>> {
    let ids: Vec<i64> = posts.iter().map(|p| p.id).collect();
    let (authors, liked) = authors_and_likes(
        state,
        viewer,
        posts.iter().map(|p| p.author_id),
        "post",
        &ids,
    )
    .await?;
    posts
        .into_iter()
        .map(|p| {
            let images: Vec<ImageRef> =
                crate::store::json::decode("posts.images", p.id, &p.images)?;
            Ok(PostView {
                id: p.id,
                author: author_or_placeholder(&authors, p.author_id),
                content: p.content,
                images: images
                    .into_iter()
                    .map(|i| FileView {
                        id: i.id,
                        url: url(&state.config, &i.key),
                        content_type: i.content_type,
                        size: i.size,
                        width: i.width,
                        height: i.height,
                    })
                    .collect(),
                topics: p
                    .topics
                    .split(',')
                    .filter(|t| !t.is_empty())
                    .map(String::from)
                    .collect(),
                like_count: p.like_count,
                comment_count: p.comment_count,
                liked_by_me: liked.contains(&p.id),
                status: p.status,
                created_at: p.created_at,
                updated_at: p.updated_at,
            })
        })
        .collect()
}

/// Which feed to read.
pub enum Feed {
    Latest,
    Topic(String),
    Author(i64),
    Following,
    Hot,
}

/// The first page of the latest feed as anonymous readers see it (the mini-program's home page
/// before sign-in, the most read list there is), kept in the cache and forgotten on every node
/// whenever a post, its counters or its author's profile change (see [`latest_changed`]).
const LATEST_FIRST_PAGE: CacheSpec = CacheSpec {
    namespace: "feed-latest",
    ttl: Duration::from_secs(30),
    shared: false,
};

/// Pages of up to this many posts are served from the cached first page.
const CACHED_FIRST_PAGE: u32 = 50;

/// Call after committing any change to what the latest feed shows.
pub async fn latest_changed(state: &AppState) {
    state
        .cache
        .invalidate(&LATEST_FIRST_PAGE, "anonymous")
        .await;
}

async fn cached_latest_first_page(state: &AppState, limit: u32) -> AppResult<Page<PostView>> {
    let views: Arc<Vec<PostView>> = state
        .cache
        .get_or_load(&LATEST_FIRST_PAGE, "anonymous", || async {
            let rows = repo::latest(&state.db, None, u64::from(CACHED_FIRST_PAGE) + 1).await?;
            post_views(state, None, rows).await
        })
        .await?;
    let rows = views.iter().take(limit as usize + 1).cloned().collect();
    Ok(Page::from_rows(rows, limit, |p| p.id))
}

pub async fn feed(
    state: &AppState,
    viewer: Option<&Principal>,
    feed: Feed,
    page: &PageQuery,
) -> AppResult<Page<PostView>> {
    let limit = page.limit();
    if viewer.is_none()
        && matches!(feed, Feed::Latest)
        && page.cursor.as_deref().is_none_or(str::is_empty)
        && limit <= CACHED_FIRST_PAGE
    {
        return cached_latest_first_page(state, limit).await;
    }
    let fetch = u64::from(limit) + 1;
    let rows = match &feed {
        Feed::Hot => {
            let after: Option<(i64, i64)> = page.decode()?;
            let rows = repo::hot(state.read_db(), after, fetch).await?;
            let page = Page::from_rows(rows, limit, |p| (p.hot_rank, p.id));
            let next = page.next_cursor;
            let items = post_views(state, viewer, page.items).await?;
            return Ok(Page {
                items,
                next_cursor: next,
            });
        }
        // Pages of feeds tolerate lag: the replica may serve them (docs/deployment.md).
        Feed::Latest => repo::latest(state.read_db(), page.decode()?, fetch).await?,
        Feed::Topic(topic) => {
            // The feed's topic follows the rule posts are tagged by; anything else matches no
            // post and is the caller's mistake: a 400 naming the parameter.
            let topic = normalize_topic(topic).ok_or_else(|| {
                AppError::new(ErrorCode::InvalidQuery, format!("topic: {TOPIC_RULE}"))
            })?;
            let ids = repo::topic_post_ids(state.read_db(), &topic, page.decode()?, fetch).await?;
            let mut rows = repo::find_posts(state.read_db(), &ids).await?;
            rows.retain(|p| p.status == PUBLISHED);
            rows.sort_by_key(|p| std::cmp::Reverse(p.id));
            rows
        }
        Feed::Author(author_id) => {
            let own = viewer.is_some_and(|v| {
                v.kind == crate::auth::jwt::SubjectKind::User && v.id == *author_id
            });
            // One's own posts right after writing one: the primary.
            let db = if own { &state.db } else { state.read_db() };
            repo::by_author(db, *author_id, own, page.decode()?, fetch).await?
        }
        Feed::Following => {
            let viewer = viewer
                .ok_or_else(|| AppError::new(ErrorCode::Unauthenticated, "missing bearer token"))?;
            repo::following(&state.db, viewer.id, page.decode()?, fetch).await?
        }
    };
    let page = Page::from_rows(rows, limit, |p| p.id);
    let next = page.next_cursor;
    let items = post_views(state, viewer, page.items).await?;
    Ok(Page {
        items,
        next_cursor: next,
    })
}

/// Edit the text and topics of one's own post; the text is checked again.
pub async fn edit_post(
    state: &AppState,
    user: &Principal,
    id: i64,
    content: Option<String>,
    topics: Option<Vec<String>>,
) -> AppResult<PostView> {
    let post = repo::find_post(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("post"))?;
    if post.status == "deleted" || post.status == "removed" {
        return Err(AppError::not_found("post"));
    }
    if post.author_id != user.id {
        return Err(AppError::forbidden("only the author can edit a post"));
    }
    if post.status == "blocked" {
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
        None => post
            .topics
            .split(',')
            .filter(|t| !t.is_empty())
            .map(String::from)
            .collect(),
    };
    let author = author_of(state, user).await?;
    let verdict = if content != post.content {
        safety::check_text(state, &author.openid, &content, safety::SCENE_POST).await?
    } else {
        TextVerdict::Pass
    };
    let (mut status, mut checks, recheck) = safety::placement(state, verdict);
    if post.status == PENDING {
        // Still waiting for image checks or a moderator: stays pending.
        status = PENDING;
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
    repo::set_topics(&txn, id, if status == PUBLISHED { &topics } else { &[] }).await?;
    if recheck {
        safety::enqueue_recheck(&txn, "post", id).await?;
    }
    txn.commit().await?;
    latest_changed(state).await;
    get_post(state, Some(user), id).await
}

/// Delete one's own post (soft: it disappears, its rows stay).
pub async fn delete_post(state: &AppState, user: &Principal, id: i64) -> AppResult<()> {
    let post = repo::find_post(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("post"))?;
    if post.status == "deleted" || post.status == "removed" {
        return Err(AppError::not_found("post"));
    }
    if post.author_id != user.id {
        return Err(AppError::forbidden("only the author can delete a post"));
    }
    let now = Utc::now();
    let txn = state.db.begin().await?;
    if !repo::set_post_status(&txn, id, &[PUBLISHED, PENDING, "blocked"], "deleted", now).await? {
        return Err(AppError::not_found("post"));
    }
    repo::set_topics(&txn, id, &[]).await?;
    txn.commit().await?;
    latest_changed(state).await;
    Ok(())
}

// ---- likes ----

async fn refresh_hot_rank(db: &impl ConnectionTrait, post_id: i64) -> AppResult<()> {
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

/// Like or unlike a post or comment: idempotent, and the count always equals the rows.
pub async fn set_like(
    state: &AppState,
    user: &Principal,
    target_type: &str,
    id: i64,
    liked: bool,
) -> AppResult<LikeState> {
    let now = Utc::now();
    let txn = state.db.begin().await?;
    // The like row first (the write that takes the lock), then the count in the same transaction.
    let changed = if liked {
        repo::insert_like(&txn, user.id, target_type, id, now).await?
    } else {
        repo::delete_like(&txn, user.id, target_type, id).await?
    };
    let delta = if liked { 1 } else { -1 };
    let (owner, count, post_id) = if target_type == "post" {
        if changed && !repo::add_post_count(&txn, id, post::Column::LikeCount, delta).await? {
            return Err(AppError::not_found("post"));
        }
        let post = repo::find_post(&txn, id)
            .await?
            .filter(|p| p.status == PUBLISHED)
            .ok_or_else(|| AppError::not_found("post"))?;
        if changed {
            refresh_hot_rank(&txn, id).await?;
        }
        (post.author_id, post.like_count, post.id)
    } else {
        if changed && !repo::add_comment_likes(&txn, id, delta).await? {
            return Err(AppError::not_found("comment"));
        }
        let comment = repo::find_comment(&txn, id)
            .await?
            .filter(|c| c.status == PUBLISHED)
            .ok_or_else(|| AppError::not_found("comment"))?;
        (comment.author_id, comment.like_count, comment.post_id)
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
                body: serde_json::json!({}),
            },
        )
        .await?;
    }
    txn.commit().await?;
    latest_changed(state).await;
    if changed {
        let event = if target_type == "post" {
            "post.like_count"
        } else {
            "comment.like_count"
        };
        realtime::publish(
            state,
            Channel::Post(post_id),
            event,
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

// ---- comments ----

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
        .filter(|p| p.status == PUBLISHED)
        .ok_or_else(|| AppError::not_found("post"))?;
    let (parent_id, reply_to) = match input.parent_id {
        None => (None, None),
        Some(parent_id) => {
            let parent = repo::find_comment(&state.db, parent_id)
                .await?
                .filter(|c| c.post_id == post_id && c.status == PUBLISHED)
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
    let author = author_of(state, user).await?;
    let verdict =
        safety::check_text(state, &author.openid, &content, safety::SCENE_COMMENT).await?;
    refuse_duplicate(state, "dup-comment", user.id, &content).await?;
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
            status: Set(status.into()),
            like_count: Set(0),
            created_at: Set(now),
            deleted_at: Set(None),
            ..Default::default()
        },
    )
    .await?;
    let notified = if status == PUBLISHED {
        publish_comment_effects(&txn, id).await?
    } else {
        Vec::new()
    };
    if recheck {
        safety::enqueue_recheck(&txn, "comment", id).await?;
    }
    txn.commit().await?;
    latest_changed(state).await;
    state.jobs.wake();
    let comment = repo::find_comment(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("comment"))?;
    let view = comment_views(state, Some(user), vec![comment])
        .await?
        .pop()
        .ok_or_else(|| AppError::not_found("comment"))?;
    if status == PUBLISHED {
        realtime::publish(state, Channel::Post(post_id), "comment.created", &view);
    } else {
        realtime::publish(
            state,
            Channel::Admin,
            "moderation.queued",
            json!({ "target_type": "comment", "id": id }),
        );
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

/// Take a published comment down (deleted by its author, removed or held by moderation),
/// keeping the post's count equal to its visible comments.
pub async fn unpublish_comment(
    db: &impl ConnectionTrait,
    id: i64,
    to: &str,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let comment = repo::find_comment(db, id)
        .await?
        .ok_or_else(|| AppError::not_found("comment"))?;
    let was_published = comment.status == PUBLISHED;
    if !repo::set_comment_status(db, id, &[PUBLISHED, PENDING], to, now).await? {
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
        .filter(|c| c.status != "deleted" && c.status != "removed")
        .ok_or_else(|| AppError::not_found("comment"))?;
    if comment.author_id != user.id {
        return Err(AppError::forbidden("only the author can delete a comment"));
    }
    let txn = state.db.begin().await?;
    unpublish_comment(&txn, id, "deleted", Utc::now()).await?;
    txn.commit().await?;
    latest_changed(state).await;
    Ok(())
}

pub async fn comment_views(
    state: &AppState,
    viewer: Option<&Principal>,
    comments: Vec<comment::Model>,
) -> AppResult<Vec<CommentView>> {
    let ids: Vec<i64> = comments.iter().map(|c| c.id).collect();
    let (authors, liked) = authors_and_likes(
        state,
        viewer,
        comments.iter().map(|c| c.author_id),
        "comment",
        &ids,
    )
    .await?;
    Ok(comments
        .into_iter()
        .map(|c| CommentView {
            id: c.id,
            post_id: c.post_id,
            author: author_or_placeholder(&authors, c.author_id),
            parent_id: c.parent_id,
            reply_to_user_id: c.reply_to_user_id,
            content: c.content,
            like_count: c.like_count,
            liked_by_me: liked.contains(&c.id),
            status: c.status,
            created_at: c.created_at,
        })
        .collect())
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
    let page = Page::from_rows(rows, limit, |c| c.id);
    let next = page.next_cursor;
    let items = comment_views(state, viewer, page.items).await?;
    Ok(Page {
        items,
        next_cursor: next,
    })
}

pub async fn replies(
    state: &AppState,
    viewer: Option<&Principal>,
    comment_id: i64,
    page: &PageQuery,
) -> AppResult<Page<CommentView>> {
    let root = repo::find_comment(&state.db, comment_id)
        .await?
        .filter(|c| c.status == PUBLISHED)
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

// ---- follows and profiles ----

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
                    body: serde_json::json!({}),
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
    let followed_by_me = match viewer.filter(|v| v.kind == crate::auth::jwt::SubjectKind::User) {
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
