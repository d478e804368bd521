//! Feeds: latest, topic, author, following and hot; the anonymous first page of the latest feed
//! comes from the cache.

use std::sync::Arc;
use std::time::Duration;

use super::model::{ContentStatus, PostView};
use super::posts::{normalize_topic, TOPIC_RULE};
use super::repo;
use super::views::{authored_page, authored_views};
use crate::auth::guard::Principal;
use crate::auth::jwt::SubjectKind;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::http::pagination::{Page, PageQuery};
use crate::state::AppState;
use crate::store::cache::CacheSpec;

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
            authored_views(state, None, rows).await
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
            return authored_page(state, viewer, rows, limit, |r| (r.post.hot_rank, r.post.id))
                .await;
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
            let mut rows = repo::find_authored_posts(state.read_db(), &ids).await?;
            rows.retain(|r| r.post.status == ContentStatus::Published);
            rows.sort_by_key(|r| std::cmp::Reverse(r.post.id));
            rows
        }
        Feed::Author(author_id) => {
            let own = viewer.is_some_and(|v| v.kind == SubjectKind::User && v.id == *author_id);
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
    authored_page(state, viewer, rows, limit, |r| r.post.id).await
}
