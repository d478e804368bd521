//! The report: the targets, the tables and the charts of one benchmark run (several rounds),
//! written into the generated section of docs/benchmarks.md (between the BEGIN/END markers) and
//! beside it as SVG. Every figure is the median of the rounds, with their spread (min-max);
//! ratios are ratios of medians; a verdict is computed, never written by hand.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{bail, Context};
use plotters::coord::combinators::WithKeyPoints;
use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::prelude::*;
use serde::Deserialize;
use serde_json::Value;

const BEGIN: &str = "<!-- BEGIN GENERATED RESULTS (benchkit report) -->";
const END: &str = "<!-- END GENERATED RESULTS -->";

/// Servers in the order they are shown, with their chart colours.
const SERVERS: [(&str, &str, RGBColor); 6] = [
    ("minibase", "Minibase", RGBColor(214, 39, 40)),
    ("gin", "Gin (pgx)", RGBColor(31, 119, 180)),
    ("gin-gorm", "Gin+GORM", RGBColor(23, 190, 207)),
    ("express", "Express", RGBColor(44, 160, 44)),
    ("fastify", "Fastify", RGBColor(148, 103, 189)),
    ("hyper", "bare hyper", RGBColor(127, 127, 127)),
];

const SCENARIOS: [(&str, &str); 10] = [
    ("ping", "GET /ping"),
    ("config", "GET /api/v1/config"),
    ("me", "GET /api/v1/users/me"),
    (
        "feed",
        "feed, first page only: GET /api/v1/posts?limit=20, anonymous",
    ),
    (
        "feed-pages",
        "feed, pages rotating: GET /api/v1/posts?limit=20[&cursor=...], 10,000 users",
    ),
    ("login", "POST /api/v1/auth/login"),
    ("post", "POST /api/v1/posts"),
    ("flash", "POST /api/v1/flash-sales/{id}/orders"),
    ("mixed", "mixed: reads and writes"),
    ("feed-1m", "feed, first page only, 1M posts"),
];

/// Variants in the order they are shown.
const VARIANTS: [(&str, &str); 3] = [
    ("shipped", "as shipped"),
    ("equal-work", "equal work (PEER_EQUAL_WORK=1)"),
    ("cache-off", "cache off (MINIBASE_CACHE_ENABLED=false)"),
];

/// A spread wider than this share of the median marks a figure as noisy.
const NOISY: f64 = 0.25;

fn shipped() -> String {
    "shipped".into()
}

fn first_run() -> u32 {
    1
}

#[derive(Debug, Clone, Deserialize)]
struct KindFig {
    requests: u64,
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: u64,
}

#[derive(Debug, Clone, Deserialize)]
struct Load {
    server: String,
    scenario: String,
    #[serde(default = "shipped")]
    variant: String,
    #[serde(default = "first_run")]
    run: u32,
    concurrency: u32,
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    non2xx: u64,
    #[serde(default)]
    unexpected: u64,
    socket_errors: u64,
    peak_rss_kb: u64,
    #[serde(default)]
    server_cpu_pct: Option<f64>,
    #[serde(default)]
    ok_2xx: Option<u64>,
    #[serde(default)]
    server_cpu_us_per_req: Option<f64>,
    #[serde(default)]
    db_cpu_us_per_req: Option<f64>,
    #[serde(default)]
    kinds: Option<BTreeMap<String, KindFig>>,
    check: String,
}

#[derive(Debug, Deserialize)]
struct Skip {
    server: String,
    scenario: String,
    #[serde(default = "shipped")]
    variant: String,
    reason: String,
}

#[derive(Debug, Deserialize)]
struct Idle {
    server: String,
    connections: u64,
    established: u64,
    held: u64,
    rss_idle_kb: u64,
    rss_held_kb: u64,
}

#[derive(Debug, Deserialize)]
struct Startup {
    server: String,
    median_ms: f64,
}

#[derive(Debug, Deserialize)]
struct Size {
    server: String,
    bytes: u64,
    #[serde(default)]
    stripped_bytes: Option<u64>,
    what: String,
}

/// The median and the spread of one figure over the rounds.
#[derive(Debug, Clone, Copy)]
struct Fig {
    med: f64,
    min: f64,
    max: f64,
    n: usize,
}

impl Fig {
    fn of(values: impl IntoIterator<Item = f64>) -> Option<Fig> {
        let mut v: Vec<f64> = values.into_iter().filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(|a, b| a.total_cmp(b));
        let n = v.len();
        let med = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        Some(Fig {
            med,
            min: v[0],
            max: v[n - 1],
            n,
        })
    }

    fn noisy(&self) -> bool {
        self.n > 1 && self.med > 0.0 && (self.max - self.min) / self.med > NOISY
    }

    /// "median (min-max)", the spread only when there are several rounds.
    fn show(&self, digits: usize) -> String {
        if self.n > 1 {
            format!(
                "{:.d$} ({:.d$}-{:.d$}){}",
                self.med,
                self.min,
                self.max,
                if self.noisy() { " ~" } else { "" },
                d = digits
            )
        } else {
            format!("{:.d$}", self.med, d = digits)
        }
    }
}

/// One server, scenario, variant and connection count over every round.
#[derive(Debug, Clone)]
struct Agg {
    server: String,
    scenario: String,
    variant: String,
    concurrency: u32,
    rps: Fig,
    p50: Fig,
    p99: Fig,
    rss_kb: Fig,
    server_us: Option<Fig>,
    db_us: Option<Fig>,
    errors: u64,
    /// "ok" when every round passed its checks, else the first failure.
    check: String,
    /// The mixed scenario's kinds of request: medians of req/s, p50, p99; errors summed.
    kinds: BTreeMap<String, (Fig, Fig, Fig, u64)>,
    /// A representative load (the round closest to the median req/s) for the charts.
    median_load: Load,
}

fn aggregate(loads: &[&Load]) -> Option<Agg> {
    let first = loads.first()?;
    let rps = Fig::of(loads.iter().map(|l| l.rps))?;
    let fig = |f: fn(&Load) -> f64| Fig::of(loads.iter().map(|l| f(l)));
    let opt = |f: fn(&Load) -> Option<f64>| Fig::of(loads.iter().filter_map(|l| f(l)));
    let check = loads
        .iter()
        .find(|l| l.check != "ok")
        .map(|l| format!("run {}: {}", l.run, l.check))
        .unwrap_or_else(|| "ok".into());
    let mut kinds = BTreeMap::new();
    let names: BTreeSet<&String> = loads
        .iter()
        .filter_map(|l| l.kinds.as_ref())
        .flat_map(|k| k.keys())
        .collect();
    for name in names {
        let per: Vec<&KindFig> = loads
            .iter()
            .filter_map(|l| l.kinds.as_ref()?.get(name))
            .collect();
        if let (Some(r), Some(a), Some(b)) = (
            Fig::of(per.iter().map(|k| k.rps)),
            Fig::of(per.iter().map(|k| k.p50_ms)),
            Fig::of(per.iter().map(|k| k.p99_ms)),
        ) {
            let errors = per.iter().map(|k| k.errors).sum();
            let _ = per.iter().map(|k| k.requests).sum::<u64>();
            kinds.insert(name.clone(), (r, a, b, errors));
        }
    }
    let closest = loads
        .iter()
        .min_by(|a, b| (a.rps - rps.med).abs().total_cmp(&(b.rps - rps.med).abs()))?;
    let mut median_load = (*closest).clone();
    median_load.rps = rps.med;
    median_load.p99_ms = fig(|l| l.p99_ms)?.med;
    Some(Agg {
        server: first.server.clone(),
        scenario: first.scenario.clone(),
        variant: first.variant.clone(),
        concurrency: first.concurrency,
        rps,
        p50: fig(|l| l.p50_ms)?,
        p99: fig(|l| l.p99_ms)?,
        rss_kb: fig(|l| l.peak_rss_kb as f64)?,
        server_us: opt(|l| l.server_cpu_us_per_req),
        db_us: opt(|l| l.db_cpu_us_per_req),
        errors: loads.iter().map(|l| l.unexpected + l.socket_errors).sum(),
        check,
        kinds,
        median_load,
    })
}

#[derive(Default)]
struct Run {
    /// Every measurement of every round.
    raw: Vec<Load>,
    /// The medians, by server, scenario, variant and connections.
    aggs: Vec<Agg>,
    /// The medians of the "as shipped" measurements, as loads (for the charts and the extras).
    loads: Vec<Load>,
    skips: Vec<Skip>,
    idles: Vec<Idle>,
    startups: Vec<Startup>,
    sizes: Vec<Size>,
    rounds: u32,
}

impl Run {
    fn build(&mut self) {
        let mut groups: BTreeMap<(String, String, String, u32), Vec<&Load>> = BTreeMap::new();
        for l in &self.raw {
            groups
                .entry((
                    l.server.clone(),
                    l.scenario.clone(),
                    l.variant.clone(),
                    l.concurrency,
                ))
                .or_default()
                .push(l);
        }
        self.aggs = groups.values().filter_map(|g| aggregate(g)).collect();
        self.loads = self
            .aggs
            .iter()
            .filter(|a| a.variant == "shipped")
            .map(|a| a.median_load.clone())
            .collect();
        self.rounds = self.raw.iter().map(|l| l.run).max().unwrap_or(0);
    }

    fn agg(&self, server: &str, scenario: &str, variant: &str, c: u32) -> Option<&Agg> {
        self.aggs.iter().find(|a| {
            a.server == server
                && a.scenario == scenario
                && a.variant == variant
                && a.concurrency == c
        })
    }

    fn load(&self, server: &str, scenario: &str, concurrency: u32) -> Option<&Load> {
        self.loads
            .iter()
            .find(|l| l.server == server && l.scenario == scenario && l.concurrency == concurrency)
    }

    fn series(&self, server: &str, scenario: &str) -> Vec<&Load> {
        let mut v: Vec<&Load> = self
            .loads
            .iter()
            .filter(|l| l.server == server && l.scenario == scenario)
            .collect();
        v.sort_by_key(|l| l.concurrency);
        v
    }
}

fn server_name(key: &str) -> &str {
    SERVERS
        .iter()
        .find(|s| s.0 == key)
        .map(|s| s.1)
        .unwrap_or(key)
}

fn scenario_name(key: &str) -> &str {
    SCENARIOS
        .iter()
        .find(|s| s.0 == key)
        .map(|s| s.1)
        .unwrap_or(key)
}

fn variant_name(key: &str) -> &str {
    VARIANTS
        .iter()
        .find(|s| s.0 == key)
        .map(|s| s.1)
        .unwrap_or(key)
}

fn mib(kb: u64) -> String {
    format!("{:.1}", kb as f64 / 1024.0)
}

fn micros(v: Option<Fig>) -> String {
    v.map(|v| format!("{:.0}", v.med))
        .unwrap_or_else(|| "-".into())
}

pub fn report(run_dir: &Path, doc: &Path, charts: &Path) -> anyhow::Result<()> {
    let meta: Value = serde_json::from_str(
        &std::fs::read_to_string(run_dir.join("meta.json")).context("reading meta.json")?,
    )?;
    let mut run = Run::default();
    let lines =
        std::fs::read_to_string(run_dir.join("results.jsonl")).context("reading results.jsonl")?;
    for line in lines.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line).with_context(|| format!("bad line {line}"))?;
        match v["kind"].as_str() {
            Some("load") => run.raw.push(serde_json::from_value(v)?),
            Some("skip") => run.skips.push(serde_json::from_value(v)?),
            Some("idle") => run.idles.push(serde_json::from_value(v)?),
            Some("startup") => run.startups.push(serde_json::from_value(v)?),
            Some("size") => run.sizes.push(serde_json::from_value(v)?),
            _ => bail!("unknown record {line}"),
        }
    }
    run.build();
    let headline = meta["headline_concurrency"].as_u64().unwrap_or(64) as u32;
    std::fs::create_dir_all(charts)?;
    let chart_rel = charts
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();

    let mut md = String::new();
    writeln!(md, "{BEGIN}")?;
    writeln!(
        md,
        "<!-- Written by `benchkit report` from bench/results/{}; edit around it, not in it. -->\n",
        meta["run_id"].as_str().unwrap_or("?")
    )?;
    write_run(&mut md, &meta, &run)?;
    write_targets(&mut md, &run, headline)?;
    write_headline(&mut md, &run, headline)?;
    write_mixed(&mut md, &run)?;
    write_charts(&mut md, &run, charts, &chart_rel)?;
    write_extras(&mut md, &run, headline)?;
    write_all(&mut md, &run)?;
    writeln!(md, "{END}")?;

    let existing = std::fs::read_to_string(doc).unwrap_or_default();
    let updated = match (existing.find(BEGIN), existing.find(END)) {
        (Some(b), Some(e)) if e > b => {
            format!(
                "{}{}{}",
                &existing[..b],
                md.trim_end(),
                &existing[e + END.len()..]
            )
        }
        _ => format!("{}\n\n{}\n", existing.trim_end(), md.trim_end()),
    };
    std::fs::write(doc, updated).with_context(|| format!("writing {}", doc.display()))?;
    eprintln!("wrote {} and charts in {}", doc.display(), charts.display());
    Ok(())
}

fn write_run(md: &mut String, meta: &Value, run: &Run) -> anyhow::Result<()> {
    let s = |k: &str| meta[k].as_str().unwrap_or("?").to_string();
    writeln!(md, "### The run\n")?;
    writeln!(md, "- Date: {} (commit `{}`)", s("date"), s("commit"))?;
    writeln!(
        md,
        "- Machine: {} CPUs ({}), {} memory; {}",
        meta["machine"]["nproc"],
        meta["machine"]["cpu"].as_str().unwrap_or("?"),
        meta["machine"]["memory"].as_str().unwrap_or("?"),
        meta["machine"]["kernel"].as_str().unwrap_or("?")
    )?;
    let db_cpu = match meta["db_cpu"].as_str() {
        None | Some("any") => "unpinned".to_string(),
        Some(cpu) => format!("on CPU {cpu}"),
    };
    writeln!(
        md,
        "- Each server pinned to CPU {}, the load generator (one thread) and the mock WeChat to CPU {}; PostgreSQL {} {db_cpu}.",
        s("server_cpu"),
        s("load_cpu"),
        s("postgres")
    )?;
    writeln!(
        md,
        "- Data: {} users (created by logging in), {} posts, a flash sale of {} (a new one per measurement); {} s per measurement after {} s of warm-up; connections {}.",
        meta["users"], meta["posts"], meta["stock"], meta["duration_s"], meta["warmup_s"],
        meta["concurrency"]
    )?;
    if let Some(mix) = meta["mixed_weights"].as_str() {
        writeln!(
            md,
            "- The feed's rotating scenarios walk {} pages (the first, then each `next_cursor`), as a different user each time. The mixed scenario, at {} connections, sends (percent): {mix}.",
            meta["feed_pages"], meta["mixed_concurrency"]
        )?;
    }
    writeln!(
        md,
        "- Rounds: {} asked, {} recorded. Every server is measured once per round, the servers' order turned by one each round. Each figure below is the median of the rounds, with the spread (min-max) beside it; ratios are ratios of medians. A `~` marks a spread wider than {:.0}% of its median: that figure is noise-bound.",
        meta["runs"].as_u64().unwrap_or(1),
        run.rounds,
        NOISY * 100.0
    )?;
    if let Some(depth) = meta["ping_pipeline"].as_u64().filter(|d| *d > 1) {
        writeln!(
            md,
            "- `GET /ping` is pipelined, {depth} requests per write (as in TechEmpower's plaintext test): unpipelined, one wrk thread tops out below what the faster servers answer on their CPU, and every server then measures the same."
        )?;
    }
    writeln!(md, "- Versions: {}", s("versions"))?;
    if meta["quick"].as_bool() == Some(true) {
        writeln!(md, "\n> **Quick run.** Short measurements at one connection count, to check the pipeline: not figures to draw conclusions from.")?;
    }
    if let Some(note) = meta["note"].as_str().filter(|n| !n.is_empty()) {
        writeln!(md, "\n> **Caveat.** {note}")?;
    }
    let sharing = if matches!(meta["db_cpu"].as_str(), None | Some("any")) {
        "the load generator and the mock WeChat share the other, and PostgreSQL was left unpinned (`--db-cpu any`): its backends may also have run on the server's core and been charged to it"
    } else {
        "PostgreSQL, the load generator and the mock WeChat share the other"
    };
    writeln!(md, "\n**Limits, plainly.** This is a shared machine of {} CPUs. Each server has one core; {sharing}. Scenarios that write or read PostgreSQL hard (login, create post, feed pages) are therefore bounded by that second core for every server alike, and a server that needs less of PostgreSQL gains from it; a server whose CPU share (below) is well under 100% was waiting, not working. Other people's work on the machine moves every figure; the rounds and their spread show by how much. Figures from different runs, or machines, are not comparable; ratios within one run are what this page reports.\n",
        meta["machine"]["nproc"])?;
    Ok(())
}

fn ratio(a: Option<&Agg>, b: Option<&Agg>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b.rps.med > 0.0 => Some(a.rps.med / b.rps.med),
        _ => None,
    }
}

fn write_targets(md: &mut String, run: &Run, c: u32) -> anyhow::Result<()> {
    writeln!(
        md,
        "### Targets of issue 23 ({c} connections unless said)\n"
    )?;
    writeln!(md, "Computed from the medians: a ratio is Minibase's median requests/s over Gin's (pgx) median in the same run. A target is met only when Minibase's measurements all passed their checks. Beside each ratio, the CPU each request cost (server process plus its PostgreSQL backends), medians, for what it says about the work.\n")?;
    writeln!(md, "| target | measured | verdict |\n|---|---|---|")?;
    let verdict = |ok: bool| if ok { "met" } else { "**not met**" };
    let mut rows: Vec<(String, Option<(String, bool)>)> = Vec::new();
    let cost = |a: Option<&Agg>| -> Option<f64> {
        let a = a?;
        Some(a.server_us?.med + a.db_us.map(|f| f.med).unwrap_or(0.0))
    };
    let vs = |scenario: &str, gin_variant: &str, min: f64| -> Option<(String, bool)> {
        let m = run.agg("minibase", scenario, "shipped", c);
        let g = run.agg("gin", scenario, gin_variant, c);
        let r = ratio(m, g)?;
        let (m, g) = (m?, g?);
        let costs = match (cost(Some(m)), cost(Some(g))) {
            (Some(a), Some(b)) => format!("; CPU per request {a:.0} µs vs {b:.0} µs"),
            _ => String::new(),
        };
        let spread = if m.rps.n > 1 {
            format!(" (Minibase {}, Gin {} req/s)", m.rps.show(0), g.rps.show(0))
        } else {
            format!(" (Minibase {:.0}, Gin {:.0} req/s)", m.rps.med, g.rps.med)
        };
        let ok = m.check == "ok";
        Some((
            format!(
                "{r:.2}x{spread}{costs}{}",
                if ok { "" } else { "; checks failed" }
            ),
            r >= min && ok,
        ))
    };
    rows.push((
        "login >= 1.5x Gin doing equal work (Gin with PEER_EQUAL_WORK=1)".into(),
        vs("login", "equal-work", 1.5),
    ));
    rows.push((
        "login >= 1x Gin as shipped".into(),
        vs("login", "shipped", 1.0),
    ));
    rows.push((
        "create post >= 1.5x Gin as shipped".into(),
        vs("post", "shipped", 1.5),
    ));
    rows.push((
        "feed over rotating pages >= 1.5x Gin".into(),
        vs("feed-pages", "shipped", 1.5),
    ));
    rows.push((
        "flash sale >= 2x Gin, exactly the stock sold".into(),
        vs("flash", "shipped", 2.0),
    ));
    // The mixed scenario's absolute target, Minibase alone.
    let mixed_c = run
        .aggs
        .iter()
        .filter(|a| a.server == "minibase" && a.scenario == "mixed" && a.variant == "shipped")
        .map(|a| a.concurrency)
        .max();
    let mixed = mixed_c.and_then(|mc| run.agg("minibase", "mixed", "shipped", mc));
    rows.push((
        "mixed (90% reads, 10% writes incl. logins) at 256 connections: >= 10,000 req/s with p99 < 50 ms, on one core".into(),
        mixed.map(|m| {
            let at = if m.concurrency == 256 {
                String::new()
            } else {
                format!(" (measured at {} connections only, not 256)", m.concurrency)
            };
            (
                format!(
                    "{} req/s, p99 {} ms{at}",
                    m.rps.show(0),
                    m.p99.show(1)
                ),
                m.concurrency == 256 && m.rps.med >= 10_000.0 && m.p99.med < 50.0 && m.check == "ok",
            )
        }),
    ));
    for (name, measured) in &rows {
        match measured {
            Some((text, ok)) => writeln!(md, "| {name} | {text} | {} |", verdict(*ok))?,
            None => writeln!(
                md,
                "| {name} | not measured in this run (see Skipped) | - |"
            )?,
        }
    }
    // Every p99 and every peak RSS at or below Gin's: one row each, as shipped.
    let mut p99_missed = Vec::new();
    let mut rss_missed = Vec::new();
    let mut compared = 0;
    for a in run
        .aggs
        .iter()
        .filter(|a| a.server == "minibase" && a.variant == "shipped")
    {
        let Some(g) = run.agg("gin", &a.scenario, "shipped", a.concurrency) else {
            continue;
        };
        compared += 1;
        let label = format!("{} at {}", a.scenario, a.concurrency);
        if a.p99.med > g.p99.med {
            p99_missed.push(format!("{label}: {:.2} vs {:.2} ms", a.p99.med, g.p99.med));
        }
        if a.rss_kb.med > g.rss_kb.med {
            rss_missed.push(format!(
                "{label}: {} vs {} MiB",
                mib(a.rss_kb.med as u64),
                mib(g.rss_kb.med as u64)
            ));
        }
    }
    for (name, missed) in [
        ("every p99 <= Gin's", &p99_missed),
        ("every peak RSS <= Gin's", &rss_missed),
    ] {
        if compared == 0 {
            writeln!(md, "| {name} | not measured | - |")?;
        } else if missed.is_empty() {
            writeln!(
                md,
                "| {name} | all {compared} scenarios (medians; see the tables) | met |"
            )?;
        } else {
            writeln!(
                md,
                "| {name} | {} of {compared} above Gin's: {} | **not met** |",
                missed.len(),
                missed.join("; ")
            )?;
        }
    }
    writeln!(md, "\nNot measured here: that content safety is still applied before others see a post (see docs/community.md and the community tests).\n")?;
    Ok(())
}

fn write_headline(md: &mut String, run: &Run, c: u32) -> anyhow::Result<()> {
    writeln!(md, "### Results at {c} connections\n")?;
    writeln!(md, "\"As shipped\" is each server as it is; \"equal work\" is a peer doing what Minibase does per request (a session row per login, a content check per post); \"cache off\" is Minibase answering without its response cache, from PostgreSQL each time. vs Gin = this row's median requests/s over Gin's median in the same variant (Gin as shipped where Gin has no such variant).\n")?;
    writeln!(
        md,
        "| scenario | server | variant | requests/s | vs Gin | p50 ms | p99 ms | errors | peak RSS MiB | server CPU | server µs/req | DB µs/req | checks |"
    )?;
    writeln!(md, "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|")?;
    for (key, name) in SCENARIOS {
        if key == "mixed" {
            continue;
        }
        for (server, label, _) in SERVERS {
            for (variant, vlabel) in VARIANTS {
                let Some(a) = run.agg(server, key, variant, c) else {
                    continue;
                };
                let gin = run
                    .agg("gin", key, variant, c)
                    .or_else(|| run.agg("gin", key, "shipped", c));
                let vs = ratio(Some(a), gin)
                    .map(|r| format!("{r:.2}x"))
                    .unwrap_or_else(|| "-".into());
                let share = Fig::of(
                    run.raw
                        .iter()
                        .filter(|l| {
                            l.server == server
                                && l.scenario == key
                                && l.variant == variant
                                && l.concurrency == c
                        })
                        .filter_map(|l| l.server_cpu_pct),
                )
                .map(|f| format!("{:.0}%", f.med))
                .unwrap_or_else(|| "-".into());
                writeln!(
                    md,
                    "| {name} | {label} | {vlabel} | {} | {vs} | {:.2} | {} | {} | {} | {share} | {} | {} | {} |",
                    a.rps.show(0),
                    a.p50.med,
                    a.p99.show(2),
                    a.errors,
                    mib(a.rss_kb.med as u64),
                    micros(a.server_us),
                    micros(a.db_us),
                    a.check
                )?;
            }
        }
    }
    writeln!(
        md,
        "\nrequests/s and p99: median of the rounds (min-max). errors = unexpected statuses (anything but 2xx; for the flash sale, anything but 2xx and 409) plus socket errors and timeouts, summed over the rounds. peak RSS: median of the rounds' peaks. server CPU = the server's CPU time over the measurement's wall time (100% = its one core); well under 100% means the server was waiting (on PostgreSQL, on the load generator) or starved. server µs/req and DB µs/req = CPU time per request of the server process and of the PostgreSQL backends serving its pool.\n"
    )?;
    Ok(())
}

fn write_mixed(md: &mut String, run: &Run) -> anyhow::Result<()> {
    let mut levels: Vec<u32> = run
        .aggs
        .iter()
        .filter(|a| a.scenario == "mixed")
        .map(|a| a.concurrency)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if levels.is_empty() {
        return Ok(());
    }
    levels.sort_unstable();
    writeln!(md, "### The mixed scenario\n")?;
    writeln!(md, "What a mini-program's users do at once, over keep-alive connections each sending its next request when the last is answered: feed pages (rotating pages, as rotating users), users/me and config for reads; create post and login for writes (see the mix in The run). Post detail, likes and comments are not in the contract every peer implements, so they are not in the mix. Driven by `benchkit mix` (one thread, like wrk), which times each kind of request apart.\n")?;
    writeln!(md, "| connections | server | requests/s | vs Gin | p50 ms | p99 ms | errors | peak RSS MiB | server µs/req | DB µs/req | checks |\n|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|---|")?;
    for &c in &levels {
        for (server, label, _) in SERVERS {
            let Some(a) = run.agg(server, "mixed", "shipped", c) else {
                continue;
            };
            let vs = ratio(Some(a), run.agg("gin", "mixed", "shipped", c))
                .map(|r| format!("{r:.2}x"))
                .unwrap_or_else(|| "-".into());
            writeln!(
                md,
                "| {c} | {label} | {} | {vs} | {:.2} | {} | {} | {} | {} | {} | {} |",
                a.rps.show(0),
                a.p50.med,
                a.p99.show(2),
                a.errors,
                mib(a.rss_kb.med as u64),
                micros(a.server_us),
                micros(a.db_us),
                a.check
            )?;
        }
    }
    writeln!(
        md,
        "\nEach kind of request within the mix (medians of the rounds):\n"
    )?;
    writeln!(md, "| connections | server | kind | requests/s | p50 ms | p99 ms | errors |\n|--:|---|---|--:|--:|--:|--:|")?;
    for &c in &levels {
        for (server, label, _) in SERVERS {
            let Some(a) = run.agg(server, "mixed", "shipped", c) else {
                continue;
            };
            for (kind, (r, p50, p99, errors)) in &a.kinds {
                writeln!(
                    md,
                    "| {c} | {label} | {kind} | {:.0} | {:.2} | {} | {errors} |",
                    r.med,
                    p50.med,
                    p99.show(2)
                )?;
            }
        }
    }
    writeln!(md)?;
    Ok(())
}

fn write_charts(md: &mut String, run: &Run, dir: &Path, rel: &str) -> anyhow::Result<()> {
    let mut drawn = Vec::new();
    for (key, name) in SCENARIOS {
        let levels: BTreeSet<u32> = run
            .loads
            .iter()
            .filter(|l| l.scenario == key)
            .map(|l| l.concurrency)
            .collect();
        if levels.len() < 2 {
            continue;
        }
        let file = dir.join(format!("{key}.svg"));
        draw(run, key, name, &file)?;
        drawn.push((key, name));
    }
    if drawn.is_empty() {
        return Ok(());
    }
    writeln!(md, "### Throughput and p99 latency against concurrency\n")?;
    for (key, name) in drawn {
        writeln!(md, "![{name}]({rel}/{key}.svg)\n")?;
    }
    Ok(())
}

fn draw(run: &Run, key: &str, name: &str, file: &Path) -> anyhow::Result<()> {
    let root = SVGBackend::new(file, (960, 360)).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root.titled(name, ("sans-serif", 18))?;
    let (left, right) = root.split_horizontally(480);
    let loads: Vec<&Load> = run.loads.iter().filter(|l| l.scenario == key).collect();
    let levels: Vec<f64> = loads
        .iter()
        .map(|l| l.concurrency)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(f64::from)
        .collect();
    let (cmin, cmax) = (levels[0], levels[levels.len() - 1]);
    let x = || {
        (cmin * 0.8..cmax * 1.25)
            .log_scale()
            .with_key_points(levels.clone())
    };
    // Throughput on a linear axis from zero; p99 on a log axis, as latencies span decades.
    let rps_max = loads.iter().map(|l| l.rps).fold(0.0, f64::max) * 1.1;
    let mut chart = ChartBuilder::on(&left)
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(64)
        .build_cartesian_2d(x(), 0.0..rps_max.max(1.0))?;
    mesh(&mut chart, "requests/s")?;
    lines(&mut chart, run, key, |l| l.rps)?;
    let p99 = loads.iter().map(|l| l.p99_ms.max(0.01));
    let (p_min, p_max) = p99.fold((f64::MAX, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
    let mut chart = ChartBuilder::on(&right)
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(64)
        .build_cartesian_2d(x(), (p_min * 0.7..p_max * 1.4).log_scale())?;
    mesh(&mut chart, "p99 latency, ms (log scale)")?;
    lines(&mut chart, run, key, |l| l.p99_ms.max(0.01))?;
    root.present()?;
    Ok(())
}

type Chart<'a, Y> = ChartContext<'a, SVGBackend<'a>, Cartesian2d<WithKeyPoints<LogCoord<f64>>, Y>>;

fn mesh<Y>(chart: &mut Chart<'_, Y>, label: &str) -> anyhow::Result<()>
where
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    chart
        .configure_mesh()
        .x_desc("connections")
        .y_desc(label)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| {
            if *y >= 10.0 || *y == 0.0 {
                format!("{y:.0}")
            } else {
                format!("{y:.2}")
            }
        })
        .light_line_style(WHITE)
        .draw()?;
    Ok(())
}

fn lines<Y>(
    chart: &mut Chart<'_, Y>,
    run: &Run,
    key: &str,
    value: fn(&Load) -> f64,
) -> anyhow::Result<()>
where
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    for (server, label, color) in SERVERS {
        let points: Vec<(f64, f64)> = run
            .series(server, key)
            .iter()
            .map(|l| (f64::from(l.concurrency), value(l)))
            .collect();
        if points.is_empty() {
            continue;
        }
        chart
            .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))?
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color));
        chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, color.filled())))?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}

fn write_extras(md: &mut String, run: &Run, c: u32) -> anyhow::Result<()> {
    let feed_1m: Vec<_> = SERVERS
        .iter()
        .filter_map(|(s, label, _)| {
            let big = run.series(s, "feed-1m").into_iter().next()?;
            let small = run.load(s, "feed", big.concurrency);
            Some((label, small, big))
        })
        .collect();
    if !feed_1m.is_empty() {
        writeln!(md, "### The feed at 100k and at 1M posts\n")?;
        writeln!(md, "| server | connections | 100k: req/s | 100k: p50 / p99 ms | 1M: req/s | 1M: p50 / p99 ms | 1M: peak RSS MiB |\n|---|--:|--:|--:|--:|--:|--:|")?;
        for (label, small, big) in feed_1m {
            let (srps, slat) = small
                .map(|l| {
                    (
                        format!("{:.0}", l.rps),
                        format!("{:.2} / {:.2}", l.p50_ms, l.p99_ms),
                    )
                })
                .unwrap_or(("-".into(), "-".into()));
            writeln!(
                md,
                "| {label} | {} | {srps} | {slat} | {:.0} | {:.2} / {:.2} | {} |",
                big.concurrency,
                big.rps,
                big.p50_ms,
                big.p99_ms,
                mib(big.peak_rss_kb)
            )?;
        }
        writeln!(md)?;
    }
    if !run.idles.is_empty() {
        writeln!(md, "### Memory with idle keep-alive connections\n")?;
        writeln!(md, "| server | connections asked | established | still open after the hold | RSS before | RSS holding them | per connection |\n|---|--:|--:|--:|--:|--:|--:|")?;
        for (server, label, _) in SERVERS {
            for i in run.idles.iter().filter(|i| i.server == server) {
                let per = if i.established > 0 {
                    format!(
                        "{:.1} KiB",
                        (i.rss_held_kb as f64 - i.rss_idle_kb as f64) / i.established as f64
                    )
                } else {
                    "-".into()
                };
                writeln!(
                    md,
                    "| {label} | {} | {} | {} | {} MiB | {} MiB | {per} |",
                    i.connections,
                    i.established,
                    i.held,
                    mib(i.rss_idle_kb),
                    mib(i.rss_held_kb)
                )?;
            }
        }
        writeln!(md)?;
    }
    if !run.startups.is_empty() || !run.sizes.is_empty() {
        writeln!(md, "### Start-up time and size\n")?;
        writeln!(
            md,
            "| server | start-up to first answer (median) | what ships | size | stripped |\n|---|--:|---|--:|--:|"
        )?;
        for (server, label, _) in SERVERS {
            let start = run
                .startups
                .iter()
                .find(|s| s.server == server)
                .map(|s| format!("{:.0} ms", s.median_ms))
                .unwrap_or_else(|| "-".into());
            let size = run.sizes.iter().find(|s| s.server == server);
            if size.is_none() && start == "-" {
                continue;
            }
            let in_mib = |b: u64| format!("{:.1} MiB", b as f64 / 1048576.0);
            writeln!(
                md,
                "| {label} | {start} | {} | {} | {} |",
                size.map(|s| s.what.as_str()).unwrap_or("-"),
                size.map(|s| in_mib(s.bytes)).unwrap_or_else(|| "-".into()),
                size.and_then(|s| s.stripped_bytes)
                    .map(in_mib)
                    .unwrap_or_else(|| "-".into())
            )?;
        }
        writeln!(md)?;
    }
    if !run.skips.is_empty() {
        writeln!(md, "### Skipped\n")?;
        for s in &run.skips {
            let variant = if s.variant == "shipped" {
                String::new()
            } else {
                format!(", {}", variant_name(&s.variant))
            };
            writeln!(
                md,
                "- {} / {}{variant}: {}",
                server_name(&s.server),
                scenario_name(&s.scenario),
                s.reason
            )?;
        }
        writeln!(md)?;
    }
    let _ = c;
    Ok(())
}

fn write_all(md: &mut String, run: &Run) -> anyhow::Result<()> {
    writeln!(
        md,
        "<details><summary>Every measurement of every round</summary>\n"
    )?;
    writeln!(md, "| scenario | server | variant | connections | round | requests/s | p50 ms | p99 ms | non-2xx | 2xx | socket errors | peak RSS MiB | server CPU | server µs/req | DB µs/req | checks |")?;
    writeln!(
        md,
        "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|"
    )?;
    let mut raw: Vec<&Load> = run.raw.iter().collect();
    let order = |key: &str| SCENARIOS.iter().position(|s| s.0 == key).unwrap_or(99);
    let sorder = |key: &str| SERVERS.iter().position(|s| s.0 == key).unwrap_or(99);
    raw.sort_by_key(|l| {
        (
            order(&l.scenario),
            sorder(&l.server),
            l.variant.clone(),
            l.concurrency,
            l.run,
        )
    });
    for l in raw {
        let opt = |v: Option<f64>| v.map(|v| format!("{v:.0}")).unwrap_or_else(|| "-".into());
        writeln!(
            md,
            "| {} | {} | {} | {} | {} | {:.0} | {:.2} | {:.2} | {} | {} | {} | {} | {} | {} | {} | {} |",
            scenario_name(&l.scenario),
            server_name(&l.server),
            variant_name(&l.variant),
            l.concurrency,
            l.run,
            l.rps,
            l.p50_ms,
            l.p99_ms,
            l.non2xx,
            l.ok_2xx.map(|n| n.to_string()).unwrap_or_else(|| "-".into()),
            l.socket_errors,
            mib(l.peak_rss_kb),
            l.server_cpu_pct
                .map(|p| format!("{p:.0}%"))
                .unwrap_or_else(|| "-".into()),
            opt(l.server_cpu_us_per_req),
            opt(l.db_cpu_us_per_req),
            l.check
        )?;
    }
    writeln!(md, "\n</details>\n")?;
    Ok(())
}
