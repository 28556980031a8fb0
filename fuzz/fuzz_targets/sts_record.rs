//! `_mta-sts` TXT record (RFC 8461 §3.1): `StsRecord::parse`, the RRset selection of
//! `StsRecord::from_txt_records`, and the canonical Display -> parse round trip.
//!
//! Input layout: byte 0 is the character-string length used to split each record
//! (1..=256, like a resolver returning 255-byte strings or a publisher splitting
//! anywhere); the rest is the RRset, records separated by `\n`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mta_sts_core::limits::MAX_TXT_RECORD_LEN;
use mta_sts_core::{RecordSelectError, StsRecord};

fuzz_target!(|data: &[u8]| {
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(split) + 1;

    // 1. The whole rest as one record, when it is text.
    if let Ok(text) = std::str::from_utf8(rest) {
        check_record(text);
    }

    // 2. The rest as an RRset of records split into character-strings.
    let records: Vec<Vec<&[u8]>> = rest
        .split(|&b| b == b'\n')
        .map(|record| record.chunks(chunk).collect())
        .collect();
    let selected = StsRecord::from_txt_records(records.iter().map(|r| r.iter()));

    if records.len() == 1 {
        // One record: the selection must agree with parsing the joined record.
        match (&selected, std::str::from_utf8(rest)) {
            (Ok(record), Ok(text)) => {
                let parsed = StsRecord::parse(text).expect("selected record must parse alone");
                assert_eq!(record, &parsed);
            }
            (Ok(_), Err(_)) => panic!("a non-UTF-8 record was selected"),
            (Err(RecordSelectError::NoRecord), Ok(text)) => {
                assert!(
                    StsRecord::parse(text).is_err(),
                    "a valid record was not selected: {text:?}"
                );
            }
            (Err(RecordSelectError::MultipleRecords { .. }), _) => {
                panic!("one record counted as several")
            }
            (Err(_), _) => {}
        }
    }
    if let Ok(record) = &selected {
        check_canonical(record);
    }
});

fn check_record(text: &str) {
    if let Ok(record) = StsRecord::parse(text) {
        check_canonical(&record);
        // FromStr is the same parser.
        assert_eq!(text.parse::<StsRecord>().ok().as_ref(), Some(&record));
    }
}

/// The canonical form parses back to an equal record, without warnings, and is a
/// fixed point of Display.
fn check_canonical(record: &StsRecord) {
    assert!(
        !record.id().is_empty() && record.id().len() <= 32,
        "id out of range: {:?}",
        record.id()
    );
    assert!(record.id().bytes().all(|b| b.is_ascii_alphanumeric()));
    let canonical = record.to_string();
    if canonical.len() > MAX_TXT_RECORD_LEN {
        // "; " between fields makes the canonical form longer than a compact record;
        // past the record limit it cannot parse again (see README, known limits).
        return;
    }
    let reparsed = StsRecord::parse(&canonical)
        .unwrap_or_else(|e| panic!("canonical form {canonical:?} does not parse: {e}"));
    assert_eq!(
        record, &reparsed,
        "round trip changed the record: {canonical:?}"
    );
    assert!(
        reparsed.warnings().is_empty(),
        "canonical form {canonical:?} has warnings {:?}",
        reparsed.warnings()
    );
    assert_eq!(reparsed.to_string(), canonical);
    // The canonical form is itself selected from a one-record RRset.
    let rrset = [[canonical.as_bytes()]];
    assert_eq!(StsRecord::from_txt_records(rrset).as_ref(), Ok(record));
}
