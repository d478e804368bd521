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

/// Ready when the database answers, and Redis too when one is configured.
pub async fn readiness(state: &AppState) -> Result<Readiness, AppError> {
    let (database, redis) = tokio::join!(db::ping(&state.db), async {
        match &state.redis {
            Some(conn) => Some(redis::ping(conn).await),
            None => None,
        }
    });
    let mut down = Vec::new();
    if let Err(err) = &database {
        tracing::warn!(error = %err, "readiness: database unreachable");
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

/// The Prometheus exposition, with pool gauges read at scrape time.
pub fn render_metrics(state: &AppState) -> String {
    let (size, idle) = db::pool_stats(&state.db);
    metrics::gauge!("db_pool_connections").set(f64::from(size));
    metrics::gauge!("db_pool_idle_connections").set(f64::from(idle));
    metrics::gauge!("db_pool_max_connections")
        .set(f64::from(state.config.database.max_connections));
    crate::observability::metrics_handle().render()
}
