//! Content security: `msg_sec_check` (text), `media_check_async` (images and audio, answered
//! later by a push event the test asks for) and the delivery of that event.

use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{
    bump, locked, str_field, unix_now, CallbackError, MediaCheck, MockWechat, Params,
    MOCK_ORIGINAL_ID,
};
use crate::loopback::is_loopback;

impl MockWechat {
    /// POSTs the documented `wxa_media_check` push event for `trace_id` to
    /// `url` (loopback only), with a risky or pass verdict. Returns the HTTP
    /// status the receiver answered.
    pub async fn deliver_media_callback(
        &self,
        trace_id: &str,
        url: &str,
        risky: bool,
    ) -> Result<u16, CallbackError> {
        let check = locked(&self.state.media_checks)
            .iter()
            .find(|c| c.trace_id == trace_id)
            .cloned()
            .ok_or(CallbackError::UnknownTraceId)?;
        let mut url = reqwest::Url::parse(url).map_err(|_| CallbackError::ForbiddenUrl)?;
        if url.scheme() != "http" || !is_loopback(&url) {
            return Err(CallbackError::ForbiddenUrl);
        }
        let (suggest, label) = if risky {
            ("risky", 20002)
        } else {
            ("pass", 100)
        };
        let now = unix_now();
        let event = json!({
            "ToUserName": MOCK_ORIGINAL_ID,
            "FromUserName": check.openid,
            "CreateTime": now,
            "MsgType": "event",
            "Event": "wxa_media_check",
            "appid": self.state.config.appid,
            "trace_id": check.trace_id,
            "version": 2,
            "detail": [{
                "strategy": "content_model",
                "errcode": 0,
                "suggest": suggest,
                "label": label,
                "prob": if risky { 90 } else { 0 },
            }],
            "errcode": 0,
            "errmsg": "ok",
            "result": { "suggest": suggest, "label": label },
        });
        if let Some(token) = &self.state.config.push_token {
            let timestamp = now.to_string();
            let nonce = self.next_id("nonce");
            let signature = crate::crypto::push_signature(token, &timestamp, &nonce);
            url.query_pairs_mut()
                .append_pair("signature", &signature)
                .append_pair("timestamp", &timestamp)
                .append_pair("nonce", &nonce);
        }
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| CallbackError::Http(e.to_string()))?;
        let response = client
            .post(url)
            .json(&event)
            .send()
            .await
            .map_err(|e| CallbackError::Http(e.without_url().to_string()))?;
        bump(&self.state.counters.media_callbacks);
        Ok(response.status().as_u16())
    }
}

fn contains_word(content: &str, words: &[String]) -> Option<String> {
    let lower = content.to_lowercase();
    words
        .iter()
        .find(|w| !w.is_empty() && lower.contains(&w.to_lowercase()))
        .cloned()
}

pub(super) async fn msg_sec_check(
    State(mock): State<MockWechat>,
    Query(params): Params,
    body: Bytes,
) -> Response {
    let body = match mock.token_call(&mock.state.counters.msg_sec_check, &params, &body) {
        Ok(body) => body,
        Err(answer) => return *answer,
    };
    let Some(content) = str_field(&body, "content") else {
        return mock.err(47001, "data format error: content is empty");
    };
    let config = &mock.state.config;
    let blocked = contains_word(content, &config.blocked_words);
    if body.get("version").and_then(Value::as_i64) != Some(2) {
        // Version 1 answers only ok or 87014.
        return match blocked {
            Some(_) => mock.err(87014, "risky content"),
            None => Json(json!({ "errcode": 0, "errmsg": "ok" })).into_response(),
        };
    }
    if !str_field(&body, "openid").is_some_and(MockWechat::is_known_openid) {
        return mock.err(40003, "invalid openid");
    }
    if !body
        .get("scene")
        .and_then(Value::as_i64)
        .is_some_and(|s| (1..=4).contains(&s))
    {
        return mock.err(40097, "invalid args: scene must be 1-4");
    }
    let review = contains_word(content, &config.review_words);
    // 20006 (illegal activity) and 21000 (other) are documented labels.
    let (suggest, label, keyword) = match (blocked, review) {
        (Some(word), _) => ("risky", 20006, Some(word)),
        (None, Some(word)) => ("review", 21000, Some(word)),
        (None, None) => ("pass", 100, None),
    };
    let mut detail = vec![json!({
        "strategy": "content_model",
        "errcode": 0,
        "suggest": suggest,
        "label": label,
        "prob": if keyword.is_some() { 90 } else { 0 },
    })];
    if let Some(keyword) = keyword {
        detail.push(json!({
            "strategy": "keyword",
            "errcode": 0,
            "suggest": suggest,
            "label": label,
            "level": 20,
            "keyword": keyword,
        }));
    }
    Json(json!({
        "errcode": 0,
        "errmsg": "ok",
        "result": { "suggest": suggest, "label": label },
        "detail": detail,
        "trace_id": mock.next_id("trace"),
    }))
    .into_response()
}

pub(super) async fn media_check_async(
    State(mock): State<MockWechat>,
    Query(params): Params,
    body: Bytes,
) -> Response {
    let body = match mock.token_call(&mock.state.counters.media_check_async, &params, &body) {
        Ok(body) => body,
        Err(answer) => return *answer,
    };
    let Some(media_url) = str_field(&body, "media_url") else {
        return mock.err(47001, "data format error: media_url is required");
    };
    let media_type = match body.get("media_type").and_then(Value::as_u64) {
        Some(t @ (1 | 2)) => t as u8,
        _ => return mock.err(40097, "invalid args: media_type must be 1 or 2"),
    };
    if body.get("version").and_then(Value::as_i64) != Some(2) {
        return mock.err(47001, "data format error: version must be 2");
    }
    let Some(openid) = str_field(&body, "openid").filter(|o| MockWechat::is_known_openid(o)) else {
        return mock.err(40003, "invalid openid");
    };
    let scene = match body.get("scene").and_then(Value::as_u64) {
        Some(s @ 1..=4) => s as u8,
        _ => return mock.err(40097, "invalid args: scene must be 1-4"),
    };
    let trace_id = mock.next_id("trace");
    locked(&mock.state.media_checks).push(MediaCheck {
        trace_id: trace_id.clone(),
        media_url: media_url.to_string(),
        media_type,
        openid: openid.to_string(),
        scene,
    });
    Json(json!({ "errcode": 0, "errmsg": "ok", "trace_id": trace_id })).into_response()
}

#[derive(Deserialize)]
struct CallbackRequest {
    trace_id: String,
    url: String,
    #[serde(default)]
    risky: bool,
}

pub(super) async fn media_callback(State(mock): State<MockWechat>, body: Bytes) -> Response {
    let Ok(request) = serde_json::from_slice::<CallbackRequest>(&body) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "expected {\"trace_id\",\"url\",\"risky\"}" })),
        )
            .into_response();
    };
    match mock
        .deliver_media_callback(&request.trace_id, &request.url, request.risky)
        .await
    {
        Ok(status) => Json(json!({ "status": status })).into_response(),
        Err(err) => {
            let status = match err {
                CallbackError::UnknownTraceId => StatusCode::NOT_FOUND,
                CallbackError::ForbiddenUrl => StatusCode::BAD_REQUEST,
                CallbackError::Http(_) => StatusCode::BAD_GATEWAY,
            };
            (status, Json(json!({ "error": err.to_string() }))).into_response()
        }
    }
}
