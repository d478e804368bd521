//! Content safety: text passes WeChat's msg_sec_check (v2) before anyone sees it; images go
//! through mediaCheckAsync and the post waits until WeChat's callback says each one passed;
//! when WeChat cannot be reached, `moderation_fallback` decides (hold for a moderator, or
//! publish and check again later).

use chrono::Utc;
use futures::future::BoxFuture;
use minibase_wechat::{MediaType, Suggest};
use sea_orm::TransactionTrait;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use sha2::{Digest, Sha256};

use super::comments::unpublish_comment;
use super::feed::latest_changed;
use super::model::{ContentStatus, ImageRef, MediaCheckStatus, TargetType};
use super::moderation::WECHAT_ACTOR;
use super::posts::on_published;
use super::repo;
use crate::auth::guard::Principal;
use crate::config::ModerationFallback;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::AppState;
use crate::store::jobs::{self, Handler, JobSpec};
use crate::users::model as users;
use crate::users::service as users_service;

pub const MEDIA_CHECK_JOB: &str = "community.media_check";
pub const RECHECK_JOB: &str = "community.recheck_text";

/// WeChat's scenes: 2 comment, 3 forum post.
pub const SCENE_COMMENT: u8 = 2;
pub const SCENE_POST: u8 = 3;

pub fn jobs() -> Vec<(&'static str, Handler)> {
    vec![
        (MEDIA_CHECK_JOB, media_check_job as Handler),
        (RECHECK_JOB, recheck_job as Handler),
    ]
}

/// What the text check decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextVerdict {
    Pass,
    /// WeChat says a human should look.
    Review,
    /// WeChat could not be reached; `moderation_fallback` applies.
    Unchecked,
}

/// The author of new content: WeChat's check wants their openid.
pub(super) async fn author_of(state: &AppState, user: &Principal) -> AppResult<users::Model> {
    users_service::find(&state.db, user.id)
        .await?
        .ok_or_else(|| AppError::not_found("user"))
}

/// Refuse the same text from the same user within the duplicate window.
pub(super) async fn refuse_duplicate(
    state: &AppState,
    scope: &str,
    user_id: i64,
    text: &str,
) -> AppResult<()> {
    let digest = hex::encode(Sha256::digest(
        text.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase(),
    ));
    let key = format!("{user_id}:{digest}");
    if state
        .limiter
        .seen_before(scope, &key, state.config.community.duplicate_window)
        .await
    {
        return Err(AppError::new(
            ErrorCode::DuplicateContent,
            "you posted the same text a moment ago",
        ));
    }
    Ok(())
}

/// Check text; risky text is refused outright (nothing is written).
pub async fn check_text(
    state: &AppState,
    openid: &str,
    content: &str,
    scene: u8,
) -> AppResult<TextVerdict> {
    match state
        .wechat
        .client()
        .msg_sec_check(content, openid, scene)
        .await
    {
        Ok(check) => match check.suggest {
            Suggest::Pass => Ok(TextVerdict::Pass),
            Suggest::Review => Ok(TextVerdict::Review),
            Suggest::Risky => Err(AppError::new(
                ErrorCode::ContentRejected,
                "the content did not pass the content security check",
            )),
        },
        Err(err) if err.is_retryable() || err.errcode().is_none() => {
            tracing::warn!(error = %err, "content check unavailable; applying moderation_fallback");
            Ok(TextVerdict::Unchecked)
        }
        Err(err) => Err(crate::wechat::map_error(err)),
    }
}

/// Where new content goes after its text check: (status, checks a human must clear, recheck later).
pub fn placement(state: &AppState, verdict: TextVerdict) -> (ContentStatus, i32, bool) {
    match (verdict, state.config.community.moderation_fallback) {
        (TextVerdict::Pass, _) => (ContentStatus::Published, 0, false),
        (TextVerdict::Review, _) | (TextVerdict::Unchecked, ModerationFallback::Hold) => {
            (ContentStatus::Pending, 1, false)
        }
        (TextVerdict::Unchecked, ModerationFallback::Publish) => {
            (ContentStatus::Published, 0, true)
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub struct MediaCheckJob {
    pub post_id: i64,
}

/// Submit every image of a post to mediaCheckAsync (once each; a retried job skips the done ones).
fn media_check_job(state: AppState, payload: Value) -> BoxFuture<'static, anyhow::Result<()>> {
    Box::pin(async move {
        let job: MediaCheckJob = serde_json::from_value(payload)?;
        let Some(post) = repo::find_post(&state.db, job.post_id).await? else {
            return Ok(());
        };
        let Some(author) = crate::users::service::find(&state.db, post.author_id).await? else {
            return Ok(());
        };
        let images: Vec<ImageRef> = serde_json::from_str(&post.images)?;
        let submitted = repo::media_checks_of(&state.db, post.id).await?;
        for image in images {
            if submitted.iter().any(|c| c.file_id == image.id) {
                continue;
            }
            let url = crate::files::service::url(&state.config, &image.key);
            let trace_id = state
                .wechat
                .client()
                .media_check_async(&url, MediaType::Image, &author.openid, SCENE_POST)
                .await
                .map_err(|err| anyhow::anyhow!("mediaCheckAsync: {err}"))?;
            repo::insert_media_check(&state.db, &trace_id, post.id, image.id, Utc::now()).await?;
        }
        Ok(())
    })
}

#[derive(Debug, Serialize, Deserialize)]
pub struct RecheckJob {
    pub target_type: TargetType,
    pub id: i64,
}

/// Check content published while WeChat was unreachable; block it if it turns out risky.
fn recheck_job(state: AppState, payload: Value) -> BoxFuture<'static, anyhow::Result<()>> {
    Box::pin(async move {
        let job: RecheckJob = serde_json::from_value(payload)?;
        let (author_id, content, scene) = match job.target_type {
            TargetType::Post => match repo::find_post(&state.db, job.id).await? {
                Some(p) => (p.author_id, p.content, SCENE_POST),
                None => return Ok(()),
            },
            TargetType::Comment => match repo::find_comment(&state.db, job.id).await? {
                Some(c) => (c.author_id, c.content, SCENE_COMMENT),
                None => return Ok(()),
            },
        };
        let Some(author) = crate::users::service::find(&state.db, author_id).await? else {
            return Ok(());
        };
        let check = state
            .wechat
            .client()
            .msg_sec_check(&content, &author.openid, scene)
            .await
            .map_err(|err| anyhow::anyhow!("msg_sec_check: {err}"))?;
        if check.suggest == Suggest::Pass {
            return Ok(());
        }
        // Risky or review: take it down until a moderator decides.
        let now = Utc::now();
        let txn = state.db.begin().await?;
        let changed = match job.target_type {
            TargetType::Post => {
                let from = [ContentStatus::Published];
                let changed =
                    repo::set_post_status(&txn, job.id, &from, ContentStatus::Pending, now).await?;
                if changed {
                    repo::set_topics(&txn, job.id, &[]).await?;
                }
                changed
            }
            TargetType::Comment => {
                unpublish_comment(&txn, job.id, ContentStatus::Pending, now).await?
            }
        };
        if changed {
            repo::record_action(
                &txn,
                WECHAT_ACTOR,
                "hold",
                job.target_type.as_str(),
                job.id,
                &format!("recheck: {:?}", check.suggest),
                now,
            )
            .await?;
        }
        txn.commit().await?;
        latest_changed(&state).await;
        Ok(())
    })
}

/// Queue the image checks of a new post, inside its transaction.
pub async fn enqueue_media_checks(
    txn: &impl sea_orm::ConnectionTrait,
    post_id: i64,
) -> AppResult<()> {
    jobs::enqueue(
        txn,
        JobSpec {
            dedupe_key: Some(&format!("media-check:{post_id}")),
            ..JobSpec::now(MEDIA_CHECK_JOB)
        },
        &MediaCheckJob { post_id },
    )
    .await
}

pub async fn enqueue_recheck(
    txn: &impl sea_orm::ConnectionTrait,
    target_type: TargetType,
    id: i64,
) -> AppResult<()> {
    jobs::enqueue(
        txn,
        JobSpec {
            run_at: Utc::now() + chrono::Duration::seconds(30),
            ..JobSpec::now(RECHECK_JOB)
        },
        &RecheckJob { target_type, id },
    )
    .await
}

/// The body of WeChat's `wxa_media_check` push event (JSON mode).
#[derive(Debug, Deserialize)]
pub struct MediaCheckEvent {
    #[serde(rename = "Event")]
    pub event: Option<String>,
    pub trace_id: Option<String>,
    pub result: Option<CheckResult>,
}

#[derive(Debug, Deserialize)]
pub struct CheckResult {
    pub suggest: Suggest,
    #[serde(default)]
    pub label: i64,
}

/// Apply one image check result: a risky image blocks the post; the last passing check
/// publishes it. Repeated callbacks change nothing.
pub async fn apply_media_result(state: &AppState, event: MediaCheckEvent) -> AppResult<()> {
    if event.event.as_deref() != Some("wxa_media_check") {
        return Ok(());
    }
    let (Some(trace_id), Some(result)) = (event.trace_id, event.result) else {
        return Err(AppError::bad_request(
            "a media check event needs trace_id and result",
        ));
    };
    let Some(check) = repo::find_media_check(&state.db, &trace_id).await? else {
        // Possibly not stored yet (the callback raced the submitting job): a non-2xx answer makes
        // WeChat push it again.
        tracing::warn!(trace_id, "media check callback for an unknown trace id");
        return Err(AppError::not_found("media check"));
    };
    let status = match result.suggest {
        Suggest::Pass => MediaCheckStatus::Pass,
        Suggest::Risky => MediaCheckStatus::Risky,
        Suggest::Review => MediaCheckStatus::Review,
    };
    let now = Utc::now();
    let txn = state.db.begin().await?;
    if !repo::settle_media_check(&txn, &trace_id, status, now).await? {
        return Ok(());
    }
    match result.suggest {
        Suggest::Pass => {
            let (from, to) = ([ContentStatus::Pending], ContentStatus::Published);
            if repo::pass_check(&txn, check.post_id, now).await?
                && repo::set_post_status(&txn, check.post_id, &from, to, now).await?
            {
                on_published(&txn, check.post_id).await?;
                repo::record_action(
                    &txn,
                    WECHAT_ACTOR,
                    "publish",
                    "post",
                    check.post_id,
                    "every image passed",
                    now,
                )
                .await?;
            }
        }
        Suggest::Risky => {
            let from = [ContentStatus::Pending, ContentStatus::Published];
            if repo::set_post_status(&txn, check.post_id, &from, ContentStatus::Blocked, now)
                .await?
            {
                repo::set_topics(&txn, check.post_id, &[]).await?;
                let reason = format!("image {} risky (label {})", check.file_id, result.label);
                repo::record_action(
                    &txn,
                    WECHAT_ACTOR,
                    "block",
                    "post",
                    check.post_id,
                    &reason,
                    now,
                )
                .await?;
            }
        }
        // Left pending: the moderator queue shows it.
        Suggest::Review => {
            repo::record_action(
                &txn,
                WECHAT_ACTOR,
                "review",
                "post",
                check.post_id,
                &format!("image {} needs review", check.file_id),
                now,
            )
            .await?;
        }
    }
    txn.commit().await?;
    latest_changed(state).await;
    Ok(())
}
