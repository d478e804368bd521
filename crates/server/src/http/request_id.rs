//! Request ids: taken from the caller's `X-Request-Id` when it is sane, generated otherwise, and
//! visible to any code running for the request (error bodies, logs) through a task-local.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use axum::http::HeaderValue;

pub const HEADER: &str = "x-request-id";

tokio::task_local! {
    static CURRENT: Arc<str>;
}

/// The id of the request being served by this task, if any.
pub fn current() -> Option<Arc<str>> {
    CURRENT.try_with(Arc::clone).ok()
}

/// Run `fut` with `id` as the current request id.
pub async fn scope<F: std::future::Future>(id: Arc<str>, fut: F) -> F::Output {
    CURRENT.scope(id, fut).await
}

/// Accept the caller's id when it is short printable ASCII (it ends up in logs and headers).
pub fn from_header(value: Option<&HeaderValue>) -> Option<Arc<str>> {
    let value = value?.to_str().ok()?;
    let ok = !value.is_empty()
        && value.len() <= 128
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=".contains(&b));
    ok.then(|| Arc::from(value))
}

/// A new id: a random per-process prefix and a counter. Unique across nodes with overwhelming
/// probability, and far cheaper than a UUID per request on the hot path.
pub fn generate() -> Arc<str> {
    static PREFIX: OnceLock<String> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let prefix = PREFIX.get_or_init(|| {
        let id = uuid::Uuid::new_v4().simple().to_string();
        id[..12].to_string()
    });
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    Arc::from(format!("{prefix}-{n:08x}"))
}
