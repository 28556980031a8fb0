//! DNS wire format for callers that bring their own transport: TXT and MX queries out,
//! typed answers in, on [hickory-proto](https://docs.rs/hickory-proto) without a resolver.
//!
//! An MTA that already has a recursive resolver library hands the engine its results
//! directly. One that talks to a recursive resolver over a plain UDP or TCP socket (a C MTA
//! through the FFI, a minimal Rust one) uses this module:
//!
//! 1. [`DnsQuery::txt`] or [`DnsQuery::mx`] builds the query message for a name, with a
//!    message id the caller draws at random (this crate never draws randomness).
//! 2. The caller sends [`DnsQuery::as_bytes`] in one UDP datagram, or
//!    [`DnsQuery::to_tcp_bytes`] over TCP ([RFC 1035 §4.2.2] length prefix).
//! 3. [`DnsQuery::parse_response`] checks that a received message really answers this query
//!    and turns it into a [`DnsAnswer`]: records, [`DnsAnswer::NoData`],
//!    [`DnsAnswer::NxDomain`], [`DnsAnswer::TemporaryFailure`] or
//!    [`DnsAnswer::Truncated`] (ask again over TCP). Over TCP, [`TcpFrameDecoder`] splits the
//!    byte stream into messages.
//!
//! A message that does not answer the query (wrong id, not a response, other question)
//! is an error for which [`ResponseError::is_mismatch`] is true: drop it and keep waiting
//! for the real answer until your timeout, as [RFC 5452 §9.1] requires of resolvers. Any
//! other error means the real answer is unusable: treat it like a temporary failure.
//!
//! ```
//! use mta_sts_core::StsRecord;
//! use mta_sts_core::dns::{DnsAnswer, DnsQuery};
//!
//! let query = DnsQuery::txt("_mta-sts.example.com", 0x5eed)?;
//! let datagram: &[u8] = query.as_bytes(); // send this to the recursive resolver over UDP
//! # let response = respond(datagram, &[&[b"v=STSv1; id=2016", b"0831085700Z;"]]);
//! // ... then receive `response` from the same socket:
//! match query.parse_response(&response) {
//!     Ok(DnsAnswer::Txt(records)) => {
//!         let record = StsRecord::from_txt_records(records)?;
//!         assert_eq!(record.id(), "20160831085700Z");
//!     }
//!     Ok(DnsAnswer::Truncated) => { /* send query.to_tcp_bytes() over TCP */ }
//!     Ok(other) => println!("no usable record: {other:?}"),
//!     Err(error) if error.is_mismatch() => { /* not our answer: keep waiting */ }
//!     Err(error) => println!("unusable answer: {error}"),
//! }
//! # fn respond(query: &[u8], strings: &[&[&[u8]]]) -> Vec<u8> {
//! #     use hickory_proto::op::{Message, MessageType};
//! #     use hickory_proto::rr::{RData, Record, rdata::TXT};
//! #     let mut message = Message::from_vec(query).unwrap();
//! #     message.metadata.message_type = MessageType::Response;
//! #     let name = message.queries[0].name.clone();
//! #     for record in strings {
//! #         let txt = TXT::from_bytes(record.to_vec());
//! #         message.add_answer(Record::from_rdata(name.clone(), 300, RData::TXT(txt)));
//! #     }
//! #     message.to_vec().unwrap()
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Names
//!
//! Query names are ASCII host names: letters, digits, `-` and `_` (for `_mta-sts`), labels of
//! 1 to 63 bytes, at most 253 bytes in all, with or without one trailing dot. An
//! internationalized domain name must be converted to its A-label form by the caller first,
//! for example with `idna::domain_to_ascii` ([RFC 8461 §4.1] compares A-labels too); this module
//! never rewrites a name behind the caller's back.
//!
//! # CNAME chains
//!
//! The query asks for recursion, so the caller's recursive resolver follows CNAMEs and returns
//! the whole chain in the answer section ([RFC 1034 §4.3.2]). [`DnsQuery::parse_response`]
//! walks that chain from the query name, in whatever order the records arrive, at most
//! [`MAX_CNAME_CHAIN`] hops and refusing loops, and keeps only the records owned by the last
//! name. This is how `_mta-sts.example.com CNAME _mta-sts.provider.example` delegation works
//! ([RFC 8461 §8.2]). A chain whose last name owns no record of the asked type in the answer is
//! [`DnsAnswer::NoData`] (with rcode NOERROR; [`DnsAnswer::NxDomain`] when the rcode says so):
//! a recursive resolver only stops there when the target really has no such record.
//! Where a name owns both records of the asked type and a CNAME (invalid, [RFC 1034 §3.6.2]),
//! the records win; of several CNAMEs at one name the first counts. DNAME records are
//! ignored: resolvers also send the CNAME they synthesize from them ([RFC 6672 §3.4]).
//!
//! [RFC 1035 §4.2.2]: https://www.rfc-editor.org/rfc/rfc1035#section-4.2.2
//! [RFC 5452 §9.1]: https://www.rfc-editor.org/rfc/rfc5452#section-9.1
//! [RFC 8461 §4.1]: https://www.rfc-editor.org/rfc/rfc8461#section-4.1
//! [RFC 1034 §4.3.2]: https://www.rfc-editor.org/rfc/rfc1034#section-4.3.2
//! [RFC 8461 §8.2]: https://www.rfc-editor.org/rfc/rfc8461#section-8.2
//! [RFC 1034 §3.6.2]: https://www.rfc-editor.org/rfc/rfc1034#section-3.6.2
//! [RFC 6672 §3.4]: https://www.rfc-editor.org/rfc/rfc6672#section-3.4

use std::fmt;

use hickory_proto::op::{Edns, Header, Message, MessageType, OpCode, Query};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};
use hickory_proto::serialize::binary::{BinDecodable, BinDecoder};

use crate::limits::{
    DNS_UDP_PAYLOAD_LEN, MAX_CNAME_CHAIN, MAX_DNS_ANSWERS, MAX_DNS_MESSAGE_LEN, MAX_DOMAIN_LEN,
    MAX_LABEL_LEN,
};

/// Size of the fixed DNS message header (RFC 1035 §4.1.1).
const HEADER_LEN: usize = 12;

/// Smallest possible resource record on the wire: a root owner name (1 byte), type, class,
/// TTL and RDLENGTH (RFC 1035 §4.1.3). Used to refuse absurd record counts up front.
const MIN_RECORD_LEN: usize = 11;

/// The record types this module queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum QueryType {
    /// TXT (RFC 1035 §3.3.14): the `_mta-sts` and `_smtp._tls` records.
    Txt,
    /// MX (RFC 1035 §3.3.9): the mail exchangers of a domain.
    Mx,
}

impl QueryType {
    fn record_type(self) -> RecordType {
        match self {
            Self::Txt => RecordType::TXT,
            Self::Mx => RecordType::MX,
        }
    }

    /// The type mnemonic, `"TXT"` or `"MX"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Txt => "TXT",
            Self::Mx => "MX",
        }
    }
}

impl fmt::Display for QueryType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a query could not be built for a name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// The name is empty, or is only the root `.`.
    #[error("the query name is empty")]
    EmptyName,
    /// The name is longer than [`MAX_DOMAIN_LEN`] bytes, not counting one trailing dot
    /// (RFC 1035 §2.3.4).
    #[error("the query name is {len} bytes long, more than {MAX_DOMAIN_LEN}")]
    NameTooLong {
        /// Length of the name without its trailing dot.
        len: usize,
    },
    /// A label is empty (`a..b`, a leading dot, or two trailing dots).
    #[error("label {index} of the query name is empty")]
    EmptyLabel {
        /// Zero-based position of the label.
        index: usize,
    },
    /// A label is longer than [`MAX_LABEL_LEN`] bytes (RFC 1035 §2.3.4).
    #[error("label {index} of the query name is {len} bytes long, more than {MAX_LABEL_LEN}")]
    LabelTooLong {
        /// Zero-based position of the label.
        index: usize,
        /// Its length in bytes.
        len: usize,
    },
    /// The name is not ASCII: convert U-labels to A-labels first (for example with
    /// `idna::domain_to_ascii`).
    #[error("the query name is not ASCII at byte {offset}: convert it to A-labels first")]
    NotAscii {
        /// Byte offset of the first non-ASCII byte.
        offset: usize,
    },
    /// The name holds an ASCII character other than a letter, a digit, `-` or `_`.
    #[error("the query name holds {ch:?} at byte {offset}")]
    InvalidChar {
        /// The offending character.
        ch: char,
        /// Its byte offset.
        offset: usize,
    },
    /// hickory-proto refused to encode the message. This does not happen for a name that
    /// passed the checks above; the variant exists so that no upstream change can panic.
    #[error("the DNS message could not be encoded: {detail}")]
    Encode {
        /// hickory-proto's description.
        detail: String,
    },
}

/// A TXT or MX query message, ready to send, that also checks and parses its response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsQuery {
    id: u16,
    query_type: QueryType,
    /// The name as given, without a trailing dot.
    display_name: String,
    name: Name,
    wire: Vec<u8>,
}

impl DnsQuery {
    /// A TXT query for `name` with message id `id`; see [`DnsQuery::new`].
    pub fn txt(name: &str, id: u16) -> Result<Self, QueryError> {
        Self::new(name, QueryType::Txt, id)
    }

    /// An MX query for `name` with message id `id`; see [`DnsQuery::new`].
    pub fn mx(name: &str, id: u16) -> Result<Self, QueryError> {
        Self::new(name, QueryType::Mx, id)
    }

    /// A query of `query_type` for `name`, class IN, with message id `id`.
    ///
    /// The id must come from a good random source and be fresh for each query: together
    /// with a random source port it is what stops off-path spoofing (RFC 5452 §4, §9.2).
    /// The message asks for recursion (RD) and carries an EDNS0 OPT record advertising a
    /// UDP payload of [`DNS_UDP_PAYLOAD_LEN`] bytes (RFC 6891), without the DNSSEC OK bit.
    /// See the [module documentation](self) for the accepted names.
    pub fn new(name: &str, query_type: QueryType, id: u16) -> Result<Self, QueryError> {
        let display_name = validate_name(name)?;
        let name =
            Name::from_labels(display_name.split('.').map(str::as_bytes)).map_err(|error| {
                QueryError::Encode {
                    detail: error.to_string(),
                }
            })?;
        let mut message = Message::new(id, MessageType::Query, OpCode::Query);
        message.metadata.recursion_desired = true;
        message.add_query(Query::query(name.clone(), query_type.record_type()));
        let mut edns = Edns::new();
        edns.set_max_payload(DNS_UDP_PAYLOAD_LEN);
        message.set_edns(edns);
        let wire = message.to_vec().map_err(|error| QueryError::Encode {
            detail: error.to_string(),
        })?;
        Ok(Self {
            id,
            query_type,
            display_name: display_name.to_owned(),
            name,
            wire,
        })
    }

    /// The message id.
    pub fn id(&self) -> u16 {
        self.id
    }

    /// The queried record type.
    pub fn query_type(&self) -> QueryType {
        self.query_type
    }

    /// The queried name as given, without a trailing dot.
    pub fn name(&self) -> &str {
        &self.display_name
    }

    /// The query message, to send as one UDP datagram.
    pub fn as_bytes(&self) -> &[u8] {
        &self.wire
    }

    /// The query message with its two-byte length prefix, to send over TCP
    /// (RFC 1035 §4.2.2, RFC 7766).
    pub fn to_tcp_bytes(&self) -> Vec<u8> {
        let mut framed = Vec::with_capacity(self.wire.len().saturating_add(2));
        // A query holds one name of at most 255 bytes and an OPT record: far below 65,535.
        let len = u16::try_from(self.wire.len()).unwrap_or(u16::MAX);
        framed.extend_from_slice(&len.to_be_bytes());
        framed.extend_from_slice(&self.wire);
        framed
    }

    /// Checks that `response` answers this query and turns it into a [`DnsAnswer`].
    ///
    /// The header id, the QR bit, the opcode and the single question (name compared
    /// case-insensitively, type, class IN) must match, else the error says so and
    /// [`ResponseError::is_mismatch`] is true. Then, in this order: the TC bit gives
    /// [`DnsAnswer::Truncated`]; the rest of the message is decoded (bounded: at most
    /// [`MAX_DNS_ANSWERS`] answers, counts checked against the length first); the rcode,
    /// extended by EDNS0, gives [`DnsAnswer::NxDomain`] for NXDOMAIN and
    /// [`DnsAnswer::TemporaryFailure`] for anything but NOERROR; with NOERROR the CNAME
    /// chain is followed (see the [module documentation](self)) and the records of the
    /// queried type owned by its last name give [`DnsAnswer::Txt`], [`DnsAnswer::Mx`],
    /// [`DnsAnswer::NullMx`] or [`DnsAnswer::NoData`]. Records of other classes or types, and
    /// the authority and additional sections, are ignored. Bytes after the last record are
    /// ignored.
    pub fn parse_response(&self, response: &[u8]) -> Result<DnsAnswer, ResponseError> {
        if response.len() > MAX_DNS_MESSAGE_LEN {
            return Err(ResponseError::TooLong {
                len: response.len(),
            });
        }
        if response.len() < HEADER_LEN {
            return Err(ResponseError::TooShort {
                len: response.len(),
            });
        }
        let mut decoder = BinDecoder::new(response);
        let header = Header::read(&mut decoder).map_err(|_| ResponseError::TooShort {
            len: response.len(),
        })?;
        let metadata = header.metadata;
        if metadata.id != self.id {
            return Err(ResponseError::IdMismatch {
                expected: self.id,
                received: metadata.id,
            });
        }
        if metadata.message_type != MessageType::Response {
            return Err(ResponseError::NotAResponse);
        }
        if metadata.op_code != OpCode::Query {
            return Err(ResponseError::OpcodeMismatch {
                opcode: u8::from(metadata.op_code),
            });
        }
        if header.counts.queries != 1 {
            return Err(ResponseError::QuestionCount {
                count: header.counts.queries,
            });
        }
        let question = Query::read(&mut decoder).map_err(|error| ResponseError::Malformed {
            section: Section::Question,
            detail: error.to_string(),
        })?;
        // hickory-proto's `Name` equality ignores ASCII case (RFC 4343), as needed here and
        // below: resolvers may echo the question in another case (0x20 randomization).
        if question.query_class != DNSClass::IN
            || question.query_type != self.query_type.record_type()
            || question.name != self.name
        {
            return Err(ResponseError::QuestionMismatch {
                name: question.name.to_ascii(),
                qtype: u16::from(question.query_type),
                qclass: u16::from(question.query_class),
            });
        }

        // From here on the message is the answer to this query.
        if metadata.truncation {
            return Ok(DnsAnswer::Truncated);
        }
        let counts = header.counts;
        let answers = usize::from(counts.answers);
        if answers > MAX_DNS_ANSWERS {
            return Err(ResponseError::TooManyAnswers { count: answers });
        }
        let records = answers
            .saturating_add(usize::from(counts.authorities))
            .saturating_add(usize::from(counts.additionals));
        if records.saturating_mul(MIN_RECORD_LEN) > decoder.len() {
            return Err(ResponseError::ImplausibleCounts {
                records,
                remaining: decoder.len(),
            });
        }
        let (answers, ..) = Message::read_records(&mut decoder, answers, false, OpCode::Query)
            .map_err(|error| malformed(Section::Answer, &error))?;
        Message::read_records(
            &mut decoder,
            usize::from(counts.authorities),
            false,
            OpCode::Query,
        )
        .map_err(|error| malformed(Section::Authority, &error))?;
        let (_, edns, _) = Message::read_records(
            &mut decoder,
            usize::from(counts.additionals),
            true,
            OpCode::Query,
        )
        .map_err(|error| malformed(Section::Additional, &error))?;

        // RFC 6891 §6.1.3: the OPT TTL holds the upper 8 bits of a 12-bit rcode.
        let low = u16::from(metadata.response_code) & 0x0f;
        let high = edns.map_or(0, |edns| u16::from(edns.rcode_high()));
        let rcode = Rcode(high << 4 | low);
        if rcode == Rcode::NXDOMAIN {
            return Ok(DnsAnswer::NxDomain);
        }
        if rcode != Rcode::NOERROR {
            return Ok(DnsAnswer::TemporaryFailure { rcode });
        }

        let owner = self.follow_cnames(&answers)?;
        let wanted = self.query_type.record_type();
        let rrset = answers.into_iter().filter(|record| {
            record.dns_class == DNSClass::IN
                && record.record_type() == wanted
                && record.name == owner
        });
        Ok(match self.query_type {
            QueryType::Txt => txt_answer(rrset),
            QueryType::Mx => mx_answer(rrset),
        })
    }

    /// The name that owns the answer: the query name, or the last name of the CNAME chain
    /// that starts there (RFC 1034 §3.6.2, §4.3.2).
    fn follow_cnames(&self, answers: &[Record]) -> Result<Name, ResponseError> {
        let wanted = self.query_type.record_type();
        // The names reached through CNAMEs, to detect loops (no allocation without a CNAME).
        let mut chain: Vec<&Name> = Vec::new();
        let mut owner = &self.name;
        loop {
            let in_class = answers
                .iter()
                .filter(|record| record.dns_class == DNSClass::IN && record.name == *owner);
            let mut cname = None;
            for record in in_class {
                match &record.data {
                    _ if record.record_type() == wanted => return Ok(owner.clone()),
                    RData::CNAME(target) if cname.is_none() => cname = Some(&target.0),
                    _ => {}
                }
            }
            let Some(target) = cname else {
                return Ok(owner.clone());
            };
            if *target == self.name || chain.contains(&target) {
                return Err(ResponseError::CnameLoop {
                    name: target.to_ascii(),
                });
            }
            if chain.len() >= MAX_CNAME_CHAIN {
                return Err(ResponseError::CnameChainTooLong);
            }
            chain.push(target);
            owner = target;
        }
    }
}

fn malformed(section: Section, error: &impl fmt::Display) -> ResponseError {
    ResponseError::Malformed {
        section,
        detail: error.to_string(),
    }
}

fn txt_answer(rrset: impl Iterator<Item = Record>) -> DnsAnswer {
    let records: Vec<Vec<Vec<u8>>> = rrset
        .filter_map(|record| match record.data {
            RData::TXT(txt) => Some(txt.txt_data.into_vec().into_iter().map(Vec::from).collect()),
            _ => None,
        })
        .collect();
    if records.is_empty() {
        DnsAnswer::NoData
    } else {
        DnsAnswer::Txt(records)
    }
}

fn mx_answer(rrset: impl Iterator<Item = Record>) -> DnsAnswer {
    let mut seen = false;
    let mut records: Vec<MxRecord> = rrset
        .filter_map(|record| match record.data {
            RData::MX(mx) => {
                seen = true;
                // RFC 7505 §3: an exchange of "." names no host.
                (!mx.exchange.is_root()).then(|| MxRecord {
                    preference: mx.preference,
                    exchange: exchange_name(&mx.exchange),
                })
            }
            _ => None,
        })
        .collect();
    // Stable: equal preferences keep the order the resolver sent (RFC 5321 §5.1 leaves
    // their order to the client).
    records.sort_by_key(|record| record.preference);
    match (seen, records.is_empty()) {
        (false, _) => DnsAnswer::NoData,
        (true, true) => DnsAnswer::NullMx,
        (true, false) => DnsAnswer::Mx(records),
    }
}

/// Lowercase presentation form without the trailing dot; bytes outside letters, digits,
/// `-` and `_` are escaped (`\.`, `\040`) so that they can never match a policy pattern.
fn exchange_name(name: &Name) -> String {
    let mut text = Vec::with_capacity(name.len());
    for label in name.iter() {
        let plain = label.first() != Some(&b'-')
            && label
                .iter()
                .all(|&byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_');
        if !plain {
            // Rare: let hickory-proto escape the odd bytes.
            let mut text = name.to_lowercase().to_ascii();
            if text.ends_with('.') {
                text.pop();
            }
            return text;
        }
        if !text.is_empty() {
            text.push(b'.');
        }
        text.extend(label.iter().map(u8::to_ascii_lowercase));
    }
    // Only ASCII letters, digits, '-', '_' and '.' were pushed.
    String::from_utf8(text).unwrap_or_default()
}

/// Checks a query name and returns it without its trailing dot.
fn validate_name(name: &str) -> Result<&str, QueryError> {
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.is_empty() {
        return Err(QueryError::EmptyName);
    }
    if let Some(offset) = name.bytes().position(|byte| !byte.is_ascii()) {
        return Err(QueryError::NotAscii { offset });
    }
    if name.len() > MAX_DOMAIN_LEN {
        return Err(QueryError::NameTooLong { len: name.len() });
    }
    let mut offset = 0;
    for (index, label) in name.split('.').enumerate() {
        if label.is_empty() {
            return Err(QueryError::EmptyLabel { index });
        }
        if label.len() > MAX_LABEL_LEN {
            return Err(QueryError::LabelTooLong {
                index,
                len: label.len(),
            });
        }
        if let Some((at, ch)) = label
            .char_indices()
            .find(|&(_, ch)| !(ch.is_ascii_alphanumeric() || ch == '-' || ch == '_'))
        {
            return Err(QueryError::InvalidChar {
                ch,
                offset: offset + at,
            });
        }
        offset += label.len() + 1;
    }
    Ok(name)
}

/// A DNS response code (RFC 1035 §4.1.1, extended to 12 bits by RFC 6891 §6.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rcode(u16);

impl Rcode {
    /// NOERROR (0).
    pub const NOERROR: Self = Self(0);
    /// FORMERR (1): the server could not interpret the query.
    pub const FORMERR: Self = Self(1);
    /// SERVFAIL (2): the server failed, typically a DNSSEC or upstream failure.
    pub const SERVFAIL: Self = Self(2);
    /// NXDOMAIN (3): the name does not exist.
    pub const NXDOMAIN: Self = Self(3);
    /// NOTIMP (4): the server does not support this kind of query.
    pub const NOTIMP: Self = Self(4);
    /// REFUSED (5): the server refuses to answer, by policy.
    pub const REFUSED: Self = Self(5);

    /// The numeric value.
    pub fn value(self) -> u16 {
        self.0
    }

    /// The IANA mnemonic, if this is a registered code that can appear in a query
    /// response (`"SERVFAIL"`, `"BADVERS"`, ...).
    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0 => "NOERROR",
            1 => "FORMERR",
            2 => "SERVFAIL",
            3 => "NXDOMAIN",
            4 => "NOTIMP",
            5 => "REFUSED",
            6 => "YXDOMAIN",
            7 => "YXRRSET",
            8 => "NXRRSET",
            9 => "NOTAUTH",
            10 => "NOTZONE",
            11 => "DSOTYPENI",
            16 => "BADVERS",
            23 => "BADCOOKIE",
            _ => return None,
        })
    }
}

impl From<u16> for Rcode {
    fn from(value: u16) -> Self {
        Self(value)
    }
}

impl fmt::Display for Rcode {
    /// The mnemonic, or `RCODE<n>` for an unregistered value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "RCODE{}", self.0),
        }
    }
}

/// One MX record (RFC 1035 §3.3.9).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MxRecord {
    /// Lower is preferred (RFC 5321 §5.1).
    pub preference: u16,
    /// The mail exchanger's host name: lowercase ASCII without the trailing dot, ready for
    /// [`Policy::matches_mx`](crate::Policy::matches_mx). Label bytes other than letters,
    /// digits, `-` and `_` are escaped in RFC 1035 §5.1 presentation form (`\.` for a dot
    /// inside a label, `\040` for a space), so such a name can never match a pattern; a
    /// name ending in `\.` ends with an escaped dot, not the root.
    pub exchange: String,
}

/// What a response says about the queried name and type.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DnsAnswer {
    /// The TXT records (only for a TXT query), in received order, each as its list of
    /// character-strings (RFC 1035 §3.3.14), ready for
    /// [`StsRecord::from_txt_records`](crate::StsRecord::from_txt_records), which joins them
    /// without separator (RFC 8461 §3.1). Never empty.
    Txt(Vec<Vec<Vec<u8>>>),
    /// The MX records (only for an MX query), sorted by preference; records of equal
    /// preference keep their received order (shuffle them if you want RFC 5321 §5.1
    /// load spreading). Never empty; null MX entries are left out.
    Mx(Vec<MxRecord>),
    /// The domain accepts no mail: its MX RRset holds only the null MX `0 .`
    /// ([RFC 7505 §3](https://www.rfc-editor.org/rfc/rfc7505#section-3)). Null MX entries mixed
    /// with real hosts are left out of [`DnsAnswer::Mx`] instead.
    NullMx,
    /// NOERROR, but the name (or the end of its CNAME chain) has no record of this type.
    NoData,
    /// NXDOMAIN: the name (or the end of its CNAME chain) does not exist.
    NxDomain,
    /// Any other rcode (SERVFAIL, REFUSED, FORMERR, NOTIMP, ...): the resolver could not
    /// answer, try again later. For `_mta-sts`, docs/CONFORMANCE.md#d13 says to keep using a cached policy.
    TemporaryFailure {
        /// The response code, including the EDNS0 extended bits.
        rcode: Rcode,
    },
    /// The TC bit is set: the answer did not fit, send the query again over TCP
    /// (RFC 7766 §5). The rest of the message is not examined.
    Truncated,
}

/// A part of a DNS message, for error reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Section {
    /// The question section.
    Question,
    /// The answer section.
    Answer,
    /// The authority section.
    Authority,
    /// The additional section.
    Additional,
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Question => "question",
            Self::Answer => "answer",
            Self::Authority => "authority",
            Self::Additional => "additional",
        })
    }
}

/// Why a received message gives no [`DnsAnswer`].
///
/// Errors for which [`ResponseError::is_mismatch`] is true mean the message does not answer
/// the query (a stray, late or forged packet): discard it and keep waiting. The others mean
/// the real answer is unusable: treat the lookup as a temporary failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResponseError {
    /// Shorter than the 12-byte header (RFC 1035 §4.1.1). A mismatch.
    #[error("the message is {len} bytes long, shorter than a DNS header")]
    TooShort {
        /// Its length.
        len: usize,
    },
    /// Longer than any DNS message can be ([`MAX_DNS_MESSAGE_LEN`]). A mismatch.
    #[error("the message is {len} bytes long, more than {MAX_DNS_MESSAGE_LEN}")]
    TooLong {
        /// Its length.
        len: usize,
    },
    /// The message id differs from the query's (RFC 5452 §9.1). A mismatch.
    #[error("the message id is {received:#06x}, the query's is {expected:#06x}")]
    IdMismatch {
        /// The query's id.
        expected: u16,
        /// The message's id.
        received: u16,
    },
    /// The QR bit is clear: the message is a query, not a response. A mismatch.
    #[error("the message is a query, not a response")]
    NotAResponse,
    /// The opcode is not QUERY (0). A mismatch.
    #[error("the message has opcode {opcode}, not QUERY")]
    OpcodeMismatch {
        /// The message's opcode.
        opcode: u8,
    },
    /// The message does not hold exactly one question, so it cannot be matched to the
    /// query (RFC 5452 §9.1). A mismatch.
    #[error("the message holds {count} questions, not 1")]
    QuestionCount {
        /// The QDCOUNT of the message.
        count: u16,
    },
    /// The question is not the query's: another name, type or class (RFC 5452 §9.1). A
    /// mismatch.
    #[error("the message answers {name} type {qtype} class {qclass}, not the query")]
    QuestionMismatch {
        /// The question name, in presentation form.
        name: String,
        /// The question type.
        qtype: u16,
        /// The question class.
        qclass: u16,
    },
    /// A section could not be decoded (truncated record, compression pointer loop or
    /// forward pointer, bad label, RDATA too long for the message, ...). A mismatch when
    /// the section is the question, since the message cannot be matched to the query.
    #[error("the {section} section is malformed: {detail}")]
    Malformed {
        /// Where decoding stopped.
        section: Section,
        /// hickory-proto's description.
        detail: String,
    },
    /// The answer section claims more than [`MAX_DNS_ANSWERS`] records.
    #[error("the message claims {count} answers, more than {MAX_DNS_ANSWERS}")]
    TooManyAnswers {
        /// The ANCOUNT of the message.
        count: usize,
    },
    /// The record counts cannot fit in the rest of the message (each record takes at least
    /// 11 bytes), so decoding is not even tried.
    #[error("the message claims {records} records in {remaining} bytes")]
    ImplausibleCounts {
        /// ANCOUNT + NSCOUNT + ARCOUNT.
        records: usize,
        /// Bytes left after the question.
        remaining: usize,
    },
    /// The CNAME chain in the answer comes back to a name already seen (RFC 1034 §3.6.2).
    #[error("the CNAME chain loops back to {name}")]
    CnameLoop {
        /// The name seen twice.
        name: String,
    },
    /// The CNAME chain in the answer is longer than [`MAX_CNAME_CHAIN`] records.
    #[error("the CNAME chain is longer than {MAX_CNAME_CHAIN} records")]
    CnameChainTooLong,
}

impl ResponseError {
    /// True when the message does not answer the query at all, so the caller should drop it
    /// and keep waiting for the real response (RFC 5452 §9.1); false when it is the answer
    /// but unusable, which the caller treats as a temporary failure.
    pub fn is_mismatch(&self) -> bool {
        match self {
            Self::TooShort { .. }
            | Self::TooLong { .. }
            | Self::IdMismatch { .. }
            | Self::NotAResponse
            | Self::OpcodeMismatch { .. }
            | Self::QuestionCount { .. }
            | Self::QuestionMismatch { .. } => true,
            Self::Malformed { section, .. } => *section == Section::Question,
            Self::TooManyAnswers { .. }
            | Self::ImplausibleCounts { .. }
            | Self::CnameLoop { .. }
            | Self::CnameChainTooLong => false,
        }
    }
}

/// A message too long for the two-byte TCP length prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a {len}-byte message does not fit a DNS over TCP frame (at most {MAX_DNS_MESSAGE_LEN})")]
pub struct TcpFrameError {
    /// The message length.
    pub len: usize,
}

/// Prefixes `message` with its length as two bytes in network order, the DNS over TCP
/// framing of RFC 1035 §4.2.2 and RFC 7766 §8.
pub fn tcp_frame(message: &[u8]) -> Result<Vec<u8>, TcpFrameError> {
    let len = u16::try_from(message.len()).map_err(|_| TcpFrameError { len: message.len() })?;
    let mut framed = Vec::with_capacity(message.len().saturating_add(2));
    framed.extend_from_slice(&len.to_be_bytes());
    framed.extend_from_slice(message);
    Ok(framed)
}

/// Splits a DNS over TCP byte stream into messages (RFC 1035 §4.2.2, RFC 7766 §8).
///
/// Feed it whatever the socket returns with [`push`](Self::push); it takes bytes only up to
/// the end of the current message, so the rest of a read belongs to the next one.
/// [`needed`](Self::needed) says how many more bytes the current message wants, so a blocking
/// caller can `read_exact` that many. It never buffers more than [`MAX_DNS_MESSAGE_LEN`] bytes.
///
/// ```
/// use mta_sts_core::dns::{TcpFrameDecoder, tcp_frame};
///
/// let stream = [tcp_frame(b"first")?, tcp_frame(b"second")?].concat();
/// let mut decoder = TcpFrameDecoder::new();
/// let mut messages = Vec::new();
/// for chunk in stream.chunks(3) {
///     let mut chunk = chunk;
///     while !chunk.is_empty() {
///         let used = decoder.push(chunk);
///         chunk = &chunk[used..];
///         if let Some(message) = decoder.take_message() {
///             messages.push(message);
///         }
///     }
/// }
/// assert_eq!(messages, [b"first".to_vec(), b"second".to_vec()]);
/// assert_eq!(decoder.needed(), 2); // waiting for the next length prefix
/// # Ok::<(), mta_sts_core::dns::TcpFrameError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TcpFrameDecoder {
    prefix: [u8; 2],
    prefix_len: usize,
    /// The message length, once the prefix is complete.
    len: Option<usize>,
    message: Vec<u8>,
}

impl TcpFrameDecoder {
    /// A decoder waiting for the first length prefix.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many more bytes the current message needs: the rest of the two-byte length
    /// prefix while it is incomplete (the message body comes on top), then the rest of the
    /// message; 0 once a message is complete and not yet taken.
    pub fn needed(&self) -> usize {
        match self.len {
            None => 2usize.saturating_sub(self.prefix_len),
            Some(len) => len.saturating_sub(self.message.len()),
        }
    }

    /// Takes bytes from `input` for the current message and returns how many it took: all of
    /// them, or fewer when the message completed (the rest starts the next message; push it
    /// again after [`take_message`](Self::take_message)). Takes nothing while a complete
    /// message waits to be taken.
    pub fn push(&mut self, input: &[u8]) -> usize {
        let mut used = 0;
        let mut rest = input;
        if self.len.is_none() {
            while self.prefix_len < 2 {
                let Some((&byte, tail)) = rest.split_first() else {
                    return used;
                };
                if let Some(slot) = self.prefix.get_mut(self.prefix_len) {
                    *slot = byte;
                }
                self.prefix_len += 1;
                used += 1;
                rest = tail;
            }
            let len = usize::from(u16::from_be_bytes(self.prefix));
            self.message = Vec::with_capacity(len);
            self.len = Some(len);
        }
        let take = self.needed().min(rest.len());
        let (body, _) = rest.split_at(take);
        self.message.extend_from_slice(body);
        used + take
    }

    /// True when a whole message has arrived.
    pub fn is_complete(&self) -> bool {
        self.len.is_some() && self.needed() == 0
    }

    /// The complete message, if any; the decoder then waits for the next length prefix.
    pub fn take_message(&mut self) -> Option<Vec<u8>> {
        if !self.is_complete() {
            return None;
        }
        let message = std::mem::take(&mut self.message);
        *self = Self::new();
        Some(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_validated() {
        for (name, expected) in [
            ("example.com", Ok("example.com")),
            ("example.com.", Ok("example.com")),
            ("_mta-sts.Example.COM", Ok("_mta-sts.Example.COM")),
            ("localhost", Ok("localhost")),
            ("", Err(QueryError::EmptyName)),
            (".", Err(QueryError::EmptyName)),
            ("example.com..", Err(QueryError::EmptyLabel { index: 2 })),
            (".example.com", Err(QueryError::EmptyLabel { index: 0 })),
            ("a..b", Err(QueryError::EmptyLabel { index: 1 })),
            ("bücher.example", Err(QueryError::NotAscii { offset: 1 })),
            (
                "ex ample.com",
                Err(QueryError::InvalidChar { ch: ' ', offset: 2 }),
            ),
            (
                "example.c*m",
                Err(QueryError::InvalidChar { ch: '*', offset: 9 }),
            ),
            (
                "a\\.b.example",
                Err(QueryError::InvalidChar {
                    ch: '\\',
                    offset: 1,
                }),
            ),
        ] {
            assert_eq!(validate_name(name), expected, "{name:?}");
        }
    }

    #[test]
    fn rfc1035_s2_3_4_name_and_label_lengths() {
        let label = "a".repeat(63);
        assert!(validate_name(&format!("{label}.example")).is_ok());
        assert_eq!(
            validate_name(&format!("{label}a.example")),
            Err(QueryError::LabelTooLong { index: 0, len: 64 })
        );
        // 4 labels of 63 plus 3 dots = 255 bytes.
        let long = [label.as_str(); 4].join(".");
        assert_eq!(
            validate_name(&long),
            Err(QueryError::NameTooLong { len: 255 })
        );
        let max = format!("{}.{}", [label.as_str(); 3].join("."), "b".repeat(61));
        assert_eq!(max.len(), 253);
        assert_eq!(validate_name(&format!("{max}.")), Ok(max.as_str()));
    }

    #[test]
    fn exchange_name_fast_path_agrees_with_hickory() {
        for labels in [
            &[&b"MX1"[..], b"Example", b"COM"][..],
            &[b"xn--bcher-kva", b"example"],
            &[b"_under", b"a-b", b"123"],
            &[b"-lead", b"example"],
            &[b"a.b", b"UP per"],
            &[b"\xff", b"x"],
        ] {
            let name = Name::from_labels(labels.iter().copied()).unwrap();
            let mut expected = name.to_lowercase().to_ascii();
            expected.pop();
            assert_eq!(exchange_name(&name), expected, "{labels:?}");
        }
        assert_eq!(
            exchange_name(&Name::from_labels([&b"MX"[..], b"COM"]).unwrap()),
            "mx.com"
        );
    }

    #[test]
    fn rcode_display() {
        assert_eq!(Rcode::SERVFAIL.to_string(), "SERVFAIL");
        assert_eq!(Rcode::from(16).to_string(), "BADVERS");
        assert_eq!(Rcode::from(15).to_string(), "RCODE15");
        assert_eq!(Rcode::from(5), Rcode::REFUSED);
        assert_eq!(Rcode::REFUSED.value(), 5);
    }

    #[test]
    fn query_header_and_question_bytes() {
        let query = DnsQuery::mx("Example.com.", 0xabcd).unwrap();
        let wire = query.as_bytes();
        // id, flags (RD only), QDCOUNT 1, ANCOUNT 0, NSCOUNT 0, ARCOUNT 1 (the OPT record).
        assert_eq!(wire[..12], [0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1]);
        assert_eq!(wire[12..25], *b"\x07Example\x03com\x00");
        assert_eq!(wire[25..29], [0, 15, 0, 1]); // MX, IN
        // OPT: root owner, type 41, class = payload size, TTL 0, RDLENGTH 0.
        assert_eq!(wire[29..], [0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(query.name(), "Example.com");
        assert_eq!(query.id(), 0xabcd);
        assert_eq!(query.query_type(), QueryType::Mx);
    }

    #[test]
    fn tcp_bytes_are_length_prefixed() {
        let query = DnsQuery::txt("example.com", 1).unwrap();
        let tcp = query.to_tcp_bytes();
        assert_eq!(
            tcp[..2],
            u16::try_from(query.as_bytes().len()).unwrap().to_be_bytes()
        );
        assert_eq!(tcp[2..], *query.as_bytes());
        assert_eq!(tcp_frame(query.as_bytes()).unwrap(), tcp);
    }

    #[test]
    fn tcp_frame_refuses_oversized_messages() {
        let big = vec![0; MAX_DNS_MESSAGE_LEN + 1];
        assert_eq!(
            tcp_frame(&big),
            Err(TcpFrameError {
                len: MAX_DNS_MESSAGE_LEN + 1
            })
        );
        let max = vec![7; MAX_DNS_MESSAGE_LEN];
        assert_eq!(tcp_frame(&max).unwrap()[..3], [0xff, 0xff, 7]);
    }

    #[test]
    fn tcp_decoder_counts_what_is_missing() {
        let mut decoder = TcpFrameDecoder::new();
        assert_eq!(decoder.needed(), 2);
        assert_eq!(decoder.push(&[0]), 1);
        assert_eq!(decoder.needed(), 1);
        assert_eq!(decoder.push(&[5, b'h']), 2);
        assert_eq!(decoder.needed(), 4);
        assert!(!decoder.is_complete());
        assert_eq!(decoder.take_message(), None);
        assert_eq!(decoder.push(b"ello, next"), 4);
        assert!(decoder.is_complete());
        assert_eq!(decoder.needed(), 0);
        assert_eq!(decoder.push(b"more"), 0);
        assert_eq!(decoder.take_message(), Some(b"hello".to_vec()));
        assert_eq!(decoder.needed(), 2);
    }

    #[test]
    fn tcp_decoder_handles_empty_and_maximal_frames() {
        let mut decoder = TcpFrameDecoder::new();
        assert_eq!(decoder.push(&[0, 0, 9]), 2);
        assert_eq!(decoder.take_message(), Some(Vec::new()));

        let frame = tcp_frame(&[1; MAX_DNS_MESSAGE_LEN]).unwrap();
        assert_eq!(decoder.push(&frame[..2]), 2);
        assert_eq!(decoder.needed(), MAX_DNS_MESSAGE_LEN);
        assert!(decoder.message.capacity() <= MAX_DNS_MESSAGE_LEN);
        assert_eq!(decoder.push(&frame[2..]), MAX_DNS_MESSAGE_LEN);
        assert_eq!(
            decoder.take_message().map(|m| m.len()),
            Some(MAX_DNS_MESSAGE_LEN)
        );
    }

    #[test]
    fn mismatch_classification() {
        assert!(ResponseError::NotAResponse.is_mismatch());
        assert!(
            ResponseError::Malformed {
                section: Section::Question,
                detail: String::new()
            }
            .is_mismatch()
        );
        assert!(
            !ResponseError::Malformed {
                section: Section::Answer,
                detail: String::new()
            }
            .is_mismatch()
        );
        assert!(!ResponseError::CnameChainTooLong.is_mismatch());
    }
}
