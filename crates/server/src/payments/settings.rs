//! WeChat Pay's settings: the merchant (all of its keys or none), where notifications go and
//! how long calls wait (docs/payments.md).

use std::time::Duration;

use minibase_wechat::mock::MockConfig;
use minibase_wechat::pay::{ApiV3Key, KeyMode, PayConfig, PrivateKey, PublicKey, Verifier};
use serde::{Deserialize, Serialize};

use crate::config::values::{digits_as_text, env_name, positive, ConfigError, Mode};

/// The raw keys (`MINIBASE_` + the name in capitals).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct RawPaySettings {
    #[serde(deserialize_with = "digits_as_text")]
    pub wechat_pay_mchid: Option<String>,
    pub wechat_pay_appid: Option<String>,
    pub wechat_pay_serial_no: Option<String>,
    pub wechat_pay_private_key: Option<String>,
    pub wechat_pay_private_key_file: Option<String>,
    pub wechat_pay_api_v3_key: Option<String>,
    pub wechat_pay_public_key_id: Option<String>,
    pub wechat_pay_public_key: Option<String>,
    pub wechat_pay_public_key_file: Option<String>,
    pub wechat_pay_key_mode: String,
    pub wechat_pay_certificate_refresh_secs: u64,
    pub wechat_pay_api_base: String,
    pub wechat_pay_notify_base: Option<String>,
    pub wechat_pay_timeout_secs: u64,
    pub wechat_pay_query_after_secs: u64,
}

impl Default for RawPaySettings {
    fn default() -> Self {
        Self {
            wechat_pay_mchid: None,
            wechat_pay_appid: None,
            wechat_pay_serial_no: None,
            wechat_pay_private_key: None,
            wechat_pay_private_key_file: None,
            wechat_pay_api_v3_key: None,
            wechat_pay_public_key_id: None,
            wechat_pay_public_key: None,
            wechat_pay_public_key_file: None,
            wechat_pay_key_mode: "public_key".into(),
            wechat_pay_certificate_refresh_secs: 43_200,
            wechat_pay_api_base: minibase_wechat::pay::DEFAULT_PAY_API_BASE.into(),
            wechat_pay_notify_base: None,
            wechat_pay_timeout_secs: 10,
            wechat_pay_query_after_secs: 60,
        }
    }
}

/// WeChat Pay settings (see docs/payments.md).
#[derive(Debug, Clone)]
pub struct PaySettings {
    /// The merchant; `None`: dev mode pays against the in-process mock, prod mode has no
    /// payments (the pay route answers 503).
    pub merchant: Option<PayConfig>,
    /// Base URL WeChat Pay posts notifications to; `None`: `public_url`.
    pub notify_base: Option<String>,
    pub timeout: Duration,
    /// When the first active query of an unpaid payment runs (a missed notification).
    pub query_after: Duration,
}

impl RawPaySettings {
    /// The merchant settings: all of them or none. A partial set is refused in any mode, naming
    /// what is missing (a half-configured merchant would fail at the first payment instead).
    /// `wechat_appid`: the mini-program's AppID, the merchant's default one.
    pub fn validate(
        &self,
        mode: Mode,
        wechat_appid: Option<&str>,
    ) -> Result<PaySettings, ConfigError> {
        fn given(value: &Option<String>) -> Option<&str> {
            value.as_deref().map(str::trim).filter(|s| !s.is_empty())
        }
        fn pem(
            inline: &Option<String>,
            file: &Option<String>,
            key: &str,
        ) -> Result<Option<String>, ConfigError> {
            match (given(inline), given(file)) {
                (Some(_), Some(_)) => Err(ConfigError::new(
                    key,
                    format!("set either {key} or {key}_file, not both"),
                )),
                (Some(pem), None) => Ok(Some(pem.replace("\\n", "\n"))),
                (None, Some(path)) => std::fs::read_to_string(path).map(Some).map_err(|err| {
                    ConfigError::new(&format!("{key}_file"), format!("'{path}': {err}"))
                }),
                (None, None) => Ok(None),
            }
        }
        positive("wechat_pay_timeout_secs", self.wechat_pay_timeout_secs)?;
        positive(
            "wechat_pay_query_after_secs",
            self.wechat_pay_query_after_secs,
        )?;
        let timeout = Duration::from_secs(self.wechat_pay_timeout_secs);
        let query_after = Duration::from_secs(self.wechat_pay_query_after_secs);
        let notify_base = match given(&self.wechat_pay_notify_base) {
            None => None,
            Some(url) => match url::Url::parse(url) {
                Ok(parsed)
                    if parsed.scheme() == "https"
                        || (mode == Mode::Dev && parsed.scheme() == "http") =>
                {
                    Some(url.trim_end_matches('/').to_string())
                }
                _ => {
                    return Err(ConfigError::new(
                        "wechat_pay_notify_base",
                        format!("'{url}' is not an https URL (WeChat Pay notifies https only)"),
                    ))
                }
            },
        };
        let private_key = pem(
            &self.wechat_pay_private_key,
            &self.wechat_pay_private_key_file,
            "wechat_pay_private_key",
        )?;
        let public_key = pem(
            &self.wechat_pay_public_key,
            &self.wechat_pay_public_key_file,
            "wechat_pay_public_key",
        )?;
        let certificate_mode = match self.wechat_pay_key_mode.trim() {
            "public_key" => false,
            "platform_certificate" => true,
            other => {
                return Err(ConfigError::new(
                    "wechat_pay_key_mode",
                    format!("'{other}' is not one of public_key, platform_certificate"),
                ))
            }
        };
        positive(
            "wechat_pay_certificate_refresh_secs",
            self.wechat_pay_certificate_refresh_secs,
        )?;
        let public_key_id = given(&self.wechat_pay_public_key_id).map(str::to_string);
        let mut parts = vec![
            ("wechat_pay_mchid", given(&self.wechat_pay_mchid).is_some()),
            (
                "wechat_pay_serial_no",
                given(&self.wechat_pay_serial_no).is_some(),
            ),
            ("wechat_pay_private_key", private_key.is_some()),
            (
                "wechat_pay_api_v3_key",
                given(&self.wechat_pay_api_v3_key).is_some(),
            ),
        ];
        // In certificate mode WeChat Pay's public key is optional (trusted beside the
        // certificates during a switch), but then both halves of it.
        if !certificate_mode || public_key_id.is_some() || public_key.is_some() {
            parts.push(("wechat_pay_public_key_id", public_key_id.is_some()));
            parts.push(("wechat_pay_public_key", public_key.is_some()));
        }
        let missing: Vec<&str> = parts
            .iter()
            .filter(|(_, set)| !set)
            .map(|(k, _)| *k)
            .collect();
        // Choosing certificate mode is itself a setting: with nothing else, it is partial.
        if !certificate_mode
            && missing.len() == parts.len()
            && given(&self.wechat_pay_appid).is_none()
        {
            return Ok(PaySettings {
                merchant: None,
                notify_base,
                timeout,
                query_after,
            });
        }
        if let Some(first) = missing.first() {
            return Err(ConfigError::new(
                first,
                format!(
                    "WeChat Pay is partly configured; also set: {}",
                    missing
                        .iter()
                        .map(|k| env_name(k))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        let appid = match given(&self.wechat_pay_appid).or(wechat_appid) {
            Some(appid) => appid.to_string(),
            // The in-process mock WeChat's AppID.
            None if mode == Mode::Dev => MockConfig::default().appid,
            None => {
                return Err(ConfigError::new(
                    "wechat_pay_appid",
                    "is required (or wechat_appid) when WeChat Pay is configured",
                ))
            }
        };
        let private_key = PrivateKey::from_pem(private_key.as_deref().unwrap_or_default())
            .map_err(|err| ConfigError::new("wechat_pay_private_key", err.to_string()))?;
        let api_v3_key = ApiV3Key::new(given(&self.wechat_pay_api_v3_key).unwrap_or_default())
            .map_err(|err| ConfigError::new("wechat_pay_api_v3_key", err.to_string()))?;
        let verifier = match (public_key_id, public_key) {
            (Some(public_key_id), Some(public_key)) => {
                if mode == Mode::Prod && !public_key_id.starts_with("PUB_KEY_ID_") {
                    return Err(ConfigError::new(
                        "wechat_pay_public_key_id",
                        "must be the id the console shows for WeChat Pay's public key (PUB_KEY_ID_...)",
                    ));
                }
                let public_key = PublicKey::from_pem(&public_key)
                    .map_err(|err| ConfigError::new("wechat_pay_public_key", err.to_string()))?;
                Verifier::new(public_key_id, public_key)
            }
            // Certificate mode only (checked above): the certificates come at the first call.
            _ => Verifier::default(),
        };
        let key_mode = if certificate_mode {
            KeyMode::PlatformCertificates {
                refresh_every: Duration::from_secs(self.wechat_pay_certificate_refresh_secs),
            }
        } else {
            KeyMode::PublicKey
        };
        let api_base = self
            .wechat_pay_api_base
            .trim()
            .trim_end_matches('/')
            .to_string();
        match url::Url::parse(&api_base) {
            Ok(url) if url.scheme() == "https" || (mode == Mode::Dev && url.scheme() == "http") => {
            }
            _ => {
                return Err(ConfigError::new(
                    "wechat_pay_api_base",
                    format!("'{api_base}' is not an https URL"),
                ))
            }
        }
        let merchant = PayConfig {
            mchid: given(&self.wechat_pay_mchid)
                .unwrap_or_default()
                .to_string(),
            appid,
            serial_no: given(&self.wechat_pay_serial_no)
                .unwrap_or_default()
                .to_string(),
            private_key,
            api_v3_key,
            verifier,
            key_mode,
            api_base,
            timeout,
            observer: None,
        };
        Ok(PaySettings {
            merchant: Some(merchant),
            notify_base,
            timeout,
            query_after,
        })
    }
}

#[cfg(test)]
mod tests {
    use figment::providers::{Format, Serialized, Toml};
    use figment::Figment;

    use crate::config::RawConfig;

    fn raw() -> RawConfig {
        RawConfig::default()
    }

    #[test]
    fn a_partial_wechat_pay_configuration_names_what_is_missing() {
        let mut r = raw();
        r.pay.wechat_pay_mchid = Some("1900000109".into());
        r.pay.wechat_pay_api_v3_key = Some("x".repeat(32));
        let err = r.clone().validate().unwrap_err();
        assert!(err.key.contains("MINIBASE_WECHAT_PAY_SERIAL_NO"), "{err}");
        for missing in ["PRIVATE_KEY", "PUBLIC_KEY_ID", "PUBLIC_KEY"] {
            assert!(
                err.problem
                    .contains(&format!("MINIBASE_WECHAT_PAY_{missing}")),
                "{err}"
            );
        }
        assert!(!err.problem.contains("MINIBASE_WECHAT_PAY_MCHID"), "{err}");
        // None at all: dev mode uses the mock.
        assert!(raw().validate().unwrap().pay.merchant.is_none());
    }

    #[test]
    fn a_merchant_id_from_the_environment_is_text() {
        let figment = Figment::from(Serialized::defaults(RawConfig::default()))
            .merge(Toml::string("wechat_pay_mchid = 1900000109"));
        let raw = RawConfig::extract(&figment).unwrap();
        assert_eq!(raw.pay.wechat_pay_mchid.as_deref(), Some("1900000109"));
        let figment = Figment::from(Serialized::defaults(RawConfig::default()))
            .merge(Toml::string("wechat_pay_mchid = \"1900000109\""));
        let raw = RawConfig::extract(&figment).unwrap();
        assert_eq!(raw.pay.wechat_pay_mchid.as_deref(), Some("1900000109"));
    }

    #[test]
    fn certificate_mode_needs_no_public_key_but_everything_else() {
        let mut r = raw();
        r.mode = "prod".into();
        r.auth.jwt_secret = Some("x".repeat(40));
        r.wechat_appid = Some("wx123".into());
        r.wechat_secret = Some("s".into());
        r.pay.wechat_pay_key_mode = "platform_certificate".into();
        // The mode alone is a partial configuration: everything it needs is named.
        let err = r.clone().validate().unwrap_err();
        assert!(err.key.contains("MINIBASE_WECHAT_PAY_MCHID"), "{err}");
        for missing in ["SERIAL_NO", "PRIVATE_KEY", "API_V3_KEY"] {
            assert!(
                err.problem
                    .contains(&format!("MINIBASE_WECHAT_PAY_{missing}")),
                "{err}"
            );
        }
        assert!(!err.problem.contains("PUBLIC_KEY"), "{err}");
        r.pay.wechat_pay_mchid = Some("1900000109".into());
        r.pay.wechat_pay_serial_no = Some("5157F09EFDC096DE15EBE81A47057A7232F1B8E1".into());
        r.pay.wechat_pay_api_v3_key = Some("x".repeat(32));
        let err = r.clone().validate().unwrap_err();
        assert!(err.key.contains("MINIBASE_WECHAT_PAY_PRIVATE_KEY"), "{err}");
        assert!(!err.problem.contains("MCHID"), "{err}");
        // Half of a public key beside the certificates: the other half is named.
        r.pay.wechat_pay_public_key_id =
            Some("PUB_KEY_ID_0119000000012026000000000000000001".into());
        let err = r.clone().validate().unwrap_err();
        assert!(
            err.problem.contains("MINIBASE_WECHAT_PAY_PUBLIC_KEY ("),
            "{err}"
        );
        r.pay.wechat_pay_key_mode = "certificates".into();
        let err = r.clone().validate().unwrap_err();
        assert!(err.key.contains("MINIBASE_WECHAT_PAY_KEY_MODE"), "{err}");
        r.pay.wechat_pay_key_mode = "platform_certificate".into();
        r.pay.wechat_pay_certificate_refresh_secs = 0;
        let err = r.validate().unwrap_err();
        assert!(
            err.key
                .contains("MINIBASE_WECHAT_PAY_CERTIFICATE_REFRESH_SECS"),
            "{err}"
        );
    }
}
