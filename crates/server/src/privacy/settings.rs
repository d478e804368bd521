//! The privacy settings: the data encryption keys, account deletion and the purges
//! (docs/privacy.md).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::values::{positive, ConfigError, Mode, StringList};
use crate::privacy::cipher::{decode_key, DataCipher};

/// The raw keys (`MINIBASE_` + the name in capitals).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct RawPrivacySettings {
    pub data_keys: StringList,
    pub data_hash_key: Option<String>,
    pub account_deletion_grace_secs: u64,
    pub privacy_sweep_interval_secs: u64,
    pub purge_sessions_after_secs: u64,
    pub purge_jobs_after_secs: u64,
    pub purge_orphan_files_after_secs: u64,
}

impl Default for RawPrivacySettings {
    fn default() -> Self {
        Self {
            data_keys: StringList::default(),
            data_hash_key: None,
            account_deletion_grace_secs: 15 * 24 * 3600,
            privacy_sweep_interval_secs: 300,
            purge_sessions_after_secs: 7 * 24 * 3600,
            purge_jobs_after_secs: 7 * 24 * 3600,
            purge_orphan_files_after_secs: 7 * 24 * 3600,
        }
    }
}

/// Personal data: encryption keys, account deletion, purges (see docs/privacy.md).
#[derive(Debug, Clone)]
pub struct PrivacyConfig {
    pub cipher: std::sync::Arc<DataCipher>,
    /// True when the keys were derived in dev mode rather than configured.
    pub keys_derived: bool,
    /// How long a deletion request waits (logging in cancels it) before the data is erased.
    pub deletion_grace: Duration,
    /// How often each node runs the sweep (re-encryption, due deletions, purges).
    pub sweep_interval: Duration,
    /// Sessions are deleted this long after they expired or were revoked.
    pub purge_sessions_after: Duration,
    /// Finished jobs are deleted this long after they finished.
    pub purge_jobs_after: Duration,
    /// Uploads nothing refers to are deleted at this age; `None`: never.
    pub purge_orphan_files_after: Option<Duration>,
}

impl RawPrivacySettings {
    /// `dev_seed` derives the keys in dev mode when none are configured.
    pub fn validate(&self, mode: Mode, dev_seed: &str) -> Result<PrivacyConfig, ConfigError> {
        let entries = self.data_keys.items();
        let (cipher, keys_derived) = if entries.is_empty() {
            if mode == Mode::Prod {
                return Err(ConfigError::new(
                    "data_keys",
                    "prod mode needs a data key (id:base64 of 32 random bytes): it encrypts \
                     session keys and phone numbers at rest",
                ));
            }
            (DataCipher::derived(dev_seed), true)
        } else {
            let mut keys = Vec::new();
            for entry in entries {
                let (id, key) = entry
                    .split_once(':')
                    .ok_or_else(|| ConfigError::new("data_keys", "each entry is id:base64-key"))?;
                let key = decode_key(key).map_err(|problem| {
                    ConfigError::new("data_keys", format!("key '{id}' {problem}"))
                })?;
                keys.push((id.trim().to_string(), key));
            }
            let hash_key = match self.data_hash_key.as_deref().map(str::trim) {
                None | Some("") => {
                    return Err(ConfigError::new(
                        "data_hash_key",
                        "is required with data_keys (base64 of 32 random bytes; it keys the \
                         phone-number lookup hash and is not rotated with data_keys)",
                    ))
                }
                Some(text) => decode_key(text)
                    .map_err(|problem| ConfigError::new("data_hash_key", problem))?,
            };
            let cipher = DataCipher::new(keys, hash_key)
                .map_err(|problem| ConfigError::new("data_keys", problem))?;
            (cipher, false)
        };
        positive(
            "privacy_sweep_interval_secs",
            self.privacy_sweep_interval_secs,
        )?;
        positive("purge_sessions_after_secs", self.purge_sessions_after_secs)?;
        positive("purge_jobs_after_secs", self.purge_jobs_after_secs)?;
        Ok(PrivacyConfig {
            cipher: std::sync::Arc::new(cipher),
            keys_derived,
            deletion_grace: Duration::from_secs(self.account_deletion_grace_secs),
            sweep_interval: Duration::from_secs(self.privacy_sweep_interval_secs),
            purge_sessions_after: Duration::from_secs(self.purge_sessions_after_secs),
            purge_jobs_after: Duration::from_secs(self.purge_jobs_after_secs),
            purge_orphan_files_after: (self.purge_orphan_files_after_secs > 0)
                .then(|| Duration::from_secs(self.purge_orphan_files_after_secs)),
        })
    }
}
