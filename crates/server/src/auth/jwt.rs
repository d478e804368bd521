//! Access tokens: JWTs signed with HS256 (default), RS256 or EdDSA. Tokens carry a key id
//! (`kid`) when one is configured, so that keys can rotate and other services can verify them.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, ErrorCode};

pub const ISSUER: &str = "minibase";

/// Who a token speaks for: a mini-program user or an admin-console account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SubjectKind {
    User,
    Admin,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user's or admin's numeric id, as a string (RFC 7519).
    pub sub: String,
    /// Subject kind.
    pub knd: SubjectKind,
    /// Role when the token was issued (the server re-reads the live role on each request).
    pub role: String,
    /// The subject's token version: bumping it ends every session at once.
    pub ver: i32,
    /// Login session (users only), revocable on its own by logout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    pub iss: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
}

/// Signing and verification keys, built once from the configuration.
pub struct JwtKeys {
    algorithm: Algorithm,
    key_id: Option<String>,
    encoding: EncodingKey,
    /// Verification keys by kid; "" is the key for tokens without a kid.
    decoding: HashMap<String, DecodingKey>,
    validation: Validation,
    /// HS256's key, set up once. Every authenticated request verifies a token, and
    /// `jsonwebtoken::decode` re-derives the key, decodes the header twice, parses the claims
    /// twice and hashes with a portable SHA-256: 12% of a cached `users/me`. ring's HMAC (its
    /// SHA-256 uses the CPU's vector instructions) makes the same check, once.
    hs256: Option<ring::hmac::Key>,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtKeys")
            .field("algorithm", &self.algorithm)
            .field("key_id", &self.key_id)
            .field(
                "verification_kids",
                &self.decoding.keys().collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// How the keys are given.
pub enum KeyMaterial<'a> {
    Secret(&'a str),
    Pem {
        algorithm: Algorithm,
        private_pem: &'a [u8],
        public_pem: &'a [u8],
        /// Other services' or retired keys still accepted, by kid.
        extra_public: Vec<(String, Vec<u8>)>,
    },
}

impl JwtKeys {
    pub fn new(material: KeyMaterial<'_>, key_id: Option<String>) -> Result<Self, String> {
        let hs256 = match material {
            KeyMaterial::Secret(secret) => Some(ring::hmac::Key::new(
                ring::hmac::HMAC_SHA256,
                secret.as_bytes(),
            )),
            KeyMaterial::Pem { .. } => None,
        };
        let (algorithm, encoding, own, extra) = match material {
            KeyMaterial::Secret(secret) => (
                Algorithm::HS256,
                EncodingKey::from_secret(secret.as_bytes()),
                DecodingKey::from_secret(secret.as_bytes()),
                Vec::new(),
            ),
            KeyMaterial::Pem {
                algorithm,
                private_pem,
                public_pem,
                extra_public,
            } => {
                let (encoding, decoding) = match algorithm {
                    Algorithm::RS256 => (
                        EncodingKey::from_rsa_pem(private_pem)
                            .map_err(|e| format!("private key: {e}"))?,
                        DecodingKey::from_rsa_pem(public_pem)
                            .map_err(|e| format!("public key: {e}"))?,
                    ),
                    Algorithm::EdDSA => (
                        EncodingKey::from_ed_pem(private_pem)
                            .map_err(|e| format!("private key: {e}"))?,
                        DecodingKey::from_ed_pem(public_pem)
                            .map_err(|e| format!("public key: {e}"))?,
                    ),
                    other => return Err(format!("unsupported algorithm {other:?}")),
                };
                let mut extra = Vec::new();
                for (kid, pem) in extra_public {
                    let key = match algorithm {
                        Algorithm::RS256 => DecodingKey::from_rsa_pem(&pem),
                        _ => DecodingKey::from_ed_pem(&pem),
                    }
                    .map_err(|e| format!("public key {kid}: {e}"))?;
                    extra.push((kid, key));
                }
                (algorithm, encoding, decoding, extra)
            }
        };
        let mut decoding = HashMap::new();
        decoding.insert(key_id.clone().unwrap_or_default(), own.clone());
        decoding.insert(String::new(), own);
        for (kid, key) in extra {
            decoding.insert(kid, key);
        }
        let mut validation = Validation::new(algorithm);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iat", "sub", "iss"]);
        validation.leeway = 5;
        let keys = Self {
            algorithm,
            key_id,
            encoding,
            decoding,
            validation,
            hs256,
        };
        // Prove the pair works now rather than on the first login.
        let probe = keys
            .sign(&Claims {
                sub: "0".into(),
                knd: SubjectKind::User,
                role: "user".into(),
                ver: 0,
                sid: None,
                iss: ISSUER.into(),
                iat: chrono::Utc::now().timestamp(),
                exp: chrono::Utc::now().timestamp() + 60,
                jti: "probe".into(),
            })
            .map_err(|e| format!("cannot sign: {e}"))?;
        keys.verify(&probe).map_err(|e| {
            format!("the public key does not verify the private key's tokens ({e})")
        })?;
        Ok(keys)
    }

    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Sign `claims` (a [`Claims`]; anything serializable, for tests of what verification
    /// refuses).
    pub fn sign<T: Serialize>(&self, claims: &T) -> Result<String, jsonwebtoken::errors::Error> {
        let mut header = Header::new(self.algorithm);
        header.kid = self.key_id.clone();
        jsonwebtoken::encode(&header, claims, &self.encoding)
    }

    /// Verify a token: malformed (40101: not three base64url segments, or a header that is not
    /// JSON), invalid signature/algorithm/claims (40102: also a correctly signed payload that
    /// lacks a claim, such as `exp`), expired (40103). An `alg: none` token is invalid, never
    /// accepted.
    pub fn verify(&self, token: &str) -> Result<Claims, AppError> {
        let parts = split_token(token)?;
        let header = parse_header(parts.header)?;
        let kid = header.kid.as_deref().unwrap_or_default();
        if header.alg.parse::<Algorithm>().ok() != Some(self.algorithm) {
            return Err(AppError::new(
                ErrorCode::TokenInvalid,
                "token algorithm is not accepted",
            ));
        }
        let key = self
            .decoding
            .get(kid)
            .ok_or_else(|| AppError::new(ErrorCode::TokenInvalid, "token key id is not known"))?;
        match &self.hs256 {
            Some(hs256) => self.verify_hs256(hs256, &parts),
            None => jsonwebtoken::decode::<Claims>(token, key, &self.validation)
                .map(|data| data.claims)
                .map_err(|err| match err.kind() {
                    ErrorKind::ExpiredSignature => expired(),
                    // The header was parsed above, so a JSON error is in the signed claims.
                    ErrorKind::Base64(_) | ErrorKind::Utf8(_) => malformed(),
                    _ => AppError::new(ErrorCode::TokenInvalid, "token is not valid"),
                }),
        }
    }

    /// The signature first, then the claims, parsed once, checked as `self.validation` would.
    fn verify_hs256(
        &self,
        key: &ring::hmac::Key,
        parts: &TokenParts<'_>,
    ) -> Result<Claims, AppError> {
        let invalid = || AppError::new(ErrorCode::TokenInvalid, "token is not valid");
        let signature = base64url(parts.signature)?;
        // Compares in constant time.
        ring::hmac::verify(key, parts.signed.as_bytes(), &signature).map_err(|_| invalid())?;
        // Signed by the key, so well-formed as far as the sender goes: claims that are missing or
        // of the wrong type make the token invalid.
        let claims: Claims =
            serde_json::from_slice(&base64url(parts.payload)?).map_err(|_| invalid())?;
        if claims.iss != ISSUER {
            return Err(invalid());
        }
        let now = chrono::Utc::now().timestamp();
        if claims.exp < now - self.validation.leeway as i64 {
            return Err(expired());
        }
        Ok(claims)
    }

    pub fn new_claims(
        &self,
        kind: SubjectKind,
        id: i64,
        role: &str,
        ver: i32,
        sid: Option<String>,
        ttl: Duration,
    ) -> Claims {
        let now = chrono::Utc::now().timestamp();
        Claims {
            sub: id.to_string(),
            knd: kind,
            role: role.to_string(),
            ver,
            sid,
            iss: ISSUER.into(),
            iat: now,
            exp: now + ttl.as_secs() as i64,
            jti: uuid::Uuid::new_v4().simple().to_string(),
        }
    }
}

/// The header fields looked at before the signature is checked.
#[derive(Deserialize)]
struct RawHeader {
    #[serde(default)]
    alg: String,
    #[serde(default)]
    kid: Option<String>,
}

/// A compact JWS: `header.payload.signature`, and the part the signature covers.
struct TokenParts<'a> {
    header: &'a str,
    payload: &'a str,
    signature: &'a str,
    signed: &'a str,
}

/// Three segments, or the token is malformed.
fn split_token(token: &str) -> Result<TokenParts<'_>, AppError> {
    let (signed, signature) = token.rsplit_once('.').ok_or_else(malformed)?;
    let (header, payload) = signed.split_once('.').ok_or_else(malformed)?;
    if payload.contains('.') {
        return Err(malformed());
    }
    Ok(TokenParts {
        header,
        payload,
        signature,
        signed,
    })
}

fn base64url(segment: &str) -> Result<Vec<u8>, AppError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment.trim_end_matches('='))
        .map_err(|_| malformed())
}

/// A JSON-object header, or the token is malformed.
fn parse_header(header: &str) -> Result<RawHeader, AppError> {
    serde_json::from_slice::<RawHeader>(&base64url(header)?).map_err(|_| malformed())
}

fn malformed() -> AppError {
    AppError::new(ErrorCode::TokenMalformed, "token is not a well-formed JWT")
}

fn expired() -> AppError {
    AppError::new(ErrorCode::TokenExpired, "access token has expired")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> JwtKeys {
        JwtKeys::new(
            KeyMaterial::Secret("0123456789abcdef0123456789abcdef"),
            None,
        )
        .unwrap()
    }

    #[test]
    fn round_trip() {
        let keys = keys();
        let claims = keys.new_claims(
            SubjectKind::User,
            7,
            "user",
            0,
            Some("s".into()),
            Duration::from_secs(60),
        );
        let token = keys.sign(&claims).unwrap();
        let back = keys.verify(&token).unwrap();
        assert_eq!(back.sub, "7");
        assert_eq!(back.sid.as_deref(), Some("s"));
    }

    #[test]
    fn rejects_forgeries() {
        let keys = keys();
        let claims = keys.new_claims(
            SubjectKind::User,
            7,
            "user",
            0,
            None,
            Duration::from_secs(60),
        );
        let token = keys.sign(&claims).unwrap();
        assert_eq!(
            keys.verify("nonsense").unwrap_err().code(),
            ErrorCode::TokenMalformed
        );
        assert_eq!(
            keys.verify("a.b.c").unwrap_err().code(),
            ErrorCode::TokenMalformed
        );
        // Tampered payload.
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged_claims = keys.new_claims(
            SubjectKind::User,
            1,
            "admin",
            0,
            None,
            Duration::from_secs(60),
        );
        let forged_payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(serde_json::to_vec(&forged_claims).unwrap());
        parts[1] = &forged_payload;
        assert_eq!(
            keys.verify(&parts.join(".")).unwrap_err().code(),
            ErrorCode::TokenInvalid
        );
        // alg: none.
        let none_header = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"alg":"none","typ":"JWT"}"#);
        let none = format!("{none_header}.{forged_payload}.");
        assert_eq!(
            keys.verify(&none).unwrap_err().code(),
            ErrorCode::TokenInvalid
        );
        // Another key.
        let other = JwtKeys::new(
            KeyMaterial::Secret("another-secret-another-secret-123"),
            None,
        )
        .unwrap();
        assert_eq!(
            keys.verify(&other.sign(&claims).unwrap())
                .unwrap_err()
                .code(),
            ErrorCode::TokenInvalid
        );
        // Four segments.
        assert_eq!(
            keys.verify(&format!("{token}.x")).unwrap_err().code(),
            ErrorCode::TokenMalformed
        );
        // Signed with the right key, but not issued by Minibase.
        let mut foreign = claims.clone();
        foreign.iss = "someone-else".into();
        assert_eq!(
            keys.verify(&keys.sign(&foreign).unwrap())
                .unwrap_err()
                .code(),
            ErrorCode::TokenInvalid
        );
        // Correctly signed, but without `exp` (or another claim): invalid, not malformed.
        for missing in ["exp", "sub", "knd"] {
            let mut partial = serde_json::to_value(&claims).unwrap();
            partial.as_object_mut().unwrap().remove(missing);
            assert_eq!(
                keys.verify(&keys.sign(&partial).unwrap())
                    .unwrap_err()
                    .code(),
                ErrorCode::TokenInvalid,
                "without {missing}"
            );
        }
        // Expired, but within the 5 s of leeway for clock skew.
        let mut just = claims.clone();
        just.exp = chrono::Utc::now().timestamp() - 2;
        assert!(keys.verify(&keys.sign(&just).unwrap()).is_ok());
        // Expired.
        let mut old = claims.clone();
        old.iat -= 3600;
        old.exp = chrono::Utc::now().timestamp() - 60;
        assert_eq!(
            keys.verify(&keys.sign(&old).unwrap()).unwrap_err().code(),
            ErrorCode::TokenExpired
        );
    }

    #[test]
    fn signed_claims_missing_exp_are_invalid_with_key_pairs_too() {
        let keys = JwtKeys::new(
            KeyMaterial::Pem {
                algorithm: Algorithm::EdDSA,
                private_pem: include_bytes!("../../tests/fixtures/ed25519-test-private.pem"),
                public_pem: include_bytes!("../../tests/fixtures/ed25519-test-public.pem"),
                extra_public: Vec::new(),
            },
            None,
        )
        .unwrap();
        let claims = keys.new_claims(
            SubjectKind::User,
            7,
            "user",
            0,
            None,
            Duration::from_secs(60),
        );
        for missing in ["exp", "knd"] {
            let mut partial = serde_json::to_value(&claims).unwrap();
            partial.as_object_mut().unwrap().remove(missing);
            assert_eq!(
                keys.verify(&keys.sign(&partial).unwrap())
                    .unwrap_err()
                    .code(),
                ErrorCode::TokenInvalid,
                "without {missing}"
            );
        }
    }
}
