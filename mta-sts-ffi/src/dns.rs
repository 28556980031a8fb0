//! DNS wire helpers for an MTA with its own UDP or TCP socket to a recursive resolver:
//! TXT and MX query messages out, checked and typed answers in, DNS over TCP framing
//! (RFC 1035 §4.1, §4.2; RFC 5452 §9.1; RFC 7766 §8). Wraps `mta_sts_core::dns`.

use mta_sts_core::dns::{DnsAnswer, DnsQuery, MxRecord, QueryType, TcpFrameDecoder, tcp_frame};

use crate::boundary::{status_boundary, value_boundary};
use crate::convert::text;
use crate::ffi::{free_handle, into_handle, try_mut, try_out, try_out_buf, try_ref, try_slice};
use crate::status::mta_sts_status;
use crate::view::{mta_sts_bytes, mta_sts_str};

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
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_dns_query_build(
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
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_dns_tcp_frame(
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
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_dns_response_parse(
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
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_dns_answer_get_kind(
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
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_dns_answer_rcode(
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
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_dns_answer_txt_count(
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
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_dns_answer_txt_strings_count(
    answer: *const mta_sts_dns_answer,
    record: usize,
    out_count: *mut usize,
) -> mta_sts_status {
    status_boundary(|| {
        let answer = try_ref(answer)?;
        let out = try_out(out_count)?;
        let strings = answer
            .txt()
            .get(record)
            .ok_or(mta_sts_status::IndexOutOfRange)?;
        out.write(strings.len());
        Ok(())
    })
}

/// Writes character-string `string` of TXT record `record` (both 0-based) to
/// `*out_string`: raw bytes (not NUL-terminated, maybe not text). The strings of one
/// record are joined without separator (RFC 8461 §3.1). The view is valid until
/// `answer` is freed. An index out of range gives `MTA_STS_STATUS_INDEX_OUT_OF_RANGE`.
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_dns_answer_txt_string(
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
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_dns_answer_mx_count(
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
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_dns_answer_mx(
    answer: *const mta_sts_dns_answer,
    index: usize,
    out_preference: *mut u16,
    out_exchange: *mut mta_sts_str,
) -> mta_sts_status {
    status_boundary(|| {
        let answer = try_ref(answer)?;
        let out_preference = try_out(out_preference)?;
        let out_exchange = try_out(out_exchange)?;
        let record = answer
            .mx()
            .get(index)
            .ok_or(mta_sts_status::IndexOutOfRange)?;
        out_preference.write(record.preference);
        out_exchange.write(mta_sts_str::borrow(&record.exchange));
        Ok(())
    })
}

/// Frees an answer. `NULL` is a no-op; freeing twice is a caller bug.
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_dns_answer_free(answer: *mut mta_sts_dns_answer) {
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
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_dns_tcp_decoder_new(
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
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_dns_tcp_decoder_push(
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
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_dns_tcp_decoder_needed(
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
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_dns_tcp_decoder_take(
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
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_dns_tcp_decoder_free(decoder: *mut mta_sts_dns_tcp_decoder) {
    value_boundary((), || free_handle(decoder));
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::HashSet;
    use std::ptr;

    use mta_sts_core::dns::{QueryError, ResponseError, Section, TcpFrameError};

    use super::*;
    use crate::ffi::view_text;

    const TXT: u32 = mta_sts_dns_type::Txt as u32;
    const MX: u32 = mta_sts_dns_type::Mx as u32;

    pub(crate) fn build(name: &str, query_type: u32, id: u16) -> Result<Vec<u8>, mta_sts_status> {
        let mut buf = vec![0u8; 512];
        let mut len = 0;
        match mta_sts_dns_query_build(
            name.as_ptr(),
            name.len(),
            query_type,
            id,
            buf.as_mut_ptr(),
            buf.len(),
            &raw mut len,
        ) {
            mta_sts_status::Ok => {
                buf.truncate(len);
                Ok(buf)
            }
            status => Err(status),
        }
    }

    /// A response to `query` (RFC 1035 §4.1): its question, then `answers` as
    /// `(type, rdata)` records owned by the question name (compression pointer 0xc00c).
    pub(crate) fn respond(query: &[u8], rcode: u8, answers: &[(u16, Vec<u8>)]) -> Vec<u8> {
        let mut end = 12;
        while query[end] != 0 {
            end += usize::from(query[end]) + 1;
        }
        end += 1 + 4;
        let mut out = query[..2].to_vec();
        out.extend_from_slice(&[0x81, 0x80 | rcode, 0, 1]);
        out.extend_from_slice(&u16::try_from(answers.len()).unwrap().to_be_bytes());
        out.extend_from_slice(&[0, 0, 0, 0]);
        out.extend_from_slice(&query[12..end]);
        for (rtype, rdata) in answers {
            out.extend_from_slice(&[0xc0, 0x0c]);
            out.extend_from_slice(&rtype.to_be_bytes());
            out.extend_from_slice(&[0, 1, 0, 0, 1, 0x2c]);
            out.extend_from_slice(&u16::try_from(rdata.len()).unwrap().to_be_bytes());
            out.extend_from_slice(rdata);
        }
        out
    }

    pub(crate) fn txt_rdata(strings: &[&[u8]]) -> (u16, Vec<u8>) {
        let mut rdata = Vec::new();
        for s in strings {
            rdata.push(u8::try_from(s.len()).unwrap());
            rdata.extend_from_slice(s);
        }
        (16, rdata)
    }

    fn mx_rdata(preference: u16, exchange: &str) -> (u16, Vec<u8>) {
        let mut rdata = preference.to_be_bytes().to_vec();
        for label in exchange.split('.').filter(|l| !l.is_empty()) {
            rdata.push(u8::try_from(label.len()).unwrap());
            rdata.extend_from_slice(label.as_bytes());
        }
        rdata.push(0);
        (15, rdata)
    }

    pub(crate) fn parse(
        name: &str,
        query_type: u32,
        id: u16,
        response: &[u8],
    ) -> Result<*mut mta_sts_dns_answer, mta_sts_status> {
        let mut out = ptr::null_mut();
        match mta_sts_dns_response_parse(
            name.as_ptr(),
            name.len(),
            query_type,
            id,
            response.as_ptr(),
            response.len(),
            &raw mut out,
        ) {
            mta_sts_status::Ok => Ok(out),
            status => Err(status),
        }
    }

    fn kind(answer: *const mta_sts_dns_answer) -> mta_sts_dns_answer_kind {
        let mut kind = mta_sts_dns_answer_kind::Truncated;
        assert_eq!(
            mta_sts_dns_answer_get_kind(answer, &raw mut kind),
            mta_sts_status::Ok
        );
        kind
    }

    #[test]
    fn rfc1035_s4_1_txt_query_and_answer_round_trip() {
        let name = "_mta-sts.example.com";
        let query = build(name, TXT, 0x5eed).unwrap();
        assert_eq!(query[..2], [0x5e, 0xed]);
        let response = respond(
            &query,
            0,
            &[
                txt_rdata(&[b"v=spf1 -all"]),
                txt_rdata(&[b"v=STSv1; id=2016", b"0831085700Z;"]),
            ],
        );
        let answer = parse(name, TXT, 0x5eed, &response).unwrap();
        assert_eq!(kind(answer), mta_sts_dns_answer_kind::Txt);
        let mut count = 0;
        assert_eq!(
            mta_sts_dns_answer_txt_count(answer, &raw mut count),
            mta_sts_status::Ok
        );
        assert_eq!(count, 2);
        assert_eq!(
            mta_sts_dns_answer_txt_strings_count(answer, 1, &raw mut count),
            mta_sts_status::Ok
        );
        assert_eq!(count, 2);
        let mut view = mta_sts_bytes {
            data: ptr::null(),
            len: 0,
        };
        assert_eq!(
            mta_sts_dns_answer_txt_string(answer, 1, 1, &raw mut view),
            mta_sts_status::Ok
        );
        assert_eq!(try_slice(view.data, view.len).unwrap(), b"0831085700Z;");
        assert_eq!(
            mta_sts_dns_answer_txt_string(answer, 1, 2, &raw mut view),
            mta_sts_status::IndexOutOfRange
        );
        assert_eq!(
            mta_sts_dns_answer_txt_strings_count(answer, 2, &raw mut count),
            mta_sts_status::IndexOutOfRange
        );
        assert_eq!(count, 2, "untouched on failure");
        // A TXT answer has no MX records.
        assert_eq!(
            mta_sts_dns_answer_mx_count(answer, &raw mut count),
            mta_sts_status::Ok
        );
        assert_eq!(count, 0);
        mta_sts_dns_answer_free(answer);
    }

    #[test]
    fn rfc5321_s5_1_mx_answer_sorted_by_preference_and_rfc7505_null_mx() {
        let name = "example.com";
        let query = build(name, MX, 7).unwrap();
        let response = respond(
            &query,
            0,
            &[
                mx_rdata(20, "MX2.Example.com"),
                mx_rdata(10, "mail.example.com"),
            ],
        );
        let answer = parse(name, MX, 7, &response).unwrap();
        assert_eq!(kind(answer), mta_sts_dns_answer_kind::Mx);
        let (mut preference, mut exchange) = (0, mta_sts_str::borrow(""));
        assert_eq!(
            mta_sts_dns_answer_mx(answer, 0, &raw mut preference, &raw mut exchange),
            mta_sts_status::Ok
        );
        assert_eq!((preference, view_text(exchange)), (10, "mail.example.com"));
        assert_eq!(
            mta_sts_dns_answer_mx(answer, 1, &raw mut preference, &raw mut exchange),
            mta_sts_status::Ok
        );
        assert_eq!((preference, view_text(exchange)), (20, "mx2.example.com"));
        assert_eq!(
            mta_sts_dns_answer_mx(answer, 2, &raw mut preference, &raw mut exchange),
            mta_sts_status::IndexOutOfRange
        );
        mta_sts_dns_answer_free(answer);

        let null = respond(&query, 0, &[mx_rdata(0, ".")]);
        let answer = parse(name, MX, 7, &null).unwrap();
        assert_eq!(kind(answer), mta_sts_dns_answer_kind::NullMx);
        mta_sts_dns_answer_free(answer);
    }

    #[test]
    fn rcodes_nodata_and_truncation_are_answers() {
        let name = "_mta-sts.example.com";
        let query = build(name, TXT, 1).unwrap();
        for (rcode, expected, code) in [
            (0, mta_sts_dns_answer_kind::NoData, 0),
            (3, mta_sts_dns_answer_kind::NxDomain, 3),
            (2, mta_sts_dns_answer_kind::TemporaryFailure, 2),
            (5, mta_sts_dns_answer_kind::TemporaryFailure, 5),
        ] {
            let answer = parse(name, TXT, 1, &respond(&query, rcode, &[])).unwrap();
            assert_eq!(kind(answer), expected);
            let mut got = u16::MAX;
            assert_eq!(
                mta_sts_dns_answer_rcode(answer, &raw mut got),
                mta_sts_status::Ok
            );
            assert_eq!(got, code);
            mta_sts_dns_answer_free(answer);
        }
        let mut truncated = respond(&query, 0, &[]);
        truncated[2] |= 0x02;
        let answer = parse(name, TXT, 1, &truncated).unwrap();
        assert_eq!(kind(answer), mta_sts_dns_answer_kind::Truncated);
        mta_sts_dns_answer_free(answer);
    }

    #[test]
    fn rfc5452_s9_1_mismatches_are_told_apart_from_unusable_answers() {
        let name = "_mta-sts.example.com";
        let query = build(name, TXT, 9).unwrap();
        let good = respond(&query, 0, &[txt_rdata(&[b"v=STSv1; id=1"])]);
        let sentinel = ptr::dangling_mut::<mta_sts_dns_answer>();
        for (response, name, id, status) in [
            (
                good.clone(),
                name,
                10,
                mta_sts_status::DnsResponseIdMismatch,
            ),
            (
                good.clone(),
                "_mta-sts.example.net",
                9,
                mta_sts_status::DnsResponseQuestionMismatch,
            ),
            (
                query.clone(),
                name,
                9,
                mta_sts_status::DnsResponseNotAResponse,
            ),
            (
                good[..5].to_vec(),
                name,
                9,
                mta_sts_status::DnsResponseTooShort,
            ),
            (
                good[..good.len() - 2].to_vec(),
                name,
                9,
                mta_sts_status::DnsResponseMalformed,
            ),
        ] {
            let mut out = sentinel;
            assert_eq!(
                mta_sts_dns_response_parse(
                    name.as_ptr(),
                    name.len(),
                    TXT,
                    id,
                    response.as_ptr(),
                    response.len(),
                    &raw mut out,
                ),
                status
            );
            assert_eq!(out, sentinel, "untouched on failure");
            let expected_mismatch = status != mta_sts_status::DnsResponseMalformed;
            assert_eq!(
                mta_sts_dns_status_is_mismatch(status as u32),
                expected_mismatch,
                "{status:?}"
            );
        }
        assert!(!mta_sts_dns_status_is_mismatch(0));
        assert!(!mta_sts_dns_status_is_mismatch(u32::MAX));
    }

    #[test]
    fn needed_length_semantics_and_bad_arguments() {
        let name = "example.com";
        let needed = build(name, MX, 1).unwrap().len();
        let mut len = 0;
        assert_eq!(
            mta_sts_dns_query_build(
                name.as_ptr(),
                name.len(),
                MX,
                1,
                ptr::null_mut(),
                0,
                &raw mut len
            ),
            mta_sts_status::BufferTooSmall
        );
        assert_eq!(len, needed);
        let mut small = [0xaau8; 4];
        assert_eq!(
            mta_sts_dns_query_build(
                name.as_ptr(),
                name.len(),
                MX,
                1,
                small.as_mut_ptr(),
                small.len(),
                &raw mut len
            ),
            mta_sts_status::BufferTooSmall
        );
        assert_eq!(small, [0xaa; 4], "buffer untouched");
        let mut buf = [0u8; 512];
        for (name, query_type, status) in [
            (&b"example.com"[..], 1, mta_sts_status::UnknownEnumValue),
            (b"\xff.example", MX, mta_sts_status::InvalidUtf8),
            (b"", MX, mta_sts_status::DnsQueryEmptyName),
            (b"a..b", MX, mta_sts_status::DnsQueryEmptyLabel),
            (
                "bücher.example".as_bytes(),
                MX,
                mta_sts_status::DnsQueryNotAscii,
            ),
            (b"a b.example", MX, mta_sts_status::DnsQueryInvalidChar),
        ] {
            let mut len = usize::MAX;
            assert_eq!(
                mta_sts_dns_query_build(
                    name.as_ptr(),
                    name.len(),
                    query_type,
                    1,
                    buf.as_mut_ptr(),
                    buf.len(),
                    &raw mut len
                ),
                status,
                "{name:?}"
            );
            assert_eq!(len, usize::MAX, "untouched on failure");
        }
        assert_eq!(
            mta_sts_dns_query_build(ptr::null(), 3, MX, 1, buf.as_mut_ptr(), 512, &raw mut len),
            mta_sts_status::NullParameter
        );
        assert_eq!(
            mta_sts_dns_query_build(name.as_ptr(), 11, MX, 1, ptr::null_mut(), 512, &raw mut len),
            mta_sts_status::NullParameter
        );
        assert_eq!(
            mta_sts_dns_query_build(
                name.as_ptr(),
                11,
                MX,
                1,
                buf.as_mut_ptr(),
                512,
                ptr::null_mut()
            ),
            mta_sts_status::NullParameter
        );
        let mut out = ptr::null_mut();
        assert_eq!(
            mta_sts_dns_response_parse(name.as_ptr(), 11, MX, 1, ptr::null(), 1, &raw mut out),
            mta_sts_status::NullParameter
        );
        assert_eq!(
            mta_sts_dns_response_parse(name.as_ptr(), 11, 99, 1, buf.as_ptr(), 12, &raw mut out),
            mta_sts_status::UnknownEnumValue
        );
        let mut kind = mta_sts_dns_answer_kind::Txt;
        assert_eq!(
            mta_sts_dns_answer_get_kind(ptr::null(), &raw mut kind),
            mta_sts_status::NullParameter
        );
        let mut count = 0;
        assert_eq!(
            mta_sts_dns_answer_txt_count(ptr::null(), &raw mut count),
            mta_sts_status::NullParameter
        );
        mta_sts_dns_answer_free(ptr::null_mut());
        mta_sts_dns_tcp_decoder_free(ptr::null_mut());
    }

    #[test]
    fn rfc7766_s8_tcp_frames_split_a_stream_into_messages() {
        let mut frames = Vec::new();
        for message in [&b"first"[..], b"second"] {
            let mut buf = [0u8; 16];
            let mut len = 0;
            assert_eq!(
                mta_sts_dns_tcp_frame(
                    message.as_ptr(),
                    message.len(),
                    buf.as_mut_ptr(),
                    buf.len(),
                    &raw mut len
                ),
                mta_sts_status::Ok
            );
            frames.extend_from_slice(&buf[..len]);
        }
        assert_eq!(&frames[..7], b"\x00\x05first");
        let long = vec![0u8; 65_536];
        let mut len = 0;
        assert_eq!(
            mta_sts_dns_tcp_frame(long.as_ptr(), long.len(), ptr::null_mut(), 0, &raw mut len),
            mta_sts_status::DnsTcpFrameTooLong
        );

        let mut decoder = ptr::null_mut();
        assert_eq!(
            mta_sts_dns_tcp_decoder_new(&raw mut decoder),
            mta_sts_status::Ok
        );
        let mut messages = Vec::new();
        let mut out = [0u8; 4];
        let mut big = [0u8; 64];
        for chunk in frames.chunks(3) {
            let mut rest = chunk;
            while !rest.is_empty() {
                let mut used = usize::MAX;
                assert_eq!(
                    mta_sts_dns_tcp_decoder_push(decoder, rest.as_ptr(), rest.len(), &raw mut used),
                    mta_sts_status::Ok
                );
                rest = &rest[used..];
                let mut len = 0;
                match mta_sts_dns_tcp_decoder_take(
                    decoder,
                    out.as_mut_ptr(),
                    out.len(),
                    &raw mut len,
                ) {
                    mta_sts_status::DnsTcpIncomplete => assert!(used > 0),
                    mta_sts_status::BufferTooSmall => {
                        // Kept: pushing takes nothing, needed is 0, a bigger buffer works.
                        let mut needed = usize::MAX;
                        assert_eq!(
                            mta_sts_dns_tcp_decoder_needed(decoder, &raw mut needed),
                            mta_sts_status::Ok
                        );
                        assert_eq!(needed, 0);
                        let mut none = usize::MAX;
                        assert_eq!(
                            mta_sts_dns_tcp_decoder_push(decoder, b"x".as_ptr(), 1, &raw mut none),
                            mta_sts_status::Ok
                        );
                        assert_eq!(none, 0);
                        assert!(len > out.len());
                        assert_eq!(
                            mta_sts_dns_tcp_decoder_take(
                                decoder,
                                big.as_mut_ptr(),
                                big.len(),
                                &raw mut len
                            ),
                            mta_sts_status::Ok
                        );
                        messages.push(big[..len].to_vec());
                    }
                    status => panic!("{status:?}"),
                }
            }
        }
        assert_eq!(messages, [b"first".to_vec(), b"second".to_vec()]);
        let mut needed = 0;
        assert_eq!(
            mta_sts_dns_tcp_decoder_needed(decoder, &raw mut needed),
            mta_sts_status::Ok
        );
        assert_eq!(needed, 2);
        assert_eq!(
            mta_sts_dns_tcp_decoder_push(decoder, ptr::null(), 1, &raw mut needed),
            mta_sts_status::NullParameter
        );
        mta_sts_dns_tcp_decoder_free(decoder);
    }

    #[test]
    fn every_dns_error_variant_gets_a_distinct_code_in_its_range() {
        let query = [
            QueryError::EmptyName,
            QueryError::NameTooLong { len: 300 },
            QueryError::EmptyLabel { index: 0 },
            QueryError::LabelTooLong { index: 0, len: 64 },
            QueryError::NotAscii { offset: 0 },
            QueryError::InvalidChar { ch: ' ', offset: 0 },
            QueryError::Encode { detail: "x".into() },
        ]
        .iter()
        .map(mta_sts_status::from)
        .chain([mta_sts_status::from(&TcpFrameError { len: 70_000 })])
        .collect::<Vec<_>>();
        let response = [
            ResponseError::TooShort { len: 1 },
            ResponseError::TooLong { len: 70_000 },
            ResponseError::IdMismatch {
                expected: 1,
                received: 2,
            },
            ResponseError::NotAResponse,
            ResponseError::OpcodeMismatch { opcode: 1 },
            ResponseError::QuestionCount { count: 2 },
            ResponseError::QuestionMismatch {
                name: "a".into(),
                qtype: 1,
                qclass: 1,
            },
            ResponseError::Malformed {
                section: Section::Question,
                detail: "x".into(),
            },
            ResponseError::Malformed {
                section: Section::Answer,
                detail: "x".into(),
            },
            ResponseError::TooManyAnswers { count: 1000 },
            ResponseError::ImplausibleCounts {
                records: 9,
                remaining: 1,
            },
            ResponseError::CnameLoop { name: "a".into() },
            ResponseError::CnameChainTooLong,
        ];
        let mut seen = HashSet::new();
        for status in &query {
            assert!((1800..1900).contains(&(*status as u32)), "{status:?}");
            assert!(seen.insert(*status), "{status:?}");
        }
        for error in &response {
            let status = mta_sts_status::from(error);
            assert!((1900..1999).contains(&(status as u32)), "{status:?}");
            assert!(seen.insert(status), "{status:?}");
            // The C helper agrees with the core on what a mismatch is.
            assert_eq!(
                mta_sts_dns_status_is_mismatch(status as u32),
                error.is_mismatch(),
                "{error:?}"
            );
        }
    }
}
