//! The platform certificates (platform-certificate mode): made at first use, rotated and
//! withdrawn by tests, listed by `GET /v3/certificates`, and which key signs what.

use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::json;

use super::super::certificates::{self_signed_pem, serial_hex, CERTIFICATE_AAD};
use super::super::crypto::{self, ApiV3Key, PrivateKey};
use super::super::headers;
use super::{
    error, locked, rfc3339, unix_now, MockCertificate, MockMerchant, PayMock, SigningIdentity,
    CERTIFICATE_VALIDITY_SECS,
};

impl PayMock {
    fn make_certificate(
        key: PrivateKey,
        not_before: i64,
        not_after: i64,
    ) -> Result<MockCertificate, String> {
        // 20 random bytes, positive, 40 hex digits: what WeChat Pay's serials look like.
        let mut serial: [u8; 20] = rand::random();
        serial[0] = (serial[0] & 0x7f) | 0x10;
        let pem = self_signed_pem(
            &key,
            &serial,
            not_before,
            not_after,
            "Minibase mock WeChat Pay platform certificate",
        )
        .map_err(|e| e.to_string())?;
        Ok(MockCertificate {
            serial_no: serial_hex(&serial),
            key,
            pem,
            not_before,
            not_after,
        })
    }

    /// The platform certificates, oldest first; the first is made (with the mock's key) at
    /// first use.
    pub(super) fn platform_certificates(&self) -> Result<Vec<MockCertificate>, String> {
        let mut certificates = locked(&self.inner.certificates);
        if certificates.is_empty() {
            let now = unix_now();
            certificates.push(Self::make_certificate(
                self.key().clone(),
                now - 86_400,
                now + CERTIFICATE_VALIDITY_SECS,
            )?);
        }
        Ok(certificates.clone())
    }

    /// How many times `/v3/certificates` was downloaded.
    pub fn certificate_downloads(&self) -> u64 {
        self.inner.certificate_downloads.load(Ordering::SeqCst)
    }

    /// The serials of the platform certificates `/v3/certificates` lists, oldest first; the last
    /// one signs.
    pub fn certificate_serials(&self) -> Vec<String> {
        self.platform_certificates()
            .unwrap_or_default()
            .into_iter()
            .map(|c| c.serial_no)
            .collect()
    }

    /// Rotation: a new platform certificate (of `key`, or of a key made now, which is slow in
    /// unoptimised builds) is listed beside the old ones and signs from now on, as WeChat Pay
    /// does when it switches. The old ones stay listed and valid (the overlap) until
    /// [`Self::withdraw_certificate`]. Its serial.
    pub fn rotate_certificate(&self, key: Option<PrivateKey>) -> Result<String, String> {
        let key = match key {
            Some(key) => key,
            None => PrivateKey::generate().map_err(|e| e.to_string())?,
        };
        self.platform_certificates()?;
        let now = unix_now();
        let certificate = Self::make_certificate(key, now - 60, now + CERTIFICATE_VALIDITY_SECS)?;
        let serial = certificate.serial_no.clone();
        locked(&self.inner.certificates).push(certificate);
        Ok(serial)
    }

    /// The end of an overlap: a certificate is no longer listed (the last one cannot go).
    pub fn withdraw_certificate(&self, serial: &str) -> Result<(), String> {
        let mut certificates = locked(&self.inner.certificates);
        if certificates.len() < 2 || certificates.last().is_some_and(|c| c.serial_no == serial) {
            return Err("the signing certificate cannot be withdrawn".into());
        }
        let before = certificates.len();
        certificates.retain(|c| c.serial_no != serial);
        if certificates.len() == before {
            return Err("no such certificate".into());
        }
        Ok(())
    }

    pub(super) fn current_certificate(&self) -> Result<SigningIdentity, String> {
        let certificate = self
            .platform_certificates()?
            .pop()
            .ok_or("the mock has no platform certificate")?;
        Ok(SigningIdentity {
            serial: certificate.serial_no,
            key: certificate.key,
        })
    }

    fn public_key_identity(&self) -> SigningIdentity {
        SigningIdentity {
            serial: self.inner.public_key_id.clone(),
            key: self.key().clone(),
        }
    }

    /// What signs an answer to `merchant`'s request: the public key when the request names it
    /// in `Wechatpay-Serial` or the merchant is in public-key mode, else the current platform
    /// certificate.
    pub(super) fn signer_for(
        &self,
        merchant: &MockMerchant,
        headers: &HeaderMap,
    ) -> SigningIdentity {
        let names_public_key = headers
            .get(headers::SERIAL)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|s| s.trim() == self.inner.public_key_id));
        if merchant.platform_certificates && !names_public_key {
            if let Ok(signer) = self.current_certificate() {
                return signer;
            }
        }
        self.public_key_identity()
    }

    pub(super) fn notification_signer(
        &self,
        merchant: &MockMerchant,
    ) -> Result<SigningIdentity, String> {
        if merchant.platform_certificates {
            self.current_certificate()
        } else {
            Ok(self.public_key_identity())
        }
    }
}

/// `GET /v3/certificates`: every platform certificate valid now, each encrypted with the
/// merchant's APIv3 key; the answer is signed with the current certificate.
pub(super) async fn list_certificates(
    State(mock): State<PayMock>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let merchant = match mock.admit(&method, &uri, &headers, "") {
        Ok(m) => m,
        Err(answer) => return *answer,
    };
    let (certificates, signer) = match (mock.platform_certificates(), mock.current_certificate()) {
        (Ok(certificates), Ok(signer)) => (certificates, signer),
        (Err(err), _) | (_, Err(err)) => {
            return error(StatusCode::INTERNAL_SERVER_ERROR, "SYSTEM_ERROR", &err)
        }
    };
    let Ok(key) = ApiV3Key::new(&merchant.api_v3_key) else {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "SYSTEM_ERROR",
            "bad APIv3 key",
        );
    };
    mock.inner
        .certificate_downloads
        .fetch_add(1, Ordering::SeqCst);
    let now = unix_now();
    let mut data = Vec::new();
    for certificate in certificates.iter().filter(|c| c.not_after > now) {
        let nonce: String = crypto::nonce().chars().take(12).collect();
        let Ok(ciphertext) = key.encrypt(CERTIFICATE_AAD, &nonce, certificate.pem.as_bytes())
        else {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "SYSTEM_ERROR",
                "encryption failed",
            );
        };
        data.push(json!({
            "serial_no": certificate.serial_no,
            "effective_time": rfc3339(certificate.not_before),
            "expire_time": rfc3339(certificate.not_after),
            "encrypt_certificate": {
                "algorithm": "AEAD_AES_256_GCM",
                "nonce": nonce,
                "associated_data": CERTIFICATE_AAD,
                "ciphertext": ciphertext,
            },
        }));
    }
    mock.answer(&signer, StatusCode::OK, Some(json!({ "data": data })))
}
