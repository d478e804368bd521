//! The console's settings: whether `/console` is served, and on which listener.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use crate::config::values::{optional_addr, ConfigError, Mode};

/// The raw keys (`MINIBASE_` + the name in capitals).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct RawConsoleSettings {
    pub console_enabled: bool,
    pub console_listen: Option<String>,
}

impl Default for RawConsoleSettings {
    fn default() -> Self {
        Self {
            console_enabled: true,
            console_listen: None,
        }
    }
}

/// The admin console (`/console`).
#[derive(Debug, Clone)]
pub struct ConsoleConfig {
    /// False: no `/console`, and the console's session cookie is not accepted.
    pub enabled: bool,
    /// Serve the console (with the API it calls) on this address instead of `listen`.
    pub listen: Option<SocketAddr>,
    /// Mark the session cookies `Secure` (prod mode: the console is reached over HTTPS).
    pub secure_cookies: bool,
}

impl ConsoleConfig {
    /// Whether the main listener serves `/console`.
    pub fn on_main_listener(&self) -> bool {
        self.enabled && self.listen.is_none()
    }
}

impl RawConsoleSettings {
    pub fn validate(&self, mode: Mode, listen: SocketAddr) -> Result<ConsoleConfig, ConfigError> {
        let console_listen = optional_addr(
            "console_listen",
            self.console_listen.as_deref(),
            "127.0.0.1:8081",
        )?;
        if let Some(addr) = console_listen {
            if addr == listen && addr.port() != 0 {
                return Err(ConfigError::new(
                    "console_listen",
                    "must differ from listen (leave it unset to serve the console there)",
                ));
            }
        }
        if console_listen.is_some() && !self.console_enabled {
            return Err(ConfigError::new(
                "console_listen",
                "is set but console_enabled is false",
            ));
        }
        Ok(ConsoleConfig {
            enabled: self.console_enabled,
            listen: console_listen,
            secure_cookies: mode == Mode::Prod,
        })
    }
}
