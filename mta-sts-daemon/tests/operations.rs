//! Operating the daemon: proactive refresh on SQLite, the unix socket listener,
//! Prometheus metrics, and the `mta-stsd` binary itself (`query`, `check-config`,
//! SIGTERM).

mod support;

use std::time::{Duration, SystemTime};

use loopback::https::Reply as HttpReply;
use mta_sts_daemon::config::StoreKind;
use mta_sts_daemon::store::Store;
use mta_sts_postfix::Reply;
use support::{ENFORCE, Running, World, secure};

const MATCH: &str = "mx1.enforce.test:.mx.enforce.test";

async fn seeded(world: &World, fetched_ago: Duration) -> tempfile::TempDir {
    let state = tempfile::tempdir().unwrap();
    let store = Store::open(&StoreKind::Sqlite, state.path()).await.unwrap();
    let _ = world;
    support::seed(
        &store,
        "enforce.test",
        "1",
        ENFORCE,
        SystemTime::now() - fetched_ago,
    )
    .await;
    state
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rfc8461_s10_2_due_policies_are_refreshed_and_a_failure_keeps_them() {
    let world = World::new(&[("enforce.test", "1", Some(ENFORCE))]);
    // Due (fetched 14 h ago, max_age 1 day), but the policy host fails.
    world.set_policy("enforce.test", HttpReply::status(503, "Unavailable"));
    let state = seeded(&world, Duration::from_secs(14 * 3600)).await;
    let toml = "maintenance-interval = 0.2\nrefresh-jitter = 0\n";
    let daemon = Running::start(toml, &world.overrides(state.path())).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        world.fetches("enforce.test"),
        1,
        "one refresh, then the backoff holds"
    );
    assert_eq!(daemon.ask("postfix", "enforce.test").await, secure(MATCH));
    daemon.stop().await;

    // The host is back: the next start refreshes and stores the new fetch.
    world.set_policy("enforce.test", HttpReply::policy(ENFORCE));
    let daemon = Running::start(toml, &world.overrides(state.path())).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(world.fetches("enforce.test"), 2);
    daemon.stop().await;
    let store = Store::open(&StoreKind::Sqlite, state.path()).await.unwrap();
    let entry = store
        .load(&mta_sts_core::PolicyDomain::new("enforce.test").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(entry.fetched_at() > SystemTime::now() - Duration::from_secs(60));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unix_socket_listener_with_its_mode() {
    use std::os::unix::fs::PermissionsExt;
    let world = World::new(&[("enforce.test", "1", Some(ENFORCE))]);
    let state = tempfile::tempdir().unwrap();
    let path = state.path().join("socketmap.sock");
    // A stale socket from a previous run is replaced.
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    let mut o = world.overrides(state.path());
    o.listen.push(format!("unix:{}", path.display()));
    let daemon = Running::start("unix-mode = \"0666\"\n", &o).await;
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o666
    );
    let mut stream = tokio::net::UnixStream::connect(&path).await.unwrap();
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream
        .write_all(&support::frame("postfix enforce.test"))
        .await
        .unwrap();
    let mut buf = vec![0u8; 256];
    let n = stream.read(&mut buf).await.unwrap();
    let want = secure(MATCH).to_string();
    assert_eq!(&buf[..n], format!("{}:{want},", want.len()).as_bytes());
    daemon.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_answers_and_sources() {
    let world = World::new(&[("enforce.test", "1", Some(ENFORCE))]);
    let state = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut o = world.overrides(state.path());
    o.metrics_listen = Some(format!("127.0.0.1:{port}"));
    let daemon = Running::start("", &o).await;
    assert_eq!(daemon.ask("postfix", "enforce.test").await, secure(MATCH));
    assert_eq!(daemon.ask("postfix", "enforce.test").await, secure(MATCH));
    assert_eq!(
        daemon.ask("postfix", "[192.0.2.1]:25").await,
        Reply::NotFound
    );
    let body = http_get(port, "/metrics").await;
    for line in [
        "mta_stsd_replies_total{reply=\"ok\"} 2",
        "mta_stsd_replies_total{reply=\"notfound\"} 1",
        "mta_stsd_answer_sources_total{source=\"lookup\"} 1",
        "mta_stsd_answer_sources_total{source=\"memory\"} 1",
        "mta_stsd_lookups_total{reason=\"fetched\"} 1",
        "mta_stsd_fetches_total{result=\"response\"} 1",
        "mta_stsd_reply_seconds_count 3",
    ] {
        assert!(body.contains(line), "no {line:?} in:\n{body}");
    }
    daemon.stop().await;
}

async fn http_get(port: u16, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).await.unwrap();
    out
}

/// The binary: serve, `query` like `postmap -q`, exit statuses, SIGTERM.
#[test]
fn the_binary_serves_answers_queries_and_stops_on_sigterm() {
    use std::process::{Command, Stdio};
    let world = World::new(&[("enforce.test", "1", Some(ENFORCE))]);
    let state = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let o = world.overrides(state.path());
    let bin = env!("CARGO_BIN_EXE_mta-stsd");
    let mut args = vec![
        "--listen".to_owned(),
        listen.clone(),
        "--state-dir".into(),
        state.path().display().to_string(),
        "--resolver".into(),
        o.resolver.clone().unwrap(),
        "--ca-file".into(),
        o.ca_file.as_ref().unwrap().display().to_string(),
    ];
    for c in &o.connect_to {
        args.push("--connect-to".into());
        args.push(c.clone());
    }
    let check = Command::new(bin)
        .arg("check-config")
        .args(&args)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let bad = Command::new(bin)
        .args(["--resolver", "nowhere"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("resolver"));

    let child = Command::new(bin)
        .args(&args)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(&listen).is_err() {
        assert!(std::time::Instant::now() < deadline, "daemon did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let query = |domain: &str, profile: &str| {
        Command::new(bin)
            .args(["query", domain, "--profile", profile, "--server", &listen])
            .output()
            .unwrap()
    };
    let found = query("enforce.test", "postfix");
    assert_eq!(found.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&found.stdout),
        format!("OK secure match={MATCH} servername=hostname\n")
    );
    let missing = query("nothing.test", "postfix");
    assert_eq!(missing.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&missing.stdout), "NOTFOUND\n");

    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "exit {:?}", output.status);
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(
        log.contains("shutting down") && log.contains("stopped"),
        "{log}"
    );
    assert!(
        Command::new(bin)
            .args(["query", "enforce.test", "--server", &listen])
            .output()
            .unwrap()
            .status
            .code()
            == Some(3)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookups_are_bounded_and_excess_queries_are_answered_at_once() {
    let world = World::new(&[("enforce.test", "1", Some(ENFORCE))]);
    let silent = loopback::dns::silent_resolver();
    let state = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut o = world.overrides(state.path());
    o.resolver = Some(silent.local_addr().unwrap().to_string());
    o.metrics_listen = Some(format!("127.0.0.1:{port}"));
    // One lookup at a time, four waiting at most; DNS never answers.
    let toml = "max-lookups = 1\nreply-timeout = 2.0\ndns-timeout = 1.0\n";
    let daemon = std::sync::Arc::new(Running::start(toml, &o).await);
    let started = std::time::Instant::now();
    let mut tasks = Vec::new();
    for i in 0..20 {
        let daemon = std::sync::Arc::clone(&daemon);
        tasks.push(tokio::spawn(async move {
            daemon.ask("postfix", &format!("d{i}.test")).await
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), Reply::NotFound);
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let body = http_get(port, "/metrics").await;
    let overload = body
        .lines()
        .find_map(|l| l.strip_prefix("mta_stsd_answer_sources_total{source=\"overload\"} "))
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or(0);
    assert!(overload >= 15, "overload answers: {overload}\n{body}");
}
