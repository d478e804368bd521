//! Notifications: verified like answers, then their resource decrypted with the APIv3 key.

use super::{Notification, NotificationBody, PayClient, PayError, Signed};

impl PayClient {
    /// Verify a notification (signature by a trusted key, timestamp within 5 minutes) and
    /// decrypt its resource with the APIv3 key. Nothing of the body is read before the
    /// signature checks out. In certificate mode, a serial not known yet is given one download
    /// of the certificate list first.
    pub async fn parse_notification(&self, signed: &Signed<'_>) -> Result<Notification, PayError> {
        self.verify_signed(signed).await?;
        self.open_notification(signed.body)
    }

    /// [`Self::parse_notification`] with an explicit clock (Unix seconds) and no download.
    pub fn parse_notification_at(
        &self,
        signed: &Signed<'_>,
        now: i64,
    ) -> Result<Notification, PayError> {
        self.config.verifier.verify(signed, now)?;
        self.open_notification(signed.body)
    }

    /// Decrypt a verified notification's resource.
    fn open_notification(&self, body: &str) -> Result<Notification, PayError> {
        let body: NotificationBody = serde_json::from_str(body)
            .map_err(|err| PayError::BadResponse(format!("notification: {err}")))?;
        if body.resource.algorithm != "AEAD_AES_256_GCM" {
            return Err(PayError::Decrypt(format!(
                "unknown algorithm '{}'",
                body.resource.algorithm
            )));
        }
        let plaintext = self.config.api_v3_key.decrypt(
            &body.resource.associated_data,
            &body.resource.nonce,
            &body.resource.ciphertext,
        )?;
        let plaintext = String::from_utf8(plaintext)
            .map_err(|_| PayError::Decrypt("the resource is not UTF-8".into()))?;
        Ok(Notification {
            id: body.id,
            event_type: body.event_type,
            create_time: body.create_time,
            plaintext,
        })
    }
}
