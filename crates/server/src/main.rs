//! The `minibase` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use minibase::app::{shutdown_signal, Application};
use minibase::config::{redact_url, Config, Mode};
use minibase::users::model::Role;
use minibase::{observability, store, telemetry};
use minibase_wechat::mock::{MockConfig, MockWechat};

/// Minibase: the backend for WeChat mini-programs, in one binary.
///
/// Configuration comes from built-in defaults, then ./minibase.toml (or --config), then .env,
/// then MINIBASE_* environment variables; see docs/configuration.md for every key.
#[derive(Parser)]
#[command(name = "minibase", version, about, long_about)]
struct Cli {
    /// TOML configuration file (default: ./minibase.toml when it exists).
    #[arg(long, short = 'c', global = true, value_name = "FILE")]
    config: Option<PathBuf>,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API (the default when no command is given). Applies pending migrations
    /// first.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate {
        /// Only list applied and pending migrations; change nothing.
        #[arg(long)]
        status: bool,
    },
    /// Manage admin-console accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Serve a mock of WeChat's server API (code2session, access tokens, phone numbers, content
    /// checks, subscribe messages, QR codes) and of WeChat Pay v3 (under /v3/...) for local
    /// development and tests.
    MockWechat {
        /// The mock WeChat Pay's own private key (PKCS#8 PEM); made and written there when the
        /// file does not exist, so the key merchants trust survives restarts.
        #[arg(long)]
        pay_key_file: Option<std::path::PathBuf>,
        /// Port to listen on (127.0.0.1).
        #[arg(long, default_value_t = 9100)]
        port: u16,
        /// Address to bind instead of 127.0.0.1.
        #[arg(long, default_value = "127.0.0.1")]
        host: std::net::IpAddr,
        /// AppID the mock accepts.
        #[arg(long, default_value = "wx-mock-appid")]
        appid: String,
        /// AppSecret the mock accepts.
        #[arg(long, default_value = "mock-secret")]
        secret: String,
        /// Comma-separated words that content checks flag as risky.
        #[arg(long, value_delimiter = ',')]
        blocked_words: Option<Vec<String>>,
        /// Refuse a login code the second time it is used, as WeChat does.
        #[arg(long)]
        single_use_codes: bool,
    },
    /// Import a LeanCloud or CloudBase export: users keep their WeChat openid and unionid (so
    /// they log in as the same users), classes or collections become collections with their
    /// records, and files are copied into the file store. Running it again updates what it
    /// imported before and duplicates nothing. See docs/migrating.md.
    Import {
        #[command(subcommand)]
        platform: ImportCommand,
    },
    /// Re-encrypt stored session keys and phone numbers under the current data key (the first
    /// of MINIBASE_DATA_KEYS), then exit. Running servers do the same in their privacy sweep;
    /// this finishes a key rotation at once. Safe while servers run.
    Reencrypt {
        /// Rewrite every value, not only those under older keys (after changing
        /// MINIBASE_DATA_HASH_KEY, so that phone lookups find every number again).
        #[arg(long)]
        all: bool,
    },
    /// Print the OpenAPI document (the JSON that GET /openapi.json serves, byte for byte) and
    /// exit. Needs no database and no configuration.
    Openapi {
        /// Write it to FILE instead of standard output.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// A LeanCloud data export: a folder or .zip of <Class>.json / <Class>.jsonl files, with
    /// file bytes under files/.
    Leancloud {
        /// The export folder or .zip archive.
        export: PathBuf,
        /// Report what would be created and every record that cannot be mapped; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// A CloudBase database export: a folder or .zip of <collection>.json files (JSON lines),
    /// with file bytes under files/ by their cloud:// path.
    Cloudbase {
        /// The export folder or .zip archive.
        export: PathBuf,
        /// Report what would be created and every record that cannot be mapped; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an admin-console account. The password is asked for without echo, or read from
    /// standard input with --password-stdin.
    Create {
        /// Login name (3-64 letters, digits, '.', '_' or '-').
        #[arg(long)]
        username: String,
        /// admin (everything) or moderator (moderation and bans).
        #[arg(long, default_value = "admin")]
        role: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

fn main() -> ExitCode {
    minibase::allocator::tune();
    let cli = Cli::parse();
    if let Some(Command::Openapi { output }) = &cli.command {
        return match write_openapi(output.as_deref()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("minibase: {err:#}");
                ExitCode::FAILURE
            }
        };
    }
    let config = match Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("minibase: {err}");
            return ExitCode::from(2);
        }
    };
    let traces = match telemetry::TraceSettings::from_env() {
        Ok(traces) => traces,
        Err(err) => {
            eprintln!("minibase: {err}");
            return ExitCode::from(2);
        }
    };
    let tracer_provider = match observability::init_logging(&config.log, traces.as_ref()) {
        Ok(provider) => provider,
        Err(err) => {
            eprintln!("minibase: cannot start the OpenTelemetry exporter: {err:#}");
            return ExitCode::from(2);
        }
    };
    if let Some(traces) = &traces {
        tracing::info!(endpoint = %traces.endpoint, "exporting traces over OTLP");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("minibase: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => serve(config).await,
            Command::Migrate { status } => migrate(config, status).await,
            Command::Admin {
                command:
                    AdminCommand::Create {
                        username,
                        role,
                        password_stdin,
                    },
            } => create_admin(config, &username, &role, password_stdin).await,
            Command::MockWechat {
                pay_key_file,
                port,
                host,
                appid,
                secret,
                blocked_words,
                single_use_codes,
            } => {
                let defaults = MockConfig::default();
                let mut mock = MockWechat::new(MockConfig {
                    appid,
                    secret,
                    blocked_words: blocked_words.unwrap_or(defaults.blocked_words.clone()),
                    single_use_codes,
                    ..defaults
                });
                if let Some(path) = pay_key_file {
                    mock = mock.with_pay(mock_pay_key(&path)?);
                }
                mock_wechat(mock, std::net::SocketAddr::new(host, port)).await
            }
            Command::Import { platform } => import(config, platform).await,
            Command::Reencrypt { all } => reencrypt(config, all).await,
            // Answered above, before the configuration is read.
            Command::Openapi { output } => write_openapi(output.as_deref()),
        }
    });
    // The runtime first: its tasks may still be ending spans. Then the last spans are sent.
    drop(runtime);
    if let Some(provider) = tracer_provider {
        telemetry::shutdown(provider);
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %format!("{err:#}"), "minibase stopped with an error");
            eprintln!("minibase: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// `minibase openapi`: the spec, without a database, a configuration or a runtime.
fn write_openapi(output: Option<&std::path::Path>) -> anyhow::Result<()> {
    use std::io::Write;
    let json = minibase::app::openapi_json()?;
    match output {
        Some(path) => std::fs::write(path, &json)
            .map_err(|err| anyhow::anyhow!("writing {}: {err}", path.display())),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(&json)?;
            stdout.flush()?;
            Ok(())
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    if config.mode == Mode::Dev && config.jwt_secret_is_default {
        tracing::warn!(
            "dev mode: tokens are signed with the built-in dev secret; set MINIBASE_JWT_SECRET"
        );
    }
    if config.privacy.keys_derived {
        tracing::warn!(
            "dev mode: session keys and phone numbers are encrypted with a key derived from the \
             JWT secret; set MINIBASE_DATA_KEYS and MINIBASE_DATA_HASH_KEY (docs/privacy.md)"
        );
    }
    // A cluster's seeds are several URLs, each with its own password to hide.
    let redis = match &config.redis_url {
        Some(urls) => urls
            .split(',')
            .map(redact_url)
            .collect::<Vec<_>>()
            .join(","),
        None => "not configured".into(),
    };
    tracing::info!(
        database = %redact_url(&config.database.url),
        replica = config.replica.as_ref().map(|r| redact_url(&r.url)).unwrap_or_else(|| "not configured".into()),
        redis,
        redis_cluster = config.redis_cluster,
        mode = ?config.mode,
        "starting"
    );
    let app = Application::build(config).await?;
    minibase::allocator::release_startup_pages_soon();
    let addr = app.local_addr()?;
    tracing::info!(%addr, "listening");
    if app.state().config.ops.public {
        println!("Minibase is listening on http://{addr} (API docs: http://{addr}/docs)");
    } else {
        println!("Minibase is listening on http://{addr}");
    }
    if let Some(ops) = app.ops_addr()? {
        println!("Metrics and API docs: http://{ops}/metrics, http://{ops}/docs");
    }
    match app.console_addr()? {
        Some(console) => println!("Admin console: http://{console}/console/"),
        None if app.state().config.console.enabled => {
            println!("Admin console: http://{addr}/console/")
        }
        None => {}
    }
    app.run_until(shutdown_signal()).await
}

async fn create_admin(
    config: Config,
    username: &str,
    role: &str,
    password_stdin: bool,
) -> anyhow::Result<()> {
    let role = Role::parse(role)
        .filter(|r| *r != Role::User)
        .ok_or_else(|| anyhow::anyhow!("--role must be admin or moderator"))?;
    let password = if password_stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_string()
    } else {
        let first = rpassword::prompt_password("Password: ")?;
        let again = rpassword::prompt_password("Password again: ")?;
        anyhow::ensure!(first == again, "the passwords differ");
        first
    };
    let db = store::db::connect(&config.database).await?;
    store::db::migrate(&db).await?;
    let id = minibase::auth::service::create_admin(&db, username, &password, role).await?;
    println!("created {} account '{username}' (id {id})", role.as_str());
    Ok(())
}

async fn import(config: Config, command: ImportCommand) -> anyhow::Result<()> {
    use minibase::collections::import::{self, Platform};
    let (platform, path, dry_run) = match command {
        ImportCommand::Leancloud { export, dry_run } => (Platform::LeanCloud, export, dry_run),
        ImportCommand::Cloudbase { export, dry_run } => (Platform::CloudBase, export, dry_run),
    };
    let db = store::db::connect(&config.database).await?;
    store::db::migrate(&db).await?;
    let files = minibase::store::objects::FileStore::new(&config.files)?;
    let report = import::run(&db, &files, platform, &path, dry_run).await?;
    print!("{}", report.render());
    Ok(())
}

/// The mock WeChat Pay's key from `path`, made and written there first when missing.
fn mock_pay_key(path: &std::path::Path) -> anyhow::Result<minibase_wechat::pay::mock::PayMock> {
    use minibase_wechat::pay::PrivateKey;
    let key = if path.exists() {
        PrivateKey::from_pem(&std::fs::read_to_string(path)?)?
    } else {
        let key = PrivateKey::generate()?;
        std::fs::write(path, key.to_pem()?)?;
        key
    };
    Ok(minibase_wechat::pay::mock::PayMock::with_key(key))
}

async fn mock_wechat(mock: MockWechat, addr: std::net::SocketAddr) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    println!(
        "Mock WeChat is listening on http://{addr} (AppID {}, secret {}); point MINIBASE_WECHAT_API_BASE at it",
        mock.config().appid,
        mock.config().secret
    );
    println!(
        "Mock WeChat Pay is under http://{addr}/v3/...: GET /mock/pay/public-key gives the key to set as MINIBASE_WECHAT_PAY_PUBLIC_KEY (id {}); register your merchant with POST /mock/pay/merchants (docs/payments.md)",
        mock.pay().public_key_id()
    );
    tokio::select! {
        result = mock.serve(listener) => result?,
        () = shutdown_signal() => {}
    }
    Ok(())
}

async fn reencrypt(config: Config, all: bool) -> anyhow::Result<()> {
    let db = store::db::connect(&config.database).await?;
    store::db::migrate(&db).await?;
    let cipher = &config.privacy.cipher;
    let rewritten = minibase::privacy::service::reencrypt(&db, cipher, all).await?;
    println!(
        "re-encrypted {rewritten} value(s) under data key '{}'",
        cipher.current_key_id()
    );
    Ok(())
}

async fn migrate(config: Config, status_only: bool) -> anyhow::Result<()> {
    let db = store::db::connect(&config.database).await?;
    if !status_only {
        store::db::migrate(&db).await?;
    }
    let (applied, pending) = store::db::migration_status(&db).await?;
    for name in &applied {
        println!("applied  {name}");
    }
    for name in &pending {
        println!("pending  {name}");
    }
    println!("{} applied, {} pending", applied.len(), pending.len());
    Ok(())
}
