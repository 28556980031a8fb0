//! MTA-STS policy file (RFC 8461 §3.2): `Policy::parse` on any body, and for every
//! accepted body the canonical Display -> parse round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mta_sts_core::limits::{MAX_AGE_MAX_SECS, MAX_MX_PATTERNS, MAX_POLICY_BODY_LEN};
use mta_sts_core::{Mode, Policy, WarningKind};

fuzz_target!(|data: &[u8]| {
    let Ok(policy) = Policy::parse(data) else {
        return;
    };
    assert!(data.len() <= MAX_POLICY_BODY_LEN);
    assert!(policy.max_age() <= MAX_AGE_MAX_SECS);
    assert!(policy.mx().len() <= MAX_MX_PATTERNS);
    if policy.mode() != Mode::None {
        assert!(
            !policy.mx().is_empty(),
            "{} policy without mx",
            policy.mode()
        );
    }
    // `text()` is the body as served (minus a BOM) and parses to the same policy.
    let again = Policy::parse(policy.text().as_bytes()).expect("text() must parse again");
    assert_eq!(policy, again);
    // `lines()` never panics and holds every line.
    let _ = policy.lines();

    // Canonical form: parses back to an equal policy, without warnings, fixed point.
    let canonical = policy.to_string();
    if canonical.len() > MAX_POLICY_BODY_LEN {
        // CRLF and ": " make the canonical form longer than a compact body; past the
        // body limit it cannot parse again (see README, known limits).
        return;
    }
    let reparsed = Policy::parse(canonical.as_bytes())
        .unwrap_or_else(|e| panic!("canonical form {canonical:?} does not parse: {e}"));
    assert_eq!(
        policy, reparsed,
        "round trip changed the policy: {canonical:?}"
    );
    // An empty extension value has no warning-free spelling.
    assert!(
        reparsed
            .warnings()
            .iter()
            .all(|w| matches!(w.kind, WarningKind::EmptyExtensionValue { .. })),
        "canonical form {canonical:?} has warnings {:?}",
        reparsed.warnings()
    );
    assert_eq!(reparsed.to_string(), canonical);
    assert_eq!(canonical.parse::<Policy>().as_ref(), Ok(&policy));

    // Every pattern matches its own domain (wildcards: one label below it).
    for pattern in policy.mx() {
        let host = if pattern.is_wildcard() {
            format!("x.{}", pattern.domain())
        } else {
            pattern.domain().to_owned()
        };
        assert!(
            policy.matches_mx(&host),
            "{pattern} does not match {host:?}"
        );
        assert!(policy.matches_mx(&format!("{}.", host.to_ascii_uppercase())));
    }
});
