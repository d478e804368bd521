//! `POST /users/me/open-data` decrypts what a client sends (base64 ciphertext and iv) with the
//! session key: any input must give an error, never a panic. Half the runs feed the raw text
//! fields; the other half encrypt-shaped bytes under a fixed valid key and iv, so the padding
//! and JSON stages are reached too.
#![no_main]

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use libfuzzer_sys::fuzz_target;
use minibase_wechat::crypto::decrypt_open_data;

const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZg==";
const IV: &str = "ZmVkY2JhOTg3NjU0MzIxMA==";

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        let text = String::from_utf8_lossy(rest);
        let mut parts = text.splitn(3, '\n');
        let key = parts.next().unwrap_or_default();
        let encrypted = parts.next().unwrap_or_default();
        let iv = parts.next().unwrap_or_default();
        let _ = decrypt_open_data(key, encrypted, iv, "wx-mock-appid");
    } else {
        let _ = decrypt_open_data(KEY, &STANDARD.encode(rest), IV, "wx-mock-appid");
    }
});
