//! Property tests: `parse(display(x)) == x` for the record, `parse(to_json(x)) == x`
//! for the report, and no panic on arbitrary input.

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use tls_rpt_core::{
    Aggregator, DateRange, Extension, FailureDetail, FailureKey, Policy, PolicyResult, PolicyType,
    Report, ReportMeta, ReportUri, ResultType, Summary, TlsRptRecord,
};

fn uri() -> impl Strategy<Value = ReportUri> {
    prop_oneof![
        "mailto:[a-z0-9.+]{1,10}(%2[Cc1][a-z]{1,3})?@[a-z0-9-]{1,10}\\.example(\\?subject=[a-zA-Z0-9]{1,8}(%20[a-z]{1,4})?)?"
            .prop_map(ReportUri::Mailto),
        "(https|HTTPS)://[a-z0-9-]{1,10}\\.example(:[0-9]{1,5})?(/[a-zA-Z0-9._~/-]{0,12}(%7[Ee])?)?".prop_map(ReportUri::Https),
    ]
}

fn extension() -> impl Strategy<Value = Extension> {
    ("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,31}", "[!-:<>-~]{1,20}")
        .prop_filter("rua is not an extension", |(n, _)| n != "rua")
        .prop_map(|(name, value)| Extension::new(name, value))
}

fn datetime() -> impl Strategy<Value = DateTime<Utc>> {
    // Years 1 to 9999 (RFC 3339), with or without fractional seconds.
    (
        -62_135_596_800i64..253_402_300_799,
        prop_oneof![Just(0u32), 0u32..1_000_000_000],
    )
        .prop_map(|(s, n)| DateTime::from_timestamp(s, n).unwrap())
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), "[a-z0-9.@:-]{1,12}", any::<String>()]
}

fn policy() -> impl Strategy<Value = Policy> {
    (
        prop_oneof![
            Just("sts".to_owned()),
            Just("tlsa".to_owned()),
            Just("no-policy-found".to_owned()),
            text()
        ],
        prop::collection::vec(text(), 0..4),
        text(),
        prop::collection::vec(text(), 0..3),
    )
        .prop_map(|(t, policy_string, policy_domain, mx_host)| Policy {
            policy_type: PolicyType::parse(&t),
            policy_string,
            policy_domain,
            mx_host,
        })
        // A lone TLSA string that is itself a JSON array is decoded on reading (the
        // Microsoft quirk), so it cannot survive a round trip unchanged.
        .prop_filter("not a JSON-encoded TLSA list", |p| {
            !(p.policy_type == PolicyType::Tlsa
                && p.policy_string.len() == 1
                && p.policy_string[0].trim_start().starts_with('['))
        })
}

fn detail() -> impl Strategy<Value = FailureDetail> {
    (
        prop_oneof![
            Just("certificate-expired".to_owned()),
            Just("sts-policy-fetch-error".to_owned()),
            text()
        ],
        (text(), text(), proptest::option::of(text()), text()),
        any::<u64>(),
        (proptest::option::of(text()), proptest::option::of(text())),
    )
        .prop_map(
            |(rt, (ip, mx, helo, rip), count, (info, code))| FailureDetail {
                result_type: ResultType::parse(&rt),
                sending_mta_ip: ip,
                receiving_mx_hostname: mx,
                receiving_mx_helo: helo,
                receiving_ip: rip,
                failed_session_count: count,
                additional_information: info,
                failure_reason_code: code,
            },
        )
}

fn report() -> impl Strategy<Value = Report> {
    let entry = (
        policy(),
        any::<(u64, u64)>(),
        prop::collection::vec(detail(), 0..4),
    )
        .prop_map(|(policy, (ok, failed), failure_details)| PolicyResult {
            policy,
            summary: Summary {
                total_successful_session_count: ok,
                total_failure_session_count: failed,
            },
            failure_details,
        });
    (
        text(),
        (datetime(), datetime()),
        text(),
        text(),
        prop::collection::vec(entry, 0..4),
    )
        .prop_map(
            |(organization_name, (start, end), contact_info, report_id, policies)| Report {
                organization_name,
                date_range: DateRange {
                    start_datetime: start,
                    end_datetime: end,
                },
                contact_info,
                report_id,
                policies,
            },
        )
}

/// A failure row as an MTA records it (decision D21 of docs/CONFORMANCE.md): any
/// registry result type; the sending address and the MX host name are known for a
/// session failure and may be unknown for a policy failure; everything else may be
/// unknown.
fn failure_key() -> impl Strategy<Value = FailureKey> {
    let ip = || {
        prop_oneof![
            any::<[u8; 4]>().prop_map(std::net::IpAddr::from),
            any::<[u16; 8]>().prop_map(std::net::IpAddr::from),
        ]
    };
    let opt = |s: &'static str| proptest::option::of(s);
    (
        0..ResultType::REGISTRY.len(),
        (ip(), any::<bool>()),
        ("[a-z0-9-]{1,10}\\.example", any::<bool>()),
        (opt("[a-z0-9.-]{0,12}"), proptest::option::of(ip())),
        opt("[A-Za-z0-9_ -]{0,16}"),
    )
        .prop_map(|(i, (ip, ip_known), (mx, mx_known), (helo, rip), code)| {
            let result_type = ResultType::REGISTRY[i].clone();
            let session = !matches!(
                result_type,
                ResultType::StsPolicyFetchError
                    | ResultType::StsPolicyInvalid
                    | ResultType::StsWebpkiInvalid
                    | ResultType::TlsaInvalid
                    | ResultType::DnssecInvalid
                    | ResultType::DaneRequired
            );
            let mut key = FailureKey::new(result_type);
            key.sending_mta_ip = (session || ip_known).then_some(ip);
            key.receiving_mx_hostname = (session || mx_known).then_some(mx);
            key.receiving_mx_helo = helo;
            key.receiving_ip = rip;
            key.failure_reason_code = code;
            key
        })
}

const SEEDS: [&[u8]; 4] = [
    include_bytes!("data/parsedmarc__rfc8460_example.json"),
    include_bytes!("data/dmarc-report-viewer__microsoft.json"),
    include_bytes!("data/mail-auth__rpt03.json"),
    include_bytes!("data/mail-auth__rpt02.eml"),
];

proptest! {
    /// Corpus files with bytes overwritten and truncated: the parsers never panic,
    /// and whatever the tolerant parser accepts survives a write-read round trip.
    #[test]
    fn mutated_corpus_never_panics(
        seed in 0..SEEDS.len(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut data = SEEDS[seed].to_vec();
        for (at, byte) in edits {
            let i = at.index(data.len());
            data[i] = byte;
        }
        data.truncate(cut.index(data.len() + 1).max(data.len() / 2));
        let _ = Report::from_json(&data);
        if let Ok((report, _)) = Report::from_json_lenient(&data) {
            let (again, _) = Report::from_json_lenient(report.to_json().as_bytes()).unwrap();
            prop_assert_eq!(again, report);
        }
        let _ = tls_rpt_core::read_email(&data, &tls_rpt_core::IntakeLimits::default());
    }

    #[test]
    fn record_display_parse_round_trip(
        rua in prop::collection::vec(uri(), 1..4),
        extensions in prop::collection::vec(extension(), 0..3),
    ) {
        let record = TlsRptRecord::new(rua, extensions).unwrap();
        let text = record.to_string();
        let parsed = TlsRptRecord::parse(&text).unwrap();
        prop_assert_eq!(&parsed, &record);
        prop_assert!(parsed.warnings().is_empty());
        prop_assert_eq!(parsed.to_string(), text);
    }

    #[test]
    fn record_parser_never_panics(s in "v=TLSRPTv1[ ;a-z=:/@.,!%\t-]{0,40}|\\PC{0,40}") {
        let _ = TlsRptRecord::parse(&s);
        let _ = TlsRptRecord::from_txt_records([[s.as_bytes()]]);
    }

    #[test]
    fn report_json_round_trip(report in report()) {
        let json = report.to_json();
        let (parsed, _) = Report::from_json_lenient(json.as_bytes()).unwrap();
        prop_assert_eq!(&parsed, &report);
        prop_assert_eq!(parsed.to_json(), json);
    }

    /// D21: what the aggregator generates, the strict parser accepts unchanged.
    #[test]
    fn d21_generated_reports_parse_strictly(
        keys in prop::collection::vec(failure_key(), 0..12),
        successes in 0u64..1000,
    ) {
        let policy = Policy {
            policy_type: PolicyType::Sts,
            policy_string: vec!["version: STSv1".into(), "mode: testing".into(),
                "mx: *.example.net".into(), "max_age: 86400".into()],
            policy_domain: "example.net".into(),
            mx_host: vec!["*.example.net".into()],
        };
        let mut agg = Aggregator::default();
        let id = agg.policy_id(&policy).unwrap();
        agg.record_successes(id, successes).unwrap();
        for key in keys {
            agg.record_failure(id, key).unwrap();
        }
        let meta = ReportMeta {
            organization_name: "Sender Inc.".into(),
            contact_info: "tlsrpt@mail.sender.example".into(),
            day: chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
        };
        for report in agg.finish(&meta, |d| format!("2026-11-28_{d}")) {
            let json = report.to_json();
            prop_assert_eq!(Report::from_json(json.as_bytes()), Ok(report));
        }
    }

    #[test]
    fn report_parsers_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = Report::from_json(&bytes);
        let _ = Report::from_json_lenient(&bytes);
        let _ = tls_rpt_core::read_report_file(&bytes, &tls_rpt_core::IntakeLimits::default());
        let _ = tls_rpt_core::read_email(&bytes, &tls_rpt_core::IntakeLimits::default());
    }
}
