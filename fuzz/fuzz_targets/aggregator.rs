//! The TLS-RPT aggregator: random sessions spread over three aggregators, then
//! `merge` must be commutative and associative, keep every session count, survive
//! its serde state round trip, and `finish` must be deterministic and give reports
//! that parse again.
#![no_main]

use arbitrary::Arbitrary;
use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use tls_rpt_core::{
    Aggregator, AggregatorConfig, FailureKey, Policy, PolicyType, Report, ReportMeta, ResultType,
};

#[derive(Arbitrary, Debug)]
struct Input {
    cap: u8,
    events: Vec<Event>,
}

#[derive(Arbitrary, Debug)]
struct Event {
    /// Which of the three aggregators sees the session.
    node: u8,
    policy: u8,
    kind: Kind,
}

#[derive(Arbitrary, Debug)]
enum Kind {
    Successes(u16),
    Failure(Vec<Key>),
}

#[derive(Arbitrary, Debug)]
struct Key {
    result_type: u8,
    sending_ip: Option<u8>,
    mx: Option<u8>,
    reason: Option<u8>,
}

fn policy(n: u8) -> Policy {
    let domain = ["example.com", "example.net"][usize::from(n % 2)];
    match n % 4 {
        0 | 1 => Policy {
            policy_type: PolicyType::Sts,
            policy_string: vec![
                "version: STSv1".into(),
                format!("mode: {}", ["enforce", "testing"][usize::from(n % 2)]),
                format!("mx: *.{domain}"),
                "max_age: 86400".into(),
            ],
            policy_domain: domain.into(),
            mx_host: vec![format!("*.{domain}")],
        },
        2 => Policy::no_policy_found(domain),
        _ => Policy::tlsa(domain, vec!["3 1 1 0123456789abcdef".into()]),
    }
}

fn key(k: &Key) -> FailureKey {
    let result_type = [
        ResultType::StarttlsNotSupported,
        ResultType::CertificateHostMismatch,
        ResultType::ValidationFailure,
        ResultType::StsPolicyFetchError,
    ][usize::from(k.result_type % 4)]
    .clone();
    let mut key = FailureKey::new(result_type);
    key.sending_mta_ip = k.sending_ip.map(|n| [192, 0, 2, n].into());
    key.receiving_mx_hostname = k.mx.map(|n| format!("mx{}.example.com", n % 8));
    key.failure_reason_code = k.reason.map(|n| format!("code-{}", n % 4));
    key
}

fn merged(a: &Aggregator, b: &Aggregator) -> Aggregator {
    let mut m = a.clone();
    m.merge(b.clone()).expect("merge");
    m
}

fn reports(agg: &Aggregator) -> Vec<Report> {
    let meta = ReportMeta {
        organization_name: "Fuzz Inc.".into(),
        contact_info: "tlsrpt@fuzz.example".into(),
        day: NaiveDate::from_ymd_opt(2026, 11, 28).expect("date"),
    };
    agg.finish(&meta, |domain| format!("2026-11-28T00:00:00Z_{domain}"))
}

fuzz_target!(|input: Input| {
    let config = AggregatorConfig::with_max_failure_rows_per_policy(usize::from(input.cap % 6) + 1);
    let mut nodes = [(); 3].map(|_| Aggregator::new(config));
    let mut single = Aggregator::new(AggregatorConfig::with_max_failure_rows_per_policy(
        usize::MAX,
    ));
    let mut successes = [0u64; 4];
    let mut failures = [0u64; 4];
    let mut key_sessions = [0u64; 4];
    let mut distinct = std::collections::BTreeSet::new();
    for event in input.events.iter().take(256) {
        let node = &mut nodes[usize::from(event.node % 3)];
        let p = policy(event.policy);
        let slot = usize::from(event.policy % 4);
        let id = node.policy_id(&p).expect("policy id");
        let sid = single.policy_id(&p).expect("policy id");
        match &event.kind {
            Kind::Successes(n) => {
                node.record_successes(id, u64::from(*n)).expect("record");
                single.record_successes(sid, u64::from(*n)).expect("record");
                successes[slot] += u64::from(*n);
            }
            Kind::Failure(keys) => {
                let keys: Vec<FailureKey> = keys.iter().take(4).map(key).collect();
                // One session, several types: each distinct key counts once.
                let unique: std::collections::BTreeSet<_> = keys.iter().cloned().collect();
                node.record_failure_session(id, unique.iter().cloned())
                    .expect("record");
                single
                    .record_failure_session(sid, unique.iter().cloned())
                    .expect("record");
                failures[slot] += 1;
                key_sessions[slot] += unique.len() as u64;
                distinct.extend(unique.into_iter().map(|k| (slot, k)));
            }
        }
    }
    let [a, b, c] = &nodes;

    // Commutative and associative.
    let ab = merged(a, b);
    assert_eq!(ab, merged(b, a), "merge is not commutative");
    let ab_c = merged(&ab, c);
    let a_bc = merged(a, &merged(b, c));
    assert_eq!(ab_c, a_bc, "merge is not associative");
    assert_eq!(ab_c, merged(&merged(c, a), b));

    // Counts are kept: sessions in the summary, row counts plus overflow per key.
    let all = reports(&ab_c);
    assert_eq!(all, reports(&a_bc), "finish is not deterministic");
    for slot in 0..4u8 {
        let p = policy(slot);
        let found = all.iter().flat_map(|r| &r.policies).find(|r| r.policy == p);
        let Some(result) = found else {
            assert_eq!(
                (successes[usize::from(slot)], failures[usize::from(slot)]),
                (0, 0)
            );
            continue;
        };
        assert_eq!(
            result.summary.total_successful_session_count,
            successes[usize::from(slot)]
        );
        assert_eq!(
            result.summary.total_failure_session_count,
            failures[usize::from(slot)]
        );
        let mut merged_again = ab_c.clone();
        let id = merged_again.policy_id(&p).expect("policy id");
        let rows: u64 = result
            .failure_details
            .iter()
            .map(|d| d.failed_session_count)
            .sum();
        let overflow = merged_again.overflow_sessions(id).expect("known id");
        assert_eq!(rows + overflow, key_sessions[usize::from(slot)]);
        assert!(result.failure_details.len() <= usize::from(input.cap % 6) + 1);
    }
    // Without the row cap, merging equals recording everything in one place.
    if distinct.len() <= usize::from(input.cap % 6) + 1 {
        let mut flat = Aggregator::new(config);
        flat.merge(single.clone()).expect("merge");
        assert_eq!(reports(&flat), all);
    }

    // Serde state round trip.
    let state = serde_json::to_string(&ab_c).expect("state serializes");
    let back: Aggregator = serde_json::from_str(&state).expect("state loads");
    assert_eq!(back, ab_c);

    // Reports parse again to the same values.
    for report in &all {
        let json = report.to_json();
        let (again, _) = Report::from_json_lenient(json.as_bytes())
            .unwrap_or_else(|e| panic!("finish output does not parse: {e}\n{json}"));
        assert_eq!(&again, report);
    }
});
