//! Where the operators' endpoints (`/metrics`, `/docs`, `/openapi.json`) are served, and the
//! token they need.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use crate::config::values::{optional_addr, ConfigError, Mode};

/// The raw keys (`MINIBASE_` + the name in capitals).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct RawOpsSettings {
    pub ops_listen: Option<String>,
    pub ops_token: Option<String>,
    pub ops_public: Option<bool>,
}

/// Where the operators' endpoints (`/metrics`, `/docs`, `/openapi.json`) are served, and
/// whether they need a token.
#[derive(Clone)]
pub struct OpsConfig {
    /// Serve them on this address of their own (with the health probes).
    pub listen: Option<SocketAddr>,
    /// Serve them on `listen` (the public port) too.
    pub public: bool,
    /// Bearer token they require, wherever they are served.
    pub token: Option<String>,
}

impl std::fmt::Debug for OpsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpsConfig")
            .field("listen", &self.listen)
            .field("public", &self.public)
            .field("token", &self.token.as_ref().map(|_| "(redacted)"))
            .finish()
    }
}

impl RawOpsSettings {
    /// `listen`, `console_listen`: the other listeners, which the ops listener must not take.
    pub fn validate(
        &self,
        mode: Mode,
        listen: SocketAddr,
        console_listen: Option<SocketAddr>,
    ) -> Result<OpsConfig, ConfigError> {
        let ops_listen = optional_addr("ops_listen", self.ops_listen.as_deref(), "127.0.0.1:9090")?;
        if let Some(addr) = ops_listen {
            if addr.port() != 0 && (addr == listen || Some(addr) == console_listen) {
                return Err(ConfigError::new(
                    "ops_listen",
                    "must differ from listen and console_listen",
                ));
            }
        }
        let token = match self.ops_token.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(token) if token.len() < 16 => {
                return Err(ConfigError::new(
                    "ops_token",
                    "must be at least 16 characters (it guards the metrics and the API docs)",
                ))
            }
            Some(token) => Some(token.to_string()),
        };
        // Dev: everything on the public port, as before. Prod: not there unless a token guards
        // them (and no address of their own is given), or the operator says so.
        let public = self.ops_public.unwrap_or(match mode {
            Mode::Dev => ops_listen.is_none(),
            Mode::Prod => ops_listen.is_none() && token.is_some(),
        });
        Ok(OpsConfig {
            listen: ops_listen,
            public,
            token,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::config::{RawConfig, StringList};

    fn raw() -> RawConfig {
        RawConfig::default()
    }

    /// Prod keeps `/metrics` and the API docs off the public port unless a token guards them or
    /// the operator asks for them there; dev serves them as before.
    #[test]
    fn ops_endpoints_leave_the_public_port_in_prod() {
        let mut prod = raw();
        prod.mode = "prod".into();
        prod.auth.jwt_secret = Some("x".repeat(40));
        prod.wechat_appid = Some("wx123".into());
        prod.wechat_secret = Some("s".into());
        prod.privacy.data_keys = StringList::Csv(format!("k1:{}", "A".repeat(43)));
        prod.privacy.data_hash_key = Some(format!("{}A=", "B".repeat(42)));
        let ops = |r: &RawConfig| r.clone().validate().unwrap().ops;
        assert!(ops(&raw()).public, "dev: on the public port");
        let closed = ops(&prod);
        assert!(!closed.public && closed.listen.is_none() && closed.token.is_none());
        assert_eq!(
            prod.clone().validate().unwrap().http.shutdown_delay,
            Duration::from_secs(5)
        );
        assert_eq!(
            raw().validate().unwrap().http.shutdown_delay,
            Duration::ZERO
        );

        let mut guarded = prod.clone();
        guarded.ops.ops_token = Some("t".repeat(20));
        assert!(ops(&guarded).public, "a token guards them");
        guarded.ops.ops_listen = Some("127.0.0.1:9090".into());
        let moved = ops(&guarded);
        assert!(!moved.public, "an ops listener takes them");
        assert_eq!(moved.listen, Some("127.0.0.1:9090".parse().unwrap()));
        let mut open = prod.clone();
        open.ops.ops_public = Some(true);
        assert!(ops(&open).public, "the operator's choice");

        let mut short = prod;
        short.ops.ops_token = Some("short".into());
        let err = short.validate().unwrap_err();
        assert!(err.key.contains("MINIBASE_OPS_TOKEN"), "{err}");
        let mut same = raw();
        same.ops.ops_listen = Some("127.0.0.1:8080".into());
        let err = same.validate().unwrap_err();
        assert!(err.key.contains("MINIBASE_OPS_LISTEN"), "{err}");
        let mut long = raw();
        long.shutdown_delay_secs = Some(301);
        let err = long.validate().unwrap_err();
        assert!(err.key.contains("MINIBASE_SHUTDOWN_DELAY_SECS"), "{err}");
    }
}
