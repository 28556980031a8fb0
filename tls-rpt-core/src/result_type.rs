//! The `result-type` and `policy-type` values of a report, each a registry plus a
//! lossless unknown variant.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A `result-type`: a value of the IANA "STARTTLS Validation Result Types" registry
/// ([RFC 8460 §4.3](https://www.rfc-editor.org/rfc/rfc8460#section-4.3),
/// [§6.6](https://www.rfc-editor.org/rfc/rfc8460#section-6.6)), or any other string,
/// kept as written.
///
/// ```
/// use tls_rpt_core::ResultType;
///
/// assert_eq!(ResultType::parse("certificate-expired"), ResultType::CertificateExpired);
/// let odd = ResultType::parse("Testing");
/// assert_eq!(odd, ResultType::Other("Testing".into()));
/// assert_eq!(odd.as_str(), "Testing");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ResultType {
    /// `starttls-not-supported` (§4.3.1).
    StarttlsNotSupported,
    /// `certificate-host-mismatch` (§4.3.1).
    CertificateHostMismatch,
    /// `certificate-expired` (§4.3.1).
    CertificateExpired,
    /// `certificate-not-trusted` (§4.3.1); should carry a `failure-reason-code`.
    CertificateNotTrusted,
    /// `validation-failure` (§4.3.3); should carry a `failure-reason-code`.
    ValidationFailure,
    /// `tlsa-invalid` (DANE, §4.3.2.1).
    TlsaInvalid,
    /// `dnssec-invalid` (DANE, §4.3.2.1).
    DnssecInvalid,
    /// `dane-required` (DANE, §4.3.2.1).
    DaneRequired,
    /// `sts-policy-fetch-error` (MTA-STS, §4.3.2.2).
    StsPolicyFetchError,
    /// `sts-policy-invalid` (MTA-STS, §4.3.2.2).
    StsPolicyInvalid,
    /// `sts-webpki-invalid` (MTA-STS, §4.3.2.2).
    StsWebpkiInvalid,
    /// A value outside the registry, kept as written.
    Other(String),
}

impl ResultType {
    /// Every registry value, in registry order.
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
        Some(match s {
            "starttls-not-supported" => Self::StarttlsNotSupported,
            "certificate-host-mismatch" => Self::CertificateHostMismatch,
            "certificate-expired" => Self::CertificateExpired,
            "certificate-not-trusted" => Self::CertificateNotTrusted,
            "validation-failure" => Self::ValidationFailure,
            "tlsa-invalid" => Self::TlsaInvalid,
            "dnssec-invalid" => Self::DnssecInvalid,
            "dane-required" => Self::DaneRequired,
            "sts-policy-fetch-error" => Self::StsPolicyFetchError,
            "sts-policy-invalid" => Self::StsPolicyInvalid,
            "sts-webpki-invalid" => Self::StsWebpkiInvalid,
            _ => return None,
        })
    }

    /// The string written in a report.
    pub fn as_str(&self) -> &str {
        match self {
            Self::StarttlsNotSupported => "starttls-not-supported",
            Self::CertificateHostMismatch => "certificate-host-mismatch",
            Self::CertificateExpired => "certificate-expired",
            Self::CertificateNotTrusted => "certificate-not-trusted",
            Self::ValidationFailure => "validation-failure",
            Self::TlsaInvalid => "tlsa-invalid",
            Self::DnssecInvalid => "dnssec-invalid",
            Self::DaneRequired => "dane-required",
            Self::StsPolicyFetchError => "sts-policy-fetch-error",
            Self::StsPolicyInvalid => "sts-policy-invalid",
            Self::StsWebpkiInvalid => "sts-webpki-invalid",
            Self::Other(s) => s,
        }
    }

    /// Whether the value is in the IANA registry.
    pub fn is_registered(&self) -> bool {
        !matches!(self, Self::Other(_))
    }

    /// Whether this is a policy-level MTA-STS failure (§4.3.2.2): the session never
    /// reached an MX, so a failure detail may lack the IP and host fields.
    pub fn is_sts_policy_failure(&self) -> bool {
        matches!(
            self,
            Self::StsPolicyFetchError | Self::StsPolicyInvalid | Self::StsWebpkiInvalid
        )
    }
}

impl fmt::Display for ResultType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `policy-type` ([RFC 8460 §4.4](https://www.rfc-editor.org/rfc/rfc8460#section-4.4)):
/// `tlsa`, `sts` or `no-policy-found`, or any other string, kept as written.
///
/// ```
/// use tls_rpt_core::PolicyType;
///
/// assert_eq!(PolicyType::parse("no-policy-found"), PolicyType::NoPolicyFound);
/// assert_eq!(PolicyType::parse("invalid-policy-type").as_str(), "invalid-policy-type");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum PolicyType {
    /// `tlsa`: a DANE TLSA policy.
    Tlsa,
    /// `sts`: an MTA-STS policy.
    Sts,
    /// `no-policy-found`: neither was found.
    NoPolicyFound,
    /// Any other value, kept as written.
    Other(String),
}

impl PolicyType {
    /// Reads a `policy-type` string (exact, case-sensitive).
    pub fn parse(s: &str) -> Self {
        match s {
            "tlsa" => Self::Tlsa,
            "sts" => Self::Sts,
            "no-policy-found" => Self::NoPolicyFound,
            _ => Self::Other(s.to_owned()),
        }
    }

    /// The string written in a report.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Tlsa => "tlsa",
            Self::Sts => "sts",
            Self::NoPolicyFound => "no-policy-found",
            Self::Other(s) => s,
        }
    }

    /// Whether the value is one of the three of RFC 8460 §4.4.
    pub fn is_known(&self) -> bool {
        !matches!(self, Self::Other(_))
    }
}

impl fmt::Display for PolicyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! string_serde {
    ($t:ty) => {
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $t {
            /// Any string; values outside the registry become `Other`.
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
                Ok(Self::parse(&s))
            }
        }
    };
}

string_serde!(ResultType);
string_serde!(PolicyType);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8460_s6_6_registry_strings_round_trip() {
        for t in ResultType::REGISTRY {
            assert!(t.is_registered());
            assert_eq!(ResultType::parse(t.as_str()), t);
        }
    }

    #[test]
    fn unknown_result_type_is_kept_losslessly() {
        let t = ResultType::parse("Certificate-Expired");
        assert_eq!(t, ResultType::Other("Certificate-Expired".into()));
        assert_eq!(t.to_string(), "Certificate-Expired");
        assert!(!t.is_registered());
    }

    #[test]
    fn policy_types_round_trip() {
        for s in ["tlsa", "sts", "no-policy-found", "STS", ""] {
            assert_eq!(PolicyType::parse(s).as_str(), s);
        }
        assert!(!PolicyType::parse("STS").is_known());
    }
}
