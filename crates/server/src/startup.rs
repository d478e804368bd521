//! Start-up: connect the stores and gather every feature's parts (job handlers, feature state)
//! into one [`AppState`].

use std::collections::HashMap;
use std::sync::Arc;

use crate::auth::guard::SessionGuard;
use crate::config::Config;
use crate::files::store::FileStore;
use crate::state::{AppState, Shared};
use crate::store::cache::Cache;
use crate::store::jobs::{Handler, Jobs};
use crate::store::ratelimit::RateLimiter;
use crate::store::{self, redis::Redis, replica::Replica};
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
        let payments = crate::payments::PaymentsState::new(&config, &wechat);
        let cache = Cache::new(redis.clone());
        let realtime = crate::realtime::Realtime::new(&config.realtime, redis.clone());
        Ok(AppState::new(Shared {
            config: Arc::new(config),
            db,
            replica,
            limiter: RateLimiter::new(redis.clone()),
            flash_sale: crate::flash_sale::FlashSaleState::new(redis.clone()),
            realtime,
            redis,
            wechat,
            sessions: SessionGuard::new(cache.clone()),
            cache,
            jobs: Jobs::new(job_handlers()),
            queries,
            files,
            payments,
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
