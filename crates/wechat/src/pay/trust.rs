//! Keeping WeChat Pay's keys current in platform-certificate mode: the certificate list
//! downloaded and checked, refreshed on a timer, and once more when a serial is not known yet.

use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::Method;

use super::{
    certificates, unix_now, KeyMode, PayClient, PayError, Signed, Verifier, UNKNOWN_SERIAL_COOLDOWN,
};

impl PayClient {
    /// Verify an answer or a notification; in certificate mode a serial not known yet is given
    /// one download of the certificate list before it is refused.
    pub(super) async fn verify_signed(&self, signed: &Signed<'_>) -> Result<(), PayError> {
        match self.config.verifier.verify(signed, unix_now()) {
            Err(PayError::UnknownSerial(serial))
                if matches!(self.config.key_mode, KeyMode::PlatformCertificates { .. }) =>
            {
                self.refresh_for_unknown_serial(&serial).await;
                self.config.verifier.verify(signed, unix_now())
            }
            other => other,
        }
    }

    async fn refresh_for_unknown_serial(&self, serial: &str) {
        let mut fruitless_at = self.unknown_serial_refresh.lock().await;
        if self.config.verifier.knows(serial, unix_now()) {
            return; // another caller's download brought it meanwhile
        }
        if fruitless_at.is_some_and(|at| at.elapsed() < UNKNOWN_SERIAL_COOLDOWN) {
            return;
        }
        match self.download_certificates().await {
            Ok(_) if self.config.verifier.knows(serial, unix_now()) => {
                tracing::info!(serial, "WeChat Pay signs with a new platform certificate");
                *fruitless_at = None;
            }
            Ok(_) => *fruitless_at = Some(std::time::Instant::now()),
            Err(err) => {
                tracing::warn!(serial, error = %err, "platform certificates could not be downloaded");
                *fruitless_at = Some(std::time::Instant::now());
            }
        }
    }

    /// `GET /v3/certificates`: download WeChat Pay's platform certificates, decrypt them with the
    /// APIv3 key, check the answer's signature with them (or with a key already trusted), and
    /// trust exactly the valid ones from now on. Their serials.
    pub async fn download_certificates(&self) -> Result<Vec<String>, PayError> {
        let (answer_headers, text) = self
            .send(Method::GET, "/v3/certificates", None, HeaderMap::new())
            .await?;
        let list: certificates::CertificateList = serde_json::from_str(&text)
            .map_err(|err| PayError::BadResponse(format!("certificates: {err}")))?;
        let now = unix_now();
        let mut fresh = Vec::new();
        for entry in &list.data {
            let certificate = certificates::open_entry(&self.config.api_v3_key, entry)?;
            if certificate.is_valid_at(now) {
                fresh.push(certificate);
            }
        }
        if fresh.is_empty() {
            return Err(PayError::BadResponse(
                "the certificate list has no certificate valid now".into(),
            ));
        }
        let signed = Signed::from_headers(&answer_headers, &text)?;
        let downloaded = Verifier::default();
        downloaded.set_certificates(fresh.clone());
        match downloaded.verify(&signed, now) {
            Err(PayError::UnknownSerial(_)) => self.config.verifier.verify(&signed, now)?,
            other => other?,
        }
        let serials = fresh.iter().map(|c| c.serial_no.clone()).collect();
        self.config.verifier.set_certificates(fresh);
        Ok(serials)
    }

    /// In certificate mode, a task that downloads the certificate list again every
    /// `refresh_every`, sooner when a trusted certificate expires before that, and a minute
    /// after a failed download; `None` in public-key mode. Abort the handle to stop it.
    pub fn spawn_certificate_refresh(&self) -> Option<tokio::task::JoinHandle<()>> {
        let KeyMode::PlatformCertificates { refresh_every } = self.config.key_mode else {
            return None;
        };
        let client = self.clone();
        Some(tokio::spawn(async move {
            let mut failed = false;
            loop {
                let until_expiry =
                    client.config.verifier.earliest_expiry().map(|at| {
                        Duration::from_secs(u64::try_from(at - unix_now() + 1).unwrap_or(0))
                    });
                let mut wait = until_expiry.map_or(refresh_every, |d| d.min(refresh_every));
                if failed {
                    wait = wait.min(Duration::from_secs(60));
                }
                tokio::time::sleep(wait.max(Duration::from_millis(100))).await;
                match client.download_certificates().await {
                    Ok(serials) => {
                        tracing::debug!(?serials, "platform certificates refreshed");
                        failed = false;
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, "platform certificates could not be refreshed; the ones known stay trusted until they expire");
                        failed = true;
                    }
                }
            }
        }))
    }
}
