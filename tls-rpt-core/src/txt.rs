//! The `_smtp._tls` TXT record ([RFC 8460 §3](https://www.rfc-editor.org/rfc/rfc8460#section-3))
//! and its selection over a TXT RRset.
//!
//! ```text
//! tlsrpt-record     = tlsrpt-version 1*(field-delim tlsrpt-field) [field-delim]
//! field-delim       = *WSP ";" *WSP
//! tlsrpt-field      = tlsrpt-rua / tlsrpt-extension
//! tlsrpt-version    = %s"v=TLSRPTv1"
//! tlsrpt-rua        = %s"rua=" tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri)
//! tlsrpt-uri        = URI   ; commas, "!" and ";" MUST be percent-encoded
//! tlsrpt-extension  = tlsrpt-ext-name "=" tlsrpt-ext-value
//! tlsrpt-ext-name   = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
//! tlsrpt-ext-value  = 1*(%x21-3A / %x3C / %x3E-7E)
//! ```

use std::fmt;
use std::str::FromStr;

use crate::limits;
use smtp_tls_types::txt::{self, SelectError, is_ext_name};
use smtp_tls_types::{Extension, chars};

const VERSION: &str = "v=TLSRPTv1";

/// A parsed `_smtp._tls` TXT record: where to send reports.
///
/// `rua` URIs other than `mailto:` and `https:`, and malformed ones, are dropped
/// with a [`RecordWarning`] (docs/CONFORMANCE.md#d17); a record with no usable URI left is invalid.
/// Unknown extension fields are kept. Equality compares the URIs and extensions,
/// not the warnings.
///
/// ```
/// use tls_rpt_core::{ReportUri, TlsRptRecord};
///
/// let rec: TlsRptRecord = "v=TLSRPTv1; rua=mailto:tlsrpt@example.com , https://r.example/v1".parse()?;
/// assert_eq!(rec.rua().len(), 2);
/// assert_eq!(rec.rua()[0].mailto_address().as_deref(), Some("tlsrpt@example.com"));
/// assert!(matches!(rec.rua()[1], ReportUri::Https(_)));
/// assert_eq!(rec.to_string(), "v=TLSRPTv1; rua=mailto:tlsrpt@example.com,https://r.example/v1");
/// # Ok::<(), tls_rpt_core::RecordError>(())
/// ```
#[derive(Debug, Clone)]
pub struct TlsRptRecord {
    rua: Vec<ReportUri>,
    extensions: Vec<Extension>,
    warnings: Vec<RecordWarning>,
}

impl PartialEq for TlsRptRecord {
    fn eq(&self, other: &Self) -> bool {
        self.rua == other.rua && self.extensions == other.extensions
    }
}

impl Eq for TlsRptRecord {}

/// One usable `rua` destination, kept exactly as written in the record.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReportUri {
    /// A `mailto:` URI (RFC 6068): send the report by e-mail (§5.3).
    Mailto(String),
    /// An `https:` URI: POST the report to it (§5.4).
    Https(String),
}

impl ReportUri {
    /// The URI as written in the record.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Mailto(s) | Self::Https(s) => s,
        }
    }

    /// For a `mailto:` URI, the address (the part before any `?`), percent-decoded.
    /// `None` for `https:` URIs, or when the decoded address is not UTF-8.
    pub fn mailto_address(&self) -> Option<String> {
        let Self::Mailto(s) = self else { return None };
        let rest = s.get(7..)?; // after "mailto:" (checked ASCII at parse time)
        let addr = rest.split('?').next().unwrap_or(rest);
        percent_decode(addr)
    }
}

impl fmt::Display for ReportUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A tolerated deviation or a dropped URI, found while parsing a record.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordWarning {
    /// A `rua` URI was dropped (docs/CONFORMANCE.md#d17).
    UriDropped {
        /// The URI as written.
        uri: String,
        /// Why it was dropped.
        problem: UriProblem,
    },
    /// Whitespace between `v=TLSRPTv1` and the first `;`: valid ABNF, but the §3
    /// prose selects records that begin with `v=TLSRPTv1;` (the TLS-RPT twin of
    /// RFC 8461 erratum 6285). Accepted, as for MTA-STS (docs/CONFORMANCE.md#d1).
    SpaceBeforeFirstDelimiter,
    /// Whitespace after the last field with no `;` (no ABNF production for it). Accepted.
    TrailingWhitespace,
    /// More than one `rua=` field; every URI of every field is kept (RFC 8460 is
    /// silent; mox does the same).
    DuplicateRua,
    /// More than [`limits::MAX_RUA_URIS`] usable URIs; the rest were dropped.
    TooManyUris,
}

impl fmt::Display for RecordWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UriDropped { uri, problem } => write!(f, "rua URI {uri:?} dropped: {problem}"),
            Self::SpaceBeforeFirstDelimiter => {
                f.write_str("whitespace between v=TLSRPTv1 and the first ';' (accepted)")
            }
            Self::TrailingWhitespace => f.write_str("whitespace after the last field (accepted)"),
            Self::DuplicateRua => f.write_str("more than one rua field; every URI is kept"),
            Self::TooManyUris => write!(
                f,
                "more than {} usable rua URIs; the rest were dropped",
                limits::MAX_RUA_URIS
            ),
        }
    }
}

/// Why a `rua` URI was dropped ([RFC 8460 §3](https://www.rfc-editor.org/rfc/rfc8460#section-3)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UriProblem {
    /// A scheme other than `mailto:` or `https:` (e.g. `http:`).
    UnsupportedScheme {
        /// The scheme as written.
        scheme: String,
    },
    /// `,`, `!` or `;` written literally: the RFC says they MUST be percent-encoded.
    UnencodedCharacter {
        /// The character.
        ch: char,
    },
    /// A character that cannot appear in a URI (RFC 3986), or a broken `%XX` escape.
    InvalidCharacter {
        /// Byte offset of the character within the URI.
        offset: usize,
    },
    /// No `scheme:` prefix, or nothing usable after it (no `@` in a `mailto:`
    /// address, no host after `https://`).
    Malformed,
}

impl fmt::Display for UriProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnsupportedScheme { scheme } => {
                write!(f, "unsupported scheme {scheme:?} (only mailto and https)")
            }
            Self::UnencodedCharacter { ch } => write!(f, "{ch:?} must be percent-encoded"),
            Self::InvalidCharacter { offset } => write!(f, "invalid character at offset {offset}"),
            Self::Malformed => f.write_str("malformed URI"),
        }
    }
}

/// Why a record is not a valid TLS-RPT record
/// ([RFC 8460 §3](https://www.rfc-editor.org/rfc/rfc8460#section-3)).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// The record does not begin with `v=TLSRPTv1` followed by `;`, whitespace or
    /// its end (the version is case-sensitive, `%s"v=TLSRPTv1"`).
    #[error("record does not begin with v=TLSRPTv1")]
    NotTlsRpt,
    /// The record is longer than [`limits::MAX_TXT_RECORD_LEN`].
    #[error("record is {len} bytes, over the limit of {limit}")]
    TooLong {
        /// Length of the record.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// The record is not valid UTF-8 (it can only be ASCII).
    #[error("record is not valid UTF-8")]
    NotUtf8,
    /// Something other than `;` where a field delimiter must be.
    #[error("expected ';' at offset {offset}")]
    ExpectedDelimiter {
        /// Byte offset in the record.
        offset: usize,
    },
    /// An empty field (`;;`) or a field without `name=`.
    #[error("empty or nameless field at offset {offset}")]
    EmptyField {
        /// Byte offset in the record.
        offset: usize,
    },
    /// An extension name that breaks `(ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")`.
    #[error("invalid extension name {name:?} at offset {offset}")]
    InvalidExtensionName {
        /// The name as written.
        name: String,
        /// Byte offset in the record.
        offset: usize,
    },
    /// An empty extension value, or one with a character outside
    /// `%x21-3A / %x3C / %x3E-7E` (no `=`, `;`, space, control or non-ASCII).
    #[error("invalid value of extension {name:?} at offset {offset}")]
    InvalidExtensionValue {
        /// The extension name.
        name: String,
        /// Byte offset of the bad character in the record.
        offset: usize,
    },
    /// No `rua=` field: "the tlsrpt-rua record is required" (§3).
    #[error("no rua field")]
    MissingRua,
    /// `rua=` present, but every URI was dropped (docs/CONFORMANCE.md#d17); see the warnings.
    #[error("no usable rua URI (mailto: or https:) left: {dropped:?}")]
    NoUsableRua {
        /// The URIs dropped and why.
        dropped: Vec<RecordWarning>,
    },
}

/// Why no TLS-RPT record could be selected from a TXT RRset
/// ([RFC 8460 §3](https://www.rfc-editor.org/rfc/rfc8460#section-3)).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordSelectError {
    /// No record begins with `v=TLSRPTv1`: the domain does not implement TLS-RPT.
    #[error("no TLS-RPT record")]
    NoRecord,
    /// More than one record begins with `v=TLSRPTv1`: the domain does not implement
    /// TLS-RPT (§3, "MUST").
    #[error("{count} TLS-RPT records; exactly one is required")]
    MultipleRecords {
        /// How many records begin with the version.
        count: usize,
    },
    /// The RRset has more than [`limits::MAX_TXT_RECORDS`] records.
    #[error("more than {limit} TXT records")]
    TooManyRecords {
        /// The limit.
        limit: usize,
    },
    /// The one TLS-RPT record is invalid.
    #[error("invalid TLS-RPT record: {0}")]
    Invalid(#[from] RecordError),
}

impl TlsRptRecord {
    /// Parses one record (already joined from its character-strings).
    pub fn parse(record: &str) -> Result<Self, RecordError> {
        Parser {
            s: record.as_bytes(),
            pos: 0,
        }
        .record()
    }

    /// Selects and parses the TLS-RPT record of a TXT RRset.
    ///
    /// Each item is one TXT record given as its list of character-strings, joined
    /// without separator (RFC 8460 §3 defers to the TXT handling of RFC 7208 §3.3).
    /// Records that do not begin with `v=TLSRPTv1` (followed by `;`, whitespace or
    /// the end) are discarded; exactly one must remain (§3).
    ///
    /// ```
    /// use tls_rpt_core::{RecordSelectError, TlsRptRecord};
    ///
    /// let rrset = [vec!["v=spf1 -all"], vec!["v=TLSRPTv1; rua=mailto:a", "@example.com"]];
    /// let rec = TlsRptRecord::from_txt_records(rrset)?;
    /// assert_eq!(rec.rua()[0].as_str(), "mailto:a@example.com");
    ///
    /// let two = [["v=TLSRPTv1;rua=mailto:a@example.com"], ["v=TLSRPTv1;rua=mailto:b@example.com"]];
    /// assert_eq!(TlsRptRecord::from_txt_records(two), Err(RecordSelectError::MultipleRecords { count: 2 }));
    /// # Ok::<(), RecordSelectError>(())
    /// ```
    pub fn from_txt_records<R, S>(
        rrset: impl IntoIterator<Item = R>,
    ) -> Result<Self, RecordSelectError>
    where
        R: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        let record = txt::select(rrset, VERSION).map_err(|e| match e {
            SelectError::MultipleRecords { count } => RecordSelectError::MultipleRecords { count },
            SelectError::TooManyRecords { limit } => RecordSelectError::TooManyRecords { limit },
            _ => RecordSelectError::NoRecord,
        })?;
        if record.is_too_long() {
            return Err(RecordError::TooLong {
                len: record.len(),
                limit: limits::MAX_TXT_RECORD_LEN,
            }
            .into());
        }
        let text = std::str::from_utf8(record.bytes()).map_err(|_| RecordError::NotUtf8)?;
        Ok(Self::parse(text)?)
    }

    /// Builds a record from usable URIs and extensions (for publishers and tests).
    ///
    /// Returns [`RecordError::MissingRua`] when `rua` is empty. The values are not
    /// re-validated here; [`Display`](fmt::Display) then [`TlsRptRecord::parse`]
    /// does that.
    pub fn new(rua: Vec<ReportUri>, extensions: Vec<Extension>) -> Result<Self, RecordError> {
        if rua.is_empty() {
            return Err(RecordError::MissingRua);
        }
        Ok(Self {
            rua,
            extensions,
            warnings: Vec::new(),
        })
    }

    /// The usable `rua` destinations, in record order (never empty).
    pub fn rua(&self) -> &[ReportUri] {
        &self.rua
    }

    /// The extension fields, in record order.
    pub fn extensions(&self) -> &[Extension] {
        &self.extensions
    }

    /// What was tolerated or dropped while parsing.
    pub fn warnings(&self) -> &[RecordWarning] {
        &self.warnings
    }
}

/// The owner name of a Policy Domain's TLS-RPT record: `_smtp._tls.<domain>`
/// ([RFC 8460 §3](https://www.rfc-editor.org/rfc/rfc8460#section-3)). For DANE
/// failures the Policy Domain is the TLSA base domain, usually the MX host (§1.1).
///
/// ```
/// assert_eq!(tls_rpt_core::record_name("example.net."), "_smtp._tls.example.net");
/// ```
pub fn record_name(policy_domain: &str) -> String {
    format!("_smtp._tls.{}", policy_domain.trim_end_matches('.'))
}

impl FromStr for TlsRptRecord {
    type Err = RecordError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for TlsRptRecord {
    /// The canonical form: `v=TLSRPTv1; rua=<uri>,<uri>; <ext>=<value>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(VERSION)?;
        f.write_str("; rua=")?;
        for (i, uri) in self.rua.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(uri.as_str())?;
        }
        for ext in &self.extensions {
            write!(f, "; {ext}")?;
        }
        Ok(())
    }
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
}

fn is_wsp(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn skip_wsp(&mut self) -> usize {
        let start = self.pos;
        while self.peek().is_some_and(is_wsp) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn take_while(&mut self, f: impl Fn(u8) -> bool) -> &'a [u8] {
        let rest = self.s.get(self.pos..).unwrap_or_default();
        let len = rest.iter().position(|&b| !f(b)).unwrap_or(rest.len());
        self.pos += len;
        rest.get(..len).unwrap_or_default()
    }

    fn record(mut self) -> Result<TlsRptRecord, RecordError> {
        if self.s.len() > limits::MAX_TXT_RECORD_LEN {
            return Err(RecordError::TooLong {
                len: self.s.len(),
                limit: limits::MAX_TXT_RECORD_LEN,
            });
        }
        if !txt::begins_with_version(self.s, VERSION) {
            return Err(RecordError::NotTlsRpt);
        }
        self.pos = VERSION.len();
        let mut rec = TlsRptRecord {
            // Records list one or two destinations.
            rua: Vec::with_capacity(2),
            extensions: Vec::new(),
            warnings: Vec::new(),
        };
        let mut rua_fields = 0usize;
        let mut first = true;
        loop {
            let ws = self.skip_wsp();
            let Some(b) = self.peek() else {
                if ws > 0 {
                    rec.warnings.push(RecordWarning::TrailingWhitespace);
                }
                break;
            };
            if b != b';' {
                return Err(RecordError::ExpectedDelimiter { offset: self.pos });
            }
            if first && ws > 0 {
                rec.warnings.push(RecordWarning::SpaceBeforeFirstDelimiter);
            }
            first = false;
            self.pos += 1;
            self.skip_wsp();
            if self.peek().is_none() {
                break; // [field-delim] at the end
            }
            let field_start = self.pos;
            let name = self.take_while(|b| chars::is(b, chars::EXT_NAME));
            // The record is a `&str` and every cut is at an ASCII byte: always UTF-8.
            let name = std::str::from_utf8(name).unwrap_or_default();
            if name.is_empty() || self.peek() != Some(b'=') {
                return Err(RecordError::EmptyField {
                    offset: field_start,
                });
            }
            self.pos += 1;
            if name == "rua" {
                rua_fields += 1;
                if rua_fields == 2 {
                    rec.warnings.push(RecordWarning::DuplicateRua);
                }
                self.rua_list(&mut rec);
            } else {
                if !is_ext_name(name) {
                    return Err(RecordError::InvalidExtensionName {
                        name: name.to_owned(),
                        offset: field_start,
                    });
                }
                let value_start = self.pos;
                let value = self.take_while(|b| chars::is(b, chars::TXT_VALUE));
                let value = std::str::from_utf8(value).unwrap_or_default();
                let ends_cleanly = matches!(self.peek(), None | Some(b';' | b' ' | b'\t'));
                if value.is_empty() || !ends_cleanly {
                    return Err(RecordError::InvalidExtensionValue {
                        name: name.to_owned(),
                        offset: if value.is_empty() {
                            value_start
                        } else {
                            self.pos
                        },
                    });
                }
                rec.extensions.push(Extension::new(name, value));
            }
        }
        if rua_fields == 0 {
            return Err(RecordError::MissingRua);
        }
        if rec.rua.is_empty() {
            let dropped = rec
                .warnings
                .into_iter()
                .filter(|w| matches!(w, RecordWarning::UriDropped { .. }))
                .collect();
            return Err(RecordError::NoUsableRua { dropped });
        }
        Ok(rec)
    }

    /// `tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri)`; a URI runs to the next WSP, `,`,
    /// `;` or the end (none of them can appear in it unencoded).
    fn rua_list(&mut self, rec: &mut TlsRptRecord) {
        loop {
            let token = self.take_while(|b| !matches!(b, b' ' | b'\t' | b',' | b';'));
            let token = std::str::from_utf8(token).unwrap_or_default();
            match check_uri(token) {
                Ok(uri) if rec.rua.len() < limits::MAX_RUA_URIS => rec.rua.push(uri),
                Ok(_) => {
                    if !rec.warnings.contains(&RecordWarning::TooManyUris) {
                        rec.warnings.push(RecordWarning::TooManyUris);
                    }
                }
                Err(problem) => rec.warnings.push(RecordWarning::UriDropped {
                    uri: token.to_owned(),
                    problem,
                }),
            }
            let before_wsp = self.pos;
            self.skip_wsp();
            if self.peek() == Some(b',') {
                self.pos += 1;
                self.skip_wsp();
            } else {
                self.pos = before_wsp;
                return;
            }
        }
    }
}

/// Checks one URI: RFC 3986 characters with valid `%XX` escapes and no literal
/// `!` (`,` and `;` cannot reach here), and a `mailto:` or `https:` scheme.
fn check_uri(uri: &str) -> Result<ReportUri, UriProblem> {
    let bytes = uri.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if is_uri_char(b) {
            i += 1;
            continue;
        }
        match b {
            b'!' | b',' | b';' => return Err(UriProblem::UnencodedCharacter { ch: char::from(b) }),
            b'%' => {
                let hex = |k: usize| bytes.get(k).is_some_and(u8::is_ascii_hexdigit);
                if !(hex(i + 1) && hex(i + 2)) {
                    return Err(UriProblem::InvalidCharacter { offset: i });
                }
                i += 3;
            }
            _ => return Err(UriProblem::InvalidCharacter { offset: i }),
        }
    }
    let colon = bytes
        .iter()
        .position(|&b| b == b':')
        .ok_or(UriProblem::Malformed)?;
    let (scheme, rest) = (
        uri.get(..colon).unwrap_or_default(),
        uri.get(colon + 1..).unwrap_or_default(),
    );
    let scheme_ok = scheme
        .as_bytes()
        .first()
        .is_some_and(u8::is_ascii_alphabetic)
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !scheme_ok {
        return Err(UriProblem::Malformed);
    }
    if scheme.eq_ignore_ascii_case("mailto") {
        let end = rest.bytes().position(|b| b == b'?').unwrap_or(rest.len());
        let addr = rest.as_bytes().get(..end).unwrap_or_default();
        let at = addr
            .iter()
            .rposition(|&b| b == b'@')
            .ok_or(UriProblem::Malformed)?;
        if at == 0 || at + 1 == addr.len() {
            return Err(UriProblem::Malformed);
        }
        Ok(ReportUri::Mailto(uri.to_owned()))
    } else if scheme.eq_ignore_ascii_case("https") {
        let authority = rest.strip_prefix("//").ok_or(UriProblem::Malformed)?;
        let end = authority
            .bytes()
            .position(|b| matches!(b, b'/' | b'?' | b'#'))
            .unwrap_or(authority.len());
        let host = authority.get(..end).unwrap_or_default();
        let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
        if host.is_empty() || host.starts_with(':') {
            return Err(UriProblem::Malformed);
        }
        Ok(ReportUri::Https(uri.to_owned()))
    } else {
        Err(UriProblem::UnsupportedScheme {
            scheme: scheme.to_owned(),
        })
    }
}

/// RFC 3986 characters allowed literally in a `rua` URI (unreserved, `:`, `/`, `?`, `#`,
/// `[`, `]`, `@` and the sub-delims other than `!`, `,` and `;`, which must be encoded).
fn is_uri_char(b: u8) -> bool {
    URI_CHARS.get(usize::from(b)).copied().unwrap_or(false)
}

/// [`is_uri_char`] as a table: one load per byte of every URI.
static URI_CHARS: [bool; 256] = uri_chars();

// Evaluated at compile time: an out-of-range index would fail the build, not panic.
#[allow(clippy::indexing_slicing)]
const fn uri_chars() -> [bool; 256] {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        table[i] = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b':'
                    | b'/'
                    | b'?'
                    | b'#'
                    | b'['
                    | b']'
                    | b'@'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b'='
            );
        i += 1;
    }
    table
}

/// Decodes `%XX` escapes; `None` if the result is not UTF-8 or an escape is broken.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uris(rec: &TlsRptRecord) -> Vec<&str> {
        rec.rua().iter().map(ReportUri::as_str).collect()
    }

    #[test]
    fn edge_case_75_no_spaces_is_valid() {
        let rec = TlsRptRecord::parse("v=TLSRPTv1;rua=mailto:reports@example.com").unwrap();
        assert_eq!(uris(&rec), ["mailto:reports@example.com"]);
        assert!(rec.warnings().is_empty());
    }

    #[test]
    fn edge_case_76_whitespace_around_comma_two_destinations() {
        let rec =
            TlsRptRecord::parse("v=TLSRPTv1; rua=mailto:a@example.com , https://r.example/v1")
                .unwrap();
        assert_eq!(uris(&rec), ["mailto:a@example.com", "https://r.example/v1"]);
        assert!(matches!(rec.rua()[1], ReportUri::Https(_)));
        let rec =
            TlsRptRecord::parse("v=TLSRPTv1; rua=mailto:a@example.com,\thttps://r.example/v1;")
                .unwrap();
        assert_eq!(rec.rua().len(), 2);
    }

    #[test]
    fn edge_case_77_bang_must_be_encoded() {
        let err = TlsRptRecord::parse("v=TLSRPTv1; rua=mailto:a@example.com!10m").unwrap_err();
        assert_eq!(
            err,
            RecordError::NoUsableRua {
                dropped: vec![RecordWarning::UriDropped {
                    uri: "mailto:a@example.com!10m".into(),
                    problem: UriProblem::UnencodedCharacter { ch: '!' },
                }]
            }
        );
        // Encoded, it is fine.
        let rec = TlsRptRecord::parse("v=TLSRPTv1; rua=mailto:a%21b@example.com").unwrap();
        assert_eq!(
            rec.rua()[0].mailto_address().as_deref(),
            Some("a!b@example.com")
        );
    }

    #[test]
    fn edge_case_78_encoded_comma_is_part_of_address() {
        let rec = TlsRptRecord::parse("v=TLSRPTv1; rua=mailto:a%2Cb@example.com").unwrap();
        assert_eq!(rec.rua().len(), 1);
        assert_eq!(
            rec.rua()[0].mailto_address().as_deref(),
            Some("a,b@example.com")
        );
    }

    #[test]
    fn edge_case_79_no_rua_is_invalid() {
        assert_eq!(
            TlsRptRecord::parse("v=TLSRPTv1"),
            Err(RecordError::MissingRua)
        );
        assert_eq!(
            TlsRptRecord::parse("v=TLSRPTv1;"),
            Err(RecordError::MissingRua)
        );
        assert_eq!(
            TlsRptRecord::parse("v=TLSRPTv1; foo=bar"),
            Err(RecordError::MissingRua)
        );
        // `rua=` is case-sensitive: `RUA=` is an extension.
        assert_eq!(
            TlsRptRecord::parse("v=TLSRPTv1; RUA=mailto:a@example.com"),
            Err(RecordError::MissingRua)
        );
    }

    #[test]
    fn edge_case_80_fields_in_any_order_extensions_kept() {
        let rec = TlsRptRecord::parse("v=TLSRPTv1; foo=bar; rua=mailto:a@example.com").unwrap();
        assert_eq!(uris(&rec), ["mailto:a@example.com"]);
        assert_eq!(rec.extensions(), [Extension::new("foo", "bar")]);
    }

    #[test]
    fn edge_case_81_two_records_means_no_tls_rpt() {
        let rrset = [
            ["v=TLSRPTv1;rua=mailto:a@example.com"],
            ["v=TLSRPTv1;rua=mailto:b@example.com"],
        ];
        assert_eq!(
            TlsRptRecord::from_txt_records(rrset),
            Err(RecordSelectError::MultipleRecords { count: 2 })
        );
    }

    #[test]
    fn edge_case_82_http_uri_dropped_with_warning() {
        let err = TlsRptRecord::parse("v=TLSRPTv1; rua=http://r.example/").unwrap_err();
        assert!(matches!(
            err,
            RecordError::NoUsableRua { ref dropped } if dropped == &[RecordWarning::UriDropped {
                uri: "http://r.example/".into(),
                problem: UriProblem::UnsupportedScheme { scheme: "http".into() },
            }]
        ));
        let rec =
            TlsRptRecord::parse("v=TLSRPTv1; rua=http://r.example/,mailto:a@example.com").unwrap();
        assert_eq!(uris(&rec), ["mailto:a@example.com"]);
        assert_eq!(rec.warnings().len(), 1);
    }

    #[test]
    fn rfc8460_s3_selection_ignores_other_records_and_joins_strings() {
        let rrset: Vec<Vec<&[u8]>> = vec![
            vec![b"v=spf1 -all"],
            vec![b"v=TLSRPTv1; rua=mailto:tls", b"rpt@example.com"],
            vec![b"v=TLSRPTv10; rua=mailto:x@example.com"],
            vec![b"V=TLSRPTv1; rua=mailto:x@example.com"],
        ];
        let rec = TlsRptRecord::from_txt_records(rrset).unwrap();
        assert_eq!(uris(&rec), ["mailto:tlsrpt@example.com"]);
        let none: [[&str; 1]; 1] = [["v=spf1 -all"]];
        assert_eq!(
            TlsRptRecord::from_txt_records(none),
            Err(RecordSelectError::NoRecord)
        );
    }

    #[test]
    fn rfc8460_s3_selection_reports_the_invalid_one() {
        let rrset = [["v=TLSRPTv1; rua=ftp://x"]];
        assert!(matches!(
            TlsRptRecord::from_txt_records(rrset),
            Err(RecordSelectError::Invalid(RecordError::NoUsableRua { .. }))
        ));
        let too_long = [[format!(
            "v=TLSRPTv1; rua=mailto:a@example.com; x={}",
            "a".repeat(5000)
        )]];
        assert!(matches!(
            TlsRptRecord::from_txt_records(too_long),
            Err(RecordSelectError::Invalid(RecordError::TooLong { .. }))
        ));
    }

    #[test]
    fn rfc8460_s3_version_is_case_sensitive_and_first() {
        assert_eq!(
            TlsRptRecord::parse("v=tlsrptv1; rua=mailto:a@example.com"),
            Err(RecordError::NotTlsRpt)
        );
        assert_eq!(
            TlsRptRecord::parse(" v=TLSRPTv1; rua=mailto:a@example.com"),
            Err(RecordError::NotTlsRpt)
        );
        assert_eq!(
            TlsRptRecord::parse("rua=mailto:a@example.com; v=TLSRPTv1"),
            Err(RecordError::NotTlsRpt)
        );
    }

    #[test]
    fn rfc8460_s3_space_before_first_delimiter_and_trailing_space_warn() {
        let rec = TlsRptRecord::parse("v=TLSRPTv1 ; rua=mailto:a@example.com ").unwrap();
        assert_eq!(
            rec.warnings(),
            [
                RecordWarning::SpaceBeforeFirstDelimiter,
                RecordWarning::TrailingWhitespace
            ]
        );
    }

    #[test]
    fn rfc8460_s3_bad_fields_are_errors() {
        assert_eq!(
            TlsRptRecord::parse("v=TLSRPTv1;; rua=mailto:a@example.com"),
            Err(RecordError::EmptyField { offset: 11 })
        );
        assert!(matches!(
            TlsRptRecord::parse("v=TLSRPTv1; rua=mailto:a@example.com; foo=a=b"),
            Err(RecordError::InvalidExtensionValue { .. })
        ));
        assert!(matches!(
            TlsRptRecord::parse("v=TLSRPTv1; rua=mailto:a@example.com; _x=1"),
            Err(RecordError::InvalidExtensionName { .. })
        ));
        let long = format!("v=TLSRPTv1; rua=mailto:a@example.com; {}=1", "a".repeat(33));
        assert!(matches!(
            TlsRptRecord::parse(&long),
            Err(RecordError::InvalidExtensionName { .. })
        ));
        assert_eq!(
            TlsRptRecord::parse("v=TLSRPTv1 rua=mailto:a@example.com"),
            Err(RecordError::ExpectedDelimiter { offset: 11 })
        );
    }

    #[test]
    fn rfc8460_s3_duplicate_rua_keeps_all() {
        let rec =
            TlsRptRecord::parse("v=TLSRPTv1; rua=mailto:a@example.com; rua=https://r.example/")
                .unwrap();
        assert_eq!(rec.rua().len(), 2);
        assert_eq!(rec.warnings(), [RecordWarning::DuplicateRua]);
    }

    #[test]
    fn malformed_uris_are_dropped() {
        for (bad, problem) in [
            ("mailto:nobody", UriProblem::Malformed),
            ("https:/x", UriProblem::Malformed),
            ("https://", UriProblem::Malformed),
            (
                "mailto:a%2@example.com",
                UriProblem::InvalidCharacter { offset: 8 },
            ),
            (
                "mailto:a\"b@example.com",
                UriProblem::InvalidCharacter { offset: 8 },
            ),
            ("example.com", UriProblem::Malformed),
        ] {
            let text = format!("v=TLSRPTv1; rua={bad},mailto:ok@example.com");
            let rec = TlsRptRecord::parse(&text).unwrap();
            assert_eq!(
                rec.warnings(),
                [RecordWarning::UriDropped {
                    uri: bad.into(),
                    problem
                }],
                "{bad}"
            );
        }
    }

    #[test]
    fn display_round_trips() {
        for text in [
            "v=TLSRPTv1;rua=mailto:reports@example.com",
            "v=TLSRPTv1; foo=bar; rua=mailto:a@example.com , https://r.example/v1;",
        ] {
            let rec = TlsRptRecord::parse(text).unwrap();
            assert_eq!(TlsRptRecord::parse(&rec.to_string()).unwrap(), rec);
        }
    }
}
