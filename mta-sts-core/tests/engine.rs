//! Scenario tests of the discovery engine on a virtual clock (docs/CONFORMANCE.md#discovery,
//! edge cases 5, 18, 19, 46 to 51, 69 to 74; docs/CONFORMANCE.md#d8, #d13, #d14, #d15).

mod common;

use common::{ENFORCE, Http, Io, T0, World, at, http_ok, policy, txt};
use mta_sts_core::limits::FETCH_RETRY_BACKOFF_SECS;
use mta_sts_core::{
    BackoffAction, BounceCheck, CacheAction, DeliveryPlan, DiscoveryError, EnforcementLevel,
    Failure, FetchError, Mode, PolicyLookup, Reason, RecordSelectError, ResultType, Step,
    TransportError, TxtAnswer,
};

const DAY: u64 = 86_400;

fn fetch_error(code: &str) -> Failure {
    Failure::with_reason(ResultType::StsPolicyFetchError, code)
}

/// A world where `example.com` id `1` ([`ENFORCE`]) was fetched at T0.
fn cached_world() -> World {
    let mut w = World::new("example.com");
    let first = w.deliver();
    assert_eq!(first.reason(), &Reason::Fetched);
    assert_eq!(w.fetch_count(), 1);
    w
}

// ---- docs/CONFORMANCE.md#discovery, step by step -------------------------------------------------

#[test]
fn s5_2_step1_cached_policy_is_valid_while_now_before_fetch_plus_max_age() {
    let mut w = cached_world();
    let entry = w.cached().unwrap().clone();
    assert_eq!(entry.fetched_at(), at(T0));
    assert_eq!(entry.expires_at(), at(T0 + 604_800));
    assert!(entry.is_valid(at(T0 + 604_799)));
    assert!(!entry.is_valid(at(T0 + 604_800)));

    // One second before expiry, a DNS failure still falls back to the cache ...
    w.dns = TxtAnswer::TemporaryFailure;
    w.advance(604_799);
    assert!(w.deliver().policy().is_some());
    // ... at expiry it no longer does.
    w.advance(1);
    let outcome = w.deliver();
    assert_eq!(outcome.policy(), None);
    assert_eq!(outcome.cache_action(), CacheAction::Remove);
    assert!(w.cached().is_none());
}

#[test]
fn s5_2_step2_txt_missing_or_unusable_keeps_the_valid_cache() {
    for (answer, problem) in [
        (TxtAnswer::NoRecords, DiscoveryError::NoRecord),
        (TxtAnswer::NxDomain, DiscoveryError::NoRecord),
        (
            TxtAnswer::Records(vec![vec![b"v=spf1 -all".to_vec()]]),
            DiscoveryError::NoRecord,
        ),
        (
            TxtAnswer::Records(vec![vec![b"v=STSv1; id=2024-01-01".to_vec()]]),
            DiscoveryError::InvalidRecord(RecordSelectError::Invalid(
                mta_sts_core::StsRecord::parse("v=STSv1; id=2024-01-01").unwrap_err(),
            )),
        ),
    ] {
        let mut w = cached_world();
        w.advance(DAY);
        w.dns = answer;
        let outcome = w.deliver();
        assert_eq!(outcome.reason(), &Reason::CachedFallback(problem.clone()));
        assert_eq!(outcome.entry().map(|e| e.id()), Some("1"));
        assert_eq!(outcome.cache_action(), CacheAction::Keep);
        assert_eq!(outcome.report(), Some(&problem.failure()));
        assert_eq!(w.fetch_count(), 1, "no fetch without a usable record");
        assert!(w.cached().is_some(), "the cache is not cleared");
    }
}

#[test]
fn s5_2_step2_same_id_and_valid_cache_means_no_fetch() {
    let mut w = cached_world();
    w.advance(DAY);
    let outcome = w.deliver();
    assert_eq!(outcome.reason(), &Reason::CachedIdUnchanged);
    assert_eq!(outcome.cache_action(), CacheAction::Keep);
    assert_eq!(outcome.report(), None);
    assert_eq!(w.fetch_count(), 1);
}

#[test]
fn s5_2_step2_new_id_or_empty_cache_fetches() {
    let mut w = World::new("example.com");
    w.deliver();
    assert_eq!(
        w.io,
        [
            Io::Txt("_mta-sts.example.com".into()),
            Io::Fetch("https://mta-sts.example.com/.well-known/mta-sts.txt".into())
        ]
    );
    w.publish("2", &policy("testing", 3600));
    w.advance(60);
    let outcome = w.deliver();
    assert_eq!(outcome.reason(), &Reason::Fetched);
    assert_eq!(outcome.entry().map(|e| e.id()), Some("2"));
    assert_eq!(outcome.policy().map(|p| p.mode()), Some(Mode::Testing));
    assert_eq!(w.fetch_count(), 2);
}

#[test]
fn s5_2_step3_success_replaces_the_cache_with_id_and_fetch_time() {
    let mut w = cached_world();
    w.advance(100);
    w.publish("2", &policy("enforce", 1000));
    let outcome = w.deliver();
    assert_eq!(outcome.cache_action(), CacheAction::Store);
    assert_eq!(outcome.backoff(), &BackoffAction::Clear);
    let entry = w.cached().unwrap();
    assert_eq!(
        (entry.id(), entry.fetched_at(), entry.expires_at()),
        ("2", at(T0 + 100), at(T0 + 1100))
    );
    assert_eq!(entry.text(), policy("enforce", 1000));
}

#[test]
fn s5_2_step3_failure_keeps_cache_reports_and_backs_off() {
    let mut w = cached_world();
    w.advance(10);
    w.dns = txt("2");
    w.http = Http::Transport(TransportError::Timeout);
    let outcome = w.deliver();
    assert_eq!(outcome.entry().map(|e| e.id()), Some("1"));
    assert_eq!(
        outcome.reason(),
        &Reason::CachedFallback(DiscoveryError::Fetch(FetchError::Transport(
            TransportError::Timeout
        )))
    );
    assert_eq!(outcome.report(), Some(&fetch_error("policy-fetch-timeout")));
    let BackoffAction::Set(backoff) = outcome.backoff() else {
        panic!("{:?}", outcome.backoff())
    };
    assert_eq!(
        (backoff.id(), backoff.until()),
        ("2", at(T0 + 10 + FETCH_RETRY_BACKOFF_SECS))
    );
}

#[test]
fn s5_2_step4_mode_decides_what_applies() {
    for (mode, level) in [
        ("enforce", EnforcementLevel::Enforce),
        ("testing", EnforcementLevel::Testing),
        ("none", EnforcementLevel::None),
    ] {
        let mut w = World::new("example.com");
        w.publish("1", &policy(mode, 3600));
        let outcome = w.deliver();
        assert_eq!(
            DeliveryPlan::new(outcome.policy(), ["mx.example.com"]).enforcement(),
            level,
            "{mode}"
        );
    }
    // No policy at all.
    let mut w = World::new("example.com");
    w.dns = TxtAnswer::NxDomain;
    let outcome = w.deliver();
    assert_eq!(
        DeliveryPlan::new(outcome.policy(), ["mx.example.com"]).enforcement(),
        EnforcementLevel::None
    );
}

#[test]
fn s5_2_step7_new_id_checked_before_bounce() {
    let mut w = cached_world();
    w.advance(DAY);
    // Same id: no new policy, the usual bounce rules apply, nothing is fetched.
    let same = w.before_bounce("1");
    assert_eq!(same.bounce_check(), Some(BounceCheck::NoNewPolicy));
    assert_eq!(w.fetch_count(), 1);
    assert_eq!(w.io.last(), Some(&Io::Txt("_mta-sts.example.com".into())));
    // DNS down: the check could not be made, do not bounce yet.
    w.dns = TxtAnswer::TemporaryFailure;
    assert_eq!(
        w.before_bounce("1").bounce_check(),
        Some(BounceCheck::Inconclusive)
    );
    // A new id: fetch it and retry delivery with it.
    w.publish("2", &policy("testing", 3600));
    let new = w.before_bounce("1");
    assert_eq!(new.bounce_check(), Some(BounceCheck::RetryWithNewPolicy));
    assert_eq!(new.policy().map(|p| p.mode()), Some(Mode::Testing));
    assert_eq!(w.cached().map(|e| e.id()), Some("2"));
    // A new id whose fetch fails: nothing new to retry with.
    w.publish("3", ENFORCE);
    w.http = Http::Response {
        status: 500,
        content_type: None,
        body: Vec::new(),
    };
    let failed = w.before_bounce("2");
    assert_eq!(failed.bounce_check(), Some(BounceCheck::NoNewPolicy));
    assert_eq!(failed.entry().map(|e| e.id()), Some("2"));
    // Delivery lookups carry no bounce verdict.
    assert_eq!(w.deliver().bounce_check(), None);
}

#[test]
fn s5_2_step7_without_cache_compares_with_the_applied_id() {
    // A max_age 0 policy was applied to the failed delivery and never cached.
    let mut w = World::new("example.com");
    w.publish("7", &policy("enforce", 0));
    let outcome = w.before_bounce("7");
    assert_eq!(outcome.bounce_check(), Some(BounceCheck::NoNewPolicy));
    w.publish("8", &policy("enforce", 0));
    assert_eq!(
        w.before_bounce("7").bounce_check(),
        Some(BounceCheck::RetryWithNewPolicy)
    );
}

#[test]
fn s5_2_step8_proactive_refresh_refetches_an_unchanged_id() {
    let mut w = cached_world();
    let entry = w.cached().unwrap().clone();
    assert!(!entry.refresh_due(at(T0 + DAY - 1)));
    assert!(entry.refresh_due(at(T0 + DAY)));
    w.advance(DAY);
    assert_eq!(w.cache.due_for_refresh(w.time()).count(), 1);
    let outcome = w.refresh();
    assert_eq!(outcome.reason(), &Reason::Fetched);
    assert_eq!(w.fetch_count(), 2);
    let refreshed = w.cached().unwrap();
    assert_eq!(
        (refreshed.id(), refreshed.fetched_at()),
        ("1", at(T0 + DAY))
    );
    assert_eq!(refreshed.expires_at(), at(T0 + DAY + 604_800));
    assert_eq!(w.cache.due_for_refresh(w.time()).count(), 0);
}

#[test]
fn s5_2_step8_refresh_fetches_even_when_txt_lookup_fails() {
    let mut w = cached_world();
    w.advance(DAY);
    w.dns = TxtAnswer::TemporaryFailure;
    let outcome = w.refresh();
    assert_eq!(outcome.reason(), &Reason::Fetched);
    assert_eq!(
        w.cached().map(|e| (e.id(), e.fetched_at())),
        Some(("1", at(T0 + DAY)))
    );
}

#[test]
fn s5_2_step8_failed_refresh_keeps_cache_alerts_and_backs_off() {
    let mut w = cached_world();
    w.advance(DAY);
    w.http = Http::Response {
        status: 503,
        content_type: None,
        body: Vec::new(),
    };
    let outcome = w.refresh();
    assert_eq!(outcome.report(), Some(&fetch_error("http-status-503")));
    assert_eq!(outcome.cache_action(), CacheAction::Keep);
    assert_eq!(w.cached().map(|e| e.fetched_at()), Some(at(T0)));
    // Within the backoff the refresh does not fetch again.
    w.advance(60);
    let again = w.refresh();
    assert!(matches!(
        again.reason(),
        Reason::CachedFallback(DiscoveryError::FetchBackoff(_))
    ));
    assert_eq!(w.fetch_count(), 2);
}

#[test]
fn s5_2_step9_expired_cache_and_failed_discovery_means_no_policy() {
    let mut w = cached_world();
    w.advance(604_800);
    w.http = Http::Transport(TransportError::Connect);
    let outcome = w.deliver();
    assert_eq!(outcome.policy(), None);
    assert!(matches!(
        outcome.reason(),
        Reason::NoPolicy(DiscoveryError::Fetch(_))
    ));
    assert_eq!(outcome.cache_action(), CacheAction::Remove);
    assert!(w.cached().is_none());
}

// ---- Edge cases of docs/CONFORMANCE.md ------------------------------------------------

#[test]
fn edge_case_5_two_records_mean_no_policy_but_the_cache_still_applies() {
    let two = TxtAnswer::Records(vec![
        vec![b"v=STSv1; id=1".to_vec()],
        vec![b"v=STSv1; id=2".to_vec()],
    ]);
    let mut fresh = World::new("example.com");
    fresh.dns = two.clone();
    let outcome = fresh.deliver();
    assert_eq!(
        outcome.reason(),
        &Reason::NoPolicy(DiscoveryError::InvalidRecord(
            RecordSelectError::MultipleRecords { count: 2 }
        ))
    );
    assert_eq!(outcome.report(), None);
    assert_eq!(fresh.fetch_count(), 0);

    let mut w = cached_world();
    w.dns = two;
    let outcome = w.deliver();
    assert_eq!(outcome.entry().map(|e| e.id()), Some("1"));
    assert_eq!(
        outcome.report(),
        Some(&fetch_error("sts-txt-multiple-records"))
    );
}

#[test]
fn edge_case_18_cname_delegated_txt_record_is_used() {
    use hickory_proto::op::{Message, MessageType};
    use hickory_proto::rr::rdata::{CNAME, TXT};
    use hickory_proto::rr::{Name, RData, Record};
    use mta_sts_core::dns::DnsQuery;

    let query = DnsQuery::txt("_mta-sts.example.com", 0x1234).unwrap();
    let mut response = Message::from_vec(query.as_bytes()).unwrap();
    response.metadata.message_type = MessageType::Response;
    let owner = Name::from_ascii("_mta-sts.example.com.").unwrap();
    let target = Name::from_ascii("_mta-sts.provider.example.").unwrap();
    response.add_answer(Record::from_rdata(
        owner,
        300,
        RData::CNAME(CNAME(target.clone())),
    ));
    let txt = TXT::from_bytes(vec![b"v=STSv1; id=provider1".as_slice()]);
    response.add_answer(Record::from_rdata(target, 300, RData::TXT(txt)));
    let answer = query.parse_response(&response.to_vec().unwrap()).unwrap();

    let mut w = World::new("example.com");
    w.dns = TxtAnswer::from(answer);
    let outcome = w.deliver();
    assert_eq!(outcome.entry().map(|e| e.id()), Some("provider1"));
    // The policy is still fetched from the customer's own policy host (RFC 8461 §8.2).
    assert_eq!(
        w.io.last(),
        Some(&Io::Fetch(
            "https://mta-sts.example.com/.well-known/mta-sts.txt".into()
        ))
    );
}

#[test]
fn edge_case_19_nxdomain_keeps_enforcing_the_cached_policy() {
    let mut w = cached_world();
    w.advance(DAY);
    w.dns = TxtAnswer::NxDomain;
    let outcome = w.deliver();
    assert_eq!(outcome.policy().map(|p| p.mode()), Some(Mode::Enforce));
    assert_eq!(
        outcome.reason(),
        &Reason::CachedFallback(DiscoveryError::NoRecord)
    );
    assert_eq!(
        outcome.report(),
        Some(&fetch_error("sts-txt-record-missing"))
    );
}

/// A first-contact delivery where the policy host answers `http`.
fn first_contact_with(http: Http) -> (World, mta_sts_core::Outcome) {
    let mut w = World::new("example.com");
    w.http = http;
    let outcome = w.deliver();
    (w, outcome)
}

#[test]
fn edge_case_46_redirect_is_fetch_error() {
    let (_, outcome) = first_contact_with(Http::Response {
        status: 301,
        content_type: Some("text/html".into()),
        body: b"moved".to_vec(),
    });
    assert_eq!(outcome.policy(), None);
    assert_eq!(
        outcome.reason(),
        &Reason::NoPolicy(DiscoveryError::Fetch(FetchError::Status { status: 301 }))
    );
    assert_eq!(outcome.report(), Some(&fetch_error("http-status-301")));
}

#[test]
fn edge_case_47_non_200_success_is_fetch_error() {
    for status in [201, 204] {
        let (_, outcome) = first_contact_with(Http::Response {
            status,
            content_type: Some("text/plain".into()),
            body: ENFORCE.as_bytes().to_vec(),
        });
        assert_eq!(outcome.policy(), None);
        assert_eq!(
            outcome.report().map(|f| f.result_type.clone()),
            Some(ResultType::StsPolicyFetchError)
        );
    }
}

#[test]
fn edge_case_48_text_html_is_refused_text_plain_variants_accepted() {
    let serve = |ct: &str| Http::Response {
        status: 200,
        content_type: Some(ct.into()),
        body: ENFORCE.as_bytes().to_vec(),
    };
    let (_, html) = first_contact_with(serve("text/html"));
    assert_eq!(html.policy(), None);
    assert_eq!(
        html.report(),
        Some(&fetch_error("content-type-not-text-plain"))
    );
    for ok in ["text/plain; charset=utf-8", "TEXT/PLAIN"] {
        let (_, outcome) = first_contact_with(serve(ok));
        assert!(outcome.policy().is_some(), "{ok}");
    }
    let (_, missing) = first_contact_with(Http::Response {
        status: 200,
        content_type: None,
        body: ENFORCE.as_bytes().to_vec(),
    });
    assert!(missing.policy().is_some());
    assert_eq!(
        missing.warnings(),
        [mta_sts_core::FetchWarning::MissingContentType]
    );
}

#[test]
fn edge_case_49_oversized_body_is_fetch_error() {
    let mut body = ENFORCE.as_bytes().to_vec();
    body.resize(mta_sts_core::limits::MAX_POLICY_BODY_LEN + 1, b'\n');
    let (_, outcome) = first_contact_with(Http::Response {
        status: 200,
        content_type: None,
        body,
    });
    assert_eq!(outcome.policy(), None);
    assert_eq!(
        outcome.report(),
        Some(&fetch_error("policy-body-too-large"))
    );
}

#[test]
fn edge_case_50_policy_host_certificate_failure_is_webpki_invalid() {
    let cause = Failure::with_reason(ResultType::StsWebpkiInvalid, "cert-not-valid-for-name");
    let (_, outcome) = first_contact_with(Http::TlsFailed(cause.clone()));
    assert_eq!(outcome.policy(), None);
    assert_eq!(outcome.report(), Some(&cause));
}

#[test]
fn edge_case_51_fetch_fails_without_cache_no_policy_report_and_wait_five_minutes() {
    let (mut w, outcome) = first_contact_with(Http::Transport(TransportError::Connect));
    assert_eq!(outcome.policy(), None);
    assert_eq!(
        outcome.report(),
        Some(&fetch_error("policy-host-connect-error"))
    );
    assert_eq!(outcome.cache_action(), CacheAction::Nothing);
    assert_eq!(w.fetch_count(), 1);

    // Within five minutes: no new fetch for the same id, same failure reported.
    w.http = http_ok(ENFORCE);
    w.advance(FETCH_RETRY_BACKOFF_SECS - 1);
    let waiting = w.deliver();
    assert_eq!(waiting.policy(), None);
    assert!(matches!(
        waiting.reason(),
        Reason::NoPolicy(DiscoveryError::FetchBackoff(_))
    ));
    assert_eq!(
        waiting.report(),
        Some(&fetch_error("policy-host-connect-error"))
    );
    assert_eq!(w.fetch_count(), 1);

    // A different id is not held back by the backoff.
    w.dns = txt("2");
    assert_eq!(w.deliver().reason(), &Reason::Fetched);
    assert_eq!(w.fetch_count(), 2);
}

#[test]
fn d15_backoff_ends_after_five_minutes() {
    let (mut w, _) = first_contact_with(Http::Transport(TransportError::Timeout));
    w.http = http_ok(ENFORCE);
    w.advance(FETCH_RETRY_BACKOFF_SECS);
    let outcome = w.deliver();
    assert_eq!(outcome.reason(), &Reason::Fetched);
    assert_eq!(w.fetch_count(), 2);
    assert!(
        w.cache.backoff(&w.domain).is_none(),
        "success clears the backoff"
    );
}

#[test]
fn edge_case_69_same_id_fresh_cache_no_https_fetch() {
    let mut w = cached_world();
    for _ in 0..10 {
        w.advance(3600);
        assert_eq!(w.deliver().reason(), &Reason::CachedIdUnchanged);
    }
    assert_eq!(w.fetch_count(), 1);
    assert_eq!(
        w.io.iter().filter(|io| matches!(io, Io::Txt(_))).count(),
        11
    );
}

#[test]
fn edge_case_70_changed_id_failed_fetch_keeps_cache() {
    let mut w = cached_world();
    w.advance(DAY);
    w.dns = txt("2");
    w.http = Http::Response {
        status: 404,
        content_type: None,
        body: Vec::new(),
    };
    let outcome = w.deliver();
    assert_eq!(outcome.entry().map(|e| e.id()), Some("1"));
    assert_eq!(outcome.policy().map(|p| p.mode()), Some(Mode::Enforce));
    assert_eq!(outcome.report(), Some(&fetch_error("http-status-404")));
    assert_eq!(w.cached().map(|e| e.id()), Some("1"));

    // Retried no sooner than five minutes later; then it works.
    w.http = http_ok(&policy("testing", 600));
    w.advance(FETCH_RETRY_BACKOFF_SECS - 1);
    assert_eq!(w.deliver().entry().map(|e| e.id()), Some("1"));
    assert_eq!(w.fetch_count(), 2);
    w.advance(1);
    assert_eq!(w.deliver().entry().map(|e| e.id()), Some("2"));
    assert_eq!(w.fetch_count(), 3);
}

#[test]
fn edge_case_71_changed_id_mode_none_replaces_cache_and_ends_reports() {
    let mut w = cached_world();
    w.advance(DAY);
    w.publish("2", &policy("none", DAY as u32));
    let outcome = w.deliver();
    assert_eq!(outcome.cache_action(), CacheAction::Store);
    assert_eq!(
        w.cached().map(|e| (e.id(), e.policy().mode())),
        Some(("2", Mode::None))
    );
    assert_eq!(
        DeliveryPlan::new(outcome.policy(), ["evil.example"]).enforcement(),
        EnforcementLevel::None
    );

    // Later failures are not reported for a mode none policy, and no refresh alerts.
    w.dns = TxtAnswer::TemporaryFailure;
    assert_eq!(w.deliver().report(), None);
    w.dns = txt("3");
    w.http = Http::Transport(TransportError::Timeout);
    assert_eq!(w.deliver().report(), None);
    w.advance(DAY / 2);
    assert_eq!(w.refresh().report(), None);
}

#[test]
fn edge_case_72_expired_cache_and_failed_refresh_is_no_policy() {
    let mut w = World::new("example.com");
    w.publish("1", &policy("enforce", 3600));
    w.deliver();
    w.http = Http::Transport(TransportError::Timeout);
    w.advance(1800);
    assert!(
        w.refresh().report().is_some(),
        "administrators are alerted before expiry"
    );
    w.advance(1800);
    w.dns = TxtAnswer::TemporaryFailure;
    let outcome = w.deliver();
    assert_eq!(outcome.policy(), None);
    assert_eq!(outcome.reason(), &Reason::TemporaryFailure);
    assert!(w.cached().is_none());
}

#[test]
fn edge_case_73_subdomain_looks_up_only_its_own_record() {
    let mut w = World::new("sub.example.com");
    w.dns = TxtAnswer::NxDomain;
    let outcome = w.deliver();
    assert_eq!(outcome.policy(), None);
    assert_eq!(w.io, [Io::Txt("_mta-sts.sub.example.com".into())]);
}

#[test]
fn edge_case_74_smart_host_domain_is_the_policy_domain() {
    let mut w = World::new("relay.isp.example");
    w.deliver();
    assert_eq!(
        w.io,
        [
            Io::Txt("_mta-sts.relay.isp.example".into()),
            Io::Fetch("https://mta-sts.relay.isp.example/.well-known/mta-sts.txt".into())
        ]
    );
}

#[test]
fn d8_max_age_zero_applies_now_and_is_not_cached() {
    let mut w = cached_world();
    w.advance(60);
    w.publish("2", &policy("testing", 0));
    let outcome = w.deliver();
    assert_eq!(outcome.policy().map(|p| p.mode()), Some(Mode::Testing));
    assert_eq!(
        outcome.cache_action(),
        CacheAction::Remove,
        "the newest policy says: cache nothing"
    );
    assert!(w.cached().is_none());
    // Every delivery fetches it again.
    w.deliver();
    assert_eq!(w.fetch_count(), 3);

    let mut fresh = World::new("example.com");
    fresh.publish("1", &policy("enforce", 0));
    assert_eq!(fresh.deliver().cache_action(), CacheAction::Nothing);
}

#[test]
fn d13_temporary_dns_failure() {
    let mut w = World::new("example.com");
    w.dns = TxtAnswer::TemporaryFailure;
    let outcome = w.deliver();
    assert!(outcome.is_temporary_failure());
    assert_eq!(outcome.policy(), None);
    assert_eq!(outcome.report(), None);

    let mut cached = cached_world();
    cached.dns = TxtAnswer::TemporaryFailure;
    let outcome = cached.deliver();
    assert!(!outcome.is_temporary_failure());
    assert_eq!(
        outcome.reason(),
        &Reason::CachedFallback(DiscoveryError::DnsTemporaryFailure)
    );
    assert_eq!(
        outcome.report(),
        Some(&fetch_error("sts-txt-dns-temporary-failure"))
    );
}

#[test]
fn d14_unchanged_id_does_not_extend_expiry() {
    let mut w = cached_world();
    w.advance(604_000);
    assert_eq!(w.deliver().reason(), &Reason::CachedIdUnchanged);
    assert_eq!(w.cached().map(|e| e.expires_at()), Some(at(T0 + 604_800)));
    // Past expiry the same id is fetched again (nothing valid is cached).
    w.advance(800);
    assert_eq!(w.deliver().reason(), &Reason::Fetched);
    assert_eq!(
        w.cached().map(|e| e.expires_at()),
        Some(at(T0 + 604_800 + 604_800))
    );
}

#[test]
fn fetch_step_names_policy_host_for_sni() {
    let mut lookup = PolicyLookup::new(
        mta_sts_core::PolicyDomain::new("Example.COM").unwrap(),
        None,
        at(T0),
    );
    lookup.handle_txt(at(T0), txt("1"));
    assert_eq!(
        lookup.poll_step(),
        Step::FetchPolicy {
            url: "https://mta-sts.example.com/.well-known/mta-sts.txt".into(),
            host: "mta-sts.example.com".into(),
            max_body_len: mta_sts_core::limits::MAX_POLICY_BODY_LEN,
        }
    );
}

// ---- property: an expired policy is never applied ------------------------------------

mod prop {
    use proptest::prelude::*;

    use super::*;

    #[derive(Debug, Clone)]
    enum Event {
        Advance(u64),
        Txt(Option<u8>),
        DnsFail,
        Serve(u8, u32),
        BreakHttp,
        Deliver,
        Refresh,
        Bounce,
    }

    fn event() -> impl Strategy<Value = Event> {
        prop_oneof![
            (0u64..200_000).prop_map(Event::Advance),
            proptest::option::of(0u8..3).prop_map(Event::Txt),
            Just(Event::DnsFail),
            (
                0u8..3,
                prop_oneof![Just(0u32), 1u32..1000, 1000u32..400_000]
            )
                .prop_map(|(m, a)| Event::Serve(m, a)),
            Just(Event::BreakHttp),
            Just(Event::Deliver),
            Just(Event::Refresh),
            Just(Event::Bounce),
        ]
    }

    fn hostile_txt() -> impl Strategy<Value = TxtAnswer> {
        prop_oneof![
            Just(TxtAnswer::NoRecords),
            Just(TxtAnswer::NxDomain),
            Just(TxtAnswer::TemporaryFailure),
            proptest::collection::vec(
                proptest::collection::vec(
                    prop_oneof![
                        proptest::collection::vec(any::<u8>(), 0..40),
                        "v=STSv1;( id=[A-Za-z0-9]{0,34})?;?".prop_map(String::into_bytes),
                    ],
                    0..4
                ),
                0..4
            )
            .prop_map(TxtAnswer::Records),
        ]
    }

    proptest! {
        #[test]
        fn engine_never_panics_on_hostile_answers(
            txt in hostile_txt(),
            status in any::<u16>(),
            content_type in proptest::option::of("\\PC{0,30}"),
            body in prop_oneof![
                proptest::collection::vec(any::<u8>(), 0..300),
                "(version|mode|mx|max_age|x): [ -~]{0,20}\n".prop_map(String::into_bytes),
            ],
            start in 0u64..5_000_000_000,
            step in 0u64..1_000_000,
        ) {
            let mut lookup = PolicyLookup::new(mta_sts_core::PolicyDomain::new("example.com").unwrap(), None, at(start));
            for _ in 0..4 {
                match lookup.poll_step() {
                    Step::QueryTxt { .. } => lookup.handle_txt(at(start + step), txt.clone()),
                    Step::FetchPolicy { .. } => lookup.handle_fetch(
                        at(start),
                        mta_sts_core::FetchResult::Response { status, content_type: content_type.as_deref(), body: &body },
                    ),
                    Step::Done(outcome) => {
                        // Anything fetched is a valid 200 text/plain-or-missing response.
                        if outcome.reason() == &Reason::Fetched {
                            prop_assert_eq!(status, 200);
                        }
                        return Ok(());
                    }
                }
            }
            prop_assert!(false, "lookup did not finish");
        }

        #[test]
        fn expired_policy_is_never_applied(events in proptest::collection::vec(event(), 1..60)) {
            let mut w = World::new("example.com");
            for e in events {
                let outcome = match e {
                    Event::Advance(s) => { w.advance(s); continue }
                    Event::Txt(Some(id)) => { w.dns = txt(&id.to_string()); continue }
                    Event::Txt(None) => { w.dns = TxtAnswer::NxDomain; continue }
                    Event::DnsFail => { w.dns = TxtAnswer::TemporaryFailure; continue }
                    Event::Serve(m, age) => {
                        w.http = http_ok(&policy(["enforce", "testing", "none"][usize::from(m)], age));
                        continue
                    }
                    Event::BreakHttp => { w.http = Http::Transport(TransportError::Http); continue }
                    Event::Deliver => w.deliver(),
                    Event::Refresh if w.cached().is_some() => w.refresh(),
                    Event::Refresh => continue,
                    Event::Bounce => w.before_bounce("1"),
                };
                let now = w.time();
                if let Some(entry) = outcome.entry() {
                    if outcome.reason() == &Reason::Fetched {
                        prop_assert_eq!(entry.fetched_at(), now);
                    } else {
                        prop_assert!(entry.is_valid(now), "applied an expired entry: {}", entry);
                    }
                }
                if let Some(cached) = w.cached() {
                    prop_assert!(cached.policy().max_age() > 0, "max_age 0 was cached");
                }
                if outcome.reason() == &Reason::CachedIdUnchanged {
                    prop_assert!(!matches!(w.io.last(), Some(Io::Fetch(_))));
                }
            }
        }
    }
}
