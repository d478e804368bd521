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
use serde::{Deserialize, Serialize};

use crate::auth::jwt::{JwtKeys, KeyMaterial};

pub const ENV_PREFIX: &str = "MINIBASE_";
pub const DEFAULT_CONFIG_FILE: &str = "minibase.toml";
pub const DEFAULT_WECHAT_API_BASE: &str = "https://api.weixin.qq.com";
/// The mini-program page an approval's subscribe message opens (`?id=<request id>` is added).
pub const DEFAULT_APPROVALS_PAGE: &str = "pages/approvals/detail";
/// Signs dev-mode tokens when no secret is configured; prod mode refuses to start with it.
const DEV_JWT_SECRET: &str = "minibase-dev-secret-do-not-use-in-production";
/// Verifies the in-process mock WeChat's callbacks in dev mode.
pub const DEV_PUSH_TOKEN: &str = "minibase-dev-push-token";

/// A configuration problem, naming the key.
#[derive(Debug, thiserror::Error)]
#[error("configuration error: {key}: {problem}")]
pub struct ConfigError {
    pub key: String,
    pub problem: String,
}

impl ConfigError {
    fn new(key: &str, problem: impl Into<String>) -> Self {
        Self {
            key: env_name(key),
            problem: problem.into(),
        }
    }
}

/// `database_url` -> `MINIBASE_DATABASE_URL (database_url)`: both spellings an operator may use.
fn env_name(key: &str) -> String {
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
fn digits_as_text<'de, D: serde::Deserializer<'de>>(
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

/// The raw keys, as read from files and the environment. Field names are the config keys; the
/// environment variable of each is `MINIBASE_` + the name in capitals.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct RawConfig {
    pub mode: String,
    pub listen: String,
    pub database_url: String,
    pub database_max_connections: u32,
    pub database_min_connections: u32,
    pub database_connect_timeout_secs: u64,
    pub database_acquire_timeout_secs: u64,
    pub database_idle_timeout_secs: u64,
    pub database_replica_url: Option<String>,
    pub database_replica_max_lag_ms: u64,
    pub redis_url: Option<String>,
    pub redis_cluster: bool,
    pub jwt_secret: Option<String>,
    pub jwt_algorithm: String,
    pub jwt_key_id: Option<String>,
    pub jwt_private_key_file: Option<String>,
    pub jwt_public_key_file: Option<String>,
    pub jwt_extra_public_keys: StringList,
    pub jwt_access_ttl_secs: u64,
    pub jwt_refresh_ttl_secs: u64,
    pub jwt_refresh_grace_secs: u64,
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
    pub ops_listen: Option<String>,
    pub ops_token: Option<String>,
    pub ops_public: Option<bool>,
    pub trusted_proxies: StringList,
    pub login_rate_per_ip: u32,
    pub login_rate_per_openid: u32,
    pub login_rate_window_secs: u64,
    pub login_async_commit: bool,
    pub jobs_concurrency: u32,
    pub public_url: Option<String>,
    pub files_store: String,
    pub files_dir: String,
    pub files_max_bytes: u64,
    pub files_max_pixels: u64,
    pub s3_bucket: Option<String>,
    pub s3_region: Option<String>,
    pub s3_endpoint: Option<String>,
    pub s3_access_key_id: Option<String>,
    pub s3_secret_access_key: Option<String>,
    pub wechat_push_token: Option<String>,
    pub moderation_fallback: String,
    pub posts_per_minute: u32,
    pub comments_per_minute: u32,
    pub duplicate_window_secs: u64,
    pub approvals_subscribe_template_id: Option<String>,
    pub approvals_subscribe_page: String,
    pub flash_sale_order_ttl_secs: u64,
    pub flash_sale_order_rate_per_user: u32,
    pub flash_sale_order_rate_per_ip: u32,
    pub flash_sale_order_rate_window_secs: u64,
    pub flash_sale_reconcile_interval_secs: u64,
    pub console_enabled: bool,
    pub console_listen: Option<String>,
    pub realtime_heartbeat_secs: u64,
    pub realtime_idle_timeout_secs: u64,
    pub realtime_write_timeout_secs: u64,
    pub realtime_send_queue: u64,
    pub realtime_max_connections: u64,
    pub realtime_max_connections_per_user: u64,
    pub realtime_max_subscriptions: u64,
    pub realtime_replay_window: u64,
    pub realtime_ticket_ttl_secs: u64,
    pub realtime_redis_prefix: String,
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
    pub data_keys: StringList,
    pub data_hash_key: Option<String>,
    pub account_deletion_grace_secs: u64,
    pub privacy_sweep_interval_secs: u64,
    pub purge_sessions_after_secs: u64,
    pub purge_jobs_after_secs: u64,
    pub purge_orphan_files_after_secs: u64,
}

impl Default for RawConfig {
    fn default() -> Self {
        Self {
            mode: "dev".into(),
            listen: "127.0.0.1:8080".into(),
            database_url: "sqlite://data/minibase.db".into(),
            database_max_connections: 10,
            database_min_connections: 0,
            database_connect_timeout_secs: 5,
            database_acquire_timeout_secs: 5,
            database_idle_timeout_secs: 600,
            database_replica_url: None,
            database_replica_max_lag_ms: 2000,
            redis_url: None,
            redis_cluster: false,
            jwt_secret: None,
            jwt_algorithm: "HS256".into(),
            jwt_key_id: None,
            jwt_private_key_file: None,
            jwt_public_key_file: None,
            jwt_extra_public_keys: StringList::default(),
            jwt_access_ttl_secs: 2 * 3600,
            jwt_refresh_ttl_secs: 30 * 24 * 3600,
            jwt_refresh_grace_secs: 10,
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
            ops_listen: None,
            ops_token: None,
            ops_public: None,
            trusted_proxies: StringList::default(),
            login_rate_per_ip: 60,
            login_rate_per_openid: 10,
            login_rate_window_secs: 60,
            login_async_commit: false,
            jobs_concurrency: 4,
            public_url: None,
            files_store: "local".into(),
            files_dir: "data/files".into(),
            files_max_bytes: 10 * 1024 * 1024,
            files_max_pixels: 40_000_000,
            s3_bucket: None,
            s3_region: None,
            s3_endpoint: None,
            s3_access_key_id: None,
            s3_secret_access_key: None,
            wechat_push_token: None,
            moderation_fallback: "hold".into(),
            posts_per_minute: 5,
            comments_per_minute: 20,
            duplicate_window_secs: 600,
            approvals_subscribe_template_id: None,
            approvals_subscribe_page: DEFAULT_APPROVALS_PAGE.into(),
            flash_sale_order_ttl_secs: 900,
            flash_sale_order_rate_per_user: 5,
            flash_sale_order_rate_per_ip: 200,
            flash_sale_order_rate_window_secs: 1,
            flash_sale_reconcile_interval_secs: 1,
            console_enabled: true,
            console_listen: None,
            realtime_heartbeat_secs: 25,
            realtime_idle_timeout_secs: 60,
            realtime_write_timeout_secs: 10,
            realtime_send_queue: 256,
            realtime_max_connections: 50_000,
            realtime_max_connections_per_user: 10,
            realtime_max_subscriptions: 50,
            realtime_replay_window: 10_000,
            realtime_ticket_ttl_secs: 30,
            realtime_redis_prefix: "mb:rt".into(),
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

/// Every key `RawConfig` has, so that typos in `minibase.toml` are caught instead of ignored.
fn known_keys() -> Vec<String> {
    match serde_json::to_value(RawConfig::default()) {
        Ok(serde_json::Value::Object(map)) => map.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Dev,
    Prod,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseBackend {
    Sqlite,
    Postgres,
    MySql,
}

#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    pub url: String,
    pub backend: DatabaseBackend,
    pub max_connections: u32,
    pub min_connections: u32,
    pub connect_timeout: Duration,
    pub acquire_timeout: Duration,
    pub idle_timeout: Duration,
}

/// The read replica and how far behind the primary it may be before reads go back to the primary.
#[derive(Debug, Clone)]
pub struct ReplicaConfig {
    pub url: String,
    pub max_lag: Duration,
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

#[derive(Clone, Debug)]
pub struct JwtConfig {
    pub keys: std::sync::Arc<JwtKeys>,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    /// How long the refresh token just replaced still gets the answer its replacement got
    /// (parallel refreshes from one client); later, presenting it again is reuse.
    pub refresh_grace: Duration,
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

#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    /// 0 turns the limit off.
    pub max: u32,
    pub window: Duration,
}

#[derive(Debug, Clone)]
pub struct LoginLimits {
    pub per_ip: RateLimit,
    pub per_openid: RateLimit,
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

/// Personal data: encryption keys, account deletion, purges (see docs/privacy.md).
#[derive(Debug, Clone)]
pub struct PrivacyConfig {
    pub cipher: std::sync::Arc<crate::privacy::cipher::DataCipher>,
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

/// WeChat Pay settings (see docs/payments.md).
#[derive(Debug, Clone)]
pub struct PaySettings {
    /// The merchant; `None`: dev mode pays against the in-process mock, prod mode has no
    /// payments (the pay route answers 503).
    pub merchant: Option<minibase_wechat::pay::PayConfig>,
    /// Base URL WeChat Pay posts notifications to; `None`: `public_url`.
    pub notify_base: Option<String>,
    pub timeout: Duration,
    /// When the first active query of an unpaid payment runs (a missed notification).
    pub query_after: Duration,
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

/// What to do with new content when WeChat's content check cannot be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModerationFallback {
    /// Keep it pending until a moderator decides.
    Hold,
    /// Publish it and check again later by a background job.
    Publish,
}

#[derive(Debug, Clone)]
pub struct CommunityConfig {
    /// Verifies WeChat's message-push callbacks (media check results).
    pub push_token: String,
    pub moderation_fallback: ModerationFallback,
    pub posts_per_minute: RateLimit,
    pub comments_per_minute: RateLimit,
    pub duplicate_window: Duration,
}

/// Settings of the approval workflow.
#[derive(Debug, Clone)]
pub struct ApprovalsConfig {
    /// The WeChat subscribe-message template approvals are announced with; None sends none.
    pub subscribe_template_id: Option<String>,
    /// The mini-program page the message opens, without `?id=`.
    pub subscribe_page: String,
}

#[derive(Debug, Clone)]
pub struct FlashSaleConfig {
    /// Unpaid orders expire (and give their stock back) this long after they were placed.
    pub order_ttl: Duration,
    pub per_user: RateLimit,
    pub per_ip: RateLimit,
    /// How often a node repairs Redis stock from the database (Redis only).
    pub reconcile_interval: Duration,
}

/// Settings of the realtime endpoints (docs/realtime.md).
#[derive(Debug, Clone)]
pub struct RealtimeConfig {
    /// The server pings each WebSocket (and sends an SSE comment) this often.
    pub heartbeat: Duration,
    /// A WebSocket the client has sent nothing on (not even a pong) for this long is closed.
    pub idle_timeout: Duration,
    /// A frame the client's connection cannot take within this long ends the connection.
    pub write_timeout: Duration,
    /// Frames waiting per connection; a client that lets more pile up is disconnected.
    pub send_queue: usize,
    pub max_connections: usize,
    pub max_connections_per_user: usize,
    pub max_subscriptions: usize,
    /// Events kept for replay after a reconnect.
    pub replay_window: usize,
    pub ticket_ttl: Duration,
    /// Prefix of the Redis keys and channels realtime uses (several deployments can share one
    /// Redis under different prefixes).
    pub redis_prefix: String,
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
        let raw: RawConfig = figment.extract().map_err(figment_error)?;
        raw.validate()
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

        let database = self.database_config()?;

        let replica = self.replica_config(&database)?;

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

        let (keys, jwt_secret_is_default) = self.jwt_keys(mode)?;
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
        positive("login_rate_window_secs", self.login_rate_window_secs)?;
        let window = Duration::from_secs(self.login_rate_window_secs);
        let approvals = self.approvals_config()?;
        positive("flash_sale_order_ttl_secs", self.flash_sale_order_ttl_secs)?;
        positive(
            "flash_sale_order_rate_window_secs",
            self.flash_sale_order_rate_window_secs,
        )?;
        positive(
            "flash_sale_reconcile_interval_secs",
            self.flash_sale_reconcile_interval_secs,
        )?;
        let order_window = Duration::from_secs(self.flash_sale_order_rate_window_secs);
        let flash_sale = FlashSaleConfig {
            order_ttl: Duration::from_secs(self.flash_sale_order_ttl_secs),
            per_user: RateLimit {
                max: self.flash_sale_order_rate_per_user,
                window: order_window,
            },
            per_ip: RateLimit {
                max: self.flash_sale_order_rate_per_ip,
                window: order_window,
            },
            reconcile_interval: Duration::from_secs(self.flash_sale_reconcile_interval_secs),
        };

        let console = self.console_config(mode, listen)?;
        let ops = self.ops_config(mode, listen, console.listen)?;
        let realtime = self.realtime_config()?;
        let pay = self.pay_settings(mode, credentials.as_ref().map(|c| c.0.as_str()))?;
        let public_url = self.public_url(listen)?;
        let files = self.files_config()?;
        let community = self.community_config(mode)?;
        let privacy = self.privacy_config(mode)?;
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
            jwt: JwtConfig {
                keys: std::sync::Arc::new(keys),
                access_ttl: Duration::from_secs(self.jwt_access_ttl_secs),
                refresh_ttl: Duration::from_secs(self.jwt_refresh_ttl_secs),
                refresh_grace: Duration::from_secs(self.jwt_refresh_grace_secs),
            },
            jwt_secret_is_default,
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
            login_async_commit: self.login_async_commit,
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
        })
    }

    fn ops_config(
        &self,
        mode: Mode,
        listen: SocketAddr,
        console_listen: Option<SocketAddr>,
    ) -> Result<OpsConfig, ConfigError> {
        let ops_listen = match self
            .ops_listen
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(text) => {
                let addr: SocketAddr = text.parse().map_err(|_| {
                    ConfigError::new(
                        "ops_listen",
                        format!("'{text}' is not a socket address like 127.0.0.1:9090"),
                    )
                })?;
                if addr.port() != 0 && (addr == listen || Some(addr) == console_listen) {
                    return Err(ConfigError::new(
                        "ops_listen",
                        "must differ from listen and console_listen",
                    ));
                }
                Some(addr)
            }
        };
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

    fn console_config(&self, mode: Mode, listen: SocketAddr) -> Result<ConsoleConfig, ConfigError> {
        let console_listen = match self
            .console_listen
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(text) => {
                let addr: SocketAddr = text.parse().map_err(|_| {
                    ConfigError::new(
                        "console_listen",
                        format!("'{text}' is not a socket address like 127.0.0.1:8081"),
                    )
                })?;
                if addr == listen && addr.port() != 0 {
                    return Err(ConfigError::new(
                        "console_listen",
                        "must differ from listen (leave it unset to serve the console there)",
                    ));
                }
                Some(addr)
            }
        };
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

    fn realtime_config(&self) -> Result<RealtimeConfig, ConfigError> {
        let within = |key: &str, value: u64, min: u64, max: u64| {
            if (min..=max).contains(&value) {
                Ok(value)
            } else {
                Err(ConfigError::new(
                    key,
                    format!("{value} is not between {min} and {max}"),
                ))
            }
        };
        let heartbeat = within(
            "realtime_heartbeat_secs",
            self.realtime_heartbeat_secs,
            1,
            3600,
        )?;
        let idle = within(
            "realtime_idle_timeout_secs",
            self.realtime_idle_timeout_secs,
            1,
            86_400,
        )?;
        if idle <= heartbeat {
            return Err(ConfigError::new(
                "realtime_idle_timeout_secs",
                "must be longer than realtime_heartbeat_secs (a client answers pings)",
            ));
        }
        let count = |key: &str, value: u64, max: u64| {
            within(key, value, 1, max).map(|v| usize::try_from(v).unwrap_or(usize::MAX))
        };
        let prefix = self.realtime_redis_prefix.trim();
        if prefix.is_empty() || prefix.len() > 64 || prefix.chars().any(char::is_whitespace) {
            return Err(ConfigError::new(
                "realtime_redis_prefix",
                "must be 1-64 characters without spaces",
            ));
        }
        Ok(RealtimeConfig {
            redis_prefix: prefix.to_string(),
            heartbeat: Duration::from_secs(heartbeat),
            idle_timeout: Duration::from_secs(idle),
            write_timeout: Duration::from_secs(within(
                "realtime_write_timeout_secs",
                self.realtime_write_timeout_secs,
                1,
                600,
            )?),
            send_queue: count("realtime_send_queue", self.realtime_send_queue, 65_536)?,
            max_connections: count(
                "realtime_max_connections",
                self.realtime_max_connections,
                10_000_000,
            )?,
            max_connections_per_user: count(
                "realtime_max_connections_per_user",
                self.realtime_max_connections_per_user,
                100_000,
            )?,
            max_subscriptions: count(
                "realtime_max_subscriptions",
                self.realtime_max_subscriptions,
                10_000,
            )?,
            replay_window: count(
                "realtime_replay_window",
                self.realtime_replay_window,
                1_000_000,
            )?,
            ticket_ttl: Duration::from_secs(within(
                "realtime_ticket_ttl_secs",
                self.realtime_ticket_ttl_secs,
                1,
                300,
            )?),
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

    fn files_config(&self) -> Result<FilesConfig, ConfigError> {
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

    /// The merchant settings: all of them or none. A partial set is refused in any mode, naming
    /// what is missing (a half-configured merchant would fail at the first payment instead).
    fn pay_settings(
        &self,
        mode: Mode,
        wechat_appid: Option<&str>,
    ) -> Result<PaySettings, ConfigError> {
        use minibase_wechat::pay::{ApiV3Key, KeyMode, PayConfig, PrivateKey, PublicKey, Verifier};
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
            None if mode == Mode::Dev => crate::wechat::MOCK_APPID.to_string(),
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

    fn community_config(&self, mode: Mode) -> Result<CommunityConfig, ConfigError> {
        let push_token = match self
            .wechat_push_token
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(token) => token.to_string(),
            None if mode == Mode::Dev => DEV_PUSH_TOKEN.to_string(),
            // Without a token no callback can be verified; prod must set one to use media checks.
            None => String::new(),
        };
        let moderation_fallback = match self.moderation_fallback.trim() {
            "hold" => ModerationFallback::Hold,
            "publish" => ModerationFallback::Publish,
            other => {
                return Err(ConfigError::new(
                    "moderation_fallback",
                    format!("'{other}' is not one of hold, publish"),
                ))
            }
        };
        positive("duplicate_window_secs", self.duplicate_window_secs)?;
        let minute = Duration::from_secs(60);
        Ok(CommunityConfig {
            push_token,
            moderation_fallback,
            posts_per_minute: RateLimit {
                max: self.posts_per_minute,
                window: minute,
            },
            comments_per_minute: RateLimit {
                max: self.comments_per_minute,
                window: minute,
            },
            duplicate_window: Duration::from_secs(self.duplicate_window_secs),
        })
    }

    /// HS256 with `jwt_secret`, or RS256/EdDSA with PEM key files (and a key id for rotation).
    fn jwt_keys(&self, mode: Mode) -> Result<(JwtKeys, bool), ConfigError> {
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

    fn privacy_config(&self, mode: Mode) -> Result<PrivacyConfig, ConfigError> {
        use crate::privacy::cipher::{decode_key, DataCipher};
        let entries = self.data_keys.items();
        let (cipher, keys_derived) = if entries.is_empty() {
            if mode == Mode::Prod {
                return Err(ConfigError::new(
                    "data_keys",
                    "prod mode needs a data key (id:base64 of 32 random bytes): it encrypts \
                     session keys and phone numbers at rest",
                ));
            }
            let seed = self
                .jwt_secret
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .unwrap_or(DEV_JWT_SECRET);
            (DataCipher::derived(seed), true)
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

    fn approvals_config(&self) -> Result<ApprovalsConfig, ConfigError> {
        let subscribe_template_id = match self
            .approvals_subscribe_template_id
            .as_deref()
            .map(str::trim)
        {
            None | Some("") => None,
            Some(id) if id.len() > 128 || id.chars().any(char::is_whitespace) => {
                return Err(ConfigError::new(
                    "approvals_subscribe_template_id",
                    "must be a WeChat template id (at most 128 characters, no spaces)",
                ))
            }
            Some(id) => Some(id.to_string()),
        };
        let page = self.approvals_subscribe_page.trim();
        if page.is_empty() || page.starts_with('/') || page.contains('?') || page.len() > 128 {
            return Err(ConfigError::new(
                "approvals_subscribe_page",
                "must be a mini-program page path like pages/approvals/detail (no leading '/', no query)",
            ));
        }
        Ok(ApprovalsConfig {
            subscribe_template_id,
            subscribe_page: page.to_string(),
        })
    }

    fn replica_config(
        &self,
        primary: &DatabaseConfig,
    ) -> Result<Option<ReplicaConfig>, ConfigError> {
        let url = match self.database_replica_url.as_deref().map(str::trim) {
            None | Some("") => return Ok(None),
            Some(url) => url,
        };
        if primary.backend != DatabaseBackend::Postgres {
            return Err(ConfigError::new(
                "database_replica_url",
                "read replicas are supported on PostgreSQL only",
            ));
        }
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://"))
            || url::Url::parse(url).is_err()
        {
            return Err(ConfigError::new(
                "database_replica_url",
                format!("'{}' is not a postgres:// URL", redact_url(url)),
            ));
        }
        positive(
            "database_replica_max_lag_ms",
            self.database_replica_max_lag_ms,
        )?;
        Ok(Some(ReplicaConfig {
            url: url.to_string(),
            max_lag: Duration::from_millis(self.database_replica_max_lag_ms),
        }))
    }

    fn database_config(&self) -> Result<DatabaseConfig, ConfigError> {
        let url = self.database_url.trim().to_string();
        let backend = if url.starts_with("sqlite:") {
            DatabaseBackend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            DatabaseBackend::Postgres
        } else if url.starts_with("mysql://") || url.starts_with("mariadb://") {
            DatabaseBackend::MySql
        } else {
            return Err(ConfigError::new(
                "database_url",
                format!(
                    "'{}' must start with sqlite:, postgres:// or mysql://",
                    redact_url(&url)
                ),
            ));
        };
        if backend != DatabaseBackend::Sqlite && url::Url::parse(&url).is_err() {
            return Err(ConfigError::new(
                "database_url",
                format!("'{}' is not a valid URL", redact_url(&url)),
            ));
        }
        // sqlx speaks MySQL's protocol for MariaDB and TiDB under the mysql scheme.
        let url = match url.strip_prefix("mariadb://") {
            Some(rest) => format!("mysql://{rest}"),
            None => url,
        };
        if self.database_max_connections == 0 {
            return Err(ConfigError::new(
                "database_max_connections",
                "must be at least 1",
            ));
        }
        if self.database_min_connections > self.database_max_connections {
            return Err(ConfigError::new(
                "database_min_connections",
                "must not exceed database_max_connections",
            ));
        }
        positive(
            "database_connect_timeout_secs",
            self.database_connect_timeout_secs,
        )?;
        positive(
            "database_acquire_timeout_secs",
            self.database_acquire_timeout_secs,
        )?;
        Ok(DatabaseConfig {
            url,
            backend,
            max_connections: self.database_max_connections,
            min_connections: self.database_min_connections,
            connect_timeout: Duration::from_secs(self.database_connect_timeout_secs),
            acquire_timeout: Duration::from_secs(self.database_acquire_timeout_secs),
            idle_timeout: Duration::from_secs(self.database_idle_timeout_secs),
        })
    }
}

/// A longer grace would let a stolen, spent refresh token be used unnoticed for longer.
const MAX_REFRESH_GRACE_SECS: u64 = 60;

fn positive(key: &str, value: u64) -> Result<(), ConfigError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> RawConfig {
        RawConfig::default()
    }

    #[test]
    fn defaults_validate_in_dev() {
        let config = raw().validate().unwrap();
        assert_eq!(config.mode, Mode::Dev);
        assert_eq!(config.http.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.database.backend, DatabaseBackend::Sqlite);
        assert!(config.jwt_secret_is_default);
        assert!(config.wechat.credentials.is_none());
        assert!(
            !config.login_async_commit,
            "logins wait for the disk by default"
        );
    }

    #[test]
    fn prod_refuses_insecure_defaults() {
        let mut r = raw();
        r.mode = "prod".into();
        let err = r.clone().validate().unwrap_err();
        assert!(err.key.contains("MINIBASE_JWT_SECRET"), "{err}");
        r.jwt_secret = Some("x".repeat(40));
        let err = r.clone().validate().unwrap_err();
        assert!(err.key.contains("MINIBASE_WECHAT_APPID"), "{err}");
        r.wechat_appid = Some("wx123".into());
        r.wechat_secret = Some("s".into());
        let err = r.clone().validate().unwrap_err();
        assert!(err.key.contains("MINIBASE_DATA_KEYS"), "{err}");
        r.data_keys = StringList::Csv(format!("k1:{}", "A".repeat(43)));
        let err = r.clone().validate().unwrap_err();
        assert!(err.key.contains("MINIBASE_DATA_HASH_KEY"), "{err}");
        r.data_hash_key = Some(format!("{}A=", "B".repeat(42)));
        let config = r.validate().unwrap();
        assert_eq!(config.log.format, LogFormat::Json);
        assert!(!config.privacy.keys_derived);
        assert_eq!(config.privacy.cipher.current_key_id(), "k1");
    }

    /// Prod keeps `/metrics` and the API docs off the public port unless a token guards them or
    /// the operator asks for them there; dev serves them as before.
    #[test]
    fn ops_endpoints_leave_the_public_port_in_prod() {
        let mut prod = raw();
        prod.mode = "prod".into();
        prod.jwt_secret = Some("x".repeat(40));
        prod.wechat_appid = Some("wx123".into());
        prod.wechat_secret = Some("s".into());
        prod.data_keys = StringList::Csv(format!("k1:{}", "A".repeat(43)));
        prod.data_hash_key = Some(format!("{}A=", "B".repeat(42)));
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
        guarded.ops_token = Some("t".repeat(20));
        assert!(ops(&guarded).public, "a token guards them");
        guarded.ops_listen = Some("127.0.0.1:9090".into());
        let moved = ops(&guarded);
        assert!(!moved.public, "an ops listener takes them");
        assert_eq!(moved.listen, Some("127.0.0.1:9090".parse().unwrap()));
        let mut open = prod.clone();
        open.ops_public = Some(true);
        assert!(ops(&open).public, "the operator's choice");

        let mut short = prod;
        short.ops_token = Some("short".into());
        let err = short.validate().unwrap_err();
        assert!(err.key.contains("MINIBASE_OPS_TOKEN"), "{err}");
        let mut same = raw();
        same.ops_listen = Some("127.0.0.1:8080".into());
        let err = same.validate().unwrap_err();
        assert!(err.key.contains("MINIBASE_OPS_LISTEN"), "{err}");
        let mut long = raw();
        long.shutdown_delay_secs = Some(301);
        let err = long.validate().unwrap_err();
        assert!(err.key.contains("MINIBASE_SHUTDOWN_DELAY_SECS"), "{err}");
    }

    #[test]
    fn bad_values_name_their_key() {
        type Case = (fn(&mut RawConfig), &'static str);
        let cases: Vec<Case> = vec![
            (|r| r.mode = "staging".into(), "MINIBASE_MODE"),
            (|r| r.listen = "localhost".into(), "MINIBASE_LISTEN"),
            (
                |r| r.database_url = "oracle://x".into(),
                "MINIBASE_DATABASE_URL",
            ),
            (
                |r| r.database_max_connections = 0,
                "MINIBASE_DATABASE_MAX_CONNECTIONS",
            ),
            (
                |r| r.redis_url = Some("http://x".into()),
                "MINIBASE_REDIS_URL",
            ),
            (
                |r| r.redis_url = Some("redis://a:6379,redis://b:6379".into()),
                "MINIBASE_REDIS_URL",
            ),
            (|r| r.redis_cluster = true, "MINIBASE_REDIS_CLUSTER"),
            (
                |r| {
                    r.redis_cluster = true;
                    r.redis_url = Some("redis://a:6379/2".into());
                },
                "MINIBASE_REDIS_URL",
            ),
            (
                |r| r.database_replica_url = Some("postgres://replica/db".into()),
                "MINIBASE_DATABASE_REPLICA_URL",
            ),
            (
                |r| {
                    r.database_url = "postgres://primary/db".into();
                    r.database_replica_url = Some("mysql://replica/db".into());
                },
                "MINIBASE_DATABASE_REPLICA_URL",
            ),
            (
                |r| {
                    r.database_url = "postgres://primary/db".into();
                    r.database_replica_url = Some("postgres://replica/db".into());
                    r.database_replica_max_lag_ms = 0;
                },
                "MINIBASE_DATABASE_REPLICA_MAX_LAG_MS",
            ),
            (
                |r| r.jwt_secret = Some("short".into()),
                "MINIBASE_JWT_SECRET",
            ),
            (|r| r.log_format = Some("xml".into()), "MINIBASE_LOG_FORMAT"),
            (
                |r| r.jwt_algorithm = "HS512".into(),
                "MINIBASE_JWT_ALGORITHM",
            ),
            (
                |r| r.jwt_algorithm = "RS256".into(),
                "MINIBASE_JWT_PRIVATE_KEY_FILE",
            ),
            (
                |r| r.log_level = "not a filter[".into(),
                "MINIBASE_LOG_LEVEL",
            ),
            (
                |r| r.cors_origins = StringList::Csv("not-an-origin".into()),
                "MINIBASE_CORS_ORIGINS",
            ),
            (|r| r.body_limit_bytes = 10, "MINIBASE_BODY_LIMIT_BYTES"),
            (
                |r| r.request_timeout_secs = 0,
                "MINIBASE_REQUEST_TIMEOUT_SECS",
            ),
            (
                |r| r.trusted_proxies = StringList::Csv("10.0.0.0/99".into()),
                "MINIBASE_TRUSTED_PROXIES",
            ),
            (
                |r| r.wechat_appid = Some("wx1".into()),
                "MINIBASE_WECHAT_SECRET",
            ),
            (
                |r| r.wechat_api_base = "ftp://x".into(),
                "MINIBASE_WECHAT_API_BASE",
            ),
            (
                |r| r.wechat_pool_idle_secs = 0,
                "MINIBASE_WECHAT_POOL_IDLE_SECS",
            ),
            (
                |r| r.jwt_refresh_grace_secs = 61,
                "MINIBASE_JWT_REFRESH_GRACE_SECS",
            ),
            (
                |r| r.approvals_subscribe_page = "/pages/x?id=1".into(),
                "MINIBASE_APPROVALS_SUBSCRIBE_PAGE",
            ),
            (
                |r| r.approvals_subscribe_template_id = Some("a b".into()),
                "MINIBASE_APPROVALS_SUBSCRIBE_TEMPLATE_ID",
            ),
        ];
        for (change, key) in cases {
            let mut r = raw();
            change(&mut r);
            let err = r.validate().unwrap_err();
            assert!(err.key.starts_with(key), "expected {key}, got {err}");
        }
    }

    #[test]
    fn ip_networks_match() {
        let net: IpNet = "10.0.0.0/8".parse().unwrap();
        assert!(net.contains("10.1.2.3".parse().unwrap()));
        assert!(net.contains("::ffff:10.1.2.3".parse().unwrap()));
        assert!(!net.contains("11.0.0.1".parse().unwrap()));
        let one: IpNet = "127.0.0.1".parse().unwrap();
        assert!(one.contains("127.0.0.1".parse().unwrap()));
        assert!(!one.contains("127.0.0.2".parse().unwrap()));
        assert!("::1/128"
            .parse::<IpNet>()
            .unwrap()
            .contains("::1".parse().unwrap()));
    }

    #[test]
    fn a_partial_wechat_pay_configuration_names_what_is_missing() {
        let mut r = raw();
        r.wechat_pay_mchid = Some("1900000109".into());
        r.wechat_pay_api_v3_key = Some("x".repeat(32));
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
        let raw: RawConfig = figment.extract().unwrap();
        assert_eq!(raw.wechat_pay_mchid.as_deref(), Some("1900000109"));
        let figment = Figment::from(Serialized::defaults(RawConfig::default()))
            .merge(Toml::string("wechat_pay_mchid = \"1900000109\""));
        let raw: RawConfig = figment.extract().unwrap();
        assert_eq!(raw.wechat_pay_mchid.as_deref(), Some("1900000109"));
    }

    #[test]
    fn certificate_mode_needs_no_public_key_but_everything_else() {
        let mut r = raw();
        r.mode = "prod".into();
        r.jwt_secret = Some("x".repeat(40));
        r.wechat_appid = Some("wx123".into());
        r.wechat_secret = Some("s".into());
        r.wechat_pay_key_mode = "platform_certificate".into();
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
        r.wechat_pay_mchid = Some("1900000109".into());
        r.wechat_pay_serial_no = Some("5157F09EFDC096DE15EBE81A47057A7232F1B8E1".into());
        r.wechat_pay_api_v3_key = Some("x".repeat(32));
        let err = r.clone().validate().unwrap_err();
        assert!(err.key.contains("MINIBASE_WECHAT_PAY_PRIVATE_KEY"), "{err}");
        assert!(!err.problem.contains("MCHID"), "{err}");
        // Half of a public key beside the certificates: the other half is named.
        r.wechat_pay_public_key_id = Some("PUB_KEY_ID_0119000000012026000000000000000001".into());
        let err = r.clone().validate().unwrap_err();
        assert!(
            err.problem.contains("MINIBASE_WECHAT_PAY_PUBLIC_KEY ("),
            "{err}"
        );
        r.wechat_pay_key_mode = "certificates".into();
        let err = r.clone().validate().unwrap_err();
        assert!(err.key.contains("MINIBASE_WECHAT_PAY_KEY_MODE"), "{err}");
        r.wechat_pay_key_mode = "platform_certificate".into();
        r.wechat_pay_certificate_refresh_secs = 0;
        let err = r.validate().unwrap_err();
        assert!(
            err.key
                .contains("MINIBASE_WECHAT_PAY_CERTIFICATE_REFRESH_SECS"),
            "{err}"
        );
    }

    #[test]
    fn cluster_seeds_and_a_replica_are_accepted() {
        let mut raw = raw();
        raw.redis_cluster = true;
        raw.redis_url = Some(" redis://a:6379 , redis://b:6379/0".into());
        raw.database_url = "postgres://primary/db".into();
        raw.database_replica_url = Some("postgres://replica/db".into());
        raw.database_replica_max_lag_ms = 500;
        let config = raw.validate().unwrap();
        assert!(config.redis_cluster);
        assert_eq!(
            config.redis_url.as_deref(),
            Some("redis://a:6379,redis://b:6379/0")
        );
        let replica = config.replica.unwrap();
        assert_eq!(replica.url, "postgres://replica/db");
        assert_eq!(replica.max_lag, Duration::from_millis(500));
    }

    #[test]
    fn docs_list_every_key() {
        let docs = include_str!("../../../docs/configuration.md");
        for key in known_keys() {
            let row = format!("| `{key}` | `{ENV_PREFIX}{}` |", key.to_ascii_uppercase());
            assert!(docs.contains(&row), "docs/configuration.md lacks {row}");
        }
    }

    #[test]
    fn figment_type_errors_name_the_key() {
        let figment = Figment::from(Serialized::defaults(RawConfig::default()))
            .merge(Toml::string("database_max_connections = \"lots\""));
        let err = figment_error(figment.extract::<RawConfig>().unwrap_err());
        assert!(
            err.key.starts_with("MINIBASE_DATABASE_MAX_CONNECTIONS"),
            "{err}"
        );
    }
}
