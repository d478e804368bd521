//! Refresh tokens: `<session id>.<secret>`, where the secret is 32 bytes and an HMAC tag of them
//! made with the session's own key (`auth_sessions.refresh_key`, never sent to anyone). The
//! database keeps only the SHA-256 of the live token; the key lets the server tell, without
//! keeping every spent token, that a token presented for a session was really issued for it
//! (reuse) rather than made up by someone who read the session id in an access token (refused,
//! nothing revoked).
//!
//! Each next token is derived from the key and the token it replaces, so a refresh that arrives
//! just after another with the same token can be given the very token that one received, without
//! storing it: see `service::refresh`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use ring::hmac;
use sha2::{Digest, Sha256};

const BODY_LEN: usize = 32;
const TAG_LEN: usize = 32;

/// A session's refresh-token key.
pub struct RefreshKey(hmac::Key, [u8; 32]);

impl RefreshKey {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        Self::from_bytes(bytes)
    }

    /// The key as stored on the session (hex); None when the column holds something else.
    pub fn from_hex(stored: &str) -> Option<Self> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(stored, &mut bytes).ok()?;
        Some(Self::from_bytes(bytes))
    }

    fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(hmac::Key::new(hmac::HMAC_SHA256, &bytes), bytes)
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.1)
    }

    /// A session's first token: 256 random bits.
    pub fn first(&self, sid: &str) -> String {
        let mut body = [0u8; BODY_LEN];
        rand::thread_rng().fill_bytes(&mut body);
        self.token(sid, body)
    }

    /// The token that replaces `spent`: always the same one for the same `spent`, unpredictable
    /// without the key.
    pub fn successor(&self, sid: &str, spent: &str) -> String {
        let mut body = [0u8; BODY_LEN];
        body.copy_from_slice(self.mac(b"next", spent.as_bytes()).as_ref());
        self.token(sid, body)
    }

    /// True when `token` carries this key's tag for its session: it was issued for the session.
    pub fn issued(&self, token: &str) -> bool {
        let Some((_, secret)) = token.split_once('.') else {
            return false;
        };
        let Ok(bytes) = URL_SAFE_NO_PAD.decode(secret) else {
            return false;
        };
        if bytes.len() != BODY_LEN + TAG_LEN {
            return false;
        }
        let (body, tag) = bytes.split_at(BODY_LEN);
        // Compares in constant time.
        hmac::verify(&self.0, &tagged(body), tag).is_ok()
    }

    fn token(&self, sid: &str, body: [u8; BODY_LEN]) -> String {
        let tag = hmac::sign(&self.0, &tagged(&body));
        let mut secret = Vec::with_capacity(BODY_LEN + TAG_LEN);
        secret.extend_from_slice(&body);
        secret.extend_from_slice(tag.as_ref());
        format!("{sid}.{}", URL_SAFE_NO_PAD.encode(secret))
    }

    fn mac(&self, purpose: &[u8], data: &[u8]) -> hmac::Tag {
        let mut context = hmac::Context::with_key(&self.0);
        context.update(purpose);
        context.update(data);
        context.sign()
    }
}

/// What the tag covers: the body, kept apart from `successor`'s input by a prefix.
fn tagged(body: &[u8]) -> Vec<u8> {
    let mut data = Vec::with_capacity(3 + body.len());
    data.extend_from_slice(b"tag");
    data.extend_from_slice(body);
    data
}

/// Refresh tokens carry 256 random (or keyed) bits, so a plain SHA-256 stores them safely.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_tell_issued_tokens_from_made_up_ones() {
        let key = RefreshKey::generate();
        let first = key.first("sid-1");
        assert!(first.starts_with("sid-1."));
        assert!(key.issued(&first));
        let next = key.successor("sid-1", &first);
        assert!(key.issued(&next));
        assert_eq!(next, key.successor("sid-1", &first), "derived, not random");
        assert_ne!(next, first);
        assert!(!key.issued("sid-1.garbage"));
        assert!(!key.issued("sid-1"));
        // Another session's key did not issue it.
        assert!(!RefreshKey::generate().issued(&first));
        // One bit of the secret changed.
        let (sid, secret) = first.split_once('.').unwrap();
        let mut bytes = URL_SAFE_NO_PAD.decode(secret).unwrap();
        bytes[0] ^= 1;
        assert!(!key.issued(&format!("{sid}.{}", URL_SAFE_NO_PAD.encode(bytes))));
        // The stored form round-trips.
        let back = RefreshKey::from_hex(&key.to_hex()).unwrap();
        assert!(back.issued(&first));
        assert!(RefreshKey::from_hex("not hex").is_none());
    }
}
