//! `mta-sts check` end to end against loopback DNS, HTTPS and SMTP servers: a valid
//! enforce domain, a testing domain with an expired MX certificate, and MX problems.

mod support;

use serde_json::json;
use support::Site;
use support::dns::{DnsServer, Zone};
use support::https::{HttpsServer, Reply};
use support::pki::Ca;
use support::smtp::SmtpServer;

const ENFORCE_POLICY: &str = "version: STSv1\r\nmode: enforce\r\nmx: mx1.good.test\r\nmx: *.backup.good.test\r\nmax_age: 604800\r\n";

/// `good.test`: enforce policy, two MX hosts with valid certificates, a TLS-RPT record.
fn good_site(reply: Reply) -> Site {
    let domain = "good.test";
    let ca = Ca::new();
    let https = HttpsServer::start(ca.server(&["mta-sts.good.test"]), reply);
    let mx1 = SmtpServer::start(Some(ca.server(&["mx1.good.test"])));
    let mx2 = SmtpServer::start(Some(ca.server(&["mx2.backup.good.test"])));
    let dns = DnsServer::start(
        Zone::new()
            .txt("_mta-sts.good.test", &["v=STSv1; id=20261129T0800;"])
            .mx(domain, 20, "mx2.backup.good.test")
            .mx(domain, 10, "mx1.good.test")
            .txt(
                "_smtp._tls.good.test",
                &["v=TLSRPTv1; rua=mailto:tlsrpt@good.test"],
            )
            .txt("good.test", &["v=spf1 -all"]),
    );
    Site {
        domain: domain.into(),
        ca,
        dns,
        https: Some(https),
        mx: vec![
            ("mx1.good.test".into(), mx1),
            ("mx2.backup.good.test".into(), mx2),
        ],
    }
}

#[test]
fn enforce_domain_all_valid_text() {
    let site = good_site(Reply::policy(ENFORCE_POLICY));
    let run = site.check(&["--starttls"]);
    assert_eq!(run.status, 0, "{run:#?}");
    let out = &run.stdout;
    assert!(
        out.starts_with("MTA-STS check of good.test (resolver 127.0.0.1:"),
        "{out}"
    );
    assert!(run.line_with("_mta-sts.good.test TXT").starts_with(
        "  ok    _mta-sts.good.test TXT: v=STSv1; id=20261129T0800; (id 20261129T0800)"
    ));
    assert_eq!(
        run.line_with("policy https://"),
        "  ok    policy https://mta-sts.good.test/.well-known/mta-sts.txt: mode enforce, max_age 604800"
    );
    assert_eq!(
        run.line_with("policy mx:"),
        "  info  policy mx: mx1.good.test, *.backup.good.test"
    );
    // MX hosts in preference order, each allowed and verified.
    let mx1 = out.find("MX 10 mx1.good.test").unwrap();
    let mx2 = out.find("MX 20 mx2.backup.good.test").unwrap();
    assert!(mx1 < mx2, "{out}");
    assert_eq!(
        run.line_with("MX 20"),
        "  ok    MX 20 mx2.backup.good.test: allowed by policy mx *.backup.good.test"
    );
    assert!(run.line_with("mx1.good.test STARTTLS").starts_with(
        "  ok    mx1.good.test STARTTLS: certificate valid, TLS 1.3; a sender delivers"
    ));
    assert_eq!(
        run.line_with("_smtp._tls.good.test TXT"),
        "  ok    _smtp._tls.good.test TXT: v=TLSRPTv1; rua=mailto:tlsrpt@good.test"
    );
    assert_eq!(
        run.line_with("TLS-RPT reports go to"),
        "  info  TLS-RPT reports go to mailto:tlsrpt@good.test"
    );
    assert_eq!(
        out.lines().last().unwrap(),
        "Verdict: valid: good.test publishes MTA-STS and every check passed"
    );
    // One progress line per network step, on stderr.
    for step in [
        "mta-sts: querying _mta-sts.good.test TXT at 127.0.0.1:",
        "mta-sts: fetching https://mta-sts.good.test/.well-known/mta-sts.txt",
        "mta-sts: querying good.test MX at",
        "mta-sts: STARTTLS to mx1.good.test port 25",
        "mta-sts: STARTTLS to mx2.backup.good.test port 25",
        "mta-sts: querying _smtp._tls.good.test TXT at",
    ] {
        assert!(run.stderr.contains(step), "{step:?} not in {}", run.stderr);
    }
    // The request the policy host saw: GET over HTTP/1.1 for the policy host.
    let requests = site.https.as_ref().unwrap().requests();
    assert_eq!(requests.len(), 1);
    assert!(requests[0].starts_with("GET /.well-known/mta-sts.txt HTTP/1.1\r\n"));
    assert!(requests[0].contains("\r\nHost: mta-sts.good.test\r\n"));
}

#[test]
fn enforce_domain_all_valid_json() {
    let site = good_site(Reply::policy(ENFORCE_POLICY));
    let run = site.check(&["--starttls", "--json"]);
    assert_eq!(run.status, 0, "{run:#?}");
    // No progress on stderr in --json mode when stderr is not a terminal.
    assert_eq!(run.stderr, "");
    let doc = run.json();
    assert_eq!(doc["domain"], "good.test");
    assert_eq!(doc["resolver"], site.dns.addr.to_string());
    assert_eq!(
        doc["sts_record"],
        json!({
            "name": "_mta-sts.good.test",
            "raw": ["v=STSv1; id=20261129T0800;"],
            "id": "20261129T0800",
            "warnings": [],
            "error": null
        })
    );
    assert_eq!(
        doc["policy"],
        json!({
            "url": "https://mta-sts.good.test/.well-known/mta-sts.txt",
            "http_status": 200,
            "location": null,
            "mode": "enforce",
            "max_age": 604800,
            "mx": ["mx1.good.test", "*.backup.good.test"],
            "warnings": [],
            "error": null,
            "result_type": null,
            "reason_code": null
        })
    );
    let mx = doc["mx"].as_array().unwrap();
    assert_eq!(mx.len(), 2);
    assert_eq!(mx[0]["host"], "mx1.good.test");
    assert_eq!(mx[0]["preference"], 10);
    assert_eq!(mx[0]["implicit"], false);
    assert_eq!(mx[0]["allowed"], true);
    assert_eq!(mx[0]["matched_pattern"], "mx1.good.test");
    assert_eq!(mx[0]["verdict"], "deliver");
    assert_eq!(mx[0]["failure"], json!(null));
    assert_eq!(mx[0]["starttls"]["result"], "verified");
    assert_eq!(mx[0]["starttls"]["result_type"], json!(null));
    assert_eq!(mx[0]["starttls"]["tls_version"], "TLS 1.3");
    assert_eq!(
        mx[0]["starttls"]["greeting"],
        "220 mx.loopback.test ESMTP test server"
    );
    assert_eq!(mx[1]["host"], "mx2.backup.good.test");
    assert_eq!(mx[1]["matched_pattern"], "*.backup.good.test");
    assert_eq!(mx[1]["verdict"], "deliver");
    assert_eq!(doc["mx_error"], json!(null));
    assert_eq!(
        doc["tls_rpt"],
        json!({
            "name": "_smtp._tls.good.test",
            "record": "v=TLSRPTv1; rua=mailto:tlsrpt@good.test",
            "rua": ["mailto:tlsrpt@good.test"],
            "warnings": [],
            "error": null
        })
    );
    assert_eq!(doc["verdict"], "valid");
    assert_eq!(doc["exit_status"], 0);
    assert_eq!(doc["problems"], json!([]));
    assert_eq!(doc["unfinished"], json!([]));
}

#[test]
fn chunked_policy_body_is_decoded() {
    let site = good_site(Reply::policy(ENFORCE_POLICY).chunked());
    let run = site.check(&["--json"]);
    assert_eq!(run.status, 0, "{run:#?}");
    let doc = run.json();
    assert_eq!(doc["policy"]["mode"], "enforce");
    assert_eq!(
        doc["policy"]["mx"],
        json!(["mx1.good.test", "*.backup.good.test"])
    );
    // Without --starttls no MX is contacted and no verdict is given.
    assert_eq!(doc["mx"][0]["starttls"], json!(null));
    assert_eq!(doc["mx"][0]["verdict"], json!(null));
}

/// `testing.test`: testing policy, and the MX certificate expired in 2021.
fn testing_site_with_expired_mx() -> Site {
    let ca = Ca::new();
    let https = HttpsServer::start(
        ca.server(&["mta-sts.testing.test"]),
        Reply::policy("version: STSv1\nmode: testing\nmx: mx.testing.test\nmax_age: 86400\n"),
    );
    let mx = SmtpServer::start(Some(ca.expired_server(&["mx.testing.test"])));
    let dns = DnsServer::start(
        Zone::new()
            .txt("_mta-sts.testing.test", &["v=STSv1; id=1"])
            .mx("testing.test", 5, "mx.testing.test")
            .txt(
                "_smtp._tls.testing.test",
                &["v=TLSRPTv1;rua=mailto:rpt@testing.test,https://rpt.testing.test/v1"],
            ),
    );
    Site {
        domain: "testing.test".into(),
        ca,
        dns,
        https: Some(https),
        mx: vec![("mx.testing.test".into(), mx)],
    }
}

/// Testing mode never blocks delivery (RFC 8461 §5: the sender delivers and reports),
/// but `check` still exits 1: a failure that TLS-RPT would report is a problem the
/// domain must fix before it moves to enforce.
#[test]
fn rfc8461_s5_testing_domain_with_expired_mx_certificate_text() {
    let site = testing_site_with_expired_mx();
    let run = site.check(&["--starttls"]);
    assert_eq!(run.status, 1, "{run:#?}");
    assert!(run.line_with("policy https://").starts_with(
        "  ok    policy https://mta-sts.testing.test/.well-known/mta-sts.txt: mode testing"
    ));
    assert_eq!(
        run.line_with("MX 5"),
        "  ok    MX 5 mx.testing.test: allowed by policy mx mx.testing.test"
    );
    assert_eq!(
        run.line_with("mx.testing.test STARTTLS"),
        "  FAIL  mx.testing.test STARTTLS: certificate-expired (cert-expired): \
         the certificate has expired or is not yet valid; \
         a sender still delivers (mode testing) and reports the failure to TLS-RPT"
    );
    assert_eq!(
        run.line_with("TLS-RPT reports go to"),
        "  info  TLS-RPT reports go to mailto:rpt@testing.test, https://rpt.testing.test/v1"
    );
    assert_eq!(
        run.stdout.lines().last().unwrap(),
        "Verdict: 1 problem found"
    );
}

#[test]
fn rfc8461_s5_testing_domain_with_expired_mx_certificate_json() {
    let site = testing_site_with_expired_mx();
    let run = site.check(&["--starttls", "--json"]);
    assert_eq!(run.status, 1, "{run:#?}");
    let doc = run.json();
    assert_eq!(doc["policy"]["mode"], "testing");
    let mx = &doc["mx"][0];
    assert_eq!(mx["allowed"], true);
    assert_eq!(mx["verdict"], "deliver-and-report");
    assert_eq!(
        mx["failure"],
        json!({"result_type": "certificate-expired", "reason_code": "cert-expired"})
    );
    // Testing mode: the handshake went on, so the TLS version is known.
    assert_eq!(mx["starttls"]["result"], "certificate-invalid");
    assert_eq!(mx["starttls"]["result_type"], "certificate-expired");
    assert_eq!(mx["starttls"]["reason_code"], "cert-expired");
    assert_eq!(
        mx["starttls"]["error"],
        "the certificate has expired or is not yet valid"
    );
    assert_eq!(mx["starttls"]["tls_version"], "TLS 1.3");
    assert_eq!(doc["verdict"], "problems");
    assert_eq!(doc["exit_status"], 1);
    assert_eq!(
        doc["problems"],
        json!(["MX mx.testing.test STARTTLS: certificate-expired (cert-expired)"])
    );
    assert_eq!(
        doc["tls_rpt"]["rua"],
        json!(["mailto:rpt@testing.test", "https://rpt.testing.test/v1"])
    );
}

/// Enforce mode: an expired certificate fails the handshake, the MX is skipped.
#[test]
fn rfc8461_s4_2_enforce_domain_with_expired_mx_certificate_skips_it() {
    let ca = Ca::new();
    let https = HttpsServer::start(
        ca.server(&["mta-sts.strict.test"]),
        Reply::policy("version: STSv1\nmode: enforce\nmx: mx.strict.test\nmax_age: 86400\n"),
    );
    let mx = SmtpServer::start(Some(ca.expired_server(&["mx.strict.test"])));
    let dns = DnsServer::start(
        Zone::new()
            .txt("_mta-sts.strict.test", &["v=STSv1; id=1"])
            .mx("strict.test", 5, "mx.strict.test"),
    );
    let site = Site {
        domain: "strict.test".into(),
        ca,
        dns,
        https: Some(https),
        mx: vec![("mx.strict.test".into(), mx)],
    };
    let run = site.check(&["--starttls", "--json"]);
    assert_eq!(run.status, 1, "{run:#?}");
    let doc = run.json();
    let mx = &doc["mx"][0];
    assert_eq!(mx["verdict"], "skip-and-report");
    assert_eq!(mx["starttls"]["result"], "handshake-failed");
    assert_eq!(mx["starttls"]["result_type"], "certificate-expired");
    assert_eq!(mx["starttls"]["tls_version"], json!(null));
    // No TLS-RPT record here: worth a warning, not a problem.
    assert_eq!(
        doc["tls_rpt"]["error"],
        "no TXT record at _smtp._tls.strict.test"
    );
    assert_eq!(doc["problems"].as_array().unwrap().len(), 1);
}

#[test]
fn rfc8461_s4_1_mx_outside_the_policy_is_skipped_under_enforce() {
    let ca = Ca::new();
    let https = HttpsServer::start(
        ca.server(&["mta-sts.mixed.test"]),
        Reply::policy("version: STSv1\nmode: enforce\nmx: mx1.mixed.test\nmax_age: 86400\n"),
    );
    let dns = DnsServer::start(
        Zone::new()
            .txt("_mta-sts.mixed.test", &["v=STSv1; id=1"])
            .mx("mixed.test", 10, "mx1.mixed.test")
            .mx("mixed.test", 20, "mx.elsewhere.test")
            .txt(
                "_smtp._tls.mixed.test",
                &["v=TLSRPTv1; rua=mailto:r@mixed.test"],
            ),
    );
    let site = Site {
        domain: "mixed.test".into(),
        ca,
        dns,
        https: Some(https),
        mx: Vec::new(),
    };
    let run = site.check(&[]);
    assert_eq!(run.status, 1, "{run:#?}");
    assert_eq!(
        run.line_with("MX 20"),
        "  FAIL  MX 20 mx.elsewhere.test: matches no policy mx pattern; a sender skips it (enforce)"
    );
    let doc = site.check(&["--json"]).json();
    assert_eq!(doc["mx"][1]["allowed"], false);
    assert_eq!(doc["mx"][1]["matched_pattern"], json!(null));
    assert_eq!(doc["mx"][1]["verdict"], "skip-and-report");
    assert_eq!(
        doc["mx"][1]["failure"],
        json!({"result_type": "validation-failure", "reason_code": "mtasts-policy-mx-mismatch"})
    );
    assert_eq!(
        doc["problems"],
        json!(["MX mx.elsewhere.test matches no mx pattern of the enforce policy"])
    );
}

#[test]
fn rfc8461_s4_2_mx_without_starttls_is_starttls_not_supported() {
    let ca = Ca::new();
    let https = HttpsServer::start(
        ca.server(&["mta-sts.plain.test"]),
        Reply::policy("version: STSv1\nmode: testing\nmx: mx.plain.test\nmax_age: 86400\n"),
    );
    let mx = SmtpServer::start(None);
    let dns = DnsServer::start(
        Zone::new()
            .txt("_mta-sts.plain.test", &["v=STSv1; id=1"])
            .mx("plain.test", 10, "mx.plain.test"),
    );
    let site = Site {
        domain: "plain.test".into(),
        ca,
        dns,
        https: Some(https),
        mx: vec![("mx.plain.test".into(), mx)],
    };
    let run = site.check(&["--starttls", "--json"]);
    assert_eq!(run.status, 1, "{run:#?}");
    let starttls = &run.json()["mx"][0]["starttls"];
    assert_eq!(starttls["result"], "starttls-not-offered");
    assert_eq!(starttls["result_type"], "starttls-not-supported");
    assert_eq!(starttls["error"], "the EHLO reply does not offer STARTTLS");
}

#[test]
fn wrong_certificate_name_on_mx_is_host_mismatch() {
    let ca = Ca::new();
    let https = HttpsServer::start(
        ca.server(&["mta-sts.name.test"]),
        Reply::policy("version: STSv1\nmode: testing\nmx: mx.name.test\nmax_age: 86400\n"),
    );
    let mx = SmtpServer::start(Some(ca.server(&["other.name.test"])));
    let dns = DnsServer::start(
        Zone::new()
            .txt("_mta-sts.name.test", &["v=STSv1; id=1"])
            .mx("name.test", 10, "mx.name.test"),
    );
    let site = Site {
        domain: "name.test".into(),
        ca,
        dns,
        https: Some(https),
        mx: vec![("mx.name.test".into(), mx)],
    };
    let doc = site.check(&["--starttls", "--json"]).json();
    assert_eq!(
        doc["mx"][0]["starttls"]["result_type"],
        "certificate-host-mismatch"
    );
    assert_eq!(
        doc["mx"][0]["starttls"]["error"],
        "the certificate is not valid for the name mx.name.test"
    );
    assert_eq!(doc["mx"][0]["verdict"], "deliver-and-report");
}

#[test]
fn unreachable_mx_means_the_check_could_not_finish() {
    let site = good_site(Reply::policy(ENFORCE_POLICY));
    // Point mx2 at a closed port: bind, read the address, close.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut args = site.args(&["--starttls", "--json"]);
    let pos = args
        .iter()
        .position(|a| a.starts_with("mx2.backup.good.test:25:"))
        .unwrap();
    args[pos] = format!("mx2.backup.good.test:25:{closed}");
    let run = support::mta_sts(&args);
    assert_eq!(run.status, 3, "{run:#?}");
    let doc = run.json();
    assert_eq!(doc["mx"][0]["starttls"]["result"], "verified");
    assert_eq!(doc["mx"][1]["starttls"]["result"], "unreachable");
    assert_eq!(doc["verdict"], "incomplete");
    let unfinished = doc["unfinished"][0].as_str().unwrap();
    assert!(
        unfinished.starts_with(
            "MX mx2.backup.good.test: STARTTLS could not be tested: cannot connect to"
        ),
        "{unfinished}"
    );
}

#[test]
fn silent_mx_times_out_and_the_check_could_not_finish() {
    let site = good_site(Reply::policy(ENFORCE_POLICY));
    // Accepted by the kernel, never greeted.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut args = site.args(&["--starttls", "--json", "--timeout", "0.4"]);
    let pos = args
        .iter()
        .position(|a| a.starts_with("mx1.good.test:25:"))
        .unwrap();
    args[pos] = format!("mx1.good.test:25:{}", silent.local_addr().unwrap());
    let run = support::mta_sts(&args);
    assert_eq!(run.status, 3, "{run:#?}");
    let doc = run.json();
    assert_eq!(doc["mx"][0]["starttls"]["result"], "smtp-error");
    assert_eq!(
        doc["mx"][0]["starttls"]["error"],
        "greeting: no answer within the time limit"
    );
    assert_eq!(doc["mx"][0]["verdict"], json!(null));
    assert_eq!(doc["mx"][1]["starttls"]["result"], "verified");
    assert_eq!(
        doc["unfinished"],
        json!([
            "MX mx1.good.test: STARTTLS could not be tested: greeting: no answer within the time limit"
        ])
    );
}
