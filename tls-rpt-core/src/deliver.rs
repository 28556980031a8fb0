//! Delivery formats of [RFC 8460 §5](https://www.rfc-editor.org/rfc/rfc8460#section-5):
//! gzip (§5.2), the file name (§5.1), the report e-mail (§5.3) and the HTTPS POST
//! body (§5.4).
//!
//! This module builds bytes; sending them is the caller's job. Reports sent by
//! e-mail MUST carry a valid DKIM signature of the reporting domain without `l=`
//! (§3): signing is the MTA's job, after [`report_email`], and should cover the
//! `TLS-Report-Domain` and `TLS-Report-Submitter` header fields. The MTA also
//! delivers reports despite any TLS, MTA-STS or DANE failure, and does not count
//! the report-sending sessions themselves (§5.3.1; docs/CONFORMANCE.md#ec89). An HTTPS
//! submitter MAY post despite an invalid certificate of the endpoint (§3).

use std::io::Write;

use base64::Engine;
use chrono::{DateTime, FixedOffset};
use flate2::Compression;
use flate2::write::GzEncoder;

use crate::limits;
use crate::report::Report;

/// Media type of a gzip-compressed report ([RFC 8460 §6.5](https://www.rfc-editor.org/rfc/rfc8460#section-6.5)).
pub const MEDIA_TYPE_GZIP: &str = "application/tlsrpt+gzip";
/// Media type of an uncompressed report ([RFC 8460 §6.4](https://www.rfc-editor.org/rfc/rfc8460#section-6.4)).
pub const MEDIA_TYPE_JSON: &str = "application/tlsrpt+json";

/// Why a delivery format could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DeliverError {
    /// `contact-info` has no domain to use as sender (§5.1) and `TLS-Report-Submitter` (§5.3).
    #[error("contact-info {contact_info:?} has no domain")]
    NoSubmitterDomain {
        /// The `contact-info` value.
        contact_info: String,
    },
    /// The report has no policy, or a policy without `policy-domain`.
    #[error("report has no policy-domain")]
    NoPolicyDomain,
    /// The report's policies name different domains; one report per policy domain
    /// is expected (§5.1 file name, §5.3 `TLS-Report-Domain`).
    #[error("report covers several policy domains: {first:?} and {other:?}")]
    SeveralPolicyDomains {
        /// The first domain.
        first: String,
        /// Another one.
        other: String,
    },
    /// A domain with characters that cannot appear in an A-label domain name.
    #[error("{what} {value:?} is not an A-label domain name")]
    InvalidDomain {
        /// Which domain.
        what: &'static str,
        /// The value.
        value: String,
    },
    /// A `unique-id` that is not `1*(ALPHA / DIGIT)` (§5.1).
    #[error("unique-id {0:?} is not 1*(ALPHA / DIGIT)")]
    InvalidUniqueId(String),
    /// A caller-given header value that is empty, not ASCII, or holds CR or LF.
    #[error("invalid value for header field {field}")]
    InvalidHeaderValue {
        /// The header field.
        field: &'static str,
    },
    /// A MIME boundary that breaks RFC 2046 §5.1.1 (1 to 70 `bchars`, no trailing space).
    #[error("invalid MIME boundary")]
    InvalidBoundary,
}

/// Compresses a serialized report with gzip (RFC 1952), as §5.2 recommends.
///
/// The gzip header carries no file name and a zero modification time, so the
/// output depends on the input only. flate2 runs on its zlib-rs backend: pure
/// Rust, and it deflates a 1.3 MB report with 17% fewer instructions than the
/// default miniz_oxide backend.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(
        Vec::with_capacity(data.len() / 4 + 64),
        Compression::default(),
    );
    // Writing into a Vec cannot fail.
    enc.write_all(data)
        .and_then(|()| enc.finish())
        .unwrap_or_default()
}

/// The policy domain a report is about: the one `policy-domain` all its
/// policies share.
pub fn policy_domain(report: &Report) -> Result<&str, DeliverError> {
    let mut domains = report
        .policies
        .iter()
        .map(|p| p.policy.policy_domain.as_str());
    let first = domains
        .next()
        .filter(|d| !d.is_empty())
        .ok_or(DeliverError::NoPolicyDomain)?;
    for other in domains {
        if other != first {
            return Err(DeliverError::SeveralPolicyDomains {
                first: first.into(),
                other: other.into(),
            });
        }
    }
    check_domain("policy-domain", first)?;
    Ok(first)
}

/// The domain of the report's `contact-info`: the §5.1 `sender` and the §5.3
/// `TLS-Report-Submitter`, which MUST match it (docs/CONFORMANCE.md#ec93).
pub fn submitter_domain(report: &Report) -> Result<&str, DeliverError> {
    let domain = report
        .contact_info
        .rsplit_once('@')
        .map(|(_, d)| d)
        .filter(|d| !d.is_empty())
        .ok_or_else(|| DeliverError::NoSubmitterDomain {
            contact_info: report.contact_info.clone(),
        })?;
    check_domain("contact-info domain", domain)?;
    Ok(domain)
}

fn check_domain(what: &'static str, value: &str) -> Result<(), DeliverError> {
    let ok = !value.is_empty()
        && value.len() <= 253
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
        && !value.starts_with('.');
    if ok {
        Ok(())
    } else {
        Err(DeliverError::InvalidDomain {
            what,
            value: value.into(),
        })
    }
}

/// The recommended file name of §5.1:
/// `sender "!" policy-domain "!" begin-timestamp "!" end-timestamp [ "!" unique-id ] "." extension`,
/// with Unix-second timestamps of the report's `date-range` and the extension
/// `json.gz` or `json`.
///
/// ```
/// use tls_rpt_core::{report_file_name, Report};
///
/// let json = br#"{"organization-name":"S","date-range":{"start-datetime":"2016-08-01T00:00:00Z",
///   "end-datetime":"2016-08-01T23:59:59Z"},"contact-info":"tlsrpt@mail.sndr.example.com","report-id":"1",
///   "policies":[{"policy":{"policy-type":"no-policy-found","policy-domain":"example.net"},
///   "summary":{"total-successful-session-count":1,"total-failure-session-count":0},"failure-details":[]}]}"#;
/// let report = Report::from_json(json)?;
/// assert_eq!(
///     report_file_name(&report, Some("001"), true)?,
///     "mail.sndr.example.com!example.net!1470009600!1470095999!001.json.gz"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn report_file_name(
    report: &Report,
    unique_id: Option<&str>,
    gzip: bool,
) -> Result<String, DeliverError> {
    let sender = submitter_domain(report)?;
    let domain = policy_domain(report)?;
    let begin = report.date_range.start_datetime.timestamp();
    let end = report.date_range.end_datetime.timestamp();
    let mut name = format!("{sender}!{domain}!{begin}!{end}");
    if let Some(id) = unique_id {
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(DeliverError::InvalidUniqueId(id.into()));
        }
        name.push('!');
        name.push_str(id);
    }
    name.push_str(if gzip { ".json.gz" } else { ".json" });
    Ok(name)
}

/// The body and `Content-Type` of an HTTPS POST delivery (§5.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpsPost {
    /// [`MEDIA_TYPE_GZIP`] or [`MEDIA_TYPE_JSON`].
    pub content_type: &'static str,
    /// The request body.
    pub body: Vec<u8>,
}

/// Builds the HTTPS POST body (§5.4): the gzip-compressed report with
/// `application/tlsrpt+gzip` (`compress`, as §5.2 recommends), or the JSON with
/// `application/tlsrpt+json`. A 2xx answer means delivered.
pub fn https_post(report: &Report, compress: bool) -> HttpsPost {
    let json = report.to_json();
    if compress {
        HttpsPost {
            content_type: MEDIA_TYPE_GZIP,
            body: gzip(json.as_bytes()),
        }
    } else {
        HttpsPost {
            content_type: MEDIA_TYPE_JSON,
            body: json.into_bytes(),
        }
    }
}

/// Whether an HTTPS POST answer means the report was delivered: any 2xx, typically
/// 200 or 201 (§5.4). Anything else may be retried ([`RetrySchedule`]).
pub fn https_status_is_delivered(status: u16) -> bool {
    (200..300).contains(&status)
}

/// When to retry a failed delivery (§5.5): exponential backoff, for at most
/// [`limits::DELIVERY_RETRY_WINDOW`] after the first attempt (SHOULD, both transports).
///
/// ```
/// use std::time::Duration;
/// use tls_rpt_core::RetrySchedule;
///
/// let s = RetrySchedule::default(); // first retry after 5 minutes
/// assert_eq!(s.next_delay(1, Duration::ZERO), Some(Duration::from_secs(300)));
/// assert_eq!(s.next_delay(3, Duration::from_secs(900)), Some(Duration::from_secs(1200)));
/// assert_eq!(s.next_delay(9, Duration::from_secs(24 * 3600)), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetrySchedule {
    /// Delay after the first failed attempt; doubled after each further one.
    pub first_delay: std::time::Duration,
    /// Give up once this much time has passed since the first attempt.
    pub window: std::time::Duration,
}

impl Default for RetrySchedule {
    fn default() -> Self {
        Self {
            first_delay: std::time::Duration::from_secs(300),
            window: limits::DELIVERY_RETRY_WINDOW,
        }
    }
}

impl RetrySchedule {
    /// The delay before the next attempt, after `failed_attempts` failures (at
    /// least 1) and `elapsed` time since the first attempt; `None` when the window is over.
    /// The last delay is shortened to end at the window.
    pub fn next_delay(
        &self,
        failed_attempts: u32,
        elapsed: std::time::Duration,
    ) -> Option<std::time::Duration> {
        let remaining = self.window.checked_sub(elapsed).filter(|r| !r.is_zero())?;
        let factor = 1u32
            .checked_shl(failed_attempts.saturating_sub(1))
            .unwrap_or(u32::MAX);
        Some(self.first_delay.saturating_mul(factor).min(remaining))
    }
}

/// Caller-given values of a report e-mail: the sans-IO core reads no clock and
/// makes no random values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailParams<'a> {
    /// `From:` address (addr-spec), normally at the submitter domain.
    pub from: &'a str,
    /// `To:` address: the `mailto:` address of the `rua`.
    pub to: &'a str,
    /// `Date:`.
    pub date: DateTime<FixedOffset>,
    /// `Message-ID:` without the angle brackets (`left@right`).
    pub message_id: &'a str,
    /// The MIME boundary (RFC 2046 §5.1.1).
    pub boundary: &'a str,
    /// The optional §5.1 `unique-id` of the attachment's file name.
    pub unique_id: Option<&'a str>,
    /// Attach `application/tlsrpt+gzip` (true, as §5.2 recommends) or
    /// `application/tlsrpt+json`.
    pub compress: bool,
}

/// Builds the complete RFC 5322 report message of §5.3: `multipart/report;
/// report-type="tlsrpt"` with a human-readable part and the report attached, the
/// `TLS-Report-Domain` and `TLS-Report-Submitter` header fields, and the §5.3
/// Subject with a msg-id shaped Report-ID. Lines end in CRLF.
///
/// The message also carries `TLS-Required: No` (RFC 8689): reports are delivered
/// despite TLS failures (§5.3.1). DKIM signing is the MTA's job (see the module docs).
pub fn report_email(report: &Report, params: &EmailParams<'_>) -> Result<Vec<u8>, DeliverError> {
    let domain = policy_domain(report)?;
    let submitter = submitter_domain(report)?;
    for (field, value) in [
        ("From", params.from),
        ("To", params.to),
        ("Message-ID", params.message_id),
    ] {
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(DeliverError::InvalidHeaderValue { field });
        }
    }
    check_boundary(params.boundary)?;
    let file_name = report_file_name(report, params.unique_id, params.compress)?;
    let json = report.to_json();
    let (media_type, payload) = if params.compress {
        (MEDIA_TYPE_GZIP, gzip(json.as_bytes()))
    } else {
        (MEDIA_TYPE_JSON, json.into_bytes())
    };
    let encoded = base64::engine::general_purpose::STANDARD.encode(&payload);
    let boundary = params.boundary;
    let start = report
        .date_range
        .start_datetime
        .format("%Y-%m-%dT%H:%M:%SZ");
    let end = report.date_range.end_datetime.format("%Y-%m-%dT%H:%M:%SZ");

    let mut m = String::with_capacity(encoded.len() + encoded.len() / 38 + 1024);
    let mut line = |s: &str| {
        m.push_str(s);
        m.push_str("\r\n");
    };
    line(&format!("From: {}", params.from));
    line(&format!("To: {}", params.to));
    line(&format!(
        "Date: {}",
        params.date.format("%a, %d %b %Y %H:%M:%S %z")
    ));
    line(&format!("Subject: Report Domain: {domain}"));
    line(&format!(" Submitter: {submitter}"));
    line(&format!(
        " Report-ID: <{}>",
        subject_report_id(&report.report_id, submitter)
    ));
    line(&format!("Message-ID: <{}>", params.message_id));
    line(&format!("TLS-Report-Domain: {domain}"));
    line(&format!("TLS-Report-Submitter: {submitter}"));
    line("TLS-Required: No");
    line("MIME-Version: 1.0");
    line("Content-Type: multipart/report; report-type=\"tlsrpt\";");
    line(&format!(" boundary=\"{boundary}\""));
    line("");
    line("This is a multipart message in MIME format.");
    line("");
    line(&format!("--{boundary}"));
    line("Content-Type: text/plain; charset=\"us-ascii\"");
    line("Content-Transfer-Encoding: 7bit");
    line("");
    line(&format!(
        "This is an aggregate TLS report from {submitter} for {domain},"
    ));
    line(&format!("covering {start} to {end}."));
    line("");
    line(&format!("--{boundary}"));
    line(&format!("Content-Type: {media_type}"));
    line("Content-Transfer-Encoding: base64");
    line("Content-Disposition: attachment;");
    line(&format!(" filename=\"{file_name}\""));
    line("");
    for chunk in encoded.as_bytes().chunks(76) {
        line(std::str::from_utf8(chunk).unwrap_or_default());
    }
    line("");
    line(&format!("--{boundary}--"));
    Ok(m.into_bytes())
}

/// The `<id-left@id-right>` of the §5.3 Subject. The JSON `report-id` is free-form,
/// so it is used as is only when it already is `dot-atom@dot-atom`; otherwise it
/// becomes the left part (characters outside `atext`, and misplaced dots, written
/// `=XX`) with the submitter domain on the right.
pub fn subject_report_id(report_id: &str, submitter: &str) -> String {
    fn is_atext(b: u8) -> bool {
        b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&b)
    }
    fn is_dot_atom(s: &str) -> bool {
        !s.is_empty()
            && s.split('.')
                .all(|part| !part.is_empty() && part.bytes().all(is_atext))
    }
    if let Some((left, right)) = report_id.split_once('@')
        && is_dot_atom(left)
        && is_dot_atom(right)
    {
        return report_id.to_owned();
    }
    let bytes = report_id.as_bytes();
    let mut left = String::with_capacity(bytes.len() + 8);
    for (i, &b) in bytes.iter().enumerate() {
        let dot_ok = b == b'.' && i > 0 && i + 1 < bytes.len() && !left.ends_with('.');
        if (is_atext(b) && b != b'=') || dot_ok {
            left.push(char::from(b));
        } else {
            left.push_str(&format!("={b:02X}"));
        }
    }
    if left.is_empty() {
        left.push_str("=00");
    }
    format!("{left}@{submitter}")
}

fn check_boundary(b: &str) -> Result<(), DeliverError> {
    let bchar = |c: u8| c.is_ascii_alphanumeric() || b"'()+_,-./:=? ".contains(&c);
    if b.is_empty() || b.len() > 70 || b.ends_with(' ') || !b.bytes().all(bchar) {
        return Err(DeliverError::InvalidBoundary);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> Report {
        let json = br#"{"organization-name":"Company-X","date-range":{"start-datetime":"2016-08-01T00:00:00Z","end-datetime":"2016-08-01T23:59:59Z"},
          "contact-info":"tlsrpt@mail.sender.example.com","report-id":"5065427c-23d3-47ca-b6e0-946ea0e8c4be",
          "policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: testing","mx: *.example.net","max_age: 86400"],
          "policy-domain":"example.net","mx-host":["*.example.net"]},
          "summary":{"total-successful-session-count":5326,"total-failure-session-count":0},"failure-details":[]}]}"#;
        Report::from_json(json).unwrap()
    }

    #[test]
    fn edge_case_93_submitter_is_contact_info_domain() {
        assert_eq!(submitter_domain(&report()), Ok("mail.sender.example.com"));
        let mut r = report();
        r.contact_info = "nobody".into();
        assert!(matches!(
            submitter_domain(&r),
            Err(DeliverError::NoSubmitterDomain { .. })
        ));
    }

    #[test]
    fn edge_case_94_file_name() {
        let r = report();
        assert_eq!(
            report_file_name(&r, None, true).unwrap(),
            "mail.sender.example.com!example.net!1470009600!1470095999.json.gz"
        );
        assert_eq!(
            report_file_name(&r, Some("001"), false).unwrap(),
            "mail.sender.example.com!example.net!1470009600!1470095999!001.json"
        );
        assert_eq!(
            report_file_name(&r, Some("0-1"), true),
            Err(DeliverError::InvalidUniqueId("0-1".into()))
        );
        let mut bad = report();
        bad.policies[0].policy.policy_domain = "a!b".into();
        assert!(matches!(
            report_file_name(&bad, None, true),
            Err(DeliverError::InvalidDomain { .. })
        ));
    }

    #[test]
    fn rfc8460_s5_2_gzip_is_deterministic_gzip() {
        let json = report().to_json();
        let a = gzip(json.as_bytes());
        assert_eq!(a, gzip(json.as_bytes()));
        assert_eq!(a.get(..2), Some(&[0x1f, 0x8b][..]));
        let mut out = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&a[..]), &mut out).unwrap();
        assert_eq!(out, json);
    }

    #[test]
    fn edge_case_91_retry_with_backoff_for_up_to_24_hours() {
        assert!(https_status_is_delivered(200));
        assert!(https_status_is_delivered(201));
        assert!(!https_status_is_delivered(500));
        assert!(!https_status_is_delivered(302));
        let s = RetrySchedule::default();
        let mut elapsed = std::time::Duration::ZERO;
        let mut delays = Vec::new();
        for attempt in 1.. {
            match s.next_delay(attempt, elapsed) {
                Some(d) => {
                    delays.push(d.as_secs());
                    elapsed += d;
                }
                None => break,
            }
        }
        assert_eq!(delays[..4], [300, 600, 1200, 2400]);
        assert_eq!(elapsed, std::time::Duration::from_secs(24 * 3600));
        assert!(
            delays
                .windows(2)
                .all(|w| w[1] >= w[0] || w[1] == *delays.last().unwrap())
        );
    }

    #[test]
    fn rfc8460_s5_4_https_post_media_types() {
        let r = report();
        let gz = https_post(&r, true);
        assert_eq!(gz.content_type, "application/tlsrpt+gzip");
        assert_eq!(gz.body, gzip(r.to_json().as_bytes()));
        let json = https_post(&r, false);
        assert_eq!(json.content_type, "application/tlsrpt+json");
        assert_eq!(Report::from_json(&json.body).unwrap(), r);
    }

    #[test]
    fn rfc8460_s5_3_subject_report_id_is_msg_id_shaped() {
        assert_eq!(
            subject_report_id("735ff.e317+bf22029@example.net", "s.example"),
            "735ff.e317+bf22029@example.net"
        );
        assert_eq!(
            subject_report_id("5065427c-23d3-47ca-b6e0-946ea0e8c4be", "s.example"),
            "5065427c-23d3-47ca-b6e0-946ea0e8c4be@s.example"
        );
        assert_eq!(
            subject_report_id("2025-05-22T00:00:00Z_foo-bar.io", "google.com"),
            "2025-05-22T00=3A00=3A00Z_foo-bar.io@google.com"
        );
        assert_eq!(subject_report_id(".a..b.", "s"), "=2Ea.=2Eb=2E@s");
        assert_eq!(subject_report_id("", "s"), "=00@s");
    }

    #[test]
    fn rfc8460_s5_3_email_headers_and_parts() {
        let r = report();
        let params = EmailParams {
            from: "tlsrpt@mail.sender.example.com",
            to: "mts-sts-tlsrpt@example.net",
            date: DateTime::parse_from_rfc3339("2017-05-09T16:54:30-08:00").unwrap(),
            message_id: "abc@mail.sender.example.com",
            boundary: "----=_NextPart_000_024E_01CC9B0A.AFE54C00",
            unique_id: None,
            compress: true,
        };
        let mail = String::from_utf8(report_email(&r, &params).unwrap()).unwrap();
        for want in [
            "Date: Tue, 09 May 2017 16:54:30 -0800\r\n",
            "Subject: Report Domain: example.net\r\n Submitter: mail.sender.example.com\r\n Report-ID: <5065427c-23d3-47ca-b6e0-946ea0e8c4be@mail.sender.example.com>\r\n",
            "TLS-Report-Domain: example.net\r\n",
            "TLS-Report-Submitter: mail.sender.example.com\r\n",
            "Content-Type: multipart/report; report-type=\"tlsrpt\";\r\n boundary=\"----=_NextPart_000_024E_01CC9B0A.AFE54C00\"\r\n",
            "Content-Type: application/tlsrpt+gzip\r\n",
            "filename=\"mail.sender.example.com!example.net!1470009600!1470095999.json.gz\"",
            "\r\n------=_NextPart_000_024E_01CC9B0A.AFE54C00--\r\n",
        ] {
            assert!(mail.contains(want), "missing {want:?} in\n{mail}");
        }
        assert!(!mail.replace("\r\n", "").contains('\n'));
        assert!(mail.lines().all(|l| l.len() <= 78), "{mail}");
        let bad = EmailParams {
            to: "a@b\r\nBcc: x@y",
            ..params.clone()
        };
        assert_eq!(
            report_email(&r, &bad),
            Err(DeliverError::InvalidHeaderValue { field: "To" })
        );
        let bad = EmailParams {
            boundary: "a\"b",
            ..params
        };
        assert_eq!(report_email(&r, &bad), Err(DeliverError::InvalidBoundary));
    }

    #[test]
    fn edge_case_89_report_email_asks_for_delivery_despite_tls_failures() {
        let params = EmailParams {
            from: "tlsrpt@mail.sender.example.com",
            to: "mts-sts-tlsrpt@example.net",
            date: DateTime::parse_from_rfc3339("2017-05-09T16:54:30-08:00").unwrap(),
            message_id: "abc@mail.sender.example.com",
            boundary: "b1",
            unique_id: None,
            compress: false,
        };
        let mail = String::from_utf8(report_email(&report(), &params).unwrap()).unwrap();
        // RFC 8689: the MTA may deliver it without TLS, MTA-STS or DANE (§5.3.1).
        let headers = mail.split("\r\n\r\n").next().unwrap();
        assert!(headers.contains("\r\nTLS-Required: No\r\n"), "{headers}");
    }
}
