//! The `sts` policy descriptor of an [`mta_sts_core`] policy (cargo feature `mta-sts`),
//! so that an MTA-STS engine's policies feed the [`Aggregator`](crate::Aggregator)
//! without glue code. (Its failures need no conversion: both crates share
//! [`Failure`](crate::Failure).)

use crate::PolicyType;
use crate::report::Policy;

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

#[cfg(test)]
mod tests {
    use super::*;

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
