//! Admin-console accounts managed from the console: the signed-in account, changing one's own
//! password, and (admin role only) listing, creating, disabling and enabling accounts.

use chrono::Utc;

use super::guard::Principal;
use super::jwt::SubjectKind;
use super::model::admin_account;
use super::repo;
use super::service::{access_token, hash_password, verify_password};
use crate::console::model::AdminAccountView;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::AppState;
use crate::users::model::Role;

pub const MIN_PASSWORD_CHARS: usize = 10;

fn view(account: admin_account::Model) -> AdminAccountView {
    AdminAccountView {
        id: account.id,
        role: Role::parse(&account.role).unwrap_or(Role::Moderator),
        username: account.username,
        disabled: account.disabled,
        created_at: account.created_at,
    }
}

/// The console is for admin-console accounts; a mini-program user's token is refused even with
/// a staff role.
fn require_account(principal: &Principal) -> AppResult<i64> {
    if principal.kind != SubjectKind::Admin {
        return Err(AppError::forbidden(
            "this endpoint is for admin-console accounts",
        ));
    }
    Ok(principal.id)
}

/// Managing accounts needs an admin-console account with the admin role.
fn require_super_admin(principal: &Principal) -> AppResult<i64> {
    let id = require_account(principal)?;
    if principal.role < Role::Admin {
        return Err(AppError::forbidden(
            "managing accounts needs the admin role",
        ));
    }
    Ok(id)
}

pub async fn current(state: &AppState, principal: &Principal) -> AppResult<AdminAccountView> {
    let id = require_account(principal)?;
    repo::find_admin(&state.db, id)
        .await?
        .map(view)
        .ok_or_else(|| AppError::new(ErrorCode::TokenRevoked, "the account no longer exists"))
}

pub async fn list(state: &AppState, principal: &Principal) -> AppResult<Vec<AdminAccountView>> {
    require_super_admin(principal)?;
    Ok(repo::list_admins(&state.db)
        .await?
        .into_iter()
        .map(view)
        .collect())
}

fn check_password(field: &str, password: &str) -> AppResult<()> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AppError::validation(
            field,
            format!("must be at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    Ok(())
}

async fn hash(password: &str) -> AppResult<String> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)
}

pub async fn create(
    state: &AppState,
    principal: &Principal,
    username: &str,
    password: &str,
    role: Role,
) -> AppResult<AdminAccountView> {
    require_super_admin(principal)?;
    let username = username.trim();
    let valid_name = (3..=64).contains(&username.len())
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if !valid_name {
        return Err(AppError::validation(
            "username",
            "must be 3-64 characters of letters, digits, '.', '_' or '-'",
        ));
    }
    check_password("password", password)?;
    if role == Role::User {
        return Err(AppError::validation(
            "role",
            "an admin account's role is admin or moderator",
        ));
    }
    if repo::find_admin_by_username(&state.db, username)
        .await?
        .is_some()
    {
        return Err(AppError::new(
            ErrorCode::Conflict,
            format!("an admin account named {username} already exists"),
        ));
    }
    let hash = hash(password).await?;
    let id = repo::insert_admin(&state.db, username, &hash, role, Utc::now()).await?;
    repo::find_admin(&state.db, id)
        .await?
        .map(view)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("admin account {id} vanished")))
}

/// Disable (ending its sessions at once) or enable an account. Nobody disables their own.
pub async fn set_disabled(
    state: &AppState,
    principal: &Principal,
    id: i64,
    disabled: bool,
) -> AppResult<AdminAccountView> {
    let me = require_super_admin(principal)?;
    if disabled && id == me {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "you cannot disable your own account",
        ));
    }
    if !repo::set_admin_disabled(&state.db, id, disabled, Utc::now()).await? {
        return Err(AppError::not_found("no such admin account"));
    }
    super::guard::forget_subject(state, SubjectKind::Admin, id).await;
    repo::find_admin(&state.db, id)
        .await?
        .map(view)
        .ok_or_else(|| AppError::not_found("no such admin account"))
}

/// A fresh access token for the account whose password just changed (its older ones ended).
pub struct NewPassword {
    pub token: String,
    pub expires_in: u64,
}

/// Change the caller's own password: the current one must be given; every other session of the
/// account ends, and the caller gets a new token.
pub async fn change_password(
    state: &AppState,
    principal: &Principal,
    current_password: &str,
    new_password: &str,
) -> AppResult<NewPassword> {
    let id = require_account(principal)?;
    check_password("new_password", new_password)?;
    let account = repo::find_admin(&state.db, id)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::TokenRevoked, "the account no longer exists"))?;
    let stored = account.password_hash.clone();
    let current = current_password.to_string();
    let matches = tokio::task::spawn_blocking(move || verify_password(&current, &stored))
        .await
        .map_err(AppError::internal)?;
    if !matches {
        return Err(AppError::validation(
            "current_password",
            "is not the account's password",
        ));
    }
    let hash = hash(new_password).await?;
    repo::set_admin_password(&state.db, id, &hash, Utc::now()).await?;
    super::guard::forget_subject(state, SubjectKind::Admin, id).await;
    let account = repo::find_admin(&state.db, id)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::TokenRevoked, "the account no longer exists"))?;
    let (token, expires_in) = access_token(
        state,
        SubjectKind::Admin,
        id,
        &account.role,
        account.token_version,
        None,
    )?;
    Ok(NewPassword { token, expires_in })
}

/// The account a freshly issued admin token names.
pub async fn current_with_token(state: &AppState, token: &str) -> AppResult<AdminAccountView> {
    let claims = state.config.jwt.keys.verify(token)?;
    let principal = super::guard::authenticate(state, &claims).await?;
    current(state, &principal).await
}
