//! A real Redis Cluster of this test's own: three `redis-server --cluster-enabled yes` masters
//! on free ports, joined with `redis-cli --cluster create`, killed when dropped.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use minibase::config::RawConfig;

pub struct RedisCluster {
    pub ports: Vec<u16>,
    children: Vec<Child>,
    _dir: tempfile::TempDir,
}

impl RedisCluster {
    /// Three masters holding every slot between them, or None (after a loud skip message) where
    /// the Redis tests do not run.
    pub fn start(test: &str) -> Option<Self> {
        // The same switch as the other Redis tests: CI (.ci/run) sets it and installs Redis.
        super::redis_url(test)?;
        let dir = tempfile::tempdir().expect("temp dir");
        let ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
        let mut cluster = Self {
            ports: ports.clone(),
            children: Vec::new(),
            _dir: dir,
        };
        for port in &ports {
            let port = port.to_string();
            let child = Command::new("redis-server")
                .args(["--bind", "127.0.0.1", "--port", &port])
                .args(["--cluster-enabled", "yes"])
                .args(["--cluster-config-file", &format!("nodes-{port}.conf")])
                .args(["--cluster-node-timeout", "2000"])
                .args(["--save", "", "--appendonly", "no"])
                .current_dir(cluster._dir.path())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("redis-server on PATH (.ci/run installs it)");
            cluster.children.push(child);
        }
        for port in &ports {
            wait_for(&format!("redis-server on port {port}"), || {
                redis_cli(*port, &["ping"]).is_some_and(|out| out.trim() == "PONG")
            });
        }
        let nodes: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
        let created = Command::new("redis-cli")
            .arg("--cluster")
            .arg("create")
            .args(&nodes)
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .expect("redis-cli on PATH");
        assert!(
            created.status.success(),
            "redis-cli --cluster create: {}{}",
            String::from_utf8_lossy(&created.stdout),
            String::from_utf8_lossy(&created.stderr)
        );
        // Every node must know the whole slot map before clients ask it.
        for port in &ports {
            wait_for(&format!("cluster state ok on {port}"), || {
                redis_cli(*port, &["cluster", "info"])
                    .is_some_and(|info| info.contains("cluster_state:ok"))
            });
        }
        Some(cluster)
    }

    /// The seed nodes, as `redis_url` takes them for a cluster.
    pub fn url(&self) -> String {
        self.ports
            .iter()
            .map(|p| format!("redis://127.0.0.1:{p}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Point a node's configuration at this cluster.
    pub fn configure(&self, raw: &mut RawConfig) {
        raw.redis_url = Some(self.url());
        raw.redis_cluster = true;
    }

    /// How many keys each master holds.
    pub fn keys_per_node(&self) -> Vec<u64> {
        self.ports
            .iter()
            .map(|port| {
                redis_cli(*port, &["dbsize"])
                    .and_then(|out| out.trim().parse().ok())
                    .unwrap_or(0)
            })
            .collect()
    }
}

impl Drop for RedisCluster {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn redis_cli(port: u16, args: &[&str]) -> Option<String> {
    let out = Command::new("redis-cli")
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args(args)
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(started.elapsed() < Duration::from_secs(20), "{what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A port free now (the OS gave it and it was let go); Redis's cluster bus takes port + 10000,
/// so ports whose bus port would not exist are skipped.
fn free_port() -> u16 {
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        if port < 55_535 && TcpListener::bind(("127.0.0.1", port + 10_000)).is_ok() {
            return port;
        }
    }
}
