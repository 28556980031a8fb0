//! Report intake: `.json`, `.json.gz` (with bounded decompression, docs/CONFORMANCE.md#d20) and
//! whole report e-mails ([RFC 8460 §5.3](https://www.rfc-editor.org/rfc/rfc8460#section-5.3)),
//! read with the tolerant parser into a [`Report`] plus diagnostics.
//!
//! DKIM verification is not done here: RFC 8460 §3 says receivers MUST ignore
//! report e-mails without a valid DKIM signature (or with `l=`), and that check
//! belongs to the MTA or mail filter that hands the message over.

use std::fmt;
use std::io::Read;

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use flate2::read::MultiGzDecoder;

use crate::limits;
use crate::report::{Report, ReportError, Toleration};

/// Bounds applied at intake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct IntakeLimits {
    /// Most bytes gzip decompression may produce (docs/CONFORMANCE.md#d20; default
    /// [`limits::MAX_DECOMPRESSED_REPORT_LEN`]).
    pub max_decompressed_len: usize,
    /// Largest e-mail accepted (default [`limits::MAX_EMAIL_LEN`]).
    pub max_email_len: usize,
}

impl Default for IntakeLimits {
    fn default() -> Self {
        Self {
            max_decompressed_len: limits::MAX_DECOMPRESSED_REPORT_LEN,
            max_email_len: limits::MAX_EMAIL_LEN,
        }
    }
}

impl IntakeLimits {
    /// Limits with the given decompression bound.
    pub fn with_max_decompressed_len(max_decompressed_len: usize) -> Self {
        Self {
            max_decompressed_len,
            ..Self::default()
        }
    }
}

/// A report read at intake, with everything noticed on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intake {
    /// The report.
    pub report: Report,
    /// What the tolerant JSON parser accepted (see [`Report::from_json_lenient`]).
    pub tolerations: Vec<Toleration>,
    /// What the container (gzip, e-mail) looked like.
    pub notes: Vec<IntakeNote>,
}

/// Something noticed about the container of a report.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IntakeNote {
    /// The report was gzip-compressed.
    Gzipped,
    /// The e-mail part was found by its media type.
    FoundByMediaType {
        /// The media type, lowercased.
        media_type: String,
    },
    /// The e-mail part was found by its file name only (its media type is not one
    /// of RFC 8460's).
    FoundByFileName {
        /// The file name.
        file_name: String,
        /// The part's media type, lowercased.
        media_type: String,
    },
    /// The part's media type is not `application/tlsrpt+gzip` or `+json` (e.g.
    /// the bare `application/tlsrpt` some senders use).
    UnregisteredMediaType {
        /// The media type, lowercased.
        media_type: String,
    },
    /// The top-level media type is not `multipart/report; report-type=tlsrpt`.
    NotMultipartReport,
    /// A `TLS-Report-Domain` / `TLS-Report-Submitter` header field disagrees with
    /// the JSON; the JSON is authoritative (§5.6).
    HeaderMismatch {
        /// The header field.
        field: &'static str,
        /// Its value.
        header: String,
        /// What the report says.
        report: String,
    },
}

impl IntakeNote {
    /// Whether the note departs from the form of RFC 8460 §5.3 (a checker's strict
    /// mode fails on it); being gzipped or found by a registered media type does not.
    pub fn is_deviation(&self) -> bool {
        !matches!(self, Self::Gzipped | Self::FoundByMediaType { .. })
    }
}

impl fmt::Display for IntakeNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Gzipped => f.write_str("the report was gzip-compressed"),
            Self::FoundByMediaType { media_type } => {
                write!(f, "report part found by its media type {media_type}")
            }
            Self::FoundByFileName {
                file_name,
                media_type,
            } => write!(
                f,
                "report part found by its file name {file_name:?} only (media type {media_type})"
            ),
            Self::UnregisteredMediaType { media_type } => write!(
                f,
                "report part media type {media_type} is not application/tlsrpt+gzip or \
                 application/tlsrpt+json (RFC 8460 §5.3)"
            ),
            Self::NotMultipartReport => {
                f.write_str("message is not multipart/report; report-type=tlsrpt (RFC 8460 §5.3)")
            }
            Self::HeaderMismatch {
                field,
                header,
                report,
            } => write!(
                f,
                "{field}: {header:?} in the header, {report:?} in the report (the report wins, \
                 RFC 8460 §5.6)"
            ),
        }
    }
}

/// Why a report could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IntakeError {
    /// The gzip data is broken.
    #[error("gzip data is broken: {message}")]
    Gzip {
        /// The decoder's message.
        message: String,
    },
    /// Decompression would produce more than the bound (docs/CONFORMANCE.md#d20).
    #[error("decompressed report exceeds {limit} bytes")]
    DecompressedTooLarge {
        /// The bound.
        limit: usize,
    },
    /// The data is a zip archive, which RFC 8460 does not use.
    #[error("zip archives are not supported (RFC 8460 uses gzip)")]
    Zip,
    /// The e-mail is larger than [`IntakeLimits::max_email_len`].
    #[error("e-mail is {len} bytes, over the limit of {limit}")]
    EmailTooLarge {
        /// Its length.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// No part of the e-mail is a TLS-RPT report (by media type or file name).
    #[error("no TLS-RPT report part in the e-mail")]
    NoReportPart,
    /// More MIME parts or deeper nesting than the limits allow.
    #[error("MIME structure exceeds the limits")]
    MimeTooComplex,
    /// A `base64` part that does not decode.
    #[error("base64 content does not decode: {message}")]
    Base64 {
        /// The decoder's message.
        message: String,
    },
    /// A `Content-Transfer-Encoding` other than 7bit, 8bit, binary, base64,
    /// quoted-printable.
    #[error("unsupported Content-Transfer-Encoding {0:?}")]
    UnsupportedTransferEncoding(String),
    /// The JSON report itself could not be read.
    #[error("report: {0}")]
    Report(#[from] ReportError),
}

/// Reads an uncompressed JSON report (`.json`).
pub fn read_json(json: &[u8]) -> Result<Intake, IntakeError> {
    let (report, tolerations) = Report::from_json_lenient(json)?;
    Ok(Intake {
        report,
        tolerations,
        notes: Vec::new(),
    })
}

/// Reads a report file, `.json` or `.json.gz`, telling them apart by the gzip magic
/// number (`1f 8b`, §6.5) rather than by name.
pub fn read_report_file(data: &[u8], limits: &IntakeLimits) -> Result<Intake, IntakeError> {
    if data.starts_with(b"PK\x03\x04") {
        return Err(IntakeError::Zip);
    }
    if data.starts_with(&[0x1f, 0x8b]) {
        let json = gunzip(data, limits.max_decompressed_len)?;
        let mut intake = read_json(&json)?;
        intake.notes.insert(0, IntakeNote::Gzipped);
        Ok(intake)
    } else {
        read_json(data)
    }
}

/// Decompresses gzip data, producing at most `limit` bytes and never allocating
/// beyond them (docs/CONFORMANCE.md#d20).
pub fn gunzip(data: &[u8], limit: usize) -> Result<Vec<u8>, IntakeError> {
    // Every member of a multi-member file (RFC 1952 §2.2), like `gunzip` does.
    let mut decoder = MultiGzDecoder::new(data);
    let mut out: Vec<u8> = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        let n = decoder.read(&mut buf).map_err(|e| IntakeError::Gzip {
            message: e.to_string(),
        })?;
        if n == 0 {
            return Ok(out);
        }
        let needed = out.len().saturating_add(n);
        if needed > limit {
            return Err(IntakeError::DecompressedTooLarge { limit });
        }
        if out.capacity() < needed {
            // Grow geometrically, but never past the bound.
            let target = out.capacity().saturating_mul(2).max(needed).min(limit);
            out.reserve_exact(target - out.len());
        }
        out.extend_from_slice(buf.get(..n).unwrap_or_default());
    }
}

/// Reads a whole report e-mail (RFC 5322 with MIME): finds the report part by
/// media type (`application/tlsrpt+gzip`, `+json`, bare `application/tlsrpt`,
/// `application/gzip`, `application/json`) or else by file name (`.json.gz`,
/// `.json`, `.gz`), undoes base64 or quoted-printable, gunzips when the data is
/// gzip, and parses the JSON tolerantly. Header fields that disagree with the
/// JSON are noted; the JSON wins (§5.6).
pub fn read_email(message: &[u8], limits: &IntakeLimits) -> Result<Intake, IntakeError> {
    if message.len() > limits.max_email_len {
        return Err(IntakeError::EmailTooLarge {
            len: message.len(),
            limit: limits.max_email_len,
        });
    }
    let root = Entity::parse(message);
    let mut notes = Vec::new();
    let ct = root.content_type();
    let is_report = ct.media_type == "multipart/report"
        && ct
            .param("report-type")
            .is_some_and(|t| t.eq_ignore_ascii_case("tlsrpt"));
    if !is_report {
        notes.push(IntakeNote::NotMultipartReport);
    }
    let mut parts = Vec::new();
    let mut budget = limits::MAX_MIME_PARTS;
    collect_leaves(root.clone(), 0, &mut budget, &mut parts)?;
    let (part, found) = pick_report_part(parts).ok_or(IntakeError::NoReportPart)?;
    notes.push(found);
    let ct = part.content_type();
    if !matches!(
        ct.media_type.as_str(),
        "application/tlsrpt+gzip" | "application/tlsrpt+json"
    ) {
        notes.push(IntakeNote::UnregisteredMediaType {
            media_type: ct.media_type.clone(),
        });
    }
    let raw = decode_transfer_encoding(&part)?;
    let mut intake = read_report_file(&raw, limits)?;
    notes.append(&mut intake.notes);
    for (field, header, actual) in [
        (
            "TLS-Report-Domain",
            root.header("tls-report-domain"),
            crate::deliver::policy_domain(&intake.report).ok(),
        ),
        (
            "TLS-Report-Submitter",
            root.header("tls-report-submitter"),
            crate::deliver::submitter_domain(&intake.report).ok(),
        ),
    ] {
        if let (Some(header), Some(actual)) = (header, actual)
            && !header.trim().eq_ignore_ascii_case(actual)
        {
            notes.push(IntakeNote::HeaderMismatch {
                field,
                header: header.trim().into(),
                report: actual.into(),
            });
        }
    }
    intake.notes = notes;
    Ok(intake)
}

fn collect_leaves<'a>(
    entity: Entity<'a>,
    depth: usize,
    budget: &mut usize,
    out: &mut Vec<Entity<'a>>,
) -> Result<(), IntakeError> {
    *budget = budget.checked_sub(1).ok_or(IntakeError::MimeTooComplex)?;
    let ct = entity.content_type();
    if ct.media_type.starts_with("multipart/") {
        if depth >= limits::MAX_MIME_DEPTH {
            return Err(IntakeError::MimeTooComplex);
        }
        if let Some(boundary) = ct.param("boundary") {
            for body in split_multipart(entity.body, boundary.as_bytes()) {
                collect_leaves(Entity::parse(body), depth + 1, budget, out)?;
            }
            return Ok(());
        }
    }
    out.push(entity);
    Ok(())
}

fn pick_report_part(parts: Vec<Entity<'_>>) -> Option<(Entity<'_>, IntakeNote)> {
    const BY_TYPE: [&str; 7] = [
        "application/tlsrpt+gzip",
        "application/tlsrpt+json",
        "application/tlsrpt",
        "application/gzip",
        "application/x-gzip",
        "application/json",
        "application/tlsrpt+zip",
    ];
    let mut by_name = None;
    let mut best: Option<(usize, Entity<'_>)> = None;
    for part in parts {
        let ct = part.content_type();
        if let Some(rank) = BY_TYPE.iter().position(|t| *t == ct.media_type) {
            if best.as_ref().is_none_or(|(r, _)| rank < *r) {
                best = Some((rank, part));
            }
        } else if by_name.is_none()
            && let Some(name) = part.file_name()
        {
            let lower = name.to_ascii_lowercase();
            if lower.ends_with(".json.gz") || lower.ends_with(".json") || lower.ends_with(".gz") {
                by_name = Some((part, name));
            }
        }
    }
    if let Some((_, part)) = best {
        let media_type = part.content_type().media_type;
        return Some((part, IntakeNote::FoundByMediaType { media_type }));
    }
    by_name.map(|(part, file_name)| {
        let media_type = part.content_type().media_type;
        (
            part,
            IntakeNote::FoundByFileName {
                file_name,
                media_type,
            },
        )
    })
}

fn decode_transfer_encoding(part: &Entity<'_>) -> Result<Vec<u8>, IntakeError> {
    let cte = part
        .header("content-transfer-encoding")
        .map(|v| v.trim().to_ascii_lowercase());
    match cte.as_deref() {
        None | Some("7bit" | "8bit" | "binary" | "") => Ok(part.body.to_vec()),
        Some("base64") => {
            let clean: Vec<u8> = part
                .body
                .iter()
                .copied()
                .filter(|b| !b.is_ascii_whitespace())
                .collect();
            let engine = GeneralPurpose::new(
                &base64::alphabet::STANDARD,
                GeneralPurposeConfig::new()
                    .with_decode_padding_mode(DecodePaddingMode::Indifferent),
            );
            engine.decode(clean).map_err(|e| IntakeError::Base64 {
                message: e.to_string(),
            })
        }
        Some("quoted-printable") => Ok(decode_quoted_printable(part.body)),
        Some(other) => Err(IntakeError::UnsupportedTransferEncoding(other.into())),
    }
}

/// RFC 2045 §6.7 quoted-printable: `=XX` escapes and `=` soft line breaks; a
/// broken escape is kept literally.
fn decode_quoted_printable(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while let Some(&b) = body.get(i) {
        if b == b'=' {
            let rest = body.get(i + 1..).unwrap_or_default();
            if rest.starts_with(b"\r\n") {
                i += 3;
                continue;
            }
            if rest.starts_with(b"\n") {
                i += 2;
                continue;
            }
            let hex = rest
                .get(..2)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(v) = hex {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    out
}

/// Lines of `data` with their start offsets (the line excludes its `\n` / `\r\n`).
fn lines(data: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut start = 0usize;
    std::iter::from_fn(move || {
        if start >= data.len() {
            return None;
        }
        let rest = data.get(start..)?;
        let (line, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(n) => (rest.get(..n)?, start + n + 1),
            None => (rest, data.len()),
        };
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let at = start;
        start = next;
        Some((at, line))
    })
}

/// Splits a multipart body into its parts (RFC 2046 §5.1.1). The line break before
/// a delimiter line belongs to the delimiter.
fn split_multipart<'a>(body: &'a [u8], boundary: &[u8]) -> Vec<&'a [u8]> {
    let mut parts = Vec::new();
    let mut current: Option<usize> = None;
    for (at, line) in lines(body) {
        let Some(rest) = line
            .strip_prefix(b"--")
            .and_then(|l| l.strip_prefix(boundary))
        else {
            continue;
        };
        let rest: Vec<u8> = rest
            .iter()
            .copied()
            .filter(|b| *b != b' ' && *b != b'\t')
            .collect();
        let closing = rest == b"--";
        if !rest.is_empty() && !closing {
            continue;
        }
        if let Some(start) = current.take() {
            let mut end = at;
            if end > start && body.get(end - 1) == Some(&b'\n') {
                end -= 1;
                if end > start && body.get(end - 1) == Some(&b'\r') {
                    end -= 1;
                }
            }
            if let Some(part) = body.get(start..end.max(start)) {
                parts.push(part);
            }
        }
        if closing {
            break;
        }
        let next = at + line.len() + 1;
        current = Some(
            if body.get(at + line.len()) == Some(&b'\r') {
                next + 1
            } else {
                next
            }
            .min(body.len()),
        );
    }
    parts
}

#[derive(Debug, Clone)]
struct Entity<'a> {
    /// Unfolded header fields, names lowercased.
    headers: Vec<(String, String)>,
    body: &'a [u8],
}

struct ContentType {
    media_type: String,
    params: Vec<(String, String)>,
}

impl ContentType {
    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

impl<'a> Entity<'a> {
    fn parse(data: &'a [u8]) -> Self {
        let mut headers: Vec<(String, String)> = Vec::new();
        let mut body_start = data.len();
        for (at, line) in lines(data) {
            if line.is_empty() {
                let after = at + 1 + usize::from(data.get(at) == Some(&b'\r'));
                body_start = after.min(data.len());
                break;
            }
            let text = String::from_utf8_lossy(line);
            if line.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
                if let Some((_, value)) = headers.last_mut() {
                    value.push(' ');
                    value.push_str(text.trim());
                }
            } else if let Some((name, value)) = text.split_once(':') {
                headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
            }
        }
        Self {
            headers,
            body: data.get(body_start..).unwrap_or_default(),
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn content_type(&self) -> ContentType {
        match self.header("content-type") {
            Some(v) => parse_content_type(v),
            None => ContentType {
                media_type: "text/plain".into(),
                params: Vec::new(),
            },
        }
    }

    fn file_name(&self) -> Option<String> {
        let from_disposition = self.header("content-disposition").map(parse_content_type);
        from_disposition
            .as_ref()
            .and_then(|d| d.param("filename"))
            .map(str::to_owned)
            .or_else(|| self.content_type().param("name").map(str::to_owned))
    }
}

/// `type/subtype; key=value; key="quoted value"` (RFC 2045 §5.1); keys and the
/// media type lowercased.
fn parse_content_type(value: &str) -> ContentType {
    let mut chars = value.char_indices().peekable();
    let mut segments: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    while let Some((_, c)) = chars.next() {
        match c {
            '"' => quoted = !quoted,
            '\\' if quoted => {
                if let Some((_, n)) = chars.next() {
                    cur.push(n);
                }
            }
            ';' if !quoted => segments.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    segments.push(cur);
    let mut it = segments.into_iter();
    let media_type = it.next().unwrap_or_default().trim().to_ascii_lowercase();
    let params = it
        .filter_map(|s| {
            let (k, v) = s.split_once('=')?;
            Some((k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        })
        .collect();
    ContentType { media_type, params }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8460_s5_3_container_deviations() {
        assert!(!IntakeNote::is_deviation(&IntakeNote::Gzipped));
        assert!(!IntakeNote::is_deviation(&IntakeNote::FoundByMediaType {
            media_type: "application/tlsrpt+gzip".into()
        }));
        let bare = IntakeNote::UnregisteredMediaType {
            media_type: "application/tlsrpt".into(),
        };
        assert!(IntakeNote::is_deviation(&bare));
        assert!(bare.to_string().contains("application/tlsrpt is not"));
        assert!(IntakeNote::is_deviation(&IntakeNote::NotMultipartReport));
        let by_name = IntakeNote::FoundByFileName {
            file_name: "r.json.gz".into(),
            media_type: "application/octet-stream".into(),
        };
        assert!(IntakeNote::is_deviation(&by_name));
        assert_eq!(
            by_name.to_string(),
            "report part found by its file name \"r.json.gz\" only (media type application/octet-stream)"
        );
    }

    #[test]
    fn edge_case_d20_gunzip_is_bounded() {
        let data = crate::gzip(&vec![b'a'; 100_000]);
        assert_eq!(gunzip(&data, 100_000).unwrap().len(), 100_000);
        assert_eq!(
            gunzip(&data, 99_999),
            Err(IntakeError::DecompressedTooLarge { limit: 99_999 })
        );
        assert!(matches!(
            gunzip(&data[..data.len() / 2], 1 << 20),
            Err(IntakeError::Gzip { .. })
        ));
    }

    #[test]
    fn quoted_printable_decodes() {
        assert_eq!(decode_quoted_printable(b"a=3Db=\r\nc=\nd=ZZ"), b"a=bcd=ZZ");
    }

    #[test]
    fn content_type_parameters() {
        let ct =
            parse_content_type("multipart/report; report-type=\"tlsrpt\";\tboundary=\"a;b\\\"c\"");
        assert_eq!(ct.media_type, "multipart/report");
        assert_eq!(ct.param("report-type"), Some("tlsrpt"));
        assert_eq!(ct.param("boundary"), Some("a;b\"c"));
    }

    #[test]
    fn multipart_split_handles_lf_and_crlf() {
        let body = b"preamble\r\n--b\r\nA: 1\r\n\r\none\r\n--b\r\n\r\ntwo\r\n--b--\r\nepilogue";
        assert_eq!(
            split_multipart(body, b"b"),
            [&b"A: 1\r\n\r\none"[..], &b"\r\ntwo"[..]]
        );
        let body = b"--b\nX: y\n\nthree\n--b--\n";
        assert_eq!(split_multipart(body, b"b"), [&b"X: y\n\nthree"[..]]);
    }

    #[test]
    fn zip_is_refused() {
        assert_eq!(
            read_report_file(b"PK\x03\x04rest", &IntakeLimits::default()),
            Err(IntakeError::Zip)
        );
    }
}
