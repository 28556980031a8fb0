//! The policy domain, the policy URL and host, and validation of a policy fetch.
//!
//! The caller performs the HTTPS GET with its own client, following the rules of
//! [RFC 8461 §3.3](https://www.rfc-editor.org/rfc/rfc8461#section-3.3): SNI and
//! certificate validation for [`policy_host`], no redirects, no HTTP caching, a
//! timeout (about one minute) and a read cap of `max_body_len + 1` bytes. It then
//! hands the result to [`validate_fetch`] (or to the engine, which calls it), which
//! applies docs/CONFORMANCE.md#d10 to #d12 and returns a [`FetchedPolicy`] or a [`FetchError`] that
//! knows its TLS-RPT [`Failure`].

use std::fmt;
use std::sync::Arc;

use crate::limits;
use crate::policy::{Policy, PolicyError};
use smtp_tls_types::{Failure, ResultType};

/// A Policy Domain: a lowercase A-label domain name without the trailing dot.
///
/// It is the next-hop domain of the delivery, normally the domain of the recipient
/// address, or the domain of an administratively configured smart host
/// ([RFC 8461 §3.4](https://www.rfc-editor.org/rfc/rfc8461#section-3.4)). The parent
/// zone is never used in its place (`user@mail.example.com` has Policy Domain
/// `mail.example.com`, never `example.com`), and address literals
/// (`user@[192.0.2.1]`) have no Policy Domain at all: [`PolicyDomain::new`] refuses them.
///
/// ```
/// use mta_sts_core::PolicyDomain;
///
/// let domain = PolicyDomain::new("Bücher.Example.")?;
/// assert_eq!(domain.as_str(), "xn--bcher-kva.example");
/// assert!(PolicyDomain::new("[192.0.2.1]").is_err());
/// # Ok::<(), mta_sts_core::DomainError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PolicyDomain(Arc<str>);

/// Why a name cannot be a [`PolicyDomain`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DomainError {
    /// The name is empty (or only a dot).
    #[error("empty domain name")]
    Empty,
    /// An address literal such as `[192.0.2.1]` or a bare IP address: no MTA-STS
    /// policy applies to it ([RFC 8461 §3.4](https://www.rfc-editor.org/rfc/rfc8461#section-3.4)).
    #[error("address literals have no policy domain")]
    AddressLiteral,
    /// IDNA conversion to A-labels failed (UTS #46 with STD3 rules).
    #[error("domain name cannot be converted to A-labels")]
    Idna,
    /// A label is empty, longer than [`limits::MAX_LABEL_LEN`], or not
    /// letters, digits and inner hyphens ([RFC 5321 §4.1.2](https://www.rfc-editor.org/rfc/rfc5321#section-4.1.2) `sub-domain`).
    #[error("invalid label {label:?} in domain name")]
    InvalidLabel {
        /// The offending label (at most [`limits::MAX_LABEL_LEN`] + 1 bytes of it).
        label: String,
    },
    /// The name is longer than [`limits::MAX_DOMAIN_LEN`], counting the
    /// `mta-sts.` prefix the policy host adds (the length reported is that of the
    /// A-label form, or of the input when it is far too long to convert).
    #[error("domain name is {len} bytes, over the limit of {limit}")]
    TooLong {
        /// Length of the A-label form.
        len: usize,
        /// The limit that applies.
        limit: usize,
    },
}

/// The label prepended to the Policy Domain to form the Policy Host
/// ([RFC 8461 §3.3](https://www.rfc-editor.org/rfc/rfc8461#section-3.3)).
const POLICY_HOST_PREFIX: &str = "mta-sts.";

impl PolicyDomain {
    /// Normalizes `domain` to a lowercase A-label name and checks it.
    ///
    /// One trailing dot is removed; U-labels are converted with IDNA (UTS #46).
    /// The name must leave room for the `mta-sts.` prefix of the policy host
    /// within [`limits::MAX_DOMAIN_LEN`].
    pub fn new(domain: &str) -> Result<Self, DomainError> {
        let trimmed = domain.strip_suffix('.').unwrap_or(domain);
        if trimmed.is_empty() {
            return Err(DomainError::Empty);
        }
        // IPv4 literals are caught below (a numeric top-level label); only a name with a
        // colon can be an IPv6 one, and parsing every name as an address costs.
        if trimmed.starts_with('[')
            || (trimmed.contains(':') && trimmed.parse::<std::net::IpAddr>().is_ok())
        {
            return Err(DomainError::AddressLiteral);
        }
        // Bound the IDNA work: no UTF-8 spelling of a valid name is four times longer
        // than its A-label form.
        let limit = limits::MAX_DOMAIN_LEN - POLICY_HOST_PREFIX.len();
        if trimmed.len() > 4 * limit {
            return Err(DomainError::TooLong {
                len: trimmed.len(),
                limit,
            });
        }
        let ascii = if is_plain_ascii(trimmed) {
            // What UTS 46 gives for letters, digits, hyphens and dots without an A-label:
            // the same name in lower case (the checks below still apply).
            trimmed.to_ascii_lowercase()
        } else {
            idna::domain_to_ascii_cow(trimmed.as_bytes(), idna::AsciiDenyList::STD3)
                .map_err(|_| DomainError::Idna)?
                .into_owned()
        };
        if ascii.len() > limit {
            return Err(DomainError::TooLong {
                len: ascii.len(),
                limit,
            });
        }
        for label in ascii.split('.') {
            if !is_ldh_label(label) {
                let mut shown = label.to_owned();
                shown.truncate(limits::MAX_LABEL_LEN + 1);
                return Err(DomainError::InvalidLabel { label: shown });
            }
        }
        // A numeric top-level label means an IPv4 address in some spelling
        // (RFC 3696 §2): treat it as an address literal.
        if ascii
            .rsplit('.')
            .next()
            .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(DomainError::AddressLiteral);
        }
        Ok(Self(ascii.into()))
    }

    /// The normalized name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The TXT record name, `_mta-sts.<domain>`
    /// ([RFC 8461 §3.1](https://www.rfc-editor.org/rfc/rfc8461#section-3.1)).
    pub(crate) fn txt_name(&self) -> String {
        ["_mta-sts.", self.as_str()].concat()
    }
}

impl fmt::Display for PolicyDomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for PolicyDomain {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

/// `let-dig [ldh-str]`, at most 63 bytes (RFC 5321 §4.1.2, RFC 1035 §2.3.4).
/// Letters, digits, hyphens and dots only, and no label that UTS 46 would decode
/// (`xn--`): the names a mail system sees almost always, which need no IDNA work.
fn is_plain_ascii(name: &str) -> bool {
    let bytes = name.as_bytes();
    let mut label_start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'.' {
            label_start = i + 1;
            continue;
        }
        let a_label = i == label_start
            && bytes
                .get(i..i + 4)
                .is_some_and(|p| p.eq_ignore_ascii_case(b"xn--"));
        if a_label || !(b.is_ascii_alphanumeric() || b == b'-') {
            return false;
        }
    }
    true
}

fn is_ldh_label(label: &str) -> bool {
    let bytes = label.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= limits::MAX_LABEL_LEN
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
}

/// The Policy Host, `mta-sts.<domain>`: the name to resolve, to send as SNI and to
/// validate the HTTPS server certificate against
/// ([RFC 8461 §3.3](https://www.rfc-editor.org/rfc/rfc8461#section-3.3), §7.1).
///
/// ```
/// use mta_sts_core::{PolicyDomain, policy_host};
///
/// let domain = PolicyDomain::new("example.com")?;
/// assert_eq!(policy_host(&domain), "mta-sts.example.com");
/// # Ok::<(), mta_sts_core::DomainError>(())
/// ```
pub fn policy_host(domain: &PolicyDomain) -> String {
    // `concat` rather than `format!`: one allocation, no formatting machinery.
    [POLICY_HOST_PREFIX, domain.as_str()].concat()
}

/// The policy URL, `https://mta-sts.<domain>/.well-known/mta-sts.txt`
/// ([RFC 8461 §3.2](https://www.rfc-editor.org/rfc/rfc8461#section-3.2)). Fetch it
/// with GET, over HTTPS only.
///
/// ```
/// use mta_sts_core::{PolicyDomain, policy_url};
///
/// let domain = PolicyDomain::new("example.com")?;
/// assert_eq!(policy_url(&domain), "https://mta-sts.example.com/.well-known/mta-sts.txt");
/// # Ok::<(), mta_sts_core::DomainError>(())
/// ```
pub fn policy_url(domain: &PolicyDomain) -> String {
    [
        "https://",
        POLICY_HOST_PREFIX,
        domain.as_str(),
        "/.well-known/mta-sts.txt",
    ]
    .concat()
}

/// What the caller's HTTPS client got for the policy URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchResult<'a> {
    /// An HTTP response arrived over a TLS connection whose certificate was valid
    /// for the policy host. Report every status as is: redirects are not followed.
    Response {
        /// The HTTP status code.
        status: u16,
        /// The `Content-Type` header value, if the response had one.
        content_type: Option<&'a str>,
        /// The body. Read at most `max_body_len + 1` bytes
        /// ([`FetchOptions::max_body_len`]) so an oversized body is detected
        /// without reading it all.
        body: &'a [u8],
    },
    /// The TLS connection to the policy host failed, classified as a TLS-RPT
    /// [`Failure`]: pass the value of `verify::classify_tls_error(&error, Peer::PolicyHost)`
    /// (or `VerifyError::failure(Peer::PolicyHost)`) as is.
    ///
    /// A certificate failure (`sts-webpki-invalid`, or an MX-style
    /// `certificate-host-mismatch` / `certificate-expired` / `certificate-not-trusted`
    /// from another TLS stack) becomes [`FetchError::CertificateInvalid`], reported as
    /// `sts-webpki-invalid`
    /// ([RFC 8460 §4.3.2.2](https://www.rfc-editor.org/rfc/rfc8460#section-4.3.2.2));
    /// anything else becomes [`FetchError::Tls`], reported as `sts-policy-fetch-error`.
    /// Reason codes are kept.
    TlsFailed(Failure),
    /// Any other failure before a response arrived: `sts-policy-fetch-error`.
    Transport(TransportError),
}

/// A [`FetchResult`] that owns its parts, for a driver that keeps the answer of its
/// HTTPS client (or a test that scripts one) and lends it to the engine.
///
/// ```
/// use mta_sts_core::{FetchResult, OwnedFetchResult};
///
/// let got = OwnedFetchResult::Response {
///     status: 200,
///     content_type: Some("text/plain".into()),
///     body: b"version: STSv1\n".to_vec(),
/// };
/// assert!(matches!(got.as_result(), FetchResult::Response { status: 200, .. }));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnedFetchResult {
    /// See [`FetchResult::Response`].
    Response {
        /// The HTTP status code.
        status: u16,
        /// The `Content-Type` header value, if the response had one.
        content_type: Option<String>,
        /// The body, at most `max_body_len + 1` bytes of it.
        body: Vec<u8>,
    },
    /// See [`FetchResult::TlsFailed`].
    TlsFailed(Failure),
    /// See [`FetchResult::Transport`].
    Transport(TransportError),
}

impl OwnedFetchResult {
    /// The engine's view of it, for [`PolicyLookup::handle_fetch`](crate::PolicyLookup::handle_fetch).
    pub fn as_result(&self) -> FetchResult<'_> {
        match self {
            Self::Response {
                status,
                content_type,
                body,
            } => FetchResult::Response {
                status: *status,
                content_type: content_type.as_deref(),
                body,
            },
            Self::TlsFailed(failure) => FetchResult::TlsFailed(failure.clone()),
            Self::Transport(e) => FetchResult::Transport(*e),
        }
    }
}

/// A fetch that failed before an HTTP response arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportError {
    /// The policy host name did not resolve.
    Dns,
    /// The TCP connection failed.
    Connect,
    /// The fetch took longer than the caller's timeout (RFC 8461 §3.3 suggests one minute).
    Timeout,
    /// The TLS handshake failed for a reason other than the certificate, as told by
    /// a TLS stack that gives no classification (otherwise use
    /// [`FetchResult::TlsFailed`]).
    TlsHandshake,
    /// The HTTP exchange was malformed or cut off.
    Http,
}

impl TransportError {
    /// The TLS-RPT `failure-reason-code` for this error.
    pub const fn reason_code(self) -> &'static str {
        match self {
            Self::Dns => "policy-host-dns-error",
            Self::Connect => "policy-host-connect-error",
            Self::Timeout => "policy-fetch-timeout",
            Self::TlsHandshake => "policy-host-tls-handshake-error",
            Self::Http => "policy-fetch-http-error",
        }
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason_code())
    }
}

/// How strictly [`validate_fetch`] checks a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FetchOptions {
    /// Refuse a `Content-Type` other than `text/plain` (docs/CONFORMANCE.md#d10; default `true`).
    /// When `false`, such a response is accepted with
    /// [`FetchWarning::UnexpectedContentType`].
    pub require_text_plain: bool,
    /// Largest body accepted, in bytes (docs/CONFORMANCE.md#d12). Values above
    /// [`limits::MAX_POLICY_BODY_LEN`] are treated as that limit.
    pub max_body_len: usize,
}

impl Default for FetchOptions {
    fn default() -> Self {
        Self {
            require_text_plain: true,
            max_body_len: limits::MAX_POLICY_BODY_LEN,
        }
    }
}

/// A tolerated deviation in a fetch response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FetchWarning {
    /// The response had no `Content-Type`; accepted (docs/CONFORMANCE.md#d10).
    MissingContentType,
    /// The `Content-Type` was not `text/plain`, accepted because
    /// [`FetchOptions::require_text_plain`] is off.
    UnexpectedContentType,
}

impl fmt::Display for FetchWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::MissingContentType => "the response has no Content-Type (accepted)",
            Self::UnexpectedContentType => "the Content-Type is not text/plain (accepted)",
        })
    }
}

/// A policy that passed fetch validation and parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedPolicy {
    /// The parsed policy.
    pub policy: Policy,
    /// The body as served (checked to be UTF-8), kept for the cache and for
    /// TLS-RPT's `policy-string`.
    pub text: String,
    /// What was tolerated in the HTTP response (the policy's own warnings are in
    /// [`Policy::warnings`]).
    pub warnings: Vec<FetchWarning>,
}

/// Why a fetch result does not give a policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The policy host certificate is invalid
    /// ([RFC 8461 §3.3](https://www.rfc-editor.org/rfc/rfc8461#section-3.3)); the
    /// failure is `sts-webpki-invalid`.
    #[error("policy host certificate invalid: {0}")]
    CertificateInvalid(Failure),
    /// The TLS connection failed for a reason other than the certificate; the
    /// failure is `sts-policy-fetch-error`.
    #[error("policy host TLS failure: {0}")]
    Tls(Failure),
    /// No response arrived.
    #[error("policy fetch failed: {0}")]
    Transport(TransportError),
    /// The status was not 200; redirects are not followed (docs/CONFORMANCE.md#d11,
    /// [RFC 8461 §3.3](https://www.rfc-editor.org/rfc/rfc8461#section-3.3)).
    #[error("http status {status}, only 200 is accepted")]
    Status {
        /// The status received.
        status: u16,
    },
    /// The `Content-Type` is present and not `text/plain` (docs/CONFORMANCE.md#d10,
    /// [RFC 8461 §3.2](https://www.rfc-editor.org/rfc/rfc8461#section-3.2)).
    #[error("content type {content_type:?} is not text/plain")]
    ContentType {
        /// The media type received (its first 100 bytes).
        content_type: String,
    },
    /// The body is over the size limit (docs/CONFORMANCE.md#d12,
    /// [RFC 8461 §3.3](https://www.rfc-editor.org/rfc/rfc8461#section-3.3)).
    #[error("policy body is at least {len} bytes, over the limit of {limit}")]
    BodyTooLarge {
        /// Bytes received.
        len: usize,
        /// The limit applied.
        limit: usize,
    },
    /// The body is not UTF-8, which the policy grammar requires
    /// ([RFC 8461 §3.2](https://www.rfc-editor.org/rfc/rfc8461#section-3.2)).
    #[error("policy body is not UTF-8 (invalid byte at offset {offset})")]
    NotUtf8 {
        /// Offset of the first invalid byte.
        offset: usize,
    },
    /// The body is not a valid policy.
    #[error("invalid policy: {0}")]
    Policy(#[source] PolicyError),
}

impl FetchError {
    /// The TLS-RPT failure to report for this error
    /// ([RFC 8460 §4.3.2.2](https://www.rfc-editor.org/rfc/rfc8460#section-4.3.2.2)).
    pub fn failure(&self) -> Failure {
        match self {
            Self::CertificateInvalid(failure) | Self::Tls(failure) => failure.clone(),
            Self::Transport(e) => {
                Failure::with_reason(ResultType::StsPolicyFetchError, e.reason_code())
            }
            Self::Status { status } => Failure::with_reason(
                ResultType::StsPolicyFetchError,
                format!("http-status-{status}"),
            ),
            Self::ContentType { .. } => Failure::with_reason(
                ResultType::StsPolicyFetchError,
                "content-type-not-text-plain",
            ),
            Self::BodyTooLarge { .. } => {
                Failure::with_reason(ResultType::StsPolicyFetchError, "policy-body-too-large")
            }
            Self::NotUtf8 { .. } | Self::Policy(_) => Failure::new(ResultType::StsPolicyInvalid),
        }
    }
}

/// Validates a fetch result and parses the policy (docs/CONFORMANCE.md#d10, #d11, #d12).
///
/// ```
/// use mta_sts_core::{FetchError, FetchOptions, FetchResult, ResultType, validate_fetch};
///
/// let body = b"version: STSv1\nmode: enforce\nmx: mail.example.com\nmax_age: 86400\n";
/// let ok = validate_fetch(
///     FetchResult::Response { status: 200, content_type: Some("text/plain; charset=utf-8"), body },
///     &FetchOptions::default(),
/// )?;
/// assert_eq!(ok.policy.max_age(), 86400);
///
/// let redirect = FetchResult::Response { status: 301, content_type: None, body: b"" };
/// let err = validate_fetch(redirect, &FetchOptions::default()).unwrap_err();
/// assert_eq!(err, FetchError::Status { status: 301 });
/// assert_eq!(err.failure().result_type, ResultType::StsPolicyFetchError);
/// # Ok::<(), FetchError>(())
/// ```
pub fn validate_fetch(
    result: FetchResult<'_>,
    options: &FetchOptions,
) -> Result<FetchedPolicy, FetchError> {
    let (status, content_type, body) = match result {
        FetchResult::Response {
            status,
            content_type,
            body,
        } => (status, content_type, body),
        FetchResult::TlsFailed(cause) => return Err(tls_error(cause)),
        FetchResult::Transport(e) => return Err(FetchError::Transport(e)),
    };
    if status != 200 {
        return Err(FetchError::Status { status });
    }
    let mut warnings = Vec::new();
    match content_type {
        None => warnings.push(FetchWarning::MissingContentType),
        Some(value) if is_text_plain(value) => {}
        Some(_) if !options.require_text_plain => {
            warnings.push(FetchWarning::UnexpectedContentType)
        }
        Some(value) => {
            let mut shown = media_type(value).to_owned();
            truncate_at_char_boundary(&mut shown, 100);
            return Err(FetchError::ContentType {
                content_type: shown,
            });
        }
    }
    let limit = options.max_body_len.min(limits::MAX_POLICY_BODY_LEN);
    if body.len() > limit {
        return Err(FetchError::BodyTooLarge {
            len: body.len(),
            limit,
        });
    }
    let text = std::str::from_utf8(body).map_err(|e| FetchError::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    let policy = Policy::parse(body).map_err(FetchError::Policy)?;
    Ok(FetchedPolicy {
        policy,
        text: text.to_owned(),
        warnings,
    })
}

/// Maps a TLS failure of the policy host connection to its fetch error, whatever
/// peer it was classified for.
fn tls_error(cause: Failure) -> FetchError {
    let Failure {
        result_type,
        reason_code,
    } = cause;
    let reason_code = Some(reason_code.unwrap_or_else(|| result_type.as_str().to_owned()));
    match result_type {
        ResultType::StsWebpkiInvalid
        | ResultType::CertificateHostMismatch
        | ResultType::CertificateExpired
        | ResultType::CertificateNotTrusted => FetchError::CertificateInvalid(Failure {
            result_type: ResultType::StsWebpkiInvalid,
            reason_code,
        }),
        _ => FetchError::Tls(Failure {
            result_type: ResultType::StsPolicyFetchError,
            reason_code,
        }),
    }
}

/// The `type/subtype` part of a `Content-Type` value, parameters removed.
fn media_type(value: &str) -> &str {
    value.split(';').next().unwrap_or_default().trim()
}

/// `text/plain` in any letter case, with any parameters (docs/CONFORMANCE.md#d10).
fn is_text_plain(value: &str) -> bool {
    media_type(value).eq_ignore_ascii_case("text/plain")
}

fn truncate_at_char_boundary(s: &mut String, max: usize) {
    if s.len() > max {
        let cut = (0..=max)
            .rev()
            .find(|&i| s.is_char_boundary(i))
            .unwrap_or(0);
        s.truncate(cut);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = b"version: STSv1\nmode: enforce\nmx: mail.example.com\nmax_age: 86400\n";

    fn response<'a>(status: u16, content_type: Option<&'a str>, body: &'a [u8]) -> FetchResult<'a> {
        FetchResult::Response {
            status,
            content_type,
            body,
        }
    }

    fn validate(result: FetchResult<'_>) -> Result<FetchedPolicy, FetchError> {
        validate_fetch(result, &FetchOptions::default())
    }

    #[test]
    fn rfc8461_s3_3_policy_host_and_url() {
        let d = PolicyDomain::new("Example.COM.").unwrap();
        assert_eq!(d.as_str(), "example.com");
        assert_eq!(policy_host(&d), "mta-sts.example.com");
        assert_eq!(
            policy_url(&d),
            "https://mta-sts.example.com/.well-known/mta-sts.txt"
        );
        assert_eq!(d.txt_name(), "_mta-sts.example.com");
    }

    #[test]
    fn rfc8461_s3_4_domain_normalization_and_refusals() {
        assert_eq!(
            PolicyDomain::new("bücher.example").unwrap().as_str(),
            "xn--bcher-kva.example"
        );
        assert_eq!(
            PolicyDomain::new("mail.example.com").unwrap().as_str(),
            "mail.example.com"
        );
        for (input, expected) in [
            ("", DomainError::Empty),
            (".", DomainError::Empty),
            ("[192.0.2.1]", DomainError::AddressLiteral),
            ("[IPv6:2001:db8::1]", DomainError::AddressLiteral),
            ("192.0.2.1", DomainError::AddressLiteral),
            ("2001:db8::1", DomainError::AddressLiteral),
            ("example.123", DomainError::AddressLiteral),
        ] {
            assert_eq!(PolicyDomain::new(input), Err(expected), "{input:?}");
        }
        for bad in [
            "a..b",
            "-a.example",
            "a-.example",
            "under_score.example",
            "sp ace.example",
        ] {
            assert!(PolicyDomain::new(bad).is_err(), "{bad:?}");
        }
        let long = format!("{}.example", "a".repeat(64));
        assert!(matches!(
            PolicyDomain::new(&long),
            Err(DomainError::InvalidLabel { .. }) | Err(DomainError::Idna)
        ));
        let huge = "a".repeat(1 << 20);
        assert!(matches!(
            PolicyDomain::new(&huge),
            Err(DomainError::TooLong { .. })
        ));
        let too_long = vec!["a".repeat(60); 5].join(".");
        assert!(matches!(
            PolicyDomain::new(&too_long),
            Err(DomainError::TooLong { .. })
        ));
    }

    #[test]
    fn rfc8461_s3_3_status_200_is_accepted() {
        let ok = validate(response(200, Some("text/plain"), BODY)).unwrap();
        assert_eq!(ok.text.as_bytes(), BODY);
        assert!(ok.warnings.is_empty());
    }

    #[test]
    fn edge_case_46_redirect_is_fetch_error() {
        for status in [301, 302, 303, 307, 308] {
            let err = validate(response(status, Some("text/plain"), BODY)).unwrap_err();
            assert_eq!(err, FetchError::Status { status });
            assert_eq!(
                err.failure(),
                Failure::with_reason(
                    ResultType::StsPolicyFetchError,
                    format!("http-status-{status}")
                )
            );
        }
    }

    #[test]
    fn edge_case_47_other_2xx_is_fetch_error() {
        for status in [201, 204, 203, 206, 404, 500] {
            let err = validate(response(status, Some("text/plain"), BODY)).unwrap_err();
            assert_eq!(err, FetchError::Status { status });
            assert_eq!(err.failure().result_type, ResultType::StsPolicyFetchError);
        }
    }

    #[test]
    fn edge_case_48_content_type_rules() {
        for accepted in [
            "text/plain",
            "TEXT/PLAIN",
            "text/plain; charset=utf-8",
            " Text/Plain ;charset=iso-8859-1",
        ] {
            let ok = validate(response(200, Some(accepted), BODY)).unwrap();
            assert!(ok.warnings.is_empty(), "{accepted}");
        }
        for refused in [
            "text/html",
            "text/html; charset=utf-8",
            "application/octet-stream",
            "",
            "text/plain2",
        ] {
            let err = validate(response(200, Some(refused), BODY)).unwrap_err();
            assert!(matches!(err, FetchError::ContentType { .. }), "{refused}");
            assert_eq!(
                err.failure(),
                Failure::with_reason(
                    ResultType::StsPolicyFetchError,
                    "content-type-not-text-plain"
                )
            );
        }
    }

    #[test]
    fn d10_missing_content_type_is_accepted_with_warning() {
        let ok = validate(response(200, None, BODY)).unwrap();
        assert_eq!(ok.warnings, [FetchWarning::MissingContentType]);
    }

    #[test]
    fn d10_caller_may_relax_content_type() {
        let options = FetchOptions {
            require_text_plain: false,
            ..FetchOptions::default()
        };
        let ok = validate_fetch(response(200, Some("text/html"), BODY), &options).unwrap();
        assert_eq!(ok.warnings, [FetchWarning::UnexpectedContentType]);
    }

    #[test]
    fn edge_case_49_body_over_limit_is_fetch_error() {
        let mut big = BODY.to_vec();
        big.resize(limits::MAX_POLICY_BODY_LEN + 1, b'\n');
        let err = validate(response(200, Some("text/plain"), &big)).unwrap_err();
        assert_eq!(
            err,
            FetchError::BodyTooLarge {
                len: big.len(),
                limit: limits::MAX_POLICY_BODY_LEN
            }
        );
        assert_eq!(err.failure().result_type, ResultType::StsPolicyFetchError);
    }

    #[test]
    fn d12_caller_may_lower_but_not_raise_the_limit() {
        let lowered = FetchOptions {
            max_body_len: 10,
            ..FetchOptions::default()
        };
        let err = validate_fetch(response(200, None, BODY), &lowered).unwrap_err();
        assert_eq!(
            err,
            FetchError::BodyTooLarge {
                len: BODY.len(),
                limit: 10
            }
        );

        let raised = FetchOptions {
            max_body_len: usize::MAX,
            ..FetchOptions::default()
        };
        let big = vec![b'x'; limits::MAX_POLICY_BODY_LEN + 1];
        let err = validate_fetch(response(200, None, &big), &raised).unwrap_err();
        assert!(matches!(
            err,
            FetchError::BodyTooLarge {
                limit: limits::MAX_POLICY_BODY_LEN,
                ..
            }
        ));
    }

    #[test]
    fn edge_case_50_certificate_failure_is_webpki_invalid() {
        // As classified for the policy host by the certificate validation.
        let cause = Failure::with_reason(ResultType::StsWebpkiInvalid, "cert-not-valid-for-name");
        let err = validate(FetchResult::TlsFailed(cause.clone())).unwrap_err();
        assert_eq!(err, FetchError::CertificateInvalid(cause.clone()));
        assert_eq!(err.failure(), cause);
        // As classified by a TLS stack that only knows the MX-host result types.
        let cause = Failure::new(ResultType::CertificateHostMismatch);
        let err = validate(FetchResult::TlsFailed(cause)).unwrap_err();
        assert_eq!(
            err.failure(),
            Failure::with_reason(ResultType::StsWebpkiInvalid, "certificate-host-mismatch")
        );
        let cause = Failure::with_reason(ResultType::CertificateExpired, "cert-expired");
        let err = validate(FetchResult::TlsFailed(cause)).unwrap_err();
        assert_eq!(
            err.failure(),
            Failure::with_reason(ResultType::StsWebpkiInvalid, "cert-expired")
        );
    }

    #[test]
    fn tls_failure_other_than_certificate_is_fetch_error() {
        let cause = Failure::with_reason(
            ResultType::StsPolicyFetchError,
            "tls-alert-received-handshake-failure",
        );
        let err = validate(FetchResult::TlsFailed(cause.clone())).unwrap_err();
        assert_eq!(err, FetchError::Tls(cause.clone()));
        assert_eq!(err.failure(), cause);
        let cause = Failure::new(ResultType::ValidationFailure);
        let err = validate(FetchResult::TlsFailed(cause)).unwrap_err();
        assert_eq!(
            err.failure(),
            Failure::with_reason(ResultType::StsPolicyFetchError, "validation-failure")
        );
    }

    #[test]
    fn transport_errors_are_fetch_errors_with_reason_codes() {
        for e in [
            TransportError::Dns,
            TransportError::Connect,
            TransportError::Timeout,
            TransportError::TlsHandshake,
            TransportError::Http,
        ] {
            let err = validate(FetchResult::Transport(e)).unwrap_err();
            assert_eq!(
                err.failure(),
                Failure::with_reason(ResultType::StsPolicyFetchError, e.reason_code())
            );
        }
    }

    #[test]
    fn rfc8461_s3_2_invalid_policy_is_policy_invalid() {
        let err = validate(response(
            200,
            Some("text/plain"),
            b"version: STSv1\nmode: enforce\n",
        ))
        .unwrap_err();
        assert!(matches!(err, FetchError::Policy(_)));
        assert_eq!(err.failure(), Failure::new(ResultType::StsPolicyInvalid));

        let err = validate(response(
            200,
            None,
            b"version: STSv1\nmode: none\nmax_age: 1\nx: \xff\n",
        ))
        .unwrap_err();
        assert_eq!(err, FetchError::NotUtf8 { offset: 40 });
        assert_eq!(err.failure(), Failure::new(ResultType::StsPolicyInvalid));
    }

    #[test]
    fn long_content_type_is_truncated_in_the_error() {
        let value = "é".repeat(200);
        let err = validate(response(200, Some(&value), BODY)).unwrap_err();
        let FetchError::ContentType { content_type } = err else {
            panic!("{err:?}")
        };
        assert!(content_type.len() <= 100);
    }

    #[test]
    fn plain_ascii_names_skip_idna_with_the_same_result() {
        let slow = |name: &str| {
            idna::domain_to_ascii_cow(name.as_bytes(), idna::AsciiDenyList::STD3)
                .ok()
                .map(|a| a.into_owned())
        };
        for name in [
            "example.com",
            "Mail.EXAMPLE.Com",
            "a-b.c--d.example",
            "-a.example",
            "a-.example",
            "a..b",
            "123.example",
            "example.123",
            "x.y",
            "XN--NXASMQ6B.example",
            "xn--nxasmq6b.example",
            "xn--.example",
            "a.xn--zz",
        ] {
            match slow(name) {
                // Where UTS 46 succeeds, the fast path gives the same A-label name.
                Some(ascii) if is_plain_ascii(name) => {
                    assert_eq!(name.to_ascii_lowercase(), ascii, "{name}");
                }
                Some(_) => {}
                // Where it fails, the name is refused either way.
                None => assert!(PolicyDomain::new(name).is_err(), "{name}"),
            }
        }
        assert!(!is_plain_ascii("xn--nxasmq6b.example"));
        assert!(!is_plain_ascii("bücher.example"));
        assert!(is_plain_ascii("mail.example.com"));
    }
}
