//! Posts and comments as clients see them. A page of either is assembled in a fixed number of
//! queries whatever its length: the rows, their authors, and which of them the caller liked.
//! Feed pages read their authors in the rows' own statement (`repo::AuthoredPost`), so a page is
//! one query, two for a signed-in reader.

use std::collections::{HashMap, HashSet};

use sea_orm::ActiveEnum;
use serde::Serialize;

use super::model::{comment, post, CommentView, ImageRef, PostView, TargetType};
use super::posts::topics_of;
use super::repo;
use crate::auth::guard::Principal;
use crate::auth::jwt::SubjectKind;
use crate::error::AppResult;
use crate::files::service::{url, FileView};
use crate::http::pagination::Page;
use crate::state::AppState;
use crate::users::service as users_service;
use crate::users::service::UserSummary;

/// The authors of a page (one query) and which of its items the caller liked (one query).
struct Authors {
    authors: HashMap<i64, UserSummary>,
    liked: HashSet<i64>,
}

impl Authors {
    /// `items` are (id, author id) of the page's posts or comments.
    async fn load(
        state: &AppState,
        viewer: Option<&Principal>,
        target: TargetType,
        items: impl Iterator<Item = (i64, i64)>,
    ) -> AppResult<Self> {
        let (ids, author_ids): (Vec<i64>, HashSet<i64>) = items.unzip();
        let author_ids: Vec<i64> = author_ids.into_iter().collect();
        let authors = users_service::find_many(&state.db, &author_ids)
            .await?
            .iter()
            .map(|u| (u.id, UserSummary::from(u)))
            .collect();
        let liked = match viewer.filter(|v| v.kind == SubjectKind::User) {
            Some(v) => repo::liked(&state.db, v.id, target.as_str(), &ids)
                .await?
                .into_iter()
                .collect(),
            None => HashSet::new(),
        };
        Ok(Self { authors, liked })
    }

    /// The author's summary; a blank one for an author who is gone.
    fn author(&self, id: i64) -> UserSummary {
        self.authors.get(&id).cloned().unwrap_or(UserSummary {
            id,
            nickname: String::new(),
            avatar_url: String::new(),
        })
    }

    fn liked(&self, id: i64) -> bool {
        self.liked.contains(&id)
    }
}

/// Views of a page of posts: one query for the authors, one for the caller's likes.
pub async fn post_views(
    state: &AppState,
    viewer: Option<&Principal>,
    posts: Vec<post::Model>,
) -> AppResult<Vec<PostView>> {
    let page = Authors::load(
        state,
        viewer,
        TargetType::Post,
        posts.iter().map(|p| (p.id, p.author_id)),
    )
    .await?;
    posts
        .into_iter()
        .map(|p| {
            let author = page.author(p.author_id);
            let liked = page.liked(p.id);
            post_view(state, p, author, liked)
        })
        .collect()
}

/// Views of feed rows that carry their authors: one query, for the caller's likes, if signed in.
pub async fn authored_views(
    state: &AppState,
    viewer: Option<&Principal>,
    rows: Vec<repo::AuthoredPost>,
) -> AppResult<Vec<PostView>> {
    let liked: HashSet<i64> = match viewer.filter(|v| v.kind == SubjectKind::User) {
        Some(v) if !rows.is_empty() => {
            let ids: Vec<i64> = rows.iter().map(|r| r.post.id).collect();
            repo::liked(&state.db, v.id, TargetType::Post.as_str(), &ids)
                .await?
                .into_iter()
                .collect()
        }
        _ => HashSet::new(),
    };
    rows.into_iter()
        .map(|row| {
            let author = UserSummary {
                id: row.post.author_id,
                nickname: row.author_nickname.unwrap_or_default(),
                avatar_url: row.author_avatar_url.unwrap_or_default(),
            };
            let is_liked = liked.contains(&row.post.id);
            post_view(state, row.post, author, is_liked)
        })
        .collect()
}

fn post_view(
    state: &AppState,
    p: post::Model,
    author: UserSummary,
    liked_by_me: bool,
) -> AppResult<PostView> {
    let images: Vec<ImageRef> = crate::store::json::decode("posts.images", p.id, &p.images)?;
    Ok(PostView {
        id: p.id,
        author,
        topics: topics_of(&p),
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
        like_count: p.like_count,
        comment_count: p.comment_count,
        liked_by_me,
        status: p.status.to_value(),
        created_at: p.created_at,
        updated_at: p.updated_at,
    })
}

/// Views of a page of comments: one query for the authors, one for the caller's likes.
pub async fn comment_views(
    state: &AppState,
    viewer: Option<&Principal>,
    comments: Vec<comment::Model>,
) -> AppResult<Vec<CommentView>> {
    let page = Authors::load(
        state,
        viewer,
        TargetType::Comment,
        comments.iter().map(|c| (c.id, c.author_id)),
    )
    .await?;
    Ok(comments
        .into_iter()
        .map(|c| CommentView {
            id: c.id,
            post_id: c.post_id,
            author: page.author(c.author_id),
            parent_id: c.parent_id,
            reply_to_user_id: c.reply_to_user_id,
            content: c.content,
            like_count: c.like_count,
            liked_by_me: page.liked(c.id),
            status: c.status.to_value(),
            created_at: c.created_at,
        })
        .collect())
}

/// A page of posts from up to `limit + 1` rows; `key` is the next cursor's sort key.
pub async fn post_page<K: Serialize>(
    state: &AppState,
    viewer: Option<&Principal>,
    rows: Vec<post::Model>,
    limit: u32,
    key: impl Fn(&post::Model) -> K,
) -> AppResult<Page<PostView>> {
    let page = Page::from_rows(rows, limit, key);
    let items = post_views(state, viewer, page.items).await?;
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}

/// A feed page from up to `limit + 1` rows that carry their authors; `key` as for [`post_page`].
pub async fn authored_page<K: Serialize>(
    state: &AppState,
    viewer: Option<&Principal>,
    rows: Vec<repo::AuthoredPost>,
    limit: u32,
    key: impl Fn(&repo::AuthoredPost) -> K,
) -> AppResult<Page<PostView>> {
    let page = Page::from_rows(rows, limit, key);
    let items = authored_views(state, viewer, page.items).await?;
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}

/// A page of comments from up to `limit + 1` rows, keyed by id.
pub async fn comment_page(
    state: &AppState,
    viewer: Option<&Principal>,
    rows: Vec<comment::Model>,
    limit: u32,
) -> AppResult<Page<CommentView>> {
    let page = Page::from_rows(rows, limit, |c| c.id);
    let items = comment_views(state, viewer, page.items).await?;
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}
