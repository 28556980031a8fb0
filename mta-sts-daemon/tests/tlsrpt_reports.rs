//! TLS-RPT reports from the real binary: a closed day's aggregate becomes one report per
//! (day, domain, record), archived, mailed through a sendmail command (which fails once,
//! so the delivery is retried) and POSTed to a loopback HTTPS server; the mail is read
//! back by our intake.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use loopback::https::{HttpsServer, Reply};
use loopback::pki::Ca;
use mta_sts_daemon::tlsrpt::{Days, TlsRptStore};
use tls_rpt_core::{
    AggregatorConfig, Datagram, IntakeLimits, Report, ResultType, gunzip, read_email,
};

struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn rfc8460_s5_closed_day_is_reported_to_every_rua_with_retries() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let socket = dir.path().join("tlsrpt.sock");
    let archive = dir.path().join("archive");
    let mails = dir.path().join("mails");
    std::fs::create_dir(&mails).unwrap();
    let ca = Ca::new();
    let https = HttpsServer::start(ca.server(&["localhost"]), Reply::status(200, "OK"));
    let port = https.addr.port();
    let record =
        format!("v=TLSRPTv1; rua=mailto:tlsrpt@example.test,https://localhost:{port}/tlsrpt");

    // Yesterday's counts, as a previous run committed them.
    let yesterday = SystemTime::now() - Duration::from_secs(86_400);
    let ok = format!(
        r#"{{"d":"example.test","pr":"{record}","policies":[{{"policy-type":2,"policy-domain":"example.test","policy-string":["version: STSv1","mode: enforce","mx: mx1.example.test","max_age: 86400"],"mx-host":["mx1.example.test"],"t":0,"f":0}}]}}"#
    );
    let failed = ok.replace(
        r#""t":0,"f":0"#,
        r#""failure-details":[{"c":204,"s":"192.0.2.1","n":"mx1.example.test","r":"198.51.100.7"}],"t":1,"f":1"#,
    );
    {
        let store = TlsRptStore::open(&state).unwrap();
        let mut days = Days::new(10, AggregatorConfig::default());
        for _ in 0..4 {
            days.record(yesterday, &Datagram::parse(ok.as_bytes()).unwrap())
                .unwrap();
        }
        days.record(yesterday, &Datagram::parse(failed.as_bytes()).unwrap())
            .unwrap();
        store.write(&days.take_dirty(), SystemTime::now()).unwrap();
    }

    // A sendmail that refuses the first message (EX_TEMPFAIL), then keeps them.
    let sendmail = dir.path().join("sendmail");
    std::fs::write(dir.path().join("fail-once"), "").unwrap();
    std::fs::write(
        &sendmail,
        format!(
            "#!/bin/sh\nif [ -e {d}/fail-once ]; then rm {d}/fail-once; cat >/dev/null; exit 75; fi\necho \"$@\" > {m}/args\ncat > {m}/mail.eml\n",
            d = dir.path().display(),
            m = mails.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&sendmail, std::fs::Permissions::from_mode(0o755)).unwrap();

    let config = dir.path().join("mta-stsd.toml");
    std::fs::write(
        &config,
        format!(
            r#"listen = ["unix:{sm}"]
state-dir = "{state}"
webpki-roots = false
ca-file = "{ca}"
[tlsrpt]
socket = "{socket}"
commit-window = 0.1
organization-name = "Sender Org"
contact-info = "tlsrpt@sender.test"
sender-address = "noreply@sender.test"
report-delay = 0.001
delivery-interval = 0.2
delivery-spread = 0.0
retry-delay = 0.5
delivery-timeout = 10.0
sendmail = ["{sendmail}", "-i", "-t"]
archive-dir = "{archive}"
"#,
            sm = dir.path().join("socketmap.sock").display(),
            state = state.display(),
            ca = ca.pem_path().display(),
            socket = socket.display(),
            sendmail = sendmail.display(),
            archive = archive.display(),
        ),
    )
    .unwrap();
    let _daemon = Daemon(
        Command::new(env!("CARGO_BIN_EXE_mta-stsd"))
            .args(["--config", config.to_str().unwrap()])
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );

    let store = TlsRptStore::open(&state).unwrap();
    wait_for("both deliveries", || {
        let d = store.deliveries().unwrap();
        d.len() == 2 && d.iter().all(|(_, _, state, _, _)| state == "delivered")
    });
    let deliveries = store.deliveries().unwrap();
    let by_uri = |prefix: &str| {
        deliveries
            .iter()
            .find(|d| d.1.starts_with(prefix))
            .unwrap()
            .clone()
    };
    // The mail failed once (sendmail exit 75) and was retried.
    assert_eq!(by_uri("mailto:").3, 2);
    assert_eq!(by_uri("https:").3, 1);
    let report_id = by_uri("https:").0;

    // The stored report: one per (day, domain, record), counts exact, read strictly.
    let stored = store.report_json(&report_id).unwrap().unwrap();
    let report = Report::from_json(stored.as_bytes()).unwrap();
    assert_eq!(report.organization_name, "Sender Org");
    let p = &report.policies[0];
    assert_eq!(p.policy.policy_domain, "example.test");
    assert_eq!(p.summary.total_successful_session_count, 4);
    assert_eq!(p.summary.total_failure_session_count, 1);
    assert_eq!(
        p.failure_details[0].result_type,
        ResultType::CertificateExpired
    );
    assert_eq!(p.failure_details[0].receiving_ip, "198.51.100.7");

    // The mail: sendmail -i -t, read back by our intake.
    let args = std::fs::read_to_string(mails.join("args")).unwrap();
    assert_eq!(args.trim(), "-i -t");
    let mail = std::fs::read(mails.join("mail.eml")).unwrap();
    let text = String::from_utf8_lossy(&mail);
    assert!(text.contains("From: noreply@sender.test\r\n"), "{text}");
    assert!(text.contains("To: tlsrpt@example.test\r\n"), "{text}");
    let intake = read_email(&mail, &IntakeLimits::default()).unwrap();
    assert_eq!(intake.report, report);

    // The POST: application/tlsrpt+gzip to the rua path.
    let heads = https.requests();
    let post = heads
        .iter()
        .find(|h| h.starts_with("POST /tlsrpt "))
        .unwrap();
    assert!(
        post.to_ascii_lowercase()
            .contains("content-type: application/tlsrpt+gzip"),
        "{post}"
    );
    // Its body: gzip (RFC 8460 §5.3), the same report, read back strictly.
    let posted = https
        .received()
        .into_iter()
        .find(|r| r.head.starts_with("POST /tlsrpt "))
        .unwrap();
    assert!(!posted.truncated);
    assert!(posted.body.starts_with(&[0x1f, 0x8b]), "not gzip");
    let json = gunzip(&posted.body, 1 << 20).unwrap();
    assert_eq!(Report::from_json(&json).unwrap(), report);

    // The archive: the RFC file name, the same report.
    let files: Vec<_> = std::fs::read_dir(&archive).unwrap().flatten().collect();
    assert_eq!(files.len(), 1);
    let name = files[0].file_name().into_string().unwrap();
    assert!(
        name.starts_with("sender.test!example.test!") && name.ends_with(".json"),
        "{name}"
    );
    let archived = std::fs::read(files[0].path()).unwrap();
    assert_eq!(Report::from_json(&archived).unwrap(), report);

    // The day's aggregate is gone from the store: it was closed once.
    let mut days = Days::new(10, AggregatorConfig::default());
    assert_eq!(store.load_into(&mut days).unwrap(), 0);
    assert!(Path::new(&socket).exists());

    // The operator commands, beside the running daemon.
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_mta-stsd"))
            .args(["--config", config.to_str().unwrap(), "tlsrpt"])
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let status = run(&["status"]);
    assert!(
        status.contains(&format!(
            "{report_id} mailto:tlsrpt@example.test delivered 2"
        )),
        "{status}"
    );
    let day = chrono::DateTime::<chrono::Utc>::from(yesterday)
        .date_naive()
        .to_string();
    let shown = run(&["show", "--day", &day]);
    assert_eq!(
        Report::from_json(shown.trim_end().as_bytes()).unwrap(),
        report
    );
    assert_eq!(run(&["flush", "--day", &day]), "0 deliveries due now\n");
    let bad = Command::new(env!("CARGO_BIN_EXE_mta-stsd"))
        .args(["tlsrpt", "show"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
