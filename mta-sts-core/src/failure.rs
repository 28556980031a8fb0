//! TLS-RPT result types for MTA-STS failures.
//!
//! Every failure the engine, the fetch validation and the certificate checks can
//! produce maps to exactly one value of the IANA "STARTTLS Validation Result Types"
//! registry ([RFC 8460 §4.3](https://www.rfc-editor.org/rfc/rfc8460#section-4.3),
//! [§6.6](https://www.rfc-editor.org/rfc/rfc8460#section-6.6)), so that a TLS-RPT
//! reporter can record it without glue code.

use std::fmt;

/// A value of the IANA "STARTTLS Validation Result Types" registry
/// ([RFC 8460 §4.3](https://www.rfc-editor.org/rfc/rfc8460#section-4.3)).
///
/// The DANE values are listed for completeness: this crate never produces them, but
/// an MTA that also does DANE can carry them through the same type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ResultType {
    /// `starttls-not-supported`: the MX did not offer STARTTLS (§4.3.1).
    StarttlsNotSupported,
    /// `certificate-host-mismatch`: no subjectAltName matches the MX host (§4.3.1).
    CertificateHostMismatch,
    /// `certificate-expired`: the certificate is expired (§4.3.1).
    CertificateExpired,
    /// `certificate-not-trusted`: unknown CA, broken chain, name constraints (§4.3.1).
    CertificateNotTrusted,
    /// `validation-failure`: any other failure; carries a reason code (§4.3.3).
    ValidationFailure,
    /// `tlsa-invalid` (DANE, §4.3.2.1).
    TlsaInvalid,
    /// `dnssec-invalid` (DANE, §4.3.2.1).
    DnssecInvalid,
    /// `dane-required` (DANE, §4.3.2.1).
    DaneRequired,
    /// `sts-policy-fetch-error`: the policy could not be fetched (§4.3.2.2).
    StsPolicyFetchError,
    /// `sts-policy-invalid`: the fetched policy failed validation (§4.3.2.2).
    StsPolicyInvalid,
    /// `sts-webpki-invalid`: the policy host failed PKIX authentication (§4.3.2.2).
    StsWebpkiInvalid,
}

impl ResultType {
    /// Every registry value, in registry order.
    pub const ALL: [Self; 11] = [
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

    /// The registry string, as written in a TLS-RPT report's `result-type`.
    pub const fn as_str(self) -> &'static str {
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
        }
    }

    /// Looks a registry string up (exact, case-sensitive match).
    pub fn from_registry_str(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

impl fmt::Display for ResultType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
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
    fn registry_strings_round_trip() {
        for t in ResultType::ALL {
            assert_eq!(ResultType::from_registry_str(t.as_str()), Some(t));
        }
        assert_eq!(ResultType::from_registry_str("Certificate-Expired"), None);
    }

    #[test]
    fn rfc8461_section_6_mx_mismatch_is_validation_failure_with_code() {
        // D16: the mox reason code, for interoperability.
        let f = Failure::with_reason(ResultType::ValidationFailure, "mtasts-policy-mx-mismatch");
        assert_eq!(
            f.to_string(),
            "validation-failure (mtasts-policy-mx-mismatch)"
        );
    }
}
