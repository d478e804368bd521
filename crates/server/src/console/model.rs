//! The admin audit log's table and the console's views.

use serde::Serialize;
use utoipa::ToSchema;

use crate::users::model::Role;

/// A new row of the audit log.
pub struct AuditRecord {
    pub actor_kind: &'static str,
    pub actor_id: i64,
    pub actor_role: &'static str,
    pub method: String,
    pub route: String,
    pub path: String,
    pub status: u16,
    pub client_ip: String,
    pub request_id: String,
    pub note: Option<String>,
}

pub mod admin_audit {
    use sea_orm::entity::prelude::*;

    /// One state-changing request by an admin-console account or on an admin route.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "admin_audit")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        /// `admin` (a console account) or `user` (a mini-program user with a staff role).
        pub actor_kind: String,
        pub actor_id: i64,
        pub actor_role: String,
        pub method: String,
        /// The route template, such as `/api/v1/admin/users/{id}/ban`.
        pub route: String,
        /// The path as requested (with ids), without the query string.
        pub path: String,
        pub status: i32,
        pub client_ip: String,
        pub request_id: String,
        /// The reason the operator gave, when the action takes one (a ban).
        pub note: Option<String>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// One entry of the admin audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    /// `admin` (a console account) or `user` (a mini-program user with a staff role).
    pub actor_kind: String,
    pub actor_id: i64,
    /// The console account's username (null for mini-program users).
    pub actor_name: Option<String>,
    pub actor_role: String,
    pub method: String,
    pub route: String,
    pub path: String,
    pub status: i32,
    pub client_ip: String,
    pub request_id: String,
    /// The reason the operator gave, when the action takes one (a ban).
    pub note: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// The signed-in console account.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsoleSession {
    pub admin: AdminAccountView,
    /// Send it as `X-CSRF-Token` on every state-changing request (also in the `mb_csrf` cookie).
    /// Null when the caller used a bearer token rather than the console's cookie.
    pub csrf_token: Option<String>,
    /// Seconds until the session cookie expires (at sign-in; null afterwards).
    pub expires_in: Option<u64>,
}

/// An admin-console account.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminAccountView {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// The dashboard: counts across features, and this node's traffic by minute.
#[derive(Debug, Serialize, ToSchema)]
pub struct Dashboard {
    pub users: u64,
    /// Users created in the last 24 hours.
    pub new_users: u64,
    pub posts: u64,
    /// Flash-sale orders, in every state.
    pub orders: u64,
    pub approvals_pending: u64,
    pub jobs_failed: u64,
    pub jobs_pending: u64,
    /// This node's requests by minute over the last two hours, oldest first: an in-memory ring,
    /// per node, emptied by a restart (Prometheus at /metrics keeps the real history).
    pub traffic: Vec<crate::observability::traffic::TrafficSample>,
}

/// A background job as the console shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobView {
    pub id: i64,
    pub kind: String,
    /// The job's input (JSON text).
    pub payload: String,
    /// pending, running, done or failed.
    pub status: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: chrono::DateTime<chrono::Utc>,
    pub last_error: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}
