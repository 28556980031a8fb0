//! From what applies to a domain to the socketmap answer, per profile.
//!
//! | what applies | default | `fail-closed` |
//! |---|---|---|
//! | `enforce` policy (fetched, cached, or cached while its refresh fails) | `OK secure match=… servername=hostname` (+ TLS-RPT attributes with `tlsrpt`) | same |
//! | `testing` policy | `NOTFOUND` (`testing = "may"`: `OK may …`) | same |
//! | `none` policy, no policy | `NOTFOUND` | same |
//! | published policy not fetched at first contact | `NOTFOUND` | `TEMP`, or with `tlsrpt` `OK secure … policy_failure=…` |
//! | DNS temporary failure, nothing cached; answer deadline passed | `NOTFOUND` | `TEMP` |
//!
//! `testing` never enforces: Postfix has no "verify and report only" level, and `may`
//! would replace a stricter `smtp_tls_security_level` for the domain, so the default
//! is to leave Postfix's own settings alone. A cached enforce policy whose refresh
//! fails stays `secure` without `policy_failure`: with `policy_failure`, Postfix defers
//! the message, which RFC 8461 §5.1 forbids while the cached policy is valid.

use mta_sts_core::{Mode, PolicyDomain};
use mta_sts_postfix::Reply;

use crate::config::{Profile, TestingReply};
use crate::service::Answer;

/// The socketmap answer for `domain` under `profile`.
pub fn render(profile: &Profile, domain: &PolicyDomain, answer: &Answer) -> Reply {
    match answer {
        Answer::Policy { entry, .. } => {
            let policy = entry.policy();
            match policy.mode() {
                Mode::Enforce => {
                    Reply::Ok(mta_sts_postfix::enforce(domain, policy, profile.tlsrpt))
                }
                Mode::Testing => match profile.testing {
                    TestingReply::Notfound => Reply::NotFound,
                    TestingReply::May => {
                        Reply::Ok(mta_sts_postfix::testing_may(domain, policy, profile.tlsrpt))
                    }
                },
                Mode::None => Reply::NotFound,
            }
        }
        Answer::NoPolicy {
            failure: Some(failure),
        } if profile.fail_closed => {
            if profile.tlsrpt {
                Reply::Ok(mta_sts_postfix::policy_failure(domain, failure))
            } else {
                Reply::Temp(format!(
                    "MTA-STS policy of {domain} could not be fetched: {failure}"
                ))
            }
        }
        Answer::NoPolicy { .. } => Reply::NotFound,
        Answer::TemporaryFailure if profile.fail_closed => {
            Reply::Temp(format!("MTA-STS discovery for {domain} failed temporarily"))
        }
        Answer::TemporaryFailure => Reply::NotFound,
    }
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use mta_sts_core::{CachedPolicy, Failure, ResultType};

    use super::*;

    fn answer(mode: &str) -> Answer {
        let text = format!("version: STSv1\nmode: {mode}\nmx: mx.example.com\nmax_age: 86400\n");
        let entry = CachedPolicy::from_parts(
            PolicyDomain::new("example.com").unwrap(),
            "1",
            &text,
            SystemTime::now(),
        )
        .unwrap();
        Answer::Policy {
            entry,
            failure: None,
        }
    }

    fn domain() -> PolicyDomain {
        PolicyDomain::new("example.com").unwrap()
    }

    #[test]
    fn rfc8461_s5_only_enforce_enforces() {
        let p = Profile::default();
        assert_eq!(
            render(&p, &domain(), &answer("enforce")),
            Reply::Ok("secure match=mx.example.com servername=hostname".into())
        );
        assert_eq!(render(&p, &domain(), &answer("testing")), Reply::NotFound);
        assert_eq!(render(&p, &domain(), &answer("none")), Reply::NotFound);
        let may = Profile {
            testing: TestingReply::May,
            ..Profile::default()
        };
        assert_eq!(
            render(&may, &domain(), &answer("testing")),
            Reply::Ok("may".into())
        );
    }

    #[test]
    fn rfc8461_s5_1_failures_deliver_unless_fail_closed() {
        let failed = Answer::NoPolicy {
            failure: Some(Failure::new(ResultType::StsPolicyFetchError)),
        };
        let open = Profile::default();
        assert_eq!(render(&open, &domain(), &failed), Reply::NotFound);
        assert_eq!(
            render(&open, &domain(), &Answer::TemporaryFailure),
            Reply::NotFound
        );
        let closed = Profile {
            fail_closed: true,
            ..Profile::default()
        };
        assert!(matches!(
            render(&closed, &domain(), &failed),
            Reply::Temp(_)
        ));
        assert!(matches!(
            render(&closed, &domain(), &Answer::TemporaryFailure),
            Reply::Temp(_)
        ));
        // No published policy: nothing to defer for.
        assert_eq!(
            render(&closed, &domain(), &Answer::NoPolicy { failure: None }),
            Reply::NotFound
        );
        let reporting = Profile {
            tlsrpt: true,
            ..closed
        };
        assert_eq!(
            render(&reporting, &domain(), &failed),
            Reply::Ok(
                "secure policy_type=sts policy_domain=example.com policy_failure=sts-policy-fetch-error"
                    .into()
            )
        );
    }
}
