//! Reads that tolerate lag on a real PostgreSQL streaming replica: a replica made with
//! `pg_basebackup -R` from the test server, started with `pg_ctl` on a free port. Feed pages come
//! from the replica while it is within `database_replica_max_lag_ms`; once it falls further
//! behind (replay paused) they come from the primary; writes and reads of what was just written
//! always use the primary; a replica that is down costs nothing but its reads.
//!
//! The test server must allow replication connections from 127.0.0.1 (`.ci/run` adds the
//! pg_hba.conf line).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{test_config, Backend, TestApp, TestDatabase};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{json, Value};

/// A hot standby of the test server, stopped and deleted when dropped.
struct StreamingReplica {
    port: u16,
    bin: PathBuf,
    data: PathBuf,
    /// Not root: PostgreSQL refuses to run as root, so root runs it as `postgres`.
    run_as: Option<&'static str>,
    _dir: tempfile::TempDir,
}

impl StreamingReplica {
    async fn start(admin_url: &str) -> Self {
        let admin = Database::connect(admin_url).await.expect("the test server");
        let version = scalar(&admin, "SELECT current_setting('server_version_num')").await;
        let major = version.parse::<u32>().expect("a version number") / 10_000;
        let bin = PathBuf::from(format!("/usr/lib/postgresql/{major}/bin"));
        assert!(
            bin.join("pg_ctl").exists(),
            "{} has no pg_ctl (the server's own version must be installed)",
            bin.display()
        );
        // A hot standby needs these at least as high as on the primary.
        let mut settings = String::new();
        for name in [
            "max_connections",
            "max_worker_processes",
            "max_wal_senders",
            "max_prepared_transactions",
            "max_locks_per_transaction",
        ] {
            let value = scalar(&admin, &format!("SELECT current_setting('{name}')")).await;
            settings.push_str(&format!("{name} = {value}\n"));
        }
        admin.close().await.ok();

        let run_as = is_root().then_some("postgres");
        let dir = tempfile::tempdir().expect("temp dir");
        if let Some(user) = run_as {
            run(Command::new("chown").arg(user).arg(dir.path()));
        }
        let data = dir.path().join("data");
        let url = url::Url::parse(admin_url).unwrap();
        let mut backup = pg_command(run_as, &bin.join("pg_basebackup"));
        backup
            .args(["-h", url.host_str().unwrap_or("127.0.0.1")])
            .args(["-p", &url.port().unwrap_or(5432).to_string()])
            .args([
                "-U",
                if url.username().is_empty() {
                    "postgres"
                } else {
                    url.username()
                },
            ])
            .arg("-D")
            .arg(&data)
            .args(["-R", "-X", "stream", "-c", "fast", "--no-sync"]);
        if let Some(password) = url.password() {
            backup.env("PGPASSWORD", password);
        }
        let made = backup.output().expect("pg_basebackup");
        assert!(
            made.status.success(),
            "pg_basebackup failed (does pg_hba.conf allow replication from 127.0.0.1? .ci/run adds it): {}",
            String::from_utf8_lossy(&made.stderr)
        );

        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        // Debian keeps the configuration outside the data folder: give the copy its own.
        let conf = format!(
            "listen_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{}'\n\
             hot_standby = on\nfsync = off\nshared_buffers = 32MB\n{settings}",
            dir.path().display()
        );
        write_as(run_as, &data.join("postgresql.conf"), &conf);
        write_as(
            run_as,
            &data.join("pg_hba.conf"),
            "local all all trust\nhost all all 127.0.0.1/32 trust\n",
        );
        let replica = Self {
            port,
            bin,
            data,
            run_as,
            _dir: dir,
        };
        let log = replica._dir.path().join("replica.log");
        let started = pg_command(run_as, &replica.bin.join("pg_ctl"))
            .arg("-D")
            .arg(&replica.data)
            .arg("-l")
            .arg(&log)
            .args(["-w", "-t", "60", "start"])
            .output()
            .expect("pg_ctl");
        assert!(
            started.status.success(),
            "pg_ctl start: {}\n{}",
            String::from_utf8_lossy(&started.stderr),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        replica
    }

    fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    fn stop(&mut self) {
        let _ = pg_command(self.run_as, &self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

impl Drop for StreamingReplica {
    fn drop(&mut self) {
        self.stop();
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
        .unwrap_or(false)
}

fn pg_command(run_as: Option<&str>, program: &Path) -> Command {
    match run_as {
        Some(user) => {
            let mut command = Command::new("runuser");
            command.args(["-u", user, "--"]).arg(program);
            command
        }
        None => Command::new(program),
    }
}

fn write_as(run_as: Option<&str>, path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    if let Some(user) = run_as {
        run(Command::new("chown").arg(user).arg(path));
    }
}

fn run(command: &mut Command) {
    let status = command.status().expect("command runs");
    assert!(status.success(), "{command:?}: {status}");
}

async fn scalar(db: &DatabaseConnection, sql: &str) -> String {
    let row = db
        .query_one(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|err| panic!("{sql}: {err}"))
        .expect("a row");
    row.try_get_by_index::<String>(0)
        .unwrap_or_else(|err| panic!("{sql}: {err}"))
}

async fn eventually(what: &str, limit: Duration, mut check: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < limit, "{what} within {limit:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn feed_ids(reply: &common::Reply) -> Vec<i64> {
    reply.assert_ok(200)["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect()
}

const MAX_LAG: Duration = Duration::from_secs(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lag_tolerant_reads_use_the_replica_within_its_bound() {
    let test = "lag_tolerant_reads_use_the_replica_within_its_bound";
    let Ok(admin_url) = std::env::var("MINIBASE_TEST_POSTGRES_URL") else {
        common::say_skipped(test, "MINIBASE_TEST_POSTGRES_URL is not set");
        return;
    };
    let mut replica = StreamingReplica::start(&admin_url).await;
    let Some(db) = TestDatabase::create_migrated(Backend::Postgres, test).await else {
        return;
    };
    let name = url::Url::parse(&db.url).unwrap().path()[1..].to_string();
    let replica_url = replica.url(&name);
    // The new database reaches the replica through the WAL like any other change.
    let mut standby = None;
    eventually(
        "the database on the replica",
        Duration::from_secs(30),
        async || {
            standby = Database::connect(&replica_url).await.ok();
            standby.is_some()
        },
    )
    .await;
    let standby = standby.unwrap();

    let mut raw = test_config(&db.url);
    raw.database.database_replica_url = Some(replica_url.clone());
    raw.database.database_replica_max_lag_ms = MAX_LAG.as_millis() as u64;
    let app = TestApp::start(raw, Backend::Postgres, Some(std::sync::Arc::new(db)), |r| r).await;
    let login = app
        .post_json("/api/v1/auth/login", &json!({ "code": "replica-reader" }))
        .await;
    let token = login.assert_ok(200)["token"].as_str().unwrap().to_string();
    let post = |content: &'static str| {
        let (app, token) = (&app, &token);
        async move {
            let reply = app
                .send(
                    app.client
                        .post(app.url("/api/v1/posts"))
                        .bearer_auth(token)
                        .json(&json!({ "content": content })),
                )
                .await;
            reply.assert_ok(201)["id"].as_i64().unwrap()
        }
    };
    // The hot feed: a lag-tolerant read that no cache answers (the latest feed's pages come from
    // the cache, its first page loaded from the primary so that a new post shows at once).
    let feed = async || feed_ids(&app.get_auth("/api/v1/posts/hot?limit=20", &token).await);

    let first = post("written before the replica stops replaying").await;
    eventually(
        "the replica replays the first post",
        Duration::from_secs(10),
        async || {
            scalar(
                &standby,
                &format!("SELECT count(*)::text FROM posts WHERE id = {first}"),
            )
            .await
                == "1"
        },
    )
    .await;
    eventually(
        "the node trusts the replica",
        Duration::from_secs(10),
        async || app.state.replica.as_ref().unwrap().if_fresh().is_some(),
    )
    .await;

    // The replica stops replaying (it still receives the WAL, as a slow replica does).
    standby
        .execute_unprepared("SELECT pg_wal_replay_pause()")
        .await
        .unwrap();
    let second = post("written while the replica lags").await;
    // The write went to the primary, and reading it back by id is served from there too.
    let read_back = app
        .get_auth(&format!("/api/v1/posts/{second}"), &token)
        .await;
    assert_eq!(read_back.assert_ok(200)["id"].as_i64(), Some(second));
    // Within the bound, the feed page comes from the replica: it lacks the new post.
    let seen = feed().await;
    assert!(seen.contains(&first), "{seen:?}");
    assert!(
        !seen.contains(&second),
        "the feed was not read from the replica: {seen:?}"
    );
    // Past the bound, the primary serves the feed again.
    eventually("the feed shows the new post", MAX_LAG * 2, async || {
        feed().await.contains(&second)
    })
    .await;
    assert!(app.state.replica.as_ref().unwrap().if_fresh().is_none());
    let metrics = app.get("/metrics").await.text;
    assert!(metrics.contains("db_replica_lag_seconds"), "{metrics}");

    // Replaying again, the replica catches up and is trusted again.
    standby
        .execute_unprepared("SELECT pg_wal_replay_resume()")
        .await
        .unwrap();
    eventually(
        "the replica is trusted again",
        Duration::from_secs(10),
        async || app.state.replica.as_ref().unwrap().if_fresh().is_some(),
    )
    .await;
    assert!(feed().await.contains(&second));

    // A replica that is gone costs nothing but its reads.
    standby.close().await.ok();
    replica.stop();
    eventually(
        "the node stops trusting the stopped replica",
        Duration::from_secs(10),
        async || app.state.replica.as_ref().unwrap().if_fresh().is_none(),
    )
    .await;
    let seen = feed().await;
    assert!(seen.contains(&first) && seen.contains(&second), "{seen:?}");
    let _: Value = app.get("/readyz").await.assert_ok(200).clone();
}
