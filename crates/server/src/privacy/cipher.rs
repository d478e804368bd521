//! Encryption at rest of the personal data the server must be able to read back (WeChat's
//! `session_key`, phone numbers): AES-256-GCM with a fresh random nonce per value, the field name
//! as associated data (a value cannot be moved to another column), and the key's id in the stored
//! text, so that several keys can be live at once while a rotation runs.
//!
//! Stored form: `enc:v1:<key id>:<base64(nonce || ciphertext+tag)>`. A value without the prefix
//! is plain text from before encryption; it is read as is and rewritten by the privacy sweep.

use std::collections::HashMap;
use std::fmt;

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};

const PREFIX: &str = "enc:v1:";
const NONCE_LEN: usize = 12;

/// Which column a value belongs to (bound into the ciphertext).
#[derive(Clone, Copy, Debug)]
pub enum Field {
    SessionKey,
    Phone,
}

impl Field {
    fn aad(self) -> &'static [u8] {
        match self {
            Self::SessionKey => b"users.session_key",
            Self::Phone => b"users.phone",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CipherError {
    #[error("encrypted with key '{0}', which is not configured (MINIBASE_DATA_KEYS)")]
    UnknownKey(String),
    #[error("the stored value is damaged or was encrypted for another field")]
    Corrupt,
}

/// The data keys of this node: the current one encrypts, all of them decrypt.
#[derive(Clone)]
pub struct DataCipher {
    current: String,
    keys: HashMap<String, Aes256Gcm>,
    hash_key: [u8; 32],
}

impl fmt::Debug for DataCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut ids: Vec<&String> = self.keys.keys().collect();
        ids.sort();
        f.debug_struct("DataCipher")
            .field("current", &self.current)
            .field("key_ids", &ids)
            .finish_non_exhaustive()
    }
}

/// A key id: 1 to 16 of `[A-Za-z0-9_-]` (it is stored in every value).
pub fn valid_key_id(id: &str) -> bool {
    (1..=16).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// 32 bytes from base64 (standard alphabet, padding optional).
pub fn decode_key(text: &str) -> Result<[u8; 32], String> {
    let bytes = STANDARD
        .decode(text.trim())
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(text.trim()))
        .map_err(|_| "is not base64".to_string())?;
    <[u8; 32]>::try_from(bytes.as_slice())
        .map_err(|_| format!("decodes to {} bytes; a key is 32", bytes.len()))
}

impl DataCipher {
    /// `keys` in order of preference: the first encrypts new values.
    pub fn new(keys: Vec<(String, [u8; 32])>, hash_key: [u8; 32]) -> Result<Self, String> {
        let current = keys
            .first()
            .map(|(id, _)| id.clone())
            .ok_or("no data key")?;
        let mut map = HashMap::new();
        for (id, key) in keys {
            if !valid_key_id(&id) {
                return Err(format!(
                    "key id '{id}' must be 1 to 16 letters, digits, '_' or '-'"
                ));
            }
            if map
                .insert(id.clone(), Aes256Gcm::new(&key.into()))
                .is_some()
            {
                return Err(format!("key id '{id}' is listed twice"));
            }
        }
        Ok(Self {
            current,
            keys: map,
            hash_key,
        })
    }

    /// Dev mode without configured keys: keys derived from `seed` (the JWT secret), so data
    /// stays readable across restarts of the same setup. Not secret when the seed is not.
    pub fn derived(seed: &str) -> Self {
        let derive = |label: &str| -> [u8; 32] {
            Sha256::new()
                .chain_update(label.as_bytes())
                .chain_update(seed.as_bytes())
                .finalize()
                .into()
        };
        let key = derive("minibase data key\0");
        let hash = derive("minibase data hash key\0");
        Self {
            current: "dev".into(),
            keys: HashMap::from([("dev".to_string(), Aes256Gcm::new(&key.into()))]),
            hash_key: hash,
        }
    }

    pub fn current_key_id(&self) -> &str {
        &self.current
    }

    pub fn encrypt(&self, field: Field, plain: &str) -> String {
        let cipher = &self.keys[&self.current];
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        // Encryption with a valid key and nonce cannot fail for inputs of this size.
        let sealed = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plain.as_bytes(),
                    aad: field.aad(),
                },
            )
            .unwrap_or_default();
        let mut bytes = Vec::with_capacity(NONCE_LEN + sealed.len());
        bytes.extend_from_slice(&nonce);
        bytes.extend_from_slice(&sealed);
        format!("{PREFIX}{}:{}", self.current, STANDARD.encode(bytes))
    }

    /// The plain value; a value without the prefix is legacy plain text and comes back as is.
    pub fn decrypt(&self, field: Field, stored: &str) -> Result<String, CipherError> {
        let Some(rest) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_string());
        };
        let (id, body) = rest.split_once(':').ok_or(CipherError::Corrupt)?;
        let cipher = self
            .keys
            .get(id)
            .ok_or_else(|| CipherError::UnknownKey(id.to_string()))?;
        let bytes = STANDARD.decode(body).map_err(|_| CipherError::Corrupt)?;
        if bytes.len() < NONCE_LEN {
            return Err(CipherError::Corrupt);
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let plain = cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: field.aad(),
                },
            )
            .map_err(|_| CipherError::Corrupt)?;
        String::from_utf8(plain).map_err(|_| CipherError::Corrupt)
    }

    /// True when `stored` is plain text or under a key other than the current one.
    pub fn is_stale(&self, stored: &str) -> bool {
        !stored.starts_with(&format!("{PREFIX}{}:", self.current))
    }

    /// The keyed hash (HMAC-SHA256, hex) of a phone number's digits: equal numbers, however
    /// written (spaces, dashes, a `+86` before a Chinese mobile number), hash alike; without the
    /// key the hash says nothing.
    pub fn phone_hash(&self, phone: &str) -> String {
        let all: String = phone.chars().filter(char::is_ascii_digit).collect();
        let digits = match all.strip_prefix("86") {
            Some(national) if national.len() == 11 && national.starts_with('1') => national,
            _ => all.as_str(),
        };
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &self.hash_key);
        hex::encode(ring::hmac::sign(&key, digits.as_bytes()).as_ref())
    }
}

/// `+86 13812341234` -> `+86 138****1234`: the four digits before the last four are hidden,
/// enough to recognise one's own number, not to call it.
pub fn mask_phone(phone: &str) -> String {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let hidden = digits.saturating_sub(8)..digits.saturating_sub(4);
    let mut seen = 0;
    phone
        .chars()
        .map(|c| {
            if !c.is_ascii_digit() {
                return c;
            }
            seen += 1;
            if hidden.contains(&(seen - 1)) {
                '*'
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cipher(ids: &[(&str, u8)]) -> DataCipher {
        DataCipher::new(
            ids.iter()
                .map(|(id, b)| (id.to_string(), [*b; 32]))
                .collect(),
            [9; 32],
        )
        .unwrap()
    }

    #[test]
    fn round_trips_with_a_fresh_nonce_each_time() {
        let c = cipher(&[("k1", 1)]);
        let a = c.encrypt(Field::Phone, "13812341234");
        let b = c.encrypt(Field::Phone, "13812341234");
        assert_ne!(a, b);
        assert!(a.starts_with("enc:v1:k1:"));
        assert!(!a.contains("1381234"));
        assert_eq!(c.decrypt(Field::Phone, &a).unwrap(), "13812341234");
    }

    #[test]
    fn a_value_cannot_move_to_another_field() {
        let c = cipher(&[("k1", 1)]);
        let a = c.encrypt(Field::Phone, "13812341234");
        assert!(matches!(
            c.decrypt(Field::SessionKey, &a),
            Err(CipherError::Corrupt)
        ));
    }

    #[test]
    fn rotation_reads_old_keys_and_writes_the_current_one() {
        let old = cipher(&[("k1", 1)]);
        let stored = old.encrypt(Field::SessionKey, "sk");
        let rotated = cipher(&[("k2", 2), ("k1", 1)]);
        assert_eq!(rotated.decrypt(Field::SessionKey, &stored).unwrap(), "sk");
        assert!(rotated.is_stale(&stored));
        let fresh = rotated.encrypt(Field::SessionKey, "sk");
        assert!(fresh.starts_with("enc:v1:k2:") && !rotated.is_stale(&fresh));
        let dropped = cipher(&[("k2", 2)]);
        assert!(matches!(
            dropped.decrypt(Field::SessionKey, &stored),
            Err(CipherError::UnknownKey(id)) if id == "k1"
        ));
    }

    #[test]
    fn plain_text_reads_as_is_and_is_stale() {
        let c = cipher(&[("k1", 1)]);
        assert_eq!(c.decrypt(Field::Phone, "138").unwrap(), "138");
        assert!(c.is_stale("138"));
    }

    #[test]
    fn phone_hash_ignores_formatting() {
        let c = cipher(&[("k1", 1)]);
        assert_eq!(c.phone_hash("138 1234 1234"), c.phone_hash("13812341234"));
        assert_eq!(c.phone_hash("+86 13812341234"), c.phone_hash("13812341234"));
        assert_ne!(c.phone_hash("13812341234"), c.phone_hash("13812341235"));
    }

    #[test]
    fn masks() {
        assert_eq!(mask_phone("13812341234"), "138****1234");
        assert_eq!(mask_phone("+86 13812341234"), "+86 138****1234");
        assert_eq!(mask_phone("1234567"), "***4567");
        assert_eq!(mask_phone("123"), "123");
    }
}
