//! One-time tickets for clients that cannot send an `Authorization` header with an upgrade
//! (browsers' `WebSocket` and `EventSource`). A ticket stands for the token it was issued
//! against, lives `realtime_ticket_ttl_secs`, and is redeemed once: in Redis when configured (so
//! any node can redeem it), in process otherwise.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use rand::RngCore;

use crate::auth::jwt::Claims;
use crate::error::AppError;
use crate::store::redis::Redis;

pub enum Tickets {
    Local(Mutex<HashMap<String, (Instant, Claims)>>),
    /// With the key prefix (`<realtime_redis_prefix>:ticket:`).
    Redis(Redis, String),
}

impl Tickets {
    pub fn new(redis: Option<Redis>, prefix: &str) -> Self {
        match redis {
            Some(redis) => Self::Redis(redis, format!("{prefix}:ticket:")),
            None => Self::Local(Mutex::default()),
        }
    }

    pub async fn issue(&self, claims: &Claims, ttl: Duration) -> Result<String, AppError> {
        let mut bytes = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut bytes);
        let ticket = hex::encode(bytes);
        match self {
            Self::Local(map) => {
                let now = Instant::now();
                let mut map = map.lock().unwrap_or_else(PoisonError::into_inner);
                map.retain(|_, (expires, _)| *expires > now);
                map.insert(ticket.clone(), (now + ttl, claims.clone()));
            }
            Self::Redis(redis, prefix) => {
                let value = serde_json::to_string(claims).map_err(AppError::internal)?;
                let mut conn = redis.conn();
                redis::cmd("SET")
                    .arg(format!("{prefix}{ticket}"))
                    .arg(value)
                    .arg("PX")
                    .arg(ttl.as_millis().max(1) as u64)
                    .query_async::<()>(&mut conn)
                    .await
                    .map_err(|err| AppError::unavailable("realtime tickets", err))?;
            }
        }
        Ok(ticket)
    }

    /// The claims a ticket stands for; None when unknown, expired or already used.
    pub async fn redeem(&self, ticket: &str) -> Result<Option<Claims>, AppError> {
        match self {
            Self::Local(map) => {
                let mut map = map.lock().unwrap_or_else(PoisonError::into_inner);
                Ok(map
                    .remove(ticket)
                    .filter(|(expires, _)| *expires > Instant::now())
                    .map(|(_, claims)| claims))
            }
            Self::Redis(redis, prefix) => {
                let mut conn = redis.conn();
                let value: Option<String> = redis::cmd("GETDEL")
                    .arg(format!("{prefix}{ticket}"))
                    .query_async(&mut conn)
                    .await
                    .map_err(|err| AppError::unavailable("realtime tickets", err))?;
                Ok(value.and_then(|v| serde_json::from_str(&v).ok()))
            }
        }
    }
}
