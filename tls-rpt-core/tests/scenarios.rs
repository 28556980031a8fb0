//! Cross-module scenarios: aggregate -> report -> delivery format -> intake.

use std::net::IpAddr;

use chrono::{DateTime, NaiveDate};
use tls_rpt_core::*;

fn sts(domain: &str) -> Policy {
    Policy {
        policy_type: PolicyType::Sts,
        policy_string: vec![
            "version: STSv1".into(),
            "mode: enforce".into(),
            format!("mx: *.{domain}"),
            "max_age: 604800".into(),
        ],
        policy_domain: domain.into(),
        mx_host: vec![format!("*.{domain}")],
    }
}

fn meta() -> ReportMeta {
    ReportMeta {
        organization_name: "Sender Inc.".into(),
        contact_info: "tlsrpt@mail.sender.example".into(),
        day: NaiveDate::from_ymd_opt(2016, 8, 1).unwrap(),
    }
}

fn session_failure(rt: ResultType, mx: &str, ip: [u8; 4]) -> FailureKey {
    let mut k = FailureKey::new(rt);
    k.sending_mta_ip = Some("2001:db8:abcd:12::1".parse().unwrap());
    k.receiving_mx_hostname = Some(mx.into());
    k.receiving_ip = Some(IpAddr::from(ip));
    k
}

fn busy_aggregator() -> Aggregator {
    let mut agg = Aggregator::default();
    let a = agg.policy_id(&sts("example.net")).unwrap();
    let b = agg
        .policy_id(&Policy::no_policy_found("example.org"))
        .unwrap();
    agg.record_successes(a, 5326).unwrap();
    agg.record_successes(b, 7).unwrap();
    for _ in 0..100 {
        agg.record_failure(
            a,
            session_failure(
                ResultType::CertificateExpired,
                "mx1.example.net",
                [203, 0, 113, 55],
            ),
        )
        .unwrap();
    }
    let mut vf = session_failure(
        ResultType::ValidationFailure,
        "mx2.example.net",
        [203, 0, 113, 58],
    );
    vf.failure_reason_code = Some("X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED".into());
    vf.receiving_mx_helo = Some("mx2-helo.example.net".into());
    agg.record_failure(a, vf).unwrap();
    let mut fetch = FailureKey::new(ResultType::StsPolicyFetchError);
    fetch.failure_reason_code = Some("http-status-404".into());
    agg.record_failure(a, fetch).unwrap();
    agg
}

#[test]
fn generate_then_parse_strictly_round_trips() {
    let reports = busy_aggregator().finish(&meta(), |d| format!("2016-08-01_{d}"));
    assert_eq!(reports.len(), 2);
    for report in &reports {
        let json = report.to_json();
        assert_eq!(Report::from_json(json.as_bytes()).as_ref(), Ok(report));
        assert_eq!(report.check_consistency(), []);
        assert!(json.contains(r#""end-datetime":"2016-08-01T23:59:59Z""#));
        assert!(json.contains(r#""failure-details":["#));
    }
    let net = &reports[0];
    assert_eq!(net.policies[0].summary.total_failure_session_count, 102);
    assert_eq!(net.policies[0].failure_details.len(), 3);
    // The IPv6 address is written in RFC 5952 form.
    assert!(
        net.to_json()
            .contains(r#""sending-mta-ip":"2001:db8:abcd:12::1""#)
    );
}

/// Whether a result type is a policy failure (no SMTP session): decision D21 of
/// docs/CONFORMANCE.md lets its rows leave out `sending-mta-ip` and
/// `receiving-mx-hostname`.
fn is_policy_failure(rt: &ResultType) -> bool {
    matches!(
        rt,
        ResultType::StsPolicyFetchError
            | ResultType::StsPolicyInvalid
            | ResultType::StsWebpkiInvalid
            | ResultType::TlsaInvalid
            | ResultType::DnssecInvalid
            | ResultType::DaneRequired
    )
}

/// D21: the generator never writes what the strict parser refuses. One row per
/// registry result type, each with every member D21 lets it leave out left out
/// (`receiving-ip` everywhere; the addresses and the MX host on policy failures),
/// under each policy type: every report parses strictly, with nothing tolerated.
#[test]
fn d21_generated_rows_of_every_result_type_with_absent_members_parse_strictly() {
    let tlsa = Policy::tlsa("mx1.example.net", vec!["3 1 1 0123456789ABCDEF".into()]);
    for policy in [
        sts("example.net"),
        Policy::no_policy_found("example.org"),
        tlsa,
    ] {
        let mut agg = Aggregator::default();
        let id = agg.policy_id(&policy).unwrap();
        for rt in ResultType::REGISTRY {
            let mut key = FailureKey::new(rt.clone());
            if !is_policy_failure(&rt) {
                key.sending_mta_ip = Some("192.0.2.1".parse().unwrap());
                key.receiving_mx_hostname = Some("mx1.example.net".into());
            }
            agg.record_failure(id, key).unwrap();
        }
        let reports = agg.finish(&meta(), |d| format!("2016-08-01_{d}"));
        assert_eq!(reports.len(), 1);
        let report = &reports[0];
        assert_eq!(
            report.policies[0].failure_details.len(),
            ResultType::REGISTRY.len()
        );
        let json = report.to_json();
        assert!(!json.contains(r#""""#), "no empty strings: {json}");
        assert!(!json.contains("receiving-ip"));
        assert_eq!(Report::from_json(json.as_bytes()).as_ref(), Ok(report));
        let (lenient, tolerated) = Report::from_json_lenient(json.as_bytes()).unwrap();
        assert_eq!(&lenient, report);
        assert_eq!(tolerated, []);
    }
}

#[test]
fn generate_then_email_then_intake() {
    for report in busy_aggregator().finish(&meta(), |d| format!("2016-08-01_{d}")) {
        for compress in [true, false] {
            let params = EmailParams {
                from: "tlsrpt@mail.sender.example",
                to: "reports@example.net",
                date: DateTime::parse_from_rfc3339("2016-08-02T03:00:00+02:00").unwrap(),
                message_id: "abc.1@mail.sender.example",
                boundary: "----=_b1",
                unique_id: Some("001"),
                compress,
            };
            let mail = report_email(&report, &params).unwrap();
            let intake = read_email(&mail, &IntakeLimits::default()).unwrap();
            assert_eq!(intake.report, report);
            assert!(intake.tolerations.is_empty());
            let media_type = if compress {
                MEDIA_TYPE_GZIP
            } else {
                MEDIA_TYPE_JSON
            };
            assert_eq!(
                intake.notes[0],
                IntakeNote::FoundByMediaType {
                    media_type: media_type.into()
                }
            );
            assert_eq!(intake.notes.contains(&IntakeNote::Gzipped), compress);
            assert!(
                !intake
                    .notes
                    .iter()
                    .any(|n| matches!(n, IntakeNote::HeaderMismatch { .. }))
            );
        }
    }
}

#[test]
fn generate_then_https_then_intake() {
    let report = &busy_aggregator().finish(&meta(), |d| d.to_owned())[0];
    let post = https_post(report, true);
    assert_eq!(post.content_type, "application/tlsrpt+gzip");
    let intake = read_report_file(&post.body, &IntakeLimits::default()).unwrap();
    assert_eq!(&intake.report, report);
}

#[test]
fn fleet_merge_equals_single_node() {
    // Two nodes see half the sessions each; merged, they equal one node seeing all.
    let mut single = Aggregator::default();
    let mut nodes = [Aggregator::default(), Aggregator::default()];
    for i in 0..200u8 {
        let key = session_failure(
            ResultType::CertificateNotTrusted,
            "mx.example.net",
            [192, 0, 2, i % 7],
        );
        for agg in [&mut single, &mut nodes[usize::from(i % 2)]] {
            let id = agg.policy_id(&sts("example.net")).unwrap();
            agg.record_success(id).unwrap();
            agg.record_failure(id, key.clone()).unwrap();
        }
    }
    let [a, b] = nodes;
    // Carried between nodes as serde values.
    let b: Aggregator = serde_json::from_str(&serde_json::to_string(&b).unwrap()).unwrap();
    let mut merged = a;
    merged.merge(b).unwrap();
    assert_eq!(merged, single);
    assert_eq!(
        merged.finish(&meta(), |_| "x".into()),
        single.finish(&meta(), |_| "x".into())
    );
}

#[test]
fn edge_case_83_dane_failure_reported_under_the_mx_host() {
    let mut agg = Aggregator::default();
    let id = agg
        .policy_id(&Policy::tlsa(
            "mx.provider.example",
            vec!["3 1 1 1F850A33".into()],
        ))
        .unwrap();
    agg.record_failure(
        id,
        session_failure(
            ResultType::TlsaInvalid,
            "mx.provider.example",
            [192, 0, 2, 25],
        ),
    )
    .unwrap();
    let report = &agg.finish(&meta(), |d| d.to_owned())[0];
    assert_eq!(report.policies[0].policy.policy_type, PolicyType::Tlsa);
    assert_eq!(policy_domain(report), Ok("mx.provider.example"));
    assert_eq!(
        record_name("mx.provider.example"),
        "_smtp._tls.mx.provider.example"
    );
    assert!(
        report_file_name(report, None, true)
            .unwrap()
            .starts_with("mail.sender.example!mx.provider.example!")
    );
}

#[test]
fn edge_case_84_one_policy_is_still_an_array() {
    let mut agg = Aggregator::default();
    let id = agg.policy_id(&sts("example.net")).unwrap();
    agg.record_success(id).unwrap();
    let json = agg.finish(&meta(), |_| "x".into())[0].to_json();
    assert!(json.contains(r#""policies":[{"#));
}

#[test]
fn edge_case_85_generated_mx_host_is_an_array() {
    let r = &busy_aggregator().finish(&meta(), |d| d.to_owned())[0];
    assert!(r.to_json().contains(r#""mx-host":["*.example.net"]"#));
}

#[test]
fn edge_case_86_generated_datetimes_have_z() {
    let r = &busy_aggregator().finish(&meta(), |d| d.to_owned())[0];
    let json = r.to_json();
    assert!(
        json.contains(r#""start-datetime":"2016-08-01T00:00:00Z""#),
        "{json}"
    );
}

#[test]
fn edge_case_93_submitter_header_equals_contact_info_domain() {
    let r = &busy_aggregator().finish(&meta(), |d| d.to_owned())[0];
    let params = EmailParams {
        from: "tlsrpt@mail.sender.example",
        to: "reports@example.net",
        date: DateTime::parse_from_rfc3339("2016-08-02T03:00:00Z").unwrap(),
        message_id: "m@mail.sender.example",
        boundary: "b",
        unique_id: None,
        compress: true,
    };
    let mail = String::from_utf8(report_email(r, &params).unwrap()).unwrap();
    assert!(mail.contains("\r\nTLS-Report-Submitter: mail.sender.example\r\n"));
    assert!(mail.contains(" Submitter: mail.sender.example\r\n"));
}

#[test]
fn edge_case_94_file_name_for_a_utc_day() {
    let r = &busy_aggregator().finish(&meta(), |d| d.to_owned())[0];
    // 2016-08-01T00:00:00Z = 1470009600; 23:59:59Z = 1470095999.
    assert_eq!(
        report_file_name(r, Some("001"), true).unwrap(),
        "mail.sender.example!example.net!1470009600!1470095999!001.json.gz"
    );
    assert!(
        report_file_name(r, None, false)
            .unwrap()
            .ends_with("!1470095999.json")
    );
}

/// A hand-made message: the report as `application/octet-stream`, found by its
/// `.json.gz` file name, base64 with odd line lengths.
#[test]
fn intake_finds_the_part_by_file_name() {
    let report = &busy_aggregator().finish(&meta(), |d| d.to_owned())[0];
    let gz = gzip(report.to_json().as_bytes());
    let b64 = base64_lines(&gz, 61);
    let mail = format!(
        "From: a@b.example\nSubject: whatever\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=XYZ\n\n\
         --XYZ\nContent-Type: text/html\n\n<p>hi</p>\n--XYZ\nContent-Type: application/octet-stream\n\
         Content-Transfer-Encoding: BASE64\nContent-Disposition: attachment;\n\tfilename=\"s!example.net!1!2.json.gz\"\n\n{b64}\n--XYZ--\n"
    );
    let intake = read_email(mail.as_bytes(), &IntakeLimits::default()).unwrap();
    assert_eq!(&intake.report, report);
    assert_eq!(
        intake.notes,
        [
            IntakeNote::NotMultipartReport,
            IntakeNote::FoundByFileName {
                file_name: "s!example.net!1!2.json.gz".into(),
                media_type: "application/octet-stream".into()
            },
            IntakeNote::UnregisteredMediaType {
                media_type: "application/octet-stream".into()
            },
            IntakeNote::Gzipped,
        ]
    );
}

/// Uncompressed JSON sent quoted-printable, nested one multipart deeper.
#[test]
fn intake_undoes_quoted_printable_in_nested_parts() {
    let report = &busy_aggregator().finish(&meta(), |d| d.to_owned())[0];
    let json = report.to_json();
    // Soft line breaks every 60 characters, '=' escaped.
    let qp: String = json
        .replace('=', "=3D")
        .as_bytes()
        .chunks(60)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect::<Vec<_>>()
        .join("=\r\n");
    let mail = format!(
        "Content-Type: multipart/report; report-type=tlsrpt; boundary=\"outer\"\r\n\r\n\
         --outer\r\nContent-Type: multipart/alternative; boundary=\"inner\"\r\n\r\n\
         --inner\r\nContent-Type: application/tlsrpt+json\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{qp}\r\n--inner--\r\n\
         --outer--\r\n"
    );
    let intake = read_email(mail.as_bytes(), &IntakeLimits::default()).unwrap();
    assert_eq!(&intake.report, report);
    assert_eq!(
        intake.notes,
        [IntakeNote::FoundByMediaType {
            media_type: "application/tlsrpt+json".into()
        }]
    );
}

#[test]
fn intake_without_a_report_part_is_an_error() {
    let mail = b"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nhello\n--b--\n";
    assert_eq!(
        read_email(mail, &IntakeLimits::default()),
        Err(IntakeError::NoReportPart)
    );
    let limits = IntakeLimits::default();
    let big = vec![b'a'; limits.max_email_len + 1];
    assert!(matches!(
        read_email(&big, &limits),
        Err(IntakeError::EmailTooLarge { .. })
    ));
}

fn base64_lines(data: &[u8], width: usize) -> String {
    use base64::Engine;
    let text = base64::engine::general_purpose::STANDARD.encode(data);
    text.as_bytes()
        .chunks(width)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}
