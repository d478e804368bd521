//! The pieces every settings section is made of: the error naming a key, the run mode, a rate
//! limit, a list given as an array or as text. They sit below config.rs and the features'
//! `settings.rs` files, which config.rs composes, so that the sections need not import it.

use std::net::SocketAddr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Every environment variable's prefix.
pub const ENV_PREFIX: &str = "MINIBASE_";

/// A configuration problem, naming the key.
#[derive(Debug, thiserror::Error)]
#[error("configuration error: {key}: {problem}")]
pub struct ConfigError {
    pub key: String,
    pub problem: String,
}

impl ConfigError {
    pub(crate) fn new(key: &str, problem: impl Into<String>) -> Self {
        Self {
            key: env_name(key),
            problem: problem.into(),
        }
    }
}

/// `database_url` -> `MINIBASE_DATABASE_URL (database_url)`: both spellings an operator may use.
pub(crate) fn env_name(key: &str) -> String {
    format!("{ENV_PREFIX}{} ({key})", key.to_ascii_uppercase())
}

/// A list given either as a TOML array or as a comma-separated string (environment variables).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(untagged)]
pub enum StringList {
    List(Vec<String>),
    Csv(String),
}

impl Default for StringList {
    fn default() -> Self {
        Self::Csv(String::new())
    }
}

impl StringList {
    pub fn items(&self) -> Vec<String> {
        match self {
            Self::List(items) => items
                .iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            Self::Csv(text) => text
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
        }
    }
}

/// A value that is text but may be all digits: a merchant id (`1900000109`) read from the
/// environment arrives as a number, which is the same text.
pub(crate) fn digits_as_text<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Text {
        Text(String),
        Number(u64),
    }
    Ok(
        Option::<Text>::deserialize(deserializer)?.map(|value| match value {
            Text::Text(text) => text,
            Text::Number(number) => number.to_string(),
        }),
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Dev,
    Prod,
}

#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    /// 0 turns the limit off.
    pub max: u32,
    pub window: Duration,
}

pub(crate) fn positive(key: &str, value: u64) -> Result<(), ConfigError> {
    if value == 0 {
        Err(ConfigError::new(key, "must be greater than 0"))
    } else {
        Ok(())
    }
}

/// Hide the password of a database URL before it reaches a message or a log.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

/// An optional socket address (`console_listen`, `ops_listen`): unset or blank is `None`; text
/// that is not an address is refused, naming the key and showing `example`.
pub(crate) fn optional_addr(
    key: &str,
    value: Option<&str>,
    example: &str,
) -> Result<Option<SocketAddr>, ConfigError> {
    match value.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(text) => text.parse().map(Some).map_err(|_| {
            ConfigError::new(
                key,
                format!("'{text}' is not a socket address like {example}"),
            )
        }),
    }
}
