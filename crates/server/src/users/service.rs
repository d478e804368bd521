//! The rules about users: profile, phone number, open data, signatures, administration.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::{self as users, Role};
use super::repo;
use crate::auth::guard::Principal;
use crate::auth::jwt::SubjectKind;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::http::pagination::{Page, PageQuery};
use crate::privacy::cipher::{mask_phone, DataCipher, Field};
use crate::state::AppState;
use crate::store::cache::CacheSpec;
use crate::wechat::map_error;

/// A user's name or avatar changed (sent after the change is committed): whatever shows
/// authors' profiles, such as cached feed pages, listens for it.
pub struct ProfileChanged {
    pub user_id: i64,
}

/// A user as others see them (authors, the login answer).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserSummary {
    pub id: i64,
    pub nickname: String,
    pub avatar_url: String,
}

impl From<&users::Model> for UserSummary {
    fn from(user: &users::Model) -> Self {
        Self {
            id: user.id,
            nickname: user.nickname.clone(),
            avatar_url: user.avatar_url.clone(),
        }
    }
}

/// The caller's own profile.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub nickname: String,
    pub avatar_url: String,
    pub role: Role,
    /// The bound phone number, once `POST /api/v1/users/me/phone` succeeded.
    pub phone: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl Me {
    fn new(user: users::Model, cipher: &DataCipher) -> AppResult<Self> {
        Ok(Self {
            phone: reveal_phone(cipher, &user)?,
            id: user.id,
            nickname: user.nickname,
            avatar_url: user.avatar_url,
            role: Role::parse(&user.role).unwrap_or(Role::User),
            created_at: user.created_at,
        })
    }
}

/// A user as the admin console sees them.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminUserView {
    pub id: i64,
    pub openid: String,
    pub unionid: Option<String>,
    pub nickname: String,
    pub avatar_url: String,
    /// Masked (`138****1234`) unless the caller has the admin role (docs/privacy.md).
    pub phone: Option<String>,
    pub role: Role,
    pub banned: bool,
    /// When the user asked for the account to be deleted; it is erased a grace period later.
    pub deletion_requested_at: Option<DateTime<Utc>>,
    /// When the account's personal data was erased (the row stays, anonymised).
    pub deleted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl AdminUserView {
    /// Who may see a user's full phone number in admin views: admins. Moderators see it masked.
    pub fn sees_full_phone(viewer: Role) -> bool {
        viewer >= Role::Admin
    }

    fn new(user: users::Model, cipher: &DataCipher, viewer: Role) -> AppResult<Self> {
        let phone = reveal_phone(cipher, &user)?;
        Ok(Self {
            phone: if Self::sees_full_phone(viewer) {
                phone
            } else {
                phone.as_deref().map(mask_phone)
            },
            id: user.id,
            openid: user.openid,
            unionid: user.unionid,
            nickname: user.nickname,
            avatar_url: user.avatar_url,
            role: Role::parse(&user.role).unwrap_or(Role::User),
            banned: user.banned,
            created_at: user.created_at,
            updated_at: user.updated_at,
            deletion_requested_at: user.deletion_requested_at,
            deleted_at: user.deleted_at,
        })
    }
}

/// The user's phone number in clear (stored encrypted).
fn reveal_phone(cipher: &DataCipher, user: &users::Model) -> AppResult<Option<String>> {
    user.phone
        .as_deref()
        .map(|stored| cipher.decrypt(Field::Phone, stored))
        .transpose()
        .map_err(AppError::internal)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PhoneView {
    pub phone_number: String,
    pub pure_phone_number: String,
    pub country_code: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SignatureCheck {
    /// Always true (a mismatch is a 403 with code 40304).
    pub valid: bool,
}

async fn load(state: &AppState, id: i64) -> AppResult<users::Model> {
    repo::find(&state.db, id)
        .await?
        .ok_or_else(|| AppError::not_found("user"))
}

/// The caller's own row is gone: the account was deleted while its token was still accepted
/// (the guard's view of it is cached). The token no longer stands for anyone, so it is revoked:
/// a 401, which makes a client log in again, where a 404 would not.
fn caller_gone() -> AppError {
    AppError::new(ErrorCode::TokenRevoked, "the account no longer exists")
}

async fn load_caller(state: &AppState, principal: &Principal) -> AppResult<users::Model> {
    repo::find(&state.db, principal.id)
        .await?
        .ok_or_else(caller_gone)
}

/// Profiles are read far more often than written (every page of the mini-program shows the
/// caller), so they come from the cache; every write below forgets the entry on all nodes.
const PROFILES: CacheSpec = CacheSpec {
    namespace: "user-profile",
    ttl: Duration::from_secs(60),
    shared: false,
};

/// A user by id, banned or not: for other features, which never read the users table's repo.
pub async fn find(db: &impl ConnectionTrait, id: i64) -> AppResult<Option<users::Model>> {
    Ok(repo::find(db, id).await?)
}

/// The users of `ids` that exist, in no particular order.
pub async fn find_many(db: &impl ConnectionTrait, ids: &[i64]) -> AppResult<Vec<users::Model>> {
    Ok(repo::find_many(db, ids).await?)
}

/// A login's write to the user, inside the caller's transaction (`auth`'s login): creates the
/// user on first login, else refreshes the session key and cancels a pending deletion.
pub async fn upsert_login(
    db: &impl ConnectionTrait,
    openid: &str,
    unionid: Option<&str>,
    session_key: &str,
    now: DateTime<Utc>,
) -> AppResult<users::Model> {
    Ok(repo::upsert_login(db, openid, unionid, session_key, now).await?)
}

/// End every token of the user at once (the caller forgets the cached subject). False when no
/// such user.
pub async fn bump_token_version(state: &AppState, id: i64) -> AppResult<bool> {
    Ok(repo::bump_token_version(&state.db, id, Utc::now()).await?)
}

pub async fn me(state: &AppState, principal: &Principal) -> AppResult<Me> {
    let profile: Arc<Option<Me>> = state
        .cache
        .get_or_load(&PROFILES, &principal.id.to_string(), || async {
            repo::find(&state.db, principal.id)
                .await?
                .map(|user| Me::new(user, &state.config.privacy.cipher))
                .transpose()
        })
        .await?;
    let mut me = Option::as_ref(&profile).cloned().ok_or_else(caller_gone)?;
    // The guard's live role is authoritative (and as fresh as this entry).
    me.role = principal.role;
    Ok(me)
}

/// After any change to what [`Me`] shows.
pub async fn forget_profile(state: &AppState, id: i64) {
    state.cache.invalidate(&PROFILES, &id.to_string()).await;
}

pub async fn update_me(
    state: &AppState,
    principal: &Principal,
    nickname: Option<&str>,
    avatar_url: Option<&str>,
) -> AppResult<Me> {
    let nickname = nickname
        .map(|name| crate::text::display_name("nickname", name))
        .transpose()?;
    if let Some(url) = avatar_url {
        let parsed = url::Url::parse(url)
            .map_err(|_| AppError::validation("avatar_url", "must be an http(s) URL"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(AppError::validation("avatar_url", "must be an http(s) URL"));
        }
    }
    if !repo::update_profile(&state.db, principal.id, nickname, avatar_url, Utc::now()).await? {
        return Err(caller_gone());
    }
    forget_profile(state, principal.id).await;
    state
        .emit(ProfileChanged {
            user_id: principal.id,
        })
        .await;
    me(state, principal).await
}

/// Exchange a `getPhoneNumber` code for the number and keep it on the profile.
pub async fn bind_phone(
    state: &AppState,
    principal: &Principal,
    code: &str,
) -> AppResult<PhoneView> {
    let info = state
        .wechat
        .client()
        .phone_number(code)
        .await
        .map_err(map_error)?;
    let cipher = &state.config.privacy.cipher;
    let stored = cipher.encrypt(Field::Phone, &info.phone_number);
    let hash = cipher.phone_hash(&info.phone_number);
    if !repo::set_phone(&state.db, principal.id, &stored, &hash, Utc::now()).await? {
        return Err(caller_gone());
    }
    forget_profile(state, principal.id).await;
    Ok(PhoneView {
        phone_number: info.phone_number,
        pure_phone_number: info.pure_phone_number,
        country_code: info.country_code,
    })
}

/// The caller's WeChat session key in clear (stored encrypted).
fn session_key(state: &AppState, user: &users::Model) -> AppResult<String> {
    let stored = user.session_key.as_deref().ok_or_else(|| {
        AppError::new(
            ErrorCode::Conflict,
            "no WeChat session for this user; log in again",
        )
    })?;
    state
        .config
        .privacy
        .cipher
        .decrypt(Field::SessionKey, stored)
        .map_err(AppError::internal)
}

/// Decrypt open data (wx.getWeRunData, share info) with the caller's stored session key,
/// refusing data watermarked for another AppID.
pub async fn decrypt_open_data(
    state: &AppState,
    principal: &Principal,
    encrypted_data: &str,
    iv: &str,
) -> AppResult<serde_json::Value> {
    let user = load_caller(state, principal).await?;
    minibase_wechat::decrypt_open_data(
        &session_key(state, &user)?,
        encrypted_data,
        iv,
        state.wechat.appid(),
    )
    .map_err(map_error)
}

#[derive(Debug, Deserialize, ToSchema, validator::Validate)]
pub struct SignedPayload {
    /// Login-state signature check: the signed buffer, checked with hmac_sha256(session_key).
    #[validate(length(max = 65536))]
    #[schema(max_length = 65536)]
    pub buffer: Option<String>,
    /// Legacy check of `wx.getUserInfo`: sha1(raw_data + session_key).
    #[validate(length(max = 65536))]
    #[schema(max_length = 65536)]
    pub raw_data: Option<String>,
    /// Hex signature sent by the client.
    #[validate(length(min = 1, max = 128))]
    #[schema(min_length = 1, max_length = 128)]
    pub signature: String,
}

pub async fn verify_signature(
    state: &AppState,
    principal: &Principal,
    payload: &SignedPayload,
) -> AppResult<SignatureCheck> {
    let user = load_caller(state, principal).await?;
    let key = session_key(state, &user)?;
    let key = key.as_str();
    let valid = match (&payload.buffer, &payload.raw_data) {
        (Some(buffer), None) => minibase_wechat::verify_login_state_signature(
            key,
            buffer.as_bytes(),
            &payload.signature,
        ),
        (None, Some(raw)) => minibase_wechat::verify_signature(raw, key, &payload.signature),
        _ => {
            return Err(AppError::validation(
                "buffer",
                "give exactly one of buffer or raw_data",
            ))
        }
    };
    if !valid {
        return Err(AppError::new(
            ErrorCode::SignatureMismatch,
            "signature does not match",
        ));
    }
    Ok(SignatureCheck { valid })
}

#[derive(Debug, Deserialize, validator::Validate, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AdminUserQuery {
    /// Nickname substring, whole phone number, exact openid, or id.
    #[validate(length(max = 64))]
    #[param(max_length = 64)]
    pub q: Option<String>,
    /// Only banned (true) or only active (false) users.
    pub banned: Option<bool>,
    /// Page size, 1..100 (default 20).
    #[validate(range(min = 1, max = 100))]
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

pub async fn admin_list(
    state: &AppState,
    viewer: &Principal,
    query: &AdminUserQuery,
) -> AppResult<Page<AdminUserView>> {
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor.clone(),
    };
    let limit = page.limit();
    let before: Option<i64> = page.decode()?;
    let cipher = &state.config.privacy.cipher;
    let q = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    // Phone numbers are encrypted: only a whole number is found, by its keyed hash.
    let phone_hash = q
        .filter(|q| looks_like_phone(q))
        .map(|q| cipher.phone_hash(q));
    let rows = repo::list(
        &state.db,
        q,
        phone_hash.as_deref(),
        query.banned,
        before,
        u64::from(limit) + 1,
    )
    .await?;
    let page = Page::from_rows(rows, limit, |u| u.id);
    let items = page
        .items
        .into_iter()
        .map(|user| AdminUserView::new(user, cipher, viewer.role))
        .collect::<AppResult<Vec<_>>>()?;
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}

/// Seven or more digits, perhaps with `+`, spaces or dashes: worth a phone lookup.
fn looks_like_phone(q: &str) -> bool {
    q.chars().filter(char::is_ascii_digit).count() >= 7
        && q.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-'))
}

pub async fn admin_get(state: &AppState, viewer: &Principal, id: i64) -> AppResult<AdminUserView> {
    let user = load(state, id).await?;
    AdminUserView::new(user, &state.config.privacy.cipher, viewer.role)
}

/// Ban (ending every session) or unban.
pub async fn set_banned(
    state: &AppState,
    actor: &Principal,
    id: i64,
    banned: bool,
) -> AppResult<AdminUserView> {
    if actor.kind == SubjectKind::User && actor.id == id {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "you cannot ban yourself",
        ));
    }
    let target = load(state, id).await?;
    let target_role = Role::parse(&target.role).unwrap_or(Role::User);
    if target_role >= actor.role && banned {
        return Err(AppError::forbidden(
            "you can only ban users with a lower role",
        ));
    }
    repo::set_banned(&state.db, id, banned, Utc::now()).await?;
    if banned {
        crate::auth::sessions::end_user_sessions(state, id).await?;
    } else {
        crate::auth::guard::forget_subject(state, SubjectKind::User, id).await;
    }
    tracing::info!(
        target_user = id,
        banned,
        actor = actor.id,
        "user ban changed"
    );
    admin_get(state, actor, id).await
}

/// End all of a user's sessions at once.
pub async fn revoke_sessions(state: &AppState, id: i64) -> AppResult<()> {
    if !repo::bump_token_version(&state.db, id, Utc::now()).await? {
        return Err(AppError::not_found("user"));
    }
    crate::auth::sessions::end_user_sessions(state, id).await
}

pub async fn set_role(
    state: &AppState,
    actor: &Principal,
    id: i64,
    role: Role,
) -> AppResult<AdminUserView> {
    if !repo::set_role(&state.db, id, role, Utc::now()).await? {
        return Err(AppError::not_found("user"));
    }
    crate::auth::guard::forget_subject(state, SubjectKind::User, id).await;
    forget_profile(state, id).await;
    admin_get(state, actor, id).await
}
