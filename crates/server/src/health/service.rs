use std::future::Future;
use std::time::Duration;

use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{AppError, ErrorCode};
use crate::state::AppState;
use crate::store::{db, redis};

/// What each dependency answered.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// "ok"
    pub database: &'static str,
    /// "ok", or "not configured" on a single node without Redis.
    pub redis: &'static str,
}

/// How long each dependency gets to answer a readiness check. Probes commonly give up after 1 s,
/// and without a bound a database that is down was reported only after the pool's acquire
/// timeout (seconds), so the probe timed out instead of hearing which dependency is down.
pub const CHECK_TIMEOUT: Duration = Duration::from_millis(500);

/// Not ready once shutdown has begun. Otherwise ready when the database answers, and Redis too when one is configured, each within
/// [`CHECK_TIMEOUT`].
pub async fn readiness(state: &AppState) -> Result<Readiness, AppError> {
    // A stopping node says so at once, while it still serves, so load balancers take it out
    // before it stops accepting connections.
    if state.is_stopping() {
        return Err(AppError::new(
            ErrorCode::Unavailable,
            "not ready: shutting down",
        ));
    }
    let db = state.db.clone();
    let database = bounded(async move { db::ping(&db).await.map_err(anyhow::Error::from) });
    let redis = state
        .redis
        .clone()
        .map(|conn| bounded(async move { redis::ping(&conn).await }));
    let (database, redis) = tokio::join!(database, async {
        match redis {
            Some(check) => Some(check.await),
            None => None,
        }
    });
    let mut down = Vec::new();
    if let Err(err) = &database {
        tracing::warn!(error = %format!("{err:#}"), "readiness: database unreachable");
        down.push("database");
    }
    if let Some(Err(err)) = &redis {
        tracing::warn!(error = %format!("{err:#}"), "readiness: redis unreachable");
        down.push("redis");
    }
    if !down.is_empty() {
        return Err(AppError::new(
            ErrorCode::Unavailable,
            format!("not ready: {} unreachable", down.join(", ")),
        ));
    }
    Ok(Readiness {
        database: "ok",
        redis: if redis.is_some() {
            "ok"
        } else {
            "not configured"
        },
    })
}

/// Run `check` within [`CHECK_TIMEOUT`]. It runs as a task of its own, so a late one finishes in
/// the background rather than being dropped halfway through a query.
async fn bounded(
    check: impl Future<Output = anyhow::Result<()>> + Send + 'static,
) -> anyhow::Result<()> {
    bounded_value(check).await
}

/// The Prometheus exposition, with pool and job-queue gauges read at scrape time.
pub async fn render_metrics(state: &AppState) -> String {
    let (size, idle) = db::pool_stats(&state.db);
    metrics::gauge!("db_pool_connections").set(f64::from(size));
    metrics::gauge!("db_pool_idle_connections").set(f64::from(idle));
    metrics::gauge!("db_pool_max_connections")
        .set(f64::from(state.config.database.max_connections));
    record_job_queue(state).await;
    crate::observability::metrics_handle().render()
}

/// `jobs_due`, `jobs_oldest_due_age_seconds` and `jobs_failed`: the queue is shared by every
/// node, so each node reports the same figures (dashboards take the max, not the sum). A
/// database that does not answer in time leaves the last figures.
async fn record_job_queue(state: &AppState) {
    let now = chrono::Utc::now();
    let db = state.db.clone();
    let stats = bounded_value(async move {
        crate::store::jobs::repo::queue_stats(&db, now)
            .await
            .map_err(anyhow::Error::from)
    })
    .await;
    match stats {
        Ok(stats) => {
            let age = stats.oldest_due.map_or(0.0, |due| {
                (now - due).num_milliseconds().max(0) as f64 / 1000.0
            });
            metrics::gauge!("jobs_due").set(stats.due as f64);
            metrics::gauge!("jobs_oldest_due_age_seconds").set(age);
            metrics::gauge!("jobs_failed").set(stats.failed as f64);
        }
        Err(err) => {
            tracing::warn!(error = %format!("{err:#}"), "metrics: cannot read the job queue")
        }
    }
}

/// Like [`bounded`], for a check that answers a value.
async fn bounded_value<T: Send + 'static>(
    check: impl Future<Output = anyhow::Result<T>> + Send + 'static,
) -> anyhow::Result<T> {
    match tokio::time::timeout(CHECK_TIMEOUT, tokio::spawn(check)).await {
        Ok(Ok(result)) => result,
        Ok(Err(err)) => Err(anyhow::anyhow!("the check failed: {err}")),
        Err(_) => Err(anyhow::anyhow!(
            "no answer within {} ms",
            CHECK_TIMEOUT.as_millis()
        )),
    }
}
