//! Scenario tests of the TLS-RPT aggregator (RFC 8460 §4), through the exported C API.

mod common;

use std::ptr;

use mta_sts::*;
use tls_rpt_core::{Aggregator, AggregatorConfig, Policy};

use common::*;
use mta_sts_core::limits::MAX_UNIX_TIME_SECS;

const POLICY: &[u8] =
    b"version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmax_age: 604800\r\n";
/// 2026-11-28T12:00:00Z.
const NOON: u64 = 1_795_867_200;

fn b(s: &str) -> mta_sts_bytes {
    mta_sts_bytes {
        data: s.as_ptr(),
        len: s.len(),
    }
}

fn new(cap: usize) -> *mut mta_sts_aggregator {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let mut agg = ptr::null_mut();
        assert_eq!(
            mta_sts_aggregator_new(cap, &raw mut agg),
            mta_sts_status::Ok
        );
        agg
    }
}

fn policy() -> *mut mta_sts_policy {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let mut p = ptr::null_mut();
        assert_eq!(
            mta_sts_policy_parse(POLICY.as_ptr(), POLICY.len(), &raw mut p),
            mta_sts_status::Ok
        );
        p
    }
}

fn add_sts(agg: *mut mta_sts_aggregator, domain: &str) -> Result<usize, mta_sts_status> {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let p = policy();
        let mut index = usize::MAX;
        let status = mta_sts_aggregator_add_sts_policy(
            agg,
            p,
            domain.as_ptr(),
            domain.len(),
            &raw mut index,
        );
        mta_sts_policy_free(p);
        match status {
            mta_sts_status::Ok => Ok(index),
            other => Err(other),
        }
    }
}

fn failure(result_type: mta_sts_result_type, receiving_ip: &str) -> mta_sts_rpt_failure {
    mta_sts_rpt_failure {
        result_type: result_type as u32,
        sending_mta_ip: b("192.0.2.1"),
        receiving_mx_hostname: b("mail.example.com"),
        receiving_mx_helo: b(""),
        receiving_ip: b(receiving_ip),
        failure_reason_code: b(""),
    }
}

fn export(agg: *const mta_sts_aggregator) -> String {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let mut len = 0usize;
        assert_eq!(
            mta_sts_aggregator_export(agg, ptr::null_mut(), 0, &raw mut len),
            mta_sts_status::BufferTooSmall
        );
        let mut buf = vec![0u8; len];
        assert_eq!(
            mta_sts_aggregator_export(agg, buf.as_mut_ptr(), buf.len(), &raw mut len),
            mta_sts_status::Ok
        );
        assert_eq!(len, buf.len());
        String::from_utf8(buf).unwrap()
    }
}

fn meta() -> mta_sts_rpt_meta {
    mta_sts_rpt_meta {
        organization_name: b("Sender Inc."),
        contact_info: b("tlsrpt@mail.sender.example"),
        report_id_prefix: b("2026-11-28_"),
        day: NOON,
    }
}

/// Finishes and returns each report's JSON.
fn finish(agg: *const mta_sts_aggregator) -> Vec<String> {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let mut list = ptr::null_mut();
        let m = meta();
        assert_eq!(
            mta_sts_aggregator_finish(agg, &raw const m, &raw mut list),
            mta_sts_status::Ok
        );
        let mut n = 0usize;
        assert_eq!(
            mta_sts_report_list_count(list, &raw mut n),
            mta_sts_status::Ok
        );
        let jsons = (0..n)
            .map(|i| {
                let mut report: *mut mta_sts_report = ptr::null_mut();
                assert_eq!(
                    mta_sts_report_list_get(list, i, &raw mut report),
                    mta_sts_status::Ok
                );
                let mut json = str_view("");
                assert_eq!(
                    mta_sts_report_json(report, &raw mut json),
                    mta_sts_status::Ok
                );
                let text = view_text(json).to_owned();
                mta_sts_report_free(report);
                text
            })
            .collect();
        let mut report = ptr::null_mut();
        assert_eq!(
            mta_sts_report_list_get(list, n, &raw mut report),
            mta_sts_status::IndexOutOfRange
        );
        assert!(report.is_null());
        mta_sts_report_list_free(list);
        jsons
    }
}

#[test]
fn the_default_cap_is_the_cores() {
    assert_eq!(
        MTA_STS_RPT_DEFAULT_MAX_FAILURE_ROWS,
        tls_rpt_core::limits::DEFAULT_MAX_FAILURE_ROWS_PER_POLICY
    );
}

#[test]
fn rfc8460_s4_4_sessions_of_an_sts_policy_become_one_report_per_domain() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let agg = new(MTA_STS_RPT_DEFAULT_MAX_FAILURE_ROWS);
        let sts = add_sts(agg, "Example.COM.").unwrap();
        assert_eq!(
            add_sts(agg, "example.com"),
            Ok(sts),
            "same policy, same index"
        );
        let mut none = usize::MAX;
        let org = "example.org";
        assert_eq!(
            mta_sts_aggregator_add_no_policy_found(agg, org.as_ptr(), org.len(), &raw mut none),
            mta_sts_status::Ok
        );
        assert_ne!(none, sts);
        for _ in 0..3 {
            assert_eq!(
                mta_sts_aggregator_record_success(agg, sts),
                mta_sts_status::Ok
            );
        }
        assert_eq!(
            mta_sts_aggregator_record_successes(agg, none, 5),
            mta_sts_status::Ok
        );

        // The failure handle of the MX decision gives the result type and reason code.
        let p = policy();
        let host = "mx.attacker.example";
        let mut f = ptr::null_mut();
        assert_eq!(
            mta_sts_policy_check_mx(p, host.as_ptr(), host.len(), &raw mut f),
            mta_sts_status::Ok
        );
        let mut row = failure(mta_sts_result_type::StarttlsNotSupported, "");
        assert_eq!(
            mta_sts_rpt_failure_from_failure(f, &raw mut row),
            mta_sts_status::Ok
        );
        assert_eq!(
            row.result_type,
            mta_sts_result_type::ValidationFailure as u32
        );
        assert_eq!(row.sending_mta_ip.len, 0);
        assert!(!row.sending_mta_ip.data.is_null());
        row.receiving_mx_hostname = b(host);
        row.receiving_ip = b("2001:DB8::7");
        assert_eq!(
            mta_sts_aggregator_record_failure(agg, sts, &raw const row),
            mta_sts_status::Ok
        );
        assert_eq!(
            mta_sts_aggregator_record_failure(agg, sts, &raw const row),
            mta_sts_status::Ok
        );
        mta_sts_failure_free(f);
        mta_sts_policy_free(p);

        let mut count = 0usize;
        assert_eq!(
            mta_sts_aggregator_policy_count(agg, &raw mut count),
            mta_sts_status::Ok
        );
        assert_eq!(count, 2);
        let reports = finish(agg);
        assert_eq!(reports.len(), 2);
        let com = &reports[0];
        assert!(
            com.contains(r#""report-id":"2026-11-28_example.com""#),
            "{com}"
        );
        assert!(
            com.contains(
                r#""start-datetime":"2026-11-28T00:00:00Z","end-datetime":"2026-11-28T23:59:59Z""#
            ),
            "{com}"
        );
        assert!(com.contains(r#""policy-domain":"example.com""#), "{com}");
        assert!(com.contains(r#""mx-host":["mail.example.com"]"#), "{com}");
        assert!(
            com.contains(r#""total-successful-session-count":3,"total-failure-session-count":2"#),
            "{com}"
        );
        assert!(
            com.contains(r#""receiving-ip":"2001:db8::7""#),
            "RFC 5952 form: {com}"
        );
        assert!(
            com.contains(r#""failure-reason-code":"mtasts-policy-mx-mismatch""#),
            "{com}"
        );
        assert!(com.contains(r#""failed-session-count":2"#), "{com}");
        let org_report = &reports[1];
        assert!(
            org_report.contains(r#""policy-type":"no-policy-found""#),
            "{org_report}"
        );
        assert!(
            org_report.contains(r#""total-successful-session-count":5"#),
            "{org_report}"
        );
        mta_sts_aggregator_free(agg);
    }
}

#[test]
fn rfc8460_s4_4_sts_policy_is_the_cores_from_sts_descriptor() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        // CRLF, a trailing dot and upper case: the served lines stay, mx-host is canonical.
        let body =
            b"version: STSv1\r\nmode: testing\r\nmx: MAIL.example.com.\r\nmax_age: 86400\r\n";
        let mut p = ptr::null_mut();
        assert_eq!(
            mta_sts_policy_parse(body.as_ptr(), body.len(), &raw mut p),
            mta_sts_status::Ok
        );
        let agg = new(10);
        let mut index = usize::MAX;
        let d = "example.com";
        assert_eq!(
            mta_sts_aggregator_add_sts_policy(agg, p, d.as_ptr(), d.len(), &raw mut index),
            mta_sts_status::Ok
        );
        mta_sts_policy_free(p);
        let mut core = Aggregator::new(AggregatorConfig::with_max_failure_rows_per_policy(10));
        let core_policy = mta_sts_core::Policy::parse(body).unwrap();
        core.policy_id(&Policy::from_sts(&core_policy, "example.com"))
            .unwrap();
        assert_eq!(export(agg), serde_json::to_string(&core).unwrap());
        mta_sts_aggregator_free(agg);
    }
}

#[test]
fn rfc8460_s4_4_tlsa_policy_keeps_its_records_as_policy_string() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let agg = new(10);
        let records = [b("3 1 1 0123abcd"), b("3 1 1 4567ef00")];
        let base = "MX1.example.net";
        let mut index = usize::MAX;
        assert_eq!(
            mta_sts_aggregator_add_tlsa_policy(
                agg,
                base.as_ptr(),
                base.len(),
                records.as_ptr(),
                2,
                &raw mut index
            ),
            mta_sts_status::Ok
        );
        assert_eq!(
            mta_sts_aggregator_record_success(agg, index),
            mta_sts_status::Ok
        );
        let json = &finish(agg)[0];
        assert!(
        json.contains(r#""policy-type":"tlsa","policy-string":["3 1 1 0123abcd","3 1 1 4567ef00"],"policy-domain":"mx1.example.net""#),
        "{json}"
    );
        let bad = [mta_sts_bytes {
            data: b"\xff".as_ptr(),
            len: 1,
        }];
        assert_eq!(
            mta_sts_aggregator_add_tlsa_policy(
                agg,
                base.as_ptr(),
                base.len(),
                bad.as_ptr(),
                1,
                &raw mut index
            ),
            mta_sts_status::InvalidUtf8
        );
        mta_sts_aggregator_free(agg);
    }
}

#[test]
fn state_round_trips_through_export_and_import() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let agg = new(5);
        let sts = add_sts(agg, "example.com").unwrap();
        assert_eq!(
            mta_sts_aggregator_record_successes(agg, sts, 7),
            mta_sts_status::Ok
        );
        let row = failure(mta_sts_result_type::CertificateExpired, "198.51.100.7");
        assert_eq!(
            mta_sts_aggregator_record_failure(agg, sts, &raw const row),
            mta_sts_status::Ok
        );
        let state = export(agg);

        let mut restored = ptr::null_mut();
        assert_eq!(
            mta_sts_aggregator_import(state.as_ptr(), state.len(), &raw mut restored),
            mta_sts_status::Ok
        );
        assert_eq!(export(restored), state);
        assert_eq!(finish(restored), finish(agg));
        // Indexes are not in the state: registering again gives the restored policy's.
        let again = add_sts(restored, "example.com").unwrap();
        assert_eq!(
            mta_sts_aggregator_record_success(restored, again),
            mta_sts_status::Ok
        );
        assert!(
            export(restored).contains(r#""successes":8"#),
            "{}",
            export(restored)
        );
        mta_sts_aggregator_free(restored);
        mta_sts_aggregator_free(agg);
    }
}

#[test]
fn a_too_small_export_buffer_gets_only_the_needed_length() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let agg = new(5);
        add_sts(agg, "example.com").unwrap();
        let needed = export(agg).len();
        let mut buf = vec![0xAAu8; needed - 1];
        let mut len = 0usize;
        assert_eq!(
            mta_sts_aggregator_export(agg, buf.as_mut_ptr(), buf.len(), &raw mut len),
            mta_sts_status::BufferTooSmall
        );
        assert_eq!(len, needed);
        assert!(buf.iter().all(|b| *b == 0xAA));
        assert_eq!(
            mta_sts_aggregator_export(agg, ptr::null_mut(), 1, &raw mut len),
            mta_sts_status::NullParameter
        );
        mta_sts_aggregator_free(agg);
    }
}

#[test]
fn a_bad_state_is_refused_and_leaves_the_output_alone() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let sentinel = ptr::dangling_mut::<mta_sts_aggregator>();
        let cases: [(&[u8], mta_sts_status); 4] = [
        (b"{", mta_sts_status::RptAggregatorStateJsonSyntax),
        (b"not json", mta_sts_status::RptAggregatorStateJsonSyntax),
        (b"{\"config\":1}", mta_sts_status::RptAggregatorStateInvalid),
        (
            br#"{"config":{"max-failure-rows-per-policy":0},"policies":[{"policy":{"policy-type":"sts","policy-string":[],"policy-domain":"a","mx-host":[]},"successes":1,"failures":1,"overflow-sessions":0,"rows":[{"key":{"result-type":"certificate-expired"},"sessions":1}]}]}"#,
            mta_sts_status::RptAggregatorStateInvalid,
        ),
    ];
        for (json, status) in cases {
            let mut out = sentinel;
            assert_eq!(
                mta_sts_aggregator_import(json.as_ptr(), json.len(), &raw mut out),
                status
            );
            assert_eq!(out, sentinel);
        }
    }
}

#[test]
fn merge_adds_counts_in_any_order_and_may_merge_a_handle_into_itself() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let (a, b_) = (new(10), new(10));
        let ia = add_sts(a, "example.com").unwrap();
        let ib = add_sts(b_, "example.net").unwrap();
        assert_eq!(
            mta_sts_aggregator_record_successes(a, ia, 2),
            mta_sts_status::Ok
        );
        assert_eq!(
            mta_sts_aggregator_record_successes(b_, ib, 3),
            mta_sts_status::Ok
        );
        let (a2, b2) = (new(10), new(10));
        assert_eq!(mta_sts_aggregator_merge(a2, a), mta_sts_status::Ok);
        assert_eq!(mta_sts_aggregator_merge(a2, b_), mta_sts_status::Ok);
        assert_eq!(mta_sts_aggregator_merge(b2, b_), mta_sts_status::Ok);
        assert_eq!(mta_sts_aggregator_merge(b2, a), mta_sts_status::Ok);
        assert_eq!(export(a2), export(b2));
        assert_eq!(mta_sts_aggregator_merge(a, a), mta_sts_status::Ok);
        assert!(export(a).contains(r#""successes":4"#), "{}", export(a));
        // `a`'s index is still valid after the merge.
        assert_eq!(mta_sts_aggregator_record_success(a, ia), mta_sts_status::Ok);
        assert_eq!(
            mta_sts_aggregator_merge(a, ptr::null()),
            mta_sts_status::NullParameter
        );
        assert_eq!(
            mta_sts_aggregator_merge(ptr::null_mut(), a),
            mta_sts_status::NullParameter
        );
        for h in [a, b_, a2, b2] {
            mta_sts_aggregator_free(h);
        }
    }
}

#[test]
fn rfc8460_s4_4_rows_past_the_cap_still_count_as_failed_sessions() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let agg = new(1);
        let i = add_sts(agg, "example.com").unwrap();
        for ip in ["198.51.100.1", "198.51.100.2", "198.51.100.3"] {
            let row = failure(mta_sts_result_type::CertificateExpired, ip);
            assert_eq!(
                mta_sts_aggregator_record_failure(agg, i, &raw const row),
                mta_sts_status::Ok
            );
        }
        let mut overflow = 0u64;
        assert_eq!(
            mta_sts_aggregator_overflow_sessions(agg, i, &raw mut overflow),
            mta_sts_status::Ok
        );
        assert_eq!(overflow, 2);
        assert!(finish(agg)[0].contains(r#""total-failure-session-count":3"#));
        assert_eq!(
            mta_sts_aggregator_overflow_sessions(agg, i + 1, &raw mut overflow),
            mta_sts_status::RptAggregatorUnknownPolicy
        );
        assert_eq!(overflow, 2);
        mta_sts_aggregator_free(agg);
    }
}

#[test]
fn rfc8460_s4_3_a_session_under_several_failure_types_counts_once() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let agg = new(10);
        let i = add_sts(agg, "example.com").unwrap();
        let rows = [
            failure(mta_sts_result_type::CertificateExpired, "198.51.100.1"),
            failure(mta_sts_result_type::CertificateHostMismatch, "198.51.100.1"),
        ];
        assert_eq!(
            mta_sts_aggregator_record_failure_session(agg, i, rows.as_ptr(), 2),
            mta_sts_status::Ok
        );
        let json = &finish(agg)[0];
        assert!(
            json.contains(r#""total-failure-session-count":1"#),
            "{json}"
        );
        assert_eq!(
            json.matches(r#""failed-session-count":1"#).count(),
            2,
            "{json}"
        );
        assert_eq!(
            mta_sts_aggregator_record_failure_session(agg, i, rows.as_ptr(), 0),
            mta_sts_status::IndexOutOfRange
        );
        mta_sts_aggregator_free(agg);
    }
}

#[test]
fn invalid_failure_members_are_refused_before_anything_is_recorded() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let agg = new(10);
        let i = add_sts(agg, "example.com").unwrap();
        let before = export(agg);
        let mut bad_ip = failure(mta_sts_result_type::CertificateExpired, "198.51.100.300");
        assert_eq!(
            mta_sts_aggregator_record_failure(agg, i, &raw const bad_ip),
            mta_sts_status::RptInvalidIpAddress
        );
        bad_ip.receiving_ip = b("198.51.100.1");
        bad_ip.sending_mta_ip = b("mail.example");
        assert_eq!(
            mta_sts_aggregator_record_failure(agg, i, &raw const bad_ip),
            mta_sts_status::RptInvalidIpAddress
        );
        let mut bad_type = failure(mta_sts_result_type::CertificateExpired, "198.51.100.1");
        for value in [0, 12, u32::MAX] {
            bad_type.result_type = value;
            assert_eq!(
                mta_sts_aggregator_record_failure(agg, i, &raw const bad_type),
                mta_sts_status::RptInvalidResultType
            );
        }
        let mut bad_text = failure(mta_sts_result_type::CertificateExpired, "198.51.100.1");
        bad_text.receiving_mx_helo = mta_sts_bytes {
            data: b"\xc3".as_ptr(),
            len: 1,
        };
        assert_eq!(
            mta_sts_aggregator_record_failure(agg, i, &raw const bad_text),
            mta_sts_status::InvalidUtf8
        );
        bad_text.receiving_mx_helo = mta_sts_bytes {
            data: ptr::null(),
            len: 4,
        };
        assert_eq!(
            mta_sts_aggregator_record_failure(agg, i, &raw const bad_text),
            mta_sts_status::NullParameter
        );
        let good = failure(mta_sts_result_type::CertificateExpired, "198.51.100.1");
        assert_eq!(
            mta_sts_aggregator_record_failure(agg, i + 1, &raw const good),
            mta_sts_status::RptAggregatorUnknownPolicy
        );
        assert_eq!(
            mta_sts_aggregator_record_success(agg, i + 1),
            mta_sts_status::RptAggregatorUnknownPolicy
        );
        assert_eq!(
            mta_sts_aggregator_record_failure(agg, i, ptr::null()),
            mta_sts_status::NullParameter
        );
        assert_eq!(export(agg), before);
        mta_sts_aggregator_free(agg);
    }
}

#[test]
fn rfc8461_s3_4_bad_domains_and_null_arguments_are_statuses() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let agg = new(10);
        assert_eq!(
            add_sts(agg, "[192.0.2.1]"),
            Err(mta_sts_status::DomainAddressLiteral)
        );
        assert_eq!(add_sts(agg, ""), Err(mta_sts_status::DomainEmpty));
        assert_eq!(
            add_sts(agg, "a..b"),
            Err(mta_sts_status::DomainInvalidLabel)
        );
        let bad = b"ex\xffample.com";
        let mut index = 9usize;
        assert_eq!(
            mta_sts_aggregator_add_no_policy_found(agg, bad.as_ptr(), bad.len(), &raw mut index),
            mta_sts_status::InvalidUtf8
        );
        let p = policy();
        let d = "example.com";
        assert_eq!(
            mta_sts_aggregator_add_sts_policy(
                agg,
                ptr::null(),
                d.as_ptr(),
                d.len(),
                &raw mut index
            ),
            mta_sts_status::NullParameter
        );
        assert_eq!(
            mta_sts_aggregator_add_sts_policy(
                ptr::null_mut(),
                p,
                d.as_ptr(),
                d.len(),
                &raw mut index
            ),
            mta_sts_status::NullParameter
        );
        assert_eq!(
            mta_sts_aggregator_add_sts_policy(agg, p, d.as_ptr(), d.len(), ptr::null_mut()),
            mta_sts_status::NullParameter
        );
        assert_eq!(index, 9);
        let mut count = 9usize;
        assert_eq!(
            mta_sts_aggregator_policy_count(agg, &raw mut count),
            mta_sts_status::Ok
        );
        assert_eq!(count, 0, "failed calls registered nothing");
        assert_eq!(
            mta_sts_aggregator_new(1, ptr::null_mut()),
            mta_sts_status::NullParameter
        );
        let mut row = failure(mta_sts_result_type::CertificateExpired, "");
        assert_eq!(
            mta_sts_rpt_failure_from_failure(ptr::null(), &raw mut row),
            mta_sts_status::NullParameter
        );
        assert_eq!(
            row.result_type,
            mta_sts_result_type::CertificateExpired as u32
        );
        mta_sts_policy_free(p);
        mta_sts_aggregator_free(agg);
        mta_sts_aggregator_free(ptr::null_mut());
    }
}

#[test]
fn rfc8460_s4_1_finish_checks_meta_and_leaves_the_output_alone() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let agg = new(10);
        add_sts(agg, "example.com").unwrap();
        let sentinel = ptr::dangling_mut::<mta_sts_report_list>();
        let mut list = sentinel;
        let mut m = meta();
        m.day = u64::MAX;
        assert_eq!(
            mta_sts_aggregator_finish(agg, &raw const m, &raw mut list),
            mta_sts_status::RptTimeOutOfRange
        );
        m = meta();
        m.organization_name = mta_sts_bytes {
            data: b"\x80".as_ptr(),
            len: 1,
        };
        assert_eq!(
            mta_sts_aggregator_finish(agg, &raw const m, &raw mut list),
            mta_sts_status::InvalidUtf8
        );
        assert_eq!(
            mta_sts_aggregator_finish(agg, ptr::null(), &raw mut list),
            mta_sts_status::NullParameter
        );
        assert_eq!(list, sentinel);
        // The last second of 9999 is still a day a report can cover.
        m = meta();
        m.day = MAX_UNIX_TIME_SECS;
        assert_eq!(
            mta_sts_aggregator_finish(agg, &raw const m, &raw mut list),
            mta_sts_status::Ok
        );
        mta_sts_report_list_free(list);
        // An empty aggregator gives an empty list.
        let empty = new(10);
        assert!(finish(empty).is_empty());
        mta_sts_aggregator_free(empty);
        mta_sts_aggregator_free(agg);
    }
}
