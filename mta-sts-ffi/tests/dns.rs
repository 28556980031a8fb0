//! Scenario tests of DNS queries, responses and DNS over TCP framing (RFC 1035), through the exported C API.

mod common;

use std::collections::HashSet;
use std::ptr;

use mta_sts_core::dns::{QueryError, ResponseError, Section, TcpFrameError};

use mta_sts::*;

use common::*;

const TXT: u32 = mta_sts_dns_type::Txt as u32;
const MX: u32 = mta_sts_dns_type::Mx as u32;

fn mx_rdata(preference: u16, exchange: &str) -> (u16, Vec<u8>) {
    let mut rdata = preference.to_be_bytes().to_vec();
    for label in exchange.split('.').filter(|l| !l.is_empty()) {
        rdata.push(u8::try_from(label.len()).unwrap());
        rdata.extend_from_slice(label.as_bytes());
    }
    rdata.push(0);
    (15, rdata)
}

fn kind(answer: *const mta_sts_dns_answer) -> mta_sts_dns_answer_kind {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let mut kind = mta_sts_dns_answer_kind::Truncated;
        assert_eq!(
            mta_sts_dns_answer_get_kind(answer, &raw mut kind),
            mta_sts_status::Ok
        );
        kind
    }
}

#[test]
fn rfc1035_s4_1_txt_query_and_answer_round_trip() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
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
        assert_eq!(bytes_of(view), b"0831085700Z;");
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
}

#[test]
fn rfc5321_s5_1_mx_answer_sorted_by_preference_and_rfc7505_null_mx() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
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
        let (mut preference, mut exchange) = (0, str_view(""));
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
}

#[test]
fn rcodes_nodata_and_truncation_are_answers() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
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
}

#[test]
fn rfc5452_s9_1_mismatches_are_told_apart_from_unusable_answers() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
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
}

#[test]
fn needed_length_semantics_and_bad_arguments() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
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
}

#[test]
fn rfc7766_s8_tcp_frames_split_a_stream_into_messages() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
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
