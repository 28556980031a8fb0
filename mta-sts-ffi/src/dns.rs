//! DNS wire helpers for an MTA with its own UDP or TCP socket to a recursive resolver:
//! TXT and MX query messages out, checked and typed answers in, DNS over TCP framing
//! (RFC 1035 §4.1, §4.2; RFC 5452 §9.1; RFC 7766 §8). Wraps `mta_sts_core::dns`.

use mta_sts_core::dns::{DnsAnswer, DnsQuery, MxRecord, QueryType, TcpFrameDecoder, tcp_frame};

use crate::boundary::{status_boundary, value_boundary};
use crate::convert::text;
use crate::ffi::{free_handle, into_handle, try_mut, try_out, try_out_buf, try_ref, try_slice};
use crate::status::mta_sts_status;
use crate::view::{item, mta_sts_bytes, mta_sts_str};

/// The record type of a query, numbered as on the wire (RFC 1035 §3.2.2). Functions
/// take it as a `uint32_t`; another value gives `MTA_STS_STATUS_UNKNOWN_ENUM_VALUE`.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mta_sts_dns_type {
    /// MX (15): the mail exchangers of a domain.
    Mx = 15,
    /// TXT (16): the `_mta-sts` (and `_smtp._tls`) records.
    Txt = 16,
}

/// The query type numbered `value`, if it is one.
fn query_type(value: u32) -> Result<QueryType, mta_sts_status> {
    match value {
        v if v == mta_sts_dns_type::Mx as u32 => Ok(QueryType::Mx),
        v if v == mta_sts_dns_type::Txt as u32 => Ok(QueryType::Txt),
        _ => Err(mta_sts_status::UnknownEnumValue),
    }
}

/// The query for `(name, type, id)`; a name that cannot be queried gives its
/// `DnsQuery*` code.
fn query(
    name: *const u8,
    name_len: usize,
    query_type_value: u32,
    id: u16,
) -> Result<DnsQuery, mta_sts_status> {
    let name = text(name, name_len)?;
    let query_type = query_type(query_type_value)?;
    DnsQuery::new(name, query_type, id).map_err(|e| mta_sts_status::from(&e))
}

/// Builds a query message for `name` and record type `query_type` (a
/// `mta_sts_dns_type`) with message id `id`, to send as one UDP datagram; frame it with
/// `mta_sts_dns_tcp_frame()` to send it over TCP.
///
/// `id` must be drawn from a good random source for each query (RFC 5452 §9.2); the
/// library draws no randomness. The message asks for recursion and advertises a
/// 1232-byte EDNS0 UDP payload. `name`: an ASCII host name (A-labels; letters, digits,
/// `-`, `_`; one trailing dot allowed), for example `_mta-sts.example.com`; NULL only
/// if `name_len` is 0.
///
/// Writes the message to `buf` (`buf_len` bytes; NULL only if `buf_len` is 0) and its
/// length to `*out_len`. If it does not fit, writes only the needed length to
/// `*out_len` and returns `MTA_STS_STATUS_BUFFER_TOO_SMALL`; `(NULL, 0)` asks for the
/// length. A name that cannot be queried gives a `MTA_STS_STATUS_DNS_QUERY_*` code.
/// Thread-safe.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_dns_query_build(
    name: *const u8,
    name_len: usize,
    query_type: u32,
    id: u16,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> mta_sts_status {
    status_boundary(|| {
        let out = try_out_buf(buf, buf_len, out_len)?;
        let query = query(name, name_len, query_type, id)?;
        out.write(query.as_bytes())
    })
}

/// Prefixes a DNS message with its two-byte length in network order, for DNS over TCP
/// (RFC 1035 §4.2.2, RFC 7766 §8).
///
/// Writes the frame (`message_len + 2` bytes) to `buf` and its length to `*out_len`,
/// with the needed-length rule of `mta_sts_dns_query_build()`. A message over 65535
/// bytes gives `MTA_STS_STATUS_DNS_TCP_FRAME_TOO_LONG`. Thread-safe.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_dns_tcp_frame(
    message: *const u8,
    message_len: usize,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> mta_sts_status {
    status_boundary(|| {
        let message = try_slice(message, message_len)?;
        let out = try_out_buf(buf, buf_len, out_len)?;
        let frame = tcp_frame(message).map_err(|e| mta_sts_status::from(&e))?;
        out.write(&frame)
    })
}

/// The kind of a DNS answer.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mta_sts_dns_answer_kind {
    /// TXT records (TXT query): `mta_sts_dns_answer_txt_*`.
    Txt = 1,
    /// MX records (MX query), sorted by preference: `mta_sts_dns_answer_mx*`.
    Mx = 2,
    /// The domain accepts no mail: only the null MX `0 .` (RFC 7505 §3).
    NullMx = 3,
    /// NOERROR, but no record of the queried type (NODATA).
    NoData = 4,
    /// NXDOMAIN: the name does not exist.
    NxDomain = 5,
    /// SERVFAIL, REFUSED or another rcode: try again later (`mta_sts_dns_answer_rcode()`).
    TemporaryFailure = 6,
    /// The TC bit is set: send the query again over TCP (RFC 7766 §5).
    Truncated = 7,
}

/// A DNS response checked against its query and decoded (RFC 1035 §4.1).
///
/// Made by `mta_sts_dns_response_parse()`, freed with `mta_sts_dns_answer_free()`; feed
/// a TXT answer to the engine with `mta_sts_lookup_handle_dns_answer()`. Immutable: it
/// may be read from several threads at once; freeing it must not race with any other
/// use. Wraps `mta_sts_core::dns::DnsAnswer`.
pub struct mta_sts_dns_answer {
    pub(crate) answer: DnsAnswer,
}

impl mta_sts_dns_answer {
    fn txt(&self) -> &[Vec<Vec<u8>>] {
        match &self.answer {
            DnsAnswer::Txt(records) => records,
            _ => &[],
        }
    }

    fn mx(&self) -> &[MxRecord] {
        match &self.answer {
            DnsAnswer::Mx(records) => records,
            _ => &[],
        }
    }
}

/// Checks that `response` answers the query `(name, query_type, id)` (the arguments
/// given to `mta_sts_dns_query_build()`) and decodes it.
///
/// On success writes a new answer handle to `*out_answer` (free it with
/// `mta_sts_dns_answer_free()`); NXDOMAIN, SERVFAIL and truncation are answers, not
/// errors. On failure `*out_answer` is untouched and:
///
/// - a code from 1900 to 1949 (`mta_sts_dns_status_is_mismatch()` is true) means the
///   message does not answer the query (wrong id, not a response, another question):
///   drop it and keep waiting for the real answer until your timeout (RFC 5452 §9.1);
/// - another `MTA_STS_STATUS_DNS_RESPONSE_*` code means the answer is unusable: treat
///   the lookup as a temporary failure.
///
/// Pointers may be NULL only with a zero length. Thread-safe.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_dns_response_parse(
    name: *const u8,
    name_len: usize,
    query_type: u32,
    id: u16,
    response: *const u8,
    response_len: usize,
    out_answer: *mut *mut mta_sts_dns_answer,
) -> mta_sts_status {
    status_boundary(|| {
        let response = try_slice(response, response_len)?;
        let out = try_out(out_answer)?;
        let query = query(name, name_len, query_type, id)?;
        let answer = query
            .parse_response(response)
            .map_err(|e| mta_sts_status::from(&e))?;
        out.write(into_handle(mta_sts_dns_answer { answer }));
        Ok(())
    })
}

/// Whether `status` says that a received message does not answer the query (codes 1900
/// to 1949): drop it and keep waiting. Any integer is accepted. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_dns_status_is_mismatch(status: u32) -> bool {
    value_boundary(false, || (1900..1950).contains(&status))
}

/// Writes the kind of the answer to `*out_kind`. `MTA_STS_STATUS_UNMAPPED` for a kind
/// this version of the C API cannot name.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_dns_answer_get_kind(
    answer: *const mta_sts_dns_answer,
    out_kind: *mut mta_sts_dns_answer_kind,
) -> mta_sts_status {
    status_boundary(|| {
        let answer = try_ref(answer)?;
        let out = try_out(out_kind)?;
        let kind = match &answer.answer {
            DnsAnswer::Txt(_) => mta_sts_dns_answer_kind::Txt,
            DnsAnswer::Mx(_) => mta_sts_dns_answer_kind::Mx,
            DnsAnswer::NullMx => mta_sts_dns_answer_kind::NullMx,
            DnsAnswer::NoData => mta_sts_dns_answer_kind::NoData,
            DnsAnswer::NxDomain => mta_sts_dns_answer_kind::NxDomain,
            DnsAnswer::TemporaryFailure { .. } => mta_sts_dns_answer_kind::TemporaryFailure,
            DnsAnswer::Truncated => mta_sts_dns_answer_kind::Truncated,
            _ => return Err(mta_sts_status::Unmapped),
        };
        out.write(kind);
        Ok(())
    })
}

/// Writes the response code to `*out_rcode` (12 bits, with the EDNS0 extension): the
/// failing code (2 SERVFAIL, 5 REFUSED, ...) for `TEMPORARY_FAILURE`, 3 for
/// `NX_DOMAIN`, 0 (NOERROR) for the other kinds (a truncated answer is not examined).
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_dns_answer_rcode(
    answer: *const mta_sts_dns_answer,
    out_rcode: *mut u16,
) -> mta_sts_status {
    status_boundary(|| {
        let answer = try_ref(answer)?;
        let rcode = match &answer.answer {
            DnsAnswer::TemporaryFailure { rcode } => rcode.value(),
            DnsAnswer::NxDomain => 3,
            _ => 0,
        };
        try_out(out_rcode)?.write(rcode);
        Ok(())
    })
}

/// Writes the number of TXT records to `*out_count` (0 unless the kind is `TXT`).
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_dns_answer_txt_count(
    answer: *const mta_sts_dns_answer,
    out_count: *mut usize,
) -> mta_sts_status {
    status_boundary(|| {
        let answer = try_ref(answer)?;
        try_out(out_count)?.write(answer.txt().len());
        Ok(())
    })
}

/// Writes the number of character-strings of TXT record `record` (0-based, in
/// received order) to `*out_count`. A `record` not below
/// `mta_sts_dns_answer_txt_count()` gives `MTA_STS_STATUS_INDEX_OUT_OF_RANGE`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_dns_answer_txt_strings_count(
    answer: *const mta_sts_dns_answer,
    record: usize,
    out_count: *mut usize,
) -> mta_sts_status {
    status_boundary(|| {
        let answer = try_ref(answer)?;
        let out = try_out(out_count)?;
        let strings = item(answer.txt(), record)?;
        out.write(strings.len());
        Ok(())
    })
}

/// Writes character-string `string` of TXT record `record` (both 0-based) to
/// `*out_string`: raw bytes (not NUL-terminated, maybe not text). The strings of one
/// record are joined without separator (RFC 8461 §3.1). The view is valid until
/// `answer` is freed. An index out of range gives `MTA_STS_STATUS_INDEX_OUT_OF_RANGE`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_dns_answer_txt_string(
    answer: *const mta_sts_dns_answer,
    record: usize,
    string: usize,
    out_string: *mut mta_sts_bytes,
) -> mta_sts_status {
    status_boundary(|| {
        let answer = try_ref(answer)?;
        let out = try_out(out_string)?;
        let bytes = answer
            .txt()
            .get(record)
            .and_then(|strings| strings.get(string))
            .ok_or(mta_sts_status::IndexOutOfRange)?;
        out.write(mta_sts_bytes {
            data: if bytes.is_empty() {
                c"".as_ptr().cast()
            } else {
                bytes.as_ptr()
            },
            len: bytes.len(),
        });
        Ok(())
    })
}

/// Writes the number of MX records to `*out_count` (0 unless the kind is `MX`).
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_dns_answer_mx_count(
    answer: *const mta_sts_dns_answer,
    out_count: *mut usize,
) -> mta_sts_status {
    status_boundary(|| {
        let answer = try_ref(answer)?;
        try_out(out_count)?.write(answer.mx().len());
        Ok(())
    })
}

/// Writes MX record `index` (0-based; sorted by preference, lowest first, equal
/// preferences in received order) to `*out_preference` and `*out_exchange`. The
/// exchange is lowercase ASCII without the trailing dot, ready for the delivery plan;
/// the view is valid until `answer` is freed. An `index` not below
/// `mta_sts_dns_answer_mx_count()` gives `MTA_STS_STATUS_INDEX_OUT_OF_RANGE`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_dns_answer_mx(
    answer: *const mta_sts_dns_answer,
    index: usize,
    out_preference: *mut u16,
    out_exchange: *mut mta_sts_str,
) -> mta_sts_status {
    status_boundary(|| {
        let answer = try_ref(answer)?;
        let out_preference = try_out(out_preference)?;
        let out_exchange = try_out(out_exchange)?;
        let record = item(answer.mx(), index)?;
        out_preference.write(record.preference);
        out_exchange.write(mta_sts_str::borrow(&record.exchange));
        Ok(())
    })
}

/// Frees an answer. `NULL` is a no-op; freeing twice is a caller bug.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_dns_answer_free(answer: *mut mta_sts_dns_answer) {
    value_boundary((), || free_handle(answer));
}

/// Splits a DNS over TCP byte stream into messages (RFC 1035 §4.2.2, RFC 7766 §8).
///
/// Made by `mta_sts_dns_tcp_decoder_new()`, freed with `mta_sts_dns_tcp_decoder_free()`.
/// It buffers at most one message (65535 bytes). Not safe for concurrent use: one
/// thread at a time (it may move between threads). Wraps
/// `mta_sts_core::dns::TcpFrameDecoder`.
pub struct mta_sts_dns_tcp_decoder {
    decoder: TcpFrameDecoder,
    /// A complete message that did not fit the caller's buffer yet.
    pending: Option<Vec<u8>>,
}

/// Writes a new decoder, waiting for the first length prefix, to `*out_decoder`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_dns_tcp_decoder_new(
    out_decoder: *mut *mut mta_sts_dns_tcp_decoder,
) -> mta_sts_status {
    status_boundary(|| {
        try_out(out_decoder)?.write(into_handle(mta_sts_dns_tcp_decoder {
            decoder: TcpFrameDecoder::new(),
            pending: None,
        }));
        Ok(())
    })
}

/// Takes bytes of `input` (what the socket returned) for the current message and
/// writes how many it took to `*out_used`: all of them, or fewer when the message
/// completed (push the rest again after `mta_sts_dns_tcp_decoder_take()`). Takes
/// nothing while a complete message waits to be taken.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_dns_tcp_decoder_push(
    decoder: *mut mta_sts_dns_tcp_decoder,
    input: *const u8,
    input_len: usize,
    out_used: *mut usize,
) -> mta_sts_status {
    status_boundary(|| {
        let input = try_slice(input, input_len)?;
        let out = try_out(out_used)?;
        let decoder = try_mut(decoder)?;
        let used = if decoder.pending.is_some() {
            0
        } else {
            decoder.decoder.push(input)
        };
        out.write(used);
        Ok(())
    })
}

/// Writes to `*out_needed` how many more bytes the current message needs: the rest of
/// the two-byte length prefix while it is incomplete, then the rest of the message; 0
/// when a complete message waits to be taken.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_dns_tcp_decoder_needed(
    decoder: *const mta_sts_dns_tcp_decoder,
    out_needed: *mut usize,
) -> mta_sts_status {
    status_boundary(|| {
        let decoder = try_ref(decoder)?;
        let needed = if decoder.pending.is_some() {
            0
        } else {
            decoder.decoder.needed()
        };
        try_out(out_needed)?.write(needed);
        Ok(())
    })
}

/// Takes the complete message: copies it to `buf` and its length to `*out_len`; the
/// decoder then waits for the next length prefix. `MTA_STS_STATUS_DNS_TCP_INCOMPLETE`
/// when no message is complete yet. When the buffer is too small, writes only the
/// needed length to `*out_len`, returns `MTA_STS_STATUS_BUFFER_TOO_SMALL` and keeps the
/// message (a 65535-byte buffer always fits).
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_dns_tcp_decoder_take(
    decoder: *mut mta_sts_dns_tcp_decoder,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> mta_sts_status {
    status_boundary(|| {
        let out = try_out_buf(buf, buf_len, out_len)?;
        let decoder = try_mut(decoder)?;
        if decoder.pending.is_none() {
            decoder.pending = decoder.decoder.take_message();
        }
        let message = decoder
            .pending
            .as_deref()
            .ok_or(mta_sts_status::DnsTcpIncomplete)?;
        out.write(message)?;
        decoder.pending = None;
        Ok(())
    })
}

/// Frees a decoder. `NULL` is a no-op; freeing twice is a caller bug.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_dns_tcp_decoder_free(decoder: *mut mta_sts_dns_tcp_decoder) {
    value_boundary((), || free_handle(decoder));
}
