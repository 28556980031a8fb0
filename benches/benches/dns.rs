//! DNS wire helpers: building a query and parsing realistic responses, as a recursive
//! resolver sends them (name compression, EDNS0 OPT record in the additional section).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mta_sts_core::dns::{DnsAnswer, DnsQuery, TcpFrameDecoder};

const OPT_LEN: usize = 11;
/// Offset of the question name in every DNS message.
const QNAME_AT: u16 = 12;

/// The response a resolver sends to `query`: QR, RD, RA, NOERROR, the query's question,
/// `answers` (already encoded records), then an OPT record advertising 1232 bytes.
fn response(query: &DnsQuery, answer_count: u16, answers: &[u8]) -> Vec<u8> {
    let wire = query.as_bytes();
    let mut bytes = wire[..wire.len() - OPT_LEN].to_vec();
    bytes[2] = 0x81;
    bytes[3] = 0x80;
    bytes[6..8].copy_from_slice(&answer_count.to_be_bytes());
    bytes.extend_from_slice(answers);
    bytes.extend_from_slice(&[0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0]);
    bytes
}

/// Owner = pointer to the question name, then type, class IN, TTL 300 and the RDATA length.
fn record_header(out: &mut Vec<u8>, rtype: u16, rdata_len: usize) {
    out.extend_from_slice(&(0xc000 | QNAME_AT).to_be_bytes());
    out.extend_from_slice(&rtype.to_be_bytes());
    out.extend_from_slice(&[0, 1, 0, 0, 1, 0x2c]);
    out.extend_from_slice(&u16::try_from(rdata_len).unwrap().to_be_bytes());
}

/// `_mta-sts.gmail.com. 300 IN TXT "v=STSv1; id=20190429T010101;"`
fn txt_response() -> (DnsQuery, Vec<u8>) {
    let query = DnsQuery::txt("_mta-sts.gmail.com", 0x2b1f).unwrap();
    let text = b"v=STSv1; id=20190429T010101;";
    let mut answers = Vec::new();
    record_header(&mut answers, 16, text.len() + 1);
    answers.push(u8::try_from(text.len()).unwrap());
    answers.extend_from_slice(text);
    let bytes = response(&query, 1, &answers);
    (query, bytes)
}

/// gmail.com's five MX records, compressed as a resolver does: the first exchange ends
/// with a pointer to `com` in the question, the others point to the first one's
/// `gmail-smtp-in.l.google.com`.
fn mx_response() -> (DnsQuery, Vec<u8>) {
    let query = DnsQuery::mx("gmail.com", 0x77aa).unwrap();
    let header_and_question = query.as_bytes().len() - OPT_LEN;
    let com_at = QNAME_AT + 6; // after "\x05gmail"
    let mut answers = Vec::new();
    // First record: 5 gmail-smtp-in.l.google.com.
    let first_exchange: Vec<u8> = [
        &b"\x0dgmail-smtp-in\x01l\x06google"[..],
        &(0xc000 | com_at).to_be_bytes(),
    ]
    .concat();
    record_header(&mut answers, 15, 2 + first_exchange.len());
    answers.extend_from_slice(&5u16.to_be_bytes());
    let first_at = u16::try_from(header_and_question + answers.len()).unwrap();
    answers.extend_from_slice(&first_exchange);
    // Received out of order, as resolvers rotate them.
    for (preference, label) in [(30u16, "alt3"), (10, "alt1"), (40, "alt4"), (20, "alt2")] {
        let exchange: Vec<u8> = [
            &[4u8][..],
            label.as_bytes(),
            &(0xc000 | first_at).to_be_bytes(),
        ]
        .concat();
        record_header(&mut answers, 15, 2 + exchange.len());
        answers.extend_from_slice(&preference.to_be_bytes());
        answers.extend_from_slice(&exchange);
    }
    let bytes = response(&query, 5, &answers);
    (query, bytes)
}

fn build_query(c: &mut Criterion) {
    let mut g = c.benchmark_group("dns_query");
    g.bench_function("build_txt", |b| {
        b.iter(|| DnsQuery::txt(black_box("_mta-sts.gmail.com"), black_box(0x2b1f)))
    });
    g.finish();
}

fn parse_response(c: &mut Criterion) {
    let mut g = c.benchmark_group("dns_response");

    let (query, bytes) = txt_response();
    let Ok(DnsAnswer::Txt(records)) = query.parse_response(&bytes) else {
        panic!("TXT response does not parse")
    };
    assert_eq!(records, [[b"v=STSv1; id=20190429T010101;".to_vec()]]);
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("parse_txt", |b| {
        b.iter(|| query.parse_response(black_box(&bytes)))
    });

    let (query, bytes) = mx_response();
    let Ok(DnsAnswer::Mx(records)) = query.parse_response(&bytes) else {
        panic!("MX response does not parse")
    };
    let hosts: Vec<&str> = records.iter().map(|r| r.exchange.as_str()).collect();
    assert_eq!(
        hosts,
        [
            "gmail-smtp-in.l.google.com",
            "alt1.gmail-smtp-in.l.google.com",
            "alt2.gmail-smtp-in.l.google.com",
            "alt3.gmail-smtp-in.l.google.com",
            "alt4.gmail-smtp-in.l.google.com",
        ]
    );
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("parse_mx_5", |b| {
        b.iter(|| query.parse_response(black_box(&bytes)))
    });

    let mut spoofed = bytes.clone();
    spoofed[1] ^= 1;
    g.bench_function("reject_wrong_id", |b| {
        b.iter(|| query.parse_response(black_box(&spoofed)))
    });
    g.finish();
}

fn tcp_frames(c: &mut Criterion) {
    let mut g = c.benchmark_group("dns_tcp");
    let (query, bytes) = mx_response();
    let framed = mta_sts_core::dns::tcp_frame(&bytes).unwrap();
    g.throughput(Throughput::Bytes(framed.len() as u64));
    g.bench_function("decode_frame_and_parse_mx_5", |b| {
        b.iter(|| {
            let mut decoder = TcpFrameDecoder::new();
            decoder.push(black_box(&framed));
            decoder
                .take_message()
                .map(|message| query.parse_response(&message))
        })
    });
    g.finish();
}

criterion_group!(benches, build_query, parse_response, tcp_frames);
criterion_main!(benches);
