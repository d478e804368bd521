//! Mini-program codes: `getwxacodeunlimit`, answering a 1x1 PNG for a valid request.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::Value;

use super::{str_field, MockWechat, Params, MOCK_PNG};

/// Characters WeChat allows in a scene: letters, digits and these.
const SCENE_PUNCTUATION: &str = "!#$&'()*+,/:;=?@-._~";

pub(super) async fn wxacode_unlimited(
    State(mock): State<MockWechat>,
    Query(params): Params,
    body: Bytes,
) -> Response {
    let body = match mock.token_call(&mock.state.counters.wxacode, &params, &body) {
        Ok(body) => body,
        Err(answer) => return *answer,
    };
    let scene_ok = str_field(&body, "scene").is_some_and(|scene| {
        scene.chars().count() <= 32
            && scene
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || SCENE_PUNCTUATION.contains(c))
    });
    if !scene_ok {
        return mock.err(
            40169,
            "invalid length for scene, or the data is not json string",
        );
    }
    if let Some(page) = body.get("page").and_then(Value::as_str) {
        if page.starts_with('/') || page.contains('?') {
            return mock.err(41030, "invalid page");
        }
    }
    if let Some(env) = body.get("env_version") {
        if !matches!(env.as_str(), Some("release" | "trial" | "develop")) {
            return mock.err(40097, "invalid args: env_version");
        }
    }
    ([(header::CONTENT_TYPE, "image/png")], MOCK_PNG).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_is_png() {
        assert!(MOCK_PNG.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert!(MOCK_PNG.ends_with(b"IEND\xaeB`\x82"));
    }
}
