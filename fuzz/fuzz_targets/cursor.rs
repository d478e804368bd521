//! Pagination cursors arrive in query strings from anyone: decoding must never panic, and a
//! cursor the server made must decode to the key it was made from.
#![no_main]

use libfuzzer_sys::fuzz_target;
use minibase::http::pagination::{decode_cursor, encode_cursor};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = decode_cursor::<i64>(text);
        let _ = decode_cursor::<(i64, i64)>(text);
        let _ = decode_cursor::<(String, i64)>(text);
    }
    if data.len() >= 16 {
        let a = i64::from_le_bytes(data[..8].try_into().unwrap_or_default());
        let b = i64::from_le_bytes(data[8..16].try_into().unwrap_or_default());
        let cursor = encode_cursor(&(a, b));
        assert_eq!(decode_cursor::<(i64, i64)>(&cursor).ok(), Some((a, b)));
    }
});
