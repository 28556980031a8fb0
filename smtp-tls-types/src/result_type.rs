//! The IANA "STARTTLS Validation Result Types" registry, and a failure to report.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A `result-type`: a value of the IANA "STARTTLS Validation Result Types" registry
/// ([RFC 8460 §4.3](https://www.rfc-editor.org/rfc/rfc8460#section-4.3),
/// [§6.6](https://www.rfc-editor.org/rfc/rfc8460#section-6.6)), or any other string,
/// kept as written (reports from the field carry values outside the registry).
///
/// An MTA-STS engine produces only registry values; the DANE ones are here so that an
/// MTA that also does DANE reports through the same type.
///
/// ```
/// use smtp_tls_types::ResultType;
///
/// assert_eq!(ResultType::parse("certificate-expired"), ResultType::CertificateExpired);
/// let odd = ResultType::parse("Testing");
/// assert_eq!(odd, ResultType::Other("Testing".into()));
/// assert_eq!(odd.as_str(), "Testing");
/// assert!(!odd.is_registered());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ResultType {
    /// `starttls-not-supported`: the MX did not offer STARTTLS (§4.3.1).
    StarttlsNotSupported,
    /// `certificate-host-mismatch`: no subjectAltName matches the MX host (§4.3.1).
    CertificateHostMismatch,
    /// `certificate-expired`: the certificate is expired (§4.3.1).
    CertificateExpired,
    /// `certificate-not-trusted`: unknown CA, broken chain, name constraints (§4.3.1);
    /// should carry a `failure-reason-code`.
    CertificateNotTrusted,
    /// `validation-failure`: any other failure (§4.3.3); should carry a
    /// `failure-reason-code`.
    ValidationFailure,
    /// `tlsa-invalid` (DANE, §4.3.2.1).
    TlsaInvalid,
    /// `dnssec-invalid` (DANE, §4.3.2.1).
    DnssecInvalid,
    /// `dane-required` (DANE, §4.3.2.1).
    DaneRequired,
    /// `sts-policy-fetch-error`: the MTA-STS policy could not be fetched (§4.3.2.2).
    StsPolicyFetchError,
    /// `sts-policy-invalid`: the fetched policy failed validation (§4.3.2.2).
    StsPolicyInvalid,
    /// `sts-webpki-invalid`: the policy host failed PKIX authentication (§4.3.2.2).
    StsWebpkiInvalid,
    /// A value outside the registry, kept as written.
    Other(String),
}

/// The registry, in registry order, with each value's string NUL-terminated so that a C
/// API can hand it out without copying.
const REGISTRY: [(ResultType, &str); 11] = [
    (ResultType::StarttlsNotSupported, "starttls-not-supported\0"),
    (
        ResultType::CertificateHostMismatch,
        "certificate-host-mismatch\0",
    ),
    (ResultType::CertificateExpired, "certificate-expired\0"),
    (ResultType::TlsaInvalid, "tlsa-invalid\0"),
    (ResultType::DnssecInvalid, "dnssec-invalid\0"),
    (ResultType::DaneRequired, "dane-required\0"),
    (
        ResultType::CertificateNotTrusted,
        "certificate-not-trusted\0",
    ),
    (ResultType::StsPolicyInvalid, "sts-policy-invalid\0"),
    (ResultType::StsWebpkiInvalid, "sts-webpki-invalid\0"),
    (ResultType::ValidationFailure, "validation-failure\0"),
    (ResultType::StsPolicyFetchError, "sts-policy-fetch-error\0"),
];

impl ResultType {
    /// Every registry value, in registry order (RFC 8460 §6.6).
    pub const REGISTRY: [Self; 11] = [
        Self::StarttlsNotSupported,
        Self::CertificateHostMismatch,
        Self::CertificateExpired,
        Self::TlsaInvalid,
        Self::DnssecInvalid,
        Self::DaneRequired,
        Self::CertificateNotTrusted,
        Self::StsPolicyInvalid,
        Self::StsWebpkiInvalid,
        Self::ValidationFailure,
        Self::StsPolicyFetchError,
    ];

    /// Reads a `result-type` string: a registry value (exact, case-sensitive) or
    /// [`ResultType::Other`].
    pub fn parse(s: &str) -> Self {
        Self::from_registry(s).unwrap_or_else(|| Self::Other(s.to_owned()))
    }

    /// Looks a registry value up (exact, case-sensitive); `None` outside the registry.
    pub fn from_registry(s: &str) -> Option<Self> {
        REGISTRY
            .iter()
            .find(|(_, name)| name.strip_suffix('\0') == Some(s))
            .map(|(t, _)| t.clone())
    }

    /// The string written in a report.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Other(s) => s,
            registered => registered
                .registry_str_with_nul()
                .and_then(|s| s.strip_suffix('\0'))
                .unwrap_or_default(),
        }
    }

    /// The registry string followed by a NUL byte, for C callers; `None` for
    /// [`ResultType::Other`].
    ///
    /// ```
    /// use smtp_tls_types::ResultType;
    ///
    /// assert_eq!(ResultType::DaneRequired.registry_str_with_nul(), Some("dane-required\0"));
    /// ```
    pub fn registry_str_with_nul(&self) -> Option<&'static str> {
        REGISTRY
            .iter()
            .find(|(t, _)| t == self)
            .map(|&(_, name)| name)
    }

    /// The position of a registry value in [`ResultType::REGISTRY`]; `None` for
    /// [`ResultType::Other`]. C APIs number the registry from this.
    pub fn registry_index(&self) -> Option<usize> {
        REGISTRY.iter().position(|(t, _)| t == self)
    }

    /// Whether the value is in the IANA registry.
    pub fn is_registered(&self) -> bool {
        !matches!(self, Self::Other(_))
    }

    /// Whether this is an MTA-STS policy failure (§4.3.2.2): `sts-policy-fetch-error`,
    /// `sts-policy-invalid` or `sts-webpki-invalid`.
    pub fn is_sts_policy_failure(&self) -> bool {
        matches!(
            self,
            Self::StsPolicyFetchError | Self::StsPolicyInvalid | Self::StsWebpkiInvalid
        )
    }

    /// Whether this failure happens before any SMTP session: the MTA-STS policy
    /// failures (§4.3.2.2) and the DANE ones found in DNS (§4.3.2.1). A report row for
    /// one has no sending or receiving address and may have no MX host name.
    pub fn is_policy_failure(&self) -> bool {
        self.is_sts_policy_failure()
            || matches!(
                self,
                Self::TlsaInvalid | Self::DnssecInvalid | Self::DaneRequired
            )
    }
}

impl fmt::Display for ResultType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ResultType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ResultType {
    /// Any string; values outside the registry become [`ResultType::Other`].
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Cow::<'de, str>::deserialize(d)?;
        Ok(Self::parse(&s))
    }
}

/// One failure to report to TLS-RPT: its result type and an optional
/// `failure-reason-code` ([RFC 8460 §4.4](https://www.rfc-editor.org/rfc/rfc8460#section-4.4)).
///
/// The reason code is a short machine-oriented string; RFC 8460 asks for one
/// (SHOULD) with `certificate-not-trusted` and `validation-failure`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Failure {
    /// The registry value.
    pub result_type: ResultType,
    /// The `failure-reason-code`, if any.
    pub reason_code: Option<String>,
}

impl Failure {
    /// A failure without a reason code.
    pub const fn new(result_type: ResultType) -> Self {
        Self {
            result_type,
            reason_code: None,
        }
    }

    /// A failure with a reason code.
    pub fn with_reason(result_type: ResultType, reason_code: impl Into<String>) -> Self {
        Self {
            result_type,
            reason_code: Some(reason_code.into()),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.reason_code {
            Some(code) => write!(f, "{} ({code})", self.result_type),
            None => write!(f, "{}", self.result_type),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8460_s6_6_registry_strings_round_trip() {
        for (i, t) in ResultType::REGISTRY.into_iter().enumerate() {
            assert!(t.is_registered());
            assert_eq!(t.registry_index(), Some(i));
            assert_eq!(ResultType::parse(t.as_str()), t);
            assert_eq!(REGISTRY[i].0, t, "the two tables keep one order");
        }
        assert_eq!(ResultType::from_registry("Certificate-Expired"), None);
    }

    #[test]
    fn unknown_result_type_is_kept_losslessly() {
        let t = ResultType::parse("Certificate-Expired");
        assert_eq!(t, ResultType::Other("Certificate-Expired".into()));
        assert_eq!(t.to_string(), "Certificate-Expired");
        assert_eq!(t.registry_index(), None);
        assert_eq!(t.registry_str_with_nul(), None);
        // A value that looks like a registry string with its NUL is not one.
        assert_eq!(ResultType::from_registry("dane-required\0"), None);
    }

    #[test]
    fn serde_writes_and_reads_the_string() {
        let json = serde_json::to_string(&ResultType::StsPolicyInvalid).unwrap();
        assert_eq!(json, r#""sts-policy-invalid""#);
        let odd: ResultType = serde_json::from_str(r#""x\u0041""#).unwrap();
        assert_eq!(odd, ResultType::Other("xA".into()));
    }

    #[test]
    fn rfc8460_s4_3_2_policy_failures_have_no_session() {
        let policy: Vec<_> = ResultType::REGISTRY
            .into_iter()
            .filter(ResultType::is_policy_failure)
            .collect();
        assert_eq!(policy.len(), 6);
        assert!(!ResultType::CertificateExpired.is_policy_failure());
        assert!(!ResultType::Other("sts-policy-invalid ".into()).is_policy_failure());
    }

    #[test]
    fn rfc8461_s6_mx_mismatch_is_validation_failure_with_code() {
        let f = Failure::with_reason(ResultType::ValidationFailure, "mtasts-policy-mx-mismatch");
        assert_eq!(
            f.to_string(),
            "validation-failure (mtasts-policy-mx-mismatch)"
        );
    }
}
