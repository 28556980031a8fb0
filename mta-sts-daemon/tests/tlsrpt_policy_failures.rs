//! Policy failures only the policy daemon sees are counted into the TLS-RPT day state,
//! for domains with a `_smtp._tls` record, unless the answer hands them to Postfix.

mod support;

use std::time::{Duration, Instant, SystemTime};

use loopback::https::Reply as HttpReply;
use mta_sts_daemon::tlsrpt::{DayKey, Days, TlsRptStore};
use mta_sts_postfix::Reply;
use support::{ENFORCE, Running, World};
use tls_rpt_core::{AggregatorConfig, PolicyType, ReportMeta, ResultType};

const RECORD: &str = "v=TLSRPTv1; rua=mailto:tlsrpt@broken.test";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rfc8460_s4_3_2_2_fetch_errors_seen_by_the_daemon_are_reported() {
    let mut world = World::new(&[
        ("broken.test", "1", Some(ENFORCE)),
        ("quiet.test", "1", Some(ENFORCE)),
    ]);
    for d in ["broken.test", "quiet.test"] {
        world.set_policy(d, HttpReply::status(500, "Internal Server Error"));
    }
    world.set_tlsrpt("broken.test", RECORD);
    let state = tempfile::tempdir().unwrap();
    let socket = state.path().join("tlsrpt.sock");
    let daemon = Running::start(
        &format!(
            "[profiles.strict-tlsrpt]\nfail-closed = true\ntlsrpt = true\n[tlsrpt]\nsocket = \"{}\"\ncommit-window = 0.1\norganization-name = \"o\"\ncontact-info = \"t@o.test\"\n",
            socket.display()
        ),
        &world.overrides(state.path()),
    )
    .await;
    // Delivered without MTA-STS, as RFC 8461 §5.1 says: Postfix cannot see the error.
    assert_eq!(daemon.ask("postfix", "broken.test").await, Reply::NotFound);
    assert_eq!(daemon.ask("postfix", "broken.test").await, Reply::NotFound);
    assert_eq!(daemon.ask("postfix", "quiet.test").await, Reply::NotFound);
    // Handed to Postfix (policy_failure=): Postfix reports it, we do not.
    let handed = daemon.ask("strict-tlsrpt", "broken.test").await;
    assert!(
        matches!(&handed, Reply::Ok(t) if t.contains("policy_failure=sts-policy-fetch-error")),
        "{handed:?}"
    );

    let day = Days::day_of(SystemTime::now());
    let key = DayKey {
        day,
        domain: "broken.test".into(),
        record: RECORD.into(),
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    let report = loop {
        let mut days = Days::new(10, AggregatorConfig::default());
        TlsRptStore::open(state.path())
            .unwrap()
            .load_into(&mut days)
            .unwrap();
        let meta = ReportMeta {
            organization_name: "o".into(),
            contact_info: "t@o.test".into(),
            day,
        };
        if let Some(agg) = days.get(&key) {
            let r = agg.finish(&meta, |_| "id".into()).remove(0);
            if r.policies[0].summary.total_failure_session_count >= 2 {
                assert_eq!(days.len(), 1, "quiet.test has no _smtp._tls record");
                break r;
            }
        }
        assert!(Instant::now() < deadline, "policy failures not counted");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let p = &report.policies[0];
    assert_eq!(p.policy.policy_type, PolicyType::Sts);
    assert_eq!(p.policy.policy_domain, "broken.test");
    assert_eq!(p.summary.total_failure_session_count, 2);
    assert_eq!(p.summary.total_successful_session_count, 0);
    assert_eq!(p.failure_details.len(), 1);
    assert_eq!(
        p.failure_details[0].result_type,
        ResultType::StsPolicyFetchError
    );
    assert_eq!(p.failure_details[0].failed_session_count, 2);
    daemon.stop().await;
}
