//! Feeds: latest, topic, author, following and hot; the latest feed's pages come from the cache.

use std::sync::Arc;
use std::time::Duration;

use super::model::{ContentStatus, PostView, TargetType};
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

/// The latest feed's first page, the most read list there is (the mini-program's home page), as
/// every reader sees it, kept in the cache and forgotten on every node whenever anything in it
/// may have changed (see [`latest_changed`]).
const LATEST_FIRST_PAGE: CacheSpec = CacheSpec {
    namespace: "feed-latest",
    ttl: Duration::from_secs(30),
    shared: false,
};

/// The latest feed's later pages (by cursor), kept for a short while. Keyset pages do not move
/// when posts are added, so only removals and edits forget them at once (a new epoch: every page
/// cached before is out of reach); a post published late (after its check) and moving counters
/// reach them within this lifetime.
const LATEST_LATER_PAGES: CacheSpec = CacheSpec {
    namespace: "feed-latest-later",
    ttl: Duration::from_secs(10),
    shared: false,
};

/// Pages are cached this long (a request for up to this many posts is cut from them).
const CACHED_PAGE: u32 = 50;

/// What changed in the community, for the latest feed's cached pages.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum FeedChange {
    /// A post was published: the first page changes, later pages hold older posts.
    Published,
    /// Like or comment counts moved.
    Counters,
    /// A post was edited, deleted, held or removed, or an author changed or left: what must not
    /// be shown any more goes from every page at once.
    Content,
}

/// Call after committing any change to what the latest feed shows.
pub async fn latest_changed(state: &AppState, change: FeedChange) {
    state.cache.invalidate(&LATEST_FIRST_PAGE, "first").await;
    if change == FeedChange::Content {
        state.cache.invalidate(&LATEST_LATER_PAGES, "epoch").await;
    }
}

/// Up to [`CACHED_PAGE`] + 1 posts of the latest feed from `before` on (from the start when
/// `None`), as any reader sees them: `liked_by_me` is false in every one.
async fn cached_latest(state: &AppState, before: Option<i64>) -> AppResult<Arc<Vec<PostView>>> {
    // From the primary, like every cache fill: loaded from a lagging replica after a deletion,
    // the deleted post would be cached again (docs/deployment.md).
    let load = || async {
        let rows = repo::latest(&state.db, before, u64::from(CACHED_PAGE) + 1).await?;
        authored_views(state, None, rows).await
    };
    let Some(before) = before else {
        return state
            .cache
            .get_or_load(&LATEST_FIRST_PAGE, "first", load)
            .await;
    };
    // Keys of later pages carry the epoch, so one invalidation of it forgets them all, on
    // every node (each node draws its own).
    let epoch: Arc<u64> = state
        .cache
        .get_or_load(&LATEST_LATER_PAGES, "epoch", || async {
            Ok(rand::random::<u64>())
        })
        .await?;
    let key = format!("{epoch}:{before}");
    state
        .cache
        .get_or_load(&LATEST_LATER_PAGES, &key, load)
        .await
}

/// A page of the latest feed cut from the cached posts, with the reader's likes marked (one
/// query, for a signed-in user).
async fn latest_page(
    state: &AppState,
    viewer: Option<&Principal>,
    page: &PageQuery,
) -> AppResult<Page<PostView>> {
    let limit = page.limit();
    let posts = cached_latest(state, page.decode()?).await?;
    let mut rows: Vec<PostView> = posts.iter().take(limit as usize + 1).cloned().collect();
    if let Some(v) = viewer.filter(|v| v.kind == SubjectKind::User && !rows.is_empty()) {
        let ids: Vec<i64> = rows.iter().take(limit as usize).map(|p| p.id).collect();
        let liked = repo::liked(&state.db, v.id, TargetType::Post.as_str(), &ids).await?;
        for row in &mut rows {
            row.liked_by_me = liked.contains(&row.id);
        }
    }
    Ok(Page::from_rows(rows, limit, |p| p.id))
}

pub async fn feed(
    state: &AppState,
    viewer: Option<&Principal>,
    feed: Feed,
    page: &PageQuery,
) -> AppResult<Page<PostView>> {
    let limit = page.limit();
    if matches!(feed, Feed::Latest) && limit <= CACHED_PAGE {
        return latest_page(state, viewer, page).await;
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
