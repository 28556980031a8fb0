//! The `_mta-sts` TXT record, RFC 8461 [§3.1](https://www.rfc-editor.org/rfc/rfc8461#section-3.1).

use std::fmt;
use std::str::FromStr;

use crate::limits::{MAX_TXT_RECORD_LEN, STS_ID_MAX_LEN};
use smtp_tls_types::Extension;
use smtp_tls_types::chars;
use smtp_tls_types::txt::is_ext_name;
use smtp_tls_types::txt::{self, JoinedRecord, SelectError};

const VERSION: &str = "v=STSv1";

/// A parsed `_mta-sts.<domain>` TXT record.
///
/// ```text
/// sts-text-record = sts-version 1*(sts-field-delim sts-field) [sts-field-delim]
/// sts-field       = sts-id / sts-extension
/// sts-field-delim = *WSP ";" *WSP
/// sts-version     = %s"v=STSv1"
/// sts-id          = %s"id=" 1*32(ALPHA / DIGIT)
/// sts-extension   = sts-ext-name "=" sts-ext-value
/// sts-ext-name    = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
/// sts-ext-value   = 1*(%x21-3A / %x3C / %x3E-7E)
/// ```
///
/// The parser follows this grammar, with the tolerances of docs/CONFORMANCE.md#d1, each reported as a
/// [`RecordWarning`]: whitespace before the first `;` (erratum 6285) and whitespace after
/// the last field. A duplicated field keeps its first occurrence (§3.2, last paragraph).
///
/// Equality compares meaning (id and extensions), not warnings.
///
/// ```
/// use mta_sts_core::StsRecord;
///
/// let r: StsRecord = "v=STSv1;id=20160831085700Z;".parse()?;
/// assert_eq!(r.id(), "20160831085700Z");
/// assert_eq!(r.to_string(), "v=STSv1; id=20160831085700Z;");
/// # Ok::<(), mta_sts_core::RecordError>(())
/// ```
#[derive(Debug, Clone)]
pub struct StsRecord {
    id: RecordId,
    extensions: Vec<Extension>,
    warnings: Vec<RecordWarning>,
}

/// A tolerated deviation from the §3.1 grammar (docs/CONFORMANCE.md#d1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RecordWarning {
    /// Whitespace between `v=STSv1` and the first `;` (valid ABNF, but the §3.1 prose
    /// selects records beginning `v=STSv1;`; erratum 6285).
    WhitespaceBeforeFirstDelimiter,
    /// Whitespace after the last field with no `;` following (no ABNF production).
    TrailingWhitespace,
    /// A field given more than once; the first occurrence is used (§3.2).
    DuplicateField {
        /// The field name.
        name: String,
    },
}

impl fmt::Display for RecordWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WhitespaceBeforeFirstDelimiter => {
                f.write_str("whitespace before the first ';' (RFC 8461 erratum 6285)")
            }
            Self::TrailingWhitespace => f.write_str("whitespace after the last field"),
            Self::DuplicateField { name } => {
                write!(f, "field {name:?} given more than once; the first is used")
            }
        }
    }
}

/// Why a TXT record is not a valid `_mta-sts` record (RFC 8461 §3.1).
///
/// Offsets are byte offsets into the record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// The record is longer than [`MAX_TXT_RECORD_LEN`].
    #[error("TXT record is {len} bytes long, more than {limit}")]
    TooLong {
        /// Length of the record.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// A byte that is not US-ASCII (§3.1: the record is US-ASCII).
    #[error("non-ASCII byte at offset {offset}")]
    NotAscii {
        /// Byte offset.
        offset: usize,
    },
    /// The record does not begin with the case-sensitive `v=STSv1` (§3.1, docs/CONFORMANCE.md#d2).
    #[error("not an MTA-STS record: it must begin with \"v=STSv1\"")]
    NotStsRecord,
    /// Something other than `;` where a field delimiter must be.
    #[error("expected ';' at offset {offset}")]
    ExpectedDelimiter {
        /// Byte offset.
        offset: usize,
    },
    /// An empty field (`;;`) (§3.1).
    #[error("empty field at offset {offset}")]
    EmptyField {
        /// Byte offset.
        offset: usize,
    },
    /// A field name that is not `sts-ext-name`, or a field without `=`.
    #[error("invalid field name at offset {offset}")]
    InvalidFieldName {
        /// Byte offset.
        offset: usize,
    },
    /// A field value that is empty or holds `=`, a control character or a non-printable.
    #[error("invalid value for field {field:?} at offset {offset}")]
    InvalidValue {
        /// The field name.
        field: String,
        /// Byte offset of the value.
        offset: usize,
    },
    /// An `id` that is not 1 to 32 letters and digits (§3.1).
    #[error("invalid id {value:?}: it must be 1 to {STS_ID_MAX_LEN} letters and digits")]
    InvalidId {
        /// The id as given.
        value: String,
    },
    /// No `id` field (§3.1: "sts-id record is required").
    #[error("missing id field")]
    MissingId,
}

/// Why no `_mta-sts` record could be selected from a TXT RRset (RFC 8461 §3.1).
///
/// Every variant means "no available policy" from DNS; a valid cached policy stays
/// in force (§3.1, §5.1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordSelectError {
    /// No record begins with `v=STSv1`.
    #[error("no MTA-STS TXT record")]
    NoRecord,
    /// More than one record begins with `v=STSv1` (§3.1: exactly one is required).
    #[error("{count} MTA-STS TXT records, exactly one is required")]
    MultipleRecords {
        /// How many records begin with `v=STSv1`.
        count: usize,
    },
    /// The RRset holds more than [`MAX_TXT_RECORDS`](crate::limits::MAX_TXT_RECORDS) records.
    #[error("TXT RRset of more than {limit} records")]
    TooManyRecords {
        /// The limit.
        limit: usize,
    },
    /// The one MTA-STS record is invalid.
    #[error("invalid MTA-STS TXT record: {0}")]
    Invalid(#[from] RecordError),
}

impl StsRecord {
    /// Parses one TXT record (its character-strings already joined).
    pub fn parse(record: &str) -> Result<Self, RecordError> {
        if record.len() > MAX_TXT_RECORD_LEN {
            return Err(RecordError::TooLong {
                len: record.len(),
                limit: MAX_TXT_RECORD_LEN,
            });
        }
        if !record.is_ascii() {
            let offset = record
                .bytes()
                .position(|b| !b.is_ascii())
                .unwrap_or_default();
            return Err(RecordError::NotAscii { offset });
        }
        let rest = record
            .strip_prefix(VERSION)
            .ok_or(RecordError::NotStsRecord)?;
        let mut cur = Cursor {
            s: record,
            pos: VERSION.len(),
        };
        if !matches!(rest.as_bytes().first(), None | Some(b' ' | b'\t' | b';')) {
            return Err(RecordError::NotStsRecord);
        }

        let mut id: Option<RecordId> = None;
        let mut extensions: Vec<Extension> = Vec::new();
        let mut warnings = Vec::new();
        let mut first = true;
        loop {
            let ws = cur.skip_wsp();
            if cur.at_end() {
                if ws > 0 && !first {
                    warnings.push(RecordWarning::TrailingWhitespace);
                }
                break;
            }
            if !cur.eat(b';') {
                return Err(RecordError::ExpectedDelimiter { offset: cur.pos });
            }
            if ws > 0 && first {
                warnings.push(RecordWarning::WhitespaceBeforeFirstDelimiter);
            }
            first = false;
            cur.skip_wsp();
            if cur.at_end() {
                break; // trailing delimiter
            }
            if cur.peek() == Some(b';') {
                return Err(RecordError::EmptyField { offset: cur.pos });
            }
            let (name, value) = cur.field()?;
            match name {
                "id" => {
                    if id.is_some() {
                        warnings.push(RecordWarning::DuplicateField {
                            name: name.to_owned(),
                        });
                    } else if let Some(valid) = RecordId::new(value) {
                        id = Some(valid);
                    } else {
                        return Err(RecordError::InvalidId {
                            value: value.to_owned(),
                        });
                    }
                }
                "v" => warnings.push(RecordWarning::DuplicateField {
                    name: name.to_owned(),
                }),
                _ if extensions.iter().any(|e| e.name() == name) => {
                    warnings.push(RecordWarning::DuplicateField {
                        name: name.to_owned(),
                    });
                }
                _ => extensions.push(Extension::new(name, value)),
            }
        }
        let id = id.ok_or(RecordError::MissingId)?;
        Ok(Self {
            id,
            extensions,
            warnings,
        })
    }

    /// Selects and parses the `_mta-sts` record from a TXT RRset (RFC 8461 §3.1).
    ///
    /// Each record is given as its list of character-strings (as resolvers return
    /// them, e.g. hickory's `TXT::txt_data`); they are joined **without** separator
    /// (§3.1: "concatenated together without adding spaces"). Records that do not begin
    /// with `v=STSv1` (followed by `;`, whitespace or the end) are discarded; exactly
    /// one must remain.
    ///
    /// ```
    /// use mta_sts_core::{RecordSelectError, StsRecord};
    ///
    /// let rrset: [&[&str]; 2] = [&["v=spf1 -all"], &["v=STSv1; id=2016", "0831085700Z;"]];
    /// let r = StsRecord::from_txt_records(rrset)?;
    /// assert_eq!(r.id(), "20160831085700Z");
    ///
    /// let two: [&[&str]; 2] = [&["v=STSv1; id=1"], &["v=STSv1; id=2"]];
    /// assert_eq!(StsRecord::from_txt_records(two), Err(RecordSelectError::MultipleRecords { count: 2 }));
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
        Ok(parse_joined(&record)?)
    }

    /// The policy instance id (§3.1). Compare ids only for equality.
    pub fn id(&self) -> &str {
        self.id.as_str()
    }

    /// Extension fields, in the order they appeared (first occurrence of each name).
    pub fn extensions(&self) -> &[Extension] {
        &self.extensions
    }

    /// The tolerated deviations found while parsing.
    pub fn warnings(&self) -> &[RecordWarning] {
        &self.warnings
    }
}

fn parse_joined(record: &JoinedRecord) -> Result<StsRecord, RecordError> {
    if record.is_too_long() {
        return Err(RecordError::TooLong {
            len: record.len(),
            limit: MAX_TXT_RECORD_LEN,
        });
    }
    match std::str::from_utf8(record.bytes()) {
        Ok(s) => StsRecord::parse(s),
        Err(e) => Err(RecordError::NotAscii {
            offset: e.valid_up_to(),
        }),
    }
}

/// An `id` value: 1 to 32 letters and digits (§3.1), kept inline so that parsing a
/// record allocates nothing for it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct RecordId {
    len: u8,
    bytes: [u8; STS_ID_MAX_LEN],
}

impl RecordId {
    /// `value` if it is a valid id.
    fn new(value: &str) -> Option<Self> {
        let src = value.as_bytes();
        if src.is_empty()
            || src.len() > STS_ID_MAX_LEN
            || !src.iter().all(|&b| chars::is(b, chars::ALNUM))
        {
            return None;
        }
        let mut bytes = [0u8; STS_ID_MAX_LEN];
        bytes.get_mut(..src.len())?.copy_from_slice(src);
        Some(Self {
            len: u8::try_from(src.len()).ok()?,
            bytes,
        })
    }

    fn as_str(&self) -> &str {
        // Letters and digits only, so always UTF-8.
        std::str::from_utf8(self.bytes.get(..usize::from(self.len)).unwrap_or_default())
            .unwrap_or_default()
    }
}

impl fmt::Debug for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// A byte cursor over a record already known to be ASCII.
struct Cursor<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.s.as_bytes().get(self.pos..).unwrap_or_default()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes().first().copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn skip_wsp(&mut self) -> usize {
        let n = self
            .bytes()
            .iter()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .count();
        self.pos += n;
        n
    }

    /// `name "=" value`: the name's characters, `=`, then the value's characters up to
    /// WSP, `;` or the end, all in one pass.
    fn field(&mut self) -> Result<(&'a str, &'a str), RecordError> {
        let start = self.pos;
        let bytes = self.bytes();
        let name_len = bytes
            .iter()
            .take_while(|&&b| chars::is(b, chars::EXT_NAME))
            .count();
        let name = self.s.get(start..start + name_len).unwrap_or_default();
        if bytes.get(name_len) != Some(&b'=') || !is_ext_name(name) {
            return Err(RecordError::InvalidFieldName { offset: start });
        }
        let value_start = start + name_len + 1;
        let after_eq = bytes.get(name_len + 1..).unwrap_or_default();
        let value_len = after_eq
            .iter()
            .take_while(|&&b| chars::is(b, chars::TXT_VALUE))
            .count();
        let ends_well = matches!(after_eq.get(value_len), None | Some(b' ' | b'\t' | b';'));
        if value_len == 0 || !ends_well {
            return Err(RecordError::InvalidValue {
                field: name.to_owned(),
                offset: value_start,
            });
        }
        self.pos = value_start + value_len;
        Ok((name, self.s.get(value_start..self.pos).unwrap_or_default()))
    }
}

impl PartialEq for StsRecord {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id && self.extensions == other.extensions
    }
}

impl Eq for StsRecord {}

impl FromStr for StsRecord {
    type Err = RecordError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for StsRecord {
    /// The canonical form: `v=STSv1; id=<id>;` then `<name>=<value>;` per extension.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{VERSION}; id={};", self.id.as_str())?;
        for e in &self.extensions {
            write!(f, " {e};")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> StsRecord {
        StsRecord::parse(s).unwrap_or_else(|e| panic!("{s:?}: {e}"))
    }

    fn select(rrset: &[&[&str]]) -> Result<StsRecord, RecordSelectError> {
        StsRecord::from_txt_records(rrset.iter().map(|r| r.iter()))
    }

    #[test]
    fn edge_case_01_trailing_delimiter() {
        let r = ok("v=STSv1; id=20160831085700Z;");
        assert_eq!(r.id(), "20160831085700Z");
        assert!(r.warnings().is_empty());
    }

    #[test]
    fn edge_case_02_no_spaces() {
        assert_eq!(ok("v=STSv1;id=abc").id(), "abc");
    }

    #[test]
    fn edge_case_03_wsp_around_delimiters() {
        let r = ok("v=STSv1; \t id=abc \t;");
        assert_eq!(r.id(), "abc");
        assert!(r.warnings().is_empty());
    }

    #[test]
    fn edge_case_04_non_sts_records_discarded() {
        assert_eq!(
            select(&[&["v=spf1 -all"], &["v=STSv1; id=1"]])
                .unwrap()
                .id(),
            "1"
        );
    }

    #[test]
    fn edge_case_05_two_records_no_policy() {
        assert_eq!(
            select(&[&["v=STSv1; id=1"], &["v=STSv1; id=2"]]),
            Err(RecordSelectError::MultipleRecords { count: 2 })
        );
    }

    #[test]
    fn edge_case_06_space_before_first_delimiter_accepted_with_warning() {
        // docs/CONFORMANCE.md#d1 (erratum 6285).
        let r = ok("v=STSv1 ; id=1");
        assert_eq!(r.id(), "1");
        assert_eq!(
            r.warnings(),
            [RecordWarning::WhitespaceBeforeFirstDelimiter]
        );
        assert_eq!(select(&[&["v=STSv1 ; id=1"]]).unwrap().id(), "1");
    }

    #[test]
    fn edge_case_07_version_is_case_sensitive() {
        // docs/CONFORMANCE.md#d2: not an MTA-STS record at all.
        assert_eq!(
            StsRecord::parse("V=STSv1; id=1"),
            Err(RecordError::NotStsRecord)
        );
        assert_eq!(
            StsRecord::parse("v=stsv1; id=1"),
            Err(RecordError::NotStsRecord)
        );
        assert_eq!(
            select(&[&["v=stsv1; id=1"]]),
            Err(RecordSelectError::NoRecord)
        );
    }

    #[test]
    fn edge_case_08_missing_id() {
        for s in ["v=STSv1", "v=STSv1;", "v=STSv1; ext=1", "v=STSv1; ID=1"] {
            assert_eq!(StsRecord::parse(s), Err(RecordError::MissingId), "{s}");
        }
        assert_eq!(
            select(&[&["v=STSv1"]]),
            Err(RecordSelectError::Invalid(RecordError::MissingId))
        );
    }

    #[test]
    fn edge_case_09_id_charset() {
        for s in [
            "v=STSv1; id=2024-05-01",
            "v=STSv1; id=2024.1",
            "v=STSv1; id=a_b",
            "v=STSv1; id=a:b",
        ] {
            assert!(
                matches!(StsRecord::parse(s), Err(RecordError::InvalidId { .. })),
                "{s}"
            );
        }
    }

    #[test]
    fn edge_case_10_id_length() {
        let id32 = "a".repeat(32);
        assert_eq!(ok(&format!("v=STSv1; id={id32}")).id(), id32);
        let id33 = "a".repeat(33);
        assert!(matches!(
            StsRecord::parse(&format!("v=STSv1; id={id33}")),
            Err(RecordError::InvalidId { .. })
        ));
    }

    #[test]
    fn edge_case_11_unknown_extension_kept_and_ignored() {
        let r = ok("v=STSv1; id=a; foo=bar");
        assert_eq!(r.id(), "a");
        assert_eq!(r.extensions(), [Extension::new("foo", "bar")]);
    }

    #[test]
    fn edge_case_12_equals_in_extension_value() {
        assert!(matches!(
            StsRecord::parse("v=STSv1; id=a; foo=a=b"),
            Err(RecordError::InvalidValue { .. })
        ));
    }

    #[test]
    fn edge_case_13_empty_fields() {
        assert!(matches!(
            StsRecord::parse("v=STSv1; id=a;;"),
            Err(RecordError::EmptyField { .. })
        ));
        assert!(matches!(
            StsRecord::parse("v=STSv1;; id=a"),
            Err(RecordError::EmptyField { .. })
        ));
    }

    #[test]
    fn edge_case_14_first_id_wins() {
        let r = ok("v=STSv1; id=1; id=2");
        assert_eq!(r.id(), "1");
        assert_eq!(
            r.warnings(),
            [RecordWarning::DuplicateField { name: "id".into() }]
        );
    }

    #[test]
    fn edge_case_15_character_strings_joined_without_separator() {
        let r = select(&[&["v=STSv1; id=2016", "0831085700Z;"]]).unwrap();
        assert_eq!(r.id(), "20160831085700Z");
    }

    #[test]
    fn edge_case_16_leading_space_discarded() {
        assert_eq!(
            StsRecord::parse(" v=STSv1; id=1"),
            Err(RecordError::NotStsRecord)
        );
        assert_eq!(
            select(&[&[" v=STSv1; id=1"]]),
            Err(RecordSelectError::NoRecord)
        );
    }

    #[test]
    fn edge_case_17_trailing_space_accepted_with_warning() {
        // docs/CONFORMANCE.md#d1.
        let r = ok("v=STSv1; id=1 ");
        assert_eq!(r.id(), "1");
        assert_eq!(r.warnings(), [RecordWarning::TrailingWhitespace]);
    }

    #[test]
    fn other_malformed_records() {
        assert_eq!(
            StsRecord::parse("v=STSv1x; id=1"),
            Err(RecordError::NotStsRecord)
        );
        assert_eq!(
            StsRecord::parse("v=STSv1 id=1"),
            Err(RecordError::ExpectedDelimiter { offset: 8 })
        );
        assert!(matches!(
            StsRecord::parse("v=STSv1; id"),
            Err(RecordError::InvalidFieldName { .. })
        ));
        assert!(matches!(
            StsRecord::parse("v=STSv1; _x=1; id=1"),
            Err(RecordError::InvalidFieldName { .. })
        ));
        assert!(matches!(
            StsRecord::parse("v=STSv1; id="),
            Err(RecordError::InvalidValue { .. })
        ));
        assert_eq!(
            StsRecord::parse("v=STSv1; id=é"),
            Err(RecordError::NotAscii { offset: 12 })
        );
        assert!(matches!(
            StsRecord::parse("v=STSv1; id=1; x=\u{1}"),
            Err(RecordError::InvalidValue { .. })
        ));
        let long = format!("v=STSv1; id=1; x={}", "a".repeat(MAX_TXT_RECORD_LEN));
        assert!(matches!(
            StsRecord::parse(&long),
            Err(RecordError::TooLong { .. })
        ));
    }

    #[test]
    fn selection_bounds() {
        let many: Vec<[&str; 1]> = vec![["v=spf1"]; crate::limits::MAX_TXT_RECORDS + 1];
        assert_eq!(
            StsRecord::from_txt_records(many),
            Err(RecordSelectError::TooManyRecords {
                limit: crate::limits::MAX_TXT_RECORDS
            })
        );
        let huge = "a".repeat(70_000);
        let r = StsRecord::from_txt_records([["v=STSv1; id=1; x=", huge.as_str()]]);
        assert!(matches!(
            r,
            Err(RecordSelectError::Invalid(RecordError::TooLong { .. }))
        ));
        let binary: [&[u8]; 1] = [b"v=STSv1; id=\xff"];
        assert!(matches!(
            StsRecord::from_txt_records([binary]),
            Err(RecordSelectError::Invalid(RecordError::NotAscii { .. }))
        ));
        assert_eq!(
            StsRecord::from_txt_records(Vec::<Vec<&str>>::new()),
            Err(RecordSelectError::NoRecord)
        );
    }

    #[test]
    fn display_is_canonical_and_round_trips() {
        let r = ok("v=STSv1 ;id=abc;foo=bar ; x.y=1 ");
        assert_eq!(r.to_string(), "v=STSv1; id=abc; foo=bar; x.y=1;");
        assert_eq!(ok(&r.to_string()), r);
        assert!(ok(&r.to_string()).warnings().is_empty());
    }
}
