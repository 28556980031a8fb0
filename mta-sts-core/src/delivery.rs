//! The delivery decision: the MX candidate plan and the verdict for each attempted MX
//! ([RFC 8461 §4](https://www.rfc-editor.org/rfc/rfc8461#section-4), §5, §5.1, §8.4).

use crate::mx::MxPattern;
use crate::policy::{Mode, Policy};
use smtp_tls_types::{Failure, ResultType};

/// The `failure-reason-code` of an MX host that matches no policy pattern (docs/CONFORMANCE.md#d16,
/// the code mox uses).
pub const MX_MISMATCH_REASON: &str = "mtasts-policy-mx-mismatch";

/// What MTA-STS requires of this delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EnforcementLevel {
    /// No policy, or `mode: none`: MTA-STS applies nothing and reports nothing
    /// ([RFC 8461 §5](https://www.rfc-editor.org/rfc/rfc8461#section-5), edge case 61).
    None,
    /// `mode: testing`: check and report, deliver regardless (edge case 60).
    Testing,
    /// `mode: enforce`: deliver only to a matching MX over validated TLS, else defer
    /// (edge cases 58, 59).
    Enforce,
}

/// The STARTTLS result of one attempted MX
/// ([RFC 8461 §4.2](https://www.rfc-editor.org/rfc/rfc8461#section-4.2)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsOutcome {
    /// The server did not offer STARTTLS: `starttls-not-supported`.
    StarttlsNotOffered,
    /// The handshake failed for a reason other than the certificate:
    /// `validation-failure` (edge case 66). Pass the classification if you have one
    /// (for example `verify::classify_tls_error(&error, Peer::MxHost)`) with
    /// [`TlsOutcome::CertificateInvalid`] instead.
    HandshakeFailed,
    /// The certificate failed validation for the MX host name, as classified by the
    /// certificate validation (`certificate-expired`, `certificate-host-mismatch`,
    /// `certificate-not-trusted` or `validation-failure`, with reason code).
    CertificateInvalid(Failure),
    /// STARTTLS succeeded with a certificate valid for the MX host name.
    Verified,
}

impl TlsOutcome {
    /// The failure to report, `None` for [`TlsOutcome::Verified`].
    pub fn failure(&self) -> Option<Failure> {
        match self {
            Self::StarttlsNotOffered => Some(Failure::new(ResultType::StarttlsNotSupported)),
            Self::HandshakeFailed => Some(Failure::with_reason(
                ResultType::ValidationFailure,
                "tls-handshake-failed",
            )),
            Self::CertificateInvalid(failure) => Some(failure.clone()),
            Self::Verified => None,
        }
    }
}

/// The DANE verdict for an MX whose TLSA records apply (RFC 7672). DANE takes
/// precedence: MTA-STS never overrides a failing DANE check
/// ([RFC 8461 §2](https://www.rfc-editor.org/rfc/rfc8461#section-2), edge case 67).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DaneVerdict {
    /// DANE authenticated the server: deliver, whatever MTA-STS would say about the
    /// certificate (a DANE-EE certificate need not chain to a WebPKI root).
    Verified,
    /// DANE failed (`tlsa-invalid`, `dnssec-invalid`, `dane-required`, or a certificate
    /// failure): never deliver to this MX.
    Failed(Failure),
}

/// What to do with one MX.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum Verdict {
    /// Deliver through this MX. Under [`EnforcementLevel::None`] this means "as you would
    /// without MTA-STS" (opportunistic TLS).
    Deliver,
    /// Deliver through this MX and report the failure to TLS-RPT (`testing` mode).
    DeliverAndReport(Failure),
    /// Do not deliver through this MX; report the failure and try the next
    /// candidate. When no candidate is left, defer the message
    /// ([`DeliveryPlan::when_exhausted`]).
    SkipAndReport(Failure),
}

/// What to do when every candidate was skipped or unreachable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[must_use]
pub enum Exhausted {
    /// Defer as usual (RFC 5321 §4.5.4.1); MTA-STS adds nothing.
    Defer,
    /// Defer: a temporary failure, never a plaintext or off-policy fallback; before
    /// the message is bounced, run a [`PolicyLookup::before_bounce`](crate::PolicyLookup::before_bounce)
    /// (docs/CONFORMANCE.md#discovery steps 6 and 7, edge case 59).
    DeferAndCheckBeforeBounce,
}

/// One MX host of the plan, in preference order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate<'a> {
    host: &'a str,
    pattern: Option<&'a MxPattern>,
    enforcement: EnforcementLevel,
}

impl<'a> Candidate<'a> {
    /// The MX host name, as given.
    pub fn host(&self) -> &'a str {
        self.host
    }

    /// The first policy pattern the host matches
    /// ([RFC 8461 §4.1](https://www.rfc-editor.org/rfc/rfc8461#section-4.1)); `None`
    /// when it matches none or no policy applies.
    pub fn matched_pattern(&self) -> Option<&'a MxPattern> {
        self.pattern
    }

    /// Whether the host matches a pattern; `true` when no policy applies.
    pub fn matches(&self) -> bool {
        self.enforcement == EnforcementLevel::None || self.pattern.is_some()
    }

    /// `Some(failure)` when this MX must be skipped without connecting: an `enforce`
    /// policy and a host that matches no pattern (docs/CONFORMANCE.md#d16: `validation-failure`,
    /// reason `mtasts-policy-mx-mismatch`; edge case 58). Report the failure and go
    /// on with the next candidate.
    ///
    /// An MTA that applies DANE to this host (usable TLSA records) connects anyway
    /// and lets [`verdict`](Self::verdict) decide, since DANE takes precedence.
    pub fn skip_before_connect(&self) -> Option<Failure> {
        (self.enforcement == EnforcementLevel::Enforce && self.pattern.is_none()).then(mx_mismatch)
    }

    /// The verdict for this MX given its STARTTLS result and, if DANE applies to it,
    /// the DANE verdict.
    ///
    /// - A DANE verdict decides alone: `Failed` skips the MX in every mode (MTA-STS
    ///   never overrides it), `Verified` delivers.
    /// - `enforce`: deliver only if the host matches a pattern and TLS is
    ///   [`TlsOutcome::Verified`]; otherwise skip and report. Never plaintext.
    /// - `testing`: deliver; report the mismatch, else the TLS failure, if any.
    /// - none: deliver, report nothing.
    pub fn verdict(&self, tls: TlsOutcome, dane: Option<DaneVerdict>) -> Verdict {
        match dane {
            Some(DaneVerdict::Failed(failure)) => return Verdict::SkipAndReport(failure),
            Some(DaneVerdict::Verified) => return Verdict::Deliver,
            None => {}
        }
        let failure = match self.enforcement {
            EnforcementLevel::None => return Verdict::Deliver,
            EnforcementLevel::Testing | EnforcementLevel::Enforce if self.pattern.is_none() => {
                Some(mx_mismatch())
            }
            EnforcementLevel::Testing | EnforcementLevel::Enforce => tls.failure(),
        };
        match (self.enforcement, failure) {
            (_, None) => Verdict::Deliver,
            (EnforcementLevel::Enforce, Some(failure)) => Verdict::SkipAndReport(failure),
            (_, Some(failure)) => Verdict::DeliverAndReport(failure),
        }
    }
}

fn mx_mismatch() -> Failure {
    Failure::with_reason(ResultType::ValidationFailure, MX_MISMATCH_REASON)
}

/// The MX candidates of one delivery under one policy (docs/CONFORMANCE.md#discovery steps 4 to 6).
///
/// # Choosing the Policy Domain
///
/// The Policy Domain ([RFC 8461 §3.4](https://www.rfc-editor.org/rfc/rfc8461#section-3.4))
/// is the next-hop domain: normally the domain of the recipient address; when the
/// MTA relays through an administratively configured smart host, the smart host's
/// domain (docs/CONFORMANCE.md#ec74). It is never the parent zone: mail to
/// `user@sub.example.com` looks up only `_mta-sts.sub.example.com` (edge case 73).
/// Do not follow a CNAME on the recipient domain to choose it. Address literals
/// (`user@[192.0.2.1]`) have no Policy Domain: no policy applies
/// ([`PolicyDomain::new`](crate::PolicyDomain::new) refuses them).
///
/// # Traversal
///
/// [`DeliveryPlan::new`] takes the MX hosts in the usual preference order (RFC 5321
/// §5.1; for an implicit MX, the domain itself) and annotates each with the policy
/// pattern it matches. The MTA then walks that one list as it normally would
/// (docs/CONFORMANCE.md#discovery step 5): there is no pre-filtered second list, which RFC 8461
/// §8.4 warns against. For each candidate it asks
/// [`Candidate::skip_before_connect`], connects, and reports the STARTTLS/TLS result
/// to [`Candidate::verdict`].
///
/// ```
/// use mta_sts_core::{DeliveryPlan, Policy, TlsOutcome, Verdict};
///
/// let policy = Policy::parse(b"version: STSv1\nmode: enforce\nmx: *.example.com\nmax_age: 86400\n")?;
/// let plan = DeliveryPlan::new(Some(&policy), ["mx1.bad.example", "mx2.example.com"]);
/// let mut delivered_via = None;
/// for candidate in plan.candidates() {
///     if let Some(failure) = candidate.skip_before_connect() {
///         println!("skip {}: report {failure}", candidate.host());
///         continue;
///     }
///     // ... connect, STARTTLS, verify the certificate ...
///     match candidate.verdict(TlsOutcome::Verified, None) {
///         Verdict::Deliver => { delivered_via = Some(candidate.host()); break }
///         Verdict::DeliverAndReport(_) | Verdict::SkipAndReport(_) => unreachable!(),
///     }
/// }
/// assert_eq!(delivered_via, Some("mx2.example.com"));
/// # Ok::<(), mta_sts_core::PolicyError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryPlan<'a> {
    enforcement: EnforcementLevel,
    candidates: Vec<Candidate<'a>>,
}

impl<'a> DeliveryPlan<'a> {
    /// The plan for `mx_hosts` (in preference order, names as in the MX records; a
    /// trailing dot is fine) under `policy`, the policy of the lookup
    /// [`Outcome`](crate::Outcome), or `None`.
    pub fn new(policy: Option<&'a Policy>, mx_hosts: impl IntoIterator<Item = &'a str>) -> Self {
        let enforcement = match policy.map(Policy::mode) {
            None | Some(Mode::None) => EnforcementLevel::None,
            Some(Mode::Testing) => EnforcementLevel::Testing,
            Some(Mode::Enforce) => EnforcementLevel::Enforce,
        };
        let candidates = mx_hosts
            .into_iter()
            .map(|host| Candidate {
                host,
                pattern: match (enforcement, policy) {
                    (EnforcementLevel::None, _) | (_, None) => None,
                    (_, Some(policy)) => policy.matching_pattern(host),
                },
                enforcement,
            })
            .collect();
        Self {
            enforcement,
            candidates,
        }
    }

    /// What MTA-STS requires of this delivery.
    pub fn enforcement(&self) -> EnforcementLevel {
        self.enforcement
    }

    /// The candidates, in the order given.
    pub fn candidates(&self) -> &[Candidate<'a>] {
        &self.candidates
    }

    /// What to do when no candidate took the message.
    pub fn when_exhausted(&self) -> Exhausted {
        match self.enforcement {
            EnforcementLevel::Enforce => Exhausted::DeferAndCheckBeforeBounce,
            EnforcementLevel::Testing | EnforcementLevel::None => Exhausted::Defer,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(mode: &str) -> Policy {
        let body = format!(
            "version: STSv1\nmode: {mode}\nmx: *.example.com\nmx: backup.example.net\nmax_age: 86400\n"
        );
        Policy::parse(body.as_bytes()).unwrap()
    }

    #[test]
    fn candidates_carry_their_matching_pattern_in_order() {
        let p = policy("enforce");
        let plan = DeliveryPlan::new(
            Some(&p),
            ["mx1.example.com.", "evil.example", "BACKUP.example.net"],
        );
        let got: Vec<_> = plan
            .candidates()
            .iter()
            .map(|c| (c.host(), c.matched_pattern().map(ToString::to_string)))
            .collect();
        assert_eq!(
            got,
            [
                ("mx1.example.com.", Some("*.example.com".to_owned())),
                ("evil.example", None),
                ("BACKUP.example.net", Some("backup.example.net".to_owned())),
            ]
        );
    }

    #[test]
    fn enforce_never_delivers_without_verified_tls() {
        let p = policy("enforce");
        let plan = DeliveryPlan::new(Some(&p), ["mx1.example.com"]);
        let c = &plan.candidates()[0];
        assert_eq!(c.skip_before_connect(), None);
        assert_eq!(c.verdict(TlsOutcome::Verified, None), Verdict::Deliver);
        assert_eq!(
            c.verdict(TlsOutcome::StarttlsNotOffered, None),
            Verdict::SkipAndReport(Failure::new(ResultType::StarttlsNotSupported))
        );
        assert_eq!(
            c.verdict(TlsOutcome::HandshakeFailed, None),
            Verdict::SkipAndReport(Failure::with_reason(
                ResultType::ValidationFailure,
                "tls-handshake-failed"
            ))
        );
        let expired = Failure::new(ResultType::CertificateExpired);
        assert_eq!(
            c.verdict(TlsOutcome::CertificateInvalid(expired.clone()), None),
            Verdict::SkipAndReport(expired)
        );
        assert_eq!(plan.when_exhausted(), Exhausted::DeferAndCheckBeforeBounce);
    }

    #[test]
    fn dane_takes_precedence() {
        let tlsa = Failure::new(ResultType::TlsaInvalid);
        for mode in ["enforce", "testing", "none"] {
            let p = policy(mode);
            let plan = DeliveryPlan::new(Some(&p), ["mx1.example.com", "other.example"]);
            for c in plan.candidates() {
                assert_eq!(
                    c.verdict(
                        TlsOutcome::Verified,
                        Some(DaneVerdict::Failed(tlsa.clone()))
                    ),
                    Verdict::SkipAndReport(tlsa.clone())
                );
                let untrusted =
                    TlsOutcome::CertificateInvalid(Failure::new(ResultType::CertificateNotTrusted));
                assert_eq!(
                    c.verdict(untrusted, Some(DaneVerdict::Verified)),
                    Verdict::Deliver
                );
            }
        }
    }

    #[test]
    fn empty_mx_list_defers() {
        let p = policy("testing");
        let plan = DeliveryPlan::new(Some(&p), []);
        assert!(plan.candidates().is_empty());
        assert_eq!(plan.when_exhausted(), Exhausted::Defer);
        assert_eq!(plan.enforcement(), EnforcementLevel::Testing);
    }
}
