//! Start-up, the composition root: connect the stores and gather every feature's parts (job
//! handlers, feature state, event listeners) into one [`AppState`]. The one place below `app`
//! that names features; nothing but `app`, `main` and tests imports it.

use std::collections::HashMap;
use std::sync::Arc;

use futures::future::BoxFuture;

use crate::config::Config;
use crate::state::{AppState, Events, Features, Shared};
use crate::store::cache::Cache;
use crate::store::jobs::{Handler, JobFailed, Jobs};
use crate::store::objects::FileStore;
use crate::store::ratelimit::RateLimiter;
use crate::store::{self, redis::Redis, replica::Replica};
use crate::users::ProfileChanged;
use crate::wechat::Wechat;

impl AppState {
    /// Connect to the database (applying migrations) and to Redis when configured.
    pub async fn connect(config: Config) -> anyhow::Result<Self> {
        let (db, queries) = store::db::connect_counted(&config.database).await?;
        store::db::migrate(&db).await?;
        let replica = match &config.replica {
            Some(replica) => Some(Replica::start(&config.database, replica)?),
            None => None,
        };
        let redis = match &config.redis_url {
            Some(url) if config.redis_cluster => Some(Redis::connect_cluster(url).await?),
            Some(url) => Some(Redis::connect(url).await?),
            None => None,
        };
        let wechat = Wechat::start(&config, redis.as_ref()).await?;
        let files = FileStore::new(&config.files)?;
        let cache = Cache::configured(redis.clone(), config.cache_enabled);
        let features = Features::default()
            .with(crate::flash_sale::FlashSaleState::new(redis.clone()))
            .with_shared(crate::payments::PaymentsState::new(&config, &wechat))
            .with(crate::payments::PaySubjects::new([
                crate::flash_sale::PAY_SUBJECT,
            ]))
            .with(crate::community::safety::TextChecks::default())
            .with(crate::realtime::Realtime::new(
                &config.realtime,
                redis.clone(),
            ));
        Ok(AppState::new(Shared {
            config: Arc::new(config),
            db,
            replica,
            limiter: RateLimiter::new(redis.clone()),
            redis,
            wechat,
            cache,
            jobs: Jobs::new(job_handlers()),
            queries,
            files,
            features,
            events: listeners(),
            stopping: std::sync::atomic::AtomicBool::new(false),
            closing: tokio::sync::watch::Sender::new(false),
        }))
    }
}

/// Every feature's background-job handlers, by kind.
fn job_handlers() -> HashMap<&'static str, Handler> {
    let mut handlers: HashMap<&'static str, Handler> = HashMap::new();
    for (kind, handler) in crate::notifications::jobs()
        .into_iter()
        .chain(crate::community::jobs())
        .chain(crate::flash_sale::jobs())
        .chain(crate::payments::jobs())
        .chain(crate::privacy::jobs())
    {
        handlers.insert(kind, handler);
    }
    handlers
}

/// Which feature listens to which other feature's events.
fn listeners() -> Events {
    Events::default()
        .on(refresh_latest_feed)
        .on(announce_failed_job)
}

fn announce_failed_job<'a>(state: &'a AppState, failed: &'a JobFailed) -> BoxFuture<'a, ()> {
    crate::realtime::publish(state, crate::realtime::Channel::Admin, "job.failed", failed);
    Box::pin(async {})
}

/// Cached feed pages show authors' names and avatars.
fn refresh_latest_feed<'a>(state: &'a AppState, _: &'a ProfileChanged) -> BoxFuture<'a, ()> {
    Box::pin(crate::community::latest_changed(
        state,
        crate::community::FeedChange::Content,
    ))
}
