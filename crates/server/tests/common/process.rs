//! The `minibase` binary run as an operator runs it, for tests of what only a real process shows:
//! several nodes starting at once, a node killed with SIGKILL and started again.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a node may take to start (migrations included) on a loaded machine.
pub const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The binary, with none of the caller's `MINIBASE_*` variables, in `dir`.
pub fn minibase(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_minibase"));
    cmd.current_dir(dir);
    for (key, _) in std::env::vars() {
        if key.starts_with("MINIBASE_") {
            cmd.env_remove(key);
        }
    }
    cmd
}

/// A running `minibase serve`.
pub struct Node {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    stderr: mpsc::Receiver<String>,
    /// Everything written to stdout so far (the banner, and the log: it goes to stdout).
    output: Arc<Mutex<String>>,
}

/// A node that was started but is not serving: it exited, or never said where it listens.
#[derive(Debug)]
pub struct StartFailure {
    pub status: Option<std::process::ExitStatus>,
    pub stderr: String,
}

impl Node {
    /// Start `minibase serve` on an ephemeral port with `env`, without waiting for it.
    pub fn spawn(dir: &Path, env: &[(&str, String)]) -> Starting {
        let mut cmd = minibase(dir);
        cmd.arg("serve")
            .env("MINIBASE_LISTEN", "127.0.0.1:0")
            .env("MINIBASE_LOG_LEVEL", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (key, value) in env {
            cmd.env(key, value);
        }
        let mut child = cmd.spawn().expect("spawn minibase");
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        // Readers on threads of their own: the pipes must be drained for the node to run on.
        let (url_tx, url_rx) = mpsc::channel();
        let output = Arc::new(Mutex::new(String::new()));
        let kept = output.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                {
                    let mut kept = kept.lock().expect("stdout");
                    kept.push_str(&line);
                    kept.push('\n');
                }
                // The start banner, not a log line that happens to hold a URL.
                if let Some(rest) = line
                    .split_once("listening on http://")
                    .map(|(_, rest)| rest)
                {
                    let addr = rest.split_whitespace().next().unwrap_or_default();
                    let _ = url_tx.send(format!("http://{addr}"));
                }
            }
        });
        let (err_tx, err_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = BufReader::new(stderr).read_to_string(&mut text);
            let _ = err_tx.send(text);
        });
        Starting {
            child: Some(child),
            output,
            url: url_rx,
            stderr: Some(err_rx),
        }
    }

    /// Start and wait until it listens.
    pub fn start(dir: &Path, env: &[(&str, String)]) -> Node {
        Self::spawn(dir, env)
            .wait()
            .unwrap_or_else(|failure| panic!("minibase did not start: {failure:?}"))
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// SIGKILL: no shutdown, no flushing, nothing in flight finishes.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, as an orchestrator stops a node, and wait (up to 30 s) for it to exit.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill -TERM");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the node did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// What the node wrote to stdout so far: its banner and its log lines.
    pub fn stdout(&self) -> String {
        self.output.lock().expect("stdout").clone()
    }

    /// What the node wrote to stderr (after it exited).
    pub fn stderr(&self) -> String {
        self.stderr
            .recv_timeout(Duration::from_secs(5))
            .unwrap_or_default()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A node on its way up.
pub struct Starting {
    child: Option<Child>,
    output: Arc<Mutex<String>>,
    url: mpsc::Receiver<String>,
    stderr: Option<mpsc::Receiver<String>>,
}

impl Starting {
    /// Wait (up to [`START_TIMEOUT`]) until it says where it listens.
    pub fn wait(mut self) -> Result<Node, StartFailure> {
        let deadline = Instant::now() + START_TIMEOUT;
        let mut child = self.child.take().expect("child");
        let stderr = self.stderr.take().expect("stderr");
        loop {
            match self.url.recv_timeout(Duration::from_millis(100)) {
                Ok(base) => {
                    return Ok(Node {
                        child,
                        output: self.output.clone(),
                        base,
                        stderr,
                    })
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    // Stdout closed without a URL: the process is ending.
                    let status = child.wait().ok();
                    return Err(StartFailure {
                        status,
                        stderr: stderr
                            .recv_timeout(Duration::from_secs(5))
                            .unwrap_or_default(),
                    });
                }
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let status = child.wait().ok();
                return Err(StartFailure {
                    status,
                    stderr: stderr
                        .recv_timeout(Duration::from_secs(5))
                        .unwrap_or_default(),
                });
            }
        }
    }
}

impl Drop for Starting {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
