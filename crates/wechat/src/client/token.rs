//! The access token: the cached one on the hot path, else one fetch for all concurrent callers
//! of this process, shared with other processes through the token store (with a lock, so that
//! they hold one token and never invalidate each other's).

use std::sync::PoisonError;
use std::time::Duration;

use serde::Deserialize;
use serde_json::json;

use super::transport::parse_json;
use super::{CachedToken, WechatClient, WechatError};
use crate::token::{redact, unix_now};

/// What the shared store holds, relative to a token we saw rejected.
enum StoreState {
    Usable(CachedToken),
    HoldsRejected,
    Empty,
    Unavailable,
}

/// How waiting for another process's refresh ended.
enum PeerOutcome {
    /// The peer published a usable token.
    Token(CachedToken),
    /// The peer let go of the lock without publishing; we now hold it.
    Lock(String),
    /// Timed out or the store failed.
    GaveUp,
}

/// How often waiters look for a token another process is fetching.
const STORE_POLL: Duration = Duration::from_millis(50);

impl WechatClient {
    /// The locally cached token if it is usable and not the rejected one.
    pub(super) fn local_usable(&self, rejected: Option<&str>) -> Option<String> {
        let cached = self
            .inner
            .cached
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        cached
            .as_ref()
            .filter(|t| t.is_valid() && Some(t.token.as_str()) != rejected)
            .map(|t| t.token.clone())
    }

    /// Drops the local token if it is still `rejected` (a concurrent task may
    /// already have replaced it with a good one).
    pub(super) fn forget_local(&self, rejected: &str) {
        let mut cached = self
            .inner
            .cached
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if cached.as_ref().is_some_and(|t| t.token == rejected) {
            *cached = None;
        }
    }

    fn adopt(&self, token: CachedToken) -> String {
        let value = token.token.clone();
        *self
            .inner
            .cached
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(token);
        value
    }

    /// Gets a usable token, at most one fetch per process at a time and,
    /// through the store's lock, ideally one across processes.
    ///
    /// `rejected` is a token WeChat just refused. A forced refresh (which
    /// invalidates the token for everyone) happens only when the store still
    /// holds that very token; if a peer already replaced it, the peer's token
    /// is used instead.
    pub(super) async fn obtain_token(&self, rejected: Option<&str>) -> Result<String, WechatError> {
        let queued_at = std::time::Instant::now();
        let _single_flight = self.inner.refresh.lock().await;
        // Another task may have refreshed while we queued.
        if let Some(token) = self.local_usable(rejected) {
            return Ok(token);
        }
        // ...or failed: share its error instead of hammering WeChat once per waiter.
        if let Some(err) = self.failure_since(queued_at) {
            return Err(err);
        }
        let result = self.obtain_token_exclusive(rejected).await;
        if let Err(err) = &result {
            *self
                .inner
                .last_failure
                .lock()
                .unwrap_or_else(PoisonError::into_inner) =
                Some((std::time::Instant::now(), err.clone()));
        }
        result
    }

    fn failure_since(&self, since: std::time::Instant) -> Option<WechatError> {
        let last = self
            .inner
            .last_failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        last.as_ref()
            .filter(|(at, _)| *at >= since)
            .map(|(_, err)| err.clone())
    }

    /// The body of [`WechatClient::obtain_token`], run under the local guard.
    async fn obtain_token_exclusive(&self, rejected: Option<&str>) -> Result<String, WechatError> {
        let appid = self.inner.config.appid.as_str();
        match self.store_state(rejected).await {
            StoreState::Usable(token) => return Ok(self.adopt(token)),
            StoreState::Unavailable => {
                // Without the store we cannot know whether a peer replaced the
                // token, so behave like a lone process.
                return self.fetch(rejected.is_some(), rejected, false).await;
            }
            StoreState::HoldsRejected | StoreState::Empty => {}
        }

        let lock = match self.inner.store.try_lock(appid, self.lock_ttl()).await {
            Ok(Some(lock)) => Some(lock),
            Ok(None) => match self.wait_for_peer(rejected).await {
                PeerOutcome::Token(token) => return Ok(self.adopt(token)),
                PeerOutcome::Lock(lock) => Some(lock),
                PeerOutcome::GaveUp => {
                    tracing::warn!(
                        "no token from the process holding the refresh lock; refreshing here"
                    );
                    None
                }
            },
            Err(err) => {
                tracing::warn!(error = %err, "token store lock failed; refreshing without it");
                None
            }
        };

        // Re-read: a peer may have published between our first read and the lock.
        let result = match self.store_state(rejected).await {
            StoreState::Usable(token) => Ok(self.adopt(token)),
            StoreState::HoldsRejected => self.fetch(true, rejected, true).await,
            StoreState::Empty => self.fetch(false, rejected, true).await,
            StoreState::Unavailable => self.fetch(rejected.is_some(), rejected, false).await,
        };
        if let Some(lock) = lock {
            if let Err(err) = self.inner.store.unlock(appid, lock).await {
                tracing::warn!(error = %err, "could not release token refresh lock; it will expire");
            }
        }
        result
    }

    async fn store_state(&self, rejected: Option<&str>) -> StoreState {
        match self.inner.store.get(&self.inner.config.appid).await {
            Ok(Some(token)) if Some(token.token.as_str()) == rejected => StoreState::HoldsRejected,
            Ok(Some(token)) if token.is_valid() => StoreState::Usable(token),
            Ok(_) => StoreState::Empty,
            Err(err) => {
                tracing::warn!(error = %err, "token store unavailable; using local token handling");
                StoreState::Unavailable
            }
        }
    }

    /// Polls the store while another process holds the refresh lock. Takes
    /// the lock over if the holder releases it without publishing (its fetch
    /// failed), so a failed peer costs us one poll interval, not the lock TTL.
    async fn wait_for_peer(&self, rejected: Option<&str>) -> PeerOutcome {
        let appid = self.inner.config.appid.as_str();
        let deadline = tokio::time::Instant::now() + self.lock_ttl();
        while tokio::time::Instant::now() < deadline {
            tokio::time::sleep(STORE_POLL).await;
            match self.store_state(rejected).await {
                StoreState::Usable(token) => return PeerOutcome::Token(token),
                StoreState::Unavailable => return PeerOutcome::GaveUp,
                StoreState::HoldsRejected | StoreState::Empty => {}
            }
            match self.inner.store.try_lock(appid, self.lock_ttl()).await {
                Ok(Some(lock)) => return PeerOutcome::Lock(lock),
                Ok(None) => {}
                Err(_) => return PeerOutcome::GaveUp,
            }
        }
        PeerOutcome::GaveUp
    }

    /// Long enough for one full fetch including retries, so the lock does not
    /// expire under a slow but healthy refresher.
    fn lock_ttl(&self) -> Duration {
        let c = &self.inner.config;
        c.timeout
            .saturating_mul(c.max_retries.saturating_add(1))
            .saturating_add(Duration::from_secs(2))
            .min(Duration::from_secs(120))
    }

    /// Calls stable_token, optionally publishes the result, and caches it locally.
    async fn fetch(
        &self,
        force: bool,
        rejected: Option<&str>,
        publish: bool,
    ) -> Result<String, WechatError> {
        let mut fresh = self.stable_token(force).await?;
        if !force && rejected == Some(fresh.token.as_str()) {
            // WeChat still hands out the token it just refused; only a forced
            // refresh replaces it.
            fresh = self.stable_token(true).await?;
        }
        if publish {
            if let Err(err) = self
                .inner
                .store
                .put(&self.inner.config.appid, fresh.clone())
                .await
            {
                tracing::warn!(error = %err, "could not publish access token to the store");
            }
        }
        Ok(self.adopt(fresh))
    }

    pub(super) async fn stable_token(&self, force: bool) -> Result<CachedToken, WechatError> {
        #[derive(Deserialize)]
        struct Response {
            access_token: String,
            expires_in: u64,
        }
        let c = &self.inner.config;
        let url = self.url("/cgi-bin/stable_token");
        let body = json!({
            "grant_type": "client_credential",
            "appid": c.appid,
            "secret": c.secret,
            "force_refresh": force,
        });
        let response: Response = self
            .execute(
                ("POST", "/cgi-bin/stable_token"),
                || self.inner.http.post(&url).json(&body),
                |raw| parse_json(&raw),
            )
            .await?;
        tracing::debug!(
            force,
            expires_in = response.expires_in,
            token = %redact(&response.access_token),
            "fetched access token"
        );
        Ok(CachedToken {
            expires_at: unix_now() + usable_lifetime(response.expires_in),
            token: response.access_token,
        })
    }
}

/// Seconds a token with `expires_in` may be used: stop 5 minutes early, or
/// 10% early for short-lived tokens, so in-flight calls never carry an expired one.
fn usable_lifetime(expires_in: u64) -> u64 {
    expires_in - (expires_in / 10).min(300)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetime_margin() {
        assert_eq!(usable_lifetime(7200), 6900);
        assert_eq!(usable_lifetime(600), 540);
        assert_eq!(usable_lifetime(5), 5);
        assert_eq!(usable_lifetime(0), 0);
    }
}
