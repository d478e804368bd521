//! Durable background jobs: anything that must happen later or elsewhere (message sends,
//! moderation callbacks, order expiry) is a row in `jobs`, run by a worker on some node, retried
//! with backoff, and not lost by a restart or a dead node.
//!
//! Delivery is at least once: a node that dies mid-job leaves it to be taken over when its lease
//! runs out, so handlers must be idempotent (check-and-set state transitions, dedupe keys).
//! Enqueue inside the transaction that makes the job necessary, so both happen or neither does.

pub mod model;
pub mod repo;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use serde::Serialize;
use tokio::sync::{watch, Semaphore};
use tracing::Instrument;

use crate::error::AppError;
use crate::state::AppState;
pub use crate::state::{JobHandler as Handler, Jobs};
use model::Status;

/// How long a claimed job belongs to its worker; past this another node may take it over.
const LEASE: Duration = Duration::from_secs(60);
const POLL: Duration = Duration::from_millis(500);
const BATCH: u64 = 32;
pub const DEFAULT_MAX_ATTEMPTS: i32 = 8;

/// Options of one enqueued job.
pub struct JobSpec<'a> {
    pub kind: &'static str,
    pub run_at: DateTime<Utc>,
    pub dedupe_key: Option<&'a str>,
    pub max_attempts: i32,
}

impl JobSpec<'_> {
    pub fn now(kind: &'static str) -> Self {
        Self {
            kind,
            run_at: Utc::now(),
            dedupe_key: None,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        }
    }
}

/// Add a job, inside the caller's transaction when given one. Call [`Jobs::wake`] after the
/// commit to have it run at once on this node.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    spec: JobSpec<'_>,
    payload: &impl Serialize,
) -> Result<(), AppError> {
    let payload = serde_json::to_string(payload).map_err(AppError::internal)?;
    repo::insert(
        db,
        repo::NewJob {
            kind: spec.kind,
            payload,
            dedupe_key: spec.dedupe_key,
            run_at: spec.run_at,
            max_attempts: spec.max_attempts,
        },
        Utc::now(),
    )
    .await?;
    Ok(())
}

/// Run jobs until `stop` turns true; `concurrency` jobs at a time.
pub async fn run_worker(state: AppState, concurrency: usize, mut stop: watch::Receiver<bool>) {
    let jobs = state.jobs.clone();
    let slots = Arc::new(Semaphore::new(concurrency.max(1)));
    loop {
        if *stop.borrow() {
            break;
        }
        let now = Utc::now();
        match repo::due(&state.db, now, BATCH).await {
            Ok(ids) => {
                for id in ids {
                    let Ok(permit) = slots.clone().acquire_owned().await else {
                        return;
                    };
                    match repo::claim(
                        &state.db,
                        id,
                        Utc::now(),
                        Utc::now() + chrono::Duration::from_std(LEASE).unwrap_or_default(),
                    )
                    .await
                    {
                        Ok(Some(job)) => {
                            let state = state.clone();
                            let handlers = jobs.handlers();
                            tokio::spawn(async move {
                                run_one(&state, &handlers, job).await;
                                drop(permit);
                            });
                        }
                        Ok(None) => {}
                        Err(err) => tracing::warn!(error = %err, "jobs: claim failed"),
                    }
                }
            }
            Err(err) => tracing::warn!(error = %err, "jobs: cannot read the queue"),
        }
        tokio::select! {
            () = tokio::time::sleep(POLL) => {}
            () = jobs.rung() => {}
            _ = stop.changed() => {}
        }
    }
    // Let running jobs finish (bounded by the shutdown timeout of the caller).
    let _ = slots.acquire_many(concurrency.max(1) as u32).await;
}

/// Run one claimed job in a span of its own (`job <kind>`), timed by `job_duration_seconds`.
async fn run_one(state: &AppState, handlers: &HashMap<&'static str, Handler>, job: model::Model) {
    let span = tracing::info_span!(
        "job",
        otel.name = %format_args!("job {}", job.kind),
        otel.kind = "consumer",
        otel.status_code = tracing::field::Empty,
        job.id = job.id,
        job.kind = %job.kind,
        job.attempt = job.attempts,
    );
    let kind = job.kind.clone();
    let started = std::time::Instant::now();
    run_in_span(state, handlers, job).instrument(span).await;
    metrics::histogram!("job_duration_seconds", "kind" => kind)
        .record(started.elapsed().as_secs_f64());
}

async fn run_in_span(
    state: &AppState,
    handlers: &HashMap<&'static str, Handler>,
    job: model::Model,
) {
    let outcome = match handlers.get(job.kind.as_str()) {
        None => Err(anyhow::anyhow!("no handler for job kind '{}'", job.kind)),
        Some(handler) => match serde_json::from_str(&job.payload) {
            Ok(payload) => match tokio::time::timeout(LEASE, handler(state.clone(), payload)).await
            {
                Ok(result) => result,
                Err(_) => Err(anyhow::anyhow!("timed out after {LEASE:?}")),
            },
            Err(err) => Err(anyhow::anyhow!("bad payload: {err}")),
        },
    };
    let now = Utc::now();
    if outcome.is_err() {
        tracing::Span::current().record("otel.status_code", "error");
    }
    let (status, run_at, error) = match outcome {
        Ok(()) => (Status::Done, now, None),
        Err(err) if job.attempts >= job.max_attempts => {
            tracing::error!(job = job.id, kind = %job.kind, attempts = job.attempts, error = %format!("{err:#}"), "job failed for good");
            (Status::Failed, now, Some(format!("{err:#}")))
        }
        Err(err) => {
            // 1 s, 2 s, 4 s, ... capped at 10 minutes.
            let delay = 2_i64
                .saturating_pow(job.attempts.saturating_sub(1) as u32)
                .min(600);
            tracing::warn!(job = job.id, kind = %job.kind, attempts = job.attempts, retry_in_secs = delay, error = %format!("{err:#}"), "job failed; will retry");
            (
                Status::Pending,
                now + chrono::Duration::seconds(delay),
                Some(format!("{err:#}")),
            )
        }
    };
    metrics::counter!("jobs_finished_total", "kind" => job.kind.clone(), "status" => status.as_str())
        .increment(1);
    let failed = (status == Status::Failed).then(|| JobFailed {
        id: job.id,
        kind: job.kind.clone(),
        attempts: job.attempts,
        error: error.clone(),
    });
    if let Err(err) = repo::finish(&state.db, &job, status, run_at, error, now).await {
        tracing::warn!(job = job.id, error = %err, "jobs: could not record the outcome; the job will run again");
        return;
    }
    if let Some(failed) = failed {
        state.emit(failed).await;
    }
}

/// A job that used up its attempts, sent as an event once that is recorded (the admin console
/// hears of it live). Jobs sit below the features, so they name no listener.
#[derive(Debug, Serialize)]
pub struct JobFailed {
    pub id: i64,
    pub kind: String,
    pub attempts: i32,
    pub error: Option<String>,
}
