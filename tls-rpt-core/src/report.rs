//! The JSON report of [RFC 8460 §4](https://www.rfc-editor.org/rfc/rfc8460#section-4):
//! the model, a strict and a tolerant parser, deterministic serialization (docs/CONFORMANCE.md#d19)
//! and a consistency check.
//!
//! ```text
//! { "organization-name", "date-range": { "start-datetime", "end-datetime" },
//!   "contact-info", "report-id",
//!   "policies": [ { "policy": { "policy-type", "policy-string": [..], "policy-domain", "mx-host": [..] },
//!                   "summary": { "total-successful-session-count", "total-failure-session-count" },
//!                   "failure-details": [ { "result-type", "sending-mta-ip", "receiving-mx-hostname",
//!                                          "receiving-mx-helo", "receiving-ip", "failed-session-count",
//!                                          "additional-information", "failure-reason-code" } ] } ] }
//! ```
//!
//! `mx-host` is an array (RFC 8460 erratum 6241).

use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};

use crate::{PolicyType, ResultType};

/// One TLS-RPT aggregate report ([RFC 8460 §4.4](https://www.rfc-editor.org/rfc/rfc8460#section-4.4)).
///
/// Required string members that a tolerant parse found missing or `null` are empty
/// strings here, and empty strings are left out when serializing (no RFC-valid value
/// exists for them); the [`Toleration`] list says what happened.
///
/// ```
/// use tls_rpt_core::Report;
///
/// let json = br#"{"organization-name":"Company-X",
///   "date-range":{"start-datetime":"2016-04-01T00:00:00Z","end-datetime":"2016-04-01T23:59:59Z"},
///   "contact-info":"sts-reporting@company-x.example","report-id":"5065427c",
///   "policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: testing",
///     "mx: *.mail.company-y.example","max_age: 86400"],"policy-domain":"company-y.example",
///     "mx-host":"*.mail.company-y.example"},
///   "summary":{"total-successful-session-count":5326,"total-failure-session-count":303}}]}"#;
///
/// // The strict parser names the JSON path of the first deviation...
/// let err = Report::from_json(json).unwrap_err();
/// assert_eq!(err.to_string(), "policies[0].policy.mx-host: a string where the RFC has an array (erratum 6241)");
///
/// // ...the tolerant one accepts the report and lists what it tolerated.
/// let (report, tolerated) = Report::from_json_lenient(json)?;
/// assert_eq!(report.policies[0].policy.mx_host, ["*.mail.company-y.example"]);
/// assert_eq!(tolerated.len(), 2); // mx-host as a string, missing failure-details
///
/// // Serialization is always RFC form (docs/CONFORMANCE.md#d19).
/// assert!(report.to_json().contains(r#""mx-host":["*.mail.company-y.example"]"#));
/// # Ok::<(), tls_rpt_core::ReportError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// `organization-name`: the organization responsible for the report.
    pub organization_name: String,
    /// `date-range`: the period covered (§4.1: one UTC day).
    pub date_range: DateRange,
    /// `contact-info`: an e-mail address (addr-spec) of the sender; its domain is
    /// the `TLS-Report-Submitter` (§5.3).
    pub contact_info: String,
    /// `report-id`: a unique identifier, any scheme.
    pub report_id: String,
    /// `policies`: one entry per policy applied (always an array, §4).
    pub policies: Vec<PolicyResult>,
}

/// `date-range`: RFC 3339 date-times, in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateRange {
    /// `start-datetime`.
    pub start_datetime: DateTime<Utc>,
    /// `end-datetime`.
    pub end_datetime: DateTime<Utc>,
}

/// One element of `policies`: the policy applied, its session counts and the
/// failure details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyResult {
    /// `policy`.
    pub policy: Policy,
    /// `summary`.
    pub summary: Summary,
    /// `failure-details` (always written, possibly empty: docs/CONFORMANCE.md#d19).
    pub failure_details: Vec<FailureDetail>,
}

/// `policy`: which policy the sessions were evaluated against
/// ([RFC 8460 §4.4](https://www.rfc-editor.org/rfc/rfc8460#section-4.4)). It is also
/// the policy descriptor the [`Aggregator`](crate::Aggregator) groups sessions by.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Policy {
    /// `policy-type`.
    pub policy_type: PolicyType,
    /// `policy-string`: for `sts`, the policy lines as served; for `tlsa`, one
    /// presentation-form RR per element.
    pub policy_string: Vec<String>,
    /// `policy-domain`, in A-labels (for `tlsa`, the TLSA base domain).
    pub policy_domain: String,
    /// `mx-host`: the `mx` patterns of an `sts` policy.
    pub mx_host: Vec<String>,
}

impl Policy {
    /// The `no-policy-found` descriptor for a Policy Domain: sessions to a domain
    /// that has neither an MTA-STS nor a DANE policy (they still count, §4.4).
    pub fn no_policy_found(policy_domain: &str) -> Self {
        Self {
            policy_type: PolicyType::NoPolicyFound,
            policy_string: Vec::new(),
            policy_domain: policy_domain.to_owned(),
            mx_host: Vec::new(),
        }
    }

    /// A `tlsa` (DANE) descriptor: `policy-domain` is the TLSA base domain, usually
    /// the MX host name (RFC 8460 §1.1), and `policy-string` one TLSA RR per element
    /// in presentation form (`"3 1 1 <hex>"`).
    pub fn tlsa(tlsa_base_domain: &str, records: Vec<String>) -> Self {
        Self {
            policy_type: PolicyType::Tlsa,
            policy_string: records,
            policy_domain: tlsa_base_domain.to_owned(),
            mx_host: Vec::new(),
        }
    }
}

/// `summary`: session counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Summary {
    /// `total-successful-session-count`.
    pub total_successful_session_count: u64,
    /// `total-failure-session-count`. One session can appear under several
    /// failure details, so the details need not add up to it (§4).
    pub total_failure_session_count: u64,
}

/// One element of `failure-details`.
///
/// Required members a tolerant parse found missing are empty strings, left out
/// when serializing. `receiving-ip` may be empty on any row, and on the policy
/// failures (`sts-policy-*`, `sts-webpki-invalid`, `tlsa-invalid`, `dnssec-invalid`,
/// `dane-required`), which happen before any SMTP session, so may `sending-mta-ip`
/// and `receiving-mx-hostname` (decision D21 of docs/CONFORMANCE.md).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FailureDetail {
    /// `result-type`.
    pub result_type: ResultType,
    /// `sending-mta-ip`.
    pub sending_mta_ip: String,
    /// `receiving-mx-hostname`.
    pub receiving_mx_hostname: String,
    /// `receiving-mx-helo` (optional).
    pub receiving_mx_helo: Option<String>,
    /// `receiving-ip`.
    pub receiving_ip: String,
    /// `failed-session-count`.
    pub failed_session_count: u64,
    /// `additional-information`: a URI (optional).
    pub additional_information: Option<String>,
    /// `failure-reason-code` (optional; SHOULD for `certificate-not-trusted` and
    /// `validation-failure`).
    pub failure_reason_code: Option<String>,
}

impl FailureDetail {
    /// A failure detail with only a result type and a count; fill in the rest.
    pub fn new(result_type: ResultType, failed_session_count: u64) -> Self {
        Self {
            result_type,
            sending_mta_ip: String::new(),
            receiving_mx_hostname: String::new(),
            receiving_mx_helo: None,
            receiving_ip: String::new(),
            failed_session_count,
            additional_information: None,
            failure_reason_code: None,
        }
    }
}

/// A departure from RFC form: the strict parser rejects it
/// ([`ReportError::Deviation`]), the tolerant parser accepts it and lists it as a
/// [`Toleration`] (docs/CONFORMANCE.md#d18).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Deviation {
    /// A required member is absent.
    MissingMember,
    /// A member is `null`.
    NullMember,
    /// A required string member is `""`.
    EmptyString,
    /// A member the RFC does not define; ignored.
    UnknownMember,
    /// A member that appears twice in one object (I-JSON, RFC 7493 §2.3, forbids
    /// it); the first one is kept.
    DuplicateMember,
    /// A known misspelling of an RFC member (e.g. `receiving-mx-host-name`), read
    /// as the member meant.
    MisspelledMember {
        /// The RFC member name it was read as.
        meant: &'static str,
    },
    /// A date-time without a UTC offset (Microsoft, 2023); taken as UTC.
    DateTimeWithoutOffset,
    /// `mx-host` as a string instead of an array (the RFC's own example; erratum 6241).
    MxHostAsString,
    /// `policy-string` as a string instead of an array.
    PolicyStringAsString,
    /// A `tlsa` `policy-string` holding one JSON-encoded array of the RRs
    /// (Microsoft); decoded into one element per RR.
    TlsaPolicyStringJsonEncoded,
    /// `failure-details` absent; read as empty.
    MissingFailureDetails,
    /// A `result-type` outside the IANA registry; kept as written.
    UnknownResultType {
        /// The value.
        value: String,
    },
    /// A `policy-type` other than `tlsa`, `sts`, `no-policy-found`; kept as written.
    UnknownPolicyType {
        /// The value.
        value: String,
    },
    /// An IP address member that is not an IPv4 or IPv6 address; kept as written.
    InvalidIpAddress {
        /// The value.
        value: String,
    },
}

impl fmt::Display for Deviation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingMember => f.write_str("required member is missing"),
            Self::NullMember => f.write_str("member is null"),
            Self::EmptyString => f.write_str("required member is an empty string"),
            Self::UnknownMember => f.write_str("unknown member"),
            Self::DuplicateMember => f.write_str("duplicate member, the first is kept"),
            Self::MisspelledMember { meant } => write!(f, "misspelling of {meant:?}"),
            Self::DateTimeWithoutOffset => {
                f.write_str("date-time without UTC offset, taken as UTC")
            }
            Self::MxHostAsString => {
                f.write_str("a string where the RFC has an array (erratum 6241)")
            }
            Self::PolicyStringAsString => f.write_str("a string where the RFC has an array"),
            Self::TlsaPolicyStringJsonEncoded => {
                f.write_str("TLSA records as one JSON-encoded string instead of an array")
            }
            Self::MissingFailureDetails => f.write_str("failure-details is missing"),
            Self::UnknownResultType { value } => {
                write!(f, "result-type {value:?} is not in the IANA registry")
            }
            Self::UnknownPolicyType { value } => write!(f, "unknown policy-type {value:?}"),
            Self::InvalidIpAddress { value } => write!(f, "{value:?} is not an IP address"),
        }
    }
}

/// What the tolerant parser accepted, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toleration {
    /// The JSON path, e.g. `policies[0].failure-details[1].receiving-ip`.
    pub path: String,
    /// What was tolerated.
    pub deviation: Deviation,
}

impl fmt::Display for Toleration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.deviation)
    }
}

/// Why a report could not be read
/// ([RFC 8460 §4](https://www.rfc-editor.org/rfc/rfc8460#section-4)). Every variant
/// after [`ReportError::Json`] names the JSON path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// The input is larger than [`crate::limits::MAX_REPORT_JSON_LEN`].
    #[error("report is {len} bytes, over the limit of {limit}")]
    TooLarge {
        /// Input length.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// Not JSON (RFC 8460 §4: I-JSON, RFC 7493).
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// serde_json's message.
        message: String,
    },
    /// A departure from RFC form (strict parser only).
    #[error("{path}: {deviation}")]
    Deviation {
        /// JSON path.
        path: String,
        /// What departs from the RFC.
        deviation: Deviation,
    },
    /// A member that even the tolerant parser needs is absent.
    #[error("{path}: required member is missing")]
    Missing {
        /// JSON path.
        path: String,
    },
    /// A value of the wrong JSON type.
    #[error("{path}: expected {expected}")]
    WrongType {
        /// JSON path.
        path: String,
        /// The JSON type expected.
        expected: &'static str,
    },
    /// A date-time that is neither RFC 3339 nor a zone-less ISO 8601 date-time.
    #[error("{path}: invalid date-time {value:?}")]
    InvalidDateTime {
        /// JSON path.
        path: String,
        /// The value.
        value: String,
    },
    /// A count that is not a non-negative integer fitting 64 bits.
    #[error("{path}: invalid count {value}")]
    InvalidCount {
        /// JSON path.
        path: String,
        /// The value as JSON.
        value: String,
    },
    /// An array longer than the limit.
    #[error("{path}: more than {limit} elements")]
    TooMany {
        /// JSON path.
        path: String,
        /// The limit.
        limit: usize,
    },
}

impl Report {
    /// Serializes in RFC form (docs/CONFORMANCE.md#d19): members in schema order, `mx-host` an
    /// array, `Z` date-times, `failure-details` always present. The same report
    /// always gives the same bytes.
    pub fn to_json(&self) -> String {
        // Cannot fail: the model holds only strings, integers, arrays and objects
        // with string keys.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Like [`Report::to_json`], indented for people.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

fn format_datetime(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

struct Dt<'a>(&'a DateTime<Utc>);

impl Serialize for Dt<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_datetime(self.0))
    }
}

/// Writes the members in schema order, leaving out empty required strings (see
/// [`Report`]) and absent optional ones.
struct Members<'a>(Vec<(&'static str, Member<'a>)>);

enum Member<'a> {
    Str(&'a str),
    Strs(&'a [String]),
    Count(u64),
}

impl Serialize for Members<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            match v {
                Member::Str(x) => map.serialize_entry(k, x)?,
                Member::Strs(x) => map.serialize_entry(k, x)?,
                Member::Count(x) => map.serialize_entry(k, x)?,
            }
        }
        map.end()
    }
}

fn push_str<'a>(m: &mut Vec<(&'static str, Member<'a>)>, key: &'static str, v: &'a str) {
    if !v.is_empty() {
        m.push((key, Member::Str(v)));
    }
}

impl Serialize for Report {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let n = 2
            + usize::from(!self.organization_name.is_empty())
            + usize::from(!self.contact_info.is_empty())
            + usize::from(!self.report_id.is_empty());
        let mut map = s.serialize_map(Some(n))?;
        if !self.organization_name.is_empty() {
            map.serialize_entry("organization-name", &self.organization_name)?;
        }
        map.serialize_entry("date-range", &self.date_range)?;
        if !self.contact_info.is_empty() {
            map.serialize_entry("contact-info", &self.contact_info)?;
        }
        if !self.report_id.is_empty() {
            map.serialize_entry("report-id", &self.report_id)?;
        }
        map.serialize_entry("policies", &self.policies)?;
        map.end()
    }
}

impl Serialize for DateRange {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("DateRange", 2)?;
        st.serialize_field("start-datetime", &Dt(&self.start_datetime))?;
        st.serialize_field("end-datetime", &Dt(&self.end_datetime))?;
        st.end()
    }
}

impl Serialize for PolicyResult {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("PolicyResult", 3)?;
        st.serialize_field("policy", &self.policy)?;
        st.serialize_field("summary", &self.summary)?;
        st.serialize_field("failure-details", &self.failure_details)?;
        st.end()
    }
}

impl Serialize for Policy {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let has_policy = matches!(self.policy_type, PolicyType::Sts | PolicyType::Tlsa);
        let mut m = Vec::with_capacity(4);
        m.push(("policy-type", Member::Str(self.policy_type.as_str())));
        if has_policy || !self.policy_string.is_empty() {
            m.push(("policy-string", Member::Strs(&self.policy_string)));
        }
        push_str(&mut m, "policy-domain", &self.policy_domain);
        if self.policy_type == PolicyType::Sts || !self.mx_host.is_empty() {
            m.push(("mx-host", Member::Strs(&self.mx_host)));
        }
        Members(m).serialize(s)
    }
}

impl Serialize for Summary {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Summary", 2)?;
        st.serialize_field(
            "total-successful-session-count",
            &self.total_successful_session_count,
        )?;
        st.serialize_field(
            "total-failure-session-count",
            &self.total_failure_session_count,
        )?;
        st.end()
    }
}

impl Serialize for FailureDetail {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = Vec::with_capacity(8);
        m.push(("result-type", Member::Str(self.result_type.as_str())));
        push_str(&mut m, "sending-mta-ip", &self.sending_mta_ip);
        push_str(&mut m, "receiving-mx-hostname", &self.receiving_mx_hostname);
        if let Some(helo) = &self.receiving_mx_helo {
            m.push(("receiving-mx-helo", Member::Str(helo)));
        }
        push_str(&mut m, "receiving-ip", &self.receiving_ip);
        m.push((
            "failed-session-count",
            Member::Count(self.failed_session_count),
        ));
        if let Some(info) = &self.additional_information {
            m.push(("additional-information", Member::Str(info)));
        }
        if let Some(code) = &self.failure_reason_code {
            m.push(("failure-reason-code", Member::Str(code)));
        }
        Members(m).serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::FindingKind;

    const RFC_EXAMPLE: &str = r#"{
     "organization-name": "Company-X",
     "date-range": {
       "start-datetime": "2016-04-01T00:00:00Z",
       "end-datetime": "2016-04-01T23:59:59Z"
     },
     "contact-info": "sts-reporting@company-x.example",
     "report-id": "5065427c-23d3-47ca-b6e0-946ea0e8c4be",
     "policies": [{
       "policy": {
         "policy-type": "sts",
         "policy-string": ["version: STSv1","mode: testing",
               "mx: *.mail.company-y.example","max_age: 86400"],
         "policy-domain": "company-y.example",
         "mx-host": ["*.mail.company-y.example"]
       },
       "summary": {
         "total-successful-session-count": 5326,
         "total-failure-session-count": 303
       },
       "failure-details": [{
         "result-type": "certificate-expired",
         "sending-mta-ip": "2001:db8:abcd:0012::1",
         "receiving-mx-hostname": "mx1.mail.company-y.example",
         "receiving-ip": "203.0.113.55",
         "failed-session-count": 100
       }, {
         "result-type": "validation-failure",
         "sending-mta-ip": "198.51.100.62",
         "receiving-ip": "203.0.113.58",
         "receiving-mx-hostname": "mx-backup.mail.company-y.example",
         "failed-session-count": 3,
         "failure-reason-code": "X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED"
       }]
     }]
   }"#;

    #[test]
    fn rfc8460_s4_4_strict_accepts_rfc_form() {
        let r = Report::from_json(RFC_EXAMPLE.as_bytes()).unwrap();
        assert_eq!(r.policies.len(), 1);
        assert_eq!(
            r.policies[0].failure_details[1]
                .failure_reason_code
                .as_deref(),
            Some("X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED")
        );
        let (lenient, tolerated) = Report::from_json_lenient(RFC_EXAMPLE.as_bytes()).unwrap();
        assert_eq!(lenient, r);
        assert!(tolerated.is_empty());
    }

    #[test]
    fn edge_case_85_mx_host_string_tolerated_and_written_as_array() {
        let json = RFC_EXAMPLE.replace(
            r#""mx-host": ["*.mail.company-y.example"]"#,
            r#""mx-host": "*.mail.company-y.example""#,
        );
        let err = Report::from_json(json.as_bytes()).unwrap_err();
        assert_eq!(
            err,
            ReportError::Deviation {
                path: "policies[0].policy.mx-host".into(),
                deviation: Deviation::MxHostAsString
            }
        );
        let (r, t) = Report::from_json_lenient(json.as_bytes()).unwrap();
        assert_eq!(t.len(), 1);
        assert_eq!(r.policies[0].policy.mx_host, ["*.mail.company-y.example"]);
        assert!(
            r.to_json()
                .contains(r#""mx-host":["*.mail.company-y.example"]"#)
        );
    }

    #[test]
    fn edge_case_86_zoneless_datetime_tolerated_written_with_z() {
        let json = RFC_EXAMPLE.replace("2016-04-01T00:00:00Z", "2016-04-01T00:00:00");
        let err = Report::from_json(json.as_bytes()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "date-range.start-datetime: date-time without UTC offset, taken as UTC"
        );
        let (r, t) = Report::from_json_lenient(json.as_bytes()).unwrap();
        assert_eq!(t[0].deviation, Deviation::DateTimeWithoutOffset);
        assert!(
            r.to_json()
                .contains(r#""start-datetime":"2016-04-01T00:00:00Z""#)
        );
    }

    #[test]
    fn edge_case_84_single_policy_is_still_an_array() {
        let r = Report::from_json(RFC_EXAMPLE.as_bytes()).unwrap();
        assert!(r.to_json().contains(r#""policies":[{"policy":"#));
        let json = RFC_EXAMPLE.replacen(r#""policies": [{"#, r#""policies": {"x":{"#, 1);
        assert!(Report::from_json_lenient(json.as_bytes()).is_err());
    }

    #[test]
    fn edge_case_87_failure_counts_may_overlap() {
        // 300 in the summary, 303 in the details: allowed, only a consistency finding.
        let json = RFC_EXAMPLE.replace("303", "300").replace(": 100", ": 300");
        let r = Report::from_json(json.as_bytes()).unwrap();
        let f = r.check_consistency();
        assert!(f.iter().any(|f| matches!(
            f.kind,
            FindingKind::FailureCountMismatch {
                summary: 300,
                details: 303
            }
        )));
    }

    #[test]
    fn strict_errors_name_the_path() {
        let cases = [
            (
                RFC_EXAMPLE.replace(r#""sending-mta-ip": "198.51.100.62","#, ""),
                "policies[0].failure-details[1].sending-mta-ip: required member is missing",
            ),
            (
                RFC_EXAMPLE.replace(
                    r#""receiving-mx-hostname": "mx1.mail.company-y.example","#,
                    "",
                ),
                "policies[0].failure-details[0].receiving-mx-hostname: required member is missing",
            ),
            (
                RFC_EXAMPLE.replace(
                    r#""receiving-ip": "203.0.113.58","#,
                    r#""receiving-ip": "","#,
                ),
                "policies[0].failure-details[1].receiving-ip: required member is an empty string",
            ),
            (
                RFC_EXAMPLE.replace(
                    r#""report-id": "5065427c-23d3-47ca-b6e0-946ea0e8c4be""#,
                    r#""report-id": null"#,
                ),
                "report-id: member is null",
            ),
            (
                RFC_EXAMPLE.replace("\"contact-info\"", "\"contact\": 1, \"contact-info\""),
                "contact: unknown member",
            ),
            (
                RFC_EXAMPLE.replace("certificate-expired", "cert-expired"),
                "policies[0].failure-details[0].result-type: result-type \"cert-expired\" is not in the IANA registry",
            ),
            (
                RFC_EXAMPLE.replace("198.51.100.62", "198.51.100"),
                "policies[0].failure-details[1].sending-mta-ip: \"198.51.100\" is not an IP address",
            ),
            (
                RFC_EXAMPLE.replace(": 5326", ": -1"),
                "policies[0].summary.total-successful-session-count: invalid count -1",
            ),
            (
                RFC_EXAMPLE.replace(": 5326", ": \"5326\""),
                "policies[0].summary.total-successful-session-count: expected an integer",
            ),
            (
                RFC_EXAMPLE.replace("2016-04-01T23:59:59Z", "yesterday"),
                "date-range.end-datetime: invalid date-time \"yesterday\"",
            ),
        ];
        for (json, want) in cases {
            assert_eq!(
                Report::from_json(json.as_bytes()).unwrap_err().to_string(),
                want
            );
        }
        assert!(matches!(
            Report::from_json(b"{"),
            Err(ReportError::Json { line: 1, .. })
        ));
        assert_eq!(
            Report::from_json(b"[]").unwrap_err().to_string(),
            "$: expected an object"
        );
    }

    #[test]
    fn rfc8460_s4_4_sts_policy_failures_may_lack_mx_fields() {
        let json = RFC_EXAMPLE.replace(
            r#"{
         "result-type": "certificate-expired",
         "sending-mta-ip": "2001:db8:abcd:0012::1",
         "receiving-mx-hostname": "mx1.mail.company-y.example",
         "receiving-ip": "203.0.113.55","#,
            r#"{ "result-type": "sts-policy-fetch-error","#,
        );
        let r = Report::from_json(json.as_bytes()).unwrap();
        assert_eq!(r.policies[0].failure_details[0].sending_mta_ip, "");
        assert!(!r.to_json().contains(r#""sending-mta-ip":"""#));
        assert_eq!(Report::from_json(r.to_json().as_bytes()).unwrap(), r);
    }

    #[test]
    fn d21_receiving_ip_may_be_absent_on_any_row() {
        let json = RFC_EXAMPLE.replace(r#""receiving-ip": "203.0.113.55","#, "");
        let r = Report::from_json(json.as_bytes()).unwrap();
        assert_eq!(r.policies[0].failure_details[0].receiving_ip, "");
        assert!(!r.to_json().contains(r#""receiving-ip":"""#));
        assert_eq!(Report::from_json(r.to_json().as_bytes()).unwrap(), r);
        // Not a toleration either: the tolerant parser has nothing to report.
        let (lenient, tolerated) = Report::from_json_lenient(json.as_bytes()).unwrap();
        assert_eq!(lenient, r);
        assert_eq!(tolerated, []);
    }

    #[test]
    fn d21_policy_failure_rows_may_lack_every_session_member() {
        let bare = |rt: &str| {
            RFC_EXAMPLE.replace(
                r#"{
         "result-type": "certificate-expired",
         "sending-mta-ip": "2001:db8:abcd:0012::1",
         "receiving-mx-hostname": "mx1.mail.company-y.example",
         "receiving-ip": "203.0.113.55","#,
                &format!(r#"{{ "result-type": "{rt}","#),
            )
        };
        for rt in ResultType::REGISTRY {
            let json = bare(rt.as_str());
            let policy_failure = matches!(
                rt,
                ResultType::StsPolicyFetchError
                    | ResultType::StsPolicyInvalid
                    | ResultType::StsWebpkiInvalid
                    | ResultType::TlsaInvalid
                    | ResultType::DnssecInvalid
                    | ResultType::DaneRequired
            );
            let strict = Report::from_json(json.as_bytes());
            if policy_failure {
                let r = strict.unwrap_or_else(|e| panic!("{rt}: {e}"));
                assert_eq!(Report::from_json(r.to_json().as_bytes()).unwrap(), r);
                assert_eq!(Report::from_json_lenient(json.as_bytes()).unwrap().1, []);
            } else {
                // A session failure still names the sending address and the MX.
                assert_eq!(
                    strict.unwrap_err().to_string(),
                    "policies[0].failure-details[0].sending-mta-ip: required member is missing",
                    "{rt}"
                );
            }
        }
    }

    #[test]
    fn rfc8460_d19_serialization_is_rfc_form_and_deterministic() {
        let (r, _) = Report::from_json_lenient(RFC_EXAMPLE.as_bytes()).unwrap();
        let a = r.to_json();
        assert_eq!(a, r.clone().to_json());
        assert!(a.starts_with(r#"{"organization-name":"Company-X","date-range":{"start-datetime":"2016-04-01T00:00:00Z","end-datetime":"2016-04-01T23:59:59Z"},"contact-info":"#));
        assert_eq!(Report::from_json(a.as_bytes()).unwrap(), r);
        let mut no_fail = r.clone();
        no_fail.policies[0].failure_details.clear();
        assert!(no_fail.to_json().contains(r#""failure-details":[]"#));
        assert_eq!(Report::from_json(r.to_json_pretty().as_bytes()).unwrap(), r);
    }

    #[test]
    fn rfc7493_duplicate_members_are_rejected_or_first_kept() {
        let json = RFC_EXAMPLE.replace(
            r#""organization-name": "Company-X","#,
            r#""organization-name": "Company-X", "organization-name": "Other","#,
        );
        assert_eq!(
            Report::from_json(json.as_bytes()).unwrap_err(),
            ReportError::Deviation {
                path: "organization-name".into(),
                deviation: Deviation::DuplicateMember
            }
        );
        let (r, t) = Report::from_json_lenient(json.as_bytes()).unwrap();
        assert_eq!(r.organization_name, "Company-X");
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn wrong_types_and_missing_members_name_the_path() {
        let cases = [
            (
                RFC_EXAMPLE.replace(r#""policy-string": ["#, r#""policy-string": [1, "#),
                "policies[0].policy.policy-string[0]: expected a string",
            ),
            (
                RFC_EXAMPLE.replace(r#""summary": {"#, r#""summary": [], "x": {"#),
                "policies[0].summary: expected an object",
            ),
            (
                RFC_EXAMPLE.replace(r#""policies": ["#, r#""policies": null, "p": ["#),
                "policies: expected an array",
            ),
            (
                RFC_EXAMPLE.replace(r#""failed-session-count": 3,"#, ""),
                "policies[0].failure-details[1].failed-session-count: required member is missing",
            ),
            (
                RFC_EXAMPLE.replace(
                    r#""failed-session-count": 3,"#,
                    r#""failed-session-count": 3.5,"#,
                ),
                "policies[0].failure-details[1].failed-session-count: invalid count 3.5",
            ),
        ];
        for (json, want) in cases {
            for strict in [true, false] {
                let err = if strict {
                    Report::from_json(json.as_bytes()).unwrap_err()
                } else {
                    Report::from_json_lenient(json.as_bytes()).unwrap_err()
                };
                assert_eq!(err.to_string(), want);
            }
        }
        // The same rules apply to an already parsed value and to serde.
        let value: Value = serde_json::from_str(RFC_EXAMPLE).unwrap();
        assert_eq!(
            Report::from_value(value.clone()).unwrap(),
            Report::from_json(RFC_EXAMPLE.as_bytes()).unwrap()
        );
        assert!(Report::from_value_lenient(value).unwrap().1.is_empty());
        let via_serde: Report = serde_json::from_str(RFC_EXAMPLE).unwrap();
        assert_eq!(via_serde.policies.len(), 1);
        let bad = RFC_EXAMPLE.replace("2016-04-01T00:00:00Z", "2016-04-01T00:00:00");
        assert!(
            serde_json::from_str::<Report>(&bad)
                .unwrap_err()
                .to_string()
                .contains("date-range.start-datetime")
        );
    }

    #[test]
    fn tlsa_json_string_is_decoded() {
        let json = br#"{"organization-name":"M","date-range":{"start-datetime":"2025-05-23T00:00:00Z","end-datetime":"2025-05-23T23:59:59Z"},
          "contact-info":"a@b.example","report-id":"1","policies":[{"policy":{"policy-type":"tlsa",
          "policy-string":["[\"3 1 1 AA\",\"3 1 1 BB\"]"],"policy-domain":"random.net"},
          "summary":{"total-successful-session-count":2,"total-failure-session-count":0},"failure-details":[]}]}"#;
        let (r, t) = Report::from_json_lenient(json).unwrap();
        assert_eq!(r.policies[0].policy.policy_string, ["3 1 1 AA", "3 1 1 BB"]);
        assert_eq!(
            t,
            [Toleration {
                path: "policies[0].policy.policy-string".into(),
                deviation: Deviation::TlsaPolicyStringJsonEncoded
            }]
        );
    }

    #[test]
    fn limits_are_enforced() {
        let big = vec![b' '; crate::limits::MAX_REPORT_JSON_LEN + 1];
        assert!(matches!(
            Report::from_json(&big),
            Err(ReportError::TooLarge { .. })
        ));
    }
}
