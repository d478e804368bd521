use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use validator::Validate;

use super::comments::{self, NewComment};
use super::feed::{self, Feed};
use super::model::{
    ActionView, CommentView, FollowState, LikeState, PostView, Profile, ReportView, TargetType,
};
use super::moderation::{self, Decision};
use super::posts::{self, NewPost};
use super::safety::{self, MediaCheckEvent};
use super::social;
use crate::auth::extract::{CurrentUser, MaybePrincipal, Moderator, RequireRole};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::http::extract::parse_json;
use crate::http::pagination::{Page, PageQuery};
use crate::http::{ApiJson, Envelope, Id, ValidJson, ValidQuery};
use crate::openapi::ErrorEnvelope;
use crate::state::AppState;
use crate::users::service::UserSummary;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_posts, create_post))
        .routes(routes!(hot_posts))
        .routes(routes!(following_feed))
        .routes(routes!(get_post, edit_post, delete_post))
        .routes(routes!(like_post, unlike_post))
        .routes(routes!(list_comments, create_comment))
        .routes(routes!(list_replies))
        .routes(routes!(delete_comment))
        .routes(routes!(like_comment, unlike_comment))
        .routes(routes!(profile))
        .routes(routes!(user_posts))
        .routes(routes!(followers))
        .routes(routes!(following))
        .routes(routes!(follow, unfollow))
        .routes(routes!(report))
        .routes(routes!(moderation_posts))
        .routes(routes!(moderation_comments))
        .routes(routes!(moderation_reports))
        .routes(routes!(decide_post))
        .routes(routes!(decide_comment))
        .routes(routes!(resolve_report))
        .routes(routes!(moderation_audit))
        .routes(routes!(wechat_verify, wechat_event))
}

#[derive(Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// Page size, 1..100 (default 20).
    #[validate(range(min = 1, max = 100))]
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Only posts with this topic: 1-20 letters or digits of any script, '_' or '-' (a leading
    /// '#' and surrounding spaces are dropped), as posts are tagged; anything else is a 400
    /// (40002). No pattern is given: a JSON Schema `\w` is ASCII-only, and topics are often
    /// Chinese.
    #[validate(length(min = 1, max = 21))]
    #[param(min_length = 1, max_length = 21)]
    topic: Option<String>,
    /// Only posts by this user.
    author_id: Option<i64>,
}

/// The latest published posts, newest first (optionally of one topic or one author). Each post
/// brings its author, images, counts and whether the caller liked it.
#[utoipa::path(get, path = "/api/v1/posts", tag = "community", params(FeedParams),
    responses((status = 200, description = "A page of posts", body = Envelope<Page<PostView>>),
              (status = 400, description = "Bad limit or topic (40002) or cursor (40003)", body = ErrorEnvelope)))]
pub async fn list_posts(
    State(state): State<AppState>,
    MaybePrincipal(viewer): MaybePrincipal,
    ValidQuery(q): ValidQuery<FeedParams>,
) -> AppResult<ApiJson<Page<PostView>>> {
    let which = match (q.topic, q.author_id) {
        (Some(topic), _) => Feed::Topic(topic),
        (None, Some(author)) => Feed::Author(author),
        (None, None) => Feed::Latest,
    };
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    };
    feed::feed(&state, viewer.as_ref(), which, &page)
        .await
        .map(ApiJson::ok)
}

/// The hottest posts: likes and comments weighed against age.
#[utoipa::path(get, path = "/api/v1/posts/hot", tag = "community", params(PageQuery),
    responses((status = 200, description = "A page of posts", body = Envelope<Page<PostView>>)))]
pub async fn hot_posts(
    State(state): State<AppState>,
    MaybePrincipal(viewer): MaybePrincipal,
    ValidQuery(page): ValidQuery<PageQuery>,
) -> AppResult<ApiJson<Page<PostView>>> {
    feed::feed(&state, viewer.as_ref(), Feed::Hot, &page)
        .await
        .map(ApiJson::ok)
}

/// Posts of the users the caller follows, newest first.
#[utoipa::path(get, path = "/api/v1/feed/following", tag = "community", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, description = "A page of posts", body = Envelope<Page<PostView>>)))]
pub async fn following_feed(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ValidQuery(page): ValidQuery<PageQuery>,
) -> AppResult<ApiJson<Page<PostView>>> {
    feed::feed(&state, Some(&user), Feed::Following, &page)
        .await
        .map(ApiJson::ok)
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePost {
    /// 1-2000 characters.
    content: String,
    /// Ids of images the caller uploaded (`POST /api/v1/files`), at most 9, in display order.
    #[serde(default)]
    images: Vec<i64>,
    /// At most 5 topics (letters, digits, '_' or '-'; a leading '#' is dropped).
    #[serde(default)]
    topics: Vec<String>,
}

/// Publish a post. It starts as `checking` (seen by its author and moderators only) and is
/// published when WeChat's content check passes it, moments later, or blocked when WeChat calls
/// it risky (with `content_check = "sync"` the check runs first and risky text is a 422, code
/// 42210); posts with images, or text WeChat wants reviewed, wait as `pending` until every check
/// passes.
#[utoipa::path(post, path = "/api/v1/posts", tag = "community", security(("bearer" = [])), request_body = CreatePost,
    responses((status = 201, description = "The post", body = Envelope<PostView>),
              (status = 409, description = "The same text again (40950)", body = ErrorEnvelope),
              (status = 422, description = "Empty or long text, too many or foreign images, bad topics, or rejected content", body = ErrorEnvelope),
              (status = 429, description = "Posting too fast", body = ErrorEnvelope)))]
pub async fn create_post(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ValidJson(body): ValidJson<CreatePost>,
) -> AppResult<ApiJson<PostView>> {
    let input = NewPost {
        content: body.content,
        images: body.images,
        topics: body.topics,
    };
    posts::create_post(&state, &user, input)
        .await
        .map(ApiJson::created)
}

/// One post.
#[utoipa::path(get, path = "/api/v1/posts/{id}", tag = "community", params(("id" = i64, Path)),
    responses((status = 200, description = "The post", body = Envelope<PostView>),
              (status = 404, description = "No such post, or not visible to the caller", body = ErrorEnvelope)))]
pub async fn get_post(
    State(state): State<AppState>,
    MaybePrincipal(viewer): MaybePrincipal,
    Id(id): Id,
) -> AppResult<ApiJson<PostView>> {
    posts::get_post(&state, viewer.as_ref(), id)
        .await
        .map(ApiJson::ok)
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditPost {
    content: Option<String>,
    topics: Option<Vec<String>>,
}

/// Edit one's own post's text or topics (checked again).
#[utoipa::path(patch, path = "/api/v1/posts/{id}", tag = "community", security(("bearer" = [])), params(("id" = i64, Path)), request_body = EditPost,
    responses((status = 200, description = "The post", body = Envelope<PostView>),
              (status = 403, description = "Someone else's post", body = ErrorEnvelope),
              (status = 404, description = "No such post", body = ErrorEnvelope),
              (status = 409, description = "Blocked posts cannot be edited (40951)", body = ErrorEnvelope)))]
pub async fn edit_post(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(id): Id,
    ValidJson(body): ValidJson<EditPost>,
) -> AppResult<ApiJson<PostView>> {
    posts::edit_post(&state, &user, id, body.content, body.topics)
        .await
        .map(ApiJson::ok)
}

/// Delete one's own post.
#[utoipa::path(delete, path = "/api/v1/posts/{id}", tag = "community", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "Deleted", body = Envelope<Option<String>>),
              (status = 403, description = "Someone else's post", body = ErrorEnvelope),
              (status = 404, description = "No such post", body = ErrorEnvelope)))]
pub async fn delete_post(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(id): Id,
) -> AppResult<ApiJson<Option<String>>> {
    posts::delete_post(&state, &user, id)
        .await
        .map(|()| ApiJson::ok(None))
}

/// Like a post (idempotent).
#[utoipa::path(post, path = "/api/v1/posts/{id}/like", tag = "community", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "Liked", body = Envelope<LikeState>), (status = 404, description = "No such post", body = ErrorEnvelope)))]
pub async fn like_post(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(id): Id,
) -> AppResult<ApiJson<LikeState>> {
    social::set_like(&state, &user, TargetType::Post, id, true)
        .await
        .map(ApiJson::ok)
}

/// Take back a like (idempotent).
#[utoipa::path(delete, path = "/api/v1/posts/{id}/like", tag = "community", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "Not liked", body = Envelope<LikeState>), (status = 404, description = "No such post", body = ErrorEnvelope)))]
pub async fn unlike_post(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(id): Id,
) -> AppResult<ApiJson<LikeState>> {
    social::set_like(&state, &user, TargetType::Post, id, false)
        .await
        .map(ApiJson::ok)
}

/// A post's comments (roots of threads), oldest first.
#[utoipa::path(get, path = "/api/v1/posts/{id}/comments", tag = "community", params(("id" = i64, Path), PageQuery),
    responses((status = 200, description = "A page of comments", body = Envelope<Page<CommentView>>)))]
pub async fn list_comments(
    State(state): State<AppState>,
    MaybePrincipal(viewer): MaybePrincipal,
    Id(id): Id,
    ValidQuery(page): ValidQuery<PageQuery>,
) -> AppResult<ApiJson<Page<CommentView>>> {
    comments::list_comments(&state, viewer.as_ref(), id, None, &page)
        .await
        .map(ApiJson::ok)
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateComment {
    /// 1-500 characters.
    content: String,
    /// The comment replied to (the reply joins that comment's thread).
    parent_id: Option<i64>,
}

/// Comment on a post, or reply to a comment. The post's author (and the user replied to) are
/// notified.
#[utoipa::path(post, path = "/api/v1/posts/{id}/comments", tag = "community", security(("bearer" = [])), params(("id" = i64, Path)), request_body = CreateComment,
    responses((status = 201, description = "The comment", body = Envelope<CommentView>),
              (status = 404, description = "No such post", body = ErrorEnvelope),
              (status = 409, description = "The same text again (40950)", body = ErrorEnvelope),
              (status = 422, description = "Bad text, parent or rejected content", body = ErrorEnvelope),
              (status = 429, description = "Commenting too fast", body = ErrorEnvelope)))]
pub async fn create_comment(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(id): Id,
    ValidJson(body): ValidJson<CreateComment>,
) -> AppResult<ApiJson<CommentView>> {
    let input = NewComment {
        content: body.content,
        parent_id: body.parent_id,
    };
    comments::create_comment(&state, &user, id, input)
        .await
        .map(ApiJson::created)
}

/// Replies in a comment's thread, oldest first.
#[utoipa::path(get, path = "/api/v1/comments/{id}/replies", tag = "community", params(("id" = i64, Path), PageQuery),
    responses((status = 200, description = "A page of replies", body = Envelope<Page<CommentView>>)))]
pub async fn list_replies(
    State(state): State<AppState>,
    MaybePrincipal(viewer): MaybePrincipal,
    Id(id): Id,
    ValidQuery(page): ValidQuery<PageQuery>,
) -> AppResult<ApiJson<Page<CommentView>>> {
    comments::replies(&state, viewer.as_ref(), id, &page)
        .await
        .map(ApiJson::ok)
}

/// Delete one's own comment.
#[utoipa::path(delete, path = "/api/v1/comments/{id}", tag = "community", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "Deleted", body = Envelope<Option<String>>), (status = 403, description = "Someone else's comment", body = ErrorEnvelope)))]
pub async fn delete_comment(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(id): Id,
) -> AppResult<ApiJson<Option<String>>> {
    comments::delete_comment(&state, &user, id)
        .await
        .map(|()| ApiJson::ok(None))
}

/// Like a comment (idempotent).
#[utoipa::path(post, path = "/api/v1/comments/{id}/like", tag = "community", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "Liked", body = Envelope<LikeState>)))]
pub async fn like_comment(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(id): Id,
) -> AppResult<ApiJson<LikeState>> {
    social::set_like(&state, &user, TargetType::Comment, id, true)
        .await
        .map(ApiJson::ok)
}

/// Take back a like on a comment (idempotent).
#[utoipa::path(delete, path = "/api/v1/comments/{id}/like", tag = "community", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "Not liked", body = Envelope<LikeState>)))]
pub async fn unlike_comment(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(id): Id,
) -> AppResult<ApiJson<LikeState>> {
    social::set_like(&state, &user, TargetType::Comment, id, false)
        .await
        .map(ApiJson::ok)
}

/// A user's public profile with follower, following and post counts.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "community", params(("id" = i64, Path)),
    responses((status = 200, description = "The profile", body = Envelope<Profile>), (status = 404, description = "No such user", body = ErrorEnvelope)))]
pub async fn profile(
    State(state): State<AppState>,
    MaybePrincipal(viewer): MaybePrincipal,
    Id(id): Id,
) -> AppResult<ApiJson<Profile>> {
    social::profile(&state, viewer.as_ref(), id)
        .await
        .map(ApiJson::ok)
}

/// A user's published posts (all but deleted ones, for the user themself).
#[utoipa::path(get, path = "/api/v1/users/{id}/posts", tag = "community", params(("id" = i64, Path), PageQuery),
    responses((status = 200, description = "A page of posts", body = Envelope<Page<PostView>>)))]
pub async fn user_posts(
    State(state): State<AppState>,
    MaybePrincipal(viewer): MaybePrincipal,
    Id(id): Id,
    ValidQuery(page): ValidQuery<PageQuery>,
) -> AppResult<ApiJson<Page<PostView>>> {
    feed::feed(&state, viewer.as_ref(), Feed::Author(id), &page)
        .await
        .map(ApiJson::ok)
}

/// Who follows the user.
#[utoipa::path(get, path = "/api/v1/users/{id}/followers", tag = "community", params(("id" = i64, Path), PageQuery),
    responses((status = 200, description = "A page of users", body = Envelope<Page<UserSummary>>)))]
pub async fn followers(
    State(state): State<AppState>,
    Id(id): Id,
    ValidQuery(page): ValidQuery<PageQuery>,
) -> AppResult<ApiJson<Page<UserSummary>>> {
    social::follow_list(&state, id, true, &page)
        .await
        .map(ApiJson::ok)
}

/// Whom the user follows.
#[utoipa::path(get, path = "/api/v1/users/{id}/following", tag = "community", params(("id" = i64, Path), PageQuery),
    responses((status = 200, description = "A page of users", body = Envelope<Page<UserSummary>>)))]
pub async fn following(
    State(state): State<AppState>,
    Id(id): Id,
    ValidQuery(page): ValidQuery<PageQuery>,
) -> AppResult<ApiJson<Page<UserSummary>>> {
    social::follow_list(&state, id, false, &page)
        .await
        .map(ApiJson::ok)
}

/// Follow a user (idempotent; they are notified the first time).
#[utoipa::path(post, path = "/api/v1/users/{id}/follow", tag = "community", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "Following", body = Envelope<FollowState>),
              (status = 422, description = "Following oneself", body = ErrorEnvelope),
              (status = 404, description = "No such user", body = ErrorEnvelope),
              (status = 422, description = "Following oneself", body = ErrorEnvelope)))]
pub async fn follow(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(id): Id,
) -> AppResult<ApiJson<FollowState>> {
    social::set_follow(&state, &user, id, true)
        .await
        .map(ApiJson::ok)
}

/// Stop following a user (idempotent).
#[utoipa::path(delete, path = "/api/v1/users/{id}/follow", tag = "community", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, description = "Not following", body = Envelope<FollowState>),
              (status = 422, description = "Unfollowing oneself", body = ErrorEnvelope)))]
pub async fn unfollow(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Id(id): Id,
) -> AppResult<ApiJson<FollowState>> {
    social::set_follow(&state, &user, id, false)
        .await
        .map(ApiJson::ok)
}

#[derive(Deserialize, Validate, ToSchema)]
pub struct ReportRequest {
    target_type: TargetType,
    target_id: i64,
    /// 1-200 characters.
    reason: String,
}

/// Report a post or comment to the moderators.
#[utoipa::path(post, path = "/api/v1/reports", tag = "community", security(("bearer" = [])), request_body = ReportRequest,
    responses((status = 201, description = "The report", body = Envelope<ReportView>),
              (status = 404, description = "No such post or comment", body = ErrorEnvelope)))]
pub async fn report(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ValidJson(body): ValidJson<ReportRequest>,
) -> AppResult<ApiJson<ReportView>> {
    moderation::report(
        &state,
        &user,
        body.target_type,
        body.target_id,
        &body.reason,
    )
    .await
    .map(ApiJson::created)
}

#[derive(Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueParams {
    /// Which status to list (default pending; for reports, open).
    status: Option<String>,
    #[validate(range(min = 1, max = 100))]
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    cursor: Option<String>,
}

impl QueueParams {
    /// The status asked for (else `default`) and the page.
    fn split(self, default: &str) -> (String, PageQuery) {
        let status = self.status.unwrap_or_else(|| default.into());
        let page = PageQuery {
            limit: self.limit,
            cursor: self.cursor,
        };
        (status, page)
    }
}

/// Posts by status for moderators: `pending` is the review queue (default).
#[utoipa::path(get, path = "/api/v1/admin/moderation/posts", tag = "moderation", security(("bearer" = [])), params(QueueParams),
    responses((status = 200, description = "A page of posts", body = Envelope<Page<PostView>>), (status = 403, description = "Needs the moderator role", body = ErrorEnvelope)))]
pub async fn moderation_posts(
    State(state): State<AppState>,
    RequireRole(moderator, _): RequireRole<Moderator>,
    ValidQuery(q): ValidQuery<QueueParams>,
) -> AppResult<ApiJson<Page<PostView>>> {
    let (status, page) = q.split("pending");
    moderation::posts_in_status(&state, &moderator, &status, &page)
        .await
        .map(ApiJson::ok)
}

/// Comments by status for moderators (default pending).
#[utoipa::path(get, path = "/api/v1/admin/moderation/comments", tag = "moderation", security(("bearer" = [])), params(QueueParams),
    responses((status = 200, description = "A page of comments", body = Envelope<Page<CommentView>>)))]
pub async fn moderation_comments(
    State(state): State<AppState>,
    RequireRole(moderator, _): RequireRole<Moderator>,
    ValidQuery(q): ValidQuery<QueueParams>,
) -> AppResult<ApiJson<Page<CommentView>>> {
    let (status, page) = q.split("pending");
    moderation::comments_in_status(&state, &moderator, &status, &page)
        .await
        .map(ApiJson::ok)
}

/// Reports by status (default open).
#[utoipa::path(get, path = "/api/v1/admin/moderation/reports", tag = "moderation", security(("bearer" = [])), params(QueueParams),
    responses((status = 200, description = "A page of reports", body = Envelope<Page<ReportView>>)))]
pub async fn moderation_reports(
    State(state): State<AppState>,
    _moderator: RequireRole<Moderator>,
    ValidQuery(q): ValidQuery<QueueParams>,
) -> AppResult<ApiJson<Page<ReportView>>> {
    let (status, page) = q.split("open");
    moderation::reports(&state, &status, &page)
        .await
        .map(ApiJson::ok)
}

#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    /// true publishes; false removes.
    approve: bool,
    /// Required to remove; kept in the audit log.
    #[serde(default)]
    reason: String,
    /// Also ban the author (ends their sessions).
    #[serde(default)]
    ban_author: bool,
}

impl From<DecisionRequest> for Decision {
    fn from(body: DecisionRequest) -> Self {
        Self {
            approve: body.approve,
            reason: body.reason,
            ban_author: body.ban_author,
        }
    }
}

/// Approve or remove a post (and optionally ban its author); recorded in the audit log.
#[utoipa::path(post, path = "/api/v1/admin/moderation/posts/{id}/decision", tag = "moderation", security(("bearer" = [])), params(("id" = i64, Path)), request_body = DecisionRequest,
    responses((status = 200, description = "Decided", body = Envelope<Option<String>>),
              (status = 409, description = "Nothing to decide in the post's state", body = ErrorEnvelope)))]
pub async fn decide_post(
    State(state): State<AppState>,
    RequireRole(moderator, _): RequireRole<Moderator>,
    Id(id): Id,
    ValidJson(body): ValidJson<DecisionRequest>,
) -> AppResult<ApiJson<Option<String>>> {
    moderation::decide(&state, &moderator, TargetType::Post, id, body.into())
        .await
        .map(|()| ApiJson::ok(None))
}

/// Approve or remove a comment (and optionally ban its author).
#[utoipa::path(post, path = "/api/v1/admin/moderation/comments/{id}/decision", tag = "moderation", security(("bearer" = [])), params(("id" = i64, Path)), request_body = DecisionRequest,
    responses((status = 200, description = "Decided", body = Envelope<Option<String>>)))]
pub async fn decide_comment(
    State(state): State<AppState>,
    RequireRole(moderator, _): RequireRole<Moderator>,
    Id(id): Id,
    ValidJson(body): ValidJson<DecisionRequest>,
) -> AppResult<ApiJson<Option<String>>> {
    moderation::decide(&state, &moderator, TargetType::Comment, id, body.into())
        .await
        .map(|()| ApiJson::ok(None))
}

#[derive(Deserialize, Validate, ToSchema)]
pub struct ResolveRequest {
    resolution: String,
}

/// Close a report.
#[utoipa::path(post, path = "/api/v1/admin/moderation/reports/{id}/resolve", tag = "moderation", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ResolveRequest,
    responses((status = 200, description = "Resolved", body = Envelope<ReportView>), (status = 409, description = "Already resolved", body = ErrorEnvelope)))]
pub async fn resolve_report(
    State(state): State<AppState>,
    RequireRole(moderator, _): RequireRole<Moderator>,
    Id(id): Id,
    ValidJson(body): ValidJson<ResolveRequest>,
) -> AppResult<ApiJson<ReportView>> {
    moderation::resolve_report(&state, &moderator, id, &body.resolution)
        .await
        .map(ApiJson::ok)
}

#[derive(Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    target_type: Option<TargetType>,
    target_id: Option<i64>,
    #[validate(range(min = 1, max = 100))]
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    cursor: Option<String>,
}

/// Every moderation decision, human or automatic, newest first.
#[utoipa::path(get, path = "/api/v1/admin/moderation/audit", tag = "moderation", security(("bearer" = [])), params(AuditParams),
    responses((status = 200, description = "A page of decisions", body = Envelope<Page<ActionView>>)))]
pub async fn moderation_audit(
    State(state): State<AppState>,
    _moderator: RequireRole<Moderator>,
    ValidQuery(q): ValidQuery<AuditParams>,
) -> AppResult<ApiJson<Page<ActionView>>> {
    let target = match (q.target_type, q.target_id) {
        (Some(t), Some(id)) => Some((t, id)),
        (None, None) => None,
        _ => {
            return Err(AppError::new(
                ErrorCode::InvalidQuery,
                "target_type and target_id go together",
            ))
        }
    };
    moderation::audit(
        &state,
        target,
        &PageQuery {
            limit: q.limit,
            cursor: q.cursor,
        },
    )
    .await
    .map(ApiJson::ok)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PushParams {
    signature: String,
    timestamp: String,
    nonce: String,
    /// Only when WeChat verifies the URL.
    echostr: Option<String>,
}

fn verify_push(state: &AppState, params: &PushParams) -> AppResult<()> {
    let token = &state.config.community.push_token;
    if token.is_empty()
        || !minibase_wechat::verify_push_signature(
            token,
            &params.timestamp,
            &params.nonce,
            &params.signature,
        )
    {
        return Err(AppError::new(
            ErrorCode::SignatureMismatch,
            "the push signature does not match",
        ));
    }
    Ok(())
}

/// WeChat's message-push URL check: echo `echostr` when the signature is right.
#[utoipa::path(get, path = "/api/v1/wechat/callback", tag = "wechat", params(PushParams),
    responses((status = 200, description = "echostr", content_type = "text/plain"), (status = 403, description = "Bad signature", body = ErrorEnvelope)))]
pub async fn wechat_verify(
    State(state): State<AppState>,
    Query(params): Query<PushParams>,
) -> AppResult<impl IntoResponse> {
    verify_push(&state, &params)?;
    Ok((
        [(CONTENT_TYPE, "text/plain")],
        params.echostr.unwrap_or_default(),
    ))
}

/// WeChat's message push (JSON): image check results (`wxa_media_check`) publish or block posts.
#[utoipa::path(post, path = "/api/v1/wechat/callback", tag = "wechat", params(PushParams),
    request_body(content = Object, description = "WeChat's push event, JSON mode", content_type = "application/json"),
    responses((status = 200, description = "success", content_type = "text/plain"), (status = 403, description = "Bad signature", body = ErrorEnvelope)))]
pub async fn wechat_event(
    State(state): State<AppState>,
    Query(params): Query<PushParams>,
    body: Bytes,
) -> AppResult<impl IntoResponse> {
    verify_push(&state, &params)?;
    let event: MediaCheckEvent = parse_json(&body)?;
    safety::apply_media_result(&state, event).await?;
    Ok(([(CONTENT_TYPE, "text/plain")], "success"))
}
