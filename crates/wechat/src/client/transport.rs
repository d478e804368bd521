//! One call to WeChat: sent with retries and backoff inside a `wechat.call` span, the access
//! token refreshed once when WeChat rejects it, and the answer read as JSON or an image (an
//! `errcode` becomes its typed error).

use std::time::Duration;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tracing::Instrument;

use super::{WechatClient, WechatError};
use crate::observe;
use crate::token::unix_now;

/// A response read to the end, before interpretation.
pub(super) struct Raw {
    status: reqwest::StatusCode,
    content_type: String,
    body: Bytes,
}

impl WechatClient {
    /// POSTs `body` to `path` with the access token; on a token rejection,
    /// refreshes once (see [`WechatClient::obtain_token`]) and retries once.
    pub(super) async fn call_with_token<T>(
        &self,
        path: &'static str,
        body: &Value,
        parse: impl Fn(Raw) -> Result<T, WechatError>,
    ) -> Result<T, WechatError> {
        let url = self.url(path);
        let mut token = self.access_token().await?;
        let mut refreshed = false;
        loop {
            let result = self
                .execute(
                    ("POST", path),
                    || {
                        self.inner
                            .http
                            .post(&url)
                            .query(&[("access_token", token.as_str())])
                            .json(body)
                    },
                    &parse,
                )
                .await;
            match result {
                Err(err) if err.is_access_token_rejection() && !refreshed => {
                    tracing::info!(errcode = ?err.errcode(), path, "access token rejected; refreshing once");
                    self.forget_local(&token);
                    token = self.obtain_token(Some(&token)).await?;
                    refreshed = true;
                }
                other => return other,
            }
        }
    }

    /// Sends the request built by `build`, retrying retryable failures with
    /// exponential backoff up to `max_retries` times.
    /// Each attempt runs in a span of its own (`wechat.call`), and the observer hears how it
    /// ended.
    pub(super) async fn execute<T>(
        &self,
        (method, api): (&'static str, &'static str),
        build: impl Fn() -> reqwest::RequestBuilder,
        parse: impl Fn(Raw) -> Result<T, WechatError>,
    ) -> Result<T, WechatError> {
        let observer = self.inner.config.observer.as_ref();
        let mut attempt = 0u32;
        loop {
            let span = observe::call_span(method, api);
            let started = std::time::Instant::now();
            let request = build().headers(observe::injected(observer, &span));
            let result = match send(request).instrument(span.clone()).await {
                Ok(raw) => parse(raw),
                Err(err) => Err(err),
            };
            let outcome = match &result {
                Ok(_) => "0".into(),
                Err(err) => err.outcome(),
            };
            observe::finish(observer, &span, api, &outcome, started.elapsed());
            match result {
                Err(err) if err.is_retryable() && attempt < self.inner.config.max_retries => {
                    let delay = backoff(attempt);
                    tracing::debug!(error = %err, attempt, ?delay, "retrying WeChat call");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }
}

fn backoff(attempt: u32) -> Duration {
    let base = 100u64 << attempt.min(5);
    let jitter = random_u64() % (base / 5 + 1);
    Duration::from_millis(base + jitter)
}

/// Non-cryptographic randomness for jitter, from std's randomly keyed hasher.
fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(unix_now());
    hasher.finish()
}

pub(super) async fn send(request: reqwest::RequestBuilder) -> Result<Raw, WechatError> {
    let response = request.send().await.map_err(WechatError::from_reqwest)?;
    let status = response.status();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let body = response.bytes().await.map_err(WechatError::from_reqwest)?;
    Ok(Raw {
        status,
        content_type,
        body,
    })
}

/// Interprets a JSON body: a non-zero `errcode` becomes its typed error,
/// anything else is decoded as `T`. Content type is ignored because WeChat
/// labels some JSON answers `text/plain`.
pub(super) fn parse_json<T: DeserializeOwned>(raw: &Raw) -> Result<T, WechatError> {
    let value: Value = match serde_json::from_slice(&raw.body) {
        Ok(value) => value,
        Err(err) if raw.status.is_success() => {
            return Err(WechatError::Decode(format!("body is not JSON: {err}")))
        }
        Err(_) => return Err(WechatError::HttpStatus(raw.status.as_u16())),
    };
    check_errcode(&value)?;
    if !raw.status.is_success() {
        return Err(WechatError::HttpStatus(raw.status.as_u16()));
    }
    serde_json::from_value(value).map_err(|e| WechatError::Decode(e.to_string()))
}

fn check_errcode(value: &Value) -> Result<(), WechatError> {
    let errcode = match value.get("errcode") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => Some(0),
    };
    match errcode {
        Some(0) => Ok(()),
        Some(code) => {
            let errmsg = value
                .get("errmsg")
                .and_then(Value::as_str)
                .unwrap_or_default();
            Err(WechatError::from_code(code, errmsg))
        }
        None => Err(WechatError::Decode("errcode is not an integer".into())),
    }
}

/// Image endpoints answer raw bytes on success and a JSON errcode body on
/// failure; images never start with `{`, so that decides.
pub(super) fn parse_image(raw: Raw) -> Result<Bytes, WechatError> {
    let looks_like_json = raw
        .body
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{');
    if looks_like_json || raw.content_type.contains("json") {
        let value: Value = serde_json::from_slice(&raw.body)
            .map_err(|e| WechatError::Decode(format!("error body is not JSON: {e}")))?;
        check_errcode(&value)?;
        return Err(WechatError::InvalidResponse(
            "expected an image, got JSON without an errcode".into(),
        ));
    }
    if !raw.status.is_success() {
        return Err(WechatError::HttpStatus(raw.status.as_u16()));
    }
    if raw.body.is_empty() {
        return Err(WechatError::InvalidResponse("empty image body".into()));
    }
    if !raw.content_type.starts_with("image/") && !has_image_magic(&raw.body) {
        return Err(WechatError::InvalidResponse(format!(
            "expected an image, got content type {:?}",
            raw.content_type
        )));
    }
    Ok(raw.body)
}

fn has_image_magic(body: &[u8]) -> bool {
    body.starts_with(b"\x89PNG\r\n\x1a\n") || body.starts_with(&[0xFF, 0xD8, 0xFF])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::Session;

    fn raw(status: u16, content_type: &str, body: &'static [u8]) -> Raw {
        Raw {
            status: reqwest::StatusCode::from_u16(status).unwrap(),
            content_type: content_type.into(),
            body: Bytes::from_static(body),
        }
    }

    #[test]
    fn json_parsing_maps_errcodes() {
        let ok: Session = parse_json(&raw(
            200,
            "text/plain",
            br#"{"openid":"o","session_key":"k","errcode":0}"#,
        ))
        .unwrap();
        assert_eq!(ok.openid, "o");
        assert_eq!(ok.unionid, None);
        let err = parse_json::<Session>(&raw(
            200,
            "text/plain",
            br#"{"errcode":40029,"errmsg":"invalid code"}"#,
        ))
        .unwrap_err();
        assert!(matches!(err, WechatError::InvalidCode { .. }));
        let err = parse_json::<Session>(&raw(200, "text/plain", b"<html>")).unwrap_err();
        assert!(matches!(err, WechatError::Decode(_)));
        let err = parse_json::<Session>(&raw(502, "text/html", b"<html>")).unwrap_err();
        assert_eq!(err, WechatError::HttpStatus(502));
        assert!(err.is_retryable());
    }

    #[test]
    fn image_parsing() {
        let png = parse_image(raw(200, "image/png", b"\x89PNG\r\n\x1a\nrest")).unwrap();
        assert_eq!(&png[..4], b"\x89PNG");
        let err = parse_image(raw(
            200,
            "image/jpeg",
            br#"{"errcode":40169,"errmsg":"invalid length for scene"}"#,
        ))
        .unwrap_err();
        assert!(matches!(err, WechatError::InvalidSceneLength { .. }));
        let err = parse_image(raw(200, "text/html", b"<html>")).unwrap_err();
        assert!(matches!(err, WechatError::InvalidResponse(_)));
    }
    #[test]
    fn backoff_grows_with_small_jitter() {
        for attempt in 0..4 {
            let base = 100u64 << attempt;
            let ms = backoff(attempt).as_millis() as u64;
            assert!(ms >= base && ms <= base + base / 5, "{attempt}: {ms}");
        }
    }
}
