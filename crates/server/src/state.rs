//! The state every handler reaches: the node's shared resources, one pointer cloned per request.
//! Features depend on it; it depends on no feature. What every feature uses (database, Redis,
//! cache, object store, WeChat client, jobs) is infrastructure and lives in fields here. What
//! belongs to one feature (the flash-sale gate, the pay client, the realtime hub) is built by
//! that feature at start-up and kept in [`Features`], a map by type, so this file never names a
//! feature and a new feature adds its state without touching it. Features tell each other about
//! changes through [`Events`], so the listener's feature is not named by the sender's.

use std::any::{type_name, Any, TypeId};
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;
use tokio::sync::Notify;

use crate::config::Config;
use crate::error::{AppError, AppResult};
use crate::store::cache::Cache;
use crate::store::db::QueryCounter;
use crate::store::objects::FileStore;
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
    pub jobs: Jobs,
    /// Statements run by `db`.
    pub queries: QueryCounter,
    /// Where uploaded file bytes live (a local folder or S3).
    pub files: FileStore,
    /// Each feature's own per-node state, reached with [`Shared::feature`].
    pub features: Features,
    /// Who listens to which feature's events, reached with [`AppState::emit`].
    pub events: Events,
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
    /// The state feature `T` registered at start-up. A feature missing from the registry is a
    /// start-up mistake: it is answered as an internal error, never a panic.
    pub fn feature<T: Any + Send + Sync>(&self) -> AppResult<&T> {
        self.features.get::<T>().ok_or_else(|| {
            AppError::internal(anyhow::anyhow!(
                "{} was not registered at start-up",
                type_name::<T>()
            ))
        })
    }

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

/// Per-feature state by type: filled once at start-up, read-only afterwards.
#[derive(Default)]
pub struct Features(HashMap<TypeId, Arc<dyn Any + Send + Sync>>);

impl Features {
    /// Register a feature's state (one value per type).
    pub fn with<T: Any + Send + Sync>(self, value: T) -> Self {
        self.with_shared(Arc::new(value))
    }

    /// Register a feature's state that the feature already holds in an `Arc`.
    pub fn with_shared<T: Any + Send + Sync>(mut self, value: Arc<T>) -> Self {
        self.0.insert(TypeId::of::<T>(), value);
        self
    }

    fn get<T: Any + Send + Sync>(&self) -> Option<&T> {
        self.0.get(&TypeId::of::<T>())?.downcast_ref()
    }
}

type Listener = Box<
    dyn for<'a> Fn(&'a AppState, &'a (dyn Any + Send + Sync)) -> BoxFuture<'a, ()> + Send + Sync,
>;

/// In-process listeners by event type. The sending feature owns the event type; a listening
/// feature registers at start-up. Listeners run in order and are awaited by the sender, so
/// what they do (say, dropping a cached page) is done before the sender answers.
#[derive(Default)]
pub struct Events(HashMap<TypeId, Vec<Listener>>);

impl Events {
    /// Call `listener` for every `E` emitted.
    pub fn on<E: Any + Send + Sync>(
        mut self,
        listener: for<'a> fn(&'a AppState, &'a E) -> BoxFuture<'a, ()>,
    ) -> Self {
        let erased: Listener = Box::new(move |state, event| match event.downcast_ref::<E>() {
            Some(event) => listener(state, event),
            None => Box::pin(async {}),
        });
        self.0.entry(TypeId::of::<E>()).or_default().push(erased);
        self
    }
}

impl AppState {
    /// Tell every listener of `E` that `event` happened, and wait for them.
    pub async fn emit<E: Any + Send + Sync>(&self, event: E) {
        if let Some(listeners) = self.events.0.get(&TypeId::of::<E>()) {
            for listener in listeners {
                listener(self, &event).await;
            }
        }
    }
}

/// A background job's handler (see `store::jobs`): gets the app state and the payload (JSON); an
/// error means "retry later".
pub type JobHandler = fn(AppState, serde_json::Value) -> BoxFuture<'static, anyhow::Result<()>>;

/// The node's handle on the job queue: the handlers it knows and a bell to ring after
/// enqueueing. It lives beside the state its handlers receive, so that the queue (`store::jobs`)
/// depends on the state and the state not on the queue.
#[derive(Clone)]
pub struct Jobs {
    handlers: Arc<HashMap<&'static str, JobHandler>>,
    wake: Arc<Notify>,
}

impl Jobs {
    pub fn new(handlers: HashMap<&'static str, JobHandler>) -> Self {
        Self {
            handlers: Arc::new(handlers),
            wake: Arc::new(Notify::new()),
        }
    }

    /// Run due jobs now rather than at the next poll.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Resolves when someone rang [`Jobs::wake`].
    pub async fn rung(&self) {
        self.wake.notified().await;
    }

    /// Every handler, by job kind.
    pub fn handlers(&self) -> Arc<HashMap<&'static str, JobHandler>> {
        self.handlers.clone()
    }
}
