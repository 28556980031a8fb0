//! `mta-sts check` when discovery fails: no TXT record, two records, and each way the
//! policy fetch can fail (status, redirect, content type, certificate).

mod support;

use serde_json::json;
use support::Site;
use support::dns::{DnsServer, Zone};
use support::https::{HttpsServer, Reply};
use support::pki::Ca;

/// `broken.test` with one MX, an `_mta-sts` record and a policy host giving `reply`
/// with a certificate from `cert_ca` (the site's own CA unless given).
fn site(reply: Reply, sts_records: &[&str], cert_ca: Option<&Ca>) -> Site {
    let ca = Ca::new();
    let https = HttpsServer::start(
        cert_ca.unwrap_or(&ca).server(&["mta-sts.broken.test"]),
        reply,
    );
    let mut zone = Zone::new().mx("broken.test", 10, "mx.broken.test").txt(
        "_smtp._tls.broken.test",
        &["v=TLSRPTv1; rua=mailto:r@broken.test"],
    );
    for record in sts_records {
        zone = zone.txt("_mta-sts.broken.test", &[record]);
    }
    Site {
        domain: "broken.test".into(),
        ca,
        dns: DnsServer::start(zone),
        https: Some(https),
        mx: Vec::new(),
    }
}

const POLICY: &str = "version: STSv1\nmode: enforce\nmx: mx.broken.test\nmax_age: 86400\n";

#[test]
fn rfc8461_s3_1_txt_missing_exits_4() {
    let site = site(Reply::policy(POLICY), &[], None);
    let run = site.check(&[]);
    assert_eq!(run.status, 4, "{run:#?}");
    assert_eq!(
        run.line_with("_mta-sts.broken.test"),
        "  warn  _mta-sts.broken.test TXT: no TXT record at _mta-sts.broken.test"
    );
    assert_eq!(
        run.line_with("MX 10"),
        "  info  MX 10 mx.broken.test: no MTA-STS policy applies to delivery"
    );
    assert_eq!(
        run.stdout.lines().last().unwrap(),
        "Verdict: no MTA-STS policy: broken.test publishes no _mta-sts TXT record"
    );
    // No policy fetch without a record (RFC 8461 §3.3: the TXT record comes first).
    assert!(site.https.as_ref().unwrap().requests().is_empty());

    let run = site.check(&["--json"]);
    assert_eq!(run.status, 4);
    let doc = run.json();
    assert_eq!(doc["sts_record"]["raw"], json!([]));
    assert_eq!(doc["sts_record"]["id"], json!(null));
    assert_eq!(
        doc["sts_record"]["error"],
        "no TXT record at _mta-sts.broken.test"
    );
    assert_eq!(doc["policy"], json!(null));
    assert_eq!(doc["mx"][0]["allowed"], json!(null));
    assert_eq!(doc["verdict"], "no-policy");
    assert_eq!(doc["exit_status"], 4);
}

#[test]
fn other_txt_records_are_not_sts_records() {
    let site = site(Reply::policy(POLICY), &["v=spf1 -all", "hello"], None);
    let run = site.check(&["--json"]);
    assert_eq!(run.status, 4, "{run:#?}");
    let doc = run.json();
    assert_eq!(doc["sts_record"]["raw"], json!(["v=spf1 -all", "hello"]));
    assert_eq!(doc["sts_record"]["error"], "no MTA-STS TXT record");
    let run = site.check(&[]);
    assert_eq!(
        run.line_with("_mta-sts.broken.test TXT"),
        "  warn  _mta-sts.broken.test TXT: no MTA-STS TXT record (v=spf1 -all | hello)"
    );
}

#[test]
fn edge_case_5_two_sts_records_mean_no_policy_and_exit_1() {
    let site = site(
        Reply::policy(POLICY),
        &["v=STSv1; id=1", "v=STSv1; id=2"],
        None,
    );
    let run = site.check(&[]);
    assert_eq!(run.status, 1, "{run:#?}");
    let line = run.line_with("_mta-sts.broken.test TXT");
    assert!(
        line.starts_with("  FAIL  _mta-sts.broken.test TXT: "),
        "{line}"
    );
    assert!(line.ends_with("(v=STSv1; id=1 | v=STSv1; id=2)"), "{line}");
    assert!(site.https.as_ref().unwrap().requests().is_empty());

    let doc = site.check(&["--json"]).json();
    assert_eq!(
        doc["sts_record"]["raw"],
        json!(["v=STSv1; id=1", "v=STSv1; id=2"])
    );
    assert_eq!(doc["sts_record"]["id"], json!(null));
    assert_eq!(
        doc["sts_record"]["error"],
        "2 MTA-STS TXT records, exactly one is required"
    );
    assert_eq!(doc["policy"], json!(null));
    assert_eq!(doc["verdict"], "problems");
    assert_eq!(
        doc["problems"],
        json!([
            "_mta-sts.broken.test: 2 MTA-STS TXT records, exactly one is required; \
             senders apply no MTA-STS policy"
        ])
    );
}

#[test]
fn edge_case_46_policy_404_is_a_fetch_error() {
    let site = site(Reply::status(404, "Not Found"), &["v=STSv1; id=1"], None);
    let run = site.check(&[]);
    assert_eq!(run.status, 1, "{run:#?}");
    assert_eq!(
        run.line_with("policy https://"),
        "  FAIL  policy https://mta-sts.broken.test/.well-known/mta-sts.txt: \
         http status 404, only 200 is accepted [sts-policy-fetch-error, http-status-404]"
    );
    let doc = site.check(&["--json"]).json();
    assert_eq!(
        doc["policy"],
        json!({
            "url": "https://mta-sts.broken.test/.well-known/mta-sts.txt",
            "http_status": 404,
            "location": null,
            "mode": null,
            "max_age": null,
            "mx": [],
            "warnings": [],
            "error": "http status 404, only 200 is accepted",
            "result_type": "sts-policy-fetch-error",
            "reason_code": "http-status-404"
        })
    );
    assert_eq!(doc["verdict"], "problems");
    // The MX list is still shown, with no policy applying.
    assert_eq!(doc["mx"][0]["host"], "mx.broken.test");
    assert_eq!(doc["mx"][0]["allowed"], json!(null));
}

#[test]
fn edge_case_46_redirect_is_not_followed() {
    let site = site(
        Reply::redirect("https://policies.example.net/broken.test.txt"),
        &["v=STSv1; id=1"],
        None,
    );
    let run = site.check(&[]);
    assert_eq!(run.status, 1, "{run:#?}");
    // One request: the redirect was not followed.
    assert_eq!(site.https.as_ref().unwrap().requests().len(), 1);
    let line = run.line_with("policy https://");
    assert!(
        line.contains(
            "http status 301, only 200 is accepted: redirect to \
             https://policies.example.net/broken.test.txt not followed (RFC 8461 §3.3)"
        ),
        "{line}"
    );
    let doc = site.check(&["--json"]).json();
    assert_eq!(doc["policy"]["http_status"], 301);
    assert_eq!(
        doc["policy"]["location"],
        "https://policies.example.net/broken.test.txt"
    );
    assert_eq!(doc["policy"]["result_type"], "sts-policy-fetch-error");
    assert_eq!(doc["policy"]["reason_code"], "http-status-301");
}

#[test]
fn d10_wrong_content_type_is_a_fetch_error() {
    let site = site(
        Reply::policy(POLICY).content_type("text/html; charset=utf-8"),
        &["v=STSv1; id=1"],
        None,
    );
    let run = site.check(&[]);
    assert_eq!(run.status, 1, "{run:#?}");
    assert_eq!(
        run.line_with("policy https://"),
        "  FAIL  policy https://mta-sts.broken.test/.well-known/mta-sts.txt: \
         content type \"text/html\" is not text/plain [sts-policy-fetch-error, content-type-not-text-plain]"
    );
    let doc = site.check(&["--json"]).json();
    assert_eq!(doc["policy"]["http_status"], 200);
    assert_eq!(doc["policy"]["mode"], json!(null));
    assert_eq!(doc["policy"]["reason_code"], "content-type-not-text-plain");
}

#[test]
fn rfc8461_s3_3_untrusted_policy_host_certificate_is_sts_webpki_invalid() {
    let other_ca = Ca::new();
    let site = site(Reply::policy(POLICY), &["v=STSv1; id=1"], Some(&other_ca));
    let run = site.check(&["--json"]);
    assert_eq!(run.status, 1, "{run:#?}");
    let policy = &run.json()["policy"];
    assert_eq!(policy["result_type"], "sts-webpki-invalid");
    assert_eq!(policy["reason_code"], "unknown-issuer");
    assert_eq!(policy["http_status"], json!(null));
    let error = policy["error"].as_str().unwrap();
    assert!(
        error.starts_with("policy host certificate invalid"),
        "{error}"
    );
    assert!(site.https.as_ref().unwrap().requests().is_empty());
}

#[test]
fn invalid_policy_body_is_sts_policy_invalid() {
    let site = site(
        Reply::policy("version: STSv1\nmode: sometimes\nmx: mx.broken.test\nmax_age: 86400\n"),
        &["v=STSv1; id=1"],
        None,
    );
    let doc = site.check(&["--json"]).json();
    assert_eq!(doc["policy"]["result_type"], "sts-policy-invalid");
    assert_eq!(doc["exit_status"], 1);
}

#[test]
fn policy_host_refusing_connections_is_a_fetch_error() {
    let mut site = site(Reply::policy(POLICY), &["v=STSv1; id=1"], None);
    site.https = None;
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let connect_to = format!("mta-sts.broken.test:443:{closed}");
    let doc = site.check(&["--json", "--connect-to", &connect_to]).json();
    assert_eq!(doc["policy"]["result_type"], "sts-policy-fetch-error");
    assert_eq!(doc["policy"]["reason_code"], "policy-host-connect-error");
    let error = doc["policy"]["error"].as_str().unwrap();
    assert!(
        error.contains(&format!("cannot connect to {closed}")),
        "{error}"
    );
}

#[test]
fn tls_rpt_record_with_only_unusable_uris_is_a_problem() {
    let ca = Ca::new();
    let https = HttpsServer::start(
        ca.server(&["mta-sts.rpt.test"]),
        Reply::policy("version: STSv1\nmode: none\nmax_age: 86400\n"),
    );
    let dns = DnsServer::start(
        Zone::new()
            .txt("_mta-sts.rpt.test", &["v=STSv1; id=1"])
            .mx("rpt.test", 10, "mx.rpt.test")
            .txt(
                "_smtp._tls.rpt.test",
                &["v=TLSRPTv1; rua=http://insecure.rpt.test/"],
            ),
    );
    let site = Site {
        domain: "rpt.test".into(),
        ca,
        dns,
        https: Some(https),
        mx: Vec::new(),
    };
    let run = site.check(&[]);
    assert_eq!(run.status, 1, "{run:#?}");
    assert!(run.line_with("_smtp._tls.rpt.test").starts_with("  FAIL  "));
    let doc = site.check(&["--json"]).json();
    assert_eq!(doc["policy"]["mode"], "none");
    // mode none: MTA-STS applies nothing to the MX hosts.
    assert_eq!(doc["mx"][0]["allowed"], json!(null));
    assert_eq!(
        doc["tls_rpt"]["record"],
        "v=TLSRPTv1; rua=http://insecure.rpt.test/"
    );
    assert_eq!(doc["tls_rpt"]["rua"], json!([]));
    assert!(
        doc["tls_rpt"]["error"]
            .as_str()
            .unwrap()
            .contains("no usable rua")
    );
}

#[test]
fn d12_oversized_policy_body_is_a_fetch_error() {
    // 64 KiB + 1 of comment-free padding after a valid policy.
    let body = format!("{POLICY}{}", "x".repeat(64 * 1024));
    for reply in [Reply::policy(&body), Reply::policy(&body).chunked()] {
        let site = site(reply, &["v=STSv1; id=1"], None);
        let doc = site.check(&["--json"]).json();
        assert_eq!(doc["policy"]["result_type"], "sts-policy-fetch-error");
        assert_eq!(doc["policy"]["reason_code"], "policy-body-too-large");
        assert_eq!(
            doc["policy"]["error"],
            "policy body is at least 65537 bytes, over the limit of 65536"
        );
    }
}

#[test]
fn rfc8461_s3_3_silent_policy_host_is_a_fetch_timeout() {
    let mut site = site(Reply::policy(POLICY), &["v=STSv1; id=1"], None);
    site.https = None;
    // The kernel accepts the connection; nobody ever answers the ClientHello.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let connect_to = format!("mta-sts.broken.test:443:{}", silent.local_addr().unwrap());
    let started = std::time::Instant::now();
    let run = site.check(&["--json", "--timeout", "0.4", "--connect-to", &connect_to]);
    assert!(started.elapsed() < std::time::Duration::from_secs(4));
    assert_eq!(run.status, 1, "{run:#?}");
    let policy = &run.json()["policy"];
    assert_eq!(policy["result_type"], "sts-policy-fetch-error");
    assert_eq!(policy["reason_code"], "policy-fetch-timeout");
    assert_eq!(
        policy["error"],
        "policy fetch failed: policy-fetch-timeout: \
         TLS handshake with the policy host took longer than the time limit"
    );
}

#[test]
fn edge_case_50_policy_host_certificate_failures_are_sts_webpki_invalid() {
    // The site's own CA, but a certificate for another name, then an expired one.
    for reason in ["cert-not-valid-for-name", "cert-expired"] {
        let mut site = site(Reply::policy(POLICY), &["v=STSv1; id=1"], None);
        let config = match reason {
            "cert-expired" => site.ca.expired_server(&["mta-sts.broken.test"]),
            _ => site.ca.server(&["www.broken.test"]),
        };
        site.https = Some(HttpsServer::start(config, Reply::policy(POLICY)));
        let run = site.check(&["--json"]);
        assert_eq!(run.status, 1, "{run:#?}");
        let policy = &run.json()["policy"];
        assert_eq!(policy["result_type"], "sts-webpki-invalid", "{reason}");
        assert_eq!(policy["reason_code"], reason);
        assert!(site.https.as_ref().unwrap().requests().is_empty());
    }
}
