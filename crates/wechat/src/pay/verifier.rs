//! Trust in WeChat Pay's keys: which keys (public keys and platform certificates) are trusted,
//! and the check of a signed answer or notification against them.

use std::collections::HashMap;
use std::sync::Arc;

use reqwest::header::HeaderMap;

use super::{crypto, headers, PayError, PlatformCertificate, PublicKey, MAX_CLOCK_SKEW_SECS};

/// WeChat Pay's keys that sign answers and notifications, by serial.
///
/// Two kinds, side by side: public keys (公钥模式, the mode of new merchants since 2024, named
/// `PUB_KEY_ID_...`), added by hand and kept; and platform certificates (平台证书模式, named by
/// their serial number), replaced as a whole by each download of `/v3/certificates` and trusted
/// only within their validity. During a rotation (or a switch between the modes) several are
/// trusted at once, and an answer signed by any of them verifies. A serial this verifier does
/// not know never verifies.
#[derive(Debug, Clone, Default)]
pub struct Verifier {
    trusted: Arc<std::sync::RwLock<Trusted>>,
}

#[derive(Debug, Default)]
struct Trusted {
    keys: HashMap<String, PublicKey>,
    certificates: HashMap<String, PlatformCertificate>,
}

impl Verifier {
    /// A verifier with one key.
    pub fn new(serial: impl Into<String>, key: PublicKey) -> Self {
        let verifier = Self::default();
        verifier.add(serial, key);
        verifier
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Trusted> {
        self.trusted.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Trusted> {
        self.trusted.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Trust one more public key (rotation: old and new side by side).
    pub fn add(&self, serial: impl Into<String>, key: PublicKey) {
        self.write().keys.insert(serial.into(), key);
    }

    /// Stop trusting a public key.
    pub fn remove(&self, serial: &str) {
        self.write().keys.remove(serial);
    }

    /// Trust exactly these platform certificates from now on (a fresh download of the list).
    pub fn set_certificates(&self, certificates: Vec<PlatformCertificate>) {
        self.write().certificates = certificates
            .into_iter()
            .map(|c| (c.serial_no.clone(), c))
            .collect();
    }

    /// The platform certificates trusted now, by serial.
    pub fn certificates(&self) -> Vec<PlatformCertificate> {
        let mut certificates: Vec<PlatformCertificate> =
            self.read().certificates.values().cloned().collect();
        certificates.sort_by(|a, b| a.serial_no.cmp(&b.serial_no));
        certificates
    }

    /// When the first trusted certificate stops being valid (Unix seconds).
    pub fn earliest_expiry(&self) -> Option<i64> {
        self.read().certificates.values().map(|c| c.not_after).min()
    }

    /// The ids of the public keys trusted now.
    pub fn public_key_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.read().keys.keys().cloned().collect();
        ids.sort();
        ids
    }

    /// The serials trusted now (public keys and certificates).
    pub fn serials(&self) -> Vec<String> {
        let trusted = self.read();
        let mut serials: Vec<String> = trusted
            .keys
            .keys()
            .chain(trusted.certificates.keys())
            .cloned()
            .collect();
        serials.sort();
        serials
    }

    fn key_for(&self, serial: &str, now: i64) -> Option<PublicKey> {
        let trusted = self.read();
        trusted.keys.get(serial).cloned().or_else(|| {
            trusted
                .certificates
                .get(serial)
                .filter(|c| c.is_valid_at(now))
                .map(|c| c.public_key.clone())
        })
    }

    /// Whether a message signed under `serial` could verify at `now`.
    pub fn knows(&self, serial: &str, now: i64) -> bool {
        self.key_for(serial, now).is_some()
    }

    /// Check a signed message (answer or notification): the serial is known (a certificate:
    /// valid at `now`), the timestamp is within [`MAX_CLOCK_SKEW_SECS`] of `now` (Unix
    /// seconds), and the signature covers `timestamp\nnonce\nbody\n`.
    pub fn verify(&self, signed: &Signed<'_>, now: i64) -> Result<(), PayError> {
        let key = self
            .key_for(signed.serial, now)
            .ok_or_else(|| PayError::UnknownSerial(signed.serial.to_string()))?;
        let timestamp: i64 = signed
            .timestamp
            .trim()
            .parse()
            .map_err(|_| PayError::BadSignature("the timestamp is not a number".into()))?;
        if (now - timestamp).abs() > MAX_CLOCK_SKEW_SECS {
            return Err(PayError::StaleTimestamp(signed.timestamp.to_string()));
        }
        let message = crypto::response_message(signed.timestamp, signed.nonce, signed.body);
        if key.verify(&message, signed.signature) {
            Ok(())
        } else {
            Err(PayError::BadSignature(
                "the signature does not match the body".into(),
            ))
        }
    }
}

/// The signed parts of an answer or a notification.
#[derive(Debug, Clone, Copy)]
pub struct Signed<'a> {
    /// `Wechatpay-Serial`.
    pub serial: &'a str,
    /// `Wechatpay-Timestamp`.
    pub timestamp: &'a str,
    /// `Wechatpay-Nonce`.
    pub nonce: &'a str,
    /// `Wechatpay-Signature`.
    pub signature: &'a str,
    /// The body, exactly as received.
    pub body: &'a str,
}

impl<'a> Signed<'a> {
    /// From HTTP headers; a missing header is a [`PayError::BadSignature`] naming it.
    pub fn from_headers(headers: &'a HeaderMap, body: &'a str) -> Result<Self, PayError> {
        let get = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| PayError::BadSignature(format!("no {name} header")))
        };
        Ok(Self {
            serial: get(headers::SERIAL)?,
            timestamp: get(headers::TIMESTAMP)?,
            nonce: get(headers::NONCE)?,
            signature: get(headers::SIGNATURE)?,
            body,
        })
    }
}
