//! `mta-sts check` and its resolver: timeouts, an unreachable resolver, TCP fallback on
//! truncation, and setup errors.

mod support;

use std::time::{Duration, Instant};

use serde_json::json;
use support::Site;
use support::dns::{DnsServer, Zone, silent_resolver};
use support::https::{HttpsServer, Reply};
use support::pki::Ca;
use support::smtp::SmtpServer;

fn check_with_resolver(resolver: &str, extra: &[&str]) -> support::Run {
    let mut args: Vec<String> = ["check", "example.test", "--resolver", resolver]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    support::mta_sts(&args)
}

#[test]
fn dns_timeout_exits_3_after_one_retry() {
    let silent = silent_resolver();
    let addr = silent.local_addr().unwrap().to_string();
    let started = Instant::now();
    let run = check_with_resolver(&addr, &["--timeout", "0.3"]);
    let elapsed = started.elapsed();
    assert_eq!(run.status, 3, "{run:#?}");
    // Two tries of 0.3 s for the TXT record, then no more lookups.
    assert!(elapsed >= Duration::from_millis(600), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    assert_eq!(
        run.line_with("_mta-sts.example.test TXT"),
        "  FAIL  _mta-sts.example.test TXT: DNS timeout: no answer from the resolver"
    );
    assert!(run.stdout.contains(&format!(
        "  FAIL  not finished: DNS timeout: no answer from the resolver ({addr}); later DNS lookups were skipped\n"
    )));
    assert_eq!(
        run.stdout.lines().last().unwrap(),
        "Verdict: could not finish the check (see the lines marked FAIL)"
    );
    assert!(!run.stdout.contains("MX"), "{}", run.stdout);
    // Exactly two queries reached the resolver.
    silent
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut buf = [0u8; 512];
    assert!(silent.recv_from(&mut buf).is_ok());
    assert!(silent.recv_from(&mut buf).is_ok());
    assert!(silent.recv_from(&mut buf).is_err());
}

#[test]
fn dns_timeout_json() {
    let silent = silent_resolver();
    let addr = silent.local_addr().unwrap().to_string();
    let run = check_with_resolver(&addr, &["--timeout", "0.2", "--json"]);
    assert_eq!(run.status, 3, "{run:#?}");
    let doc = run.json();
    assert_eq!(
        doc["sts_record"]["error"],
        "DNS timeout: no answer from the resolver"
    );
    assert_eq!(doc["policy"], json!(null));
    assert_eq!(doc["mx"], json!([]));
    assert_eq!(doc["mx_error"], json!(null));
    assert_eq!(doc["tls_rpt"]["error"], json!(null));
    assert_eq!(doc["verdict"], "incomplete");
    assert_eq!(doc["exit_status"], 3);
    assert_eq!(doc["problems"], json!([]));
    assert_eq!(
        doc["unfinished"],
        json!([format!(
            "DNS timeout: no answer from the resolver ({addr}); later DNS lookups were skipped"
        ),])
    );
}

#[test]
fn unreachable_resolver_exits_3() {
    // Nothing listens on this UDP port any more: the kernel answers port unreachable.
    let addr = silent_resolver().local_addr().unwrap().to_string();
    let run = check_with_resolver(&addr, &["--timeout", "2", "--json"]);
    assert_eq!(run.status, 3, "{run:#?}");
    let error = run.json()["sts_record"]["error"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(error.starts_with("resolver unreachable: "), "{error}");
}

#[test]
fn rfc7766_truncated_udp_answers_are_asked_again_over_tcp() {
    let ca = Ca::new();
    let https = HttpsServer::start(
        ca.server(&["mta-sts.big.test"]),
        Reply::policy("version: STSv1\nmode: enforce\nmx: mx.big.test\nmax_age: 86400\n"),
    );
    let mx = SmtpServer::start(Some(ca.server(&["mx.big.test"])));
    let dns = DnsServer::start(
        Zone::new()
            // A record split into character-strings, joined without separator (§3.1).
            .txt("_mta-sts.big.test", &["v=STSv1; ", "id=2026"])
            .mx("big.test", 10, "mx.big.test")
            .txt(
                "_smtp._tls.big.test",
                &["v=TLSRPTv1; rua=mailto:r@big.test"],
            )
            .truncate_udp(),
    );
    let site = Site {
        domain: "big.test".into(),
        ca,
        dns,
        https: Some(https),
        mx: vec![("mx.big.test".into(), mx)],
    };
    let run = site.check(&["--starttls", "--json"]);
    assert_eq!(run.status, 0, "{run:#?}");
    let doc = run.json();
    assert_eq!(doc["sts_record"]["raw"], json!(["v=STSv1; id=2026"]));
    assert_eq!(doc["sts_record"]["id"], "2026");
    assert_eq!(doc["mx"][0]["host"], "mx.big.test");
    assert_eq!(doc["mx"][0]["verdict"], "deliver");
    assert_eq!(doc["tls_rpt"]["rua"], json!(["mailto:r@big.test"]));
    // Each of the three lookups went over UDP, was truncated, and was asked over TCP.
    assert_eq!(site.dns.udp_queries(), 3);
    assert_eq!(site.dns.tcp_queries(), 3);
}

#[test]
fn rfc5321_s5_1_no_mx_records_means_the_domain_is_its_own_mx() {
    let ca = Ca::new();
    let https = HttpsServer::start(
        ca.server(&["mta-sts.solo.test"]),
        Reply::policy("version: STSv1\nmode: enforce\nmx: solo.test\nmax_age: 86400\n"),
    );
    // solo.test exists (it has a TXT record) but has no MX records: NODATA.
    let dns = DnsServer::start(
        Zone::new()
            .txt("_mta-sts.solo.test", &["v=STSv1; id=1"])
            .txt("solo.test", &["v=spf1 a -all"]),
    );
    let site = Site {
        domain: "solo.test".into(),
        ca,
        dns,
        https: Some(https),
        mx: Vec::new(),
    };
    let run = site.check(&[]);
    assert_eq!(
        run.line_with("MX (implicit"),
        "  ok    MX (implicit, no MX records) solo.test: allowed by policy mx solo.test"
    );
    let doc = site.check(&["--json"]).json();
    assert_eq!(doc["mx"][0]["implicit"], true);
    assert_eq!(doc["mx"][0]["preference"], json!(null));
    assert_eq!(doc["mx"][0]["allowed"], true);
}

#[test]
fn unreadable_ca_file_exits_3_with_a_message() {
    let dns = DnsServer::start(Zone::new());
    let run = check_with_resolver(
        &dns.addr.to_string(),
        &["--ca-file", "/nonexistent/ca.pem", "--json"],
    );
    assert_eq!(run.status, 3, "{run:#?}");
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .starts_with("mta-sts: cannot read --ca-file /nonexistent/ca.pem: "),
        "{}",
        run.stderr
    );
    assert_eq!(dns.udp_queries(), 0);
}

#[test]
fn address_literal_is_a_usage_error() {
    let run = support::mta_sts(&[
        "check".into(),
        "[192.0.2.1]".into(),
        "--resolver".into(),
        "127.0.0.1:9".into(),
    ]);
    assert_eq!(run.status, 2, "{run:#?}");
    assert!(
        run.stderr
            .starts_with("mta-sts: \"[192.0.2.1]\" is not a mail domain: "),
        "{}",
        run.stderr
    );
}

#[test]
fn rfc8461_s3_4_idn_domain_is_checked_in_a_label_form() {
    let dns = DnsServer::start(Zone::new());
    let mut args: Vec<String> = ["check", "Bücher.Test.", "--resolver"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    args.push(dns.addr.to_string());
    args.push("--json".into());
    let run = support::mta_sts(&args);
    assert_eq!(run.status, 4, "{run:#?}");
    let doc = run.json();
    assert_eq!(doc["domain"], "xn--bcher-kva.test");
    assert_eq!(doc["sts_record"]["name"], "_mta-sts.xn--bcher-kva.test");
    assert_eq!(doc["tls_rpt"]["name"], "_smtp._tls.xn--bcher-kva.test");
}
