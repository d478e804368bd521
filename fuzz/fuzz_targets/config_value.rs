//! Config values and feature-flag rules are any JSON an admin sends, checked against the flag
//! rule's shape or the key's own JSON Schema (also admin-sent). Neither check may panic, and
//! the body parser in front of them may not either.
#![no_main]

use libfuzzer_sys::fuzz_target;
use minibase::config_center::service::{check_value, Kind};
use minibase::http::extract::parse_json;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = parse_json::<Value>(data) else {
        return;
    };
    let value = body.get("value").cloned().unwrap_or(Value::Null);
    let schema = body.get("schema");
    let _ = check_value(Kind::Flag, &value, None);
    let _ = check_value(Kind::Config, &value, schema);
    let _ = check_value(Kind::Config, &body, None);
});
