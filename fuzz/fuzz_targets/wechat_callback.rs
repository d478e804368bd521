//! WeChat's message push (the `wxa_media_check` moderation callback) posts JSON to
//! `/api/v1/wechat/callback`; anyone can post there before the signature is checked. The body
//! parser must answer an error envelope for anything, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use minibase::community::safety::MediaCheckEvent;
use minibase::http::extract::parse_json;

fuzz_target!(|data: &[u8]| {
    let _ = parse_json::<MediaCheckEvent>(data);
    let _ = parse_json::<serde_json::Value>(data);
});
