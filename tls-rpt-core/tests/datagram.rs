//! The libtlsrpt datagrams real Postfix 3.10.13 sent, parsed, counted and turned into a
//! report that our strict parser reads back.

use chrono::NaiveDate;
use tls_rpt_core::{
    Aggregator, Datagram, DatagramNote, PolicyType, Report, ReportMeta, ResultType,
};

fn real_datagrams() -> Vec<String> {
    include_str!("data/libtlsrpt/postfix-3.10.13.datagrams")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(str::to_owned)
        .collect()
}

fn meta() -> ReportMeta {
    ReportMeta {
        organization_name: "Sender".into(),
        contact_info: "tlsrpt@sender.test".into(),
        day: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
    }
}

#[test]
fn real_postfix_datagrams_parse_without_dpv() {
    let all = real_datagrams();
    assert_eq!(all.len(), 3);
    let parsed: Vec<Datagram> = all
        .iter()
        .map(|d| Datagram::parse(d.as_bytes()).unwrap())
        .collect();
    for d in &parsed {
        assert_eq!(d.version, None);
        assert_eq!(d.notes, [DatagramNote::NoVersion]);
    }

    let ok = &parsed[0];
    assert_eq!(ok.domain, "example.test");
    assert_eq!(ok.record, "v=TLSRPTv1; rua=mailto:tlsrpt@example.test");
    let p = &ok.policies[0];
    assert_eq!(p.policy.policy_type, PolicyType::Sts);
    assert_eq!(p.policy.policy_domain, "example.test");
    assert_eq!(
        p.policy.policy_string,
        [
            "mx: mx1.example.test",
            "version: STSv1",
            "mode: enforce",
            "max_age: 86400"
        ]
    );
    assert_eq!(p.policy.mx_host, ["mx1.example.test"]);
    assert!(!p.failed);
    assert!(p.failures.is_empty());

    let bad = &parsed[1].policies[0];
    assert!(bad.failed);
    let f = &bad.failures[0];
    assert_eq!(f.code, 202);
    assert_eq!(f.key.result_type, ResultType::CertificateHostMismatch);
    assert_eq!(f.key.sending_mta_ip, Some("127.0.0.1".parse().unwrap()));
    assert_eq!(f.key.receiving_mx_hostname.as_deref(), Some("mx1.bad.test"));
    assert_eq!(
        f.key.receiving_mx_helo.as_deref(),
        Some("250-mx1.bad.test\r\n250-SIZE 33554432\r\n250 HELP")
    );
    assert_eq!(f.key.receiving_ip, Some("127.0.0.21".parse().unwrap()));

    let none = &parsed[2].policies[0];
    assert_eq!(none.policy.policy_type, PolicyType::NoPolicyFound);
    assert!(none.policy.policy_string.is_empty());
}

#[test]
fn with_dpv_1_there_is_no_note() {
    for d in real_datagrams() {
        let with = d.replacen('{', r#"{"dpv":"1","#, 1);
        let parsed = Datagram::parse(with.as_bytes()).unwrap();
        assert_eq!(parsed.version.as_deref(), Some("1"));
        assert!(parsed.notes.is_empty());
        assert_eq!(
            parsed.policies,
            Datagram::parse(d.as_bytes()).unwrap().policies
        );
    }
}

#[test]
fn rfc8460_s4_4_counted_datagrams_make_a_report_the_strict_parser_reads_back() {
    let all = real_datagrams();
    let bad = Datagram::parse(all[1].as_bytes()).unwrap();
    let mut agg = Aggregator::default();
    for _ in 0..3 {
        bad.record_into(&mut agg).unwrap();
    }
    // The same policy succeeding once, as Postfix would report it.
    let ok_json = all[1]
        .replace(r#""t":1,"f":1"#, r#""t":0,"f":0"#)
        .replace(r#""failure-details":[{"c":202,"s": "127.0.0.1","n": "mx1.bad.test","h": "250-mx1.bad.test\r\n250-SIZE 33554432\r\n250 HELP","r": "127.0.0.21"}],"#, "");
    Datagram::parse(ok_json.as_bytes())
        .unwrap()
        .record_into(&mut agg)
        .unwrap();
    let reports = agg.finish(&meta(), |d| format!("2026-12-01.{d}"));
    assert_eq!(reports.len(), 1);
    let report = &reports[0];
    let back = Report::from_json(report.to_json().as_bytes()).unwrap();
    assert_eq!(&back, report);
    let p = &back.policies[0];
    assert_eq!(p.policy.policy_domain, "bad.test");
    assert_eq!(p.summary.total_successful_session_count, 1);
    assert_eq!(p.summary.total_failure_session_count, 3);
    assert_eq!(p.failure_details.len(), 1);
    let row = &p.failure_details[0];
    assert_eq!(row.result_type, ResultType::CertificateHostMismatch);
    assert_eq!(row.failed_session_count, 3);
    assert_eq!(row.sending_mta_ip, "127.0.0.1");
    assert_eq!(row.receiving_ip, "127.0.0.21");
    assert_eq!(row.receiving_mx_hostname, "mx1.bad.test");
}

#[test]
fn several_policies_in_one_datagram_count_separately() {
    let json = r#"{"dpv":"1","d":"multi.test","pr":"v=TLSRPTv1; rua=mailto:r@multi.test","policies":[
        {"policy-type":1,"policy-domain":"multi.test","policy-string":["3 1 1 abcd"],"mx-host":["mx.multi.test"],
         "failure-details":[{"c":304,"n":"mx.multi.test"},{"c":305,"n":"mx.multi.test","f":"bogus-ds"}],"t":2,"f":1},
        {"policy-type":2,"policy-domain":"multi.test","policy-string":["version: STSv1","mode: testing","mx: mx.multi.test","max_age: 600"],"mx-host":["mx.multi.test"],"t":0,"f":0}]}"#;
    let d = Datagram::parse(json.as_bytes()).unwrap();
    assert!(d.notes.is_empty());
    let mut agg = Aggregator::default();
    d.record_into(&mut agg).unwrap();
    let report = &agg.finish(&meta(), |_| "r".into())[0];
    assert_eq!(report.policies.len(), 2);
    let tlsa = report
        .policies
        .iter()
        .find(|p| p.policy.policy_type == PolicyType::Tlsa)
        .unwrap();
    assert_eq!(tlsa.summary.total_failure_session_count, 1);
    let types: Vec<&str> = tlsa
        .failure_details
        .iter()
        .map(|r| r.result_type.as_str())
        .collect();
    assert_eq!(types, ["tlsa-invalid", "dnssec-invalid"]);
    assert_eq!(
        tlsa.failure_details[1].failure_reason_code.as_deref(),
        Some("bogus-ds")
    );
    let sts = report
        .policies
        .iter()
        .find(|p| p.policy.policy_type == PolicyType::Sts)
        .unwrap();
    assert_eq!(sts.summary.total_successful_session_count, 1);
}

#[test]
fn every_truncation_of_a_real_datagram_is_an_error_not_a_panic() {
    for d in real_datagrams() {
        let bytes = d.as_bytes();
        for cut in 0..bytes.len() {
            assert!(Datagram::parse(&bytes[..cut]).is_err());
        }
    }
}
