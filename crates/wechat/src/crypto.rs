//! Offline helpers for data the mini-program hands to its backend: open-data
//! decryption, the legacy `rawData` signature, the login-state signature used
//! by `checkSessionKey`, and message-push signatures.

use aes::cipher::{block_padding::Pkcs7, BlockDecryptMut, KeyIvInit};
use base64::{engine::general_purpose::STANDARD, Engine as _};
use hmac::{Hmac, Mac};
use sha1::{Digest, Sha1};
use sha2::Sha256;

use crate::error::WechatError;

type Aes128CbcDec = cbc::Decryptor<aes::Aes128>;

/// Decrypts `encryptedData` from the mini-program (AES-128-CBC, PKCS#7, all
/// inputs base64) and checks that its `watermark.appid` is `expected_appid`.
///
/// Any malformed input yields [`WechatError::Decrypt`]; a watermark for
/// another app (or none at all) yields [`WechatError::WatermarkMismatch`].
pub fn decrypt_open_data(
    session_key_b64: &str,
    encrypted_data_b64: &str,
    iv_b64: &str,
    expected_appid: &str,
) -> Result<serde_json::Value, WechatError> {
    let key = decode_b64(session_key_b64, "session_key")?;
    let iv = decode_b64(iv_b64, "iv")?;
    let data = decode_b64(encrypted_data_b64, "encrypted_data")?;
    if key.len() != 16 {
        return Err(WechatError::Decrypt(format!(
            "session_key must decode to 16 bytes, got {}",
            key.len()
        )));
    }
    if iv.len() != 16 {
        return Err(WechatError::Decrypt(format!(
            "iv must decode to 16 bytes, got {}",
            iv.len()
        )));
    }
    let cipher = Aes128CbcDec::new_from_slices(&key, &iv)
        .map_err(|_| WechatError::Decrypt("invalid key or iv length".into()))?;
    let plain = cipher
        .decrypt_padded_vec_mut::<Pkcs7>(&data)
        .map_err(|_| WechatError::Decrypt("bad ciphertext length or padding".into()))?;
    let value: serde_json::Value = serde_json::from_slice(&plain)
        .map_err(|_| WechatError::Decrypt("plaintext is not JSON".into()))?;
    let appid = value
        .get("watermark")
        .and_then(|w| w.get("appid"))
        .and_then(|a| a.as_str());
    if appid != Some(expected_appid) {
        return Err(WechatError::WatermarkMismatch);
    }
    Ok(value)
}

fn decode_b64(input: &str, what: &str) -> Result<Vec<u8>, WechatError> {
    STANDARD
        .decode(input.trim())
        .map_err(|_| WechatError::Decrypt(format!("{what} is not valid base64")))
}

/// Checks the legacy user-info signature: `signature == sha1(raw_data + session_key)`
/// (hex, case-insensitive), compared in constant time.
pub fn verify_signature(raw_data: &str, session_key: &str, signature_hex: &str) -> bool {
    let Ok(expected) = hex::decode(signature_hex.trim()) else {
        return false;
    };
    let mut hasher = Sha1::new();
    hasher.update(raw_data.as_bytes());
    hasher.update(session_key.as_bytes());
    constant_time_eq(&hasher.finalize(), &expected)
}

/// The user login-state signature (`hmac_sha256(key = session_key, msg = buffer)`,
/// lowercase hex). `checkSessionKey` expects it over an empty buffer. The key is
/// the session_key string exactly as WeChat issued it (base64 text, not decoded).
pub fn login_state_signature(session_key: &str, buffer: &[u8]) -> String {
    hex::encode(hmac_sha256(session_key.as_bytes(), buffer))
}

/// Constant-time check of a login-state signature produced by the mini-program.
pub fn verify_login_state_signature(session_key: &str, buffer: &[u8], signature_hex: &str) -> bool {
    match hex::decode(signature_hex.trim()) {
        Ok(given) => constant_time_eq(&hmac_sha256(session_key.as_bytes(), buffer), &given),
        Err(_) => false,
    }
}

fn hmac_sha256(key: &[u8], msg: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this arm cannot fail; an empty MAC
    // simply never verifies.
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(msg);
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

/// The message-push signature WeChat adds to callback URLs:
/// `sha1(sorted(token, timestamp, nonce).concat())`, lowercase hex.
pub fn push_signature(token: &str, timestamp: &str, nonce: &str) -> String {
    let mut parts = [token, timestamp, nonce];
    parts.sort_unstable();
    let mut hasher = Sha1::new();
    for part in parts {
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Verifies a message-push signature (see [`push_signature`]) in constant time.
pub fn verify_push_signature(token: &str, timestamp: &str, nonce: &str, signature: &str) -> bool {
    constant_time_eq(
        push_signature(token, timestamp, nonce).as_bytes(),
        signature.trim().to_ascii_lowercase().as_bytes(),
    )
}

/// Compares two byte strings without an early exit, so timing does not reveal
/// how many leading bytes matched. Lengths are not secret.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    // black_box keeps the optimiser from turning the fold into an early exit.
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    // WeChat's published sample from the open-data decryption demo code.
    const APPID: &str = "wx4f4bc4dec97d474b";
    const SESSION_KEY: &str = "tiihtNczf5v6AKRyjwEUhQ==";
    const IV: &str = "r7BXXKkLb8qrSNn05n0qiA==";
    const ENCRYPTED: &str = "CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS9uT5geRa0W4oTOb1WT7fJlAC+oNPdbB+3hVbJSRgv+4lGOETKUQz6OYStslQ142dNCuabNPGBzlooOmB231qMM85d2/fV6ChevvXvQP8Hkue1poOFtnEtpyxVLW1zAo6/1Xx1COxFvrc2d7UL/lmHInNlxuacJXwu0fjpXfz/YqYzBIBzD6WUfTIF9GRHpOn/Hz7saL8xz+W//FRAUid1OksQaQx4CMs8LOddcQhULW4ucetDf96JcR3g0gfRK4PC7E/r7Z6xNrXd2UIeorGj5Ef7b1pJAYB6Y5anaHqZ9J6nKEBvB4DnNLIVWSgARns/8wR2SiRS7MNACwTyrGvt9ts8p12PKFdlqYTopNHR1Vf7XjfhQlVsAJdNiKdYmYVoKlaRv85IfVunYzO0IKXsyl7JCUjCpoG20f0a04COwfneQAGGwd5oa+T8yO5hzuyDb/XcxxmK01EpqOyuxINew==";

    #[test]
    fn decrypts_published_sample() {
        let value = decrypt_open_data(SESSION_KEY, ENCRYPTED, IV, APPID).unwrap();
        assert_eq!(value["openId"], "oGZUI0egBJY1zhBYw2KhdUfwVJJE");
        assert_eq!(value["nickName"], "Band");
        assert_eq!(value["gender"], 1);
        assert_eq!(value["city"], "Guangzhou");
        assert_eq!(value["unionId"], "ocMvos6NjeKLIBqg5Mr9QjxrP1FA");
        assert_eq!(
            value["watermark"],
            serde_json::json!({"timestamp": 1477314187, "appid": APPID})
        );
    }

    #[test]
    fn other_appid_is_watermark_mismatch() {
        let err = decrypt_open_data(SESSION_KEY, ENCRYPTED, IV, "wx0000000000000000").unwrap_err();
        assert_eq!(err, WechatError::WatermarkMismatch);
    }

    #[test]
    fn tampered_or_malformed_input_is_decrypt_error() {
        // Flip one base64 character in the middle: that block decrypts to garbage.
        let mut tampered = ENCRYPTED.to_string();
        let mid = tampered.len() / 2;
        let replacement = if &tampered[mid..=mid] == "A" {
            "B"
        } else {
            "A"
        };
        tampered.replace_range(mid..=mid, replacement);
        // Tamper the last block too, which breaks the padding.
        let mut tail = ENCRYPTED.to_string();
        tail.replace_range(tail.len() - 6..tail.len() - 5, "Q");

        let cases: Vec<(&str, &str, &str)> = vec![
            (SESSION_KEY, &tampered, IV),
            (SESSION_KEY, &tail, IV),
            ("not base64!!", ENCRYPTED, IV),
            ("AAAA", ENCRYPTED, IV),
            (SESSION_KEY, ENCRYPTED, "AAAA"),
            (SESSION_KEY, "AAAA", IV),
            (SESSION_KEY, "", IV),
            ("", "", ""),
            ("AAAAAAAAAAAAAAAAAAAAAA==", ENCRYPTED, IV),
        ];
        for (key, data, iv) in cases {
            match decrypt_open_data(key, data, iv, APPID) {
                Err(WechatError::Decrypt(_)) => {}
                other => panic!("expected Decrypt error for {key:?}/{iv:?}, got {other:?}"),
            }
        }
    }

    #[test]
    fn legacy_raw_data_signature() {
        let raw = r#"{"nickName":"Band","gender":1}"#;
        let key = "HyVFkGl5F5OQWJZZaNzBBg==";
        let mut hasher = Sha1::new();
        hasher.update(format!("{raw}{key}").as_bytes());
        let good = hex::encode(hasher.finalize());
        assert!(verify_signature(raw, key, &good));
        assert!(verify_signature(raw, key, &good.to_uppercase()));
        assert!(!verify_signature(raw, "other", &good));
        assert!(!verify_signature(raw, key, "zz"));
        assert!(!verify_signature(raw, key, ""));
    }

    #[test]
    fn login_state_signature_matches_published_example() {
        // The example from the documented login-state signature algorithm.
        let sig = login_state_signature("o0q0otL8aEzpcZL/FT9WsQ==", br#"{"foo":"bar"}"#);
        assert_eq!(
            sig,
            "654571f79995b2ce1e149e53c0a33dc39c0a74090db514261454e8dbe432aa0b"
        );
        assert!(verify_login_state_signature(
            "o0q0otL8aEzpcZL/FT9WsQ==",
            br#"{"foo":"bar"}"#,
            &sig
        ));
        assert!(!verify_login_state_signature(
            "o0q0otL8aEzpcZL/FT9WsQ==",
            b"",
            &sig
        ));
        assert_eq!(login_state_signature("k", b"").len(), 64);
    }

    #[test]
    fn push_signature_sorts_parts() {
        let sig = push_signature("token", "1700000000", "nonce");
        let mut hasher = Sha1::new();
        hasher.update(b"1700000000noncetoken");
        assert_eq!(sig, hex::encode(hasher.finalize()));
        assert!(verify_push_signature("token", "1700000000", "nonce", &sig));
        assert!(!verify_push_signature("token", "1700000001", "nonce", &sig));
    }

    #[test]
    fn constant_time_eq_basics() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(constant_time_eq(b"", b""));
    }
}
