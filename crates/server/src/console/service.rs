//! The console's rules beyond accounts (auth::admins): the admin audit log.

use std::collections::HashMap;
use std::net::IpAddr;

use chrono::Utc;
use serde::Deserialize;
use utoipa::ToSchema;

use super::model::{AdminAccountView, AuditEntry, Dashboard, JobView};
use super::repo;
use crate::auth::admins;
use crate::auth::guard::Principal;
use crate::auth::service::{self as auth, AdminLoginResult};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::http::pagination::{Page, PageQuery};
use crate::state::AppState;
use crate::store::jobs::model::Status as JobState;
use crate::store::jobs::repo as jobs_repo;

/// The audit log, newest first, optionally one console account's.
pub async fn audit_log(
    state: &AppState,
    admin_id: Option<i64>,
    page: &PageQuery,
) -> AppResult<Page<AuditEntry>> {
    let before: Option<i64> = page.decode()?;
    let limit = page.limit();
    let rows = repo::list_audit(&state.db, admin_id, before, limit).await?;
    let page = Page::from_rows(rows, limit, |row| row.id);
    let admin_ids: Vec<i64> = page
        .items
        .iter()
        .filter(|row| row.actor_kind == "admin")
        .map(|row| row.actor_id)
        .collect();
    let names: HashMap<i64, String> = auth::admin_names(&state.db, &admin_ids)
        .await?
        .into_iter()
        .collect();
    Ok(page.map(|row| AuditEntry {
        actor_name: (row.actor_kind == "admin")
            .then(|| names.get(&row.actor_id).cloned())
            .flatten(),
        id: row.id,
        actor_kind: row.actor_kind,
        actor_id: row.actor_id,
        actor_role: row.actor_role,
        method: row.method,
        route: row.route,
        path: row.path,
        status: row.status,
        client_ip: row.client_ip,
        request_id: row.request_id,
        note: row.note,
        created_at: row.created_at,
    }))
}

fn require_enabled(state: &AppState) -> AppResult<()> {
    if state.config.console.enabled {
        Ok(())
    } else {
        Err(AppError::new(
            ErrorCode::RouteNotFound,
            "the console is turned off (console_enabled)",
        ))
    }
}

/// Sign in to the console: an admin account's username and password -> its access token, which
/// the route puts in the HttpOnly session cookie (never in the body), and the account.
pub async fn sign_in(
    state: &AppState,
    username: &str,
    password: &str,
    client_ip: IpAddr,
) -> AppResult<(AdminLoginResult, AdminAccountView)> {
    require_enabled(state)?;
    let login = auth::admin_login(state, username, password, client_ip).await?;
    let account = admins::current_with_token(state, &login.token).await?;
    Ok((login, account))
}

/// Sign out: every token of the account ends (as `POST /api/v1/auth/logout` does for admins).
pub async fn sign_out(state: &AppState, principal: &Principal) -> AppResult<()> {
    require_enabled(state)?;
    auth::logout(state, principal).await
}

pub async fn dashboard(state: &AppState) -> AppResult<Dashboard> {
    let counts = repo::counts(&state.db, Utc::now() - chrono::Duration::hours(24)).await?;
    Ok(Dashboard {
        users: counts.users,
        new_users: counts.new_users,
        posts: counts.posts,
        orders: counts.orders,
        approvals_pending: counts.approvals_pending,
        jobs_failed: jobs_repo::count_by_status(&state.db, JobState::Failed).await?,
        jobs_pending: jobs_repo::count_by_status(&state.db, JobState::Pending).await?,
        traffic: crate::observability::traffic::samples(),
    })
}

/// Which jobs the console lists.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    Failed,
    Pending,
}

pub async fn jobs(
    state: &AppState,
    status: JobStatus,
    page: &PageQuery,
) -> AppResult<Page<JobView>> {
    let status = match status {
        JobStatus::Failed => JobState::Failed,
        JobStatus::Pending => JobState::Pending,
    };
    let before: Option<i64> = page.decode()?;
    let limit = page.limit();
    let rows = jobs_repo::list_by_status(&state.db, status, before, limit).await?;
    Ok(
        Page::from_rows(rows, limit, |row| row.id).map(|row| JobView {
            id: row.id,
            kind: row.kind,
            payload: row.payload,
            status: row.status.as_str().to_string(),
            attempts: row.attempts,
            max_attempts: row.max_attempts,
            run_at: row.run_at,
            last_error: row.last_error,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }),
    )
}

/// Run a failed or pending job again now, with fresh attempts.
pub async fn retry_job(state: &AppState, id: i64) -> AppResult<()> {
    if !jobs_repo::retry(&state.db, id, Utc::now()).await? {
        return Err(AppError::not_found("failed or pending job"));
    }
    state.jobs.wake();
    Ok(())
}

/// Drop a failed or pending job for good.
pub async fn discard_job(state: &AppState, id: i64) -> AppResult<()> {
    if !jobs_repo::discard(&state.db, id).await? {
        return Err(AppError::not_found("failed or pending job"));
    }
    Ok(())
}
