//! `benchkit`: the parts of the benchmark that are awkward in shell. `bench/run` drives it.

mod hold;
mod mix;
mod report;
mod seed;
mod startup;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "benchkit", about = "Helpers for bench/run")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create users the way clients do, by logging in through the server's
    /// `POST /api/v1/auth/login` with codes `<prefix><i>`, and write one access token per line.
    LoginUsers {
        #[arg(long)]
        base: String,
        #[arg(long, default_value = "bench-user-")]
        prefix: String,
        #[arg(long, default_value_t = 10_000)]
        count: usize,
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        #[arg(long)]
        out: PathBuf,
    },
    /// Open N keep-alive connections, send one `GET /ping` on each, print `ready <n>` once all
    /// are answered, then hold them open (idle) for a while.
    Hold {
        #[arg(long)]
        addr: String,
        #[arg(long, default_value_t = 10_000)]
        connections: usize,
        #[arg(long, default_value_t = 5)]
        seconds: u64,
    },
    /// Time from spawning a server to its first 200 on a URL, several times; prints JSON.
    Startup {
        #[arg(long)]
        url: String,
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// The command that starts the server (after `--`).
        #[arg(last = true, required = true)]
        command: Vec<String>,
    },
    /// The mixed scenario: mostly reads (feed pages as rotating users, users/me, config), some
    /// writes (posts, logins), over N connections; prints `BENCH_JSON {...}` with per-kind figures.
    Mix {
        /// host:port of the server.
        #[arg(long)]
        addr: String,
        #[arg(long, default_value_t = 64)]
        connections: usize,
        #[arg(long, default_value_t = 2)]
        warmup: u64,
        #[arg(long, default_value_t = 10)]
        duration: u64,
        /// Access tokens, one per line (from login-users).
        #[arg(long)]
        tokens: PathBuf,
        /// Feed page paths, one per line (the first page, then each next_cursor).
        #[arg(long)]
        cursors: PathBuf,
        #[arg(long, default_value_t = 10_000)]
        users: usize,
        #[arg(long, default_value = "bench-user-")]
        login_prefix: String,
        /// Percent of each kind of request.
        #[arg(long, default_value = "feed=45,me=30,config=15,post=5,login=5")]
        weights: String,
    },
    /// Read a run's results.jsonl and meta.json; write the charts and the results section of the
    /// benchmarks document.
    Report {
        /// The run directory (holding meta.json and results.jsonl).
        #[arg(long)]
        run: PathBuf,
        /// The Markdown document whose generated section is replaced.
        #[arg(long)]
        doc: PathBuf,
        /// Where the SVG charts go (linked from the document by relative path).
        #[arg(long)]
        charts: PathBuf,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // One thread for the mixed load, as wrk -t1; the other helpers keep the multi-thread runtime.
    if let Command::Mix { .. } = cli.command {
        return tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
            .block_on(run(cli.command));
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run(cli.command))
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::LoginUsers {
            base,
            prefix,
            count,
            concurrency,
            out,
        } => seed::login_users(&base, &prefix, count, concurrency, &out).await,
        Command::Hold {
            addr,
            connections,
            seconds,
        } => hold::hold(&addr, connections, seconds).await,
        Command::Startup { url, runs, command } => startup::startup(&url, runs, &command).await,
        Command::Mix {
            addr,
            connections,
            warmup,
            duration,
            tokens,
            cursors,
            users,
            login_prefix,
            weights,
        } => {
            mix::mix(mix::MixArgs {
                addr: &addr,
                connections,
                warmup,
                duration,
                tokens: &tokens,
                cursors: &cursors,
                users,
                login_prefix: &login_prefix,
                weights: &weights,
            })
            .await
        }
        Command::Report { run, doc, charts } => report::report(&run, &doc, &charts),
    }
}
