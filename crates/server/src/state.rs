//! The state every handler reaches: the node's shared resources, one pointer cloned per request.
//! Features depend on it; it depends on no feature's routes or rules.

use std::future::Future;
use std::sync::Arc;

use crate::auth::guard::SessionGuard;
use crate::config::Config;
use crate::files::store::FileStore;
use crate::store::cache::Cache;
use crate::store::db::QueryCounter;
use crate::store::jobs::Jobs;
use crate::store::ratelimit::RateLimiter;
use crate::store::{redis::Redis, replica::Replica, Db};
use crate::wechat::Wechat;

/// What every handler can reach: one pointer, cloned for every request and extractor.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    /// Wrap the node's resources; made once, at start-up.
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

/// The node's shared resources, reached through [`AppState`].
pub struct Shared {
    pub config: Arc<Config>,
    pub db: Db,
    /// A streaming replica for reads that tolerate lag (`database_replica_url`).
    pub replica: Option<Arc<Replica>>,
    pub redis: Option<Redis>,
    pub limiter: RateLimiter,
    pub wechat: Wechat,
    pub cache: Cache,
    pub sessions: SessionGuard,
    pub jobs: Jobs,
    /// Statements run by `db`.
    pub queries: QueryCounter,
    pub files: FileStore,
    pub flash_sale: crate::flash_sale::FlashSaleState,
    pub realtime: crate::realtime::Realtime,
    pub payments: Arc<crate::payments::PaymentsState>,
    /// True once a stop signal came: `/readyz` answers 503 from then on.
    pub stopping: std::sync::atomic::AtomicBool,
    /// Turns true when the listeners stop accepting (after `shutdown_delay`).
    pub closing: tokio::sync::watch::Sender<bool>,
}

impl Shared {
    /// Whether shutdown has begun (see [`Shared::stopping`]).
    pub fn is_stopping(&self) -> bool {
        self.stopping.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Resolves when the listeners are to stop accepting.
    pub fn closed(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut closing = self.closing.subscribe();
        async move {
            let _ = closing.wait_for(|closing| *closing).await;
        }
    }
}

impl Shared {
    /// The database for reads that tolerate lag (feed pages, public lists): the replica while it
    /// is within `database_replica_max_lag_ms` of the primary, else the primary. Never for a
    /// read that must see a write just made, nor for a cache fill.
    pub fn read_db(&self) -> &Db {
        self.replica
            .as_deref()
            .and_then(Replica::if_fresh)
            .unwrap_or(&self.db)
    }
}
