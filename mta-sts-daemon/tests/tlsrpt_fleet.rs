//! Two daemons and one real `redis-server`: each node's sessions of a day end up in one
//! report with summed counts, sent once.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use mta_sts_daemon::tlsrpt::{Days, TlsRptStore};
use tls_rpt_core::{AggregatorConfig, Datagram, IntakeLimits, ResultType, read_email};

struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn redis_server(dir: &Path) -> (Proc, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .arg("--dir")
        .arg(dir)
        .stdout(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run redis-server ({e}); bash .ci/test installs it"));
    let proc = Proc(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "redis-server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    (proc, format!("redis://127.0.0.1:{port}/0"))
}

const RECORD: &str = "v=TLSRPTv1; rua=mailto:tlsrpt@example.test";

fn datagram(failed: bool, sending_ip: &str) -> Datagram {
    let tail = if failed {
        format!(
            r#""failure-details":[{{"c":204,"s":"{sending_ip}","n":"mx1.example.test","r":"198.51.100.7"}}],"t":1,"f":1"#
        )
    } else {
        r#""t":0,"f":0"#.to_owned()
    };
    Datagram::parse(format!(
        r#"{{"d":"example.test","pr":"{RECORD}","policies":[{{"policy-type":2,"policy-domain":"example.test","policy-string":["version: STSv1","mode: enforce","mx: mx1.example.test","max_age: 86400"],"mx-host":["mx1.example.test"],{tail}}}]}}"#
    ).as_bytes())
    .unwrap()
}

/// Seeds a node's store with yesterday's counts, as its earlier run committed them.
fn seed(state: &Path, ok: usize, failed: &[&str]) {
    let yesterday = SystemTime::now() - Duration::from_secs(86_400);
    let store = TlsRptStore::open(state).unwrap();
    let mut days = Days::new(10, AggregatorConfig::default());
    for _ in 0..ok {
        days.record(yesterday, &datagram(false, "")).unwrap();
    }
    for ip in failed {
        days.record(yesterday, &datagram(true, ip)).unwrap();
    }
    store.write(&days.take_dirty(), SystemTime::now()).unwrap();
}

#[test]
fn two_nodes_one_report_with_summed_counts_sent_once() {
    let dir = tempfile::tempdir().unwrap();
    let (_redis, url) = redis_server(dir.path());
    let mails = dir.path().join("mails");
    std::fs::create_dir(&mails).unwrap();
    let sendmail = dir.path().join("sendmail");
    std::fs::write(
        &sendmail,
        format!("#!/bin/sh\ncat > {}/mail.$$.eml\n", mails.display()),
    )
    .unwrap();
    std::fs::set_permissions(&sendmail, std::fs::Permissions::from_mode(0o755)).unwrap();

    let mut nodes = Vec::new();
    for (node, ok, failed) in [
        ("a", 4, &["192.0.2.1"][..]),
        ("b", 3, &["192.0.2.1", "192.0.2.2"][..]),
    ] {
        let home = dir.path().join(node);
        let state = home.join("state");
        seed(&state, ok, failed);
        let config = home.join("mta-stsd.toml");
        std::fs::write(
            &config,
            format!(
                r#"listen = ["unix:{home}/socketmap.sock"]
state-dir = "{state}"
store = "{url}"
[tlsrpt]
socket = "{home}/tlsrpt.sock"
commit-window = 0.1
node-id = "{node}"
fleet-grace = 1.5
organization-name = "Fleet"
contact-info = "tlsrpt@sender.test"
report-delay = 0.001
delivery-interval = 0.2
delivery-spread = 0.0
sendmail = ["{sendmail}"]
"#,
                home = home.display(),
                state = state.display(),
                sendmail = sendmail.display(),
            ),
        )
        .unwrap();
        nodes.push((config, home.join("tlsrpt.sock")));
    }
    let _daemons: Vec<Proc> = nodes
        .iter()
        .map(|(config, _)| {
            Proc(
                Command::new(env!("CARGO_BIN_EXE_mta-stsd"))
                    .args(["--config", config.to_str().unwrap()])
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap(),
            )
        })
        .collect();

    let count_mails = || std::fs::read_dir(&mails).unwrap().count();
    let deadline = Instant::now() + Duration::from_secs(30);
    while count_mails() == 0 {
        assert!(Instant::now() < deadline, "no report was sent");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Both nodes have had time to close the day: still one report.
    std::thread::sleep(Duration::from_secs(3));
    let files: Vec<_> = std::fs::read_dir(&mails).unwrap().flatten().collect();
    assert_eq!(files.len(), 1, "the day was reported more than once");
    let mail = std::fs::read(files[0].path()).unwrap();
    let report = read_email(&mail, &IntakeLimits::default()).unwrap().report;
    assert_eq!(report.policies.len(), 1);
    let p = &report.policies[0];
    assert_eq!(p.summary.total_successful_session_count, 7);
    assert_eq!(p.summary.total_failure_session_count, 3);
    let rows: Vec<(&str, u64)> = p
        .failure_details
        .iter()
        .map(|r| (r.sending_mta_ip.as_str(), r.failed_session_count))
        .collect();
    assert_eq!(rows, [("192.0.2.1", 2), ("192.0.2.2", 1)]);
    assert!(
        p.failure_details
            .iter()
            .all(|r| r.result_type == ResultType::CertificateExpired)
    );

    // Neither node keeps the day.
    for (config, _) in &nodes {
        let state = config.parent().unwrap().join("state");
        let mut days = Days::new(10, AggregatorConfig::default());
        assert_eq!(
            TlsRptStore::open(&state)
                .unwrap()
                .load_into(&mut days)
                .unwrap(),
            0
        );
    }
}
