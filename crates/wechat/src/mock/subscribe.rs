//! Subscription messages: `subscribe/send`, recording what it accepts.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use serde_json::{json, Value};

use super::{locked, str_field, MockWechat, Params, SentMessage};

pub(super) async fn subscribe_send(
    State(mock): State<MockWechat>,
    Query(params): Params,
    body: Bytes,
) -> Response {
    let body = match mock.token_call(&mock.state.counters.subscribe_send, &params, &body) {
        Ok(body) => body,
        Err(answer) => return *answer,
    };
    let Some(touser) = str_field(&body, "touser").filter(|o| MockWechat::is_known_openid(o)) else {
        return mock.err(40003, "invalid openid");
    };
    let template_id = match str_field(&body, "template_id") {
        Some(id) if id != "invalid" => id,
        _ => return mock.err(40037, "invalid template_id"),
    };
    let Some(data) = body.get("data").and_then(Value::as_object) else {
        return mock.err(47003, "argument invalid! data is empty");
    };
    for (key, item) in data {
        let has_value = item
            .get("value")
            .and_then(Value::as_str)
            .is_some_and(|v| !v.is_empty());
        if !has_value {
            return mock.err(
                47003,
                &format!("argument invalid! data.{key}.value is empty"),
            );
        }
    }
    let state = str_field(&body, "miniprogram_state");
    if state.is_some_and(|s| !matches!(s, "developer" | "trial" | "formal")) {
        return mock.err(47001, "data format error: invalid miniprogram_state");
    }
    if touser.ends_with("-refused") {
        return mock.err(43101, "user refuse to accept the msg");
    }
    locked(&mock.state.sent).push(SentMessage {
        touser: touser.to_string(),
        template_id: template_id.to_string(),
        page: str_field(&body, "page").map(str::to_string),
        data: Value::Object(data.clone()),
        miniprogram_state: state.map(str::to_string),
        lang: str_field(&body, "lang").map(str::to_string),
    });
    Json(json!({ "errcode": 0, "errmsg": "ok" })).into_response()
}
