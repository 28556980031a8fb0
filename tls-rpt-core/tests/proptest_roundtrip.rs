//! Property tests: `parse(display(x)) == x` for the record, `parse(to_json(x)) == x`
//! for the report, and no panic on arbitrary input.

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use tls_rpt_core::{
    DateRange, Extension, FailureDetail, Policy, PolicyResult, PolicyType, Report, ReportUri,
    ResultType, Summary, TlsRptRecord,
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
        .prop_map(|(name, value)| Extension { name, value })
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

    #[test]
    fn report_parsers_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = Report::from_json(&bytes);
        let _ = Report::from_json_lenient(&bytes);
        let _ = tls_rpt_core::read_report_file(&bytes, &tls_rpt_core::IntakeLimits::default());
        let _ = tls_rpt_core::read_email(&bytes, &tls_rpt_core::IntakeLimits::default());
    }
}
