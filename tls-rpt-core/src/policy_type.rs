//! The `policy-type` value of a report: the three of RFC 8460 §4.4 plus a lossless
//! unknown variant. (`result-type` is [`smtp_tls_types::ResultType`], shared with
//! MTA-STS.)

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

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

impl Serialize for PolicyType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for PolicyType {
    /// Any string; values other than the three known become `Other`.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Ok(Self::parse(&s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_types_round_trip() {
        for s in ["tlsa", "sts", "no-policy-found", "STS", ""] {
            assert_eq!(PolicyType::parse(s).as_str(), s);
        }
        assert!(!PolicyType::parse("STS").is_known());
    }
}
