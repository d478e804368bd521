use std::future::Future;
use std::time::Duration;

use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::error::{AppError, ErrorCode};
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

/// Ready when the database answers, and Redis too when one is configured, each within
/// [`CHECK_TIMEOUT`].
pub async fn readiness(state: &AppState) -> Result<Readiness, AppError> {
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
    match tokio::time::timeout(CHECK_TIMEOUT, tokio::spawn(check)).await {
        Ok(Ok(result)) => result,
        Ok(Err(err)) => Err(anyhow::anyhow!("the check failed: {err}")),
        Err(_) => Err(anyhow::anyhow!(
            "no answer within {} ms",
            CHECK_TIMEOUT.as_millis()
        )),
    }
}

/// The Prometheus exposition, with pool gauges read at scrape time.
pub fn render_metrics(state: &AppState) -> String {
    let (size, idle) = db::pool_stats(&state.db);
    metrics::gauge!("db_pool_connections").set(f64::from(size));
    metrics::gauge!("db_pool_idle_connections").set(f64::from(idle));
    metrics::gauge!("db_pool_max_connections")
        .set(f64::from(state.config.database.max_connections));
    crate::observability::metrics_handle().render()
}
