//! The `minibase` binary as an operator runs it: help, config errors, migrate, zero-config serve
//! and SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn minibase(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_minibase"));
    cmd.current_dir(dir);
    // Start from zero configuration, whatever the caller's environment holds.
    for (key, _) in std::env::vars() {
        if key.starts_with("MINIBASE_") {
            cmd.env_remove(key);
        }
    }
    cmd
}

#[test]
fn help_documents_every_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let out = minibase(dir.path()).arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for word in ["serve", "migrate", "--config"] {
        assert!(text.contains(word), "--help mentions {word}:\n{text}");
    }
    let out = minibase(dir.path())
        .args(["migrate", "--help"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("--status"));
}

#[test]
fn a_bad_value_stops_start_up_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = minibase(dir.path())
        .env("MINIBASE_DATABASE_MAX_CONNECTIONS", "lots")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("MINIBASE_DATABASE_MAX_CONNECTIONS"), "{err}");

    let out = minibase(dir.path())
        .env("MINIBASE_MODE", "prod")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("MINIBASE_JWT_SECRET"));

    std::fs::write(
        dir.path().join("minibase.toml"),
        "listen = \"127.0.0.1:0\"\nlisten_typo = 1\n",
    )
    .unwrap();
    let out = minibase(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("listen_typo"));
}

#[test]
fn config_sources_are_layered() {
    // minibase.toml < .env < environment: the file says one port, .env another, env the last.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("minibase.toml"),
        "database_url = \"sqlite://from-toml.db\"\n",
    )
    .unwrap();
    let out = minibase(dir.path())
        .args(["migrate", "--status"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("from-toml.db").exists(), "toml value used");

    std::fs::write(
        dir.path().join(".env"),
        "MINIBASE_DATABASE_URL=sqlite://from-dotenv.db\n",
    )
    .unwrap();
    let out = minibase(dir.path())
        .args(["migrate", "--status"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        dir.path().join("from-dotenv.db").exists(),
        ".env beats the toml file"
    );

    let out = minibase(dir.path())
        .env("MINIBASE_DATABASE_URL", "sqlite://from-env.db")
        .args(["migrate", "--status"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        dir.path().join("from-env.db").exists(),
        "environment beats .env"
    );
}

#[test]
fn migrate_applies_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    let out = minibase(dir.path())
        .args(["migrate", "--status"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("0 applied"), "{text}");
    let out = minibase(dir.path()).arg("migrate").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("0 pending"), "{text}");
    assert!(
        dir.path().join("data/minibase.db").exists(),
        "sqlite file under ./data"
    );
}

#[test]
fn zero_config_serve_answers_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, url) = serve_on_any_port(dir.path());
    let body = blocking_get(&format!("{url}/ping"));
    assert_eq!(body, r#"{"message":"pong"}"#);
    let ready = blocking_get(&format!("{url}/readyz"));
    assert!(ready.contains("\"database\":\"ok\""), "{ready}");
    assert!(dir.path().join("data/minibase.db").exists());
    assert!(dir.path().join("data/minibase.db-wal").exists(), "WAL mode");

    // SIGTERM: a clean exit.
    let pid = child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            break;
        }
        assert!(Instant::now() < deadline, "did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn openapi_command_prints_exactly_what_the_server_serves() {
    // No database, no listening socket, no configuration: the SDK's type generation runs it.
    let dir = tempfile::tempdir().unwrap();
    let out = minibase(dir.path()).arg("openapi").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!dir.path().join("data").exists(), "no database was opened");
    let printed = out.stdout;
    let spec: serde_json::Value = serde_json::from_slice(&printed).expect("JSON");
    assert!(spec["paths"]["/api/v1/auth/login"]["post"].is_object());

    minibase(dir.path())
        .args(["openapi", "--output", "spec.json"])
        .status()
        .unwrap();
    assert_eq!(
        std::fs::read(dir.path().join("spec.json")).unwrap(),
        printed
    );

    // A bad configuration does not matter to it.
    let out = minibase(dir.path())
        .env("MINIBASE_DATABASE_MAX_CONNECTIONS", "lots")
        .arg("openapi")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout, printed);

    let (mut child, url) = serve_on_any_port(dir.path());
    let served = blocking_get(&format!("{url}/openapi.json"));
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        served.as_bytes() == printed.as_slice(),
        "GET /openapi.json and `minibase openapi` differ"
    );
}

/// Start `minibase serve` on port 0 in `dir` and read its URL from the first line it prints.
fn serve_on_any_port(dir: &std::path::Path) -> (std::process::Child, String) {
    let mut child = minibase(dir)
        .env("MINIBASE_LISTEN", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let started = Instant::now();
    let url = loop {
        let line = lines.next().expect("a line").unwrap();
        if let Some(rest) = line.split("http://").nth(1) {
            break format!("http://{}", rest.split_whitespace().next().unwrap());
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no URL printed"
        );
    };
    // Keep reading, so the server's log lines never meet a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (child, url)
}

/// A blocking GET without pulling reqwest's blocking feature in.
fn blocking_get(url: &str) -> String {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async { reqwest::get(url).await.unwrap().text().await.unwrap() })
}

#[test]
fn redis_cluster_seeds_are_logged_without_their_passwords() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on these ports: start-up logs its settings, then fails to connect.
    let out = minibase(dir.path())
        .env("MINIBASE_LISTEN", "127.0.0.1:0")
        .env("MINIBASE_LOG_FORMAT", "json")
        .env("MINIBASE_REDIS_CLUSTER", "true")
        .env(
            "MINIBASE_REDIS_URL",
            "redis://:first-secret@127.0.0.1:1,redis://:second-secret@127.0.0.1:2",
        )
        .output()
        .unwrap();
    assert!(!out.status.success());
    let logged = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(logged.contains("redis_cluster"), "{logged}");
    assert!(logged.contains("127.0.0.1:2"), "{logged}");
    assert!(!logged.contains("first-secret"), "{logged}");
    assert!(!logged.contains("second-secret"), "{logged}");
}
