//! `mta_sts_status`: the one status code every fallible function returns.

use std::ffi::{CStr, c_char};

use mta_sts_core::{
    CacheEntryError, DomainError, MxPatternError, PolicyError, RecordError, RecordSelectError,
};

use crate::boundary::value_boundary;

/// The result of every fallible function of this library.
///
/// Numbers are stable: a code is never renumbered or reused, and a retired code stays
/// below as a comment. They are grouped in ranges:
///
/// | range | meaning |
/// |---|---|
/// | 0 | success |
/// | 1 to 99 | misuse of the C API (NULL, bad UTF-8, index out of range, ...) and internal errors |
/// | 1000 to 1099 | the `_mta-sts` TXT record is invalid (RFC 8461 §3.1; `RecordError`) |
/// | 1100 to 1199 | no single `_mta-sts` record in the TXT RRset (RFC 8461 §3.1; `RecordSelectError`) |
/// | 1200 to 1299 | the policy file is invalid (RFC 8461 §3.2; `PolicyError`) |
/// | 1300 to 1399 | an `mx` pattern is invalid (RFC 8461 §3.2, §4.1; `MxPatternError`) |
/// | 1400 to 1499 | a name is not a valid Policy Domain (RFC 8461 §3.4; `DomainError`) |
/// | 1500 to 1599 | a cache entry or its JSON record is invalid (`CacheEntryError`) |
/// | 1600 to 1699 | certificate validation setup (RFC 8461 §4.2) |
/// | 1700 to 2999 | reserved for the remaining `mta-sts-core` errors (fetch, discovery, DNS) |
/// | 3000 to 3999 | reserved for `tls-rpt-core` errors |
///
/// The last code of each core range (`*_OTHER`) stands for an error that a newer core
/// library added and this version of the C API does not name yet.
///
/// `mta_sts_status_str()` gives a short static description of each code.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum mta_sts_status {
    /// Success.
    Ok = 0,
    /// A pointer argument was NULL (a `(data, len)` pair may be NULL only when `len` is 0).
    NullParameter = 1,
    /// An internal error (a bug in this library) was caught at the C boundary.
    Panic = 2,
    /// A text argument is not valid UTF-8.
    InvalidUtf8 = 3,
    /// An index argument is not below the matching `_count`.
    IndexOutOfRange = 4,
    /// A length argument describes more than `PTRDIFF_MAX` bytes.
    LengthTooLarge = 5,
    /// A pointer argument is not aligned for its type.
    MisalignedPointer = 6,
    /// The core library returned a value this version of the C API has no code for.
    Unmapped = 7,

    /// The TXT record is longer than the library's limit (4096 bytes).
    RecordTooLong = 1000,
    /// The TXT record holds a byte that is not US-ASCII (RFC 8461 §3.1).
    RecordNotAscii = 1001,
    /// The TXT record does not begin with `v=STSv1` (RFC 8461 §3.1).
    RecordNotStsRecord = 1002,
    /// The TXT record has something other than `;` where a field delimiter must be.
    RecordExpectedDelimiter = 1003,
    /// The TXT record has an empty field (`;;`).
    RecordEmptyField = 1004,
    /// The TXT record has an invalid field name, or a field without `=`.
    RecordInvalidFieldName = 1005,
    /// A TXT record field value is empty or holds a forbidden character.
    RecordInvalidValue = 1006,
    /// The `id` is not 1 to 32 letters and digits (RFC 8461 §3.1).
    RecordInvalidId = 1007,
    /// The TXT record has no `id` field (RFC 8461 §3.1).
    RecordMissingId = 1008,
    /// The TXT record is invalid for a reason this version does not name.
    RecordOther = 1099,

    /// No TXT record of the RRset begins with `v=STSv1`: no policy (RFC 8461 §3.1).
    SelectNoRecord = 1100,
    /// More than one TXT record begins with `v=STSv1`: no policy (RFC 8461 §3.1).
    SelectMultipleRecords = 1101,
    /// The TXT RRset holds more records than the library's limit (64).
    SelectTooManyRecords = 1102,
    /// No record could be selected for a reason this version does not name.
    SelectOther = 1199,

    /// The policy body is larger than the library's limit (64 KiB, RFC 8461 §3.3).
    PolicyTooLarge = 1200,
    /// A policy line is not valid UTF-8.
    PolicyNotUtf8 = 1201,
    /// A non-blank policy line has no `:`.
    PolicyMissingColon = 1202,
    /// A policy field name is invalid.
    PolicyInvalidKey = 1203,
    /// A policy value holds a control character.
    PolicyControlCharacter = 1204,
    /// `version` is not `STSv1` (RFC 8461 §3.2).
    PolicyUnsupportedVersion = 1205,
    /// `mode` is not `enforce`, `testing` or `none` (RFC 8461 §3.2).
    PolicyUnknownMode = 1206,
    /// `max_age` is not 1 to 10 digits (RFC 8461 §3.2).
    PolicyInvalidMaxAge = 1207,
    /// An `mx` value is not a valid pattern (RFC 8461 §3.2).
    PolicyInvalidMx = 1208,
    /// The policy has more `mx` lines than the library's limit.
    PolicyTooManyMx = 1209,
    /// `version`, `mode` or `max_age` is missing (RFC 8461 §3.2).
    PolicyMissingField = 1210,
    /// Mode `enforce` or `testing` without any `mx` line (RFC 8461 §3.2).
    PolicyMissingMx = 1211,
    /// The policy is invalid for a reason this version does not name.
    PolicyOther = 1299,

    /// The `mx` pattern is empty.
    MxEmpty = 1300,
    /// The `mx` pattern is longer than a domain name can be (253 bytes).
    MxTooLong = 1301,
    /// The `mx` pattern has an empty label.
    MxEmptyLabel = 1302,
    /// An `mx` pattern label is longer than 63 bytes.
    MxLabelTooLong = 1303,
    /// An `mx` pattern label starts or ends with a hyphen.
    MxHyphenAtLabelEdge = 1304,
    /// The `mx` pattern holds a character other than a letter, digit, hyphen or dot.
    MxInvalidCharacter = 1305,
    /// The `*` of the `mx` pattern is not the whole left-most label.
    MxInvalidWildcard = 1306,
    /// The `mx` pattern is not ASCII (write A-labels, RFC 8461 §3.2).
    MxNotAscii = 1307,
    /// The `mx` pattern is an IP address.
    MxIpAddress = 1308,
    /// The `mx` pattern is invalid for a reason this version does not name.
    MxOther = 1399,

    /// The domain name is empty.
    DomainEmpty = 1400,
    /// An address literal (`[192.0.2.1]`) or IP address: no policy applies (RFC 8461 §3.4).
    DomainAddressLiteral = 1401,
    /// The domain name cannot be converted to A-labels (IDNA, UTS #46).
    DomainIdna = 1402,
    /// A label of the domain name is empty, too long, or not letters, digits and hyphens.
    DomainInvalidLabel = 1403,
    /// The domain name is too long once `mta-sts.` is prepended (253 bytes).
    DomainTooLong = 1404,
    /// The domain name is invalid for a reason this version does not name.
    DomainOther = 1499,

    /// The cache record has another `format` than 1.
    CacheUnsupportedFormat = 1500,
    /// The cache record's domain is not in normalized form (lowercase A-labels, no dot).
    CacheDomainNotNormalized = 1501,
    /// The cache entry's policy id is not 1 to 32 letters and digits (RFC 8461 §3.1).
    CacheInvalidId = 1502,
    /// A time of the cache entry is out of range (after 9999-12-31).
    CacheTimeOutOfRange = 1503,
    /// The cache record's `expires_at` is not `fetched_at + max_age`.
    CacheInconsistentExpiry = 1504,
    /// The cache record is not JSON.
    CacheJsonSyntax = 1505,
    /// The cache record is JSON but not a valid record (fields, format, domain, id,
    /// policy or times refused).
    CacheRecordInvalid = 1506,
    /// The cache entry is invalid for a reason this version does not name.
    CacheOther = 1599,

    /// A root certificate cannot be used as a trust anchor (not DER X.509).
    TrustAnchorInvalid = 1600,
}

impl mta_sts_status {
    /// Every code, in numeric order.
    ///
    /// cbindgen:ignore
    pub const ALL: [Self; 60] = [
        Self::Ok,
        Self::NullParameter,
        Self::Panic,
        Self::InvalidUtf8,
        Self::IndexOutOfRange,
        Self::LengthTooLarge,
        Self::MisalignedPointer,
        Self::Unmapped,
        Self::RecordTooLong,
        Self::RecordNotAscii,
        Self::RecordNotStsRecord,
        Self::RecordExpectedDelimiter,
        Self::RecordEmptyField,
        Self::RecordInvalidFieldName,
        Self::RecordInvalidValue,
        Self::RecordInvalidId,
        Self::RecordMissingId,
        Self::RecordOther,
        Self::SelectNoRecord,
        Self::SelectMultipleRecords,
        Self::SelectTooManyRecords,
        Self::SelectOther,
        Self::PolicyTooLarge,
        Self::PolicyNotUtf8,
        Self::PolicyMissingColon,
        Self::PolicyInvalidKey,
        Self::PolicyControlCharacter,
        Self::PolicyUnsupportedVersion,
        Self::PolicyUnknownMode,
        Self::PolicyInvalidMaxAge,
        Self::PolicyInvalidMx,
        Self::PolicyTooManyMx,
        Self::PolicyMissingField,
        Self::PolicyMissingMx,
        Self::PolicyOther,
        Self::MxEmpty,
        Self::MxTooLong,
        Self::MxEmptyLabel,
        Self::MxLabelTooLong,
        Self::MxHyphenAtLabelEdge,
        Self::MxInvalidCharacter,
        Self::MxInvalidWildcard,
        Self::MxNotAscii,
        Self::MxIpAddress,
        Self::MxOther,
        Self::DomainEmpty,
        Self::DomainAddressLiteral,
        Self::DomainIdna,
        Self::DomainInvalidLabel,
        Self::DomainTooLong,
        Self::DomainOther,
        Self::CacheUnsupportedFormat,
        Self::CacheDomainNotNormalized,
        Self::CacheInvalidId,
        Self::CacheTimeOutOfRange,
        Self::CacheInconsistentExpiry,
        Self::CacheJsonSyntax,
        Self::CacheRecordInvalid,
        Self::CacheOther,
        Self::TrustAnchorInvalid,
    ];
}

impl mta_sts_status {
    /// The code with this number, if there is one.
    pub fn from_u32(code: u32) -> Option<Self> {
        Self::ALL.into_iter().find(|s| *s as u32 == code)
    }

    /// A short static description (lower case, no trailing period).
    pub const fn message(self) -> &'static CStr {
        match self {
            Self::Ok => c"success",
            Self::NullParameter => c"a pointer argument was NULL",
            Self::Panic => c"internal error in libmta_sts (caught at the C boundary)",
            Self::InvalidUtf8 => c"a text argument is not valid UTF-8",
            Self::IndexOutOfRange => c"index out of range",
            Self::LengthTooLarge => c"a length argument is too large",
            Self::MisalignedPointer => c"a pointer argument is misaligned",
            Self::Unmapped => c"a value this version of libmta_sts cannot name",
            Self::RecordTooLong => c"TXT record too long",
            Self::RecordNotAscii => c"TXT record is not US-ASCII",
            Self::RecordNotStsRecord => c"TXT record does not begin with \"v=STSv1\"",
            Self::RecordExpectedDelimiter => c"TXT record: expected ';'",
            Self::RecordEmptyField => c"TXT record: empty field",
            Self::RecordInvalidFieldName => c"TXT record: invalid field name",
            Self::RecordInvalidValue => c"TXT record: invalid field value",
            Self::RecordInvalidId => c"TXT record: id must be 1 to 32 letters and digits",
            Self::RecordMissingId => c"TXT record: missing id field",
            Self::RecordOther => c"TXT record: invalid",
            Self::SelectNoRecord => c"no MTA-STS TXT record",
            Self::SelectMultipleRecords => c"more than one MTA-STS TXT record",
            Self::SelectTooManyRecords => c"TXT RRset has too many records",
            Self::SelectOther => c"no MTA-STS TXT record could be selected",
            Self::PolicyTooLarge => c"policy body too large",
            Self::PolicyNotUtf8 => c"policy: line is not valid UTF-8",
            Self::PolicyMissingColon => c"policy: line is not a \"key: value\" field",
            Self::PolicyInvalidKey => c"policy: invalid field name",
            Self::PolicyControlCharacter => c"policy: control character in a value",
            Self::PolicyUnsupportedVersion => c"policy: version is not \"STSv1\"",
            Self::PolicyUnknownMode => c"policy: unknown mode",
            Self::PolicyInvalidMaxAge => c"policy: invalid max_age",
            Self::PolicyInvalidMx => c"policy: invalid mx pattern",
            Self::PolicyTooManyMx => c"policy: too many mx fields",
            Self::PolicyMissingField => c"policy: missing required field",
            Self::PolicyMissingMx => c"policy: mode enforce or testing requires an mx field",
            Self::PolicyOther => c"policy: invalid",
            Self::MxEmpty => c"mx pattern: empty",
            Self::MxTooLong => c"mx pattern: too long",
            Self::MxEmptyLabel => c"mx pattern: empty label",
            Self::MxLabelTooLong => c"mx pattern: label too long",
            Self::MxHyphenAtLabelEdge => c"mx pattern: label starts or ends with a hyphen",
            Self::MxInvalidCharacter => c"mx pattern: invalid character",
            Self::MxInvalidWildcard => c"mx pattern: wildcard must be the whole left-most label",
            Self::MxNotAscii => c"mx pattern: not ASCII (use A-labels)",
            Self::MxIpAddress => c"mx pattern: an IP address, not a host name",
            Self::MxOther => c"mx pattern: invalid",
            Self::DomainEmpty => c"domain: empty name",
            Self::DomainAddressLiteral => c"domain: an address literal has no policy domain",
            Self::DomainIdna => c"domain: cannot be converted to A-labels",
            Self::DomainInvalidLabel => c"domain: invalid label",
            Self::DomainTooLong => c"domain: name too long",
            Self::DomainOther => c"domain: invalid",
            Self::CacheUnsupportedFormat => c"cache record: unsupported format",
            Self::CacheDomainNotNormalized => c"cache record: domain not normalized",
            Self::CacheInvalidId => c"cache entry: invalid policy id",
            Self::CacheTimeOutOfRange => c"cache entry: time out of range",
            Self::CacheInconsistentExpiry => {
                c"cache record: expires_at is not fetched_at + max_age"
            }
            Self::CacheJsonSyntax => c"cache record: not JSON",
            Self::CacheRecordInvalid => c"cache record: invalid record",
            Self::CacheOther => c"cache entry: invalid",
            Self::TrustAnchorInvalid => c"a root certificate cannot be used as a trust anchor",
        }
    }
}

impl From<&RecordError> for mta_sts_status {
    fn from(e: &RecordError) -> Self {
        match e {
            RecordError::TooLong { .. } => Self::RecordTooLong,
            RecordError::NotAscii { .. } => Self::RecordNotAscii,
            RecordError::NotStsRecord => Self::RecordNotStsRecord,
            RecordError::ExpectedDelimiter { .. } => Self::RecordExpectedDelimiter,
            RecordError::EmptyField { .. } => Self::RecordEmptyField,
            RecordError::InvalidFieldName { .. } => Self::RecordInvalidFieldName,
            RecordError::InvalidValue { .. } => Self::RecordInvalidValue,
            RecordError::InvalidId { .. } => Self::RecordInvalidId,
            RecordError::MissingId => Self::RecordMissingId,
            _ => Self::RecordOther,
        }
    }
}

impl From<&RecordSelectError> for mta_sts_status {
    /// An invalid selected record gives that record's `Record*` code.
    fn from(e: &RecordSelectError) -> Self {
        match e {
            RecordSelectError::NoRecord => Self::SelectNoRecord,
            RecordSelectError::MultipleRecords { .. } => Self::SelectMultipleRecords,
            RecordSelectError::TooManyRecords { .. } => Self::SelectTooManyRecords,
            RecordSelectError::Invalid(record) => record.into(),
            _ => Self::SelectOther,
        }
    }
}

impl From<&PolicyError> for mta_sts_status {
    fn from(e: &PolicyError) -> Self {
        match e {
            PolicyError::TooLarge { .. } => Self::PolicyTooLarge,
            PolicyError::NotUtf8 { .. } => Self::PolicyNotUtf8,
            PolicyError::MissingColon { .. } => Self::PolicyMissingColon,
            PolicyError::InvalidKey { .. } => Self::PolicyInvalidKey,
            PolicyError::ControlCharacter { .. } => Self::PolicyControlCharacter,
            PolicyError::UnsupportedVersion { .. } => Self::PolicyUnsupportedVersion,
            PolicyError::UnknownMode { .. } => Self::PolicyUnknownMode,
            PolicyError::InvalidMaxAge { .. } => Self::PolicyInvalidMaxAge,
            PolicyError::InvalidMx { .. } => Self::PolicyInvalidMx,
            PolicyError::TooManyMx { .. } => Self::PolicyTooManyMx,
            PolicyError::MissingField { .. } => Self::PolicyMissingField,
            PolicyError::MissingMx { .. } => Self::PolicyMissingMx,
            _ => Self::PolicyOther,
        }
    }
}

impl From<&MxPatternError> for mta_sts_status {
    fn from(e: &MxPatternError) -> Self {
        match e {
            MxPatternError::Empty => Self::MxEmpty,
            MxPatternError::TooLong { .. } => Self::MxTooLong,
            MxPatternError::EmptyLabel => Self::MxEmptyLabel,
            MxPatternError::LabelTooLong { .. } => Self::MxLabelTooLong,
            MxPatternError::HyphenAtLabelEdge { .. } => Self::MxHyphenAtLabelEdge,
            MxPatternError::InvalidCharacter { .. } => Self::MxInvalidCharacter,
            MxPatternError::InvalidWildcard => Self::MxInvalidWildcard,
            MxPatternError::NotAscii { .. } => Self::MxNotAscii,
            MxPatternError::IpAddress { .. } => Self::MxIpAddress,
            _ => Self::MxOther,
        }
    }
}

impl From<&DomainError> for mta_sts_status {
    fn from(e: &DomainError) -> Self {
        match e {
            DomainError::Empty => Self::DomainEmpty,
            DomainError::AddressLiteral => Self::DomainAddressLiteral,
            DomainError::Idna => Self::DomainIdna,
            DomainError::InvalidLabel { .. } => Self::DomainInvalidLabel,
            DomainError::TooLong { .. } => Self::DomainTooLong,
            _ => Self::DomainOther,
        }
    }
}

impl From<&CacheEntryError> for mta_sts_status {
    /// An invalid domain or policy gives its `Domain*` or `Policy*` code.
    fn from(e: &CacheEntryError) -> Self {
        match e {
            CacheEntryError::UnsupportedFormat { .. } => Self::CacheUnsupportedFormat,
            CacheEntryError::Domain(domain) => domain.into(),
            CacheEntryError::DomainNotNormalized { .. } => Self::CacheDomainNotNormalized,
            CacheEntryError::InvalidId => Self::CacheInvalidId,
            CacheEntryError::Policy(policy) => policy.into(),
            CacheEntryError::TimeOutOfRange { .. } => Self::CacheTimeOutOfRange,
            CacheEntryError::InconsistentExpiry { .. } => Self::CacheInconsistentExpiry,
            _ => Self::CacheOther,
        }
    }
}

/// What [`mta_sts_status_str`] says for a number that is no status code.
static UNKNOWN_STATUS: &CStr = c"unknown status code";

/// A static, NUL-terminated description of a status code.
///
/// Takes the code as a plain integer, so any value is safe to pass: an unknown code
/// gives `"unknown status code"`. The string is never freed and never NULL.
///
/// Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_status_str(status: u32) -> *const c_char {
    value_boundary(c"internal error".as_ptr(), || {
        mta_sts_status::from_u32(status)
            .map_or(UNKNOWN_STATUS, mta_sts_status::message)
            .as_ptr()
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use mta_sts_core::Mode;

    use super::*;

    fn record_errors() -> Vec<RecordError> {
        vec![
            RecordError::TooLong {
                len: 5000,
                limit: 4096,
            },
            RecordError::NotAscii { offset: 3 },
            RecordError::NotStsRecord,
            RecordError::ExpectedDelimiter { offset: 8 },
            RecordError::EmptyField { offset: 9 },
            RecordError::InvalidFieldName { offset: 9 },
            RecordError::InvalidValue {
                field: "x".into(),
                offset: 11,
            },
            RecordError::InvalidId { value: "-".into() },
            RecordError::MissingId,
        ]
    }

    fn select_errors() -> Vec<RecordSelectError> {
        vec![
            RecordSelectError::NoRecord,
            RecordSelectError::MultipleRecords { count: 2 },
            RecordSelectError::TooManyRecords { limit: 64 },
        ]
    }

    fn policy_errors() -> Vec<PolicyError> {
        vec![
            PolicyError::TooLarge { len: 1, limit: 0 },
            PolicyError::NotUtf8 { line: 1 },
            PolicyError::MissingColon { line: 1 },
            PolicyError::InvalidKey {
                line: 1,
                key: "?".into(),
            },
            PolicyError::ControlCharacter { line: 1 },
            PolicyError::UnsupportedVersion {
                line: 1,
                value: "STSv2".into(),
            },
            PolicyError::UnknownMode {
                line: 1,
                value: "x".into(),
            },
            PolicyError::InvalidMaxAge {
                line: 1,
                value: "x".into(),
            },
            PolicyError::InvalidMx {
                line: 1,
                value: "".into(),
                source: MxPatternError::Empty,
            },
            PolicyError::TooManyMx { limit: 1 },
            PolicyError::MissingField { field: "mode" },
            PolicyError::MissingMx {
                mode: Mode::Enforce,
            },
        ]
    }

    fn mx_errors() -> Vec<MxPatternError> {
        vec![
            MxPatternError::Empty,
            MxPatternError::TooLong {
                len: 300,
                limit: 253,
            },
            MxPatternError::EmptyLabel,
            MxPatternError::LabelTooLong { len: 64, limit: 63 },
            MxPatternError::HyphenAtLabelEdge { label: "-a".into() },
            MxPatternError::InvalidCharacter { ch: '_' },
            MxPatternError::InvalidWildcard,
            MxPatternError::NotAscii { value: "é".into() },
            MxPatternError::IpAddress {
                value: "192.0.2.1".into(),
            },
        ]
    }

    fn domain_errors() -> Vec<DomainError> {
        vec![
            DomainError::Empty,
            DomainError::AddressLiteral,
            DomainError::Idna,
            DomainError::InvalidLabel { label: "-".into() },
            DomainError::TooLong {
                len: 300,
                limit: 245,
            },
        ]
    }

    /// The variants with a code of their own (`Domain` and `Policy` delegate).
    fn cache_errors() -> Vec<CacheEntryError> {
        vec![
            CacheEntryError::UnsupportedFormat { format: 2 },
            CacheEntryError::DomainNotNormalized {
                domain: "A.example".into(),
            },
            CacheEntryError::InvalidId,
            CacheEntryError::TimeOutOfRange { secs: u64::MAX },
            CacheEntryError::InconsistentExpiry {
                expected: 1,
                found: 2,
            },
        ]
    }

    #[test]
    fn every_mapped_core_error_variant_gets_a_distinct_code() {
        let mut seen: HashMap<mta_sts_status, String> = HashMap::new();
        let mapped = record_errors()
            .iter()
            .map(|e| (mta_sts_status::from(e), format!("{e:?}")))
            .chain(
                select_errors()
                    .iter()
                    .map(|e| (mta_sts_status::from(e), format!("{e:?}"))),
            )
            .chain(
                policy_errors()
                    .iter()
                    .map(|e| (mta_sts_status::from(e), format!("{e:?}"))),
            )
            .chain(
                mx_errors()
                    .iter()
                    .map(|e| (mta_sts_status::from(e), format!("{e:?}"))),
            )
            .chain(
                domain_errors()
                    .iter()
                    .map(|e| (mta_sts_status::from(e), format!("{e:?}"))),
            )
            .chain(
                cache_errors()
                    .iter()
                    .map(|e| (mta_sts_status::from(e), format!("{e:?}"))),
            )
            .collect::<Vec<_>>();
        assert_eq!(mapped.len(), 9 + 3 + 12 + 9 + 5 + 5);
        for (status, variant) in mapped {
            let name = format!("{status:?}");
            assert!(
                status != mta_sts_status::Ok && !name.ends_with("Other") && (status as u32) >= 1000,
                "{variant} maps to {name}"
            );
            if let Some(previous) = seen.insert(status, variant.clone()) {
                panic!("{previous} and {variant} both map to {name}");
            }
        }
    }

    #[test]
    fn codes_sit_in_the_range_of_their_core_enum() {
        for e in record_errors() {
            assert!((1000..1100).contains(&(mta_sts_status::from(&e) as u32)));
        }
        for e in select_errors() {
            assert!((1100..1200).contains(&(mta_sts_status::from(&e) as u32)));
        }
        for e in policy_errors() {
            assert!((1200..1300).contains(&(mta_sts_status::from(&e) as u32)));
        }
        for e in mx_errors() {
            assert!((1300..1400).contains(&(mta_sts_status::from(&e) as u32)));
        }
        for e in domain_errors() {
            assert!((1400..1500).contains(&(mta_sts_status::from(&e) as u32)));
        }
        for e in cache_errors() {
            assert!((1500..1600).contains(&(mta_sts_status::from(&e) as u32)));
        }
    }

    #[test]
    fn rfc8461_s3_1_invalid_selected_record_reports_why_it_is_invalid() {
        let e = RecordSelectError::Invalid(RecordError::MissingId);
        assert_eq!(mta_sts_status::from(&e), mta_sts_status::RecordMissingId);
    }

    #[test]
    fn cache_errors_about_a_domain_or_policy_give_their_code() {
        let domain = CacheEntryError::Domain(DomainError::AddressLiteral);
        assert_eq!(
            mta_sts_status::from(&domain),
            mta_sts_status::DomainAddressLiteral
        );
        let policy = CacheEntryError::Policy(PolicyError::MissingField { field: "mode" });
        assert_eq!(
            mta_sts_status::from(&policy),
            mta_sts_status::PolicyMissingField
        );
    }

    #[test]
    fn all_lists_each_code_once_in_numeric_order() {
        let numbers: Vec<u32> = mta_sts_status::ALL.iter().map(|s| *s as u32).collect();
        assert!(numbers.windows(2).all(|w| w[0] < w[1]), "{numbers:?}");
        for s in mta_sts_status::ALL {
            assert_eq!(mta_sts_status::from_u32(s as u32), Some(s));
        }
        assert_eq!(mta_sts_status::from_u32(999), None);
    }

    #[test]
    fn status_str_is_static_and_total() {
        assert_eq!(
            mta_sts_status_str(1208),
            mta_sts_status::PolicyInvalidMx.message().as_ptr()
        );
        assert_eq!(mta_sts_status_str(u32::MAX), UNKNOWN_STATUS.as_ptr());
        assert_eq!(mta_sts_status_str(999), UNKNOWN_STATUS.as_ptr());
        let mut messages = std::collections::HashSet::new();
        for s in mta_sts_status::ALL {
            assert_eq!(mta_sts_status_str(s as u32), s.message().as_ptr());
            assert!(messages.insert(s.message()), "{s:?} shares its message");
        }
    }
}
