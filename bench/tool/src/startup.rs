//! Start-up time: from spawning the server to its first successful answer.

use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use serde_json::json;

pub async fn startup(url: &str, runs: usize, command: &[String]) -> anyhow::Result<()> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(500))
        .pool_max_idle_per_host(0)
        .build()?;
    let mut times = Vec::new();
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let mut child = tokio::process::Command::new(&command[0])
            .args(&command[1..])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", command[0]))?;
        let ready = loop {
            if let Ok(res) = client.get(url).send().await {
                if res.status().is_success() {
                    break Some(started.elapsed());
                }
            }
            if started.elapsed() > Duration::from_secs(30) {
                break None;
            }
            if let Ok(Some(status)) = child.try_wait() {
                bail!("{} exited with {status} before answering", command[0]);
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        };
        // SIGTERM first (graceful), so that the next run does not find the port taken.
        if let Some(pid) = child.id() {
            let _ = tokio::process::Command::new("kill")
                .arg(pid.to_string())
                .status()
                .await;
        }
        if tokio::time::timeout(Duration::from_secs(10), child.wait())
            .await
            .is_err()
        {
            child.kill().await?;
        }
        match ready {
            Some(elapsed) => times.push(elapsed.as_secs_f64() * 1000.0),
            None => bail!("{} did not answer {url} within 30 s", command[0]),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "{}",
        json!({ "median_ms": (median * 10.0).round() / 10.0, "runs_ms": times })
    );
    Ok(())
}
