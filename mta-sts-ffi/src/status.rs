//! `mta_sts_status`: the one status code every fallible function returns.

use std::ffi::{CStr, c_char};

use mta_sts_core::{
    CacheEntryError, DomainError, MxPatternError, PolicyError, RecordError, RecordSelectError,
};

use crate::boundary::value_boundary;

use mta_sts_core::dns::{QueryError, ResponseError, Section, TcpFrameError};
use mta_sts_core::{DiscoveryError, FetchError};

use tls_rpt_core::{
    AggregateError, DeliverError, IntakeError, RecordError as RptRecordError,
    RecordSelectError as RptRecordSelectError, ReportError,
};

/// Declares the status enum from one table: each code's doc comment, its stable
/// number and its static message. It makes the `#[repr(u32)]` enum, `ALL` (every code,
/// in table order), `message()`, and `C_DECLARATION`: the plain enum as source text,
/// from which `tests/header.rs` has cbindgen write the C enum (cbindgen does not
/// expand macros).
macro_rules! status_table {
    (
        $(#[$enum_attr:meta])*
        pub enum $name:ident {
            $(
                $(#[$attr:meta])*
                $code:ident = $number:literal => $message:literal,
            )*
        }
    ) => {
        $(#[$enum_attr])*
        #[repr(u32)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$attr])* $code = $number,)*
        }

        impl $name {
            /// Every code, in numeric order.
            pub const ALL: [Self; [$(stringify!($code)),*].len()] = [$(Self::$code),*];

            /// A short static description (lower case, no trailing period).
            pub const fn message(self) -> &'static CStr {
                match self {
                    $(Self::$code => $message,)*
                }
            }

            /// The enum as Rust source for cbindgen (`tests/header.rs`), which reads
            /// source files and cannot see into this macro.
            #[doc(hidden)]
            pub const C_DECLARATION: &'static str = stringify!(
                $(#[$enum_attr])*
                #[repr(u32)]
                pub enum $name {
                    $($(#[$attr])* $code = $number,)*
                }
            );
        }
    };
}

status_table! {
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
    /// | 1700 to 1799 | misuse of the discovery engine and enum arguments |
    /// | 1800 to 1899 | a DNS query or TCP frame cannot be built (`dns::QueryError`, `dns::TcpFrameError`) |
    /// | 1900 to 1999 | a DNS response does not answer the query (1900 to 1949) or is unusable (`dns::ResponseError`) |
    /// | 2000 to 2099 | the policy fetch failed (RFC 8461 §3.3; `FetchError`) |
    /// | 2100 to 2199 | MTA-STS discovery failed (RFC 8461 §3, §5.1; `DiscoveryError`) |
    /// | 2200 to 2999 | reserved for the remaining `mta-sts-core` errors |
    /// | 3000 to 3099 | the `_smtp._tls` TXT record is invalid (RFC 8460 §3; `tls_rpt_core::RecordError`) |
    /// | 3100 to 3199 | no single `_smtp._tls` record in the TXT RRset (RFC 8460 §3) |
    /// | 3200 to 3299 | TLS-RPT aggregation: policies, failure keys, saved state (RFC 8460 §4.4; `AggregateError`) |
    /// | 3300 to 3399 | a TLS-RPT JSON report is invalid (RFC 8460 §4; `ReportError`) |
    /// | 3400 to 3499 | a report delivery format cannot be built (RFC 8460 §5; `DeliverError`) |
    /// | 3500 to 3599 | a report file or e-mail cannot be read (RFC 8460 §5; `IntakeError`) |
    /// | 3600 to 3999 | reserved for the remaining `tls-rpt-core` errors |
    ///
    /// The last code of each core range (`*_OTHER`) stands for an error that a newer core
    /// library added and this version of the C API does not name yet.
    ///
    /// `mta_sts_status_str()` gives a short static description of each code.
    pub enum mta_sts_status {
        /// Success.
        Ok = 0 => c"success",
        /// A pointer argument was NULL (a `(data, len)` pair may be NULL only when `len` is 0).
        NullParameter = 1 => c"a pointer argument was NULL",
        /// An internal error (a bug in this library) was caught at the C boundary.
        Panic = 2 => c"internal error in libmta_sts (caught at the C boundary)",
        /// A text argument is not valid UTF-8.
        InvalidUtf8 = 3 => c"a text argument is not valid UTF-8",
        /// An index argument is not below the matching `_count`.
        IndexOutOfRange = 4 => c"index out of range",
        /// A length argument describes more than `PTRDIFF_MAX` bytes.
        LengthTooLarge = 5 => c"a length argument is too large",
        /// A pointer argument is not aligned for its type.
        MisalignedPointer = 6 => c"a pointer argument is misaligned",
        /// The core library returned a value this version of the C API has no code for.
        Unmapped = 7 => c"a value this version of libmta_sts cannot name",
        /// The caller's output buffer is too small; the needed length was written to the
        /// length out-parameter (and nothing else).
        BufferTooSmall = 8 => c"output buffer too small",

        /// The TXT record is longer than the library's limit (4096 bytes).
        RecordTooLong = 1000 => c"TXT record too long",
        /// The TXT record holds a byte that is not US-ASCII (RFC 8461 §3.1).
        RecordNotAscii = 1001 => c"TXT record is not US-ASCII",
        /// The TXT record does not begin with `v=STSv1` (RFC 8461 §3.1).
        RecordNotStsRecord = 1002 => c"TXT record does not begin with \"v=STSv1\"",
        /// The TXT record has something other than `;` where a field delimiter must be.
        RecordExpectedDelimiter = 1003 => c"TXT record: expected ';'",
        /// The TXT record has an empty field (`;;`).
        RecordEmptyField = 1004 => c"TXT record: empty field",
        /// The TXT record has an invalid field name, or a field without `=`.
        RecordInvalidFieldName = 1005 => c"TXT record: invalid field name",
        /// A TXT record field value is empty or holds a forbidden character.
        RecordInvalidValue = 1006 => c"TXT record: invalid field value",
        /// The `id` is not 1 to 32 letters and digits (RFC 8461 §3.1).
        RecordInvalidId = 1007 => c"TXT record: id must be 1 to 32 letters and digits",
        /// The TXT record has no `id` field (RFC 8461 §3.1).
        RecordMissingId = 1008 => c"TXT record: missing id field",
        /// The TXT record is invalid for a reason this version does not name.
        RecordOther = 1099 => c"TXT record: invalid",

        /// No TXT record of the RRset begins with `v=STSv1`: no policy (RFC 8461 §3.1).
        SelectNoRecord = 1100 => c"no MTA-STS TXT record",
        /// More than one TXT record begins with `v=STSv1`: no policy (RFC 8461 §3.1).
        SelectMultipleRecords = 1101 => c"more than one MTA-STS TXT record",
        /// The TXT RRset holds more records than the library's limit (64).
        SelectTooManyRecords = 1102 => c"TXT RRset has too many records",
        /// No record could be selected for a reason this version does not name.
        SelectOther = 1199 => c"no MTA-STS TXT record could be selected",

        /// The policy body is larger than the library's limit (64 KiB, RFC 8461 §3.3).
        PolicyTooLarge = 1200 => c"policy body too large",
        /// A policy line is not valid UTF-8.
        PolicyNotUtf8 = 1201 => c"policy: line is not valid UTF-8",
        /// A non-blank policy line has no `:`.
        PolicyMissingColon = 1202 => c"policy: line is not a \"key: value\" field",
        /// A policy field name is invalid.
        PolicyInvalidKey = 1203 => c"policy: invalid field name",
        /// A policy value holds a control character.
        PolicyControlCharacter = 1204 => c"policy: control character in a value",
        /// `version` is not `STSv1` (RFC 8461 §3.2).
        PolicyUnsupportedVersion = 1205 => c"policy: version is not \"STSv1\"",
        /// `mode` is not `enforce`, `testing` or `none` (RFC 8461 §3.2).
        PolicyUnknownMode = 1206 => c"policy: unknown mode",
        /// `max_age` is not 1 to 10 digits (RFC 8461 §3.2).
        PolicyInvalidMaxAge = 1207 => c"policy: invalid max_age",
        /// An `mx` value is not a valid pattern (RFC 8461 §3.2).
        PolicyInvalidMx = 1208 => c"policy: invalid mx pattern",
        /// The policy has more `mx` lines than the library's limit.
        PolicyTooManyMx = 1209 => c"policy: too many mx fields",
        /// `version`, `mode` or `max_age` is missing (RFC 8461 §3.2).
        PolicyMissingField = 1210 => c"policy: missing required field",
        /// Mode `enforce` or `testing` without any `mx` line (RFC 8461 §3.2).
        PolicyMissingMx = 1211 => c"policy: mode enforce or testing requires an mx field",
        /// The policy is invalid for a reason this version does not name.
        PolicyOther = 1299 => c"policy: invalid",

        /// The `mx` pattern is empty.
        MxEmpty = 1300 => c"mx pattern: empty",
        /// The `mx` pattern is longer than a domain name can be (253 bytes).
        MxTooLong = 1301 => c"mx pattern: too long",
        /// The `mx` pattern has an empty label.
        MxEmptyLabel = 1302 => c"mx pattern: empty label",
        /// An `mx` pattern label is longer than 63 bytes.
        MxLabelTooLong = 1303 => c"mx pattern: label too long",
        /// An `mx` pattern label starts or ends with a hyphen.
        MxHyphenAtLabelEdge = 1304 => c"mx pattern: label starts or ends with a hyphen",
        /// The `mx` pattern holds a character other than a letter, digit, hyphen or dot.
        MxInvalidCharacter = 1305 => c"mx pattern: invalid character",
        /// The `*` of the `mx` pattern is not the whole left-most label.
        MxInvalidWildcard = 1306 => c"mx pattern: wildcard must be the whole left-most label",
        /// The `mx` pattern is not ASCII (write A-labels, RFC 8461 §3.2).
        MxNotAscii = 1307 => c"mx pattern: not ASCII (use A-labels)",
        /// The `mx` pattern is an IP address.
        MxIpAddress = 1308 => c"mx pattern: an IP address, not a host name",
        /// The `mx` pattern is invalid for a reason this version does not name.
        MxOther = 1399 => c"mx pattern: invalid",

        /// The domain name is empty.
        DomainEmpty = 1400 => c"domain: empty name",
        /// An address literal (`[192.0.2.1]`) or IP address: no policy applies (RFC 8461 §3.4).
        DomainAddressLiteral = 1401 => c"domain: an address literal has no policy domain",
        /// The domain name cannot be converted to A-labels (IDNA, UTS #46).
        DomainIdna = 1402 => c"domain: cannot be converted to A-labels",
        /// A label of the domain name is empty, too long, or not letters, digits and hyphens.
        DomainInvalidLabel = 1403 => c"domain: invalid label",
        /// The domain name is too long once `mta-sts.` is prepended (253 bytes).
        DomainTooLong = 1404 => c"domain: name too long",
        /// The domain name is invalid for a reason this version does not name.
        DomainOther = 1499 => c"domain: invalid",

        /// The cache record has another `format` than 1.
        CacheUnsupportedFormat = 1500 => c"cache record: unsupported format",
        /// The cache record's domain is not in normalized form (lowercase A-labels, no dot).
        CacheDomainNotNormalized = 1501 => c"cache record: domain not normalized",
        /// The cache entry's policy id is not 1 to 32 letters and digits (RFC 8461 §3.1).
        CacheInvalidId = 1502 => c"cache entry: invalid policy id",
        /// A time of the cache entry is out of range (after 9999-12-31).
        CacheTimeOutOfRange = 1503 => c"cache entry: time out of range",
        /// The cache record's `expires_at` is not `fetched_at + max_age`.
        CacheInconsistentExpiry = 1504 => c"cache record: expires_at is not fetched_at + max_age",
        /// The cache record is not JSON.
        CacheJsonSyntax = 1505 => c"cache record: not JSON",
        /// The cache record is JSON but not a valid record (fields, format, domain, id,
        /// policy or times refused).
        CacheRecordInvalid = 1506 => c"cache record: invalid record",
        /// The cache entry is invalid for a reason this version does not name.
        CacheOther = 1599 => c"cache entry: invalid",

        /// A root certificate cannot be used as a trust anchor (not DER X.509).
        TrustAnchorInvalid = 1600 => c"a root certificate cannot be used as a trust anchor",

        /// The input does not answer the lookup's current step (poll it with `mta_sts_lookup_poll()`); nothing changed.
        LookupWrongStep = 1700 => c"lookup: the input does not answer the current step",
        /// The lookup is not finished: poll it and perform its step first.
        LookupNotDone = 1701 => c"lookup: not finished yet",
        /// An enum argument (passed as an integer) has a value this version does not know.
        UnknownEnumValue = 1702 => c"an enum argument has an unknown value",
        /// The DNS query name is empty or only the root.
        DnsQueryEmptyName = 1800 => c"DNS query: empty name",
        /// The DNS query name is longer than 253 bytes (RFC 1035 §2.3.4).
        DnsQueryNameTooLong = 1801 => c"DNS query: name too long",
        /// The DNS query name has an empty label.
        DnsQueryEmptyLabel = 1802 => c"DNS query: empty label",
        /// A label of the DNS query name is longer than 63 bytes (RFC 1035 §2.3.4).
        DnsQueryLabelTooLong = 1803 => c"DNS query: label too long",
        /// The DNS query name is not ASCII: convert U-labels to A-labels first.
        DnsQueryNotAscii = 1804 => c"DNS query: name is not ASCII (use A-labels)",
        /// The DNS query name holds a character other than a letter, digit, `-` or `_`.
        DnsQueryInvalidChar = 1805 => c"DNS query: invalid character in the name",
        /// The DNS query message could not be encoded.
        DnsQueryEncode = 1806 => c"DNS query: message could not be encoded",
        /// The message is too long for a DNS over TCP frame (65535 bytes, RFC 1035 §4.2.2).
        DnsTcpFrameTooLong = 1850 => c"DNS over TCP: message too long for a frame",
        /// The DNS over TCP decoder holds no complete message yet: push more bytes.
        DnsTcpIncomplete = 1851 => c"DNS over TCP: no complete message yet",
        /// The DNS query cannot be built for a reason this version does not name.
        DnsQueryOther = 1899 => c"DNS query: cannot be built",
        /// Mismatch: the message is shorter than a DNS header; drop it and keep waiting.
        DnsResponseTooShort = 1900 => c"DNS response: shorter than a header",
        /// Mismatch: the message is longer than any DNS message; drop it and keep waiting.
        DnsResponseTooLong = 1901 => c"DNS response: longer than a DNS message",
        /// Mismatch: the message id is not the query's (RFC 5452 §9.1); drop it and keep waiting.
        DnsResponseIdMismatch = 1902 => c"DNS response: message id differs from the query's",
        /// Mismatch: the message is a query, not a response; drop it and keep waiting.
        DnsResponseNotAResponse = 1903 => c"DNS response: the message is a query",
        /// Mismatch: the opcode is not QUERY; drop it and keep waiting.
        DnsResponseOpcodeMismatch = 1904 => c"DNS response: opcode is not QUERY",
        /// Mismatch: the message does not hold exactly one question; drop it and keep waiting.
        DnsResponseQuestionCount = 1905 => c"DNS response: not exactly one question",
        /// Mismatch: the question is not the query's (name, type or class, RFC 5452 §9.1); drop it and keep waiting.
        DnsResponseQuestionMismatch = 1906 => c"DNS response: question differs from the query's",
        /// Mismatch: the question section cannot be decoded; drop it and keep waiting.
        DnsResponseMalformedQuestion = 1907 => c"DNS response: malformed question section",
        /// The answer cannot be decoded (truncated record, pointer loop, ...): treat it as a temporary failure.
        DnsResponseMalformed = 1950 => c"DNS response: malformed record section",
        /// The answer claims more records than the library's limit: treat it as a temporary failure.
        DnsResponseTooManyAnswers = 1951 => c"DNS response: too many answers",
        /// The record counts cannot fit in the message: treat it as a temporary failure.
        DnsResponseImplausibleCounts = 1952 => c"DNS response: record counts do not fit the message",
        /// The CNAME chain loops (RFC 1034 §3.6.2): treat it as a temporary failure.
        DnsResponseCnameLoop = 1953 => c"DNS response: CNAME loop",
        /// The CNAME chain is longer than the library's limit: treat it as a temporary failure.
        DnsResponseCnameChainTooLong = 1954 => c"DNS response: CNAME chain too long",
        /// The answer is unusable for a reason this version does not name: treat it as a temporary failure.
        DnsResponseOther = 1999 => c"DNS response: unusable",
        /// The policy host certificate is invalid (RFC 8461 §3.3; TLS-RPT `sts-webpki-invalid`).
        FetchCertificateInvalid = 2000 => c"policy fetch: policy host certificate invalid",
        /// The TLS connection to the policy host failed for another reason than the certificate.
        FetchTls = 2001 => c"policy fetch: TLS failure",
        /// No HTTP response arrived (DNS, connect, timeout, TLS handshake or HTTP error).
        FetchTransport = 2002 => c"policy fetch: no response",
        /// The HTTP status is not 200; redirects are not followed (RFC 8461 §3.3).
        FetchHttpStatus = 2003 => c"policy fetch: HTTP status is not 200",
        /// The `Content-Type` is not `text/plain` (RFC 8461 §3.2).
        FetchContentType = 2004 => c"policy fetch: Content-Type is not text/plain",
        /// The policy body is over the size limit (RFC 8461 §3.3).
        FetchBodyTooLarge = 2005 => c"policy fetch: body too large",
        /// The policy body is not UTF-8 (RFC 8461 §3.2).
        FetchNotUtf8 = 2006 => c"policy fetch: body is not UTF-8",
        /// The fetch failed for a reason this version does not name.
        FetchOther = 2099 => c"policy fetch: failed",
        /// The `_mta-sts` TXT lookup failed temporarily (docs/CONFORMANCE.md#d13).
        DiscoveryDnsTemporaryFailure = 2100 => c"discovery: temporary DNS failure on the TXT record",
        /// The fetch was skipped: this policy id failed less than 5 minutes ago (RFC 8461 §3.3).
        DiscoveryFetchBackoff = 2101 => c"discovery: fetch skipped, the same id failed recently",
        /// Discovery failed for a reason this version does not name.
        DiscoveryOther = 2199 => c"discovery: failed",

        /// The `_smtp._tls` record does not begin with `v=TLSRPTv1` (RFC 8460 §3).
        RptRecordNotTlsRpt = 3000 => c"TLS-RPT record does not begin with \"v=TLSRPTv1\"",
        /// The `_smtp._tls` record is longer than the library's limit (4096 bytes).
        RptRecordTooLong = 3001 => c"TLS-RPT record too long",
        /// The `_smtp._tls` record is not valid UTF-8 (it can only be ASCII).
        RptRecordNotUtf8 = 3002 => c"TLS-RPT record is not valid UTF-8",
        /// The `_smtp._tls` record has something other than `;` where a delimiter must be.
        RptRecordExpectedDelimiter = 3003 => c"TLS-RPT record: expected ';'",
        /// The `_smtp._tls` record has an empty or nameless field.
        RptRecordEmptyField = 3004 => c"TLS-RPT record: empty or nameless field",
        /// A `_smtp._tls` extension name is invalid (RFC 8460 §3 `tlsrpt-ext-name`).
        RptRecordInvalidExtensionName = 3005 => c"TLS-RPT record: invalid extension name",
        /// A `_smtp._tls` extension value is empty or invalid (RFC 8460 §3 `tlsrpt-ext-value`).
        RptRecordInvalidExtensionValue = 3006 => c"TLS-RPT record: invalid extension value",
        /// The `_smtp._tls` record has no `rua` field (RFC 8460 §3).
        RptRecordMissingRua = 3007 => c"TLS-RPT record: no rua field",
        /// Every `rua` URI was dropped (only `mailto:` and `https:` are usable, docs/CONFORMANCE.md#d17).
        RptRecordNoUsableRua = 3008 => c"TLS-RPT record: no usable rua URI (mailto: or https:)",
        /// The `_smtp._tls` record is invalid for a reason this version does not name.
        RptRecordOther = 3099 => c"TLS-RPT record: invalid",

        /// No TXT record of the RRset begins with `v=TLSRPTv1`: no TLS-RPT (RFC 8460 §3).
        RptSelectNoRecord = 3100 => c"no TLS-RPT TXT record",
        /// More than one TXT record begins with `v=TLSRPTv1`: no TLS-RPT (RFC 8460 §3).
        RptSelectMultipleRecords = 3101 => c"more than one TLS-RPT TXT record",
        /// The TXT RRset holds more records than the library's limit (64).
        RptSelectTooManyRecords = 3102 => c"TLS-RPT TXT RRset has too many records",
        /// No TLS-RPT record could be selected for a reason this version does not name.
        RptSelectOther = 3199 => c"no TLS-RPT TXT record could be selected",

        /// The policy index was not issued by this aggregator.
        RptAggregatorUnknownPolicy = 3200 => c"aggregator: unknown policy index",
        /// The aggregator holds the most distinct policies it may (1000000).
        RptAggregatorTooManyPolicies = 3201 => c"aggregator: too many distinct policies",
        /// The saved aggregator state is JSON but breaks an invariant or the format.
        RptAggregatorStateInvalid = 3202 => c"aggregator state: invalid",
        /// The saved aggregator state is not JSON.
        RptAggregatorStateJsonSyntax = 3203 => c"aggregator state: not JSON",
        /// An IP address argument is not an IPv4 or IPv6 address.
        RptInvalidIpAddress = 3204 => c"not an IPv4 or IPv6 address",
        /// A Unix time argument is after 9999-12-31, the last date a report can carry.
        RptTimeOutOfRange = 3205 => c"time out of the range of report dates",
        /// A result-type argument is not a `mta_sts_result_type` value.
        RptInvalidResultType = 3206 => c"not a TLS-RPT result type value",
        /// The aggregator failed for a reason this version does not name.
        RptAggregatorOther = 3299 => c"aggregator: failed",

        /// The report is larger than the library's limit (10 MiB).
        RptReportTooLarge = 3300 => c"TLS-RPT report too large",
        /// The report is not JSON (RFC 8460 §4, I-JSON).
        RptReportJsonSyntax = 3301 => c"TLS-RPT report: not JSON",
        /// The report departs from RFC 8460 §4.4 form (strict parse only).
        RptReportDeviation = 3302 => c"TLS-RPT report: departs from RFC 8460 form",
        /// A report member that even the tolerant parser needs is missing.
        RptReportMissingMember = 3303 => c"TLS-RPT report: required member missing",
        /// A report member has the wrong JSON type.
        RptReportWrongType = 3304 => c"TLS-RPT report: member of the wrong JSON type",
        /// A report date-time is not RFC 3339.
        RptReportInvalidDateTime = 3305 => c"TLS-RPT report: invalid date-time",
        /// A report count is not a non-negative 64-bit integer.
        RptReportInvalidCount = 3306 => c"TLS-RPT report: invalid count",
        /// A report array is longer than the library's limit.
        RptReportTooMany = 3307 => c"TLS-RPT report: array too long",
        /// The report is invalid for a reason this version does not name.
        RptReportOther = 3399 => c"TLS-RPT report: invalid",

        /// `contact-info` has no domain to use as the submitter (RFC 8460 §5.1, §5.3).
        RptDeliverNoSubmitterDomain = 3400 => c"TLS-RPT report: contact-info has no domain",
        /// The report has no policy, or a policy without `policy-domain`.
        RptDeliverNoPolicyDomain = 3401 => c"TLS-RPT report: no policy-domain",
        /// The report covers several policy domains (one per report, RFC 8460 §5.1, §5.3).
        RptDeliverSeveralPolicyDomains = 3402 => c"TLS-RPT report: several policy domains",
        /// A domain of the report is not an A-label domain name.
        RptDeliverInvalidDomain = 3403 => c"TLS-RPT report: domain is not an A-label name",
        /// The `unique-id` is not 1*(ALPHA / DIGIT) (RFC 8460 §5.1).
        RptDeliverInvalidUniqueId = 3404 => c"TLS-RPT file name: unique-id must be letters and digits",
        /// A header value (From, To, Message-ID) is empty, not ASCII, or holds spaces or CR/LF.
        RptDeliverInvalidHeaderValue = 3405 => c"TLS-RPT e-mail: invalid header value",
        /// The MIME boundary breaks RFC 2046 §5.1.1.
        RptDeliverInvalidBoundary = 3406 => c"TLS-RPT e-mail: invalid MIME boundary",
        /// A delivery format cannot be built for a reason this version does not name.
        RptDeliverOther = 3499 => c"TLS-RPT delivery format: cannot be built",

        /// The gzip data of a report is broken (RFC 8460 §5.2).
        RptIntakeGzip = 3500 => c"TLS-RPT intake: broken gzip data",
        /// The report decompresses to more than the bound (docs/CONFORMANCE.md#d20).
        RptIntakeDecompressedTooLarge = 3501 => c"TLS-RPT intake: decompressed report too large",
        /// The report is a zip archive, which RFC 8460 does not use.
        RptIntakeZip = 3502 => c"TLS-RPT intake: zip archives are not supported",
        /// The e-mail is larger than the library's limit (16 MiB).
        RptIntakeEmailTooLarge = 3503 => c"TLS-RPT intake: e-mail too large",
        /// No part of the e-mail is a TLS-RPT report.
        RptIntakeNoReportPart = 3504 => c"TLS-RPT intake: no report part in the e-mail",
        /// The e-mail's MIME structure exceeds the limits (depth 8, 256 parts).
        RptIntakeMimeTooComplex = 3505 => c"TLS-RPT intake: MIME structure too complex",
        /// A base64 part of the e-mail does not decode.
        RptIntakeBase64 = 3506 => c"TLS-RPT intake: base64 does not decode",
        /// The e-mail part has an unsupported Content-Transfer-Encoding.
        RptIntakeUnsupportedTransferEncoding = 3507 => c"TLS-RPT intake: unsupported Content-Transfer-Encoding",
        /// A reader argument is not one of the `MTA_STS_RPT_READER_*` values.
        RptIntakeInvalidReader = 3508 => c"TLS-RPT intake: unknown reader",
        /// The report cannot be read for a reason this version does not name.
        RptIntakeOther = 3599 => c"TLS-RPT intake: cannot read the report",
    }
}

impl mta_sts_status {
    /// The code with this number, if there is one.
    pub fn from_u32(code: u32) -> Option<Self> {
        Self::ALL.into_iter().find(|s| *s as u32 == code)
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

impl From<&RptRecordError> for mta_sts_status {
    fn from(e: &RptRecordError) -> Self {
        match e {
            RptRecordError::NotTlsRpt => Self::RptRecordNotTlsRpt,
            RptRecordError::TooLong { .. } => Self::RptRecordTooLong,
            RptRecordError::NotUtf8 => Self::RptRecordNotUtf8,
            RptRecordError::ExpectedDelimiter { .. } => Self::RptRecordExpectedDelimiter,
            RptRecordError::EmptyField { .. } => Self::RptRecordEmptyField,
            RptRecordError::InvalidExtensionName { .. } => Self::RptRecordInvalidExtensionName,
            RptRecordError::InvalidExtensionValue { .. } => Self::RptRecordInvalidExtensionValue,
            RptRecordError::MissingRua => Self::RptRecordMissingRua,
            RptRecordError::NoUsableRua { .. } => Self::RptRecordNoUsableRua,
            _ => Self::RptRecordOther,
        }
    }
}

impl From<&RptRecordSelectError> for mta_sts_status {
    /// An invalid selected record gives that record's `RptRecord*` code.
    fn from(e: &RptRecordSelectError) -> Self {
        match e {
            RptRecordSelectError::NoRecord => Self::RptSelectNoRecord,
            RptRecordSelectError::MultipleRecords { .. } => Self::RptSelectMultipleRecords,
            RptRecordSelectError::TooManyRecords { .. } => Self::RptSelectTooManyRecords,
            RptRecordSelectError::Invalid(record) => record.into(),
            _ => Self::RptSelectOther,
        }
    }
}

impl From<&AggregateError> for mta_sts_status {
    fn from(e: &AggregateError) -> Self {
        match e {
            AggregateError::UnknownPolicyId => Self::RptAggregatorUnknownPolicy,
            AggregateError::TooManyPolicies { .. } => Self::RptAggregatorTooManyPolicies,
            AggregateError::InvalidState { .. } => Self::RptAggregatorStateInvalid,
            _ => Self::RptAggregatorOther,
        }
    }
}

impl From<&ReportError> for mta_sts_status {
    fn from(e: &ReportError) -> Self {
        match e {
            ReportError::TooLarge { .. } => Self::RptReportTooLarge,
            ReportError::Json { .. } => Self::RptReportJsonSyntax,
            ReportError::Deviation { .. } => Self::RptReportDeviation,
            ReportError::Missing { .. } => Self::RptReportMissingMember,
            ReportError::WrongType { .. } => Self::RptReportWrongType,
            ReportError::InvalidDateTime { .. } => Self::RptReportInvalidDateTime,
            ReportError::InvalidCount { .. } => Self::RptReportInvalidCount,
            ReportError::TooMany { .. } => Self::RptReportTooMany,
            _ => Self::RptReportOther,
        }
    }
}

impl From<&DeliverError> for mta_sts_status {
    fn from(e: &DeliverError) -> Self {
        match e {
            DeliverError::NoSubmitterDomain { .. } => Self::RptDeliverNoSubmitterDomain,
            DeliverError::NoPolicyDomain => Self::RptDeliverNoPolicyDomain,
            DeliverError::SeveralPolicyDomains { .. } => Self::RptDeliverSeveralPolicyDomains,
            DeliverError::InvalidDomain { .. } => Self::RptDeliverInvalidDomain,
            DeliverError::InvalidUniqueId(_) => Self::RptDeliverInvalidUniqueId,
            DeliverError::InvalidHeaderValue { .. } => Self::RptDeliverInvalidHeaderValue,
            DeliverError::InvalidBoundary => Self::RptDeliverInvalidBoundary,
            _ => Self::RptDeliverOther,
        }
    }
}

impl From<&IntakeError> for mta_sts_status {
    /// A report that does not parse gives its `RptReport*` code.
    fn from(e: &IntakeError) -> Self {
        match e {
            IntakeError::Gzip { .. } => Self::RptIntakeGzip,
            IntakeError::DecompressedTooLarge { .. } => Self::RptIntakeDecompressedTooLarge,
            IntakeError::Zip => Self::RptIntakeZip,
            IntakeError::EmailTooLarge { .. } => Self::RptIntakeEmailTooLarge,
            IntakeError::NoReportPart => Self::RptIntakeNoReportPart,
            IntakeError::MimeTooComplex => Self::RptIntakeMimeTooComplex,
            IntakeError::Base64 { .. } => Self::RptIntakeBase64,
            IntakeError::UnsupportedTransferEncoding(_) => {
                Self::RptIntakeUnsupportedTransferEncoding
            }
            IntakeError::Report(report) => report.into(),
            _ => Self::RptIntakeOther,
        }
    }
}

impl From<&QueryError> for mta_sts_status {
    fn from(e: &QueryError) -> Self {
        match e {
            QueryError::EmptyName => Self::DnsQueryEmptyName,
            QueryError::NameTooLong { .. } => Self::DnsQueryNameTooLong,
            QueryError::EmptyLabel { .. } => Self::DnsQueryEmptyLabel,
            QueryError::LabelTooLong { .. } => Self::DnsQueryLabelTooLong,
            QueryError::NotAscii { .. } => Self::DnsQueryNotAscii,
            QueryError::InvalidChar { .. } => Self::DnsQueryInvalidChar,
            QueryError::Encode { .. } => Self::DnsQueryEncode,
            _ => Self::DnsQueryOther,
        }
    }
}

impl From<&TcpFrameError> for mta_sts_status {
    fn from(_: &TcpFrameError) -> Self {
        Self::DnsTcpFrameTooLong
    }
}

impl From<&ResponseError> for mta_sts_status {
    /// Codes 1900 to 1949 are the mismatches (`ResponseError::is_mismatch`).
    fn from(e: &ResponseError) -> Self {
        match e {
            ResponseError::TooShort { .. } => Self::DnsResponseTooShort,
            ResponseError::TooLong { .. } => Self::DnsResponseTooLong,
            ResponseError::IdMismatch { .. } => Self::DnsResponseIdMismatch,
            ResponseError::NotAResponse => Self::DnsResponseNotAResponse,
            ResponseError::OpcodeMismatch { .. } => Self::DnsResponseOpcodeMismatch,
            ResponseError::QuestionCount { .. } => Self::DnsResponseQuestionCount,
            ResponseError::QuestionMismatch { .. } => Self::DnsResponseQuestionMismatch,
            ResponseError::Malformed {
                section: Section::Question,
                ..
            } => Self::DnsResponseMalformedQuestion,
            ResponseError::Malformed { .. } => Self::DnsResponseMalformed,
            ResponseError::TooManyAnswers { .. } => Self::DnsResponseTooManyAnswers,
            ResponseError::ImplausibleCounts { .. } => Self::DnsResponseImplausibleCounts,
            ResponseError::CnameLoop { .. } => Self::DnsResponseCnameLoop,
            ResponseError::CnameChainTooLong => Self::DnsResponseCnameChainTooLong,
            _ => Self::DnsResponseOther,
        }
    }
}

impl From<&FetchError> for mta_sts_status {
    /// An invalid policy body gives its `Policy*` code.
    fn from(e: &FetchError) -> Self {
        match e {
            FetchError::CertificateInvalid(_) => Self::FetchCertificateInvalid,
            FetchError::Tls(_) => Self::FetchTls,
            FetchError::Transport(_) => Self::FetchTransport,
            FetchError::Status { .. } => Self::FetchHttpStatus,
            FetchError::ContentType { .. } => Self::FetchContentType,
            FetchError::BodyTooLarge { .. } => Self::FetchBodyTooLarge,
            FetchError::NotUtf8 { .. } => Self::FetchNotUtf8,
            FetchError::Policy(policy) => policy.into(),
            _ => Self::FetchOther,
        }
    }
}

impl From<&DiscoveryError> for mta_sts_status {
    /// A missing or unusable TXT record gives its `Select*` or `Record*` code, a failed
    /// fetch its `Fetch*` (or `Policy*`) code.
    fn from(e: &DiscoveryError) -> Self {
        match e {
            DiscoveryError::NoRecord => Self::SelectNoRecord,
            DiscoveryError::InvalidRecord(select) => select.into(),
            DiscoveryError::DnsTemporaryFailure => Self::DiscoveryDnsTemporaryFailure,
            DiscoveryError::Fetch(fetch) => fetch.into(),
            DiscoveryError::FetchBackoff(_) => Self::DiscoveryFetchBackoff,
            _ => Self::DiscoveryOther,
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

    /// The TLS-RPT errors with a code of their own (`Invalid` and `Report` delegate).
    fn rpt_errors() -> Vec<(mta_sts_status, std::ops::Range<u32>)> {
        use tls_rpt_core::Deviation;
        let mut all = Vec::new();
        for e in [
            RptRecordError::NotTlsRpt,
            RptRecordError::TooLong {
                len: 5000,
                limit: 4096,
            },
            RptRecordError::NotUtf8,
            RptRecordError::ExpectedDelimiter { offset: 1 },
            RptRecordError::EmptyField { offset: 1 },
            RptRecordError::InvalidExtensionName {
                name: "-".into(),
                offset: 1,
            },
            RptRecordError::InvalidExtensionValue {
                name: "x".into(),
                offset: 1,
            },
            RptRecordError::MissingRua,
            RptRecordError::NoUsableRua {
                dropped: Vec::new(),
            },
        ] {
            all.push((mta_sts_status::from(&e), 3000..3100));
        }
        for e in [
            RptRecordSelectError::NoRecord,
            RptRecordSelectError::MultipleRecords { count: 2 },
            RptRecordSelectError::TooManyRecords { limit: 64 },
        ] {
            all.push((mta_sts_status::from(&e), 3100..3200));
        }
        for e in [
            AggregateError::UnknownPolicyId,
            AggregateError::TooManyPolicies { limit: 1 },
            AggregateError::InvalidState { what: "x" },
        ] {
            all.push((mta_sts_status::from(&e), 3200..3300));
        }
        let path = || String::from("policies[0]");
        for e in [
            ReportError::TooLarge { len: 2, limit: 1 },
            ReportError::Json {
                line: 1,
                column: 1,
                message: "x".into(),
            },
            ReportError::Deviation {
                path: path(),
                deviation: Deviation::MissingMember,
            },
            ReportError::Missing { path: path() },
            ReportError::WrongType {
                path: path(),
                expected: "array",
            },
            ReportError::InvalidDateTime {
                path: path(),
                value: "x".into(),
            },
            ReportError::InvalidCount {
                path: path(),
                value: "-1".into(),
            },
            ReportError::TooMany {
                path: path(),
                limit: 1,
            },
        ] {
            all.push((mta_sts_status::from(&e), 3300..3400));
        }
        for e in [
            DeliverError::NoSubmitterDomain {
                contact_info: "x".into(),
            },
            DeliverError::NoPolicyDomain,
            DeliverError::SeveralPolicyDomains {
                first: "a".into(),
                other: "b".into(),
            },
            DeliverError::InvalidDomain {
                what: "policy-domain",
                value: "a b".into(),
            },
            DeliverError::InvalidUniqueId("-".into()),
            DeliverError::InvalidHeaderValue { field: "To" },
            DeliverError::InvalidBoundary,
        ] {
            all.push((mta_sts_status::from(&e), 3400..3500));
        }
        for e in [
            IntakeError::Gzip {
                message: "x".into(),
            },
            IntakeError::DecompressedTooLarge { limit: 1 },
            IntakeError::Zip,
            IntakeError::EmailTooLarge { len: 2, limit: 1 },
            IntakeError::NoReportPart,
            IntakeError::MimeTooComplex,
            IntakeError::Base64 {
                message: "x".into(),
            },
            IntakeError::UnsupportedTransferEncoding("x-uuencode".into()),
        ] {
            all.push((mta_sts_status::from(&e), 3500..3600));
        }
        all
    }

    #[test]
    fn every_mapped_tls_rpt_error_gets_a_distinct_code_in_its_range() {
        let mapped = rpt_errors();
        assert_eq!(mapped.len(), 9 + 3 + 3 + 8 + 7 + 8);
        let mut seen = std::collections::HashSet::new();
        for (status, range) in mapped {
            let name = format!("{status:?}");
            assert!(range.contains(&(status as u32)), "{name} outside {range:?}");
            assert!(!name.ends_with("Other"), "{name}");
            assert!(seen.insert(status), "{name} used twice");
        }
    }

    #[test]
    fn rfc8460_s3_invalid_selected_record_and_unreadable_intake_delegate() {
        let e = RptRecordSelectError::Invalid(RptRecordError::MissingRua);
        assert_eq!(
            mta_sts_status::from(&e),
            mta_sts_status::RptRecordMissingRua
        );
        let e = IntakeError::Report(ReportError::Missing {
            path: "report-id".into(),
        });
        assert_eq!(
            mta_sts_status::from(&e),
            mta_sts_status::RptReportMissingMember
        );
    }
}
