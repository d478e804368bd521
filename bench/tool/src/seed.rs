//! Users are created through each server's own login endpoint, against the shared mock WeChat,
//! so that every server stores them its own way and hands out its own tokens.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{anyhow, bail, Context};
use serde_json::{json, Value};

pub async fn login_users(
    base: &str,
    prefix: &str,
    count: usize,
    concurrency: usize,
    out: &Path,
) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let url = format!("{}/api/v1/auth/login", base.trim_end_matches('/'));
    let next = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (client, url, prefix, next, done) = (
            client.clone(),
            url.clone(),
            prefix.to_string(),
            next.clone(),
            done.clone(),
        );
        workers.push(tokio::spawn(async move {
            let mut tokens = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    return Ok::<_, anyhow::Error>(tokens);
                }
                let token = login(&client, &url, &format!("{prefix}{i}")).await?;
                tokens.push((i, token));
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                if n % 2000 == 0 {
                    eprintln!("    {n}/{count} users logged in");
                }
            }
        }));
    }
    let mut tokens = vec![String::new(); count];
    for worker in workers {
        for (i, token) in worker.await?? {
            tokens[i] = token;
        }
    }
    std::fs::write(out, tokens.join("\n") + "\n")
        .with_context(|| format!("writing {}", out.display()))?;
    eprintln!(
        "    {count} users in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn login(client: &reqwest::Client, url: &str, code: &str) -> anyhow::Result<String> {
    // A login may be refused for a moment (rate limit, pool exhausted): retry a few times.
    let mut last = String::new();
    for attempt in 0..5u64 {
        if attempt > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(200 * attempt)).await;
        }
        let res = match client.post(url).json(&json!({ "code": code })).send().await {
            Ok(res) => res,
            Err(err) => {
                last = err.to_string();
                continue;
            }
        };
        let status = res.status();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        if status.is_success() {
            return body["data"]["token"]
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| anyhow!("login answer has no data.token: {body}"));
        }
        if status.is_client_error() && status.as_u16() != 429 {
            bail!("login {code}: {status} {body}");
        }
        last = format!("{status} {body}");
    }
    bail!("login {code} kept failing: {last}")
}
