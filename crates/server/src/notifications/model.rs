//! The `notifications` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Who is notified.
    pub user_id: i64,
    /// What happened: reply, like, follow, approval_pending, approval_done, ...
    pub kind: String,
    /// Who caused it, when a user did.
    pub actor_id: Option<i64>,
    /// What it is about: post, comment, user, approval, ...
    pub subject_type: String,
    pub subject_id: i64,
    /// Details for display, as JSON text.
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub read_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

pub mod subscribe_quota {
    use sea_orm::entity::prelude::*;

    /// How many one-time subscribe messages of a template a user has accepted and not yet used.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "subscribe_quotas")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub template_id: String,
        pub remaining: i32,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
