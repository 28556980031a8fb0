//! Every real-world report of `tests/data` (see its README.md for origins): the
//! tolerant parser reads each one and lists exactly what it tolerated; the strict
//! verdict of each is pinned; every e-mail is read whole.

use tls_rpt_core::{Deviation, IntakeLimits, IntakeNote, Report, read_email, read_report_file};

fn data(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

const MISSING_DETAILS: &str = "failure-details is missing";

/// (file, strict verdict: `None` = accepted or the error, tolerations of the lenient parser).
fn table() -> Vec<(&'static str, Option<&'static str>, Vec<String>)> {
    let t = |items: &[(&str, &str)]| {
        items
            .iter()
            .map(|(p, d)| format!("{p}: {d}"))
            .collect::<Vec<_>>()
    };
    vec![
        (
            "decoded/mail-auth__rpt01.json",
            // D21: an absent receiving-ip is RFC form.
            None,
            t(&[]),
        ),
        (
            "decoded/mail-auth__rpt02.json",
            Some("policies[0].policy.mx-host: required member is missing"),
            t(&[("policies[0].policy.mx-host", "required member is missing")]),
        ),
        (
            "decoded/mox__google.json",
            Some("policies[0].failure-details: failure-details is missing"),
            t(&[("policies[0].failure-details", MISSING_DETAILS)]),
        ),
        (
            "decoded/mox__microsoft.json",
            Some("date-range.start-datetime: date-time without UTC offset, taken as UTC"),
            t(&[
                (
                    "date-range.start-datetime",
                    "date-time without UTC offset, taken as UTC",
                ),
                (
                    "date-range.end-datetime",
                    "date-time without UTC offset, taken as UTC",
                ),
                ("policies[0].policy.mx-host", "required member is missing"),
                ("policies[0].failure-details", MISSING_DETAILS),
            ]),
        ),
        (
            "decoded/parsedmarc__google.com_smtp_tls_report.json",
            Some("policies[0].failure-details: failure-details is missing"),
            t(&[("policies[0].failure-details", MISSING_DETAILS)]),
        ),
        (
            "dmarc-report-viewer__google.json",
            Some("policies[0].failure-details: failure-details is missing"),
            t(&[("policies[0].failure-details", MISSING_DETAILS)]),
        ),
        (
            "dmarc-report-viewer__microsoft.json",
            Some("policies[0].policy.mx-host: required member is missing"),
            t(&[
                ("policies[0].policy.mx-host", "required member is missing"),
                ("policies[0].failure-details", MISSING_DETAILS),
                (
                    "policies[1].policy.policy-string",
                    "TLSA records as one JSON-encoded string instead of an array",
                ),
                ("policies[1].failure-details", MISSING_DETAILS),
            ]),
        ),
        (
            "dmarc-report-viewer__no-contact.json",
            Some("contact-info: member is null"),
            t(&[("contact-info", "member is null")]),
        ),
        (
            "dmarc-report-viewer__no-policy.json",
            Some("policies[0].failure-details: failure-details is missing"),
            t(&[("policies[0].failure-details", MISSING_DETAILS)]),
        ),
        (
            "dmarc-report-viewer__no_ip_and_mx.json",
            Some("policies[0].policy.policy-string: required member is missing"),
            t(&[
                (
                    "policies[0].policy.policy-string",
                    "required member is missing",
                ),
                ("policies[0].policy.mx-host", "required member is missing"),
            ]),
        ),
        (
            "dmarc-report-viewer__rfc-example.json",
            // D21: an absent receiving-ip is RFC form.
            None,
            t(&[]),
        ),
        (
            "mail-auth__rpt01.json",
            // D21: an absent receiving-ip is RFC form.
            None,
            t(&[]),
        ),
        (
            "mail-auth__rpt02.json",
            Some("policies[0].policy.mx-host: required member is missing"),
            t(&[("policies[0].policy.mx-host", "required member is missing")]),
        ),
        (
            "mail-auth__rpt03.json",
            Some("policies[0].policy.policy-domain: required member is missing"),
            t(&[
                (
                    "policies[0].policy.policy-domain",
                    "required member is missing",
                ),
                (
                    "policies[0].summary.total-failure-session-count",
                    "required member is missing",
                ),
                ("policies[0].failure-details", MISSING_DETAILS),
                (
                    "policies[1].policy.policy-type",
                    "unknown policy-type \"invalid-policy-type\"",
                ),
                (
                    "policies[1].policy.policy-domain",
                    "required member is missing",
                ),
                (
                    "policies[1].summary.total-failure-session-count",
                    "required member is missing",
                ),
                ("policies[1].failure-details", MISSING_DETAILS),
            ]),
        ),
        (
            "parsedmarc__mail.ru.json",
            Some("policies[0].policy.policy-string: required member is missing"),
            t(&[
                (
                    "policies[0].policy.policy-string",
                    "required member is missing",
                ),
                ("policies[0].policy.mx-host", "required member is missing"),
            ]),
        ),
        (
            "parsedmarc__rfc8460_example.json",
            Some("policies[0].policy.mx-host: a string where the RFC has an array (erratum 6241)"),
            t(&[(
                "policies[0].policy.mx-host",
                "a string where the RFC has an array (erratum 6241)",
            )]),
        ),
        (
            "parsedmarc__smtp_tls_google_sanitized.json",
            Some("policies[0].policy.mx-host: required member is missing"),
            t(&[("policies[0].policy.mx-host", "required member is missing")]),
        ),
        (
            "transcribed/cry-inc-issue57__microsoft-no-sending-mta-ip.json",
            Some("policies[0].policy.policy-string: required member is missing"),
            t(&[
                (
                    "policies[0].policy.policy-string",
                    "required member is missing",
                ),
                ("policies[0].policy.mx-host", "required member is missing"),
            ]),
        ),
        (
            "transcribed/cry-inc-issue71__stalwart-contact-info-null.json",
            Some("contact-info: member is null"),
            t(&[("contact-info", "member is null")]),
        ),
        (
            "transcribed/parsedmarc-issue575__egressif-contact-info-null.json",
            Some("contact-info: member is null"),
            t(&[("contact-info", "member is null")]),
        ),
        (
            "transcribed/tlsrpt-reporter-issue51__postfix-no-policy-domain.json",
            Some("policies[0].policy.policy-domain: required member is missing"),
            t(&[(
                "policies[0].policy.policy-domain",
                "required member is missing",
            )]),
        ),
        (
            "transcribed/unknown-source__socketlabs-style-misspelled-field.json",
            Some("policies[0].failure-details: failure-details is missing"),
            t(&[
                ("policies[0].failure-details", MISSING_DETAILS),
                (
                    "policies[1].failure-details[0].receiving-mx-host-name",
                    "misspelling of \"receiving-mx-hostname\"",
                ),
            ]),
        ),
    ]
}

#[test]
fn corpus_table_covers_every_json_file() {
    let mut on_disk = Vec::new();
    for sub in ["", "decoded/", "transcribed/"] {
        let dir = format!("{}/tests/data/{sub}", env!("CARGO_MANIFEST_DIR"));
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if name.ends_with(".json") {
                on_disk.push(format!("{sub}{name}"));
            }
        }
    }
    on_disk.sort();
    let mut listed: Vec<String> = table().into_iter().map(|(f, _, _)| f.to_owned()).collect();
    listed.sort();
    assert_eq!(listed, on_disk);
}

#[test]
fn corpus_lenient_parser_reads_every_report_and_lists_tolerations() {
    for (file, _, expected) in table() {
        let (_, tolerated) =
            Report::from_json_lenient(&data(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let got: Vec<String> = tolerated.iter().map(ToString::to_string).collect();
        assert_eq!(got, expected, "{file}");
    }
}

#[test]
fn corpus_strict_verdicts() {
    for (file, verdict, _) in table() {
        let got = Report::from_json(&data(file)).err().map(|e| e.to_string());
        assert_eq!(got.as_deref(), verdict, "{file}");
    }
}

#[test]
fn corpus_round_trips_through_rfc_form() {
    for (file, _, _) in table() {
        let (report, _) = Report::from_json_lenient(&data(file)).unwrap();
        let json = report.to_json();
        let (again, tolerated) = Report::from_json_lenient(json.as_bytes()).unwrap();
        assert_eq!(again, report, "{file}");
        assert_eq!(again.to_json(), json, "{file}: serialization is not stable");
        // What is left to tolerate after writing RFC form is only what has no RFC
        // form: absent required values (null contact-info, missing policy-domain, no
        // policy-string from the sender, a session row without its address) and unknown values,
        // which are kept as written.
        for t in tolerated {
            assert!(
                matches!(
                    t.deviation,
                    Deviation::MissingMember
                        | Deviation::UnknownPolicyType { .. }
                        | Deviation::UnknownResultType { .. }
                ),
                "{file}: {t}"
            );
        }
    }
}

#[test]
fn rfc8460_appendix_b_example_values() {
    let (r, _) = Report::from_json_lenient(&data("parsedmarc__rfc8460_example.json")).unwrap();
    assert_eq!(r.organization_name, "Company-X");
    assert_eq!(r.policies[0].summary.total_successful_session_count, 5326);
    assert_eq!(r.policies[0].summary.total_failure_session_count, 303);
    let d = &r.policies[0].failure_details;
    assert_eq!(d.len(), 3);
    assert_eq!(d[1].receiving_ip, "203.0.113.56");
    assert_eq!(
        d[2].failure_reason_code.as_deref(),
        Some("X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED")
    );
    assert!(
        r.to_json()
            .contains(r#""mx-host":["*.mail.company-y.example"]"#)
    );
}

/// RFC 8460 Appendix B, verbatim except for erratum 6241 (`mx-host` an array): the
/// strict parser accepts it, although its first failure detail has no `receiving-ip`
/// (decision D21 of docs/CONFORMANCE.md).
#[test]
fn rfc8460_appendix_b_example_parses_strictly() {
    let verbatim = String::from_utf8(data("parsedmarc__rfc8460_example.json")).unwrap();
    let fixed = verbatim.replace(
        r#""mx-host": "*.mail.company-y.example""#,
        r#""mx-host": ["*.mail.company-y.example"]"#,
    );
    assert_ne!(fixed, verbatim);
    let r = Report::from_json(fixed.as_bytes()).unwrap();
    assert_eq!(r.policies[0].failure_details[0].receiving_ip, "");
    assert_eq!(Report::from_json(r.to_json().as_bytes()).unwrap(), r);
    let (lenient, tolerated) = Report::from_json_lenient(fixed.as_bytes()).unwrap();
    assert_eq!(lenient, r);
    assert_eq!(tolerated, []);
    // The verbatim text departs from RFC form only in the string `mx-host`.
    assert_eq!(
        Report::from_json(verbatim.as_bytes())
            .unwrap_err()
            .to_string(),
        "policies[0].policy.mx-host: a string where the RFC has an array (erratum 6241)"
    );
}

#[test]
fn field_quirks_are_read_as_meant() {
    // Microsoft TLSA JSON-in-a-string.
    let (r, _) = Report::from_json_lenient(&data("dmarc-report-viewer__microsoft.json")).unwrap();
    assert_eq!(r.policies[1].policy.policy_string.len(), 2);
    assert!(r.policies[1].policy.policy_string[0].starts_with("3 1 1 6007EEE5"));
    // Microsoft zone-less dates are UTC.
    let (r, _) = Report::from_json_lenient(&data("decoded/mox__microsoft.json")).unwrap();
    assert_eq!(
        r.date_range.start_datetime.to_rfc3339(),
        "2023-01-10T00:00:00+00:00"
    );
    // SocketLabs-style misspelling.
    let (r, _) = Report::from_json_lenient(&data(
        "transcribed/unknown-source__socketlabs-style-misspelled-field.json",
    ))
    .unwrap();
    assert_eq!(
        r.policies[1].failure_details[0].receiving_mx_hostname,
        "mta-sts.test.mailflow.ovh"
    );
    // Mail.ru: sts-policy-fetch-error without the MX fields, free-text reason code.
    let (r, _) = Report::from_json_lenient(&data("parsedmarc__mail.ru.json")).unwrap();
    assert_eq!(
        r.policies[0].failure_details[0]
            .failure_reason_code
            .as_deref(),
        Some("bad https response code: 404")
    );
    // Unknown policy-type is kept.
    let (r, _) = Report::from_json_lenient(&data("mail-auth__rpt03.json")).unwrap();
    assert_eq!(
        r.policies[1].policy.policy_type.as_str(),
        "invalid-policy-type"
    );
}

#[test]
fn corpus_emails_are_read_whole() {
    let limits = IntakeLimits::default();
    for (eml, decoded) in [
        ("mail-auth__rpt01.eml", "decoded/mail-auth__rpt01.json"),
        ("mail-auth__rpt02.eml", "decoded/mail-auth__rpt02.json"),
        ("mox__google.eml", "decoded/mox__google.json"),
        ("mox__microsoft.eml", "decoded/mox__microsoft.json"),
        (
            "parsedmarc__google.com_smtp_tls_report.eml",
            "decoded/parsedmarc__google.com_smtp_tls_report.json",
        ),
    ] {
        let intake = read_email(&data(eml), &limits).unwrap_or_else(|e| panic!("{eml}: {e}"));
        let (want, tolerated) = Report::from_json_lenient(&data(decoded)).unwrap();
        assert_eq!(intake.report, want, "{eml}");
        assert_eq!(intake.tolerations, tolerated, "{eml}");
        assert!(
            !intake.notes.contains(&IntakeNote::NotMultipartReport),
            "{eml}"
        );
    }
}

#[test]
fn corpus_email_notes() {
    let limits = IntakeLimits::default();
    let notes = |f| read_email(&data(f), &limits).unwrap().notes;
    assert_eq!(
        notes("mox__microsoft.eml"),
        [
            IntakeNote::FoundByMediaType {
                media_type: "application/tlsrpt+gzip".into()
            },
            IntakeNote::Gzipped
        ]
    );
    // Uncompressed JSON under the unregistered bare `application/tlsrpt`.
    let n = notes("mail-auth__rpt02.eml");
    assert_eq!(
        n[0],
        IntakeNote::FoundByMediaType {
            media_type: "application/tlsrpt".into()
        }
    );
    assert_eq!(
        n[1],
        IntakeNote::UnregisteredMediaType {
            media_type: "application/tlsrpt".into()
        }
    );
    assert!(!n.contains(&IntakeNote::Gzipped));
}

#[test]
fn edge_case_90_json_wins_over_headers() {
    // The RFC 8460 §5.3.1 example message says example.net / mail.sender.example.com in
    // its headers, while its attachment (the Appendix B report) is about company-y.example.
    let intake = read_email(&data("mail-auth__rpt01.eml"), &IntakeLimits::default()).unwrap();
    assert_eq!(
        intake.report.policies[0].policy.policy_domain,
        "company-y.example"
    );
    assert!(intake.notes.contains(&IntakeNote::HeaderMismatch {
        field: "TLS-Report-Domain",
        header: "example.net".into(),
        report: "company-y.example".into(),
    }));
    assert!(intake.notes.contains(&IntakeNote::HeaderMismatch {
        field: "TLS-Report-Submitter",
        header: "mail.sender.example.com".into(),
        report: "company-x.example".into(),
    }));
}

#[test]
fn report_files_json_and_gzip() {
    let json = data("dmarc-report-viewer__google.json");
    let limits = IntakeLimits::default();
    let plain = read_report_file(&json, &limits).unwrap();
    let gz = read_report_file(&tls_rpt_core::gzip(&json), &limits).unwrap();
    assert_eq!(plain.report, gz.report);
    assert_eq!(gz.notes, [IntakeNote::Gzipped]);
    let tiny = IntakeLimits::with_max_decompressed_len(100);
    assert!(matches!(
        read_report_file(&tls_rpt_core::gzip(&json), &tiny),
        Err(tls_rpt_core::IntakeError::DecompressedTooLarge { limit: 100 })
    ));
}
