//! The TLS-RPT collector in the real binary: libtlsrpt datagrams in over AF_UNIX, the day
//! state committed every window, `kill -9` between commits, restart resumes the day.

use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use mta_sts_daemon::tlsrpt::{DayKey, Days, TlsRptStore};
use tls_rpt_core::{AggregatorConfig, ReportMeta};

const OK: &str = r#"{"d": "example.test","pr": "v=TLSRPTv1; rua=mailto:tlsrpt@example.test","policies":[{"policy-type":2,"policy-domain": "example.test","policy-string":["mx: mx1.example.test","version: STSv1","mode: enforce","max_age: 86400"],"mx-host":["mx1.example.test"],"t":0,"f":0}]}"#;
const FAIL: &str = r#"{"dpv":"1","d": "example.test","pr": "v=TLSRPTv1; rua=mailto:tlsrpt@example.test","policies":[{"policy-type":2,"policy-domain": "example.test","policy-string":["mx: mx1.example.test","version: STSv1","mode: enforce","max_age: 86400"],"mx-host":["mx1.example.test"],"failure-details":[{"c":202,"s": "127.0.0.1","n": "mx1.example.test","h": "250-mx1.example.test\r\n250 HELP","r": "127.0.0.21"}],"t":1,"f":1}]}"#;

struct Daemon {
    child: Child,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(config: &Path, socket: &Path) -> Daemon {
    let _ = std::fs::remove_file(socket);
    let child = Command::new(env!("CARGO_BIN_EXE_mta-stsd"))
        .args(["--config", config.to_str().unwrap()])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let daemon = Daemon { child };
    let deadline = Instant::now() + Duration::from_secs(20);
    while !socket.exists() {
        assert!(Instant::now() < deadline, "collector socket did not appear");
        std::thread::sleep(Duration::from_millis(20));
    }
    daemon
}

fn send(socket: &Path, datagram: &[u8], n: usize) {
    let client = UnixDatagram::unbound().unwrap();
    for _ in 0..n {
        client.send_to(datagram, socket).unwrap();
    }
}

/// (successful, failed) sessions committed for example.test today.
fn stored(state: &Path) -> (u64, u64) {
    let store = TlsRptStore::open(state).unwrap();
    let mut days = Days::new(100, AggregatorConfig::default());
    store.load_into(&mut days).unwrap();
    let day = Days::day_of(SystemTime::now());
    let key = DayKey {
        day,
        domain: "example.test".into(),
        record: "v=TLSRPTv1; rua=mailto:tlsrpt@example.test".into(),
    };
    let Some(agg) = days.get(&key) else {
        return (0, 0);
    };
    let meta = ReportMeta {
        organization_name: "t".into(),
        contact_info: "t@t.test".into(),
        day,
    };
    let report = &agg.finish(&meta, |_| "id".into())[0];
    let s = &report.policies[0].summary;
    (
        s.total_successful_session_count,
        s.total_failure_session_count,
    )
}

fn wait_stored(state: &Path, want: (u64, u64)) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let got = stored(state);
        if got == want {
            return;
        }
        assert!(Instant::now() < deadline, "stored {got:?}, want {want:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn kill_9_between_commits_loses_at_most_the_window_and_a_restart_resumes_the_day() {
    // Midnight UTC between the sends would split the counts over two days.
    let secs_into_day = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        % 86_400;
    if secs_into_day > 86_340 {
        std::thread::sleep(Duration::from_secs(86_400 - secs_into_day + 1));
    }
    let dir = tempfile::tempdir().unwrap();
    let state: PathBuf = dir.path().join("state");
    let socket = dir.path().join("tlsrpt.sock");
    let config = dir.path().join("mta-stsd.toml");
    std::fs::write(
        &config,
        format!(
            "listen = [\"unix:{}\"]\nstate-dir = \"{}\"\n[tlsrpt]\nsocket = \"{}\"\nsocket-mode = \"0620\"\ncommit-window = 0.2\norganization-name = \"t\"\ncontact-info = \"t@t.test\"\n",
            dir.path().join("socketmap.sock").display(),
            state.display(),
            socket.display()
        ),
    )
    .unwrap();

    let mut daemon = start(&config, &socket);
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&socket).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o620);
    }
    send(&socket, OK.as_bytes(), 50);
    send(&socket, FAIL.as_bytes(), 5);
    // Malformed datagrams are counted and dropped; the state is untouched.
    for bad in [&b"not json"[..], b"{}", b"\xff\xfe", &[b'['; 300_000][..]] {
        let _ = UnixDatagram::unbound().unwrap().send_to(bad, &socket);
    }
    wait_stored(&state, (50, 5));

    // Sent, then killed before the next commit can be relied on.
    send(&socket, OK.as_bytes(), 7);
    daemon.child.kill().unwrap();
    daemon.child.wait().unwrap();
    let (ok, failed) = stored(&state);
    assert!((50..=57).contains(&ok) && failed == 5, "{ok} {failed}");

    // Restarted: the day resumes from what was committed.
    let mut daemon = start(&config, &socket);
    send(&socket, OK.as_bytes(), 10);
    send(&socket, FAIL.as_bytes(), 1);
    wait_stored(&state, (ok + 10, 6));

    // SIGTERM: a last commit, the socket file removed.
    send(&socket, FAIL.as_bytes(), 2);
    assert!(
        Command::new("kill")
            .args(["-TERM", &daemon.child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    assert!(daemon.child.wait().unwrap().success());
    assert_eq!(stored(&state), (ok + 10, 8));
    assert!(!socket.exists());
}
