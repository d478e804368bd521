//! The rules of personal data: export, account deletion with a grace period, erasure, the
//! re-encryption of stored secrets, and the purges that keep nothing longer than needed.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::cipher::{DataCipher, Field};
use super::repo;
use crate::auth::guard::Principal;
use crate::auth::jwt::SubjectKind;
use crate::error::{AppError, AppResult};
use crate::files::service::FileView;
use crate::state::AppState;
use crate::store::jobs::{self, Handler, JobSpec};
use crate::users::model::Role;

pub const ERASE_JOB: &str = "privacy.erase_user";

pub fn jobs() -> Vec<(&'static str, Handler)> {
    vec![(ERASE_JOB, erase_job as Handler)]
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeletionScheduled {
    /// When the request was first made (asking again does not move it).
    pub requested_at: DateTime<Utc>,
    /// From then on the account is erased; logging in before cancels the request.
    pub erase_after: DateTime<Utc>,
}

/// Ask for the caller's account to be deleted. Every session ends at once; logging in again
/// within the grace period cancels the request; after it, the account is erased.
pub async fn request_deletion(
    state: &AppState,
    principal: &Principal,
) -> AppResult<DeletionScheduled> {
    let now = Utc::now();
    if !repo::request_deletion(&state.db, principal.id, now).await? {
        return Err(AppError::not_found("user"));
    }
    crate::auth::sessions::end_user_sessions(state, principal.id).await?;
    crate::users::service::forget_profile(state, principal.id).await;
    let user = crate::users::service::find(&state.db, principal.id)
        .await?
        .ok_or_else(|| AppError::not_found("user"))?;
    let requested_at = user.deletion_requested_at.unwrap_or(now);
    let grace = chrono::Duration::from_std(state.config.privacy.deletion_grace)
        .map_err(AppError::internal)?;
    tracing::info!(user_id = principal.id, "account deletion requested");
    Ok(DeletionScheduled {
        requested_at,
        erase_after: requested_at + grace,
    })
}

/// Everything Minibase holds about a user, as JSON. Sections are rows as stored (times as the
/// database gives them), secrets excluded: refresh-token hashes and keys, the WeChat session key.
#[derive(Debug, Serialize, ToSchema)]
pub struct DataExport {
    pub exported_at: DateTime<Utc>,
    pub profile: ExportProfile,
    /// Uploads, with their URLs.
    pub files: Vec<FileView>,
    /// Table rows by section: posts, comments, likes, following, followers, notifications,
    /// flash_sale_orders, payments, approval_requests, approval_tasks, reports, sessions.
    #[schema(value_type = Object)]
    pub sections: BTreeMap<&'static str, Vec<serde_json::Value>>,
    /// Records of collections with an owner field that the user owns, by collection.
    #[schema(value_type = Object)]
    pub collections: BTreeMap<String, Vec<serde_json::Value>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportProfile {
    pub id: i64,
    pub openid: String,
    pub unionid: Option<String>,
    pub nickname: String,
    pub avatar_url: String,
    /// In full: it is the user's own.
    pub phone: Option<String>,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// (section, table, columns or all, owner column, order column).
type Section = (
    &'static str,
    &'static str,
    Option<&'static [&'static str]>,
    &'static str,
    &'static str,
);

const SECTIONS: &[Section] = &[
    ("posts", "posts", None, "author_id", "id"),
    ("comments", "comments", None, "author_id", "id"),
    ("likes", "likes", None, "user_id", "created_at"),
    ("following", "follows", None, "follower_id", "created_at"),
    ("followers", "follows", None, "followee_id", "created_at"),
    ("notifications", "notifications", None, "user_id", "id"),
    (
        "flash_sale_orders",
        "flash_sale_orders",
        None,
        "user_id",
        "id",
    ),
    ("payments", "payments", None, "user_id", "id"),
    (
        "approval_requests",
        "approval_requests",
        None,
        "applicant_id",
        "id",
    ),
    (
        "approval_tasks",
        "approval_tasks",
        None,
        "approver_id",
        "id",
    ),
    ("reports", "reports", None, "reporter_id", "id"),
    (
        "sessions",
        "auth_sessions",
        Some(&[
            "id",
            "created_at",
            "expires_at",
            "refreshed_at",
            "revoked_at",
        ]),
        "user_id",
        "created_at",
    ),
];

pub async fn export(state: &AppState, principal: &Principal) -> AppResult<DataExport> {
    let db = &state.db;
    let user = crate::users::service::find(db, principal.id)
        .await?
        .ok_or_else(|| AppError::not_found("user"))?;
    let cipher = &state.config.privacy.cipher;
    let phone = user
        .phone
        .as_deref()
        .map(|p| cipher.decrypt(Field::Phone, p))
        .transpose()
        .map_err(AppError::internal)?;
    let mut sections = BTreeMap::new();
    for (name, table, columns, owner, order) in SECTIONS {
        let rows = repo::rows_of(db, table, *columns, owner, order, user.id).await?;
        sections.insert(*name, rows);
    }
    let mut collections = BTreeMap::new();
    for owned in crate::collections::owned_tables(db).await? {
        let rows = repo::rows_of(
            db,
            owned.table.as_str(),
            None,
            owned.owner_column.as_str(),
            "id",
            user.id,
        )
        .await?;
        collections.insert(owned.collection, rows);
    }
    let files = repo::files_of(db, user.id)
        .await?
        .iter()
        .map(|f| FileView::from_model(&state.config, f))
        .collect();
    Ok(DataExport {
        exported_at: Utc::now(),
        profile: ExportProfile {
            id: user.id,
            openid: user.openid,
            unionid: user.unionid,
            nickname: user.nickname,
            avatar_url: user.avatar_url,
            phone,
            role: Role::parse(&user.role).unwrap_or(Role::User),
            created_at: user.created_at,
            updated_at: user.updated_at,
        },
        files,
        sections,
        collections,
    })
}

#[derive(Debug, Serialize, Deserialize)]
struct EraseJob {
    user_id: i64,
}

fn erase_job(
    state: AppState,
    payload: serde_json::Value,
) -> BoxFuture<'static, anyhow::Result<()>> {
    Box::pin(async move {
        let job: EraseJob = serde_json::from_value(payload)?;
        erase_user(&state, job.user_id).await?;
        Ok(())
    })
}

/// Erase a user whose deletion is due: one transaction anonymises the row and removes their
/// activity, owned records and uploads; stored objects are deleted before it commits, so a
/// storage failure rolls everything back and the job runs again. False when there was nothing to
/// do (cancelled by a login, or already done by another node): safe to run any number of times.
pub async fn erase_user(state: &AppState, id: i64) -> anyhow::Result<bool> {
    let now = Utc::now();
    let cutoff = now - chrono::Duration::from_std(state.config.privacy.deletion_grace)?;
    let txn = state.db.begin().await?;
    if !repo::anonymise_user(&txn, id, cutoff, now).await? {
        return Ok(false);
    }
    for comment in repo::live_comments_of(&txn, id).await? {
        crate::community::unpublish_comment(
            &txn,
            comment,
            crate::community::model::ContentStatus::Deleted,
            now,
        )
        .await
        .map_err(|err| anyhow::anyhow!("{err}"))?;
    }
    repo::erase_activity(&txn, id, now).await?;
    for owned in crate::collections::owned_tables(&txn)
        .await
        .map_err(|err| anyhow::anyhow!("{err}"))?
    {
        repo::delete_owned_records(&txn, owned.table.as_str(), owned.owner_column.as_str(), id)
            .await?;
    }
    let files = repo::files_of(&txn, id).await?;
    let ids: Vec<i64> = files.iter().map(|f| f.id).collect();
    repo::delete_files(&txn, &ids).await?;
    for file in &files {
        state.files.delete(&file.storage_key).await?;
    }
    txn.commit().await?;
    crate::auth::guard::forget_subject(state, SubjectKind::User, id).await;
    crate::realtime::disconnect(state, SubjectKind::User, id, None).await;
    crate::users::service::forget_profile(state, id).await;
    crate::community::latest_changed(state, crate::community::FeedChange::Content).await;
    tracing::info!(user_id = id, files = files.len(), "account erased");
    Ok(true)
}

/// What one pass of the sweep did.
#[derive(Debug, Default, Serialize)]
pub struct SweepReport {
    pub reencrypted: u64,
    pub erasures_enqueued: u64,
    pub sessions_purged: u64,
    pub jobs_purged: u64,
    pub files_purged: u64,
}

/// Re-encrypt, under the current key, every session key and phone number that is plain text or
/// under an older key (every one with `all`, after a change of the hash key). Each row is a
/// compare-and-set: a login or another node changing it meanwhile wins. The number rewritten.
pub async fn reencrypt(
    db: &impl ConnectionTrait,
    cipher: &DataCipher,
    all: bool,
) -> anyhow::Result<u64> {
    let mut after = 0;
    let mut rewritten = 0;
    loop {
        let rows = repo::stale_secrets(db, cipher.current_key_id(), all, after, 200).await?;
        let Some(last) = rows.last() else {
            return Ok(rewritten);
        };
        after = last.id;
        for row in rows {
            if let Some(stored) = row.session_key.as_deref() {
                if all || cipher.is_stale(stored) {
                    let plain = cipher.decrypt(Field::SessionKey, stored)?;
                    let fresh = cipher.encrypt(Field::SessionKey, &plain);
                    rewritten +=
                        u64::from(repo::replace_session_key(db, row.id, stored, &fresh).await?);
                }
            }
            if let Some(stored) = row.phone.as_deref() {
                if all || cipher.is_stale(stored) || row.phone_hash.is_none() {
                    let plain = cipher.decrypt(Field::Phone, stored)?;
                    let fresh = cipher.encrypt(Field::Phone, &plain);
                    let hash = cipher.phone_hash(&plain);
                    rewritten +=
                        u64::from(repo::replace_phone(db, row.id, stored, &fresh, &hash).await?);
                }
            }
        }
    }
}

/// One pass: re-encrypt stale secrets, enqueue the erasure of accounts whose grace period is
/// over, purge old sessions, finished jobs and orphaned uploads. Every step is safe on several
/// nodes at once (compare-and-set updates, deduplicated jobs, deletes by age).
pub async fn sweep(state: &AppState) -> anyhow::Result<SweepReport> {
    let privacy = &state.config.privacy;
    let db = &state.db;
    let now = Utc::now();
    let mut report = SweepReport {
        reencrypted: reencrypt(db, &privacy.cipher, false).await?,
        ..SweepReport::default()
    };
    let cutoff = now - chrono::Duration::from_std(privacy.deletion_grace)?;
    for (user_id, requested_at) in repo::due_deletions(db, cutoff, 500).await? {
        let dedupe = format!("erase-user:{user_id}:{}", requested_at.timestamp_micros());
        jobs::enqueue(
            db,
            JobSpec {
                dedupe_key: Some(&dedupe),
                ..JobSpec::now(ERASE_JOB)
            },
            &EraseJob { user_id },
        )
        .await
        .map_err(|err| anyhow::anyhow!("{err}"))?;
        report.erasures_enqueued += 1;
    }
    if report.erasures_enqueued > 0 {
        state.jobs.wake();
    }
    report.sessions_purged = repo::purge_sessions(
        db,
        now - chrono::Duration::from_std(privacy.purge_sessions_after)?,
    )
    .await?;
    report.jobs_purged = jobs::repo::purge_done(
        db,
        now - chrono::Duration::from_std(privacy.purge_jobs_after)?,
    )
    .await?;
    if let Some(age) = privacy.purge_orphan_files_after {
        let before = now - chrono::Duration::from_std(age)?;
        let mut after = 0;
        loop {
            let (orphans, last) = repo::orphaned_files(db, before, after, 200).await?;
            for file in orphans {
                // Row first: a file whose object is gone but whose row stays would be served as
                // missing; an object without a row is only wasted space.
                if repo::delete_files(db, &[file.id]).await? == 1 {
                    state.files.delete(&file.storage_key).await?;
                    report.files_purged += 1;
                }
            }
            match last {
                Some(last) => after = last,
                None => break,
            }
        }
    }
    Ok(report)
}

/// Run [`sweep`] at start and then every `privacy.sweep_interval`, until `stop` turns true.
pub async fn run_sweeper(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        match sweep(&state).await {
            Ok(report) => {
                if report.reencrypted
                    + report.erasures_enqueued
                    + report.sessions_purged
                    + report.jobs_purged
                    + report.files_purged
                    > 0
                {
                    tracing::info!(?report, "privacy sweep");
                }
            }
            Err(err) => {
                tracing::warn!(error = %format!("{err:#}"), "privacy sweep failed; will try again")
            }
        }
        tokio::select! {
            () = tokio::time::sleep(state.config.privacy.sweep_interval) => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            break;
        }
    }
}
