//! The server's own keys, and the composition of the features' sections.

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
    r.auth.jwt_secret = Some("x".repeat(40));
    let err = r.clone().validate().unwrap_err();
    assert!(err.key.contains("MINIBASE_WECHAT_APPID"), "{err}");
    r.wechat_appid = Some("wx123".into());
    r.wechat_secret = Some("s".into());
    let err = r.clone().validate().unwrap_err();
    assert!(err.key.contains("MINIBASE_DATA_KEYS"), "{err}");
    r.privacy.data_keys = StringList::Csv(format!("k1:{}", "A".repeat(43)));
    let err = r.clone().validate().unwrap_err();
    assert!(err.key.contains("MINIBASE_DATA_HASH_KEY"), "{err}");
    r.privacy.data_hash_key = Some(format!("{}A=", "B".repeat(42)));
    let config = r.validate().unwrap();
    assert_eq!(config.log.format, LogFormat::Json);
    assert!(!config.privacy.keys_derived);
    assert_eq!(config.privacy.cipher.current_key_id(), "k1");
}

#[test]
fn bad_values_name_their_key() {
    type Case = (fn(&mut RawConfig), &'static str);
    let cases: Vec<Case> = vec![
        (|r| r.mode = "staging".into(), "MINIBASE_MODE"),
        (|r| r.listen = "localhost".into(), "MINIBASE_LISTEN"),
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
        (|r| r.log_format = Some("xml".into()), "MINIBASE_LOG_FORMAT"),
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
    ];
    for (change, key) in cases {
        assert_refused(change, key);
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
fn cluster_seeds_and_a_replica_are_accepted() {
    let mut raw = raw();
    raw.redis_cluster = true;
    raw.redis_url = Some(" redis://a:6379 , redis://b:6379/0".into());
    raw.database.database_url = "postgres://primary/db".into();
    raw.database.database_replica_url = Some("postgres://replica/db".into());
    raw.database.database_replica_max_lag_ms = 500;
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
    let docs = include_str!("../../../../docs/configuration.md");
    for key in known_keys() {
        let row = format!("| `{key}` | `{ENV_PREFIX}{}` |", key.to_ascii_uppercase());
        assert!(docs.contains(&row), "docs/configuration.md lacks {row}");
    }
}

#[test]
fn figment_type_errors_name_the_key() {
    let figment = Figment::from(Serialized::defaults(RawConfig::default()))
        .merge(Toml::string("database_max_connections = \"lots\""));
    let err = RawConfig::extract(&figment).unwrap_err();
    assert!(
        err.key.starts_with("MINIBASE_DATABASE_MAX_CONNECTIONS"),
        "{err}"
    );
    // A key of a feature's section too.
    let figment = Figment::from(Serialized::defaults(RawConfig::default()))
        .merge(Toml::string("flash_sale_order_ttl_secs = \"soon\""));
    let err = RawConfig::extract(&figment).unwrap_err();
    assert!(
        err.key.starts_with("MINIBASE_FLASH_SALE_ORDER_TTL_SECS"),
        "{err}"
    );
}

/// The sections read together are the sections read alone.
#[test]
fn sections_read_their_keys() {
    let figment = Figment::from(Serialized::defaults(RawConfig::default())).merge(Toml::string(
        "listen = \"127.0.0.1:9000\"\nposts_per_minute = 7\nrealtime_redis_prefix = \"x\"",
    ));
    let raw = RawConfig::extract(&figment).unwrap();
    assert_eq!(raw.listen, "127.0.0.1:9000");
    assert_eq!(raw.community.posts_per_minute, 7);
    assert_eq!(raw.realtime.realtime_redis_prefix, "x");
    assert_eq!(raw.flash_sale.flash_sale_order_ttl_secs, 900);
}
