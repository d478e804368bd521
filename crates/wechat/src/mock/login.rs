//! Login and phone numbers: `code2session` and `getuserphonenumber`, with the deterministic
//! users that codes stand for.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::{engine::general_purpose::STANDARD, Engine as _};
use bytes::Bytes;
use serde_json::{json, Value};

use super::{bump, locked, sha256, str_field, unix_now, MockWechat, Params};

/// The user a login or phone code stands for: the part before the first `:`,
/// after dropping a `busy-once:` prefix.
pub fn user_for_code(code: &str) -> &str {
    let code = code.strip_prefix("busy-once:").unwrap_or(code);
    code.split(':').next().unwrap_or(code)
}

/// The openid the mock gives for a login code.
pub fn openid_for_code(code: &str) -> String {
    format!("mock-openid-{}", user_for_code(code))
}

/// The unionid the mock gives for a login code.
pub fn unionid_for_code(code: &str) -> String {
    format!("mock-unionid-{}", user_for_code(code))
}

/// The session_key the mock gives for a login code: 16 bytes derived from
/// the whole code (so each login rotates it, like WeChat may), base64.
pub fn session_key_for_code(code: &str) -> String {
    STANDARD.encode(&sha256(&format!("session:{code}"))[..16])
}

/// The pure phone number (`138` + 8 digits) the mock gives for a phone code;
/// `name:anything` gives the same number as `name`.
pub fn phone_for_code(code: &str) -> String {
    let digest = sha256(&format!("phone:{}", user_for_code(code)));
    let digits: String = digest[..8]
        .iter()
        .map(|b| char::from(b'0' + b % 10))
        .collect();
    format!("138{digits}")
}

pub(super) async fn code2session(
    State(mock): State<MockWechat>,
    Query(params): Params,
) -> Response {
    bump(&mock.state.counters.code2session);
    let answer = mock.code2session_answer(&params);
    // WeChat labels this endpoint's JSON text/plain; clients must cope.
    ([(header::CONTENT_TYPE, "text/plain")], answer.to_string()).into_response()
}

impl MockWechat {
    fn code2session_answer(&self, params: &HashMap<String, String>) -> Value {
        let config = &self.state.config;
        let rid = self.rid();
        let error = |code: i64, msg: &str| json!({ "errcode": code, "errmsg": format!("{msg}, rid: {rid}") });
        let param = |key: &str| {
            params
                .get(key)
                .map(String::as_str)
                .filter(|s| !s.is_empty())
        };
        match param("appid") {
            None => return error(41002, "appid missing"),
            Some(appid) if appid != config.appid => return error(40013, "invalid appid"),
            Some(_) => {}
        }
        match param("secret") {
            None => return error(41004, "appsecret missing"),
            Some(secret) if secret != config.secret => return error(40125, "invalid appsecret"),
            Some(_) => {}
        }
        if param("grant_type") != Some("authorization_code") {
            return error(40002, "invalid grant_type");
        }
        let Some(code) = param("js_code") else {
            return error(41008, "missing code");
        };
        if code.starts_with("busy-once:")
            && locked(&self.state.busy_once_seen).insert(code.to_string())
        {
            return error(-1, "system error");
        }
        match user_for_code(code) {
            "invalid" => return error(40029, "invalid code"),
            "used" => return error(40163, "code been used"),
            "busy" => return error(-1, "system error"),
            "quota" => {
                return error(
                    45011,
                    "api minute-quota reach limit  mustslower  retry next minute",
                )
            }
            "risky" => return error(40226, "high risk user"),
            "" => return error(40029, "invalid code"),
            _ => {}
        }
        if config.single_use_codes && !locked(&self.state.used_codes).insert(code.to_string()) {
            return error(40163, "code been used");
        }
        json!({
            "openid": openid_for_code(code),
            "session_key": session_key_for_code(code),
            "unionid": unionid_for_code(code),
        })
    }
}

pub(super) async fn phone_number(
    State(mock): State<MockWechat>,
    Query(params): Params,
    body: Bytes,
) -> Response {
    let body = match mock.token_call(&mock.state.counters.phone, &params, &body) {
        Ok(body) => body,
        Err(answer) => return *answer,
    };
    let Some(code) = str_field(&body, "code") else {
        return mock.err(47001, "data format error: code is required");
    };
    match user_for_code(code) {
        "invalid" | "" => return mock.err(40029, "invalid code"),
        "busy" => return mock.err(-1, "system error"),
        _ => {}
    }
    let pure = phone_for_code(code);
    Json(json!({
        "errcode": 0,
        "errmsg": "ok",
        "phone_info": {
            "phoneNumber": format!("+86 {pure}"),
            "purePhoneNumber": pure,
            "countryCode": "86",
            "watermark": { "timestamp": unix_now(), "appid": mock.state.config.appid },
        },
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_users() {
        assert_eq!(openid_for_code("alice"), "mock-openid-alice");
        assert_eq!(openid_for_code("alice:2"), "mock-openid-alice");
        assert_eq!(openid_for_code("busy-once:alice:1"), "mock-openid-alice");
        assert_eq!(unionid_for_code("bob:x:y"), "mock-unionid-bob");
        let key = STANDARD.decode(session_key_for_code("alice")).unwrap();
        assert_eq!(key.len(), 16);
        assert_eq!(session_key_for_code("alice"), session_key_for_code("alice"));
        assert_ne!(
            session_key_for_code("alice"),
            session_key_for_code("alice:2")
        );
        let phone = phone_for_code("alice:1");
        assert_eq!(phone, phone_for_code("alice:2"));
        assert!(phone.len() == 11 && phone.starts_with("138"));
        assert!(phone.chars().all(|c| c.is_ascii_digit()));
    }
}
