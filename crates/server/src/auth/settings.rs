//! Sign-in settings: how access and refresh tokens are signed and how long they live, and the
//! login rate limits.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::auth::jwt::{JwtKeys, KeyMaterial};
use crate::config::values::{positive, ConfigError, Mode, RateLimit, StringList};

/// Signs dev-mode tokens when no secret is configured; prod mode refuses to start with it.
const DEV_JWT_SECRET: &str = "minibase-dev-secret-do-not-use-in-production";
/// A longer grace would let a stolen, spent refresh token be used unnoticed for longer.
const MAX_REFRESH_GRACE_SECS: u64 = 60;

/// The raw keys (`MINIBASE_` + the name in capitals).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct RawAuthSettings {
    pub jwt_secret: Option<String>,
    pub jwt_algorithm: String,
    pub jwt_key_id: Option<String>,
    pub jwt_private_key_file: Option<String>,
    pub jwt_public_key_file: Option<String>,
    pub jwt_extra_public_keys: StringList,
    pub jwt_access_ttl_secs: u64,
    pub jwt_refresh_ttl_secs: u64,
    pub jwt_refresh_grace_secs: u64,
    pub login_rate_per_ip: u32,
    pub login_rate_per_openid: u32,
    pub login_rate_window_secs: u64,
    pub login_async_commit: bool,
}

impl Default for RawAuthSettings {
    fn default() -> Self {
        Self {
            jwt_secret: None,
            jwt_algorithm: "HS256".into(),
            jwt_key_id: None,
            jwt_private_key_file: None,
            jwt_public_key_file: None,
            jwt_extra_public_keys: StringList::default(),
            jwt_access_ttl_secs: 2 * 3600,
            jwt_refresh_ttl_secs: 30 * 24 * 3600,
            jwt_refresh_grace_secs: 10,
            login_rate_per_ip: 60,
            login_rate_per_openid: 10,
            login_rate_window_secs: 60,
            login_async_commit: false,
        }
    }
}

#[derive(Clone, Debug)]
pub struct JwtConfig {
    pub keys: Arc<JwtKeys>,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    /// How long the refresh token just replaced still gets the answer its replacement got
    /// (parallel refreshes from one client); later, presenting it again is reuse.
    pub refresh_grace: Duration,
}

#[derive(Debug, Clone)]
pub struct LoginLimits {
    pub per_ip: RateLimit,
    pub per_openid: RateLimit,
}

/// The validated sign-in settings (the configuration keeps them as `jwt`, `login_limits` ...).
pub struct AuthSettings {
    pub jwt: JwtConfig,
    /// True when the JWT secret is the built-in dev one (dev mode only).
    pub jwt_secret_is_default: bool,
    pub login_limits: LoginLimits,
    /// PostgreSQL: commit logins without waiting for the WAL flush (see docs/configuration.md).
    pub login_async_commit: bool,
}

impl RawAuthSettings {
    pub fn validate(&self, mode: Mode) -> Result<AuthSettings, ConfigError> {
        let (keys, jwt_secret_is_default) = self.keys(mode)?;
        positive("jwt_access_ttl_secs", self.jwt_access_ttl_secs)?;
        positive("jwt_refresh_ttl_secs", self.jwt_refresh_ttl_secs)?;
        if self.jwt_refresh_ttl_secs < self.jwt_access_ttl_secs {
            return Err(ConfigError::new(
                "jwt_refresh_ttl_secs",
                "must not be shorter than jwt_access_ttl_secs",
            ));
        }
        if self.jwt_refresh_grace_secs > MAX_REFRESH_GRACE_SECS {
            return Err(ConfigError::new(
                "jwt_refresh_grace_secs",
                format!("must be at most {MAX_REFRESH_GRACE_SECS}"),
            ));
        }
        positive("login_rate_window_secs", self.login_rate_window_secs)?;
        let window = Duration::from_secs(self.login_rate_window_secs);
        Ok(AuthSettings {
            jwt: JwtConfig {
                keys: Arc::new(keys),
                access_ttl: Duration::from_secs(self.jwt_access_ttl_secs),
                refresh_ttl: Duration::from_secs(self.jwt_refresh_ttl_secs),
                refresh_grace: Duration::from_secs(self.jwt_refresh_grace_secs),
            },
            jwt_secret_is_default,
            login_limits: LoginLimits {
                per_ip: RateLimit {
                    max: self.login_rate_per_ip,
                    window,
                },
                per_openid: RateLimit {
                    max: self.login_rate_per_openid,
                    window,
                },
            },
            login_async_commit: self.login_async_commit,
        })
    }

    /// What dev mode derives the data keys from when none are configured: the JWT secret, or
    /// the built-in dev one.
    pub fn dev_data_key_seed(&self) -> &str {
        self.jwt_secret
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or(DEV_JWT_SECRET)
    }

    /// HS256 with `jwt_secret`, or RS256/EdDSA with PEM key files (and a key id for rotation).
    fn keys(&self, mode: Mode) -> Result<(JwtKeys, bool), ConfigError> {
        let key_id = self
            .jwt_key_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from);
        match self.jwt_algorithm.trim() {
            "HS256" => {
                let (secret, is_default) =
                    match self.jwt_secret.as_deref().map(str::trim) {
                        None | Some("") if mode == Mode::Prod => return Err(ConfigError::new(
                            "jwt_secret",
                            "prod mode needs a secret of at least 32 bytes (it signs every token)",
                        )),
                        None | Some("") => (DEV_JWT_SECRET, true),
                        Some(secret) if secret.len() < 32 => {
                            return Err(ConfigError::new(
                                "jwt_secret",
                                "must be at least 32 bytes long",
                            ))
                        }
                        Some(secret) => (secret, false),
                    };
                let keys = JwtKeys::new(KeyMaterial::Secret(secret), key_id)
                    .map_err(|problem| ConfigError::new("jwt_secret", problem))?;
                Ok((keys, is_default))
            }
            name @ ("RS256" | "EdDSA") => {
                let algorithm = if name == "RS256" {
                    jsonwebtoken::Algorithm::RS256
                } else {
                    jsonwebtoken::Algorithm::EdDSA
                };
                let read = |key: &str, path: Option<&str>| -> Result<Vec<u8>, ConfigError> {
                    let path = path
                        .map(str::trim)
                        .filter(|p| !p.is_empty())
                        .ok_or_else(|| {
                            ConfigError::new(
                                key,
                                format!("is required with jwt_algorithm = {name}"),
                            )
                        })?;
                    std::fs::read(path)
                        .map_err(|err| ConfigError::new(key, format!("{path}: {err}")))
                };
                let private_pem =
                    read("jwt_private_key_file", self.jwt_private_key_file.as_deref())?;
                let public_pem = read("jwt_public_key_file", self.jwt_public_key_file.as_deref())?;
                let mut extra_public = Vec::new();
                for entry in self.jwt_extra_public_keys.items() {
                    let (kid, path) = entry.split_once('=').ok_or_else(|| {
                        ConfigError::new(
                            "jwt_extra_public_keys",
                            format!("'{entry}' is not kid=path"),
                        )
                    })?;
                    let pem = read("jwt_extra_public_keys", Some(path))?;
                    extra_public.push((kid.trim().to_string(), pem));
                }
                let keys = JwtKeys::new(
                    KeyMaterial::Pem {
                        algorithm,
                        private_pem: &private_pem,
                        public_pem: &public_pem,
                        extra_public,
                    },
                    key_id,
                )
                .map_err(|problem| ConfigError::new("jwt_private_key_file", problem))?;
                Ok((keys, false))
            }
            other => Err(ConfigError::new(
                "jwt_algorithm",
                format!("'{other}' is not one of HS256, RS256, EdDSA"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::assert_refused;

    #[test]
    fn bad_values_name_their_key() {
        assert_refused(
            |r| r.auth.jwt_secret = Some("short".into()),
            "MINIBASE_JWT_SECRET",
        );
        assert_refused(
            |r| r.auth.jwt_algorithm = "HS512".into(),
            "MINIBASE_JWT_ALGORITHM",
        );
        assert_refused(
            |r| r.auth.jwt_algorithm = "RS256".into(),
            "MINIBASE_JWT_PRIVATE_KEY_FILE",
        );
        assert_refused(
            |r| r.auth.jwt_refresh_grace_secs = 61,
            "MINIBASE_JWT_REFRESH_GRACE_SECS",
        );
    }
}
