//! DNS wire format (`mta_sts_core::dns`): `DnsQuery::txt`/`mx` with an id from the
//! input, `parse_response` on the rest, and the DNS-over-TCP `TcpFrameDecoder` on the
//! same bytes.
//!
//! Input layout: byte 0 holds flags (bit 0: MX instead of TXT; bit 1: take the id from
//! the response header so the question checks are passed; bits 2-3: which query name;
//! bits 4-7: TCP chunk size), bytes 1-2 the id otherwise, the rest is the response.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mta_sts_core::dns::{DnsAnswer, DnsQuery, QueryType, TcpFrameDecoder, tcp_frame};
use mta_sts_core::limits::MAX_DNS_MESSAGE_LEN;
use mta_sts_core::{Policy, StsRecord, TxtAnswer};

const NAMES: [&str; 4] = [
    "_mta-sts.example.com",
    "example.com",
    "_MTA-STS.Example.COM.",
    "_smtp._tls.mail.example.org",
];

fuzz_target!(|data: &[u8]| {
    let [flags, id_hi, id_lo, response @ ..] = data else {
        return;
    };
    let mx = flags & 1 == 1;
    let id = match (flags & 2 == 2, response) {
        (true, [a, b, ..]) => u16::from_be_bytes([*a, *b]),
        _ => u16::from_be_bytes([*id_hi, *id_lo]),
    };
    let name = NAMES[usize::from((flags >> 2) & 3)];
    let query = if mx {
        DnsQuery::mx(name, id)
    } else {
        DnsQuery::txt(name, id)
    }
    .expect("fixed names are valid");
    assert_eq!(query.id(), id);
    // A query is never mistaken for its own answer.
    let own = query.parse_response(query.as_bytes());
    assert!(own.as_ref().is_err_and(|e| e.is_mismatch()), "{own:?}");

    check_response(&query, response);

    // The same bytes as a TCP stream, pushed in chunks.
    let chunk = usize::from(flags >> 4) + 1;
    let mut decoder = TcpFrameDecoder::new();
    let mut rebuilt = Vec::new();
    let mut consumed = 0;
    for mut piece in response.chunks(chunk) {
        while !piece.is_empty() {
            let used = decoder.push(piece);
            assert!(used <= piece.len());
            consumed += used;
            piece = &piece[used..];
            match decoder.take_message() {
                Some(message) => {
                    assert!(message.len() <= MAX_DNS_MESSAGE_LEN);
                    assert_eq!(decoder.needed(), 2);
                    rebuilt.extend(tcp_frame(&message).expect("decoded message fits a frame"));
                    check_response(&query, &message);
                }
                None => assert!(used > 0 || piece.is_empty(), "push took nothing"),
            }
        }
    }
    assert_eq!(consumed, response.len());
    // The complete messages are exactly the framed prefix of the stream.
    assert_eq!(rebuilt.as_slice(), &response[..rebuilt.len()]);
    assert!(!decoder.is_complete() || decoder.needed() == 0);
});

fn check_response(query: &DnsQuery, response: &[u8]) {
    let answer = match query.parse_response(response) {
        Ok(answer) => answer,
        Err(error) => {
            let _ = error.is_mismatch();
            let _ = error.to_string();
            return;
        }
    };
    assert_eq!(query.parse_response(response).as_ref(), Ok(&answer));
    match &answer {
        DnsAnswer::Txt(records) => {
            assert_eq!(query.query_type(), QueryType::Txt);
            assert!(!records.is_empty());
            let _ = StsRecord::from_txt_records(records);
        }
        DnsAnswer::Mx(records) => {
            assert_eq!(query.query_type(), QueryType::Mx);
            assert!(!records.is_empty());
            assert!(records.is_sorted_by_key(|r| r.preference), "{records:?}");
            let policy = Policy::parse(
                b"version: STSv1\nmode: enforce\nmx: *.example.com\nmx: mx.example.org\nmax_age: 86400\n",
            )
            .expect("fixed policy");
            for record in records {
                let host = &record.exchange;
                assert!(
                    host.is_ascii() && !host.bytes().any(|b| b.is_ascii_uppercase()),
                    "exchange {host:?} is not lower-case ASCII"
                );
                assert!(
                    !ends_with_root_dot(host),
                    "exchange {host:?} ends with a dot"
                );
                let _ = policy.matches_mx(host);
            }
        }
        DnsAnswer::NullMx => assert_eq!(query.query_type(), QueryType::Mx),
        _ => {}
    }
    let _ = TxtAnswer::from(answer);
}

/// Whether a presentation-form name ends with the root dot. Label bytes that are not
/// LDH are escaped (RFC 1035 §5.1), so `co\.` is a label ending in a '.' byte, not a
/// root dot.
fn ends_with_root_dot(name: &str) -> bool {
    let Some(rest) = name.strip_suffix('.') else {
        return false;
    };
    rest.bytes().rev().take_while(|&b| b == b'\\').count() % 2 == 0
}
