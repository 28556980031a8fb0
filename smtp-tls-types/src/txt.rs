//! The building blocks of the two tag-value TXT records, `_mta-sts`
//! ([RFC 8461 §3.1](https://www.rfc-editor.org/rfc/rfc8461#section-3.1)) and `_smtp._tls`
//! ([RFC 8460 §3](https://www.rfc-editor.org/rfc/rfc8460#section-3)).
//!
//! Both records are `v=<version>` then `;`-separated `name=value` fields, published as a
//! TXT RRset in which exactly one record must begin with the version. The grammar of
//! extension names and values is the same in both.
//!
//! ```
//! use smtp_tls_types::txt::{self, SelectError};
//!
//! let rrset = [vec!["v=spf1 -all"], vec!["v=STSv1; id=2016", "0831085700Z;"]];
//! let record = txt::select(rrset, "v=STSv1")?;
//! assert_eq!(record.bytes(), b"v=STSv1; id=20160831085700Z;");
//! assert!(!record.is_too_long());
//!
//! let none: [[&str; 1]; 0] = [];
//! assert_eq!(txt::select(none, "v=STSv1"), Err(SelectError::NoRecord));
//! # Ok::<(), SelectError>(())
//! ```

use std::fmt;

use crate::chars;
use crate::limits::{EXT_NAME_MAX_LEN, MAX_TXT_RECORD_LEN, MAX_TXT_RECORDS};

/// An extension field (`name=value` in a TXT record, `name: value` in an MTA-STS
/// policy) that the parsers do not interpret.
///
/// Both RFCs ask parsers to accept unknown fields and ignore them (RFC 8461 §3.2, last
/// paragraph; RFC 8460 §3). They are kept, in the order they appeared, so that checkers
/// can show them and records can be written back.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Extension {
    name: String,
    value: String,
}

impl Extension {
    /// An extension field. The parts are not validated here: a parser only makes
    /// extensions whose name passes [`is_ext_name`], and a record built by hand is
    /// validated when its text is parsed.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
        }
    }

    /// The field name, as written.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The field value, as written (without surrounding whitespace).
    pub fn value(&self) -> &str {
        &self.value
    }
}

impl fmt::Display for Extension {
    /// `name=value`, the TXT record form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.name, self.value)
    }
}

/// Whether `name` is an extension name:
/// `(ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")` (`sts-ext-name`,
/// `sts-policy-ext-name`, `tlsrpt-ext-name`).
///
/// ```
/// use smtp_tls_types::txt::is_ext_name;
///
/// assert!(is_ext_name("foo_bar-baz.q"));
/// assert!(!is_ext_name("_foo"));
/// ```
pub fn is_ext_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    match bytes.split_first() {
        Some((&first, rest)) => {
            chars::is(first, chars::ALNUM)
                && bytes.len() <= EXT_NAME_MAX_LEN
                && rest.iter().all(|&b| chars::is(b, chars::EXT_NAME))
        }
        None => false,
    }
}

/// One TXT record's character-strings joined without separator (RFC 8460 §3 and RFC
/// 8461 §3.1 both read a record this way, after RFC 7208 §3.3), kept only up to one byte
/// past [`MAX_TXT_RECORD_LEN`] so that a huge record costs no memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinedRecord {
    bytes: Vec<u8>,
    len: usize,
}

impl JoinedRecord {
    /// Joins one record's character-strings.
    ///
    /// ```
    /// use smtp_tls_types::txt::JoinedRecord;
    ///
    /// let r = JoinedRecord::join(["v=TLSRPTv1; rua=mailto:a", "@example.com"]);
    /// assert_eq!(r.bytes(), b"v=TLSRPTv1; rua=mailto:a@example.com");
    /// let huge = JoinedRecord::join(vec![vec![b'a'; 5000]; 3]);
    /// assert!(huge.is_too_long());
    /// assert_eq!(huge.len(), 15_000);
    /// ```
    pub fn join<S: AsRef<[u8]>>(strings: impl IntoIterator<Item = S>) -> Self {
        let mut bytes = Vec::new();
        let mut len = 0usize;
        for s in strings {
            let s = s.as_ref();
            len = len.saturating_add(s.len());
            let room = (MAX_TXT_RECORD_LEN + 1).saturating_sub(bytes.len());
            bytes.extend_from_slice(s.get(..room.min(s.len())).unwrap_or_default());
        }
        Self { bytes, len }
    }

    /// The joined record, or its first [`MAX_TXT_RECORD_LEN`] + 1 bytes when it is
    /// longer.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The length of the whole joined record, in bytes (saturating).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the record is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether the record is longer than [`MAX_TXT_RECORD_LEN`].
    pub fn is_too_long(&self) -> bool {
        self.len > MAX_TXT_RECORD_LEN
    }

    /// Whether the record begins with `version` (see [`begins_with_version`]).
    pub fn begins_with_version(&self, version: &str) -> bool {
        begins_with_version(&self.bytes, version)
    }
}

/// Whether `record` begins with `version`, read as both RFCs' selection rule: the version
/// tag followed by the end of the record, by `;`, or by whitespace (RFC 8461 erratum 6285
/// allows whitespace before the first `;`; the parsers decide what may follow it).
///
/// ```
/// use smtp_tls_types::txt::begins_with_version;
///
/// assert!(begins_with_version(b"v=TLSRPTv1 ;rua=mailto:a@example.com", "v=TLSRPTv1"));
/// assert!(!begins_with_version(b"v=TLSRPTv10;rua=mailto:a@example.com", "v=TLSRPTv1"));
/// ```
pub fn begins_with_version(record: &[u8], version: &str) -> bool {
    match record.strip_prefix(version.as_bytes()) {
        Some(rest) => matches!(rest.first(), None | Some(b';' | b' ' | b'\t')),
        None => false,
    }
}

/// Why a TXT RRset holds no single record of the wanted version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SelectError {
    /// No record begins with the version.
    NoRecord,
    /// More than one record begins with the version; both RFCs then treat the domain
    /// as not implementing the protocol (RFC 8461 §3.1, RFC 8460 §3).
    MultipleRecords {
        /// How many records begin with the version.
        count: usize,
    },
    /// The RRset has more than [`MAX_TXT_RECORDS`] records.
    TooManyRecords {
        /// The limit.
        limit: usize,
    },
}

impl fmt::Display for SelectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoRecord => f.write_str("no record begins with the version tag"),
            Self::MultipleRecords { count } => {
                write!(
                    f,
                    "{count} records begin with the version tag; exactly one is required"
                )
            }
            Self::TooManyRecords { limit } => write!(f, "TXT RRset of more than {limit} records"),
        }
    }
}

impl std::error::Error for SelectError {}

/// Selects the one record of a TXT RRset that begins with `version`.
///
/// Each item is one TXT record given as its list of character-strings. Records that do
/// not begin with the version are discarded; exactly one must remain. At most
/// [`MAX_TXT_RECORDS`] records are examined; the selected one is returned even when it is
/// too long, for the parser to report (see [`JoinedRecord::is_too_long`]).
pub fn select<R, S>(
    rrset: impl IntoIterator<Item = R>,
    version: &str,
) -> Result<JoinedRecord, SelectError>
where
    R: IntoIterator<Item = S>,
    S: AsRef<[u8]>,
{
    let mut selected = None;
    let mut count = 0usize;
    for (n, record) in rrset.into_iter().enumerate() {
        if n >= MAX_TXT_RECORDS {
            return Err(SelectError::TooManyRecords {
                limit: MAX_TXT_RECORDS,
            });
        }
        let joined = JoinedRecord::join(record);
        if !joined.begins_with_version(version) {
            continue;
        }
        count += 1;
        if selected.is_none() {
            selected = Some(joined);
        }
    }
    match (count, selected) {
        (1, Some(record)) => Ok(record),
        (0, _) | (_, None) => Err(SelectError::NoRecord),
        (count, Some(_)) => Err(SelectError::MultipleRecords { count }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ext_name_grammar() {
        for ok in ["a", "A1", "foo_bar-baz.q", &"a".repeat(32)] {
            assert!(is_ext_name(ok), "{ok}");
        }
        for bad in ["", "_a", "-a", ".a", "a b", "a=b", &"a".repeat(33), "é"] {
            assert!(!is_ext_name(bad), "{bad}");
        }
    }

    #[test]
    fn join_keeps_one_byte_past_the_limit() {
        let r = JoinedRecord::join([vec![b'x'; MAX_TXT_RECORD_LEN], vec![b'y'; 10]]);
        assert_eq!(r.bytes().len(), MAX_TXT_RECORD_LEN + 1);
        assert_eq!(r.len(), MAX_TXT_RECORD_LEN + 10);
        assert!(r.is_too_long());
        let exact = JoinedRecord::join([vec![b'x'; MAX_TXT_RECORD_LEN]]);
        assert!(!exact.is_too_long());
        assert!(JoinedRecord::join::<&[u8]>([]).is_empty());
    }

    #[test]
    fn version_is_followed_by_a_delimiter_whitespace_or_the_end() {
        let begins = |s: &str| JoinedRecord::join([s]).begins_with_version("v=STSv1");
        assert!(begins("v=STSv1"));
        assert!(begins("v=STSv1;id=1"));
        assert!(begins("v=STSv1 ;id=1"));
        assert!(begins("v=STSv1\t"));
        assert!(!begins("v=STSv10;id=1"));
        assert!(!begins("V=STSv1;id=1"));
        assert!(!begins(" v=STSv1;id=1"));
    }

    #[test]
    fn rfc8461_s3_1_exactly_one_record_is_selected() {
        let one = select([["v=spf1 -all"], ["v=STSv1; id=1"]], "v=STSv1").unwrap();
        assert_eq!(one.bytes(), b"v=STSv1; id=1");
        assert_eq!(
            select([["v=STSv1; id=1"], ["v=STSv1; id=2"], ["x"]], "v=STSv1"),
            Err(SelectError::MultipleRecords { count: 2 })
        );
        assert_eq!(select([["v=spf1"]], "v=STSv1"), Err(SelectError::NoRecord));
        let many = vec![["x"]; MAX_TXT_RECORDS + 1];
        assert_eq!(
            select(many, "v=STSv1"),
            Err(SelectError::TooManyRecords {
                limit: MAX_TXT_RECORDS
            })
        );
    }

    #[test]
    fn a_too_long_record_is_still_selected() {
        let long = [format!("v=TLSRPTv1;{}", "a".repeat(MAX_TXT_RECORD_LEN))];
        let r = select([long], "v=TLSRPTv1").unwrap();
        assert!(r.is_too_long());
    }
}
