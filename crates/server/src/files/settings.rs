//! The files' settings: where uploads are stored (a local folder or S3) and how large they may
//! be.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::config::values::{positive, ConfigError};

/// The raw keys (`MINIBASE_` + the name in capitals).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct RawFilesSettings {
    pub files_store: String,
    pub files_dir: String,
    pub files_max_bytes: u64,
    pub files_max_pixels: u64,
    pub s3_bucket: Option<String>,
    pub s3_region: Option<String>,
    pub s3_endpoint: Option<String>,
    pub s3_access_key_id: Option<String>,
    pub s3_secret_access_key: Option<String>,
}

impl Default for RawFilesSettings {
    fn default() -> Self {
        Self {
            files_store: "local".into(),
            files_dir: "data/files".into(),
            files_max_bytes: 10 * 1024 * 1024,
            files_max_pixels: 40_000_000,
            s3_bucket: None,
            s3_region: None,
            s3_endpoint: None,
            s3_access_key_id: None,
            s3_secret_access_key: None,
        }
    }
}

#[derive(Debug, Clone)]
pub enum FileBackend {
    Local {
        dir: PathBuf,
    },
    S3 {
        bucket: String,
        region: String,
        endpoint: Option<String>,
        access_key_id: Option<String>,
        secret_access_key: Option<String>,
    },
}

#[derive(Debug, Clone)]
pub struct FilesConfig {
    pub backend: FileBackend,
    pub max_bytes: usize,
    pub max_pixels: u64,
}

impl RawFilesSettings {
    pub fn validate(&self) -> Result<FilesConfig, ConfigError> {
        let nonempty = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
        };
        let backend = match self.files_store.trim() {
            "local" => FileBackend::Local {
                dir: PathBuf::from(self.files_dir.trim()),
            },
            "s3" => FileBackend::S3 {
                bucket: nonempty(&self.s3_bucket).ok_or_else(|| {
                    ConfigError::new("s3_bucket", "is required with files_store = s3")
                })?,
                region: nonempty(&self.s3_region).unwrap_or_else(|| "us-east-1".into()),
                endpoint: nonempty(&self.s3_endpoint),
                access_key_id: nonempty(&self.s3_access_key_id),
                secret_access_key: nonempty(&self.s3_secret_access_key),
            },
            other => {
                return Err(ConfigError::new(
                    "files_store",
                    format!("'{other}' is not one of local, s3"),
                ))
            }
        };
        if self.files_max_bytes < 1024 {
            return Err(ConfigError::new("files_max_bytes", "must be at least 1024"));
        }
        positive("files_max_pixels", self.files_max_pixels)?;
        Ok(FilesConfig {
            backend,
            max_bytes: usize::try_from(self.files_max_bytes)
                .map_err(|_| ConfigError::new("files_max_bytes", "is too large"))?,
            max_pixels: self.files_max_pixels,
        })
    }
}
