//! The datagram a sending MTA emits through sys4's libtlsrpt, one per delivery
//! attempt, for a collector to count into an [`Aggregator`].
//!
//! Postfix 3.10 (`smtp_tlsrpt_enable = yes`) reports every TLS handshake this way, on
//! an AF_UNIX datagram socket. The body is one JSON object with short keys:
//!
//! ```text
//! { "dpv": "1",                       (absent before libtlsrpt 0.5.0)
//!   "d": "<report domain>",  "pr": "<its _smtp._tls TXT record>",
//!   "policies": [ { "policy-type": 1 (tlsa) | 2 (sts) | 9 (no-policy-found),
//!                   "policy-domain": "...", "policy-string": ["..."], "mx-host": ["..."],
//!                   "failure-details": [ { "c": <code>, "s": "<sending ip>", "n": "<mx host>",
//!                                          "h": "<EHLO reply>", "r": "<receiving ip>",
//!                                          "a": "<additional information>", "f": "<reason code>" } ],
//!                   "t": <number of failure details>, "f": 0 (success) | 1 (failure) } ] }
//! ```
//!
//! Each element of `policies` is one session outcome for that policy
//! ([RFC 8460 §4.4](https://www.rfc-editor.org/rfc/rfc8460#section-4.4)): `f: 0` counts
//! a successful session, `f: 1` a failed one whose failure-detail rows are the
//! `failure-details`. Keys this module does not know are ignored, so a newer
//! libtlsrpt that adds members still parses.
//!
//! # Failure codes
//!
//! Codes 201–205 and 301–306 are libtlsrpt's names for the registry result types
//! ([`result_type_for_code`]). Code 901 (libtlsrpt's "unfinished policy", an internal
//! error of the sender) and any code libtlsrpt may add later have no result type of
//! their own. They are kept, not dropped: the row becomes `validation-failure`, the
//! RFC's type for "a general failure for a reason not matching a category above"
//! ([RFC 8460 §4.3.3](https://www.rfc-editor.org/rfc/rfc8460#section-4.3.3)), with the
//! failure-reason-code `libtlsrpt-code-<code>` (followed by `: ` and the sender's own
//! reason code when it gave one). A report built from it stays valid for every
//! receiver, which a made-up result type would not, and the code survives into the
//! report where the domain owner can read it. [`DatagramNote::UnknownCode`] says it
//! happened.
//!
//! ```
//! use tls_rpt_core::{Aggregator, Datagram, ResultType};
//!
//! let bytes = br#"{"d": "bad.test","pr": "v=TLSRPTv1; rua=mailto:tlsrpt@bad.test","policies":[{"policy-type":2,"policy-domain": "bad.test","policy-string":["mx: mx1.bad.test","version: STSv1","mode: enforce","max_age: 86400"],"mx-host":["mx1.bad.test"],"failure-details":[{"c":202,"s": "127.0.0.1","n": "mx1.bad.test","h": "250-mx1.bad.test\r\n250-SIZE 33554432\r\n250 HELP","r": "127.0.0.21"}],"t":1,"f":1}]}"#;
//! let datagram = Datagram::parse(bytes)?;
//! assert_eq!(datagram.domain, "bad.test");
//! let failure = &datagram.policies[0].failures[0];
//! assert_eq!(failure.key.result_type, ResultType::CertificateHostMismatch);
//!
//! // One aggregator per (UTC day, domain, record): the collector keeps the map.
//! let mut agg = Aggregator::default();
//! datagram.record_into(&mut agg)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::net::IpAddr;

use serde::de::{IgnoredAny, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::aggregate::{AggregateError, Aggregator, FailureKey};
use crate::limits;
use crate::report::Policy;
use crate::{PolicyType, ResultType};

/// The datagram protocol version this module reads (`"dpv": "1"`).
pub const DATAGRAM_PROTOCOL_VERSION: &str = "1";

/// One parsed libtlsrpt datagram: the report domain, its TLS-RPT record and one
/// session outcome per policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Datagram {
    /// `dpv`, the datagram protocol version, as sent; `None` before libtlsrpt 0.5.0.
    pub version: Option<String>,
    /// `d`: the domain the report is about, lower-cased, without a trailing dot.
    pub domain: String,
    /// `pr`: the domain's `_smtp._tls` TXT record as the sender found it; reports go
    /// to its `rua`.
    pub record: String,
    /// `policies`: one session outcome per policy.
    pub policies: Vec<DatagramPolicy>,
    /// What the parser accepted but a careful collector should count.
    pub notes: Vec<DatagramNote>,
}

/// One session outcome for one policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatagramPolicy {
    /// The policy descriptor of the report
    /// ([RFC 8460 §4.4](https://www.rfc-editor.org/rfc/rfc8460#section-4.4)).
    /// `policy-domain` is always filled: with the datagram's domain when the sender
    /// left it out or empty.
    pub policy: Policy,
    /// `f`: whether the session failed.
    pub failed: bool,
    /// `failure-details`, in datagram order.
    pub failures: Vec<DatagramFailure>,
}

/// One failure detail of a datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatagramFailure {
    /// `c`: libtlsrpt's failure code, as sent.
    pub code: u32,
    /// The failure-detail row it counts in: the result type of the code, and the
    /// `s`, `n`, `h`, `r` and `f` members. `h` is kept whole (Postfix sends the
    /// complete multi-line EHLO reply, CRLFs included).
    pub key: FailureKey,
    /// `a`: additional information. The report row key (the RFC 8460 §4.4 6-tuple)
    /// does not include it, so [`Datagram::record_into`] does not carry it.
    pub additional_information: Option<String>,
}

/// Something the parser accepted and kept, but a collector should count or log.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DatagramNote {
    /// No `dpv`: a libtlsrpt older than 0.5.0 (Debian 13 ships 0.5.0rc1).
    NoVersion,
    /// A `dpv` other than [`DATAGRAM_PROTOCOL_VERSION`]; read as version 1.
    UnknownVersion {
        /// The value sent.
        version: String,
    },
    /// A failure code without a registry result type (901 or unknown), kept as
    /// `validation-failure` with a reason code (see the module docs).
    UnknownCode {
        /// The code.
        code: u32,
    },
    /// `t` differs from the number of `failure-details`; the details are counted.
    CountMismatch {
        /// Index of the policy in the datagram.
        policy: usize,
        /// `t`.
        declared: u64,
        /// The number of `failure-details`.
        listed: usize,
    },
    /// `f: 0` (success) with failure details: the session counts as a success and
    /// the details are not counted (a failure row needs a failed session).
    DetailsOnSuccess {
        /// Index of the policy in the datagram.
        policy: usize,
    },
    /// `policy-domain` absent or empty: filled with the datagram's domain.
    PolicyDomainFilled {
        /// Index of the policy in the datagram.
        policy: usize,
    },
    /// `s` or `r` is not an IP address: left out of the row.
    InvalidAddress {
        /// `"s"` or `"r"`.
        field: &'static str,
        /// Index of the policy in the datagram.
        policy: usize,
    },
}

/// Why a datagram was rejected. A rejected datagram changes no state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DatagramError {
    /// Longer than [`limits::MAX_DATAGRAM_LEN`].
    #[error("datagram is {len} bytes, over the limit of {limit}")]
    TooLarge {
        /// The datagram's length.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// Not UTF-8 ([RFC 8259 §8.1](https://www.rfc-editor.org/rfc/rfc8259#section-8.1)).
    #[error("datagram is not UTF-8 (first bad byte at offset {offset})")]
    NotUtf8 {
        /// Offset of the first byte that is not UTF-8.
        offset: usize,
    },
    /// Not a JSON object of the datagram's shape (bad JSON, a missing required
    /// member `d`, `pr`, `policies`, `policy-type`, `f` or `c`, or a value of the
    /// wrong type).
    #[error("invalid datagram at line {line}, column {column}: {message}")]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// serde_json's message.
        message: String,
    },
    /// A list longer than its limit (policies, failure details, policy strings or
    /// MX patterns), or a declared count `t` over the failure-detail limit.
    #[error("{what}: more than {limit}")]
    TooMany {
        /// Which list.
        what: &'static str,
        /// The limit.
        limit: usize,
    },
    /// No policies at all.
    #[error("datagram has no policies")]
    NoPolicies,
    /// `d` or a `policy-domain` is empty, too long or has characters a domain name
    /// cannot have (it becomes a report key, a file name and a mail header).
    #[error("{field}: not a domain name")]
    InvalidDomain {
        /// `"d"` or `"policy-domain"`.
        field: &'static str,
    },
    /// `pr` is empty or longer than [`limits::MAX_TXT_RECORD_LEN`].
    #[error("pr: empty or longer than {limit} bytes")]
    InvalidRecord {
        /// The limit.
        limit: usize,
    },
    /// A `policy-type` other than 1, 2 or 9.
    #[error("policy-type {value} is not 1 (tlsa), 2 (sts) or 9 (no-policy-found)")]
    UnknownPolicyType {
        /// The value sent.
        value: u64,
    },
    /// A policy's `f` other than 0 or 1.
    #[error("f (final result) is {value}, not 0 or 1")]
    InvalidFinalResult {
        /// The value sent.
        value: u64,
    },
}

/// The registry result type of a libtlsrpt failure code (`tlsrpt_failure_t` in
/// libtlsrpt's `tlsrpt.h`): 201–205 and 301–306. `None` for 901 (an internal error
/// of the sender) and unknown codes.
///
/// ```
/// use tls_rpt_core::{ResultType, result_type_for_code};
///
/// assert_eq!(result_type_for_code(203), Some(ResultType::CertificateNotTrusted));
/// assert_eq!(result_type_for_code(901), None);
/// ```
pub fn result_type_for_code(code: u32) -> Option<ResultType> {
    Some(match code {
        201 => ResultType::StarttlsNotSupported,
        202 => ResultType::CertificateHostMismatch,
        203 => ResultType::CertificateNotTrusted,
        204 => ResultType::CertificateExpired,
        205 => ResultType::ValidationFailure,
        301 => ResultType::StsPolicyFetchError,
        302 => ResultType::StsPolicyInvalid,
        303 => ResultType::StsWebpkiInvalid,
        304 => ResultType::TlsaInvalid,
        305 => ResultType::DnssecInvalid,
        306 => ResultType::DaneRequired,
        _ => return None,
    })
}

impl Datagram {
    /// Reads one datagram. Total: any input gives a value or an error, never a
    /// panic, and allocation is bounded by the limits in [`limits`].
    pub fn parse(input: &[u8]) -> Result<Self, DatagramError> {
        if input.len() > limits::MAX_DATAGRAM_LEN {
            return Err(DatagramError::TooLarge {
                len: input.len(),
                limit: limits::MAX_DATAGRAM_LEN,
            });
        }
        // JSON text is UTF-8 (RFC 8259 §8.1); serde_json does not check the strings
        // it skips, so check the whole datagram first.
        let text = std::str::from_utf8(input).map_err(|e| DatagramError::NotUtf8 {
            offset: e.valid_up_to(),
        })?;
        let wire: WireDatagram<'_> =
            serde_json::from_str(text).map_err(|e| DatagramError::Json {
                line: e.line(),
                column: e.column(),
                message: e.to_string(),
            })?;
        let mut notes = Vec::new();
        match wire.dpv.as_deref() {
            None => notes.push(DatagramNote::NoVersion),
            Some(DATAGRAM_PROTOCOL_VERSION) => {}
            Some(v) => notes.push(DatagramNote::UnknownVersion {
                version: v.to_owned(),
            }),
        }
        let domain =
            normalize_domain(&wire.d).ok_or(DatagramError::InvalidDomain { field: "d" })?;
        if wire.pr.is_empty() || wire.pr.len() > limits::MAX_TXT_RECORD_LEN {
            return Err(DatagramError::InvalidRecord {
                limit: limits::MAX_TXT_RECORD_LEN,
            });
        }
        let wire_policies = wire.policies.into_items("policies")?;
        if wire_policies.is_empty() {
            return Err(DatagramError::NoPolicies);
        }
        let mut policies = Vec::with_capacity(wire_policies.len());
        for (index, p) in wire_policies.into_iter().enumerate() {
            policies.push(p.into_policy(index, &domain, &mut notes)?);
        }
        Ok(Self {
            version: wire.dpv.map(Cow::into_owned),
            domain,
            record: wire.pr.into_owned(),
            policies,
            notes,
        })
    }

    /// Counts the datagram's sessions into `agg`, the aggregator of this datagram's
    /// UTC day, domain and record: one success or one failed session (with its rows)
    /// per policy.
    pub fn record_into(&self, agg: &mut Aggregator) -> Result<(), AggregateError> {
        for p in &self.policies {
            let id = agg.policy_id(&p.policy)?;
            if p.failed {
                agg.record_failure_session(id, p.failures.iter().map(|f| f.key.clone()))?;
            } else {
                agg.record_success(id)?;
            }
        }
        Ok(())
    }
}

/// Lower-cases ASCII and drops one trailing dot; `None` unless the result is a
/// plausible domain name: 1 to [`limits::MAX_DATAGRAM_DOMAIN_LEN`] bytes of letters,
/// digits, `-`, `_` and `.`.
fn normalize_domain(raw: &str) -> Option<String> {
    let d = raw.strip_suffix('.').unwrap_or(raw);
    let ok = !d.is_empty()
        && d.len() <= limits::MAX_DATAGRAM_DOMAIN_LEN
        && d.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    ok.then(|| d.to_ascii_lowercase())
}

#[derive(Deserialize)]
struct WireDatagram<'a> {
    #[serde(default, borrow)]
    dpv: Option<Cow<'a, str>>,
    #[serde(borrow)]
    d: Cow<'a, str>,
    #[serde(borrow)]
    pr: Cow<'a, str>,
    #[serde(borrow)]
    policies: Bounded<WirePolicy<'a>, { limits::MAX_DATAGRAM_POLICIES }>,
}

#[derive(Deserialize)]
struct WirePolicy<'a> {
    #[serde(rename = "policy-type")]
    policy_type: u64,
    #[serde(rename = "policy-domain", default, borrow)]
    policy_domain: Option<Cow<'a, str>>,
    #[serde(rename = "policy-string", default)]
    policy_string: Bounded<String, { limits::MAX_DATAGRAM_LIST_ITEMS }>,
    #[serde(rename = "mx-host", default)]
    mx_host: Bounded<String, { limits::MAX_DATAGRAM_LIST_ITEMS }>,
    #[serde(rename = "failure-details", default, borrow)]
    failure_details: Bounded<WireFailure<'a>, { limits::MAX_DATAGRAM_FAILURE_DETAILS }>,
    #[serde(default)]
    t: Option<u64>,
    f: u64,
}

#[derive(Deserialize)]
struct WireFailure<'a> {
    c: u32,
    #[serde(default, borrow)]
    s: Option<Cow<'a, str>>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    h: Option<String>,
    #[serde(default, borrow)]
    r: Option<Cow<'a, str>>,
    #[serde(default)]
    a: Option<String>,
    #[serde(default)]
    f: Option<String>,
}

impl WirePolicy<'_> {
    fn into_policy(
        self,
        index: usize,
        domain: &str,
        notes: &mut Vec<DatagramNote>,
    ) -> Result<DatagramPolicy, DatagramError> {
        let policy_type = match self.policy_type {
            1 => PolicyType::Tlsa,
            2 => PolicyType::Sts,
            9 => PolicyType::NoPolicyFound,
            value => return Err(DatagramError::UnknownPolicyType { value }),
        };
        let failed = match self.f {
            0 => false,
            1 => true,
            value => return Err(DatagramError::InvalidFinalResult { value }),
        };
        let policy_domain = match self.policy_domain.as_deref() {
            None | Some("") => {
                notes.push(DatagramNote::PolicyDomainFilled { policy: index });
                domain.to_owned()
            }
            Some(d) => normalize_domain(d).ok_or(DatagramError::InvalidDomain {
                field: "policy-domain",
            })?,
        };
        let details = self.failure_details.into_items("failure-details")?;
        if let Some(declared) = self.t {
            let too_many = usize::try_from(declared)
                .map_or(true, |t| t > limits::MAX_DATAGRAM_FAILURE_DETAILS);
            if too_many {
                return Err(DatagramError::TooMany {
                    what: "t (failure count)",
                    limit: limits::MAX_DATAGRAM_FAILURE_DETAILS,
                });
            }
            if usize::try_from(declared).ok() != Some(details.len()) {
                notes.push(DatagramNote::CountMismatch {
                    policy: index,
                    declared,
                    listed: details.len(),
                });
            }
        }
        if !failed && !details.is_empty() {
            notes.push(DatagramNote::DetailsOnSuccess { policy: index });
        }
        let mut failures = Vec::with_capacity(details.len());
        for w in details {
            failures.push(w.into_failure(index, notes));
        }
        Ok(DatagramPolicy {
            policy: Policy {
                policy_type,
                policy_string: self.policy_string.into_items("policy-string")?,
                policy_domain,
                mx_host: self.mx_host.into_items("mx-host")?,
            },
            failed,
            failures,
        })
    }
}

impl WireFailure<'_> {
    fn into_failure(self, policy: usize, notes: &mut Vec<DatagramNote>) -> DatagramFailure {
        let mut ip = |field: &'static str, value: Option<Cow<'_, str>>| -> Option<IpAddr> {
            let value = value?;
            let parsed = value.parse().ok();
            if parsed.is_none() {
                notes.push(DatagramNote::InvalidAddress { field, policy });
            }
            parsed
        };
        let sending_mta_ip = ip("s", self.s);
        let receiving_ip = ip("r", self.r);
        let (result_type, failure_reason_code) = match result_type_for_code(self.c) {
            Some(t) => (t, self.f),
            None => {
                notes.push(DatagramNote::UnknownCode { code: self.c });
                let code = match self.f {
                    Some(f) => format!("libtlsrpt-code-{}: {f}", self.c),
                    None => format!("libtlsrpt-code-{}", self.c),
                };
                (ResultType::ValidationFailure, Some(code))
            }
        };
        let mut key = FailureKey::new(result_type);
        key.sending_mta_ip = sending_mta_ip;
        key.receiving_mx_hostname = self.n;
        key.receiving_mx_helo = self.h;
        key.receiving_ip = receiving_ip;
        key.failure_reason_code = failure_reason_code;
        DatagramFailure {
            code: self.c,
            key,
            additional_information: self.a,
        }
    }
}

/// A JSON array read into at most `N` items: further items are skipped without
/// being kept, and [`Bounded::into_items`] turns their presence into
/// [`DatagramError::TooMany`].
struct Bounded<T, const N: usize> {
    items: Vec<T>,
    overflow: bool,
}

impl<T, const N: usize> Default for Bounded<T, N> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            overflow: false,
        }
    }
}

impl<T, const N: usize> Bounded<T, N> {
    fn into_items(self, what: &'static str) -> Result<Vec<T>, DatagramError> {
        if self.overflow {
            Err(DatagramError::TooMany { what, limit: N })
        } else {
            Ok(self.items)
        }
    }
}

impl<'de, T: Deserialize<'de>, const N: usize> Deserialize<'de> for Bounded<T, N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T, const N: usize>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>, const N: usize> Visitor<'de> for V<T, N> {
            type Value = Bounded<T, N>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Bounded::default();
                while out.items.len() < N {
                    match seq.next_element()? {
                        Some(item) => out.items.push(item),
                        None => return Ok(out),
                    }
                }
                while seq.next_element::<IgnoredAny>()?.is_some() {
                    out.overflow = true;
                }
                Ok(out)
            }
        }
        d.deserialize_seq(V(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Datagram, DatagramError> {
        Datagram::parse(s.as_bytes())
    }

    fn with_details(details: &str) -> String {
        format!(
            r#"{{"dpv":"1","d":"a.test","pr":"v=TLSRPTv1; rua=mailto:r@a.test","policies":[{{"policy-type":2,"policy-domain":"a.test","failure-details":[{details}],"f":1}}]}}"#
        )
    }

    #[test]
    fn every_code_maps_to_its_result_type() {
        for (code, name) in [
            (201, "starttls-not-supported"),
            (202, "certificate-host-mismatch"),
            (203, "certificate-not-trusted"),
            (204, "certificate-expired"),
            (205, "validation-failure"),
            (301, "sts-policy-fetch-error"),
            (302, "sts-policy-invalid"),
            (303, "sts-webpki-invalid"),
            (304, "tlsa-invalid"),
            (305, "dnssec-invalid"),
            (306, "dane-required"),
        ] {
            let d = parse(&with_details(&format!(r#"{{"c":{code}}}"#))).unwrap();
            let f = &d.policies[0].failures[0];
            assert_eq!(f.key.result_type.as_str(), name);
            assert_eq!(f.key.failure_reason_code, None);
            assert!(d.notes.is_empty(), "{code}: {:?}", d.notes);
        }
    }

    #[test]
    fn rfc8460_s4_3_3_code_901_and_unknown_codes_become_validation_failure_with_the_code() {
        for (details, reason) in [
            (r#"{"c":901}"#, "libtlsrpt-code-901"),
            (r#"{"c":999,"f":"x-new"}"#, "libtlsrpt-code-999: x-new"),
            (r#"{"c":0}"#, "libtlsrpt-code-0"),
        ] {
            let d = parse(&with_details(details)).unwrap();
            let f = &d.policies[0].failures[0];
            assert_eq!(f.key.result_type, ResultType::ValidationFailure);
            assert_eq!(f.key.failure_reason_code.as_deref(), Some(reason));
            assert!(matches!(d.notes[0], DatagramNote::UnknownCode { .. }));
        }
    }

    #[test]
    fn wrong_types_are_rejected() {
        for bad in [
            r#"{"c":"202"}"#,
            r#"{"c":-1}"#,
            r#"{"c":2.5}"#,
            r#"{"c":202,"s":1}"#,
            r#"{"c":202,"h":["x"]}"#,
            r#"{"s":"1.2.3.4"}"#,
            r#"7"#,
        ] {
            assert!(
                matches!(parse(&with_details(bad)), Err(DatagramError::Json { .. })),
                "{bad}"
            );
        }
        for bad in [
            "",
            "[]",
            "null",
            "{",
            r#"{"d":"a.test","pr":"v=TLSRPTv1;","policies":{}}"#,
            r#"{"d":"a.test","policies":[]}"#,
            r#"{"d":"a.test","pr":"x","policies":[{"policy-type":"2","f":0}]}"#,
            r#"{"d":"a.test","pr":"x","policies":[{"policy-type":2,"f":false}]}"#,
            r#"{"d":"a.test","pr":"x","policies":[{"policy-type":2}]}"#,
            r#"{"d":"a.test","pr":"x","policies":[{"policy-type":2,"f":0,"t":"1"}]}"#,
            r#"{"d":"a.test","pr":"x","policies":[{"policy-type":2,"f":0,"policy-string":"x"}]}"#,
        ] {
            assert!(
                matches!(parse(bad), Err(DatagramError::Json { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn non_utf8_is_rejected_even_in_an_ignored_member() {
        let mut bytes = with_details(r#"{"c":201,"x":"~~"}"#).into_bytes();
        assert!(Datagram::parse(&bytes).is_ok());
        let at = bytes.iter().position(|&b| b == b'~').unwrap();
        bytes[at] = 0xff;
        assert_eq!(
            Datagram::parse(&bytes),
            Err(DatagramError::NotUtf8 { offset: at })
        );
    }

    #[test]
    fn invalid_values_have_their_own_errors() {
        let p = |policy: &str| {
            parse(&format!(
                r#"{{"d":"a.test","pr":"v=TLSRPTv1; rua=mailto:r@a.test","policies":[{policy}]}}"#
            ))
        };
        assert_eq!(
            p(r#"{"policy-type":3,"f":0}"#),
            Err(DatagramError::UnknownPolicyType { value: 3 })
        );
        assert_eq!(
            p(r#"{"policy-type":2,"f":2}"#),
            Err(DatagramError::InvalidFinalResult { value: 2 })
        );
        assert_eq!(
            p(r#"{"policy-type":2,"f":1,"t":100000000000}"#),
            Err(DatagramError::TooMany {
                what: "t (failure count)",
                limit: limits::MAX_DATAGRAM_FAILURE_DETAILS
            })
        );
        assert_eq!(
            p(r#"{"policy-type":2,"policy-domain":"a b","f":0}"#),
            Err(DatagramError::InvalidDomain {
                field: "policy-domain"
            })
        );
        assert_eq!(
            parse(r#"{"d":"a.test","pr":"x","policies":[]}"#),
            Err(DatagramError::NoPolicies)
        );
        assert_eq!(
            parse(r#"{"d":"a.test","pr":"","policies":[]}"#),
            Err(DatagramError::InvalidRecord {
                limit: limits::MAX_TXT_RECORD_LEN
            })
        );
        for d in ["", ".", "a\r\nBcc: x", "a/../b", &"a".repeat(256)] {
            let json =
                serde_json::json!({"d": d, "pr": "x", "policies": [{"policy-type": 9, "f": 0}]});
            assert_eq!(
                parse(&json.to_string()),
                Err(DatagramError::InvalidDomain { field: "d" }),
                "{d:?}"
            );
        }
    }

    #[test]
    fn limits_bound_every_list_and_the_size() {
        let big = vec![b' '; limits::MAX_DATAGRAM_LEN + 1];
        assert_eq!(
            Datagram::parse(&big),
            Err(DatagramError::TooLarge {
                len: limits::MAX_DATAGRAM_LEN + 1,
                limit: limits::MAX_DATAGRAM_LEN
            })
        );
        let policy = r#"{"policy-type":9,"f":0}"#;
        let many = vec![policy; limits::MAX_DATAGRAM_POLICIES + 1].join(",");
        assert_eq!(
            parse(&format!(r#"{{"d":"a.test","pr":"x","policies":[{many}]}}"#)),
            Err(DatagramError::TooMany {
                what: "policies",
                limit: limits::MAX_DATAGRAM_POLICIES
            })
        );
        let exactly = vec![policy; limits::MAX_DATAGRAM_POLICIES].join(",");
        let d = parse(&format!(
            r#"{{"d":"a.test","pr":"x","policies":[{exactly}]}}"#
        ))
        .unwrap();
        assert_eq!(d.policies.len(), limits::MAX_DATAGRAM_POLICIES);
        let details = vec![r#"{"c":201}"#; limits::MAX_DATAGRAM_FAILURE_DETAILS + 1].join(",");
        assert_eq!(
            parse(&with_details(&details)),
            Err(DatagramError::TooMany {
                what: "failure-details",
                limit: limits::MAX_DATAGRAM_FAILURE_DETAILS
            })
        );
        let lines = vec![r#""x""#; limits::MAX_DATAGRAM_LIST_ITEMS + 1].join(",");
        assert_eq!(
            parse(&format!(
                r#"{{"d":"a.test","pr":"x","policies":[{{"policy-type":2,"f":0,"mx-host":[{lines}]}}]}}"#
            )),
            Err(DatagramError::TooMany {
                what: "mx-host",
                limit: limits::MAX_DATAGRAM_LIST_ITEMS
            })
        );
    }

    #[test]
    fn notes_name_what_was_tolerated() {
        let d = parse(
            r#"{"dpv":"2","d":"A.Test.","pr":"x","policies":[{"policy-type":2,"policy-domain":"","t":3,"f":0,"failure-details":[{"c":202,"s":"not-an-ip","r":"::1"}],"new-key":{"x":[1]}}],"other":1}"#,
        )
        .unwrap();
        assert_eq!(d.domain, "a.test");
        assert_eq!(d.policies[0].policy.policy_domain, "a.test");
        assert_eq!(
            d.notes,
            [
                DatagramNote::UnknownVersion {
                    version: "2".into()
                },
                DatagramNote::PolicyDomainFilled { policy: 0 },
                DatagramNote::CountMismatch {
                    policy: 0,
                    declared: 3,
                    listed: 1
                },
                DatagramNote::DetailsOnSuccess { policy: 0 },
                DatagramNote::InvalidAddress {
                    field: "s",
                    policy: 0
                },
            ]
        );
        let key = &d.policies[0].failures[0].key;
        assert_eq!(key.sending_mta_ip, None);
        assert_eq!(key.receiving_ip, Some("::1".parse().unwrap()));
        // A success with details counts as one success, no rows.
        let mut agg = Aggregator::default();
        d.record_into(&mut agg).unwrap();
        let id = agg.policy_id(&d.policies[0].policy).unwrap();
        assert_eq!(agg.overflow_sessions(id), Ok(0));
    }

    #[test]
    fn a_failed_session_without_details_counts_in_the_summary() {
        let d = parse(&with_details("")).unwrap();
        let mut agg = Aggregator::default();
        d.record_into(&mut agg).unwrap();
        let meta = crate::ReportMeta {
            organization_name: "o".into(),
            contact_info: "c@o.test".into(),
            day: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        };
        let r = &agg.finish(&meta, |_| "id".into())[0];
        assert_eq!(r.policies[0].summary.total_failure_session_count, 1);
        assert!(r.policies[0].failure_details.is_empty());
    }
}
