//! `smtp_tls_policy_maps` answers for MTA-STS
//! ([postconf(5)](https://www.postfix.org/postconf.5.html#smtp_tls_policy_maps),
//! [TLSRPT_README](https://www.postfix.org/TLSRPT_README.html)).
//!
//! What Postfix does with each answer, measured on Postfix 3.7 and 3.10:
//!
//! - `secure match=<patterns> servername=hostname`: verified TLS to an MX whose
//!   certificate names the MX host and matches a pattern; otherwise the message is
//!   deferred (4.7.5). A policy's `*.x` becomes Postfix's `.x`, which Postfix also lets
//!   match deeper names; Postfix 3.10.5+ refuses a non-matching MX before connecting
//!   when `mx_host_pattern` attributes are present.
//! - The TLS-RPT attributes of Postfix 3.10 (`policy_type`, `policy_domain`,
//!   `mx_host_pattern`, `policy_string`, `policy_failure`) make Postfix report the
//!   session; Postfix 3.9 and older refuse them (`invalid attribute name`) and defer
//!   every message, so they are added only on request.

use mta_sts_core::{Failure, Policy, PolicyDomain, ResultType};

use crate::socketmap::MAX_REPLY_LEN;

/// The Policy Domain of a lookup key, or `None` when the key cannot have an MTA-STS
/// policy: the parent forms Postfix tries after a miss (`.example.com`), bracketed
/// next hops (`[mx.example.com]:25`, `[192.0.2.1]`), a next hop with a port, IP
/// addresses ([RFC 8461 §3.4](https://www.rfc-editor.org/rfc/rfc8461#section-3.4)
/// applies to domains only), and anything that is not a valid domain name.
///
/// ```
/// use mta_sts_postfix::policy_domain;
///
/// assert_eq!(policy_domain("Example.COM.").map(|d| d.to_string()).as_deref(), Some("example.com"));
/// for key in [".example.com", "[mx.example.com]:25", "192.0.2.1", "example.com:587", ""] {
///     assert!(policy_domain(key).is_none(), "{key}");
/// }
/// ```
pub fn policy_domain(key: &str) -> Option<PolicyDomain> {
    if key.starts_with('.') {
        return None;
    }
    PolicyDomain::new(key).ok()
}

/// Appends the `match=` value: the policy's `mx` patterns in Postfix's form,
/// `:`-separated, in lower case.
fn push_match_list(out: &mut String, policy: &Policy) {
    for (i, pattern) in policy.mx().iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        if pattern.is_wildcard() {
            out.push('.');
        }
        let domain = pattern.domain();
        if domain.bytes().any(|b| b.is_ascii_uppercase()) {
            out.extend(domain.chars().map(|c| c.to_ascii_lowercase()));
        } else {
            out.push_str(domain);
        }
    }
}

/// The TLS-RPT attributes that describe `policy` of `domain`.
fn tlsrpt_attributes(
    out: &mut String,
    domain: &PolicyDomain,
    policy: &Policy,
    mx_patterns: bool,
    strings: bool,
) {
    out.push_str(" policy_type=sts policy_domain=");
    out.push_str(domain.as_str());
    if mx_patterns {
        for pattern in policy.mx() {
            // As published: `*.x`, never Postfix's `.x` (3.10.5+ refuses every MX then).
            out.push_str(" mx_host_pattern=");
            if pattern.is_wildcard() {
                out.push_str("*.");
            }
            out.push_str(pattern.domain());
        }
    }
    if strings {
        for line in policy.lines() {
            // `{ name = value }` cannot quote braces: a line holding one (only an
            // extension value can) would let the policy host inject attributes.
            if line.contains(['{', '}']) || line.trim().is_empty() {
                continue;
            }
            out.push_str(" { policy_string = ");
            out.push_str(line.trim());
            out.push_str(" }");
        }
    }
}

/// The answer for an `enforce` policy: verified TLS to a matching MX, and with `tlsrpt`
/// the Postfix 3.10 attributes that describe the policy for its TLS-RPT report.
///
/// Should the policy strings make the answer longer than Postfix accepts
/// ([`MAX_REPLY_LEN`]), they are left out; the policy still applies.
///
/// ```
/// use mta_sts_core::{Policy, PolicyDomain};
/// use mta_sts_postfix::enforce;
///
/// let domain = PolicyDomain::new("example.com")?;
/// let policy = Policy::parse(b"version: STSv1\nmode: enforce\nmx: mx1.example.com\nmx: *.mx.example.com\nmax_age: 86400\n")?;
/// assert_eq!(enforce(&domain, &policy, false), "secure match=mx1.example.com:.mx.example.com servername=hostname");
/// assert_eq!(
///     enforce(&domain, &policy, true),
///     "secure match=mx1.example.com:.mx.example.com servername=hostname policy_type=sts \
///      policy_domain=example.com mx_host_pattern=mx1.example.com mx_host_pattern=*.mx.example.com \
///      { policy_string = version: STSv1 } { policy_string = mode: enforce } \
///      { policy_string = mx: mx1.example.com } { policy_string = mx: *.mx.example.com } \
///      { policy_string = max_age: 86400 }"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn enforce(domain: &PolicyDomain, policy: &Policy, tlsrpt: bool) -> String {
    // Sized once: this runs for every answer.
    let patterns: usize = policy.mx().iter().map(|p| p.domain().len() + 2).sum();
    let mut out = String::with_capacity(34 + patterns);
    out.push_str("secure match=");
    push_match_list(&mut out, policy);
    out.push_str(" servername=hostname");
    if tlsrpt {
        let plain = out.len();
        tlsrpt_attributes(&mut out, domain, policy, true, true);
        if out.len() > MAX_REPLY_LEN - 16 {
            out.truncate(plain);
            tlsrpt_attributes(&mut out, domain, policy, true, false);
        }
    }
    out
}

/// The answer for a `testing` policy when the profile asks Postfix to try TLS and
/// report: `may`, with the policy's TLS-RPT attributes but without `mx_host_pattern`
/// (with it, Postfix 3.10.5+ would refuse non-matching MX hosts, which is enforcing).
///
/// Mind that `may` replaces the `smtp_tls_security_level` Postfix would otherwise use
/// for the domain, even a stricter one.
pub fn testing_may(domain: &PolicyDomain, policy: &Policy, tlsrpt: bool) -> String {
    let mut out = String::from("may");
    if tlsrpt {
        tlsrpt_attributes(&mut out, domain, policy, false, true);
        if out.len() > MAX_REPLY_LEN - 16 {
            out.truncate(3);
            tlsrpt_attributes(&mut out, domain, policy, false, false);
        }
    }
    out
}

/// The answer for a domain whose MX hosts all have DNSSEC-validated TLSA records when
/// the sender does DANE: DANE takes precedence over MTA-STS
/// ([RFC 8461 §2](https://www.rfc-editor.org/rfc/rfc8461#section-2)), and Postfix's
/// `dane-only` never falls back to unauthenticated TLS.
pub const DANE_ONLY: &str = "dane-only";

/// The `policy_failure` value Postfix 3.10 accepts for `failure`.
pub fn policy_failure_name(failure: &Failure) -> &'static str {
    let t = if failure.result_type.is_sts_policy_failure() {
        &failure.result_type
    } else {
        &ResultType::ValidationFailure
    };
    t.registry_str_with_nul()
        .and_then(|s| s.strip_suffix('\0'))
        .unwrap_or("validation-failure")
}

/// The answer that makes Postfix 3.10 defer the message and report `failure` for
/// `domain`: `secure` with `policy_failure`. Only for a profile that chose to defer
/// when a published policy cannot be fetched (RFC 8461 §5.1 would deliver).
///
/// ```
/// use mta_sts_core::{Failure, PolicyDomain, ResultType};
/// use mta_sts_postfix::policy_failure;
///
/// let domain = PolicyDomain::new("example.com")?;
/// let failure = Failure::new(ResultType::StsPolicyFetchError);
/// assert_eq!(
///     policy_failure(&domain, &failure),
///     "secure policy_type=sts policy_domain=example.com policy_failure=sts-policy-fetch-error"
/// );
/// # Ok::<(), mta_sts_core::DomainError>(())
/// ```
pub fn policy_failure(domain: &PolicyDomain, failure: &Failure) -> String {
    format!(
        "secure policy_type=sts policy_domain={} policy_failure={}",
        domain.as_str(),
        policy_failure_name(failure)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(text: &str) -> Policy {
        Policy::parse(text.as_bytes()).unwrap()
    }

    fn domain() -> PolicyDomain {
        PolicyDomain::new("example.com").unwrap()
    }

    #[test]
    fn rfc8461_s4_1_wildcards_become_postfix_parent_patterns() {
        let p = policy("version: STSv1\nmode: enforce\nmx: *.Mail.Example.com\nmax_age: 86400\n");
        assert_eq!(
            enforce(&domain(), &p, false),
            "secure match=.mail.example.com servername=hostname"
        );
    }

    #[test]
    fn braces_in_policy_lines_cannot_inject_attributes() {
        let p = policy(
            "version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 86400\next: } servername=evil.example {\n",
        );
        let reply = enforce(&domain(), &p, true);
        assert!(!reply.contains("evil"), "{reply}");
        assert!(
            reply.ends_with("{ policy_string = max_age: 86400 }"),
            "{reply}"
        );
    }

    #[test]
    fn oversize_policy_strings_are_left_out() {
        let mut text =
            String::from("version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 86400\n");
        while text.len() < 60_000 {
            text.push_str("e: 1\n");
        }
        // 12,000 short lines become ~270 kB of attributes: over Postfix's limit.
        let reply = enforce(&domain(), &policy(&text), true);
        assert!(reply.len() < MAX_REPLY_LEN);
        assert!(reply.contains("mx_host_pattern=mx.example.com"));
        assert!(!reply.contains("policy_string"));
    }

    #[test]
    fn testing_may_never_lists_mx_patterns() {
        let p = policy("version: STSv1\nmode: testing\nmx: mx.example.com\nmax_age: 86400\n");
        assert_eq!(testing_may(&domain(), &p, false), "may");
        let reply = testing_may(&domain(), &p, true);
        assert!(reply.starts_with("may policy_type=sts policy_domain=example.com {"));
        assert!(!reply.contains("mx_host_pattern"));
    }

    #[test]
    fn failures_map_to_postfix_names() {
        let name = |t| policy_failure_name(&Failure::new(t));
        assert_eq!(name(ResultType::StsPolicyInvalid), "sts-policy-invalid");
        assert_eq!(name(ResultType::StsWebpkiInvalid), "sts-webpki-invalid");
        assert_eq!(name(ResultType::CertificateExpired), "validation-failure");
    }
}
