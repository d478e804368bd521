//! Tables of the community.

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
    /// pending, published, blocked, removed or deleted.
    pub status: String,
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
    /// pending, published, removed or deleted.
    pub status: String,
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
    /// waiting, pass, risky or review.
    pub status: String,
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
    /// open or resolved.
    pub status: String,
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
