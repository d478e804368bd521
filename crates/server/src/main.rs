//! The `minibase` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use minibase::app::{shutdown_signal, Application};
use minibase::config::{redact_url, Config, Mode};
use minibase::{observability, store};

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("minibase: {err}");
            return ExitCode::from(2);
        }
    };
    observability::init_logging(&config.log);
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
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %format!("{err:#}"), "minibase stopped with an error");
            eprintln!("minibase: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    if config.mode == Mode::Dev && config.jwt_secret_is_default {
        tracing::warn!(
            "dev mode: tokens are signed with the built-in dev secret; set MINIBASE_JWT_SECRET"
        );
    }
    tracing::info!(
        database = %redact_url(&config.database.url),
        redis = config.redis_url.as_deref().map(redact_url).unwrap_or_else(|| "not configured".into()),
        mode = ?config.mode,
        "starting"
    );
    let app = Application::build(config).await?;
    let addr = app.local_addr()?;
    tracing::info!(%addr, "listening");
    println!("Minibase is listening on http://{addr} (API docs: http://{addr}/docs)");
    app.run_until(shutdown_signal()).await
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
