//! Conversions from [`mta_sts_core`] types (cargo feature `mta-sts`), so that an
//! MTA-STS engine's policies and failures feed the [`Aggregator`](crate::Aggregator)
//! without glue code.

use crate::aggregate::FailureKey;
use crate::report::Policy;
use crate::{PolicyType, ResultType};

impl Policy {
    /// The `sts` policy descriptor of an applied MTA-STS policy
    /// ([RFC 8460 §4.4](https://www.rfc-editor.org/rfc/rfc8460#section-4.4)):
    /// `policy-string` is the policy lines as served (not a re-serialization),
    /// `mx-host` its `mx` patterns, and `policy-domain` the caller's Policy Domain
    /// (in A-labels).
    ///
    /// ```
    /// use tls_rpt_core::{Policy, PolicyType};
    ///
    /// let sts = mta_sts_core::Policy::parse(b"version: STSv1\nmode: enforce\nmax_age: 86400\nmx: *.mail.example.net\n")?;
    /// let p = Policy::from_sts(&sts, "example.net");
    /// assert_eq!(p.policy_type, PolicyType::Sts);
    /// assert_eq!(p.policy_string, ["version: STSv1", "mode: enforce", "max_age: 86400", "mx: *.mail.example.net"]);
    /// assert_eq!(p.mx_host, ["*.mail.example.net"]);
    /// # Ok::<(), mta_sts_core::PolicyError>(())
    /// ```
    pub fn from_sts(policy: &mta_sts_core::Policy, policy_domain: &str) -> Self {
        Self {
            policy_type: PolicyType::Sts,
            policy_string: policy.lines().to_vec(),
            policy_domain: policy_domain.to_owned(),
            mx_host: policy.mx().iter().map(ToString::to_string).collect(),
        }
    }
}

impl From<mta_sts_core::ResultType> for ResultType {
    fn from(t: mta_sts_core::ResultType) -> Self {
        // Both sides are the IANA registry; going through the registry string keeps
        // any value mta-sts-core adds later.
        Self::parse(t.as_str())
    }
}

impl From<&mta_sts_core::Failure> for FailureKey {
    /// A row key with the failure's result type and reason code; add the session's
    /// addresses and MX host name where there was a session.
    fn from(f: &mta_sts_core::Failure) -> Self {
        let mut key = Self::new(f.result_type.into());
        key.failure_reason_code.clone_from(&f.reason_code);
        key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mta_sts_result_type_maps_to_the_registry() {
        for t in mta_sts_core::ResultType::ALL {
            let ours = ResultType::from(t);
            assert!(ours.is_registered(), "{t}");
            assert_eq!(ours.as_str(), t.as_str());
        }
    }

    #[test]
    fn rfc8461_d16_mx_mismatch_failure_becomes_a_row_key() {
        let f = mta_sts_core::Failure::with_reason(
            mta_sts_core::ResultType::ValidationFailure,
            "mtasts-policy-mx-mismatch",
        );
        let key = FailureKey::from(&f);
        assert_eq!(key.result_type, ResultType::ValidationFailure);
        assert_eq!(
            key.failure_reason_code.as_deref(),
            Some("mtasts-policy-mx-mismatch")
        );
    }

    #[test]
    fn policy_string_keeps_the_served_lines() {
        let body =
            b"version: STSv1\r\nmode: testing\r\nmx: mail.example.com.\r\nmax_age: 604800\r\n";
        let sts = mta_sts_core::Policy::parse(body).unwrap();
        let p = Policy::from_sts(&sts, "example.com");
        assert_eq!(p.policy_string[2], "mx: mail.example.com.");
        assert_eq!(p.policy_domain, "example.com");
        assert_eq!(p.mx_host.len(), 1);
    }
}
