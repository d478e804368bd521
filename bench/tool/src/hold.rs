//! Many idle keep-alive connections: what a server spends on a crowd of mini-programs that
//! opened a connection and went quiet.

use std::time::{Duration, Instant};

use anyhow::bail;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

pub async fn hold(addr: &str, connections: usize, seconds: u64) -> anyhow::Result<()> {
    let started = Instant::now();
    // Open at most 256 at a time, so that the listen backlog never overflows.
    let gate = std::sync::Arc::new(Semaphore::new(256));
    let mut tasks = Vec::with_capacity(connections);
    for _ in 0..connections {
        let permit = gate.clone().acquire_owned().await?;
        let addr = addr.to_string();
        tasks.push(tokio::spawn(async move {
            let result = open(&addr).await;
            drop(permit);
            result
        }));
    }
    let mut streams = Vec::with_capacity(connections);
    let mut failures = 0usize;
    let mut first_error = None;
    for task in tasks {
        match task.await? {
            Ok(stream) => streams.push(stream),
            Err(err) => {
                failures += 1;
                first_error.get_or_insert(err.to_string());
            }
        }
    }
    println!(
        "ready {} failed {} in {:.1} s{}",
        streams.len(),
        failures,
        started.elapsed().as_secs_f64(),
        first_error
            .map(|e| format!(" (first error: {e})"))
            .unwrap_or_default()
    );
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    // Count the connections the server kept open all along (a closed one reads EOF at once).
    let mut still_open = 0usize;
    for stream in &mut streams {
        let mut byte = [0u8; 1];
        let nothing_to_read =
            tokio::time::timeout(Duration::from_millis(1), stream.read(&mut byte))
                .await
                .is_err();
        if nothing_to_read {
            still_open += 1;
        }
    }
    println!("held {still_open}");
    Ok(())
}

async fn open(addr: &str) -> anyhow::Result<TcpStream> {
    let mut stream = TcpStream::connect(addr).await?;
    stream
        .write_all(b"GET /ping HTTP/1.1\r\nHost: bench\r\nConnection: keep-alive\r\n\r\n")
        .await?;
    // Read until the whole small answer is in: headers, then the 18-byte body.
    let mut buf = Vec::with_capacity(512);
    let mut chunk = [0u8; 512];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk)).await??;
        if n == 0 {
            bail!("connection closed before the answer");
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.windows(4).any(|w| w == b"pong") {
            return Ok(stream);
        }
        if buf.len() > 8192 {
            bail!("unexpected answer");
        }
    }
}
