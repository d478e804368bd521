//! Content safety: text passes WeChat's msg_sec_check (v2) before anyone but its author sees it;
//! images go through mediaCheckAsync and the post waits until WeChat's callback says each one
//! passed.
//!
//! New posts (with `content_check = "async"`) are stored as `checking` and checked by one
//! background job per node at a time, in batches: the request makes no outbound call. When
//! WeChat cannot be reached that job tries again later with backoff (one retry path for every
//! waiting post) and says so in one log line per interval. Comments and edits are checked while
//! the request waits; when WeChat cannot be reached there, `moderation_fallback` decides.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use chrono::Utc;
use futures::future::BoxFuture;
use futures::{stream, StreamExt};
use minibase_wechat::{MediaType, Suggest};
use sea_orm::TransactionTrait;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use sha2::{Digest, Sha256};

use super::comments::unpublish_comment;
use super::feed::{latest_changed, FeedChange};
use super::model::{post, ContentStatus, ImageRef, MediaCheckStatus, TargetType};
use super::moderation::{self, WECHAT_ACTOR};
use super::posts::{on_published, topics_of};
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
/// Checks the text of every post in `checking`, oldest first.
pub const TEXT_CHECK_JOB: &str = "community.text_checks";

/// New posts wait this long for the check that takes them (more posts join the same batch).
const CHECK_DELAY: Duration = Duration::from_millis(50);
/// Posts per batch, and WeChat calls in flight at once.
const CHECK_BATCH: u64 = 64;
const CHECK_CONCURRENCY: usize = 16;
/// One check job runs this long at most, then hands over to the next (jobs have a 60 s lease).
const CHECK_RUN_LIMIT: Duration = Duration::from_secs(30);
/// WeChat unreachable: one log line per this interval, with the count of failures in it.
const WARN_INTERVAL: Duration = Duration::from_secs(30);

/// WeChat's scenes: 2 comment, 3 forum post.
pub const SCENE_COMMENT: u8 = 2;
pub const SCENE_POST: u8 = 3;

pub fn jobs() -> Vec<(&'static str, Handler)> {
    vec![
        (MEDIA_CHECK_JOB, media_check_job as Handler),
        (RECHECK_JOB, recheck_job as Handler),
        (TEXT_CHECK_JOB, text_check_job as Handler),
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
    let window = state.config.community.duplicate_window;
    if window.is_zero() {
        return Ok(());
    }
    let digest = hex::encode(Sha256::digest(
        text.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase(),
    ));
    let key = format!("{user_id}:{digest}");
    if state.limiter.seen_before(scope, &key, window).await {
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
        Err(err) if unreachable(&err) => {
            note_unavailable(state, &err);
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
        latest_changed(&state, FeedChange::Content).await;
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
            let from = [
                ContentStatus::Pending,
                ContentStatus::Checking,
                ContentStatus::Published,
            ];
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
    latest_changed(state, FeedChange::Content).await;
    Ok(())
}

/// WeChat did not answer (network, timeout, busy), as opposed to refusing the request.
fn unreachable(err: &minibase_wechat::WechatError) -> bool {
    err.is_retryable() || err.errcode().is_none()
}

/// Count a content check WeChat did not answer; log it at most once per [`WARN_INTERVAL`], with
/// the number of such failures since the last line, so an outage at full rate writes a handful
/// of lines, not one per request.
fn note_unavailable(state: &AppState, err: &dyn std::fmt::Display) {
    metrics::counter!("content_check_unavailable_total").increment(1);
    let Ok(checks) = state.feature::<TextChecks>() else {
        return;
    };
    if let Some(failures) = checks.unavailable_log.hit(WARN_INTERVAL) {
        tracing::warn!(
            error = %err,
            failures,
            "content check: WeChat unreachable ({failures} failed checks since the last line)"
        );
    }
}

/// Milliseconds since the epoch.
fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

/// At most one log line per interval; the lines carry how many events they stand for.
#[derive(Default)]
pub struct LogThrottle {
    next_line_ms: AtomicU64,
    unlogged: AtomicU64,
    lines: AtomicU64,
}

impl LogThrottle {
    /// Count one event; `Some(n)` when a line is due now, `n` the events it stands for.
    pub fn hit(&self, interval: Duration) -> Option<u64> {
        self.unlogged.fetch_add(1, Ordering::Relaxed);
        let now = now_ms();
        let due = self.next_line_ms.load(Ordering::Acquire);
        if now < due {
            return None;
        }
        let next = now + interval.as_millis() as u64;
        self.next_line_ms
            .compare_exchange(due, next, Ordering::AcqRel, Ordering::Acquire)
            .ok()?;
        self.lines.fetch_add(1, Ordering::Relaxed);
        Some(self.unlogged.swap(0, Ordering::Relaxed).max(1))
    }

    /// Lines written so far.
    pub fn lines(&self) -> u64 {
        self.lines.load(Ordering::Relaxed)
    }
}

/// This node's share of the background text checks (registered at start-up).
#[derive(Default)]
pub struct TextChecks {
    /// When the check job queued last will start (ms since the epoch): a post stored before then
    /// is in its batch, so it needs no job of its own.
    scheduled_until_ms: AtomicU64,
    /// WeChat failures in a row, for the backoff.
    failures: AtomicU32,
    /// Check jobs on one node run one after the other (no post is sent to WeChat twice).
    running: tokio::sync::Mutex<()>,
    /// WeChat unreachable, from every content check of this node.
    pub unavailable_log: LogThrottle,
}

/// See that the posts in `checking` are checked soon: queues a check job unless one that has not
/// started yet is queued already (then this post joins its batch). At full rate that is one job
/// per [`CHECK_DELAY`] per node, and none while WeChat is being waited for.
pub async fn schedule_text_checks(state: &AppState) {
    let Ok(checks) = state.feature::<TextChecks>() else {
        return;
    };
    let now = now_ms();
    let until = checks.scheduled_until_ms.load(Ordering::Acquire);
    if until > now {
        return;
    }
    let run_at = now + CHECK_DELAY.as_millis() as u64;
    if checks
        .scheduled_until_ms
        .compare_exchange(until, run_at, Ordering::AcqRel, Ordering::Acquire)
        .is_err()
    {
        // Another request queued it a moment ago.
        return;
    }
    let state = state.clone();
    // Off the request path: the post is committed; the job row follows it.
    tokio::spawn(async move {
        if queue_text_check(&state, CHECK_DELAY).await {
            tokio::time::sleep(CHECK_DELAY).await;
            state.jobs.wake();
        }
    });
}

/// Queue one check job `delay` from now (the worker polls; [`schedule_text_checks`] also wakes it
/// when the job is due).
async fn queue_text_check(state: &AppState, delay: Duration) -> bool {
    let run_at = Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default();
    let queued = jobs::enqueue(
        &state.db,
        JobSpec {
            run_at,
            // A check job that fails for another reason (the database) is retried by the
            // queue; posts wait in `checking` meanwhile, so it may take its time.
            max_attempts: 64,
            ..JobSpec::now(TEXT_CHECK_JOB)
        },
        &serde_json::json!({}),
    )
    .await;
    if let Err(err) = queued {
        if let Ok(checks) = state.feature::<TextChecks>() {
            // The next post tries again.
            checks.scheduled_until_ms.store(0, Ordering::Release);
        }
        tracing::warn!(error = %err, "content check: could not queue the check job");
        return false;
    }
    true
}

/// 1 s, 2 s, 4 s, ... up to 10 minutes after `failures` failures in a row.
fn backoff(failures: u32) -> Duration {
    Duration::from_secs(2_u64.saturating_pow(failures.saturating_sub(1)).min(600))
}

/// Check the posts in `checking`, oldest first, in batches, until none is left.
fn text_check_job(state: AppState, _payload: Value) -> BoxFuture<'static, anyhow::Result<()>> {
    Box::pin(async move {
        let checks = state
            .feature::<TextChecks>()
            .map_err(|err| anyhow::anyhow!("{err}"))?;
        let _one_at_a_time = checks.running.lock().await;
        if checks.scheduled_until_ms.load(Ordering::Acquire) > now_ms() {
            // A check job queued for later takes every post waiting now (after a WeChat
            // failure, that is the one retry): this one would only ask WeChat twice.
            return Ok(());
        }
        let started = std::time::Instant::now();
        loop {
            let batch =
                repo::oldest_in_status(&state.db, ContentStatus::Checking, CHECK_BATCH).await?;
            if batch.is_empty() {
                checks.failures.store(0, Ordering::Relaxed);
                return Ok(());
            }
            let full = batch.len() as u64 == CHECK_BATCH;
            match check_batch(&state, batch).await? {
                Some(err) => {
                    // WeChat is away: one retry for every waiting post, later and later.
                    note_unavailable(&state, &err);
                    let failures = checks.failures.fetch_add(1, Ordering::Relaxed) + 1;
                    let delay = backoff(failures);
                    checks
                        .scheduled_until_ms
                        .fetch_max(now_ms() + delay.as_millis() as u64, Ordering::AcqRel);
                    queue_text_check(&state, delay).await;
                    return Ok(());
                }
                None => checks.failures.store(0, Ordering::Relaxed),
            }
            if !full {
                return Ok(());
            }
            if started.elapsed() > CHECK_RUN_LIMIT {
                queue_text_check(&state, Duration::ZERO).await;
                return Ok(());
            }
        }
    })
}

/// Ask WeChat about each post of `batch` and apply the answers; the error when WeChat could not
/// be reached for some of them (those stay in `checking`).
async fn check_batch(
    state: &AppState,
    batch: Vec<post::Model>,
) -> anyhow::Result<Option<minibase_wechat::WechatError>> {
    let mut author_ids: Vec<i64> = batch.iter().map(|p| p.author_id).collect();
    author_ids.sort_unstable();
    author_ids.dedup();
    let openids: HashMap<i64, String> = users_service::find_many(&state.db, &author_ids)
        .await?
        .into_iter()
        .map(|u| (u.id, u.openid))
        .collect();
    let client = state.wechat.client();
    let answers: Vec<_> = stream::iter(batch)
        .map(|post| {
            let openid = openids.get(&post.author_id).cloned();
            async move {
                let answer = match openid {
                    Some(openid) => Some(
                        client
                            .msg_sec_check(&post.content, &openid, SCENE_POST)
                            .await,
                    ),
                    // The author is gone: a moderator decides.
                    None => None,
                };
                (post, answer)
            }
        })
        .buffer_unordered(CHECK_CONCURRENCY)
        .collect()
        .await;
    let mut verdicts = Vec::with_capacity(answers.len());
    let mut unavailable = None;
    for (post, answer) in answers {
        match answer {
            Some(Ok(check)) => verdicts.push((post.id, post.content, check.suggest)),
            Some(Err(err)) if unreachable(&err) => unavailable = Some(err),
            Some(Err(err)) => {
                // WeChat refused this request itself (for example an openid it does not know):
                // no answer will come, so a moderator decides.
                tracing::warn!(post = post.id, error = %err, "content check refused; the post waits for a moderator");
                verdicts.push((post.id, post.content, Suggest::Review));
            }
            None => verdicts.push((post.id, post.content, Suggest::Review)),
        }
    }
    apply_text_verdicts(state, verdicts).await?;
    Ok(unavailable)
}

/// Apply WeChat's answers for posts in `checking`, in one transaction of a few statements:
/// `pass` publishes (or leaves the post waiting for its images), `review` queues it for a
/// moderator, `risky` blocks it. A post edited since it was sent is left for the next round.
async fn apply_text_verdicts(
    state: &AppState,
    verdicts: Vec<(i64, String, Suggest)>,
) -> anyhow::Result<()> {
    if verdicts.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = verdicts.iter().map(|(id, _, _)| *id).collect();
    let now = Utc::now();
    let txn = state.db.begin().await?;
    let rows = repo::lock_in_status(&txn, &ids, ContentStatus::Checking).await?;
    let (mut publish, mut wait_images, mut review, mut block) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut topics = Vec::new();
    for row in rows {
        let Some((_, _, suggest)) = verdicts
            .iter()
            .find(|(id, content, _)| *id == row.id && *content == row.content)
        else {
            continue;
        };
        match suggest {
            Suggest::Pass if row.pending_checks > 0 => wait_images.push(row.id),
            Suggest::Pass => {
                topics.extend(topics_of(&row).into_iter().map(|t| (row.id, t)));
                publish.push(row.id);
            }
            Suggest::Review => review.push(row.id),
            Suggest::Risky => block.push(row.id),
        }
    }
    let checking = ContentStatus::Checking;
    repo::move_posts(&txn, &publish, checking, ContentStatus::Published, 0, now).await?;
    repo::add_topics(&txn, &topics).await?;
    repo::move_posts(&txn, &wait_images, checking, ContentStatus::Pending, 0, now).await?;
    repo::move_posts(&txn, &review, checking, ContentStatus::Pending, 1, now).await?;
    repo::move_posts(&txn, &block, checking, ContentStatus::Blocked, 0, now).await?;
    for id in &review {
        repo::record_action(
            &txn,
            WECHAT_ACTOR,
            "review",
            "post",
            *id,
            "text needs review",
            now,
        )
        .await?;
    }
    for id in &block {
        repo::record_action(&txn, WECHAT_ACTOR, "block", "post", *id, "text risky", now).await?;
    }
    txn.commit().await?;
    // One refresh of the feed cache for the whole batch; posts that are not published change
    // nothing others see.
    if !publish.is_empty() {
        latest_changed(state, FeedChange::Published).await;
    }
    for id in review {
        moderation::announce_queued(state, TargetType::Post, id);
    }
    Ok(())
}
