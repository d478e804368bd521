//! Tables of the auth feature: login sessions (each with its current refresh token), admin
//! accounts.

use serde::{Deserialize, Serialize};

use crate::users::model::Role;

/// What the guard checks a token against: the subject's live role, token version and ban.
#[derive(Debug, Serialize, Deserialize)]
pub struct LiveSubject {
    pub role: Role,
    pub token_version: i32,
    pub blocked: bool,
}

pub mod session {
    use sea_orm::entity::prelude::*;

    /// One login on one device; refresh tokens rotate within it. Revoking it ends the device's
    /// access and refresh tokens. `refresh_token_hash` is the SHA-256 of the one refresh token
    /// that is live; every earlier one of the session is spent. `refresh_key` (hex) tags and
    /// derives the session's refresh tokens (`auth::refresh`); `refreshed_at` is when the live
    /// token replaced the one before.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "auth_sessions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub user_id: i64,
        pub refresh_token_hash: Option<String>,
        pub refresh_key: Option<String>,
        pub refreshed_at: Option<DateTimeUtc>,
        pub revoked_at: Option<DateTimeUtc>,
        pub expires_at: DateTimeUtc,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod admin_account {
    use sea_orm::entity::prelude::*;

    /// An account of the admin console (username and argon2 password hash).
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "admin_accounts")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(unique)]
        pub username: String,
        pub password_hash: String,
        pub role: String,
        pub disabled: bool,
        pub token_version: i32,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
