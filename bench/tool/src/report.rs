//! The report: the targets, the tables and the charts of one run, written into the generated
//! section of docs/benchmarks.md (between the BEGIN/END markers) and beside it as SVG.

use std::collections::BTreeSet;
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
const SERVERS: [(&str, &str, RGBColor); 4] = [
    ("minibase", "Minibase", RGBColor(214, 39, 40)),
    ("gin", "Gin", RGBColor(31, 119, 180)),
    ("express", "Express", RGBColor(44, 160, 44)),
    ("hyper", "bare hyper", RGBColor(127, 127, 127)),
];

const SCENARIOS: [(&str, &str); 8] = [
    ("ping", "GET /ping"),
    ("config", "GET /api/v1/config"),
    ("me", "GET /api/v1/users/me"),
    ("feed", "GET /api/v1/posts?limit=20"),
    ("login", "POST /api/v1/auth/login"),
    ("post", "POST /api/v1/posts"),
    ("flash", "POST /api/v1/flash-sales/{id}/orders"),
    ("feed-1m", "GET /api/v1/posts?limit=20, 1M posts"),
];

#[derive(Debug, Clone, Deserialize)]
struct Load {
    server: String,
    scenario: String,
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
    check: String,
}

#[derive(Debug, Deserialize)]
struct Skip {
    server: String,
    scenario: String,
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

#[derive(Default)]
struct Run {
    loads: Vec<Load>,
    skips: Vec<Skip>,
    idles: Vec<Idle>,
    startups: Vec<Startup>,
    sizes: Vec<Size>,
}

impl Run {
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

fn mib(kb: u64) -> String {
    format!("{:.1}", kb as f64 / 1024.0)
}

fn micros(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.0}")).unwrap_or_else(|| "-".into())
}

/// The "server CPU | server µs/req | DB µs/req" cells of a measurement.
fn cpu_cells(l: &Load) -> String {
    let share = l
        .server_cpu_pct
        .map(|p| format!("{p:.0}%"))
        .unwrap_or_else(|| "-".into());
    format!(
        "{share} | {} | {}",
        micros(l.server_cpu_us_per_req),
        micros(l.db_cpu_us_per_req)
    )
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
            Some("load") => run.loads.push(serde_json::from_value(v)?),
            Some("skip") => run.skips.push(serde_json::from_value(v)?),
            Some("idle") => run.idles.push(serde_json::from_value(v)?),
            Some("startup") => run.startups.push(serde_json::from_value(v)?),
            Some("size") => run.sizes.push(serde_json::from_value(v)?),
            _ => bail!("unknown record {line}"),
        }
    }
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
    write_run(&mut md, &meta)?;
    write_targets(&mut md, &run, headline)?;
    write_headline(&mut md, &run, headline)?;
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

fn write_run(md: &mut String, meta: &Value) -> anyhow::Result<()> {
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
        "- Each server pinned to CPU {}, the load generator (wrk, 1 thread) and the mock WeChat to CPU {}; PostgreSQL {} {db_cpu}.",
        s("server_cpu"),
        s("load_cpu"),
        s("postgres")
    )?;
    writeln!(
        md,
        "- Data: {} users (created by logging in), {} posts, a flash sale of {}; {} s per measurement after {} s of warm-up; connections {}.",
        meta["users"], meta["posts"], meta["stock"], meta["duration_s"], meta["warmup_s"],
        meta["concurrency"]
    )?;
    if let Some(depth) = meta["ping_pipeline"].as_u64().filter(|d| *d > 1) {
        writeln!(
            md,
            "- `GET /ping` is pipelined, {depth} requests per write (as in TechEmpower's plaintext test): unpipelined, one wrk thread tops out below what the faster servers answer on their CPU, and every server then measures the same."
        )?;
    }
    writeln!(md, "- Versions: {}", s("versions"))?;
    if let Some(note) = meta["note"].as_str().filter(|n| !n.is_empty()) {
        writeln!(md, "\n> **Caveat.** {note}")?;
    }
    writeln!(md)?;
    Ok(())
}

fn ratio(a: Option<&Load>, b: Option<&Load>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b.rps > 0.0 => Some(a.rps / b.rps),
        _ => None,
    }
}

fn write_targets(md: &mut String, run: &Run, c: u32) -> anyhow::Result<()> {
    writeln!(md, "### Targets ({c} connections)\n")?;
    writeln!(md, "Measured is the ratio of requests/s; beside it, the CPU each request cost (server process plus its PostgreSQL backends) and the ratio of those costs. A target holds only when both ratios reach it: on a shared machine a req/s ratio alone can flatter whichever server happened not to be starved.\n")?;
    writeln!(md, "| target | measured | verdict |\n|---|---|---|")?;
    let verdict = |ok: bool| if ok { "holds" } else { "**missed**" };
    let mb = |s: &str| run.load("minibase", s, c);
    let gin = |s: &str| run.load("gin", s, c);
    let mut row = |name: &str, measured: Option<(String, bool)>| -> anyhow::Result<()> {
        match measured {
            Some((text, ok)) => writeln!(md, "| {name} | {text} | {} |", verdict(ok))?,
            None => writeln!(md, "| {name} | not measured (see Skipped) | - |")?,
        }
        Ok(())
    };
    let throughput = |s: &str, peer: &str, min: f64| {
        let theirs = run.load(peer, s, c);
        ratio(mb(s), theirs).map(|r| {
            let checks_ok = mb(s).is_some_and(|l| l.check == "ok");
            // What each request costs in CPU, which a busy machine disturbs less than req/s.
            let cost = |l: Option<&Load>| {
                l.and_then(|l| Some(l.server_cpu_us_per_req? + l.db_cpu_us_per_req.unwrap_or(0.0)))
            };
            let cost_ratio = match (cost(mb(s)), cost(theirs)) {
                (Some(m), Some(t)) if m > 0.0 => Some((m, t, t / m)),
                _ => None,
            };
            let cost_text = cost_ratio
                .map(|(m, t, c)| format!("; CPU per request {m:.0} µs vs {t:.0} µs ({c:.2}x)"))
                .unwrap_or_default();
            // Both must hold: a req/s ratio alone flatters whichever server was not starved.
            let cost_ok = cost_ratio.is_none_or(|(_, _, c)| c >= min);
            (
                format!(
                    "{r:.2}x{cost_text}{}",
                    if checks_ok { "" } else { " (checks failed)" }
                ),
                r >= min && cost_ok && checks_ok,
            )
        })
    };
    row("/ping >= 1.5x Gin", throughput("ping", "gin", 1.5))?;
    row("/ping >= 0.9x bare hyper", throughput("ping", "hyper", 0.9))?;
    row("users/me >= 2x Gin", throughput("me", "gin", 2.0))?;
    row(
        "users/me p99 <= Gin's",
        match (mb("me"), gin("me")) {
            (Some(m), Some(g)) => Some((
                format!("{:.2} ms vs {:.2} ms", m.p99_ms, g.p99_ms),
                m.p99_ms <= g.p99_ms,
            )),
            _ => None,
        },
    )?;
    row("posts feed >= 1.5x Gin", throughput("feed", "gin", 1.5))?;
    row("login >= 1.5x Gin", throughput("login", "gin", 1.5))?;
    row(
        "flash sale >= 2x Gin, exactly the stock sold",
        throughput("flash", "gin", 2.0),
    )?;
    for (key, name) in SCENARIOS {
        let peak = |server: &str| run.series(server, key).iter().map(|l| l.peak_rss_kb).max();
        if let (Some(m), Some(g)) = (peak("minibase"), peak("gin")) {
            writeln!(
                md,
                "| peak RSS <= Gin's: {name} | {} MiB vs {} MiB | {} |",
                mib(m),
                mib(g),
                verdict(m <= g)
            )?;
        }
    }
    writeln!(md)?;
    Ok(())
}

fn write_headline(md: &mut String, run: &Run, c: u32) -> anyhow::Result<()> {
    writeln!(md, "### Results at {c} connections\n")?;
    writeln!(
        md,
        "| scenario | server | requests/s | vs Gin | p50 ms | p99 ms | errors | peak RSS MiB | server CPU | server µs/req | DB µs/req | checks |"
    )?;
    writeln!(md, "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|")?;
    for (key, name) in SCENARIOS {
        for (server, label, _) in SERVERS {
            let Some(l) = run.load(server, key, c) else {
                continue;
            };
            let vs = ratio(Some(l), run.load("gin", key, c))
                .map(|r| format!("{r:.2}x"))
                .unwrap_or_else(|| "-".into());
            writeln!(
                md,
                "| {name} | {label} | {:.0} | {vs} | {:.2} | {:.2} | {} | {} | {} | {} |",
                l.rps,
                l.p50_ms,
                l.p99_ms,
                l.unexpected + l.socket_errors,
                mib(l.peak_rss_kb),
                cpu_cells(l),
                l.check
            )?;
        }
    }
    writeln!(
        md,
        "\nerrors = unexpected statuses (anything but 2xx; for the flash sale, anything but 2xx and 409) plus socket errors and timeouts. server CPU = the server's CPU time over the run's wall time (100% = its one core); well under 100% means the server was starved (other work on its CPU) or the load generator could not keep up. server µs/req and DB µs/req = CPU time per request of the server process and of the PostgreSQL backends serving its pool: the cost of the work, which other load on the machine disturbs far less than requests/s.\n"
    )?;
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
        writeln!(md, "| server | connections | 100k: req/s | 100k: p50 / p99 ms | 1M: req/s | 1M: p50 / p99 ms |\n|---|--:|--:|--:|--:|--:|")?;
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
                "| {label} | {} | {srps} | {slat} | {:.0} | {:.2} / {:.2} |",
                big.concurrency, big.rps, big.p50_ms, big.p99_ms
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
            writeln!(
                md,
                "- {} / {}: {}",
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
    writeln!(md, "<details><summary>Every measurement</summary>\n")?;
    writeln!(md, "| scenario | server | connections | requests/s | p50 ms | p99 ms | non-2xx | 2xx | socket errors | peak RSS MiB | server CPU | server µs/req | DB µs/req | checks |")?;
    writeln!(
        md,
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|"
    )?;
    for (key, name) in SCENARIOS {
        for (server, label, _) in SERVERS {
            for l in run.series(server, key) {
                writeln!(
                    md,
                    "| {name} | {label} | {} | {:.0} | {:.2} | {:.2} | {} | {} | {} | {} | {} | {} |",
                    l.concurrency,
                    l.rps,
                    l.p50_ms,
                    l.p99_ms,
                    l.non2xx,
                    l.ok_2xx.map(|n| n.to_string()).unwrap_or_else(|| "-".into()),
                    l.socket_errors,
                    mib(l.peak_rss_kb),
                    cpu_cells(l),
                    l.check
                )?;
            }
        }
    }
    writeln!(md, "\n</details>\n")?;
    Ok(())
}
