//! The admin console's cookie session: an admin account's access token in an HttpOnly,
//! SameSite=Strict cookie (Secure in prod), so no script can read it, plus the CSRF token that
//! every state-changing request authenticated by that cookie must echo in `X-CSRF-Token`.
//!
//! The CSRF token is derived from the session token (SHA-256 under a fixed label), so it needs no
//! storage and changes with each sign-in; it travels in a second cookie that the console's own
//! script reads (double submit). A page on another origin can make the browser send the session
//! cookie (SameSite=Strict already stops that for cross-site requests), but it can read neither
//! cookie, so it cannot produce the header.

use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, Method};
use sha2::{Digest, Sha256};

/// The cookie that holds the admin account's access token.
pub const SESSION_COOKIE: &str = "mb_console";
/// The cookie the console's script reads the CSRF token from.
pub const CSRF_COOKIE: &str = "mb_csrf";
/// The header state-changing cookie-authenticated requests carry the CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The CSRF token of a session token.
pub fn csrf_token(session_token: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"minibase console csrf\0");
    hasher.update(session_token.as_bytes());
    hex::encode(hasher.finalize())
}

/// Whether `presented` is the CSRF token of `session_token` (compared in constant time).
pub fn csrf_matches(session_token: &str, presented: &str) -> bool {
    let expected = csrf_token(session_token);
    expected.len() == presented.len()
        && expected
            .bytes()
            .zip(presented.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// Methods that change nothing, so they need no CSRF token.
pub fn is_safe_method(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn read_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .find_map(|pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key == name).then_some(value)
        })
        .filter(|value| !value.is_empty())
}

/// `Set-Cookie` headers that open a console session with `token` for `max_age_secs`.
pub fn session_cookies(token: &str, max_age_secs: u64, secure: bool) -> [HeaderValue; 2] {
    let secure = if secure { "; Secure" } else { "" };
    let session = format!(
        "{SESSION_COOKIE}={token}; Path=/; Max-Age={max_age_secs}; HttpOnly; SameSite=Strict{secure}"
    );
    let csrf = format!(
        "{CSRF_COOKIE}={}; Path=/; Max-Age={max_age_secs}; SameSite=Strict{secure}",
        csrf_token(token)
    );
    [header_value(session), header_value(csrf)]
}

/// `Set-Cookie` headers that end the console session in the browser.
pub fn cleared_cookies(secure: bool) -> [HeaderValue; 2] {
    let secure = if secure { "; Secure" } else { "" };
    [SESSION_COOKIE, CSRF_COOKIE].map(|name| {
        let http_only = if name == SESSION_COOKIE {
            "; HttpOnly"
        } else {
            ""
        };
        header_value(format!(
            "{name}=; Path=/; Max-Age=0{http_only}; SameSite=Strict{secure}"
        ))
    })
}

/// Add `Set-Cookie` headers to a response's headers.
pub fn append_set_cookies(headers: &mut HeaderMap, cookies: [HeaderValue; 2]) {
    for cookie in cookies {
        headers.append(SET_COOKIE, cookie);
    }
}

fn header_value(text: String) -> HeaderValue {
    // Tokens are base64url/hex and names are fixed: always valid header text.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_token_is_bound_to_the_session_token() {
        let token = "header.payload.signature";
        assert!(csrf_matches(token, &csrf_token(token)));
        assert!(!csrf_matches("another.session.token", &csrf_token(token)));
        assert!(!csrf_matches(token, ""));
        assert!(!csrf_matches(token, &csrf_token(token)[1..]));
    }

    #[test]
    fn reads_one_cookie_among_several_headers() {
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("a=1; mb_csrf=abc"));
        headers.append(COOKIE, HeaderValue::from_static("mb_console=tok"));
        assert_eq!(read_cookie(&headers, CSRF_COOKIE), Some("abc"));
        assert_eq!(read_cookie(&headers, SESSION_COOKIE), Some("tok"));
        assert_eq!(read_cookie(&headers, "missing"), None);
    }
}
