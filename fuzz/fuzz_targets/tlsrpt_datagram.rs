//! libtlsrpt datagram (Postfix 3.10's TLS-RPT): `Datagram::parse`, then counting into an
//! `Aggregator` and building its reports.
//!
//! The input is the datagram. Seeds: the datagrams real Postfix 3.10.13 sent.
#![no_main]

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use tls_rpt_core::limits::{
    MAX_DATAGRAM_DOMAIN_LEN, MAX_DATAGRAM_FAILURE_DETAILS, MAX_DATAGRAM_LEN,
    MAX_DATAGRAM_LIST_ITEMS, MAX_DATAGRAM_POLICIES,
};
use tls_rpt_core::{Aggregator, Datagram, Report, ReportMeta};

fuzz_target!(|data: &[u8]| {
    let Ok(d) = Datagram::parse(data) else {
        return;
    };
    assert!(data.len() <= MAX_DATAGRAM_LEN);
    // JSON syntax only: a number out of f64 range inside an ignored member is valid
    // JSON that `serde_json::Value` would refuse.
    assert!(
        serde_json::from_slice::<serde::de::IgnoredAny>(data).is_ok(),
        "accepted non-JSON"
    );
    assert!(!d.domain.is_empty() && d.domain.len() <= MAX_DATAGRAM_DOMAIN_LEN);
    assert_eq!(d.domain, d.domain.to_ascii_lowercase());
    assert!(!d.record.is_empty());
    assert!(!d.policies.is_empty() && d.policies.len() <= MAX_DATAGRAM_POLICIES);
    for p in &d.policies {
        assert!(!p.policy.policy_domain.is_empty());
        assert!(p.failures.len() <= MAX_DATAGRAM_FAILURE_DETAILS);
        assert!(p.policy.policy_string.len() <= MAX_DATAGRAM_LIST_ITEMS);
        assert!(p.policy.mx_host.len() <= MAX_DATAGRAM_LIST_ITEMS);
        for f in &p.failures {
            // Every code is kept: unknown ones in the reason code.
            if tls_rpt_core::result_type_for_code(f.code).is_none() {
                let code = f.key.failure_reason_code.as_deref().unwrap_or_default();
                assert!(code.starts_with(&format!("libtlsrpt-code-{}", f.code)));
            }
        }
    }
    let mut agg = Aggregator::default();
    d.record_into(&mut agg)
        .expect("a parsed datagram always counts");
    let meta = ReportMeta {
        organization_name: "fuzz".into(),
        contact_info: "tlsrpt@fuzz.test".into(),
        day: NaiveDate::from_ymd_opt(2026, 12, 1).expect("valid date"),
    };
    let reports = agg.finish(&meta, |domain| format!("id.{domain}"));
    let mut sessions = 0u64;
    for r in &reports {
        let (back, _) = Report::from_json_lenient(r.to_json().as_bytes())
            .unwrap_or_else(|e| panic!("report from a datagram does not read back: {e}"));
        assert_eq!(&back, r);
        for p in &r.policies {
            sessions +=
                p.summary.total_successful_session_count + p.summary.total_failure_session_count;
        }
    }
    // Policies repeated within one datagram share a row in the report, sessions add up.
    assert_eq!(sessions, d.policies.len() as u64);
});
