//! DNS wire helpers: queries decoded by hickory-proto, responses crafted with hickory-proto
//! (or by hand, for hostile packets) and parsed back.

use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::rdata::{CNAME, MX, TXT};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};
use mta_sts_core::StsRecord;
use mta_sts_core::dns::{
    DnsAnswer, DnsQuery, MxRecord, QueryError, QueryType, Rcode, ResponseError, Section,
    TcpFrameDecoder, tcp_frame,
};
use mta_sts_core::limits::{
    DNS_UDP_PAYLOAD_LEN, MAX_CNAME_CHAIN, MAX_DNS_ANSWERS, MAX_DNS_MESSAGE_LEN,
};
use proptest::prelude::*;

const STS_NAME: &str = "_mta-sts.example.com";

/// A name from its labels, taken as they are (no escapes), always fully qualified.
fn name(text: &str) -> Name {
    let text = text.strip_suffix('.').unwrap_or(text);
    if text.is_empty() {
        return Name::root();
    }
    Name::from_labels(text.split('.').map(str::as_bytes)).unwrap()
}

/// A response to `query` as a recursive resolver would send it: the query's header and
/// question, QR and RA set, EDNS0, no records yet.
fn response_to(query: &DnsQuery) -> Message {
    let mut message = Message::from_vec(query.as_bytes()).unwrap();
    message.metadata.message_type = MessageType::Response;
    message.metadata.recursion_available = true;
    message
}

fn txt(owner: &str, strings: &[&[u8]]) -> Record {
    Record::from_rdata(
        name(owner),
        300,
        RData::TXT(TXT::from_bytes(strings.to_vec())),
    )
}

fn mx(owner: &str, preference: u16, exchange: &str) -> Record {
    Record::from_rdata(
        name(owner),
        300,
        RData::MX(MX::new(preference, name(exchange))),
    )
}

fn cname(owner: &str, target: &str) -> Record {
    Record::from_rdata(name(owner), 300, RData::CNAME(CNAME(name(target))))
}

fn parse(query: &DnsQuery, response: &Message) -> Result<DnsAnswer, ResponseError> {
    query.parse_response(&response.to_vec().unwrap())
}

fn answer_with(query: &DnsQuery, records: Vec<Record>) -> Result<DnsAnswer, ResponseError> {
    let mut response = response_to(query);
    response.add_answers(records);
    parse(query, &response)
}

fn sts_query() -> DnsQuery {
    DnsQuery::txt(STS_NAME, 0x1234).unwrap()
}

fn strings(records: &[&[&str]]) -> DnsAnswer {
    DnsAnswer::Txt(
        records
            .iter()
            .map(|record| record.iter().map(|s| s.as_bytes().to_vec()).collect())
            .collect(),
    )
}

// ---- queries ---------------------------------------------------------------------------

#[test]
fn txt_query_decodes_with_hickory() {
    let query = DnsQuery::txt("_mta-sts.Example.com.", 0xbeef).unwrap();
    let message = Message::from_vec(query.as_bytes()).unwrap();
    assert_eq!(message.metadata.id, 0xbeef);
    assert_eq!(message.metadata.message_type, MessageType::Query);
    assert_eq!(message.metadata.op_code, OpCode::Query);
    assert!(message.metadata.recursion_desired);
    assert!(!message.metadata.truncation);
    assert_eq!(message.queries.len(), 1);
    let question = &message.queries[0];
    assert_eq!(question.query_type, RecordType::TXT);
    assert_eq!(question.query_class, DNSClass::IN);
    assert!(question.name.eq_case(&name("_mta-sts.Example.com.")));
    assert!(message.answers.is_empty() && message.authorities.is_empty());
    let edns = message.edns.as_ref().unwrap();
    assert_eq!(edns.max_payload(), DNS_UDP_PAYLOAD_LEN);
    assert_eq!(edns.version(), 0);
    assert!(!edns.flags().dnssec_ok);
    assert_eq!(query.name(), "_mta-sts.Example.com");
}

#[test]
fn mx_query_decodes_with_hickory() {
    let query = DnsQuery::mx("example.org", 7).unwrap();
    let message = Message::from_vec(query.as_bytes()).unwrap();
    assert_eq!(message.queries[0].query_type, RecordType::MX);
    assert_eq!(message.queries[0].name, name("example.org."));
    assert_eq!(
        DnsQuery::new("example.org.", QueryType::Mx, 7).unwrap(),
        query
    );
}

#[test]
fn invalid_names_are_refused() {
    assert_eq!(DnsQuery::txt("", 1), Err(QueryError::EmptyName));
    assert_eq!(
        DnsQuery::txt("_mta-sts.bücher.example", 1),
        Err(QueryError::NotAscii { offset: 10 })
    );
    assert!(matches!(
        DnsQuery::mx("exa mple.com", 1),
        Err(QueryError::InvalidChar { ch: ' ', .. })
    ));
    assert!(matches!(
        DnsQuery::mx(&"a.".repeat(128), 1),
        Err(QueryError::NameTooLong { .. })
    ));
}

#[test]
fn idn_is_converted_by_the_caller() {
    let ascii = idna::domain_to_ascii("bücher.example").unwrap();
    let query = DnsQuery::mx(&ascii, 1).unwrap();
    assert_eq!(query.name(), "xn--bcher-kva.example");
}

// ---- TXT answers -----------------------------------------------------------------------

#[test]
fn rfc8461_s3_1_txt_records_keep_their_character_strings() {
    let query = sts_query();
    let answer = answer_with(
        &query,
        vec![
            txt(STS_NAME, &[b"v=STSv1; id=1;"]),
            txt(STS_NAME, &[b"v=spf1 -all"]),
            txt(STS_NAME, &[b"a", b"", b"b"]),
        ],
    );
    assert_eq!(
        answer,
        Ok(strings(&[
            &["v=STSv1; id=1;"],
            &["v=spf1 -all"],
            &["a", "", "b"]
        ]))
    );
}

#[test]
fn edge_case_15_multi_string_txt_is_joined_without_separator() {
    let query = sts_query();
    let answer = answer_with(
        &query,
        vec![txt(STS_NAME, &[b"v=STSv1; id=2016", b"0831085700Z;"])],
    );
    let Ok(DnsAnswer::Txt(records)) = answer else {
        panic!("{answer:?}");
    };
    assert_eq!(
        records,
        [[b"v=STSv1; id=2016".to_vec(), b"0831085700Z;".to_vec()]]
    );
    let record = StsRecord::from_txt_records(records).unwrap();
    assert_eq!(record.id(), "20160831085700Z");
}

/// The real `_mta-sts` records of `tests/data/txt/txt-records.tsv` (name, value without
/// presentation quotes).
fn corpus_sts_records() -> Vec<(&'static str, &'static str)> {
    include_str!("data/txt/txt-records.tsv")
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let mut fields = line.split('\t');
            let (name, rtype, value) = (fields.next()?, fields.next()?, fields.next()?);
            (rtype == "TXT" && name.starts_with("_mta-sts."))
                .then(|| (name, value.trim_matches('"')))
        })
        .collect()
}

#[test]
fn corpus_txt_records_survive_the_wire_split_into_character_strings() {
    let records = corpus_sts_records();
    assert!(records.len() >= 7, "{records:?}");
    for (id, (owner, value)) in (0u16..).zip(records) {
        let expected = StsRecord::parse(value).unwrap();
        let query = DnsQuery::txt(owner, id).unwrap();
        // Split anywhere: the record parser joins the strings without separator.
        let (head, tail) = value.as_bytes().split_at(value.len() / 2);
        let answer = answer_with(&query, vec![txt(owner, &[head, tail])]);
        let Ok(DnsAnswer::Txt(rrset)) = answer else {
            panic!("{owner}: {answer:?}");
        };
        assert_eq!(
            StsRecord::from_txt_records(rrset).unwrap(),
            expected,
            "{owner}"
        );
    }
}

#[test]
fn edge_case_18_corpus_thundermail_cname_to_tb_pro() {
    // FIELD.md / corpus: `_mta-sts.thundermail.com` is a CNAME to `_mta-sts.tb.pro`.
    let (owner, value) = corpus_sts_records()
        .into_iter()
        .find(|(owner, _)| *owner == "_mta-sts.tb.pro")
        .unwrap();
    let query = DnsQuery::txt("_mta-sts.thundermail.com", 0x7b).unwrap();
    let answer = answer_with(
        &query,
        vec![
            cname("_mta-sts.thundermail.com.", &format!("{owner}.")),
            txt(owner, &[value.as_bytes()]),
        ],
    );
    let Ok(DnsAnswer::Txt(rrset)) = answer else {
        panic!("{answer:?}");
    };
    assert_eq!(
        StsRecord::from_txt_records(rrset).unwrap().id(),
        "18139500144460329770"
    );
}

#[test]
fn question_name_is_matched_case_insensitively() {
    let query = sts_query();
    let mut response = response_to(&query);
    // A resolver using 0x20 case randomization echoes another case.
    response.queries[0].name = name("_MTA-sts.EXAMPLE.com.");
    response.add_answer(txt("_mta-STS.example.COM.", &[b"v=STSv1; id=1;"]));
    assert_eq!(
        parse(&query, &response),
        Ok(strings(&[&["v=STSv1; id=1;"]]))
    );
}

#[test]
fn records_of_other_types_classes_and_owners_are_ignored() {
    let query = sts_query();
    let mut chaos = txt(STS_NAME, &[b"chaos"]);
    chaos.dns_class = DNSClass::CH;
    let answer = answer_with(
        &query,
        vec![
            mx(STS_NAME, 10, "mx.example.com."),
            chaos,
            txt("other.example.com.", &[b"elsewhere"]),
            txt(STS_NAME, &[b"v=STSv1; id=1;"]),
        ],
    );
    assert_eq!(answer, Ok(strings(&[&["v=STSv1; id=1;"]])));
}

#[test]
fn authority_and_additional_sections_are_ignored() {
    let query = sts_query();
    let mut response = response_to(&query);
    response.add_answer(txt(STS_NAME, &[b"v=STSv1; id=1;"]));
    response.add_authority(txt(STS_NAME, &[b"v=STSv1; id=2;"]));
    response.add_additional(txt(STS_NAME, &[b"v=STSv1; id=3;"]));
    assert_eq!(
        parse(&query, &response),
        Ok(strings(&[&["v=STSv1; id=1;"]]))
    );
}

// ---- rcodes ----------------------------------------------------------------------------

#[test]
fn rfc2308_s2_2_noerror_without_records_is_nodata() {
    let query = sts_query();
    assert_eq!(answer_with(&query, vec![]), Ok(DnsAnswer::NoData));
    // Only records of another type at the name: still NODATA.
    assert_eq!(
        answer_with(&query, vec![mx(STS_NAME, 10, "mx.example.com.")]),
        Ok(DnsAnswer::NoData)
    );
}

#[test]
fn rfc1035_s4_1_1_nxdomain_is_distinct_from_nodata() {
    let query = sts_query();
    let mut response = response_to(&query);
    response.metadata.response_code = ResponseCode::NXDomain;
    assert_eq!(parse(&query, &response), Ok(DnsAnswer::NxDomain));
}

#[test]
fn every_other_rcode_is_a_temporary_failure_carrying_it() {
    let query = sts_query();
    for (code, rcode) in [
        (ResponseCode::FormErr, Rcode::FORMERR),
        (ResponseCode::ServFail, Rcode::SERVFAIL),
        (ResponseCode::NotImp, Rcode::NOTIMP),
        (ResponseCode::Refused, Rcode::REFUSED),
        (ResponseCode::YXDomain, Rcode::from(6)),
        (ResponseCode::NotZone, Rcode::from(10)),
        (ResponseCode::Unknown(15), Rcode::from(15)),
    ] {
        let mut response = response_to(&query);
        response.metadata.response_code = code;
        // Records in a failed answer are not used.
        response.add_answer(txt(STS_NAME, &[b"v=STSv1; id=1;"]));
        assert_eq!(
            parse(&query, &response),
            Ok(DnsAnswer::TemporaryFailure { rcode }),
            "{code:?}"
        );
    }
}

#[test]
fn rfc6891_s6_1_3_extended_rcode_from_opt() {
    let query = sts_query();
    let mut response = response_to(&query);
    // BADVERS (16): hickory writes the upper bits (1) into the OPT record and the lower
    // bits (0) into the header.
    response.metadata.response_code = ResponseCode::BADVERS;
    response.set_edns(Edns::new());
    let bytes = response.to_vec().unwrap();
    assert_eq!(bytes[3] & 0x0f, 0);
    let answer = query.parse_response(&bytes);
    assert_eq!(
        answer,
        Ok(DnsAnswer::TemporaryFailure {
            rcode: Rcode::from(16)
        })
    );
    assert_eq!(Rcode::from(16).to_string(), "BADVERS");
}

// ---- truncation and TCP ----------------------------------------------------------------

#[test]
fn rfc7766_s5_tc_bit_means_retry_over_tcp() {
    let query = sts_query();
    let mut response = response_to(&query);
    response.metadata.truncation = true;
    let mut bytes = response.to_vec().unwrap();
    assert_eq!(query.parse_response(&bytes), Ok(DnsAnswer::Truncated));
    // The rest of a truncated message is not examined: a cut record or garbage is fine.
    bytes[7] = 1; // ANCOUNT = 1, but no record follows
    bytes.extend_from_slice(&[0xc0]);
    assert_eq!(query.parse_response(&bytes), Ok(DnsAnswer::Truncated));
}

#[test]
fn truncated_response_still_has_to_match_the_query() {
    let query = sts_query();
    let mut response = response_to(&query);
    response.metadata.truncation = true;
    response.metadata.id = 0x4321;
    assert!(matches!(
        parse(&query, &response),
        Err(ResponseError::IdMismatch { .. })
    ));
}

#[test]
fn rfc1035_s4_2_2_tcp_round_trip_in_small_pieces() {
    let query = sts_query();
    let sent = query.to_tcp_bytes();
    let mut server = TcpFrameDecoder::new();
    for byte in &sent {
        assert_eq!(server.push(std::slice::from_ref(byte)), 1);
    }
    let received = server.take_message().unwrap();
    assert_eq!(received, query.as_bytes());

    let mut response = response_to(&query);
    response.add_answer(txt(STS_NAME, &[b"v=STSv1; id=tcp;"]));
    let mut stream = tcp_frame(&response.to_vec().unwrap()).unwrap();
    stream.extend_from_slice(&tcp_frame(b"next").unwrap());
    let mut client = TcpFrameDecoder::new();
    let used = client.push(&stream);
    assert_eq!(used, stream.len() - 6);
    let message = client.take_message().unwrap();
    assert_eq!(
        query.parse_response(&message),
        Ok(strings(&[&["v=STSv1; id=tcp;"]]))
    );
    assert_eq!(client.push(&stream[used..]), 6);
    assert_eq!(client.take_message(), Some(b"next".to_vec()));
}

// ---- CNAME chains ----------------------------------------------------------------------

#[test]
fn edge_case_18_mta_sts_cname_to_provider_is_followed() {
    let query = sts_query();
    let answer = answer_with(
        &query,
        vec![
            cname(STS_NAME, "_mta-sts.provider.example."),
            txt("_mta-sts.provider.example.", &[b"v=STSv1; id=provider1;"]),
        ],
    );
    let Ok(DnsAnswer::Txt(records)) = answer else {
        panic!("{answer:?}");
    };
    assert_eq!(
        StsRecord::from_txt_records(records).unwrap().id(),
        "provider1"
    );
}

#[test]
fn rfc1034_s3_6_2_cname_chain_in_order() {
    let query = sts_query();
    let answer = answer_with(
        &query,
        vec![
            cname(STS_NAME, "a.example."),
            cname("a.example.", "b.example."),
            cname("b.example.", "c.example."),
            txt("c.example.", &[b"v=STSv1; id=c;"]),
        ],
    );
    assert_eq!(answer, Ok(strings(&[&["v=STSv1; id=c;"]])));
}

#[test]
fn rfc1034_s3_6_2_cname_chain_out_of_order() {
    let query = sts_query();
    let answer = answer_with(
        &query,
        vec![
            txt("c.example.", &[b"v=STSv1; id=c;"]),
            txt("b.example.", &[b"not on the chain's end"]),
            cname("B.example.", "C.EXAMPLE."),
            txt("a.example.", &[b"not on the chain's end either"]),
            cname("A.example.", "b.example."),
            cname(STS_NAME, "a.example."),
        ],
    );
    // `b.example` and `a.example` own both a CNAME and a TXT (invalid DNS): the TXT there
    // ends the chain, as a resolver would have answered it.
    assert_eq!(answer, Ok(strings(&[&["not on the chain's end either"]])));

    let answer = answer_with(
        &query,
        vec![
            txt("c.example.", &[b"v=STSv1; id=c;"]),
            cname("B.example.", "C.EXAMPLE."),
            cname("A.example.", "b.example."),
            cname(STS_NAME, "a.example."),
        ],
    );
    assert_eq!(answer, Ok(strings(&[&["v=STSv1; id=c;"]])));
}

#[test]
fn rfc1034_s3_6_2_cname_loop_is_refused() {
    let query = sts_query();
    for records in [
        vec![cname(STS_NAME, STS_NAME)],
        vec![cname(STS_NAME, "a.example."), cname("a.example.", STS_NAME)],
        vec![
            cname("b.example.", "a.example."),
            cname(STS_NAME, "a.example."),
            cname("a.example.", "B.example."),
        ],
    ] {
        let error = answer_with(&query, records).unwrap_err();
        assert!(
            matches!(error, ResponseError::CnameLoop { .. }),
            "{error:?}"
        );
        assert!(!error.is_mismatch());
    }
}

fn chain(hops: usize) -> Vec<Record> {
    let mut records = Vec::new();
    let mut owner = STS_NAME.to_owned();
    for hop in 0..hops {
        let target = format!("hop{hop}.example.");
        records.push(cname(&owner, &target));
        owner = target;
    }
    records.push(txt(&owner, &[b"v=STSv1; id=end;"]));
    records
}

#[test]
fn cname_chain_length_is_bounded() {
    let query = sts_query();
    assert_eq!(
        answer_with(&query, chain(MAX_CNAME_CHAIN)),
        Ok(strings(&[&["v=STSv1; id=end;"]]))
    );
    assert_eq!(
        answer_with(&query, chain(MAX_CNAME_CHAIN + 1)),
        Err(ResponseError::CnameChainTooLong)
    );
}

#[test]
fn dangling_cname_is_nodata_unless_the_rcode_says_otherwise() {
    let query = sts_query();
    let records = vec![cname(STS_NAME, "_mta-sts.provider.example.")];
    assert_eq!(answer_with(&query, records.clone()), Ok(DnsAnswer::NoData));

    let mut response = response_to(&query);
    response.metadata.response_code = ResponseCode::NXDomain;
    response.add_answers(records.clone());
    assert_eq!(parse(&query, &response), Ok(DnsAnswer::NxDomain));

    let mut response = response_to(&query);
    response.metadata.response_code = ResponseCode::ServFail;
    response.add_answers(records);
    assert_eq!(
        parse(&query, &response),
        Ok(DnsAnswer::TemporaryFailure {
            rcode: Rcode::SERVFAIL
        })
    );
}

#[test]
fn of_several_cnames_at_one_name_the_first_counts() {
    let query = sts_query();
    let answer = answer_with(
        &query,
        vec![
            cname(STS_NAME, "first.example."),
            cname(STS_NAME, "second.example."),
            txt("second.example.", &[b"v=STSv1; id=second;"]),
            txt("first.example.", &[b"v=STSv1; id=first;"]),
        ],
    );
    assert_eq!(answer, Ok(strings(&[&["v=STSv1; id=first;"]])));
}

#[test]
fn rfc6672_dname_is_ignored_only_cnames_are_followed() {
    let query = sts_query();
    // `example.com DNAME provider.example`; the owner points at "example.com" in the
    // question (offset 12 + 9).
    let mut record = vec![0xc0, 21, 0, 39, 0, 1, 0, 0, 1, 0, 0, 18];
    record.extend_from_slice(b"\x08provider\x07example\x00");
    let bytes = raw(&query, RESPONSE, [1, 0, 0], &record);
    assert_eq!(query.parse_response(&bytes), Ok(DnsAnswer::NoData));
}

#[test]
fn records_at_the_query_name_are_ignored_after_a_cname() {
    let query = sts_query();
    // Only the chain's last name counts, not a spoofed-looking record elsewhere.
    let answer = answer_with(
        &query,
        vec![
            cname(STS_NAME, "target.example."),
            txt("target.example.", &[b"v=STSv1; id=target;"]),
            txt("unrelated.example.", &[b"v=STSv1; id=unrelated;"]),
        ],
    );
    assert_eq!(answer, Ok(strings(&[&["v=STSv1; id=target;"]])));
}

// ---- MX answers ------------------------------------------------------------------------

fn mx_record(preference: u16, exchange: &str) -> MxRecord {
    MxRecord {
        preference,
        exchange: exchange.to_owned(),
    }
}

#[test]
fn rfc5321_s5_1_mx_sorted_by_preference_ties_in_received_order() {
    let query = DnsQuery::mx("example.com", 99).unwrap();
    let answer = answer_with(
        &query,
        vec![
            mx("example.com.", 20, "b.Example.COM."),
            mx("example.com.", 10, "mx2.example.com."),
            mx("example.com.", 20, "a.example.com."),
            mx("example.com.", 10, "mx1.example.com."),
            mx("example.com.", 5, "MX0.example.net."),
        ],
    );
    assert_eq!(
        answer,
        Ok(DnsAnswer::Mx(vec![
            mx_record(5, "mx0.example.net"),
            mx_record(10, "mx2.example.com"),
            mx_record(10, "mx1.example.com"),
            mx_record(20, "b.example.com"),
            mx_record(20, "a.example.com"),
        ]))
    );
}

#[test]
fn rfc7505_s3_null_mx_is_distinct() {
    let query = DnsQuery::mx("example.com", 99).unwrap();
    assert_eq!(
        answer_with(&query, vec![mx("example.com.", 0, ".")]),
        Ok(DnsAnswer::NullMx)
    );
    // A null MX next to real hosts (forbidden by §3) names no host: only the hosts remain.
    assert_eq!(
        answer_with(
            &query,
            vec![
                mx("example.com.", 0, "."),
                mx("example.com.", 10, "mx.example.com.")
            ]
        ),
        Ok(DnsAnswer::Mx(vec![mx_record(10, "mx.example.com")]))
    );
    assert_eq!(answer_with(&query, vec![]), Ok(DnsAnswer::NoData));
}

#[test]
fn mx_exchange_with_odd_bytes_is_escaped_never_matchable() {
    let query = DnsQuery::mx("example.com", 99).unwrap();
    let exchange = Name::from_labels([&b"a.b"[..], b"ex ample", b"com"]).unwrap();
    let record = Record::from_rdata(name("example.com."), 300, RData::MX(MX::new(1, exchange)));
    let Ok(DnsAnswer::Mx(records)) = answer_with(&query, vec![record]) else {
        panic!("expected MX");
    };
    assert_eq!(records[0].exchange, "a\\.b.ex\\040ample.com");
}

#[test]
fn mx_through_cname_and_txt_ignored_for_mx_query() {
    let query = DnsQuery::mx("example.com.", 99).unwrap();
    let answer = answer_with(
        &query,
        vec![
            cname("example.com.", "mail.provider.example."),
            txt("mail.provider.example.", &[b"v=spf1"]),
            mx("mail.provider.example.", 10, "mx.provider.example."),
        ],
    );
    assert_eq!(
        answer,
        Ok(DnsAnswer::Mx(vec![mx_record(10, "mx.provider.example")]))
    );
}

// ---- responses that do not answer the query (anti-spoofing) ----------------------------

fn assert_mismatch(result: Result<DnsAnswer, ResponseError>) -> ResponseError {
    let error = result.unwrap_err();
    assert!(error.is_mismatch(), "{error:?} should be a mismatch");
    error
}

#[test]
fn rfc5452_s9_1_wrong_id_is_a_mismatch() {
    let query = sts_query();
    let mut response = response_to(&query);
    response.metadata.id = 0x1235;
    response.add_answer(txt(STS_NAME, &[b"v=STSv1; id=spoofed;"]));
    assert_eq!(
        assert_mismatch(parse(&query, &response)),
        ResponseError::IdMismatch {
            expected: 0x1234,
            received: 0x1235
        }
    );
}

#[test]
fn rfc5452_s9_1_query_echo_is_a_mismatch() {
    let query = sts_query();
    assert_eq!(
        assert_mismatch(query.parse_response(query.as_bytes())),
        ResponseError::NotAResponse
    );
}

#[test]
fn rfc5452_s9_1_other_opcode_is_a_mismatch() {
    let query = sts_query();
    let mut response = response_to(&query);
    response.metadata.op_code = OpCode::Status;
    assert_eq!(
        assert_mismatch(parse(&query, &response)),
        ResponseError::OpcodeMismatch { opcode: 2 }
    );
}

#[test]
fn rfc5452_s9_1_other_question_is_a_mismatch() {
    let query = sts_query();
    for (qname, qtype, qclass) in [
        ("_mta-sts.example.net.", RecordType::TXT, DNSClass::IN),
        ("_mta-sts.example.com.evil.", RecordType::TXT, DNSClass::IN),
        ("example.com.", RecordType::TXT, DNSClass::IN),
        (STS_NAME, RecordType::MX, DNSClass::IN),
        (STS_NAME, RecordType::TXT, DNSClass::CH),
    ] {
        let mut response = response_to(&query);
        response.queries[0] = Query::query(name(qname), qtype);
        response.queries[0].query_class = qclass;
        response.add_answer(txt(qname, &[b"v=STSv1; id=spoofed;"]));
        let error = assert_mismatch(parse(&query, &response));
        assert!(
            matches!(error, ResponseError::QuestionMismatch { .. }),
            "{error:?}"
        );
    }
}

#[test]
fn rfc5452_s9_1_question_count_must_be_one() {
    let query = sts_query();
    let mut response = response_to(&query);
    response.queries.clear();
    assert_eq!(
        assert_mismatch(parse(&query, &response)),
        ResponseError::QuestionCount { count: 0 }
    );
    let mut response = response_to(&query);
    response.add_query(Query::query(name(STS_NAME), RecordType::TXT));
    assert_eq!(
        assert_mismatch(parse(&query, &response)),
        ResponseError::QuestionCount { count: 2 }
    );
}

// ---- hostile packets -------------------------------------------------------------------

/// Header and question of `query` with the given flags and counts, then `rest`.
fn raw(query: &DnsQuery, flags: [u8; 2], counts: [u16; 3], rest: &[u8]) -> Vec<u8> {
    // The query ends with an 11-byte OPT record.
    let question_end = query.as_bytes().len() - 11;
    let mut bytes = query.as_bytes()[..question_end].to_vec();
    bytes[2..4].copy_from_slice(&flags);
    bytes[6..8].copy_from_slice(&counts[0].to_be_bytes());
    bytes[8..10].copy_from_slice(&counts[1].to_be_bytes());
    bytes[10..12].copy_from_slice(&counts[2].to_be_bytes());
    bytes.extend_from_slice(rest);
    bytes
}

const RESPONSE: [u8; 2] = [0x81, 0x80]; // QR, RD, RA, NOERROR

#[test]
fn raw_response_parses() {
    let query = sts_query();
    // Answer: pointer to the question name, TXT, IN, TTL, RDLENGTH 4, one string "abc".
    let record = [0xc0, 12, 0, 16, 0, 1, 0, 0, 1, 0, 0, 4, 3, b'a', b'b', b'c'];
    let bytes = raw(&query, RESPONSE, [1, 0, 0], &record);
    assert_eq!(query.parse_response(&bytes), Ok(strings(&[&["abc"]])));
}

#[test]
fn every_prefix_of_a_response_is_an_error_never_a_panic() {
    let query = sts_query();
    let mut response = response_to(&query);
    response.add_answer(cname(STS_NAME, "_mta-sts.provider.example."));
    response.add_answer(txt("_mta-sts.provider.example.", &[b"v=STSv1; id=1;"]));
    let bytes = response.to_vec().unwrap();
    assert!(matches!(
        query.parse_response(&bytes),
        Ok(DnsAnswer::Txt(_))
    ));
    for len in 0..bytes.len() {
        let result = query.parse_response(&bytes[..len]);
        assert!(result.is_err(), "prefix of {len} bytes gave {result:?}");
        let mismatch = result.unwrap_err().is_mismatch();
        // Until the question is complete nothing proves the message is ours.
        assert_eq!(mismatch, len < 38, "prefix of {len} bytes");
    }
}

#[test]
fn too_short_and_too_long_inputs() {
    let query = sts_query();
    assert_eq!(
        assert_mismatch(query.parse_response(&[])),
        ResponseError::TooShort { len: 0 }
    );
    assert_eq!(
        assert_mismatch(query.parse_response(&[0x12, 0x34, 0x81])),
        ResponseError::TooShort { len: 3 }
    );
    let mut huge = raw(&query, RESPONSE, [0, 0, 0], &[]);
    huge.resize(MAX_DNS_MESSAGE_LEN + 1, 0);
    assert_eq!(
        assert_mismatch(query.parse_response(&huge)),
        ResponseError::TooLong {
            len: MAX_DNS_MESSAGE_LEN + 1
        }
    );
}

#[test]
fn compression_pointer_loops_are_malformed() {
    let query = sts_query();
    let at = u8::try_from(raw(&query, RESPONSE, [0, 0, 0], &[]).len()).unwrap();
    for owner in [
        vec![0xc0, at],               // points at itself
        vec![1, b'a', 0xc0, at],      // points back at its own start
        vec![0xc0, at + 2, 0xc0, at], // forward pointer
        vec![0xc0, 200],              // points past the end
        vec![0x80, 0],                // reserved label type
        vec![64],                     // label longer than 63
    ] {
        let mut record = owner.clone();
        record.extend_from_slice(&[0, 16, 0, 1, 0, 0, 1, 0, 0, 2, 1, b'x']);
        let bytes = raw(&query, RESPONSE, [1, 0, 0], &record);
        let error = query.parse_response(&bytes).unwrap_err();
        assert!(
            matches!(
                error,
                ResponseError::Malformed {
                    section: Section::Answer,
                    ..
                }
            ),
            "{owner:?}: {error:?}"
        );
        assert!(!error.is_mismatch());
    }
}

#[test]
fn compression_loop_in_the_question_is_a_mismatch() {
    let query = sts_query();
    let mut bytes = query.as_bytes()[..12].to_vec();
    bytes[2] = 0x81;
    bytes.extend_from_slice(&[0xc0, 12, 0, 16, 0, 1]);
    let error = assert_mismatch(query.parse_response(&bytes));
    assert!(matches!(
        error,
        ResponseError::Malformed {
            section: Section::Question,
            ..
        }
    ));
}

#[test]
fn absurd_record_counts_are_refused_before_decoding() {
    let query = sts_query();
    let bytes = raw(&query, RESPONSE, [u16::MAX, 0, 0], &[]);
    assert_eq!(
        query.parse_response(&bytes),
        Err(ResponseError::TooManyAnswers {
            count: usize::from(u16::MAX)
        })
    );
    let limit = u16::try_from(MAX_DNS_ANSWERS).unwrap();
    let bytes = raw(&query, RESPONSE, [limit, u16::MAX, u16::MAX], &[0; 40]);
    assert_eq!(
        query.parse_response(&bytes),
        Err(ResponseError::ImplausibleCounts {
            records: MAX_DNS_ANSWERS + 2 * usize::from(u16::MAX),
            remaining: 40
        })
    );
    let bytes = raw(&query, RESPONSE, [2, 0, 0], &[0; 21]);
    assert!(matches!(
        query.parse_response(&bytes),
        Err(ResponseError::ImplausibleCounts { records: 2, .. })
    ));
}

#[test]
fn empty_txt_rdata_is_malformed() {
    // RFC 1035 §3.3.14: TXT RDATA is one or more character-strings.
    let query = sts_query();
    let record = [0xc0, 12, 0, 16, 0, 1, 0, 0, 1, 0, 0, 0];
    let bytes = raw(&query, RESPONSE, [1, 0, 0], &record);
    assert!(matches!(
        query.parse_response(&bytes),
        Err(ResponseError::Malformed {
            section: Section::Answer,
            ..
        })
    ));
}

#[test]
fn answer_count_limit_is_inclusive() {
    let query = sts_query();
    let records = |count: usize| {
        (0..count)
            .map(|i| txt(STS_NAME, &[format!("record {i}").as_bytes()]))
            .collect::<Vec<_>>()
    };
    let Ok(DnsAnswer::Txt(all)) = answer_with(&query, records(MAX_DNS_ANSWERS)) else {
        panic!("{MAX_DNS_ANSWERS} answers should parse");
    };
    assert_eq!(all.len(), MAX_DNS_ANSWERS);
    assert_eq!(
        answer_with(&query, records(MAX_DNS_ANSWERS + 1)),
        Err(ResponseError::TooManyAnswers {
            count: MAX_DNS_ANSWERS + 1
        })
    );
}

#[test]
fn huge_rdata_length_is_malformed() {
    let query = sts_query();
    let record = [
        0xc0, 12, 0, 16, 0, 1, 0, 0, 1, 0, 0xff, 0xff, 3, b'a', b'b', b'c',
    ];
    let bytes = raw(&query, RESPONSE, [1, 0, 0], &record);
    assert!(matches!(
        query.parse_response(&bytes),
        Err(ResponseError::Malformed {
            section: Section::Answer,
            ..
        })
    ));
    // A character-string longer than its RDATA.
    let record = [0xc0, 12, 0, 16, 0, 1, 0, 0, 1, 0, 0, 2, 200, b'a'];
    let bytes = raw(&query, RESPONSE, [1, 0, 0], &record);
    assert!(query.parse_response(&bytes).is_err());
}

#[test]
fn malformed_authority_and_additional_sections_are_reported() {
    let query = sts_query();
    let bad = [0xc0, 12, 0, 16, 0, 1, 0, 0, 1, 0, 0, 9, 1];
    let bytes = raw(&query, RESPONSE, [0, 1, 0], &bad);
    assert!(matches!(
        query.parse_response(&bytes),
        Err(ResponseError::Malformed {
            section: Section::Authority,
            ..
        })
    ));
    let bytes = raw(&query, RESPONSE, [0, 0, 1], &bad);
    assert!(matches!(
        query.parse_response(&bytes),
        Err(ResponseError::Malformed {
            section: Section::Additional,
            ..
        })
    ));
}

fn valid_response() -> (DnsQuery, Vec<u8>) {
    let query = sts_query();
    let mut response = response_to(&query);
    response.add_answer(cname(STS_NAME, "_mta-sts.provider.example."));
    response.add_answer(txt("_mta-sts.provider.example.", &[b"v=STSv1; ", b"id=1;"]));
    response.add_authority(txt("example.com.", &[b"x"]));
    (query, response.to_vec().unwrap())
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let query = sts_query();
        let _ = query.parse_response(&bytes);
    }

    #[test]
    fn arbitrary_bytes_after_a_matching_question_never_panic(
        flags in any::<[u8; 2]>(),
        counts in any::<[u16; 3]>(),
        rest in proptest::collection::vec(any::<u8>(), 0..600),
    ) {
        let query = sts_query();
        let bytes = raw(&query, flags, counts, &rest);
        let _ = query.parse_response(&bytes);
    }

    #[test]
    fn mutated_responses_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let (query, mut bytes) = valid_response();
        for (at, byte) in edits {
            let at = at.index(bytes.len());
            bytes[at] = byte;
        }
        let cut = cut.index(bytes.len() + 1);
        let _ = query.parse_response(&bytes[..cut]);
    }

    #[test]
    fn txt_round_trip(
        labels in proptest::collection::vec("[a-z0-9_-]{1,20}", 1..5),
        id in any::<u16>(),
        records in proptest::collection::vec(
            proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..255), 1..4),
            1..5,
        ),
    ) {
        let owner = labels.join(".");
        let query = DnsQuery::txt(&owner, id).unwrap();
        let mut response = response_to(&query);
        for record in &records {
            let strings: Vec<&[u8]> = record.iter().map(Vec::as_slice).collect();
            response.add_answer(txt(&format!("{owner}."), &strings));
        }
        prop_assert_eq!(parse(&query, &response), Ok(DnsAnswer::Txt(records)));
    }

    #[test]
    fn mx_round_trip_is_a_stable_sort(
        id in any::<u16>(),
        records in proptest::collection::vec((0u16..4, "[a-z]{1,10}"), 1..12),
    ) {
        let query = DnsQuery::mx("example.com", id).unwrap();
        let mut response = response_to(&query);
        for (preference, host) in &records {
            response.add_answer(mx("example.com.", *preference, &format!("{host}.example.")));
        }
        let mut expected: Vec<MxRecord> = records
            .iter()
            .map(|(preference, host)| mx_record(*preference, &format!("{host}.example")))
            .collect();
        expected.sort_by_key(|record| record.preference);
        prop_assert_eq!(parse(&query, &response), Ok(DnsAnswer::Mx(expected)));
    }

    #[test]
    fn tcp_decoder_reassembles_any_split(
        messages in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 1..4),
        chunk in 1usize..50,
    ) {
        let stream: Vec<u8> = messages.iter().flat_map(|m| tcp_frame(m).unwrap()).collect();
        let mut decoder = TcpFrameDecoder::new();
        let mut received = Vec::new();
        for mut piece in stream.chunks(chunk) {
            while !piece.is_empty() {
                let used = decoder.push(piece);
                piece = &piece[used..];
                if let Some(message) = decoder.take_message() {
                    received.push(message);
                }
            }
        }
        prop_assert_eq!(received, messages);
        prop_assert_eq!(decoder.needed(), 2);
    }
}
