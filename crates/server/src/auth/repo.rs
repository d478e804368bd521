//! Queries of the auth feature.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr,
    EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect, Statement,
};

use super::jwt::SubjectKind;
use super::model::{admin_account, session, LiveSubject};
use crate::users::model::{self as users, Role};

pub async fn live_subject(
    db: &impl ConnectionTrait,
    kind: SubjectKind,
    id: i64,
) -> Result<Option<LiveSubject>, DbErr> {
    match kind {
        SubjectKind::User => {
            let row: Option<(String, i32, bool)> = users::Entity::find_by_id(id)
                .select_only()
                .column(users::Column::Role)
                .column(users::Column::TokenVersion)
                .column(users::Column::Banned)
                .into_tuple()
                .one(db)
                .await?;
            Ok(row.map(|(role, token_version, banned)| LiveSubject {
                role: Role::parse(&role).unwrap_or(Role::User),
                token_version,
                blocked: banned,
            }))
        }
        SubjectKind::Admin => {
            let row: Option<(String, i32, bool)> = admin_account::Entity::find_by_id(id)
                .select_only()
                .column(admin_account::Column::Role)
                .column(admin_account::Column::TokenVersion)
                .column(admin_account::Column::Disabled)
                .into_tuple()
                .one(db)
                .await?;
            Ok(row.map(|(role, token_version, disabled)| LiveSubject {
                role: Role::parse(&role).unwrap_or(Role::Moderator),
                token_version,
                blocked: disabled,
            }))
        }
    }
}

/// What a successful `code2session` leads to: the user (created on first login) and a new login
/// session with its first refresh token.
pub struct NewLogin<'a> {
    pub openid: &'a str,
    pub unionid: Option<&'a str>,
    /// Encrypted (`privacy::cipher`).
    pub session_key: &'a str,
    pub session_id: &'a str,
    pub refresh_token_hash: &'a str,
    /// The session's refresh-token key (hex; `auth::refresh`).
    pub refresh_key: &'a str,
    pub expires_at: DateTime<Utc>,
    pub now: DateTime<Utc>,
    /// PostgreSQL: do not wait for the commit to reach the disk (`synchronous_commit = off` for
    /// this transaction alone).
    pub async_commit: bool,
}

/// PostgreSQL's login: upsert the user by openid and open the session in one statement
/// (data-modifying CTEs: one round trip, one commit), as `auth::service` does elsewhere in a
/// transaction. `None` (and nothing written) when the user is banned.
pub async fn record_login_postgres(
    db: &DatabaseConnection,
    login: &NewLogin<'_>,
) -> Result<Option<users::Model>, DbErr> {
    users::Model::find_by_statement(Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        RECORD_LOGIN_POSTGRES,
        [
            login.openid.into(),
            login.unionid.map(str::to_string).into(),
            login.session_key.into(),
            login.now.into(),
            login.session_id.into(),
            login.expires_at.into(),
            login.refresh_token_hash.into(),
            Role::User.as_str().into(),
            if login.async_commit { "off" } else { "on" }.into(),
            login.refresh_key.into(),
        ],
    ))
    .one(db)
    .await
}

/// A banned user's row is left alone (`WHERE NOT users.banned`), so `u` is empty and so is the
/// session insert that reads from it. `commit_mode` sets `synchronous_commit` for this
/// statement's own transaction; it is joined into the result so that it is evaluated.
const RECORD_LOGIN_POSTGRES: &str = r#"
WITH commit_mode AS (
    SELECT set_config('synchronous_commit', $9, TRUE) AS synchronous_commit
), u AS (
    INSERT INTO users (openid, unionid, session_key, nickname, avatar_url, role, banned,
                       token_version, created_at, updated_at)
    VALUES ($1, $2, $3, '', '', $8, FALSE, 0, $4, $4)
    ON CONFLICT (openid) DO UPDATE
        SET session_key = EXCLUDED.session_key,
            deletion_requested_at = NULL,
            unionid = COALESCE(EXCLUDED.unionid, users.unionid),
            updated_at = EXCLUDED.updated_at
        WHERE NOT users.banned
    RETURNING *
), s AS (
    INSERT INTO auth_sessions (id, user_id, refresh_token_hash, refresh_key, revoked_at,
                               expires_at, created_at)
    SELECT $5, u.id, $7, $10, NULL, $6, $4 FROM u
)
SELECT u.* FROM u CROSS JOIN commit_mode
"#;

/// True when the session is revoked or unknown.
pub async fn session_revoked(db: &impl ConnectionTrait, sid: &str) -> Result<bool, DbErr> {
    let row = session::Entity::find_by_id(sid.to_string()).one(db).await?;
    Ok(row.is_none_or(|s| s.revoked_at.is_some()))
}

pub async fn create_session(
    db: &impl ConnectionTrait,
    user_id: i64,
    login: &NewLogin<'_>,
) -> Result<(), DbErr> {
    session::Entity::insert(session::ActiveModel {
        id: Set(login.session_id.to_string()),
        user_id: Set(user_id),
        refresh_token_hash: Set(Some(login.refresh_token_hash.to_string())),
        refresh_key: Set(Some(login.refresh_key.to_string())),
        refreshed_at: Set(None),
        revoked_at: Set(None),
        expires_at: Set(login.expires_at),
        created_at: Set(login.now),
    })
    .exec_without_returning(db)
    .await
    .map(|_| ())
}

pub async fn find_session(
    db: &impl ConnectionTrait,
    sid: &str,
) -> Result<Option<session::Model>, DbErr> {
    session::Entity::find_by_id(sid.to_string()).one(db).await
}

/// Revoke a session; true when it was live.
pub async fn revoke_session(
    db: &impl ConnectionTrait,
    sid: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(now))
        .filter(session::Column::Id.eq(sid))
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// Revoke every live session of a user; the number revoked.
pub async fn revoke_user_sessions(
    db: &impl ConnectionTrait,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let result = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(now))
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Replace the session's live refresh token `spent` with `next` (hashes), made with `key`; false
/// when it was not live (someone rotated it first, or the session was revoked meanwhile). The
/// condition decides a race between two uses of one token: only one of them can win.
pub async fn rotate_refresh_token(
    db: &impl ConnectionTrait,
    sid: &str,
    spent: &str,
    next: &str,
    key: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = session::Entity::update_many()
        .col_expr(session::Column::RefreshTokenHash, Expr::value(next))
        .col_expr(session::Column::RefreshKey, Expr::value(key))
        .col_expr(session::Column::RefreshedAt, Expr::value(now))
        .filter(session::Column::Id.eq(sid))
        .filter(session::Column::RefreshTokenHash.eq(spent))
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn find_admin_by_username(
    db: &impl ConnectionTrait,
    username: &str,
) -> Result<Option<admin_account::Model>, DbErr> {
    admin_account::Entity::find()
        .filter(admin_account::Column::Username.eq(username))
        .one(db)
        .await
}

pub async fn insert_admin(
    db: &impl ConnectionTrait,
    username: &str,
    password_hash: &str,
    role: Role,
    now: DateTime<Utc>,
) -> Result<i64, DbErr> {
    let result = admin_account::Entity::insert(admin_account::ActiveModel {
        username: Set(username.to_string()),
        password_hash: Set(password_hash.to_string()),
        role: Set(role.as_str().to_string()),
        disabled: Set(false),
        token_version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(db)
    .await?;
    Ok(result.last_insert_id)
}

pub async fn bump_admin_token_version(db: &impl ConnectionTrait, id: i64) -> Result<(), DbErr> {
    admin_account::Entity::update_many()
        .col_expr(
            admin_account::Column::TokenVersion,
            Expr::col(admin_account::Column::TokenVersion).add(1),
        )
        .filter(admin_account::Column::Id.eq(id))
        .exec(db)
        .await
        .map(|_| ())
}

pub async fn find_admin(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<admin_account::Model>, DbErr> {
    admin_account::Entity::find_by_id(id).one(db).await
}

/// Every admin account, oldest first (a team has a handful: no pagination).
pub async fn list_admins(db: &impl ConnectionTrait) -> Result<Vec<admin_account::Model>, DbErr> {
    admin_account::Entity::find()
        .order_by_asc(admin_account::Column::Id)
        .all(db)
        .await
}

/// Disable or enable an account; disabling also ends its tokens (version bump).
pub async fn set_admin_disabled(
    db: &impl ConnectionTrait,
    id: i64,
    disabled: bool,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut update = admin_account::Entity::update_many()
        .col_expr(admin_account::Column::Disabled, Expr::value(disabled))
        .col_expr(admin_account::Column::UpdatedAt, Expr::value(now));
    if disabled {
        update = update.col_expr(
            admin_account::Column::TokenVersion,
            Expr::col(admin_account::Column::TokenVersion).add(1),
        );
    }
    let result = update
        .filter(admin_account::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// A new password hash; other sessions of the account end (version bump).
pub async fn set_admin_password(
    db: &impl ConnectionTrait,
    id: i64,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    admin_account::Entity::update_many()
        .col_expr(
            admin_account::Column::PasswordHash,
            Expr::value(password_hash),
        )
        .col_expr(
            admin_account::Column::TokenVersion,
            Expr::col(admin_account::Column::TokenVersion).add(1),
        )
        .col_expr(admin_account::Column::UpdatedAt, Expr::value(now))
        .filter(admin_account::Column::Id.eq(id))
        .exec(db)
        .await
        .map(|_| ())
}

/// Usernames of the given admin accounts, for the audit log (one query per page).
pub async fn admin_names(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<Vec<(i64, String)>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    admin_account::Entity::find()
        .select_only()
        .column(admin_account::Column::Id)
        .column(admin_account::Column::Username)
        .filter(admin_account::Column::Id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await
}
