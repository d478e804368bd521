//! The access token: `stable_token` hands it out like WeChat's stable token, and every other
//! endpoint checks it (41001 missing, 40001 unknown, 42001 expired).

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use serde_json::{json, Value};

use super::{bump, locked, parse_body, str_field, MockWechat};

impl MockWechat {
    /// The access token non-forced `stable_token` calls currently hand out.
    pub fn current_token(&self) -> Option<String> {
        locked(&self.state.tokens).current.clone()
    }

    /// Makes the current token expired: calls with it get 42001. Returns
    /// whether there was a token.
    pub fn expire_token(&self) -> bool {
        let mut tokens = locked(&self.state.tokens);
        let Some(current) = tokens.current.clone() else {
            return false;
        };
        tokens.known.insert(current, Instant::now());
        true
    }

    /// Forgets the current token, as if another party force-refreshed it:
    /// calls with it get 40001. Returns whether there was a token.
    pub fn invalidate_token(&self) -> bool {
        let mut tokens = locked(&self.state.tokens);
        match tokens.current.take() {
            Some(current) => {
                tokens.known.remove(&current);
                true
            }
            None => false,
        }
    }

    /// Validates `?access_token=` like WeChat; returns the error answer for a
    /// missing (41001), unknown (40001) or expired (42001) token.
    pub(super) fn token_rejection(&self, params: &HashMap<String, String>) -> Option<Response> {
        let outcome = match params.get("access_token").filter(|t| !t.is_empty()) {
            None => Some((41001, "access_token missing")),
            Some(token) => match locked(&self.state.tokens).known.get(token) {
                None => Some((
                    40001,
                    "invalid credential, access_token is invalid or not latest",
                )),
                Some(expires) if *expires <= Instant::now() => {
                    Some((42001, "access_token expired"))
                }
                Some(_) => None,
            },
        };
        outcome.map(|(code, msg)| {
            bump(&self.state.counters.token_rejections);
            self.err(code, msg)
        })
    }

    /// What every call with an access token goes through first: counted, the token checked,
    /// the JSON body read. The body, or the answer that refuses the call (boxed: it is large,
    /// and answered at once).
    pub(super) fn token_call(
        &self,
        counter: &AtomicU64,
        params: &HashMap<String, String>,
        body: &Bytes,
    ) -> Result<serde_json::Map<String, Value>, Box<Response>> {
        bump(counter);
        if let Some(response) = self.token_rejection(params) {
            return Err(Box::new(response));
        }
        parse_body(body).ok_or_else(|| Box::new(self.err(47001, "data format error")))
    }

    /// Hands out the current token, or a new one when forced, when there is
    /// none, or when the current one is inside its renewal window (it then
    /// stays valid until it expires, like WeChat's stable token).
    fn issue_token(&self, force: bool) -> (String, u64) {
        let ttl = self.state.config.token_ttl_secs;
        let renew_window = Duration::from_secs((ttl / 10).min(300));
        let now = Instant::now();
        let mut tokens = locked(&self.state.tokens);
        if !force {
            if let Some(current) = tokens.current.clone() {
                if let Some(expires) = tokens.known.get(&current) {
                    let remaining = expires.saturating_duration_since(now);
                    if remaining > renew_window {
                        return (current, remaining.as_secs());
                    }
                }
            }
        }
        if force {
            // A forced refresh invalidates every earlier token at once.
            tokens.known.clear();
        } else {
            // Keep recently expired tokens so they answer 42001, not 40001.
            let horizon = Duration::from_secs(ttl.max(3600));
            tokens
                .known
                .retain(|_, expires| now.saturating_duration_since(*expires) < horizon);
        }
        let token = self.next_id("access-token");
        tokens
            .known
            .insert(token.clone(), now + Duration::from_secs(ttl));
        tokens.current = Some(token.clone());
        (token, ttl)
    }
}

pub(super) async fn stable_token(State(mock): State<MockWechat>, body: Bytes) -> Response {
    let counters = &mock.state.counters;
    bump(&counters.stable_token);
    let Some(body) = parse_body(&body) else {
        return mock.err(47001, "data format error");
    };
    let force = body
        .get("force_refresh")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if force {
        bump(&counters.stable_token_forced);
    }
    let config = &mock.state.config;
    if str_field(&body, "grant_type") != Some("client_credential") {
        return mock.err(40002, "invalid grant_type");
    }
    match str_field(&body, "appid") {
        None => return mock.err(41002, "appid missing"),
        Some(appid) if appid != config.appid => return mock.err(40013, "invalid appid"),
        Some(_) => {}
    }
    match str_field(&body, "secret") {
        None => return mock.err(41004, "appsecret missing"),
        Some(secret) if secret != config.secret => return mock.err(40125, "invalid appsecret"),
        Some(_) => {}
    }
    let (token, expires_in) = mock.issue_token(force);
    Json(json!({ "access_token": token, "expires_in": expires_in })).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::MockConfig;

    #[test]
    fn tokens_follow_stable_token_rules() {
        let mock = MockWechat::new(MockConfig::default());
        let (first, ttl) = mock.issue_token(false);
        assert_eq!(ttl, 7200);
        let (again, _) = mock.issue_token(false);
        assert_eq!(first, again);
        let (forced, _) = mock.issue_token(true);
        assert_ne!(first, forced);
        let with = |t: &str| HashMap::from([("access_token".to_string(), t.to_string())]);
        assert!(mock.token_rejection(&with(&forced)).is_none());
        assert!(mock.token_rejection(&with(&first)).is_some());
        assert!(mock.expire_token());
        assert!(mock.token_rejection(&with(&forced)).is_some());
        let (renewed, _) = mock.issue_token(false);
        assert_ne!(renewed, forced);
        assert_eq!(mock.stats().token_rejections, 2);
    }
}
