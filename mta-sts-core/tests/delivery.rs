//! The delivery decision (docs/CONFORMANCE.md#discovery steps 4 to 6, edge cases 58 to 61, 66, 67;
//! docs/CONFORMANCE.md#d16), fed by the engine and by the certificate classification.

mod common;

use common::{World, policy};
use mta_sts_core::{
    DaneVerdict, DeliveryPlan, EnforcementLevel, Exhausted, Failure, MX_MISMATCH_REASON, Policy,
    ResultType, TlsOutcome, Verdict,
};

fn parsed(mode: &str) -> Policy {
    Policy::parse(policy(mode, 86_400).as_bytes()).unwrap()
}

fn mismatch() -> Failure {
    Failure::with_reason(ResultType::ValidationFailure, MX_MISMATCH_REASON)
}

/// Walks the plan the way an MTA does: one traversal, in order; `tls` gives each
/// host's STARTTLS result. Returns the host delivered to and the failures reported.
fn traverse<'a>(
    plan: &DeliveryPlan<'a>,
    tls: impl Fn(&str) -> TlsOutcome,
) -> (Option<&'a str>, Vec<(&'a str, Failure)>) {
    let mut reports = Vec::new();
    for candidate in plan.candidates() {
        if let Some(failure) = candidate.skip_before_connect() {
            reports.push((candidate.host(), failure));
            continue;
        }
        match candidate.verdict(tls(candidate.host()), None) {
            Verdict::Deliver => return (Some(candidate.host()), reports),
            Verdict::DeliverAndReport(failure) => {
                reports.push((candidate.host(), failure));
                return (Some(candidate.host()), reports);
            }
            Verdict::SkipAndReport(failure) => reports.push((candidate.host(), failure)),
        }
    }
    (None, reports)
}

#[test]
fn edge_case_58_enforce_skips_mismatched_mx_and_delivers_via_next() {
    let p = parsed("enforce");
    let plan = DeliveryPlan::new(Some(&p), ["mx1.bad.example", "mx2.example.com"]);
    assert_eq!(
        plan.candidates()[1]
            .matched_pattern()
            .map(ToString::to_string),
        Some("*.example.com".into())
    );
    let (via, reports) = traverse(&plan, |_| TlsOutcome::Verified);
    assert_eq!(via, Some("mx2.example.com"));
    assert_eq!(reports, [("mx1.bad.example", mismatch())]);
}

#[test]
fn edge_case_59_enforce_with_no_matching_mx_defers_and_rechecks_before_bounce() {
    let p = parsed("enforce");
    let plan = DeliveryPlan::new(Some(&p), ["mx1.bad.example", "mx2.bad.example"]);
    let (via, reports) = traverse(&plan, |_| TlsOutcome::Verified);
    assert_eq!(via, None);
    assert_eq!(reports.len(), 2);
    assert_eq!(plan.when_exhausted(), Exhausted::DeferAndCheckBeforeBounce);
}

#[test]
fn edge_case_60_testing_delivers_to_mismatched_mx_and_reports() {
    let p = parsed("testing");
    let plan = DeliveryPlan::new(Some(&p), ["mx1.bad.example", "mx2.example.com"]);
    let (via, reports) = traverse(&plan, |_| TlsOutcome::StarttlsNotOffered);
    assert_eq!(via, Some("mx1.bad.example"));
    // One report per session: the mismatch, which says the most.
    assert_eq!(reports, [("mx1.bad.example", mismatch())]);
    assert_eq!(plan.when_exhausted(), Exhausted::Defer);
}

#[test]
fn edge_case_60_testing_reports_tls_failures_and_delivers() {
    let p = parsed("testing");
    let plan = DeliveryPlan::new(Some(&p), ["mx1.example.com"]);
    let c = &plan.candidates()[0];
    assert_eq!(c.skip_before_connect(), None);
    assert_eq!(
        c.verdict(TlsOutcome::StarttlsNotOffered, None),
        Verdict::DeliverAndReport(Failure::new(ResultType::StarttlsNotSupported))
    );
    assert_eq!(c.verdict(TlsOutcome::Verified, None), Verdict::Deliver);
}

#[test]
fn edge_case_61_mode_none_and_no_policy_apply_nothing_and_report_nothing() {
    let none = parsed("none");
    for policy in [Some(&none), None] {
        let plan = DeliveryPlan::new(policy, ["evil.example", "mx.example.com"]);
        assert_eq!(plan.enforcement(), EnforcementLevel::None);
        assert!(
            plan.candidates()
                .iter()
                .all(|c| c.matches() && c.matched_pattern().is_none())
        );
        let (via, reports) = traverse(&plan, |_| TlsOutcome::StarttlsNotOffered);
        assert_eq!(via, Some("evil.example"));
        assert!(reports.is_empty());
    }
}

#[test]
fn edge_case_66_no_starttls_or_failed_handshake_never_falls_back_to_plaintext() {
    let p = parsed("enforce");
    let plan = DeliveryPlan::new(Some(&p), ["mx1.example.com", "mx2.example.com"]);
    let (via, reports) = traverse(&plan, |host| {
        if host == "mx1.example.com" {
            TlsOutcome::StarttlsNotOffered
        } else {
            TlsOutcome::HandshakeFailed
        }
    });
    assert_eq!(via, None);
    assert_eq!(
        reports
            .iter()
            .map(|(_, f)| f.result_type.clone())
            .collect::<Vec<_>>(),
        [
            ResultType::StarttlsNotSupported,
            ResultType::ValidationFailure
        ]
    );
}

#[test]
fn edge_case_67_failing_dane_is_never_overridden() {
    let p = parsed("enforce");
    let plan = DeliveryPlan::new(Some(&p), ["mx1.example.com"]);
    let dane = Failure::new(ResultType::TlsaInvalid);
    assert_eq!(
        plan.candidates()[0].verdict(
            TlsOutcome::Verified,
            Some(DaneVerdict::Failed(dane.clone()))
        ),
        Verdict::SkipAndReport(dane)
    );
}

#[test]
fn d16_mx_mismatch_is_validation_failure_with_mox_code() {
    let p = parsed("enforce");
    let plan = DeliveryPlan::new(Some(&p), ["a.b.example.com"]);
    let c = &plan.candidates()[0];
    assert!(!c.matches());
    assert_eq!(c.skip_before_connect(), Some(mismatch()));
    assert_eq!(
        mismatch().to_string(),
        "validation-failure (mtasts-policy-mx-mismatch)"
    );
}

#[test]
fn s5_2_step5_single_traversal_in_preference_order() {
    // The plan keeps every MX in the order given, matching or not: there is no
    // pre-filtered second list (RFC 8461 §8.4).
    let p = parsed("enforce");
    let hosts = [
        "mx0.bad.example",
        "mx1.example.com",
        "mx2.bad.example",
        "mx3.example.com",
    ];
    let plan = DeliveryPlan::new(Some(&p), hosts);
    assert_eq!(
        plan.candidates()
            .iter()
            .map(|c| c.host())
            .collect::<Vec<_>>(),
        hosts
    );
    assert_eq!(
        plan.candidates()
            .iter()
            .map(|c| c.matches())
            .collect::<Vec<_>>(),
        [false, true, false, true]
    );
    let expired = Failure::with_reason(ResultType::CertificateExpired, "cert-expired");
    let (via, reports) = traverse(&plan, |host| {
        if host == "mx1.example.com" {
            TlsOutcome::CertificateInvalid(expired.clone())
        } else {
            TlsOutcome::Verified
        }
    });
    assert_eq!(via, Some("mx3.example.com"));
    assert_eq!(
        reports.iter().map(|(h, _)| *h).collect::<Vec<_>>(),
        ["mx0.bad.example", "mx1.example.com", "mx2.bad.example"]
    );
}

#[test]
fn s5_2_step6_no_valid_candidate_defers_never_delivers_elsewhere() {
    let p = parsed("enforce");
    let plan = DeliveryPlan::new(Some(&p), ["mx1.example.com"]);
    let untrusted = TlsOutcome::CertificateInvalid(Failure::new(ResultType::CertificateNotTrusted));
    assert!(matches!(
        plan.candidates()[0].verdict(untrusted, None),
        Verdict::SkipAndReport(_)
    ));
    assert_eq!(plan.when_exhausted(), Exhausted::DeferAndCheckBeforeBounce);
}

#[test]
#[cfg(any(feature = "ring", feature = "aws-lc-rs"))]
fn certificate_classification_plugs_in_without_glue() {
    use mta_sts_core::verify::{Peer, classify_tls_error, rustls};
    use mta_sts_core::{FetchResult, validate_fetch};

    let expired = rustls::Error::InvalidCertificate(rustls::CertificateError::Expired);
    // MX host: the classification is the TLS outcome.
    let p = parsed("enforce");
    let plan = DeliveryPlan::new(Some(&p), ["mx1.example.com"]);
    let verdict = plan.candidates()[0].verdict(
        TlsOutcome::CertificateInvalid(classify_tls_error(&expired, Peer::MxHost)),
        None,
    );
    assert_eq!(
        verdict,
        Verdict::SkipAndReport(Failure::with_reason(
            ResultType::CertificateExpired,
            "cert-expired"
        ))
    );
    // Policy host: the classification is the fetch result.
    let err = validate_fetch(
        FetchResult::TlsFailed(classify_tls_error(&expired, Peer::PolicyHost)),
        &Default::default(),
    )
    .unwrap_err();
    assert_eq!(
        err.failure(),
        Failure::with_reason(ResultType::StsWebpkiInvalid, "cert-expired")
    );
}

#[test]
fn engine_outcome_feeds_the_plan() {
    let mut w = World::new("example.com");
    let outcome = w.deliver();
    let plan = DeliveryPlan::new(outcome.policy(), ["mx.example.com", "mx.other.example"]);
    assert_eq!(plan.enforcement(), EnforcementLevel::Enforce);
    assert_eq!(plan.candidates()[1].skip_before_connect(), Some(mismatch()));
}
