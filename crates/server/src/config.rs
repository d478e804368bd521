//! One configuration, loaded and validated once at start.
//!
//! Sources, later ones winning: built-in defaults < `minibase.toml` (optional) < `.env`
//! (optional) < `MINIBASE_*` environment variables. Every key is listed in docs/configuration.md.
//! A bad value stops start-up with a message naming the key; prod mode refuses insecure defaults.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::{Figment, Provider};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::approvals::settings::{ApprovalsConfig, RawApprovalsSettings};
use crate::auth::settings::{JwtConfig, LoginLimits, RawAuthSettings};
use crate::community::settings::{CommunityConfig, RawCommunitySettings};
use crate::console::settings::{ConsoleConfig, RawConsoleSettings};
use crate::files::settings::RawFilesSettings;
use crate::flash_sale::settings::{FlashSaleConfig, RawFlashSaleSettings};
use crate::health::settings::{OpsConfig, RawOpsSettings};
use crate::payments::settings::{PaySettings, RawPaySettings};
use crate::privacy::settings::{PrivacyConfig, RawPrivacySettings};
use crate::realtime::settings::RawRealtimeSettings;
use crate::store::db::RawDatabaseSettings;

// Each feature owns its section (`<feature>/settings.rs`); these types are named here too by
// code written before the sections moved.
pub use crate::community::settings::ModerationFallback;
pub use crate::files::settings::{FileBackend, FilesConfig};
pub use crate::realtime::settings::RealtimeConfig;
pub use crate::store::db::{DatabaseBackend, DatabaseConfig, ReplicaConfig};

pub mod values;

pub(crate) use values::positive;
pub use values::{redact_url, ConfigError, Mode, RateLimit, StringList, ENV_PREFIX};

pub const DEFAULT_CONFIG_FILE: &str = "minibase.toml";
pub const DEFAULT_WECHAT_API_BASE: &str = "https://api.weixin.qq.com";

/// The raw keys, as read from files and the environment. Field names are the config keys; the
/// environment variable of each is `MINIBASE_` + the name in capitals. The server's own keys
/// are here; each feature's are in its section (`<feature>/settings.rs`), flattened into the
/// same namespace. Read it with [`RawConfig::extract`], which names the key of a bad value.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct RawConfig {
    pub mode: String,
    pub listen: String,
    pub redis_url: Option<String>,
    pub redis_cluster: bool,
    pub cache_enabled: bool,
    pub wechat_appid: Option<String>,
    pub wechat_secret: Option<String>,
    pub wechat_api_base: String,
    pub wechat_timeout_secs: u64,
    pub wechat_pool_idle_secs: u64,
    pub log_format: Option<String>,
    pub log_level: String,
    pub cors_origins: StringList,
    pub body_limit_bytes: u64,
    pub request_timeout_secs: u64,
    pub shutdown_timeout_secs: u64,
    pub shutdown_delay_secs: Option<u64>,
    pub trusted_proxies: StringList,
    pub jobs_concurrency: u32,
    pub public_url: Option<String>,
    #[serde(flatten)]
    pub database: RawDatabaseSettings,
    #[serde(flatten)]
    pub ops: RawOpsSettings,
    #[serde(flatten)]
    pub auth: RawAuthSettings,
    #[serde(flatten)]
    pub files: RawFilesSettings,
    #[serde(flatten)]
    pub community: RawCommunitySettings,
    #[serde(flatten)]
    pub approvals: RawApprovalsSettings,
    #[serde(flatten)]
    pub flash_sale: RawFlashSaleSettings,
    #[serde(flatten)]
    pub console: RawConsoleSettings,
    #[serde(flatten)]
    pub realtime: RawRealtimeSettings,
    #[serde(flatten)]
    pub pay: RawPaySettings,
    #[serde(flatten)]
    pub privacy: RawPrivacySettings,
}

impl Default for RawConfig {
    fn default() -> Self {
        Self {
            mode: "dev".into(),
            listen: "127.0.0.1:8080".into(),
            redis_url: None,
            redis_cluster: false,
            cache_enabled: true,
            wechat_appid: None,
            wechat_secret: None,
            wechat_api_base: DEFAULT_WECHAT_API_BASE.into(),
            wechat_timeout_secs: 5,
            wechat_pool_idle_secs: 5,
            log_format: None,
            log_level: "info".into(),
            cors_origins: StringList::default(),
            body_limit_bytes: 1024 * 1024,
            request_timeout_secs: 30,
            shutdown_timeout_secs: 10,
            shutdown_delay_secs: None,
            trusted_proxies: StringList::default(),
            jobs_concurrency: 4,
            public_url: None,
            database: RawDatabaseSettings::default(),
            ops: RawOpsSettings::default(),
            auth: RawAuthSettings::default(),
            files: RawFilesSettings::default(),
            community: RawCommunitySettings::default(),
            approvals: RawApprovalsSettings::default(),
            flash_sale: RawFlashSaleSettings::default(),
            console: RawConsoleSettings::default(),
            realtime: RawRealtimeSettings::default(),
            pay: RawPaySettings::default(),
            privacy: RawPrivacySettings::default(),
        }
    }
}

/// Every key `RawConfig` has, so that typos in `minibase.toml` are caught instead of ignored.
fn known_keys() -> Vec<String> {
    match serde_json::to_value(RawConfig::default()) {
        Ok(serde_json::Value::Object(map)) => map.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

#[derive(Debug, Clone)]
pub struct LogConfig {
    pub format: LogFormat,
    pub level: String,
}

#[derive(Debug, Clone)]
pub enum CorsOrigins {
    /// No cross-origin access (mini-programs do not need CORS; browsers and the console may).
    None,
    Any,
    List(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub listen: SocketAddr,
    pub cors_origins: CorsOrigins,
    pub body_limit: usize,
    pub request_timeout: Duration,
    pub shutdown_timeout: Duration,
    /// After a stop signal, how long the node keeps serving while `/readyz` answers 503, so
    /// load balancers take it out of rotation before it stops accepting connections.
    pub shutdown_delay: Duration,
    /// Peers whose X-Forwarded-For is believed when finding the client IP.
    pub trusted_proxies: Vec<IpNet>,
}

#[derive(Clone)]
pub struct WechatSettings {
    /// `None`: dev mode with the in-process mock WeChat.
    pub credentials: Option<(String, String)>,
    pub api_base: String,
    pub timeout: Duration,
    pub pool_idle_timeout: Duration,
}

impl std::fmt::Debug for WechatSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WechatSettings")
            .field("appid", &self.credentials.as_ref().map(|c| &c.0))
            .field("api_base", &self.api_base)
            .finish()
    }
}

/// The validated configuration the server runs with.
#[derive(Debug, Clone)]
pub struct Config {
    pub mode: Mode,
    pub http: HttpConfig,
    pub database: DatabaseConfig,
    /// A PostgreSQL streaming replica for reads that tolerate lag (docs/deployment.md).
    pub replica: Option<ReplicaConfig>,
    /// One URL; with `redis_cluster`, the cluster's seed nodes separated by commas.
    pub redis_url: Option<String>,
    /// Talk to a Redis Cluster (keys spread over hash slots) rather than one server.
    pub redis_cluster: bool,
    /// Keep read results in the cache (`store::cache`); false: every read goes to the database.
    pub cache_enabled: bool,
    pub jwt: JwtConfig,
    /// True when the JWT secret is the built-in dev one (dev mode only).
    pub jwt_secret_is_default: bool,
    pub wechat: WechatSettings,
    pub log: LogConfig,
    pub login_limits: LoginLimits,
    /// PostgreSQL: commit logins without waiting for the WAL flush (see docs/configuration.md).
    pub login_async_commit: bool,
    /// Background jobs run at once on this node; 0: this node runs none (others do).
    pub jobs_concurrency: u32,
    /// Absolute base URL clients and WeChat reach this server at (file URLs, callbacks).
    pub public_url: String,
    /// True when `public_url` was configured, rather than derived from the listen address.
    pub public_url_configured: bool,
    pub files: FilesConfig,
    pub community: CommunityConfig,
    pub approvals: ApprovalsConfig,
    pub flash_sale: FlashSaleConfig,
    pub console: ConsoleConfig,
    pub ops: OpsConfig,
    pub realtime: RealtimeConfig,
    pub pay: PaySettings,
    pub privacy: PrivacyConfig,
}

/// An IP network such as `10.0.0.0/8` or a single address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`) compare as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

impl FromStr for IpNet {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text, None),
        };
        let addr: IpAddr = addr
            .trim()
            .parse()
            .map_err(|_| format!("'{text}' is not an IP address or CIDR network"))?;
        let addr = canonical(addr);
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("'{text}' has an invalid prefix length"))?,
            None => max,
        };
        Ok(Self { addr, prefix })
    }
}

impl Config {
    /// Once the listener is bound (port 0 picks a port), a derived public URL names the real port.
    pub fn set_bound_addr(&mut self, addr: SocketAddr) {
        if !self.public_url_configured {
            self.public_url = format!("http://{addr}");
        }
    }

    /// Load from every source. `config_file`: an explicit TOML file (must exist), or `None` for
    /// `./minibase.toml` when present.
    pub fn load(config_file: Option<&Path>) -> Result<Self, ConfigError> {
        // `.env` fills only variables not already set, so the environment still wins.
        match dotenvy::dotenv() {
            Ok(_) => {}
            Err(err) if err.not_found() => {}
            Err(err) => return Err(ConfigError::new("env_file", format!(".env: {err}"))),
        }
        let file: Option<PathBuf> = match config_file {
            Some(path) if !path.exists() => {
                return Err(ConfigError::new(
                    "config_file",
                    format!("{} does not exist", path.display()),
                ))
            }
            Some(path) => Some(path.to_path_buf()),
            None => Some(PathBuf::from(DEFAULT_CONFIG_FILE)).filter(|p| p.exists()),
        };
        let mut figment = Figment::from(Serialized::defaults(RawConfig::default()));
        if let Some(path) = &file {
            check_toml_keys(path)?;
            figment = figment.merge(Toml::file(path));
        }
        let keys = known_keys();
        figment = figment.merge(
            Env::prefixed(ENV_PREFIX).filter(move |key| keys.iter().any(|k| k.as_str() == key)),
        );
        RawConfig::extract(&figment)?.validate()
    }
}

fn check_toml_keys(path: &Path) -> Result<(), ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| ConfigError::new("config_file", format!("{}: {err}", path.display())))?;
    let file_keys: Vec<String> = Toml::string(&text)
        .data()
        .map_err(|err| ConfigError::new("config_file", format!("{}: {err}", path.display())))?
        .into_values()
        .flat_map(|dict| dict.into_keys())
        .collect();
    let keys = known_keys();
    for key in file_keys {
        if !keys.contains(&key) {
            return Err(ConfigError {
                key: format!("{key} (in {})", path.display()),
                problem: "unknown key".into(),
            });
        }
    }
    Ok(())
}

fn figment_error(err: figment::Error) -> ConfigError {
    let key = err.path.join(".");
    let problem = err.kind.to_string();
    if key.is_empty() {
        ConfigError {
            key: "configuration".into(),
            problem: err.to_string(),
        }
    } else {
        ConfigError::new(&key, problem)
    }
}

impl RawConfig {
    /// Read every key from `figment`. serde loses the key of a bad value inside a flattened
    /// section, so each section is read on its own first, where the error names the key.
    pub fn extract(figment: &Figment) -> Result<Self, ConfigError> {
        fn section<T: DeserializeOwned>(figment: &Figment) -> Result<(), ConfigError> {
            figment.extract::<T>().map(drop).map_err(figment_error)
        }
        section::<RawDatabaseSettings>(figment)?;
        section::<RawOpsSettings>(figment)?;
        section::<RawAuthSettings>(figment)?;
        section::<RawFilesSettings>(figment)?;
        section::<RawCommunitySettings>(figment)?;
        section::<RawApprovalsSettings>(figment)?;
        section::<RawFlashSaleSettings>(figment)?;
        section::<RawConsoleSettings>(figment)?;
        section::<RawRealtimeSettings>(figment)?;
        section::<RawPaySettings>(figment)?;
        section::<RawPrivacySettings>(figment)?;
        figment.extract().map_err(figment_error)
    }

    /// Check every value and build the typed configuration.
    pub fn validate(self) -> Result<Config, ConfigError> {
        let mode = match self.mode.trim().to_ascii_lowercase().as_str() {
            "dev" | "development" => Mode::Dev,
            "prod" | "production" => Mode::Prod,
            other => {
                return Err(ConfigError::new(
                    "mode",
                    format!("'{other}' is not one of dev, prod"),
                ))
            }
        };
        let listen: SocketAddr = self.listen.trim().parse().map_err(|_| {
            ConfigError::new(
                "listen",
                format!(
                    "'{}' is not a socket address like 127.0.0.1:8080",
                    self.listen
                ),
            )
        })?;

        let (database, replica) = self.database.validate()?;

        let redis_url = match self.redis_url.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(urls) => {
                let urls: Vec<&str> = urls.split(',').map(str::trim).collect();
                if urls.len() > 1 && !self.redis_cluster {
                    return Err(ConfigError::new(
                        "redis_url",
                        "several URLs are only for a cluster (set redis_cluster = true)",
                    ));
                }
                for url in &urls {
                    let parsed = url::Url::parse(url).map_err(|err| {
                        ConfigError::new("redis_url", format!("'{}': {err}", redact_url(url)))
                    })?;
                    if !matches!(parsed.scheme(), "redis" | "rediss") {
                        return Err(ConfigError::new(
                            "redis_url",
                            "must start with redis:// or rediss://",
                        ));
                    }
                    if self.redis_cluster && !matches!(parsed.path(), "" | "/" | "/0") {
                        return Err(ConfigError::new(
                            "redis_url",
                            "a Redis Cluster has only database 0",
                        ));
                    }
                }
                Some(urls.join(","))
            }
        };
        if self.redis_cluster && redis_url.is_none() {
            return Err(ConfigError::new(
                "redis_cluster",
                "needs redis_url (the cluster's seed nodes)",
            ));
        }

        let auth = self.auth.validate(mode)?;

        let appid = self
            .wechat_appid
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let secret_wx = self
            .wechat_secret
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let credentials = match (appid, secret_wx) {
            (Some(appid), Some(secret)) => Some((appid.to_string(), secret.to_string())),
            (Some(_), None) => {
                return Err(ConfigError::new(
                    "wechat_secret",
                    "is required when wechat_appid is set",
                ))
            }
            (None, Some(_)) => {
                return Err(ConfigError::new(
                    "wechat_appid",
                    "is required when wechat_secret is set",
                ))
            }
            (None, None) if mode == Mode::Prod => return Err(ConfigError::new(
                "wechat_appid",
                "prod mode needs a real AppID and secret (the mock WeChat is for dev mode only)",
            )),
            (None, None) => None,
        };
        let api_base = self
            .wechat_api_base
            .trim()
            .trim_end_matches('/')
            .to_string();
        match url::Url::parse(&api_base) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => {}
            _ => {
                return Err(ConfigError::new(
                    "wechat_api_base",
                    format!("'{api_base}' is not an http(s) URL"),
                ))
            }
        }
        positive("wechat_timeout_secs", self.wechat_timeout_secs)?;
        positive("wechat_pool_idle_secs", self.wechat_pool_idle_secs)?;

        let format = match self.log_format.as_deref().map(str::trim) {
            None | Some("") => match mode {
                Mode::Dev => LogFormat::Pretty,
                Mode::Prod => LogFormat::Json,
            },
            Some("json") => LogFormat::Json,
            Some("pretty") => LogFormat::Pretty,
            Some(other) => {
                return Err(ConfigError::new(
                    "log_format",
                    format!("'{other}' is not one of json, pretty"),
                ))
            }
        };
        tracing_subscriber::EnvFilter::try_new(&self.log_level)
            .map_err(|err| ConfigError::new("log_level", format!("'{}': {err}", self.log_level)))?;

        let origins = self.cors_origins.items();
        let cors_origins = if origins.is_empty() {
            CorsOrigins::None
        } else if origins.iter().any(|o| o == "*") {
            if mode == Mode::Prod {
                return Err(ConfigError::new(
                    "cors_origins",
                    "'*' is refused in prod mode; list the origins",
                ));
            }
            CorsOrigins::Any
        } else {
            for origin in &origins {
                let ok = url::Url::parse(origin)
                    .map(|u| matches!(u.scheme(), "http" | "https") && u.path() == "/")
                    .unwrap_or(false);
                if !ok {
                    return Err(ConfigError::new(
                        "cors_origins",
                        format!("'{origin}' is not an origin like https://console.example.com"),
                    ));
                }
            }
            CorsOrigins::List(origins)
        };
        if self.body_limit_bytes < 1024 {
            return Err(ConfigError::new(
                "body_limit_bytes",
                "must be at least 1024",
            ));
        }
        let body_limit = usize::try_from(self.body_limit_bytes)
            .map_err(|_| ConfigError::new("body_limit_bytes", "is too large"))?;
        positive("request_timeout_secs", self.request_timeout_secs)?;
        let trusted_proxies = self
            .trusted_proxies
            .items()
            .iter()
            .map(|s| s.parse::<IpNet>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|problem| ConfigError::new("trusted_proxies", problem))?;
        let approvals = self.approvals.validate()?;
        let flash_sale = self.flash_sale.validate()?;

        let console = self.console.validate(mode, listen)?;
        let ops = self.ops.validate(mode, listen, console.listen)?;
        let realtime = self.realtime.validate()?;
        let pay = self
            .pay
            .validate(mode, credentials.as_ref().map(|c| c.0.as_str()))?;
        let public_url = self.public_url(listen)?;
        let files = self.files.validate()?;
        let community = self.community.validate(mode)?;
        let privacy = self.privacy.validate(mode, self.auth.dev_data_key_seed())?;
        Ok(Config {
            privacy,
            flash_sale,
            console,
            ops,
            realtime,
            pay,
            mode,
            http: HttpConfig {
                listen,
                cors_origins,
                body_limit,
                request_timeout: Duration::from_secs(self.request_timeout_secs),
                shutdown_timeout: Duration::from_secs(self.shutdown_timeout_secs),
                shutdown_delay: Duration::from_secs(match self.shutdown_delay_secs {
                    Some(secs) if secs > 300 => {
                        return Err(ConfigError::new(
                            "shutdown_delay_secs",
                            "must be at most 300",
                        ))
                    }
                    Some(secs) => secs,
                    // Long enough for a load balancer probing every 2 s to see two failures.
                    None if mode == Mode::Prod => 5,
                    None => 0,
                }),
                trusted_proxies,
            },
            database,
            replica,
            redis_url,
            redis_cluster: self.redis_cluster,
            cache_enabled: self.cache_enabled,
            jwt: auth.jwt,
            jwt_secret_is_default: auth.jwt_secret_is_default,
            wechat: WechatSettings {
                credentials,
                api_base,
                timeout: Duration::from_secs(self.wechat_timeout_secs),
                pool_idle_timeout: Duration::from_secs(self.wechat_pool_idle_secs),
            },
            log: LogConfig {
                format,
                level: self.log_level,
            },
            jobs_concurrency: self.jobs_concurrency,
            public_url_configured: self
                .public_url
                .as_deref()
                .is_some_and(|u| !u.trim().is_empty()),
            public_url,
            files,
            community,
            approvals,
            login_async_commit: auth.login_async_commit,
            login_limits: auth.login_limits,
        })
    }

    fn public_url(&self, listen: SocketAddr) -> Result<String, ConfigError> {
        match self
            .public_url
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => Ok(format!("http://{listen}")),
            Some(url) => match url::Url::parse(url) {
                Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => {
                    Ok(url.trim_end_matches('/').to_string())
                }
                _ => Err(ConfigError::new(
                    "public_url",
                    format!("'{url}' is not an http(s) URL"),
                )),
            },
        }
    }
}

/// Asserts that the change to the defaults is refused, naming `key` (the sections' tests too).
#[cfg(test)]
pub(crate) fn assert_refused(change: fn(&mut RawConfig), key: &str) {
    let mut raw = RawConfig::default();
    change(&mut raw);
    let err = raw.validate().unwrap_err();
    assert!(err.key.starts_with(key), "expected {key}, got {err}");
}

#[cfg(test)]
mod tests;
