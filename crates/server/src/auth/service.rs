//! The rules of signing in: WeChat login, refresh-token rotation with reuse detection, logout,
//! admin-console accounts.

use std::net::IpAddr;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::Utc;
use rand::RngCore;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, TransactionTrait};
use serde::Serialize;
use utoipa::ToSchema;

use super::guard::Principal;
use super::jwt::SubjectKind;
use super::model::session;
use super::refresh::{self, RefreshKey};
use super::repo;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::privacy::cipher::Field;
use crate::state::AppState;
use crate::users::model::Role;
use crate::users::service::{self as users, UserSummary};

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResult {
    /// The access token (JWT), sent as `Authorization: Bearer <token>`.
    pub token: String,
    /// Seconds until `token` expires.
    pub expires_in: u64,
    /// Single-use: exchange at `/api/v1/auth/refresh` for a new pair.
    pub refresh_token: String,
    pub user: UserSummary,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenPair {
    pub token: String,
    pub expires_in: u64,
    pub refresh_token: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AdminLoginResult {
    pub token: String,
    pub expires_in: u64,
    pub admin: AdminSummary,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AdminSummary {
    pub id: i64,
    pub username: String,
    pub role: Role,
}

/// `wx.login()` code -> session. Rate-limited per client IP before WeChat is asked and per openid
/// after; the user is created on first login; nothing is written when WeChat refuses.
pub async fn login(state: &AppState, code: &str, client_ip: IpAddr) -> AppResult<LoginResult> {
    let limits = &state.config.login_limits;
    state
        .limiter
        .hit("login-ip", &client_ip.to_string(), limits.per_ip)
        .await?;
    let session = state
        .wechat
        .client()
        .code2session(code)
        .await
        .map_err(crate::wechat::map_error)?;
    state
        .limiter
        .hit("login-openid", &session.openid, limits.per_openid)
        .await?;
    let now = Utc::now();
    let refresh_ttl =
        chrono::Duration::from_std(state.config.jwt.refresh_ttl).map_err(AppError::internal)?;
    // Time-ordered, so new sessions append to the end of the key's index instead of landing on
    // a random page of it; its 74 random bits still make it unguessable.
    let sid = uuid::Uuid::now_v7().to_string();
    let key = RefreshKey::generate();
    let refresh_token = key.first(&sid);
    let session_key = state
        .config
        .privacy
        .cipher
        .encrypt(Field::SessionKey, &session.session_key);
    let login = repo::NewLogin {
        openid: &session.openid,
        unionid: session.unionid.as_deref(),
        session_key: &session_key,
        session_id: &sid,
        refresh_token_hash: &refresh::hash(&refresh_token),
        refresh_key: &key.to_hex(),
        expires_at: now + refresh_ttl,
        now,
        async_commit: state.config.login_async_commit,
    };
    let Some(user) = record_login(&state.db, &login).await? else {
        return Err(AppError::new(
            ErrorCode::UserBanned,
            "the account is banned",
        ));
    };
    let (token, expires_in) = access_token(
        state,
        SubjectKind::User,
        user.id,
        &user.role,
        user.token_version,
        Some(sid),
    )?;
    tracing::info!(user_id = user.id, "user logged in");
    Ok(LoginResult {
        token,
        expires_in,
        refresh_token,
        user: UserSummary::from(&user),
    })
}

/// Rotate: the presented refresh token is spent and a new pair issued in the same session.
///
/// What a presented token is, for its session:
/// - the live one: it is replaced by its successor (derived from it with the session's key);
/// - the one the live one replaced, within `jwt_refresh_grace_secs` of that: a parallel refresh
///   from the same client (two requests that both met a 401), given the same refresh token
///   the first got and an access token of its own; nothing is written;
/// - any other token the session's key tagged, or that one after the grace: spent, so stolen or
///   replayed; the whole session is revoked (40107);
/// - anything else (a made-up secret for a known session id): refused (40106), and the session
///   is left alone.
pub async fn refresh(state: &AppState, presented: &str) -> AppResult<TokenPair> {
    let invalid = || AppError::new(ErrorCode::RefreshTokenInvalid, "refresh token is not valid");
    let Some((sid, _)) = presented.split_once('.') else {
        return Err(invalid());
    };
    let now = Utc::now();
    let mut session = live_session(state, sid, now).await?.ok_or_else(invalid)?;
    let presented_hash = refresh::hash(presented);
    if session.refresh_token_hash.as_deref() == Some(presented_hash.as_str()) {
        let user = load_refreshing_user(state, &session).await?;
        // Sessions from before refresh keys get one at their first refresh.
        let key = session
            .refresh_key
            .as_deref()
            .and_then(RefreshKey::from_hex)
            .unwrap_or_else(RefreshKey::generate);
        let next = key.successor(&session.id, presented);
        let rotated = repo::rotate_refresh_token(
            &state.db,
            &session.id,
            &presented_hash,
            &refresh::hash(&next),
            &key.to_hex(),
            now,
        )
        .await?;
        if rotated {
            return pair(state, &user, &session.id, next);
        }
        // Another refresh with the same token rotated first: this one is its twin, or a replay.
        session = live_session(state, sid, now).await?.ok_or_else(invalid)?;
    }
    match classify_spent(state, &session, presented, now) {
        Spent::JustReplaced(next) => {
            let user = load_refreshing_user(state, &session).await?;
            pair(state, &user, &session.id, next)
        }
        Spent::Reused => Err(revoke_on_reuse(state, &session.id, session.user_id).await),
        Spent::Unknown => Err(invalid()),
    }
}

/// What a presented token that is not the session's live one is.
enum Spent {
    /// The token the live one replaced, within the grace; the live token to hand out again.
    JustReplaced(String),
    /// Issued for this session and spent.
    Reused,
    /// Not issued for this session.
    Unknown,
}

fn classify_spent(
    state: &AppState,
    session: &session::Model,
    presented: &str,
    now: chrono::DateTime<Utc>,
) -> Spent {
    let Some(key) = session
        .refresh_key
        .as_deref()
        .and_then(RefreshKey::from_hex)
    else {
        // A session from before refresh keys: nothing can prove where the token came from.
        return Spent::Unknown;
    };
    let successor = key.successor(&session.id, presented);
    if session.refresh_token_hash.as_deref() == Some(refresh::hash(&successor).as_str()) {
        let grace = chrono::Duration::from_std(state.config.jwt.refresh_grace)
            .unwrap_or_else(|_| chrono::Duration::zero());
        // `at` may be later than `now` when a concurrent refresh won the race, hence the zero.
        let in_grace = !grace.is_zero() && session.refreshed_at.is_some_and(|at| now < at + grace);
        return if in_grace {
            Spent::JustReplaced(successor)
        } else {
            Spent::Reused
        };
    }
    if key.issued(presented) {
        Spent::Reused
    } else {
        Spent::Unknown
    }
}

/// The session, unless it is unknown, revoked or expired.
async fn live_session(
    state: &AppState,
    sid: &str,
    now: chrono::DateTime<Utc>,
) -> AppResult<Option<session::Model>> {
    let session = repo::find_session(&state.db, sid).await?;
    Ok(session.filter(|s| s.revoked_at.is_none() && s.expires_at > now))
}

/// The session's user, who must still exist and not be banned.
async fn load_refreshing_user(
    state: &AppState,
    session: &session::Model,
) -> AppResult<crate::users::model::Model> {
    let user = users::find(&state.db, session.user_id)
        .await?
        .ok_or_else(|| {
            AppError::new(ErrorCode::RefreshTokenInvalid, "refresh token is not valid")
        })?;
    if user.banned {
        return Err(AppError::new(
            ErrorCode::UserBanned,
            "the account is banned",
        ));
    }
    Ok(user)
}

fn pair(
    state: &AppState,
    user: &crate::users::model::Model,
    sid: &str,
    refresh_token: String,
) -> AppResult<TokenPair> {
    let (token, expires_in) = access_token(
        state,
        SubjectKind::User,
        user.id,
        &user.role,
        user.token_version,
        Some(sid.to_string()),
    )?;
    Ok(TokenPair {
        token,
        expires_in,
        refresh_token,
    })
}

/// Upsert the user by openid and open the session, atomically; `None` (and nothing written) when
/// the user is banned. Logging in cancels a pending account deletion (docs/privacy.md). Login is
/// the write every user makes, so on PostgreSQL it is one statement; elsewhere a transaction in
/// which users' service writes the user.
async fn record_login(
    db: &DatabaseConnection,
    login: &repo::NewLogin<'_>,
) -> AppResult<Option<crate::users::model::Model>> {
    if db.get_database_backend() == DatabaseBackend::Postgres {
        return Ok(repo::record_login_postgres(db, login).await?);
    }
    let txn = db.begin().await?;
    let user = users::upsert_login(
        &txn,
        login.openid,
        login.unionid,
        login.session_key,
        login.now,
    )
    .await?;
    if user.banned {
        // Dropping the transaction rolls the session-key update back.
        return Ok(None);
    }
    repo::create_session(&txn, user.id, login).await?;
    txn.commit().await?;
    Ok(Some(user))
}

async fn revoke_on_reuse(state: &AppState, sid: &str, user_id: i64) -> AppError {
    match repo::revoke_session(&state.db, sid, Utc::now()).await {
        Ok(_) => {
            super::guard::forget_session(state, sid).await;
            crate::realtime::disconnect(state, SubjectKind::User, user_id, Some(sid)).await;
            tracing::warn!(session = sid, "refresh token reused: session revoked");
            AppError::new(
                ErrorCode::RefreshTokenReused,
                "refresh token was already used; the session is revoked",
            )
        }
        Err(err) => AppError::from(err),
    }
}

/// End the caller's session (users) or all of the account's tokens (admin accounts).
pub async fn logout(state: &AppState, principal: &Principal) -> AppResult<()> {
    match (principal.kind, &principal.session_id) {
        (SubjectKind::User, Some(sid)) => {
            repo::revoke_session(&state.db, sid, Utc::now()).await?;
            super::guard::forget_session(state, sid).await;
        }
        (SubjectKind::User, None) => {
            users::bump_token_version(state, principal.id).await?;
            super::guard::forget_subject(state, SubjectKind::User, principal.id).await;
        }
        (SubjectKind::Admin, _) => {
            repo::bump_admin_token_version(&state.db, principal.id).await?;
            super::guard::forget_subject(state, SubjectKind::Admin, principal.id).await;
        }
    }
    let session = principal
        .session_id
        .as_deref()
        .filter(|_| principal.kind == SubjectKind::User);
    crate::realtime::disconnect(state, principal.kind, principal.id, session).await;
    Ok(())
}

pub async fn admin_login(
    state: &AppState,
    username: &str,
    password: &str,
    client_ip: IpAddr,
) -> AppResult<AdminLoginResult> {
    let limits = &state.config.login_limits;
    state
        .limiter
        .hit("admin-login-ip", &client_ip.to_string(), limits.per_ip)
        .await?;
    state
        .limiter
        .hit("admin-login-user", username, limits.per_openid)
        .await?;
    let wrong = || AppError::new(ErrorCode::InvalidCredentials, "wrong username or password");
    let account = repo::find_admin_by_username(&state.db, username).await?;
    // Verify against a dummy hash for unknown names too, so timing does not reveal them.
    let stored = account
        .as_ref()
        .map(|a| a.password_hash.clone())
        .unwrap_or_else(|| dummy_hash().to_string());
    let password = password.to_string();
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &stored))
        .await
        .map_err(AppError::internal)?;
    let account = match account {
        Some(account) if matches => account,
        _ => return Err(wrong()),
    };
    if account.disabled {
        return Err(AppError::new(
            ErrorCode::UserBanned,
            "the account is disabled",
        ));
    }
    let (token, expires_in) = access_token(
        state,
        SubjectKind::Admin,
        account.id,
        &account.role,
        account.token_version,
        None,
    )?;
    Ok(AdminLoginResult {
        token,
        expires_in,
        admin: AdminSummary {
            id: account.id,
            username: account.username,
            role: Role::parse(&account.role).unwrap_or(Role::Moderator),
        },
    })
}

/// Create an admin-console account (the `minibase admin create` command).
pub async fn create_admin(
    db: &DatabaseConnection,
    username: &str,
    password: &str,
    role: Role,
) -> anyhow::Result<i64> {
    let username = username.trim();
    anyhow::ensure!(
        (3..=64).contains(&username.len())
            && username
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)),
        "username must be 3-64 characters of letters, digits, '.', '_' or '-'"
    );
    anyhow::ensure!(
        password.chars().count() >= 10,
        "password must be at least 10 characters"
    );
    anyhow::ensure!(
        role != Role::User,
        "an admin account's role is admin or moderator"
    );
    anyhow::ensure!(
        repo::find_admin_by_username(db, username).await?.is_none(),
        "an admin account named {username} already exists"
    );
    let password = password.to_string();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password)).await??;
    Ok(repo::insert_admin(db, username, &hash, role, Utc::now()).await?)
}

pub(super) fn access_token(
    state: &AppState,
    kind: SubjectKind,
    id: i64,
    role: &str,
    version: i32,
    sid: Option<String>,
) -> AppResult<(String, u64)> {
    let keys = &state.config.jwt.keys;
    let ttl = state.config.jwt.access_ttl;
    let claims = keys.new_claims(kind, id, role, version, sid, ttl);
    let token = keys.sign(&claims).map_err(AppError::internal)?;
    Ok((token, ttl.as_secs()))
}

pub(super) fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|err| anyhow::anyhow!("hashing the password: {err}"))
}

pub(super) fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A real Argon2 hash of a random password nobody knows, so that checking an unknown username
/// costs as much as checking a known one.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        let mut secret = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut secret);
        hash_password(&hex::encode(secret)).unwrap_or_default()
    })
}

/// Usernames of admin accounts by id (for logs that name who acted).
pub async fn admin_names(
    db: &DatabaseConnection,
    ids: &[i64],
) -> Result<Vec<(i64, String)>, sea_orm::DbErr> {
    repo::admin_names(db, ids).await
}
