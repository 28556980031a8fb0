//! Every answer case on loopback: enforce, testing, none, no policy, fetch failures,
//! DNS failures and deadlines, persistence across restarts, id changes, refresh
//! failures, concurrent lookups.

mod support;

use std::time::{Duration, Instant};

use loopback::https::Reply as HttpReply;
use mta_sts_postfix::Reply;
use support::{ENFORCE, Running, World, policy, secure};

const MATCH: &str = "mx1.enforce.test:.mx.enforce.test";

const FAIL_CLOSED: &str = "[profiles.strict]\nfail-closed = true\n[profiles.strict-tlsrpt]\nfail-closed = true\ntlsrpt = true\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rfc8461_s5_answers_by_mode() {
    let world = World::new(&[
        ("enforce.test", "1", Some(ENFORCE)),
        (
            "testing.test",
            "1",
            Some(&policy("testing", "mx1.testing.test")),
        ),
        ("none.test", "1", Some(&policy("none", "mx1.none.test"))),
    ]);
    let state = tempfile::tempdir().unwrap();
    let daemon = Running::start(
        "[profiles.report-testing]\ntesting = \"may\"\ntlsrpt = true\n",
        &world.overrides(state.path()),
    )
    .await;
    assert_eq!(daemon.ask("postfix", "enforce.test").await, secure(MATCH));
    assert_eq!(
        daemon.ask("postfix-tlsrpt", "enforce.test").await,
        Reply::Ok(format!(
            "secure match={MATCH} servername=hostname policy_type=sts policy_domain=enforce.test \
             mx_host_pattern=mx1.enforce.test mx_host_pattern=*.mx.enforce.test \
             {{ policy_string = version: STSv1 }} {{ policy_string = mode: enforce }} \
             {{ policy_string = mx: mx1.enforce.test }} {{ policy_string = mx: *.mx.enforce.test }} \
             {{ policy_string = max_age: 86400 }}"
        ))
    );
    // testing never enforces; by default Postfix keeps its own settings.
    assert_eq!(daemon.ask("postfix", "testing.test").await, Reply::NotFound);
    assert_eq!(
        daemon.ask("postfix-tlsrpt", "testing.test").await,
        Reply::NotFound
    );
    let Reply::Ok(may) = daemon.ask("report-testing", "testing.test").await else {
        panic!()
    };
    assert!(
        may.starts_with("may policy_type=sts policy_domain=testing.test {"),
        "{may}"
    );
    assert!(!may.contains("mx_host_pattern"));
    assert_eq!(daemon.ask("postfix", "none.test").await, Reply::NotFound);
    assert_eq!(daemon.ask("postfix", "nothing.test").await, Reply::NotFound);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rfc8461_s3_3_first_contact_fetch_failure_delivers_unless_fail_closed() {
    let world = World::new(&[
        ("broken.test", "1", Some("not a policy")),
        ("nohost.test", "1", None),
    ]);
    let state = tempfile::tempdir().unwrap();
    let mut overrides = world.overrides(state.path());
    // nohost.test's policy host refuses connections.
    overrides
        .connect_to
        .push("mta-sts.nohost.test:443:127.0.0.1:9".into());
    let daemon = Running::start(FAIL_CLOSED, &overrides).await;
    for domain in ["broken.test", "nohost.test"] {
        assert_eq!(
            daemon.ask("postfix", domain).await,
            Reply::NotFound,
            "{domain}"
        );
        assert!(
            matches!(daemon.ask("strict", domain).await, Reply::Temp(_)),
            "{domain}"
        );
    }
    assert_eq!(
        daemon.ask("strict-tlsrpt", "broken.test").await,
        Reply::Ok(
            "secure policy_type=sts policy_domain=broken.test policy_failure=sts-policy-invalid"
                .into()
        )
    );
    assert_eq!(
        daemon.ask("strict-tlsrpt", "nohost.test").await,
        Reply::Ok("secure policy_type=sts policy_domain=nohost.test policy_failure=sts-policy-fetch-error".into())
    );
    // The backoff (RFC 8461 §3.3, five minutes) holds: one fetch for all those answers.
    assert_eq!(world.fetches("broken.test"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d13_dns_failure_with_nothing_cached_answers_within_the_deadline() {
    let world = World::new(&[("enforce.test", "1", Some(ENFORCE))]);
    let silent = loopback::dns::silent_resolver();
    let state = tempfile::tempdir().unwrap();
    let mut overrides = world.overrides(state.path());
    overrides.resolver = Some(silent.local_addr().unwrap().to_string());
    let toml = format!("reply-timeout = 1.0\ndns-timeout = 0.5\n{FAIL_CLOSED}");
    let daemon = Running::start(&toml, &overrides).await;
    let started = Instant::now();
    assert_eq!(daemon.ask("postfix", "enforce.test").await, Reply::NotFound);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let started = Instant::now();
    assert!(matches!(
        daemon.ask("strict", "enforce.test").await,
        Reply::Temp(_)
    ));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rfc8461_s10_2_persisted_policy_survives_restart_with_dns_and_host_down() {
    let world = World::new(&[("enforce.test", "1", Some(ENFORCE))]);
    let state = tempfile::tempdir().unwrap();
    let daemon = Running::start("", &world.overrides(state.path())).await;
    assert_eq!(daemon.ask("postfix", "enforce.test").await, secure(MATCH));
    daemon.stop().await;

    // After the restart DNS does not answer and the policy host is gone.
    let silent = loopback::dns::silent_resolver();
    let mut overrides = world.overrides(state.path());
    overrides.resolver = Some(silent.local_addr().unwrap().to_string());
    overrides.connect_to = vec!["mta-sts.enforce.test:443:127.0.0.1:9".into()];
    let daemon = Running::start("reply-timeout = 2.0\ndns-timeout = 0.5\n", &overrides).await;
    assert_eq!(daemon.ask("postfix", "enforce.test").await, secure(MATCH));
    // Also when the policy left memory (cache-size 1) and comes back from the store.
    daemon.stop().await;
    let daemon = Running::start(
        "cache-size = 1\nreply-timeout = 2.0\ndns-timeout = 0.5\n",
        &overrides,
    )
    .await;
    assert_eq!(daemon.ask("postfix", "other.test").await, Reply::NotFound);
    assert_eq!(daemon.ask("postfix", "enforce.test").await, secure(MATCH));
    daemon.stop().await;
}

/// Asks until the answer is `want` (background lookups take a moment).
async fn eventually(daemon: &Running, key: &str, want: &Reply) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let got = daemon.ask("postfix", key).await;
        if &got == want {
            return;
        }
        assert!(Instant::now() < deadline, "still {got:?}, want {want:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rfc8461_s3_1_a_new_id_is_picked_up() {
    let mut world = World::new(&[("enforce.test", "1", Some(ENFORCE))]);
    let state = tempfile::tempdir().unwrap();
    let daemon = Running::start("recheck-interval = 1\n", &world.overrides(state.path())).await;
    assert_eq!(daemon.ask("postfix", "enforce.test").await, secure(MATCH));
    world.set_policy(
        "enforce.test",
        HttpReply::policy(&policy("enforce", "new.enforce.test")),
    );
    // Same id: the cached policy stays, with no new fetch.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(daemon.ask("postfix", "enforce.test").await, secure(MATCH));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(world.fetches("enforce.test"), 1);
    // A new id: fetched in the background, answered from then on.
    world.set_record("enforce.test", Some("v=STSv1; id=2;"));
    tokio::time::sleep(Duration::from_millis(1200)).await;
    eventually(&daemon, "enforce.test", &secure("new.enforce.test")).await;
    assert_eq!(world.fetches("enforce.test"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rfc8461_s5_1_a_failed_refresh_keeps_the_cached_policy() {
    let mut world = World::new(&[("enforce.test", "1", Some(ENFORCE))]);
    let state = tempfile::tempdir().unwrap();
    let daemon = Running::start("recheck-interval = 1\n", &world.overrides(state.path())).await;
    assert_eq!(daemon.ask("postfix", "enforce.test").await, secure(MATCH));
    // A new id whose policy cannot be fetched, then no record at all.
    world.set_record("enforce.test", Some("v=STSv1; id=2;"));
    world.set_policy(
        "enforce.test",
        HttpReply::status(500, "Internal Server Error"),
    );
    for _ in 0..2 {
        tokio::time::sleep(Duration::from_millis(1200)).await;
        assert_eq!(daemon.ask("postfix", "enforce.test").await, secure(MATCH));
    }
    world.set_record("enforce.test", None);
    for _ in 0..2 {
        tokio::time::sleep(Duration::from_millis(1200)).await;
        assert_eq!(daemon.ask("postfix", "enforce.test").await, secure(MATCH));
    }
    assert!(world.fetches("enforce.test") >= 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_queries_share_one_lookup_and_never_downgrade() {
    let world = World::new(&[("enforce.test", "1", Some(ENFORCE))]);
    let state = tempfile::tempdir().unwrap();
    let daemon = std::sync::Arc::new(Running::start("", &world.overrides(state.path())).await);
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let daemon = std::sync::Arc::clone(&daemon);
        tasks.push(tokio::spawn(async move {
            daemon.ask("postfix", "enforce.test").await
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), secure(MATCH));
    }
    assert_eq!(
        world.fetches("enforce.test"),
        1,
        "one fetch for 32 concurrent first contacts"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policy_host_certificate_must_be_valid() {
    let world = World::new(&[("enforce.test", "1", Some(ENFORCE))]);
    let other_ca = loopback::pki::Ca::new();
    let state = tempfile::tempdir().unwrap();
    let mut overrides = world.overrides(state.path());
    // Trust only a CA that did not sign the policy host's certificate.
    overrides.ca_file = Some(other_ca.pem_path().to_owned());
    let daemon = Running::start(
        "webpki-roots = false\n[profiles.strict]\nfail-closed = true\ntlsrpt = true\n",
        &overrides,
    )
    .await;
    assert_eq!(
        daemon.ask("strict", "enforce.test").await,
        Reply::Ok(
            "secure policy_type=sts policy_domain=enforce.test policy_failure=sts-webpki-invalid"
                .into()
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rfc8461_s2_dane_takes_precedence_when_the_resolver_authenticates_tlsa() {
    let mut world = World::new(&[
        ("enforce.test", "1", Some(ENFORCE)),
        (
            "testing.test",
            "1",
            Some(&policy("testing", "mx1.testing.test")),
        ),
    ]);
    let state = tempfile::tempdir().unwrap();
    let toml = "[profiles.dane]\ndane = true\n";
    let daemon = Running::start(toml, &world.overrides(state.path())).await;
    // TLSA records, but the resolver does not vouch for them: MTA-STS.
    world.set_dane(&["mx1.enforce.test", "mx1.testing.test"], false);
    assert_eq!(daemon.ask("dane", "enforce.test").await, secure(MATCH));
    daemon.stop().await;

    // Authenticated TLSA for every MX host: dane-only for a DANE profile only.
    world.set_dane(&["mx1.enforce.test", "mx1.testing.test"], true);
    let daemon = Running::start(toml, &world.overrides(state.path())).await;
    assert_eq!(
        daemon.ask("dane", "enforce.test").await,
        Reply::Ok("dane-only".into())
    );
    assert_eq!(daemon.ask("postfix", "enforce.test").await, secure(MATCH));
    // Where MTA-STS sets nothing, Postfix's own level (say `dane`) applies.
    assert_eq!(daemon.ask("dane", "testing.test").await, Reply::NotFound);
    daemon.stop().await;

    // Authenticated answers but no TLSA for the MX host: MTA-STS.
    world.set_dane(&["other.enforce.test"], true);
    let daemon = Running::start(toml, &world.overrides(state.path())).await;
    assert_eq!(daemon.ask("dane", "enforce.test").await, secure(MATCH));
    daemon.stop().await;
}
