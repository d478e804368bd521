//! Tables of the community, their statuses, and what clients get back.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::StringLen;
use sea_orm::{ActiveEnum, DeriveActiveEnum, EnumIter};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::files::service::FileView;
use crate::users::service::UserSummary;

macro_rules! entity {
    ($module:ident, $table:literal, { $($body:tt)* }) => {
        pub mod $module {
            use sea_orm::entity::prelude::*;

            #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
            #[sea_orm(table_name = $table)]
            pub struct Model {
                $($body)*
            }

            #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
            pub enum Relation {}

            impl ActiveModelBehavior for ActiveModel {}
        }
    };
}

entity!(post, "posts", {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub author_id: i64,
    #[sea_orm(column_type = "Text")]
    pub content: String,
    /// JSON array of the images (id, storage key, type, size, pixels), in order.
    #[sea_orm(column_type = "Text")]
    pub images: String,
    /// Topics joined by commas (the feed index is `post_topics`).
    pub topics: String,
    pub status: super::ContentStatus,
    pub like_count: i32,
    pub comment_count: i32,
    /// Hot score x 1e6: log10 of the engagement plus the creation time (newer ranks higher).
    pub hot_rank: i64,
    /// Checks still to pass before the post is published (image checks, human review).
    pub pending_checks: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub deleted_at: Option<DateTimeUtc>,
});

entity!(post_topic, "post_topics", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub topic: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub post_id: i64,
});

entity!(comment, "comments", {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub post_id: i64,
    pub author_id: i64,
    /// The root comment of a reply's thread.
    pub parent_id: Option<i64>,
    /// The author of the comment replied to.
    pub reply_to_user_id: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub content: String,
    /// Never blocked: only posts wait for image checks.
    pub status: super::ContentStatus,
    pub like_count: i32,
    pub created_at: DateTimeUtc,
    pub deleted_at: Option<DateTimeUtc>,
});

entity!(like, "likes", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub target_type: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub target_id: i64,
    pub created_at: DateTimeUtc,
});

entity!(follow, "follows", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub follower_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub followee_id: i64,
    pub created_at: DateTimeUtc,
});

entity!(media_check, "media_checks", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub trace_id: String,
    pub post_id: i64,
    pub file_id: i64,
    pub status: super::MediaCheckStatus,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
});

entity!(report, "reports", {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub reporter_id: i64,
    pub target_type: String,
    pub target_id: i64,
    pub reason: String,
    pub status: super::ReportStatus,
    pub resolution: Option<String>,
    pub resolved_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub resolved_at: Option<DateTimeUtc>,
});

entity!(moderation_action, "moderation_actions", {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// admin:<id>, user:<id> or wechat (an automatic check).
    pub actor: String,
    pub action: String,
    pub target_type: String,
    pub target_id: i64,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub created_at: DateTimeUtc,
});

/// Where a post or comment stands (stored as these words).
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum ContentStatus {
    /// Waiting for image checks or a moderator; seen by its author and moderators.
    #[sea_orm(string_value = "pending")]
    Pending,
    /// A new post whose text waits for WeChat's check (posts only, `content_check = "async"`);
    /// seen by its author and moderators, published or blocked when WeChat answers.
    #[sea_orm(string_value = "checking")]
    Checking,
    #[sea_orm(string_value = "published")]
    Published,
    /// A risky image (posts only); seen by its author and moderators.
    #[sea_orm(string_value = "blocked")]
    Blocked,
    /// Taken down by a moderator; seen by moderators.
    #[sea_orm(string_value = "removed")]
    Removed,
    /// Deleted by its author; seen by no one.
    #[sea_orm(string_value = "deleted")]
    Deleted,
}

/// Where one image check stands: waiting for WeChat's callback, then its suggestion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum MediaCheckStatus {
    #[sea_orm(string_value = "waiting")]
    Waiting,
    #[sea_orm(string_value = "pass")]
    Pass,
    #[sea_orm(string_value = "risky")]
    Risky,
    #[sea_orm(string_value = "review")]
    Review,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum ReportStatus {
    #[sea_orm(string_value = "open")]
    Open,
    #[sea_orm(string_value = "resolved")]
    Resolved,
}

// What a like, a report or a moderation decision is about (a plain comment: a doc comment
// would change the OpenAPI document).
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
    /// published; or, for its author and moderators, checking / pending / blocked / removed.
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
            status: r.status.to_value(),
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
