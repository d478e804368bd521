//! The mixed scenario's load generator: what a mini-program's users do at once, mostly reads and
//! some writes, over N keep-alive connections, each sending its next request when the last is
//! answered (closed loop, as wrk). wrk cannot time requests per kind, so this does; it runs on
//! one thread, as wrk does with `-t1`.
//!
//! Prints one line `BENCH_JSON {...}` with wrk's fields (so bench/run reads both alike) and a
//! `kinds` object: requests, p50/p99 and errors of each kind of request.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::net::TcpStream;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Kind {
    Feed,
    Me,
    Config,
    Post,
    Login,
}

impl Kind {
    fn parse(s: &str) -> anyhow::Result<Kind> {
        Ok(match s {
            "feed" => Kind::Feed,
            "me" => Kind::Me,
            "config" => Kind::Config,
            "post" => Kind::Post,
            "login" => Kind::Login,
            _ => bail!("unknown kind {s} (feed, me, config, post, login)"),
        })
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Feed => "feed",
            Kind::Me => "me",
            Kind::Config => "config",
            Kind::Post => "post",
            Kind::Login => "login",
        }
    }
}

pub struct MixArgs<'a> {
    pub addr: &'a str,
    pub connections: usize,
    pub warmup: u64,
    pub duration: u64,
    pub tokens: &'a Path,
    pub cursors: &'a Path,
    pub users: usize,
    pub login_prefix: &'a str,
    pub weights: &'a str,
}

/// What each connection needs, shared read-only.
struct Plan {
    host: String,
    tokens: Vec<String>,
    pages: Vec<String>,
    users: usize,
    prefix: String,
    /// 100 slots, each a kind in proportion to its weight, walked in a shuffled order.
    slots: Vec<Kind>,
}

#[derive(Default)]
struct Stats {
    /// Latencies in µs of the requests sent after the warm-up and answered before the end.
    latencies: BTreeMap<Kind, Vec<u32>>,
    errors: BTreeMap<Kind, u64>,
    status_errors: u64,
    socket_errors: u64,
    timeouts: u64,
}

pub async fn mix(args: MixArgs<'_>) -> anyhow::Result<()> {
    let tokens: Vec<String> = read_lines(args.tokens)?;
    let pages: Vec<String> = read_lines(args.cursors)?;
    if tokens.is_empty() || pages.is_empty() {
        bail!("no tokens or no feed pages");
    }
    let mut weights = Vec::new();
    for part in args.weights.split(',').filter(|p| !p.is_empty()) {
        let (k, w) = part
            .split_once('=')
            .with_context(|| format!("weight {part}: want kind=percent"))?;
        weights.push((Kind::parse(k.trim())?, w.trim().parse::<usize>()?));
    }
    let total: usize = weights.iter().map(|w| w.1).sum();
    if total == 0 {
        bail!("weights add up to 0");
    }
    let mut slots = Vec::new();
    for (kind, w) in &weights {
        // Rounded to slots of 1/1000 of the mix.
        slots.extend(std::iter::repeat_n(*kind, (w * 1000).div_ceil(total)));
    }
    // Interleave the kinds (a fixed shuffle), so that writes are spread through the run.
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    for i in (1..slots.len()).rev() {
        rng = xorshift(rng);
        slots.swap(i, (rng % (i as u64 + 1)) as usize);
    }
    let plan = std::rc::Rc::new(Plan {
        host: args.addr.to_string(),
        tokens,
        pages,
        users: args.users.max(1),
        prefix: args.login_prefix.to_string(),
        slots,
    });
    let started = Instant::now();
    let measure_from = started + Duration::from_secs(args.warmup);
    let end = measure_from + Duration::from_secs(args.duration);
    // Distinct across runs: login codes and post texts must be new each time.
    let epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() % 100_000)
        .unwrap_or(0);
    let local = tokio::task::LocalSet::new();
    let stats = local
        .run_until(async {
            let mut tasks = Vec::new();
            for conn in 0..args.connections {
                let plan = plan.clone();
                tasks.push(tokio::task::spawn_local(connection(
                    plan,
                    conn,
                    epoch,
                    measure_from,
                    end,
                )));
            }
            let mut all = Stats::default();
            for t in tasks {
                let s = t.await?;
                for (k, mut v) in s.latencies {
                    all.latencies.entry(k).or_default().append(&mut v);
                }
                for (k, n) in s.errors {
                    *all.errors.entry(k).or_default() += n;
                }
                all.status_errors += s.status_errors;
                all.socket_errors += s.socket_errors;
                all.timeouts += s.timeouts;
            }
            Ok::<_, anyhow::Error>(all)
        })
        .await?;
    let measured_us = Instant::now()
        .min(end)
        .saturating_duration_since(measure_from)
        .as_micros()
        .max(1) as u64;
    print_json(&stats, measured_us);
    Ok(())
}

fn read_lines(path: &Path) -> anyhow::Result<Vec<String>> {
    Ok(std::fs::read_to_string(path)
        .with_context(|| format!("reading {}", path.display()))?
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect())
}

fn xorshift(mut x: u64) -> u64 {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x
}

type Sender = http1::SendRequest<Full<Bytes>>;

async fn connect(host: &str) -> anyhow::Result<Sender> {
    let stream = TcpStream::connect(host).await?;
    stream.set_nodelay(true)?;
    let (sender, conn) = http1::handshake(TokioIo::new(stream)).await?;
    tokio::task::spawn_local(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

async fn connection(
    plan: std::rc::Rc<Plan>,
    id: usize,
    epoch: u64,
    measure_from: Instant,
    end: Instant,
) -> Stats {
    let mut stats = Stats::default();
    // Each connection starts at its own place in the mix, the users and the pages.
    let mut n: u64 = (id as u64).wrapping_mul(7919);
    let mut sender: Option<Sender> = None;
    while Instant::now() < end {
        let s = match sender.as_mut() {
            Some(s) => s,
            None => match connect(&plan.host).await {
                Ok(s) => sender.insert(s),
                Err(_) => {
                    stats.socket_errors += 1;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        n += 1;
        let kind = plan.slots[(n as usize) % plan.slots.len()];
        let req = request(&plan, kind, id, epoch, n);
        let sent = Instant::now();
        let outcome = tokio::time::timeout(Duration::from_secs(10), async {
            s.ready().await?;
            let res = s.send_request(req).await?;
            let status = res.status();
            res.into_body().collect().await?;
            Ok::<_, hyper::Error>(status)
        })
        .await;
        let done = Instant::now();
        let counted = sent >= measure_from && done <= end;
        match outcome {
            Ok(Ok(status)) => {
                if counted {
                    let us = done.duration_since(sent).as_micros().min(u32::MAX as u128) as u32;
                    stats.latencies.entry(kind).or_default().push(us);
                    if !status.is_success() {
                        stats.status_errors += 1;
                        *stats.errors.entry(kind).or_default() += 1;
                    }
                }
            }
            Ok(Err(_)) => {
                sender = None;
                if counted {
                    stats.socket_errors += 1;
                    *stats.errors.entry(kind).or_default() += 1;
                }
            }
            Err(_) => {
                sender = None;
                if counted {
                    stats.timeouts += 1;
                    *stats.errors.entry(kind).or_default() += 1;
                }
            }
        }
    }
    stats
}

fn request(plan: &Plan, kind: Kind, id: usize, epoch: u64, n: u64) -> Request<Full<Bytes>> {
    let user = (n as usize).wrapping_mul(31).wrapping_add(id * 131) % plan.tokens.len();
    let bearer = format!("Bearer {}", plan.tokens[user]);
    let builder = Request::builder().header("host", plan.host.as_str());
    let (method, path, body, auth) = match kind {
        // A user scrolling: a page of the pre-computed set, as that user.
        Kind::Feed => (
            Method::GET,
            plan.pages[(n as usize).wrapping_mul(7).wrapping_add(id) % plan.pages.len()].clone(),
            None,
            true,
        ),
        Kind::Me => (Method::GET, "/api/v1/users/me".to_string(), None, true),
        Kind::Config => (Method::GET, "/api/v1/config".to_string(), None, false),
        Kind::Post => (
            Method::POST,
            "/api/v1/posts".to_string(),
            Some(format!(
                "{{\"content\":\"Mixed post {epoch}-{id}-{n}: the dumplings on Fifth Street are back.\"}}"
            )),
            true,
        ),
        Kind::Login => (
            Method::POST,
            "/api/v1/auth/login".to_string(),
            Some(format!(
                "{{\"code\":\"{}{}:m{epoch}-{id}-{n}\"}}",
                plan.prefix,
                (user * 7 + 3) % plan.users
            )),
            false,
        ),
    };
    let mut builder = builder.method(method).uri(path);
    if auth {
        builder = builder.header("authorization", bearer);
    }
    let body = match body {
        Some(b) => {
            builder = builder.header("content-type", "application/json");
            Full::new(Bytes::from(b))
        }
        None => Full::new(Bytes::new()),
    };
    // The parts above are all valid; an error here would be a bug in this file.
    builder
        .body(body)
        .unwrap_or_else(|_| Request::new(Full::new(Bytes::new())))
}

fn pct(sorted: &[u32], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let i = ((sorted.len() as f64) * p / 100.0).ceil() as usize;
    u64::from(sorted[i.clamp(1, sorted.len()) - 1])
}

fn print_json(stats: &Stats, measured_us: u64) {
    let mut all: Vec<u32> = stats.latencies.values().flatten().copied().collect();
    all.sort_unstable();
    let mut kinds = serde_json::Map::new();
    for (kind, lat) in &stats.latencies {
        let mut lat = lat.clone();
        lat.sort_unstable();
        kinds.insert(
            kind.name().to_string(),
            json!({
                "requests": lat.len(),
                "rps": lat.len() as f64 / (measured_us as f64 / 1e6),
                "p50_ms": pct(&lat, 50.0) as f64 / 1000.0,
                "p99_ms": pct(&lat, 99.0) as f64 / 1000.0,
                "errors": stats.errors.get(kind).copied().unwrap_or(0),
            }),
        );
    }
    let out = json!({
        "requests": all.len(),
        "duration_us": measured_us,
        "p50_us": pct(&all, 50.0),
        "p90_us": pct(&all, 90.0),
        "p99_us": pct(&all, 99.0),
        "max_us": all.last().copied().unwrap_or(0),
        "connect": 0,
        "read": stats.socket_errors,
        "write": 0,
        "timeout": stats.timeouts,
        "status": stats.status_errors,
        "ok_2xx": Value::Null,
        "conflict_409": Value::Null,
        "kinds": Value::Object(kinds),
    });
    println!("BENCH_JSON {out}");
}
