//! The cryptography of WeChat Pay API v3, with no network: the request signature
//! (`WECHATPAY2-SHA256-RSA2048`), the answer and notification signature check, the
//! `AEAD_AES_256_GCM` resources, and the mini-program's `paySign`.
//!
//! Every signature is RSASSA-PKCS1-v1_5 with SHA-256 over a message of lines, each ending in
//! `\n`, Base64 encoded:
//!
//! | what | message |
//! |---|---|
//! | a request (merchant key) | `METHOD\nURL path?query\ntimestamp\nnonce\nbody\n` |
//! | an answer or a notification (WeChat Pay's key) | `timestamp\nnonce\nbody\n` |
//! | `wx.requestPayment` (merchant key) | `appId\ntimeStamp\nnonceStr\nprepay_id=...\n` |

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::{engine::general_purpose::STANDARD, Engine as _};
use rand::Rng;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding,
};
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::Sha256;

use super::PayError;

/// The scheme name in the `Authorization` header.
pub const SCHEMA: &str = "WECHATPAY2-SHA256-RSA2048";

/// A merchant's (or, in the mock, WeChat Pay's) RSA private key.
#[derive(Clone)]
pub struct PrivateKey {
    signer: SigningKey<Sha256>,
    key: RsaPrivateKey,
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrivateKey(..)")
    }
}

impl PrivateKey {
    /// From the PKCS#8 PEM the merchant console's certificate tool writes
    /// (`apiclient_key.pem`, `-----BEGIN PRIVATE KEY-----`). PKCS#1
    /// (`BEGIN RSA PRIVATE KEY`) is accepted too.
    pub fn from_pem(pem: &str) -> Result<Self, PayError> {
        use rsa::pkcs1::DecodeRsaPrivateKey;
        let key = RsaPrivateKey::from_pkcs8_pem(pem.trim())
            .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem.trim()))
            .map_err(|err| PayError::Key(format!("not an RSA private key in PEM: {err}")))?;
        Ok(Self::from_key(key))
    }

    /// A fresh 2048-bit key (tests and the mock; slow in unoptimised builds).
    pub fn generate() -> Result<Self, PayError> {
        let key = RsaPrivateKey::new(&mut rand::thread_rng(), 2048)
            .map_err(|err| PayError::Key(err.to_string()))?;
        Ok(Self::from_key(key))
    }

    fn from_key(key: RsaPrivateKey) -> Self {
        Self {
            signer: SigningKey::<Sha256>::new(key.clone()),
            key,
        }
    }

    /// The key as PKCS#8 PEM.
    pub fn to_pem(&self) -> Result<String, PayError> {
        self.key
            .to_pkcs8_pem(LineEnding::LF)
            .map(|pem| pem.to_string())
            .map_err(|err| PayError::Key(err.to_string()))
    }

    /// The RSA-SHA256 signer (certificates of the mock pay platform).
    pub(crate) fn signing_key(&self) -> &SigningKey<Sha256> {
        &self.signer
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey::from_key(self.key.to_public_key())
    }

    /// Base64 of the RSA-SHA256 signature of `message`.
    pub fn sign(&self, message: &str) -> String {
        let signature: Signature = self.signer.sign(message.as_bytes());
        STANDARD.encode(signature.to_bytes())
    }
}

/// WeChat Pay's public key (or a platform certificate's), which verifies its answers.
#[derive(Clone)]
pub struct PublicKey {
    verifier: VerifyingKey<Sha256>,
    key: RsaPublicKey,
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PublicKey(..)")
    }
}

impl PublicKey {
    /// From PEM: `BEGIN PUBLIC KEY` (what the console gives as `pub_key.pem`) or
    /// `BEGIN RSA PUBLIC KEY`.
    pub fn from_pem(pem: &str) -> Result<Self, PayError> {
        let key = RsaPublicKey::from_public_key_pem(pem.trim())
            .or_else(|_| RsaPublicKey::from_pkcs1_pem(pem.trim()))
            .map_err(|err| PayError::Key(format!("not an RSA public key in PEM: {err}")))?;
        Ok(Self::from_key(key))
    }

    /// From the DER of a SubjectPublicKeyInfo (what a certificate holds).
    pub fn from_spki_der(der: &[u8]) -> Result<Self, PayError> {
        let key = RsaPublicKey::from_public_key_der(der)
            .map_err(|err| PayError::Key(format!("not an RSA public key: {err}")))?;
        Ok(Self::from_key(key))
    }

    fn from_key(key: RsaPublicKey) -> Self {
        Self {
            verifier: VerifyingKey::<Sha256>::new(key.clone()),
            key,
        }
    }

    /// The key as `BEGIN PUBLIC KEY` PEM.
    pub fn to_pem(&self) -> Result<String, PayError> {
        self.key
            .to_public_key_pem(LineEnding::LF)
            .map_err(|err| PayError::Key(err.to_string()))
    }

    /// Whether `signature` (Base64) is this key's signature of `message`.
    pub fn verify(&self, message: &str, signature: &str) -> bool {
        let Ok(bytes) = STANDARD.decode(signature.trim()) else {
            return false;
        };
        let Ok(signature) = Signature::try_from(bytes.as_slice()) else {
            return false;
        };
        self.verifier.verify(message.as_bytes(), &signature).is_ok()
    }
}

/// The message a request signature covers. `url` is the path with its query string, as sent
/// (`/v3/pay/transactions/out-trade-no/1217752501201407033233368018?mchid=1230000109`); `body`
/// is empty for GET.
pub fn request_message(method: &str, url: &str, timestamp: i64, nonce: &str, body: &str) -> String {
    format!("{method}\n{url}\n{timestamp}\n{nonce}\n{body}\n")
}

/// The message an answer's or a notification's signature covers.
pub fn response_message(timestamp: &str, nonce: &str, body: &str) -> String {
    format!("{timestamp}\n{nonce}\n{body}\n")
}

/// The `Authorization` header value of a request (the arguments are the message's parts, in
/// its order, after the merchant's key and names).
#[allow(clippy::too_many_arguments)]
pub fn authorization(
    key: &PrivateKey,
    mchid: &str,
    serial_no: &str,
    method: &str,
    url: &str,
    timestamp: i64,
    nonce: &str,
    body: &str,
) -> String {
    let signature = key.sign(&request_message(method, url, timestamp, nonce, body));
    format!(
        "{SCHEMA} mchid=\"{mchid}\",nonce_str=\"{nonce}\",signature=\"{signature}\",timestamp=\"{timestamp}\",serial_no=\"{serial_no}\""
    )
}

/// The parts of an `Authorization` header (what WeChat Pay reads from a request).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationParts {
    /// `mchid`.
    pub mchid: String,
    /// `nonce_str`.
    pub nonce_str: String,
    /// `signature`, Base64.
    pub signature: String,
    /// `timestamp`, Unix seconds as sent.
    pub timestamp: String,
    /// `serial_no` of the merchant certificate.
    pub serial_no: String,
}

/// Parse `WECHATPAY2-SHA256-RSA2048 k="v",...`; None when the scheme or a field is missing.
pub fn parse_authorization(header: &str) -> Option<AuthorizationParts> {
    let rest = header.trim().strip_prefix(SCHEMA)?.trim_start();
    let mut fields = std::collections::HashMap::new();
    for item in rest.split(',') {
        let (name, value) = item.trim().split_once('=')?;
        let value = value.trim().strip_prefix('"')?.strip_suffix('"')?;
        fields.insert(name.trim(), value.to_string());
    }
    Some(AuthorizationParts {
        mchid: fields.remove("mchid")?,
        nonce_str: fields.remove("nonce_str")?,
        signature: fields.remove("signature")?,
        timestamp: fields.remove("timestamp")?,
        serial_no: fields.remove("serial_no")?,
    })
}

/// 32 random characters from `[0-9A-Z]`, as WeChat Pay's SDKs make nonces.
pub fn nonce() -> String {
    const CHARS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut rng = rand::thread_rng();
    (0..32)
        .map(|_| char::from(CHARS[rng.gen_range(0..CHARS.len())]))
        .collect()
}

/// The APIv3 key: exactly 32 bytes, set by the merchant in the console.
#[derive(Clone)]
pub struct ApiV3Key([u8; 32]);

impl std::fmt::Debug for ApiV3Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiV3Key(..)")
    }
}

impl ApiV3Key {
    /// The key as set in the console (32 ASCII characters).
    pub fn new(key: &str) -> Result<Self, PayError> {
        let bytes: [u8; 32] = key.as_bytes().try_into().map_err(|_| {
            PayError::Key(format!("the APIv3 key must be 32 bytes, not {}", key.len()))
        })?;
        Ok(Self(bytes))
    }

    /// Decrypt an `AEAD_AES_256_GCM` resource: `ciphertext` is Base64 of the encrypted text
    /// followed by the 16-byte tag; `nonce` is the 12-character string; `associated_data` is
    /// authenticated, not encrypted. Fails when any of them was changed.
    pub fn decrypt(
        &self,
        associated_data: &str,
        nonce: &str,
        ciphertext: &str,
    ) -> Result<Vec<u8>, PayError> {
        let nonce = nonce.as_bytes();
        if nonce.len() != 12 {
            return Err(PayError::Decrypt("the nonce must be 12 bytes".into()));
        }
        let data = STANDARD
            .decode(ciphertext.trim())
            .map_err(|_| PayError::Decrypt("the ciphertext is not Base64".into()))?;
        let cipher = Aes256Gcm::new((&self.0).into());
        cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: &data,
                    aad: associated_data.as_bytes(),
                },
            )
            .map_err(|_| {
                PayError::Decrypt("authentication failed (wrong key or altered data)".into())
            })
    }

    /// Encrypt as WeChat Pay does (the mock's notifications and certificates): Base64 of
    /// ciphertext and tag.
    pub fn encrypt(
        &self,
        associated_data: &str,
        nonce: &str,
        plaintext: &[u8],
    ) -> Result<String, PayError> {
        let nonce = nonce.as_bytes();
        if nonce.len() != 12 {
            return Err(PayError::Decrypt("the nonce must be 12 bytes".into()));
        }
        let cipher = Aes256Gcm::new((&self.0).into());
        let data = cipher
            .encrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: plaintext,
                    aad: associated_data.as_bytes(),
                },
            )
            .map_err(|_| PayError::Decrypt("encryption failed".into()))?;
        Ok(STANDARD.encode(data))
    }
}

/// The `paySign` of `wx.requestPayment`.
pub fn pay_sign(
    key: &PrivateKey,
    appid: &str,
    timestamp: &str,
    nonce: &str,
    package: &str,
) -> String {
    key.sign(&format!("{appid}\n{timestamp}\n{nonce}\n{package}\n"))
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::OnceLock;

    use super::*;

    /// One generated key per test binary: key generation is slow in debug builds.
    pub(crate) fn test_key() -> &'static PrivateKey {
        static KEY: OnceLock<PrivateKey> = OnceLock::new();
        KEY.get_or_init(|| PrivateKey::generate().expect("key"))
    }

    #[test]
    fn request_message_follows_the_documented_layout() {
        // The example of the v3 signing guide ("签名生成"): GET of the certificate list.
        assert_eq!(
            request_message(
                "GET",
                "/v3/certificates",
                1554208460,
                "593BEC0C930BF1AFEB40B4A08C8FB242",
                ""
            ),
            "GET\n/v3/certificates\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n"
        );
        assert_eq!(
            response_message(
                "1554209980",
                "c5ac7061fccab6bf3e254dcf98995b8c",
                "{\"a\":1}"
            ),
            "1554209980\nc5ac7061fccab6bf3e254dcf98995b8c\n{\"a\":1}\n"
        );
    }

    #[test]
    fn authorization_header_parses_back_and_verifies() {
        let key = test_key();
        let header = authorization(
            key,
            "1900009191",
            "408B07E79B8269FEC3D5D3E6AB8ED163A6A380DB",
            "POST",
            "/v3/pay/transactions/jsapi",
            1554208460,
            "593BEC0C930BF1AFEB40B4A08C8FB242",
            "{\"x\":1}",
        );
        assert!(header.starts_with("WECHATPAY2-SHA256-RSA2048 mchid=\"1900009191\",nonce_str="));
        let parts = parse_authorization(&header).expect("parses");
        assert_eq!(parts.mchid, "1900009191");
        assert_eq!(parts.timestamp, "1554208460");
        assert_eq!(parts.serial_no, "408B07E79B8269FEC3D5D3E6AB8ED163A6A380DB");
        let public = key.public_key();
        let message = request_message(
            "POST",
            "/v3/pay/transactions/jsapi",
            1554208460,
            &parts.nonce_str,
            "{\"x\":1}",
        );
        assert!(public.verify(&message, &parts.signature));
        // Any change of method, URL, time, nonce or body breaks it.
        for other in [
            request_message(
                "GET",
                "/v3/pay/transactions/jsapi",
                1554208460,
                &parts.nonce_str,
                "{\"x\":1}",
            ),
            request_message(
                "POST",
                "/v3/pay/transactions/jsapi?a",
                1554208460,
                &parts.nonce_str,
                "{\"x\":1}",
            ),
            request_message(
                "POST",
                "/v3/pay/transactions/jsapi",
                1554208461,
                &parts.nonce_str,
                "{\"x\":1}",
            ),
            request_message(
                "POST",
                "/v3/pay/transactions/jsapi",
                1554208460,
                "X",
                "{\"x\":1}",
            ),
            request_message(
                "POST",
                "/v3/pay/transactions/jsapi",
                1554208460,
                &parts.nonce_str,
                "{\"x\":2}",
            ),
        ] {
            assert!(!public.verify(&other, &parts.signature), "{other:?}");
        }
        assert!(parse_authorization("Bearer abc").is_none());
        assert!(parse_authorization("WECHATPAY2-SHA256-RSA2048 mchid=\"1\"").is_none());
    }

    #[test]
    fn signatures_are_deterministic_and_keys_round_trip_through_pem() {
        let key = test_key();
        // PKCS#1 v1.5 has no randomness: the same message gives the same signature.
        assert_eq!(key.sign("a\n"), key.sign("a\n"));
        let again = PrivateKey::from_pem(&key.to_pem().unwrap()).unwrap();
        assert_eq!(again.sign("a\n"), key.sign("a\n"));
        let public = PublicKey::from_pem(&key.public_key().to_pem().unwrap()).unwrap();
        assert!(public.verify("a\n", &key.sign("a\n")));
        assert!(!public.verify("a\n", "not base64!"));
        assert!(!public.verify("a\n", &STANDARD.encode([0u8; 256])));
        assert!(PrivateKey::from_pem(
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"
        )
        .is_err());
    }

    #[test]
    fn pay_sign_covers_the_four_lines() {
        let key = test_key();
        let sign = pay_sign(
            key,
            "wxd678efh567hg6787",
            "1414561699",
            "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
            "prepay_id=wx201410272009395522657a690389285100",
        );
        assert!(key.public_key().verify(
            "wxd678efh567hg6787\n1414561699\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\nprepay_id=wx201410272009395522657a690389285100\n",
            &sign
        ));
    }

    #[test]
    fn aead_round_trips_and_refuses_any_change() {
        let key = ApiV3Key::new("0123456789abcdef0123456789abcdef").unwrap();
        let sealed = key
            .encrypt("transaction", "fdasflkja484", b"{\"a\":1}")
            .unwrap();
        assert_eq!(
            key.decrypt("transaction", "fdasflkja484", &sealed).unwrap(),
            b"{\"a\":1}"
        );
        assert!(key.decrypt("certificate", "fdasflkja484", &sealed).is_err());
        assert!(key.decrypt("transaction", "fdasflkja485", &sealed).is_err());
        let mut bytes = STANDARD.decode(&sealed).unwrap();
        bytes[0] ^= 1;
        assert!(key
            .decrypt("transaction", "fdasflkja484", &STANDARD.encode(&bytes))
            .is_err());
        // Truncated: the tag is cut.
        assert!(key
            .decrypt(
                "transaction",
                "fdasflkja484",
                &STANDARD.encode(&bytes[..10])
            )
            .is_err());
        let other = ApiV3Key::new("fedcba9876543210fedcba9876543210").unwrap();
        assert!(other
            .decrypt("transaction", "fdasflkja484", &sealed)
            .is_err());
        assert!(ApiV3Key::new("short").is_err());
        assert!(nonce().len() == 32 && nonce() != nonce());
    }
}
