//! The MTA-STS policy file, RFC 8461 [§3.2](https://www.rfc-editor.org/rfc/rfc8461#section-3.2).

use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};

use crate::limits::{MAX_AGE_MAX_DIGITS, MAX_AGE_MAX_SECS, MAX_MX_PATTERNS, MAX_POLICY_BODY_LEN};
use crate::mx::{self, MxPattern, MxPatternError};
use smtp_tls_types::Extension;
use smtp_tls_types::chars;
use smtp_tls_types::txt::is_ext_name;

/// The policy mode, RFC 8461 [§5](https://www.rfc-editor.org/rfc/rfc8461#section-5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// `enforce`: deliver only to matching MX hosts with a valid certificate, over TLS.
    Enforce,
    /// `testing`: check and report failures, but deliver as if the policy did not fail.
    Testing,
    /// `none`: the domain has no active policy (used to remove MTA-STS, §8.3).
    None,
}

impl Mode {
    /// The value as written in a policy: `enforce`, `testing` or `none`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Enforce => "enforce",
            Self::Testing => "testing",
            Self::None => "none",
        }
    }

    fn parse_exact(value: &str) -> Option<Self> {
        match value {
            "enforce" => Some(Self::Enforce),
            "testing" => Some(Self::Testing),
            "none" => Some(Self::None),
            _ => None,
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parsed MTA-STS policy.
///
/// ```text
/// sts-policy-record  = sts-policy-field *WSP *(sts-policy-term sts-policy-field *WSP)
///                      [sts-policy-term]
/// sts-policy-field   = sts-policy-version / sts-policy-mode / sts-policy-max-age /
///                      sts-policy-mx / sts-policy-extension
/// sts-policy-field-delim = ":" *WSP
/// sts-policy-version = %s"version" sts-policy-field-delim %s"STSv1"
/// sts-policy-mode    = %s"mode" sts-policy-field-delim (%s"testing" / %s"enforce" / %s"none")
/// sts-policy-max-age = %s"max_age" sts-policy-field-delim 1*10(DIGIT)
/// sts-policy-mx      = %s"mx" sts-policy-field-delim ["*."] Domain
/// sts-policy-term    = LF / CRLF
/// ```
///
/// The parser is strict on meaning and tolerant of harmless form errors, each of which
/// is kept as a [`PolicyWarning`] with its line number (docs/CONFORMANCE.md#d3 to #d9):
///
/// | deviation | outcome |
/// |---|---|
/// | blank lines, leading whitespace, whitespace before `:`, bare CR or mixed line ends, UTF-8 BOM (D3) | accepted, warning |
/// | `Mode:` / `mode: Enforce` letter case (D4) | accepted, warning |
/// | unknown mode, missing `version`/`mode`/`max_age`, `version` not `STSv1`, no `mx` in enforce/testing, bad `mx` (D5) | [`PolicyError`] |
/// | trailing dot in an `mx` value (D6) | stripped, warning |
/// | `max_age` over 31557600 with at most 10 digits (D7) | clamped, warning |
/// | `max_age: 0` (D8) | valid (apply, do not cache) |
/// | a duplicated field other than `mx` (D9) | first wins, warning |
///
/// Equality compares meaning (mode, `max_age`, `mx` patterns, extensions); the text as
/// served and the warnings are not compared, so `parse(display(p)) == p`.
///
/// ```
/// use mta_sts_core::{Mode, Policy, WarningKind};
///
/// let body = b"version: STSv1\nmode: enforce\nmx: mail.example.com.\nmax_age: 604800\n";
/// let policy = Policy::parse(body)?;
/// assert_eq!(policy.mode(), Mode::Enforce);
/// assert_eq!(policy.max_age(), 604800);
/// assert!(policy.matches_mx("MAIL.example.com"));
/// assert_eq!(policy.warnings()[0].line, 3);
/// assert_eq!(policy.warnings()[0].kind, WarningKind::TrailingDotInMx);
/// assert_eq!(policy.lines()[2], "mx: mail.example.com.");
/// # Ok::<(), mta_sts_core::PolicyError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Policy {
    mode: Mode,
    max_age: u32,
    // Boxed slices, not vectors: a cache holds many policies, and these never grow.
    mx: Box<[MxPattern]>,
    extensions: Box<[Extension]>,
    /// The body as served, minus a byte-order mark; the `mx` patterns point into it.
    text: Arc<str>,
    /// `text` split into lines, built on first use: reporters need it, deliveries do not.
    lines: OnceLock<Box<[String]>>,
    warnings: Box<[PolicyWarning]>,
}

/// A tolerated deviation from the §3.2 grammar, with the 1-based line it was found on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PolicyWarning {
    /// 1-based line number.
    pub line: usize,
    /// What was tolerated.
    pub kind: WarningKind,
}

impl fmt::Display for PolicyWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.kind)
    }
}

/// The kinds of [`PolicyWarning`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WarningKind {
    /// The body starts with a UTF-8 byte-order mark (D3).
    ByteOrderMark,
    /// An empty or whitespace-only line (D3).
    BlankLine,
    /// Whitespace at the start of a line (D3).
    LeadingWhitespace,
    /// Whitespace between a key and `:` (D3).
    WhitespaceBeforeColon,
    /// A line ended by a bare CR (D3); the ABNF allows only LF or CRLF.
    BareCrLineEnding,
    /// Both LF and CRLF line endings in one body (valid ABNF, erratum 6253; worth fixing).
    MixedLineEndings,
    /// A known key in another letter case, e.g. `Mode:` (D4).
    KeyCase {
        /// The key as written.
        key: String,
    },
    /// A mode value in another letter case, e.g. `Enforce` (D4).
    ModeCase {
        /// The value as written.
        value: String,
    },
    /// A trailing dot on an `mx` value, removed (D6).
    TrailingDotInMx,
    /// `max_age` above 31557600, clamped to it (D7, erratum 7282).
    MaxAgeClamped {
        /// The value as written.
        value: u64,
    },
    /// A field other than `mx` given more than once; the first is used (D9, §3.2).
    DuplicateField {
        /// The key.
        key: String,
    },
    /// An extension field with an empty value (the ABNF needs one character).
    EmptyExtensionValue {
        /// The key.
        key: String,
    },
}

impl fmt::Display for WarningKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ByteOrderMark => f.write_str("UTF-8 byte-order mark at the start of the policy"),
            Self::BlankLine => f.write_str("blank line"),
            Self::LeadingWhitespace => f.write_str("whitespace at the start of the line"),
            Self::WhitespaceBeforeColon => f.write_str("whitespace before ':'"),
            Self::BareCrLineEnding => f.write_str("line ends with a bare CR (use LF or CRLF)"),
            Self::MixedLineEndings => f.write_str("LF and CRLF line endings mixed"),
            Self::KeyCase { key } => {
                write!(
                    f,
                    "key {key:?} should be lower case (keys are case-sensitive)"
                )
            }
            Self::ModeCase { value } => {
                write!(
                    f,
                    "mode {value:?} should be lower case (values are case-sensitive)"
                )
            }
            Self::TrailingDotInMx => f.write_str("trailing dot in mx value removed"),
            Self::MaxAgeClamped { value } => {
                write!(f, "max_age {value} is above {MAX_AGE_MAX_SECS}; clamped")
            }
            Self::DuplicateField { key } => {
                write!(f, "field {key:?} given more than once; the first is used")
            }
            Self::EmptyExtensionValue { key } => write!(f, "extension {key:?} has an empty value"),
        }
    }
}

/// Why a policy body is not a valid MTA-STS policy (RFC 8461 §3.2).
///
/// Every variant is reported to TLS-RPT as `sts-policy-invalid`
/// ([`ResultType::StsPolicyInvalid`](crate::ResultType::StsPolicyInvalid)).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The body is larger than [`MAX_POLICY_BODY_LEN`] (§3.3, D12).
    #[error("policy body is {len} bytes, more than {limit}")]
    TooLarge {
        /// Length of the body.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// A line is not valid UTF-8 (§3.2 allows UTF-8 in extension values only).
    #[error("line {line}: not valid UTF-8")]
    NotUtf8 {
        /// 1-based line number.
        line: usize,
    },
    /// A non-blank line without `:`.
    #[error("line {line}: not a \"key: value\" field")]
    MissingColon {
        /// 1-based line number.
        line: usize,
    },
    /// A key that is not a valid field name (§3.2 `sts-policy-ext-name`).
    #[error("line {line}: invalid field name {key:?}")]
    InvalidKey {
        /// 1-based line number.
        line: usize,
        /// The key as written.
        key: String,
    },
    /// A control character inside a value (§3.2 excludes CTLs).
    #[error("line {line}: control character in the value")]
    ControlCharacter {
        /// 1-based line number.
        line: usize,
    },
    /// `version` is not `STSv1` (§3.2).
    #[error("line {line}: unsupported version {value:?}, expected \"STSv1\"")]
    UnsupportedVersion {
        /// 1-based line number.
        line: usize,
        /// The value as written.
        value: String,
    },
    /// `mode` is not `enforce`, `testing` or `none` (§3.2, D5).
    #[error("line {line}: unknown mode {value:?}")]
    UnknownMode {
        /// 1-based line number.
        line: usize,
        /// The value as written.
        value: String,
    },
    /// `max_age` is not 1 to 10 digits (§3.2, D7).
    #[error("line {line}: invalid max_age {value:?}, expected 1 to 10 digits")]
    InvalidMaxAge {
        /// 1-based line number.
        line: usize,
        /// The value as written.
        value: String,
    },
    /// An `mx` value that is not `["*."] Domain` in A-labels (§3.2, D5).
    #[error("line {line}: invalid mx {value:?}: {source}")]
    InvalidMx {
        /// 1-based line number.
        line: usize,
        /// The value as written.
        value: String,
        /// What is wrong with it.
        source: MxPatternError,
    },
    /// More than [`MAX_MX_PATTERNS`] `mx` lines.
    #[error("more than {limit} mx fields")]
    TooManyMx {
        /// The limit.
        limit: usize,
    },
    /// A required field is missing: `version`, `mode` or `max_age` (§3.2).
    #[error("missing required field {field:?}")]
    MissingField {
        /// The field name.
        field: &'static str,
    },
    /// No `mx` field although the mode is `enforce` or `testing` (§3.2).
    #[error("mode {mode} requires at least one mx field")]
    MissingMx {
        /// The mode.
        mode: Mode,
    },
}

impl PolicyError {
    /// The 1-based line of the body the error points at; `None` for an error about no
    /// single line (too large, too many `mx`, a missing field).
    ///
    /// ```
    /// use mta_sts_core::Policy;
    ///
    /// let err = Policy::parse(b"version: STSv1\nmode: sometimes\n").unwrap_err();
    /// assert_eq!(err.line(), Some(2));
    /// let err = Policy::parse(b"version: STSv1\n").unwrap_err();
    /// assert_eq!(err.line(), None);
    /// ```
    pub fn line(&self) -> Option<usize> {
        match self {
            Self::NotUtf8 { line }
            | Self::MissingColon { line }
            | Self::InvalidKey { line, .. }
            | Self::ControlCharacter { line }
            | Self::UnsupportedVersion { line, .. }
            | Self::UnknownMode { line, .. }
            | Self::InvalidMaxAge { line, .. }
            | Self::InvalidMx { line, .. } => Some(*line),
            Self::TooLarge { .. }
            | Self::TooManyMx { .. }
            | Self::MissingField { .. }
            | Self::MissingMx { .. } => None,
        }
    }
}

impl Policy {
    /// Parses a policy body as served over HTTPS.
    pub fn parse(body: &[u8]) -> Result<Self, PolicyError> {
        if body.len() > MAX_POLICY_BODY_LEN {
            return Err(PolicyError::TooLarge {
                len: body.len(),
                limit: MAX_POLICY_BODY_LEN,
            });
        }
        let (body, bom) = match body.strip_prefix(b"\xEF\xBB\xBF") {
            Some(rest) => (rest, true),
            None => (body, false),
        };
        let text = std::str::from_utf8(body).map_err(|e| {
            let before = body.get(..e.valid_up_to()).unwrap_or_default();
            PolicyError::NotUtf8 {
                line: split_lines(before).count().max(1),
            }
        })?;
        let text: Arc<str> = Arc::from(text);
        let mut builder = Builder::new(text.clone());
        if bom {
            builder.warn(1, WarningKind::ByteOrderMark);
        }
        let mut endings = LineEndings::default();
        for (index, raw) in split_lines(text.as_bytes()).enumerate() {
            let line = index + 1;
            endings.record(line, raw.ending);
            if raw.has_ctl {
                return Err(PolicyError::ControlCharacter { line });
            }
            let line_text = text
                .get(raw.start..raw.start + raw.bytes.len())
                .unwrap_or_default();
            builder.field(line, raw.start, line_text, raw.has_tab)?;
        }
        if let Some(line) = endings.bare_cr {
            builder.warn(line, WarningKind::BareCrLineEnding);
        }
        if let Some(line) = endings.mixed_at {
            builder.warn(line, WarningKind::MixedLineEndings);
        }
        builder.finish()
    }

    /// The mode (§3.2, §5).
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// `max_age` in seconds, clamped to [`MAX_AGE_MAX_SECS`] (D7). `0` means: apply
    /// to the current delivery, do not cache (D8).
    pub fn max_age(&self) -> u32 {
        self.max_age
    }

    /// The `mx` patterns, in the order served.
    pub fn mx(&self) -> &[MxPattern] {
        &self.mx
    }

    /// Extension fields, in the order served (first occurrence of each name).
    pub fn extensions(&self) -> &[Extension] {
        &self.extensions
    }

    /// The tolerated deviations, in line order within each kind.
    pub fn warnings(&self) -> &[PolicyWarning] {
        &self.warnings
    }

    /// The lines of the body as served, without line terminators (and without a
    /// byte-order mark). This is what TLS-RPT reports as `policy-string`, "including
    /// any errors" ([RFC 8460 §4.5](https://www.rfc-editor.org/rfc/rfc8460#section-4.5)).
    ///
    /// Built on the first call (parsing does not pay for it), then kept.
    pub fn lines(&self) -> &[String] {
        self.lines.get_or_init(|| {
            split_lines(self.text.as_bytes())
                .map(|line| String::from_utf8_lossy(line.bytes).into_owned())
                .collect()
        })
    }

    /// The body as served (UTF-8, without a byte-order mark). Store this to persist
    /// a policy: parsing it again gives an equal policy.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether the MX host matches at least one `mx` pattern (§4.1).
    ///
    /// This only answers the pattern question; what to do with the answer depends
    /// on the mode (§5).
    pub fn matches_mx(&self, host: &str) -> bool {
        self.matching_pattern(host).is_some()
    }

    /// The first `mx` pattern that the MX host matches, if any (§4.1).
    pub fn matching_pattern(&self, host: &str) -> Option<&MxPattern> {
        self.mx.iter().find(|p| p.matches(host))
    }
}

struct Builder {
    text: Arc<str>,
    version: bool,
    mode: Option<Mode>,
    max_age: Option<u32>,
    mx: Vec<MxPattern>,
    extensions: Vec<Extension>,
    warnings: Vec<PolicyWarning>,
}

impl Builder {
    fn new(text: Arc<str>) -> Self {
        Self {
            text,
            version: false,
            mode: None,
            max_age: None,
            // Real policies list up to ~10 patterns: one allocation covers them.
            mx: Vec::with_capacity(8),
            extensions: Vec::new(),
            warnings: Vec::new(),
        }
    }

    fn warn(&mut self, line: usize, kind: WarningKind) {
        self.warnings.push(PolicyWarning { line, kind });
    }

    /// One line, which starts at byte `line_start` of the body.
    /// `has_tab`: whether the line holds an HTAB (other control characters were
    /// already refused).
    fn field(
        &mut self,
        line: usize,
        line_start: usize,
        text: &str,
        has_tab: bool,
    ) -> Result<(), PolicyError> {
        // One pass: leading WSP, the key's characters, WSP, then the colon.
        let bytes = text.as_bytes();
        let is_wsp = |b: &&u8| **b == b' ' || **b == b'\t';
        let key_start = bytes.iter().take_while(is_wsp).count();
        if key_start == bytes.len() {
            self.warn(line, WarningKind::BlankLine);
            return Ok(());
        }
        if key_start > 0 {
            self.warn(line, WarningKind::LeadingWhitespace);
        }
        let after_lead = bytes.get(key_start..).unwrap_or_default();
        let key_len = after_lead
            .iter()
            .take_while(|&&b| chars::is(b, chars::EXT_NAME))
            .count();
        let after_key = after_lead.get(key_len..).unwrap_or_default();
        let gap = after_key.iter().take_while(is_wsp).count();
        let colon = key_start + key_len + gap;
        if bytes.get(colon) != Some(&b':') {
            // Not `key *WSP ":"`: either there is no colon at all, or what precedes it
            // is not a field name.
            return Err(match text.find(':') {
                None => PolicyError::MissingColon { line },
                Some(at) => PolicyError::InvalidKey {
                    line,
                    key: trim_wsp_end(text.get(key_start..at).unwrap_or_default()).to_owned(),
                },
            });
        }
        let key = text.get(key_start..key_start + key_len).unwrap_or_default();
        if !is_ext_name(key) {
            return Err(PolicyError::InvalidKey {
                line,
                key: key.to_owned(),
            });
        }
        if gap > 0 {
            self.warn(line, WarningKind::WhitespaceBeforeColon);
        }
        let value = trim_wsp_end(trim_wsp_start(text.get(colon + 1..).unwrap_or_default()));
        // CTL = %x00-1F / %x7F (RFC 5234); only HTAB can be left, and only as `*WSP`.
        if has_tab && value.contains('\t') {
            return Err(PolicyError::ControlCharacter { line });
        }

        let Some((known, exact)) = Known::of(key) else {
            return self.extension(line, key, value);
        };
        if !exact {
            self.warn(
                line,
                WarningKind::KeyCase {
                    key: key.to_owned(),
                },
            );
        }
        if known != Known::Mx && self.seen(known) {
            self.warn(
                line,
                WarningKind::DuplicateField {
                    key: key.to_owned(),
                },
            );
            return Ok(());
        }
        match known {
            Known::Mx => {
                // Offset of the value in the body: the line is a slice of it.
                let value_start = line_start + (value.as_ptr() as usize - text.as_ptr() as usize);
                self.mx(line, value_start, value)
            }
            Known::Version => {
                if value != "STSv1" {
                    return Err(PolicyError::UnsupportedVersion {
                        line,
                        value: value.to_owned(),
                    });
                }
                self.version = true;
                Ok(())
            }
            Known::Mode => {
                let mode = match Mode::parse_exact(value) {
                    Some(mode) => mode,
                    None => {
                        let lower = value.to_ascii_lowercase();
                        let mode =
                            Mode::parse_exact(&lower).ok_or_else(|| PolicyError::UnknownMode {
                                line,
                                value: value.to_owned(),
                            })?;
                        self.warn(
                            line,
                            WarningKind::ModeCase {
                                value: value.to_owned(),
                            },
                        );
                        mode
                    }
                };
                self.mode = Some(mode);
                Ok(())
            }
            Known::MaxAge => self.max_age(line, value),
        }
    }

    /// An unknown field: kept (first occurrence of each name) and otherwise ignored.
    fn extension(&mut self, line: usize, key: &str, value: &str) -> Result<(), PolicyError> {
        if self.extensions.iter().any(|e| e.name() == key) {
            self.warn(
                line,
                WarningKind::DuplicateField {
                    key: key.to_owned(),
                },
            );
            return Ok(());
        }
        if value.is_empty() {
            self.warn(
                line,
                WarningKind::EmptyExtensionValue {
                    key: key.to_owned(),
                },
            );
        }
        self.extensions.push(Extension::new(key, value));
        Ok(())
    }

    fn seen(&self, key: Known) -> bool {
        match key {
            Known::Version => self.version,
            Known::Mode => self.mode.is_some(),
            Known::MaxAge => self.max_age.is_some(),
            Known::Mx => false,
        }
    }

    fn max_age(&mut self, line: usize, value: &str) -> Result<(), PolicyError> {
        let invalid = || PolicyError::InvalidMaxAge {
            line,
            value: value.to_owned(),
        };
        if value.is_empty()
            || value.len() > MAX_AGE_MAX_DIGITS
            || !value.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(invalid());
        }
        // At most 10 digits: fits in u64 without overflow.
        let seconds: u64 = value.parse().map_err(|_| invalid())?;
        let clamped = match u32::try_from(seconds) {
            Ok(s) if s <= MAX_AGE_MAX_SECS => s,
            _ => {
                self.warn(line, WarningKind::MaxAgeClamped { value: seconds });
                MAX_AGE_MAX_SECS
            }
        };
        self.max_age = Some(clamped);
        Ok(())
    }

    fn mx(&mut self, line: usize, value_start: usize, value: &str) -> Result<(), PolicyError> {
        if self.mx.len() >= MAX_MX_PATTERNS {
            return Err(PolicyError::TooManyMx {
                limit: MAX_MX_PATTERNS,
            });
        }
        let stripped = match value.strip_suffix('.') {
            Some(rest) if !rest.is_empty() => {
                self.warn(line, WarningKind::TrailingDotInMx);
                rest
            }
            _ => value,
        };
        let domain_offset = mx::validate(stripped).map_err(|source| PolicyError::InvalidMx {
            line,
            value: value.to_owned(),
            source,
        })?;
        self.mx.push(MxPattern::from_span(
            self.text.clone(),
            value_start,
            value_start + domain_offset,
            value_start + stripped.len(),
        ));
        Ok(())
    }

    fn finish(mut self) -> Result<Policy, PolicyError> {
        if !self.version {
            return Err(PolicyError::MissingField { field: "version" });
        }
        let mode = self
            .mode
            .ok_or(PolicyError::MissingField { field: "mode" })?;
        let max_age = self
            .max_age
            .ok_or(PolicyError::MissingField { field: "max_age" })?;
        if mode != Mode::None && self.mx.is_empty() {
            return Err(PolicyError::MissingMx { mode });
        }
        self.warnings.sort_by_key(|w| w.line);
        Ok(Policy {
            mode,
            max_age,
            mx: self.mx.into_boxed_slice(),
            extensions: self.extensions.into_boxed_slice(),
            text: self.text,
            lines: OnceLock::new(),
            warnings: self.warnings.into_boxed_slice(),
        })
    }
}

/// The keys RFC 8461 §3.2 defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Known {
    Version,
    Mode,
    MaxAge,
    Mx,
}

impl Known {
    /// The key `key` names, and whether it is written in its exact (lower) case.
    fn of(key: &str) -> Option<(Self, bool)> {
        let exact = match key.as_bytes() {
            b"version" => Some(Self::Version),
            b"mode" => Some(Self::Mode),
            b"max_age" => Some(Self::MaxAge),
            b"mx" => Some(Self::Mx),
            _ => None,
        };
        if let Some(known) = exact {
            return Some((known, true));
        }
        [
            ("version", Self::Version),
            ("mode", Self::Mode),
            ("max_age", Self::MaxAge),
            ("mx", Self::Mx),
        ]
        .into_iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(key))
        .map(|(_, known)| (known, false))
    }
}

/// Strips leading SP / HTAB (`*WSP`).
fn trim_wsp_start(s: &str) -> &str {
    let n = s.bytes().take_while(|&b| b == b' ' || b == b'\t').count();
    s.get(n..).unwrap_or_default()
}

/// Strips trailing SP / HTAB (`*WSP`).
fn trim_wsp_end(s: &str) -> &str {
    let n = s
        .bytes()
        .rev()
        .take_while(|&b| b == b' ' || b == b'\t')
        .count();
    s.get(..s.len() - n).unwrap_or_default()
}

/// How a line ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    Lf,
    CrLf,
    Cr,
    Eof,
}

#[derive(Default)]
struct LineEndings {
    first: Option<Ending>,
    bare_cr: Option<usize>,
    mixed_at: Option<usize>,
}

impl LineEndings {
    fn record(&mut self, line: usize, ending: Ending) {
        match ending {
            Ending::Eof => {}
            Ending::Cr => {
                self.bare_cr.get_or_insert(line);
            }
            Ending::Lf | Ending::CrLf => match self.first {
                None => self.first = Some(ending),
                Some(first) if first != ending => {
                    self.mixed_at.get_or_insert(line);
                }
                Some(_) => {}
            },
        }
    }
}

/// One line of a body.
struct Line<'a> {
    /// Byte offset of the line in the body.
    start: usize,
    /// The line, without its terminator.
    bytes: &'a [u8],
    ending: Ending,
    /// Whether the line holds an HTAB (valid only as `*WSP` around a field).
    has_tab: bool,
    /// Whether the line holds a control character other than HTAB.
    has_ctl: bool,
}

/// Splits on LF, CRLF and bare CR. The empty remainder after a final terminator is
/// not a line; an empty body has no lines.
///
/// The same scan notes the control characters of each line, so that the field parser
/// does not look at every byte again.
fn split_lines(body: &[u8]) -> impl Iterator<Item = Line<'_>> {
    let mut offset = 0;
    std::iter::from_fn(move || {
        let rest = body.get(offset..).filter(|r| !r.is_empty())?;
        let start = offset;
        let (mut has_tab, mut has_ctl) = (false, false);
        let mut at = 0;
        let (len, ending, skip) = loop {
            match rest.get(at..).and_then(chars::find_ctl) {
                None => break (rest.len(), Ending::Eof, 0),
                Some(i) => {
                    let pos = at + i;
                    match (rest.get(pos), rest.get(pos + 1)) {
                        (Some(b'\n'), _) => break (pos, Ending::Lf, 1),
                        (Some(b'\r'), Some(b'\n')) => break (pos, Ending::CrLf, 2),
                        (Some(b'\r'), _) => break (pos, Ending::Cr, 1),
                        (Some(b'\t'), _) => has_tab = true,
                        _ => has_ctl = true,
                    }
                    at = pos + 1;
                }
            }
        };
        offset += len + skip;
        Some(Line {
            start,
            bytes: rest.get(..len).unwrap_or_default(),
            ending,
            has_tab,
            has_ctl,
        })
    })
}

impl PartialEq for Policy {
    fn eq(&self, other: &Self) -> bool {
        self.mode == other.mode
            && self.max_age == other.max_age
            && self.mx == other.mx
            && self.extensions == other.extensions
    }
}

impl Eq for Policy {}

impl FromStr for Policy {
    type Err = PolicyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s.as_bytes())
    }
}

impl fmt::Display for Policy {
    /// The canonical text: CRLF line ends, `version` first, then `mode`, the `mx`
    /// lines, `max_age` and the extensions.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "version: STSv1\r\nmode: {}\r\n", self.mode)?;
        for mx in &self.mx {
            write!(f, "mx: {mx}\r\n")?;
        }
        write!(f, "max_age: {}\r\n", self.max_age)?;
        for e in &self.extensions {
            write!(f, "{}: {}\r\n", e.name(), e.value())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "version: STSv1\nmode: enforce\nmx: mail.example.com\nmax_age: 86400\n";

    fn ok(body: &str) -> Policy {
        Policy::parse(body.as_bytes()).unwrap_or_else(|e| panic!("{body:?}: {e}"))
    }

    fn err(body: &str) -> PolicyError {
        Policy::parse(body.as_bytes()).expect_err(body)
    }

    fn kinds(p: &Policy) -> Vec<(usize, WarningKind)> {
        p.warnings()
            .iter()
            .map(|w| (w.line, w.kind.clone()))
            .collect()
    }

    #[test]
    fn edge_case_20_crlf_with_trailing_whitespace() {
        let p = ok(
            "version: STSv1 \r\nmode: enforce\t\r\nmx: mail.example.com  \r\nmax_age: 86400 \r\n",
        );
        assert_eq!(p.mode(), Mode::Enforce);
        assert_eq!(p.mx()[0].to_string(), "mail.example.com");
        assert!(p.warnings().is_empty());
    }

    #[test]
    fn edge_case_21_lf_only() {
        let p = ok(BASE);
        assert!(p.warnings().is_empty());
        assert_eq!(p.lines().len(), 4);
    }

    #[test]
    fn edge_case_22_mixed_crlf_and_lf_valid() {
        let p = ok("version: STSv1\r\nmode: enforce\nmx: mail.example.com\r\nmax_age: 86400\n");
        assert_eq!(kinds(&p), [(2, WarningKind::MixedLineEndings)]);
    }

    #[test]
    fn edge_case_23_bare_cr_accepted_with_warning() {
        // docs/CONFORMANCE.md#d3 overrides the strict reading.
        let p = ok("version: STSv1\rmode: enforce\rmx: mail.example.com\rmax_age: 86400\r");
        assert_eq!(p.mode(), Mode::Enforce);
        assert_eq!(kinds(&p), [(1, WarningKind::BareCrLineEnding)]);
    }

    #[test]
    fn edge_case_24_space_before_colon_accepted_with_warning() {
        let p = ok("version: STSv1\nmode : enforce\nmx: mail.example.com\nmax_age: 86400\n");
        assert_eq!(p.mode(), Mode::Enforce);
        assert_eq!(kinds(&p), [(2, WarningKind::WhitespaceBeforeColon)]);
    }

    #[test]
    fn edge_case_25_no_or_tab_whitespace_after_colon() {
        let p = ok("version:STSv1\nmode:enforce\nmx:\tmail.example.com\nmax_age:\t86400");
        assert_eq!(p.mode(), Mode::Enforce);
        assert!(p.warnings().is_empty());
    }

    #[test]
    fn edge_case_26_leading_whitespace_accepted_with_warning() {
        let p = ok("version: STSv1\nmode: enforce\n  mx: mail.example.com\nmax_age: 86400\n");
        assert_eq!(p.mx().len(), 1);
        assert_eq!(kinds(&p), [(3, WarningKind::LeadingWhitespace)]);
    }

    #[test]
    fn edge_case_27_blank_lines_accepted_with_warning() {
        let p = ok("version: STSv1\n\nmode: enforce\nmx: mail.example.com\nmax_age: 86400\n \n");
        assert_eq!(
            kinds(&p),
            [(2, WarningKind::BlankLine), (6, WarningKind::BlankLine)]
        );
        assert_eq!(p.lines()[1], "");
        assert_eq!(p.lines().len(), 6);
    }

    #[test]
    fn edge_case_28_key_case_accepted_with_warning() {
        let p = ok("version: STSv1\nMode: enforce\nmx: mail.example.com\nmax_age: 86400\n");
        assert_eq!(p.mode(), Mode::Enforce);
        assert_eq!(
            kinds(&p),
            [(2, WarningKind::KeyCase { key: "Mode".into() })]
        );
    }

    #[test]
    fn edge_case_29_mode_value_case_accepted_with_warning() {
        let p = ok("version: STSv1\nmode: Enforce\nmx: mail.example.com\nmax_age: 86400\n");
        assert_eq!(p.mode(), Mode::Enforce);
        assert_eq!(
            kinds(&p),
            [(
                2,
                WarningKind::ModeCase {
                    value: "Enforce".into()
                }
            )]
        );
    }

    #[test]
    fn edge_case_30_max_age_clamped() {
        let p = ok(&BASE.replace("86400", "31557601"));
        assert_eq!(p.max_age(), MAX_AGE_MAX_SECS);
        assert_eq!(
            kinds(&p),
            [(4, WarningKind::MaxAgeClamped { value: 31_557_601 })]
        );
        let p = ok(&BASE.replace("86400", "9999999999"));
        assert_eq!(p.max_age(), MAX_AGE_MAX_SECS);
        let p = ok(&BASE.replace("86400", "31557600"));
        assert_eq!(p.max_age(), 31_557_600);
        assert!(p.warnings().is_empty());
    }

    #[test]
    fn edge_case_31_max_age_zero_valid() {
        assert_eq!(ok(&BASE.replace("86400", "0")).max_age(), 0);
    }

    #[test]
    fn edge_case_32_max_age_eleven_digits_invalid() {
        assert!(matches!(
            err(&BASE.replace("86400", "12345678901")),
            PolicyError::InvalidMaxAge { line: 4, .. }
        ));
    }

    #[test]
    fn edge_case_33_max_age_signs_and_units_invalid() {
        for bad in [
            "-1",
            "+86400",
            "86400s",
            "1e6",
            "86 400",
            "",
            "0x10",
            "８６４００",
        ] {
            assert!(
                matches!(
                    Policy::parse(BASE.replace("86400", bad).as_bytes()),
                    Err(PolicyError::InvalidMaxAge { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn edge_case_34_max_age_leading_zero() {
        assert_eq!(ok(&BASE.replace("86400", "0604800")).max_age(), 604_800);
    }

    #[test]
    fn edge_case_35_mode_none_without_mx() {
        let p = ok("version: STSv1\nmode: none\nmax_age: 86400\n");
        assert_eq!(p.mode(), Mode::None);
        assert!(p.mx().is_empty());
    }

    #[test]
    fn edge_case_36_enforce_or_testing_without_mx() {
        assert_eq!(
            err("version: STSv1\nmode: enforce\nmax_age: 86400\n"),
            PolicyError::MissingMx {
                mode: Mode::Enforce
            }
        );
        assert_eq!(
            err("version: STSv1\nmode: testing\nmax_age: 86400\n"),
            PolicyError::MissingMx {
                mode: Mode::Testing
            }
        );
    }

    #[test]
    fn edge_case_37_version_missing_or_wrong() {
        assert_eq!(
            err("mode: enforce\nmx: a.example\nmax_age: 1\n"),
            PolicyError::MissingField { field: "version" }
        );
        assert!(matches!(
            err(&BASE.replace("STSv1", "STSv2")),
            PolicyError::UnsupportedVersion { line: 1, .. }
        ));
        assert!(matches!(
            err(&BASE.replace("STSv1", "stsv1")),
            PolicyError::UnsupportedVersion { .. }
        ));
        assert_eq!(
            err("version: STSv1\nmx: a.example\nmax_age: 1\n"),
            PolicyError::MissingField { field: "mode" }
        );
        assert_eq!(
            err("version: STSv1\nmode: none\n"),
            PolicyError::MissingField { field: "max_age" }
        );
        assert_eq!(err(""), PolicyError::MissingField { field: "version" });
    }

    #[test]
    fn edge_case_38_first_mode_wins() {
        let p = ok("version: STSv1\nmode: enforce\nmode: testing\nmx: a.example\nmax_age: 1\n");
        assert_eq!(p.mode(), Mode::Enforce);
        assert_eq!(
            kinds(&p),
            [(3, WarningKind::DuplicateField { key: "mode".into() })]
        );
    }

    #[test]
    fn edge_case_39_fields_out_of_order() {
        let p = ok("max_age: 86400\nmx: mail.example.com\nmode: testing\nversion: STSv1\n");
        assert_eq!(p.mode(), Mode::Testing);
        assert!(p.warnings().is_empty());
    }

    #[test]
    fn edge_case_40_unknown_field_with_spaces_ignored() {
        let p = ok(&format!("{BASE}foo: some value with spaces\n"));
        assert_eq!(
            p.extensions(),
            [Extension::new("foo", "some value with spaces")]
        );
    }

    #[test]
    fn edge_case_41_comma_separated_mx_invalid() {
        assert!(matches!(
            err("version: STSv1\nmode: enforce\nmx: a.example.com, b.example.com\nmax_age: 1\n"),
            PolicyError::InvalidMx { line: 3, .. }
        ));
    }

    #[test]
    fn edge_case_42_trailing_dot_stripped_with_warning() {
        let p = ok(&BASE.replace("mail.example.com", "mail.example.com."));
        assert_eq!(p.mx()[0].to_string(), "mail.example.com");
        assert_eq!(kinds(&p), [(3, WarningKind::TrailingDotInMx)]);
        assert!(matches!(
            err(&BASE.replace("mail.example.com", ".")),
            PolicyError::InvalidMx { .. }
        ));
    }

    #[test]
    fn edge_case_43_invalid_wildcard_patterns() {
        for bad in [
            "*.*.example.com",
            "mail.*.example.com",
            "*example.com",
            "mx*.example.com",
        ] {
            assert!(
                matches!(
                    Policy::parse(BASE.replace("mail.example.com", bad).as_bytes()),
                    Err(PolicyError::InvalidMx {
                        source: MxPatternError::InvalidWildcard,
                        ..
                    })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn edge_case_44_u_label_mx_invalid() {
        assert!(matches!(
            err(&BASE.replace("mail.example.com", "bücher.example")),
            PolicyError::InvalidMx {
                source: MxPatternError::NotAscii { .. },
                ..
            }
        ));
    }

    #[test]
    fn edge_case_45_bom_accepted_with_warning() {
        let mut body = b"\xEF\xBB\xBF".to_vec();
        body.extend_from_slice(BASE.as_bytes());
        let p = Policy::parse(&body).unwrap();
        assert_eq!(kinds(&p), [(1, WarningKind::ByteOrderMark)]);
        assert_eq!(p.lines()[0], "version: STSv1");
    }

    #[test]
    fn ip_address_in_mx_is_invalid() {
        assert!(matches!(
            err(&BASE.replace("mail.example.com", "192.0.2.25")),
            PolicyError::InvalidMx {
                source: MxPatternError::IpAddress { .. },
                ..
            }
        ));
    }

    #[test]
    fn malformed_lines() {
        assert_eq!(
            err(&format!("{BASE}garbage\n")),
            PolicyError::MissingColon { line: 5 }
        );
        assert!(matches!(
            err(&format!("{BASE}bad key: x\n")),
            PolicyError::InvalidKey { line: 5, .. }
        ));
        assert!(matches!(
            err(&format!("{BASE}_x: y\n")),
            PolicyError::InvalidKey { .. }
        ));
        assert_eq!(
            err(&format!("{BASE}x: a\u{7}b\n")),
            PolicyError::ControlCharacter { line: 5 }
        );
        assert_eq!(
            Policy::parse(b"version: STSv1\nx: \xff\n"),
            Err(PolicyError::NotUtf8 { line: 2 })
        );
        assert!(matches!(
            err("version: STSv1\nmode: strict\n"),
            PolicyError::UnknownMode { line: 2, .. }
        ));
        let p = ok(&format!("{BASE}ext: é ü\nempty:\n"));
        assert_eq!(p.extensions()[0].value(), "é ü");
        assert_eq!(
            kinds(&p),
            [(
                6,
                WarningKind::EmptyExtensionValue {
                    key: "empty".into()
                }
            )]
        );
    }

    #[test]
    fn limits_enforced() {
        let big = format!("{BASE}x: {}\n", "a".repeat(MAX_POLICY_BODY_LEN));
        assert!(matches!(err(&big), PolicyError::TooLarge { .. }));
        let mut many = String::from("version: STSv1\nmode: enforce\nmax_age: 1\n");
        for i in 0..=MAX_MX_PATTERNS {
            many.push_str(&format!("mx: m{i}.example\n"));
        }
        assert_eq!(
            err(&many),
            PolicyError::TooManyMx {
                limit: MAX_MX_PATTERNS
            }
        );
    }

    #[test]
    fn display_is_canonical_crlf_version_first_and_round_trips() {
        let p = ok(
            "max_age: 86400\nfoo: bar baz\nmx: *.Example.com.\nmode: testing\nversion: STSv1\nmx: b.example\n",
        );
        assert_eq!(
            p.to_string(),
            "version: STSv1\r\nmode: testing\r\nmx: *.example.com\r\nmx: b.example\r\nmax_age: 86400\r\nfoo: bar baz\r\n"
        );
        let again = ok(&p.to_string());
        assert_eq!(again, p);
        assert!(again.warnings().is_empty());
    }

    #[test]
    fn matching() {
        let p = ok(
            "version: STSv1\nmode: enforce\nmx: mx1.example.com\nmx: *.backup.example.com\nmax_age: 1\n",
        );
        assert_eq!(
            p.matching_pattern("a.backup.example.com")
                .map(ToString::to_string)
                .as_deref(),
            Some("*.backup.example.com")
        );
        assert!(p.matches_mx("MX1.example.com."));
        assert!(!p.matches_mx("mx2.example.com"));
    }
}
