//! `_smtp._tls` TXT record (RFC 8460 §3): `TlsRptRecord::parse`, the RRset selection of
//! `TlsRptRecord::from_txt_records`, and the canonical Display -> parse round trip.
//!
//! Input layout as for `sts_record`: byte 0 is the character-string length (1..=256),
//! the rest is the RRset, records separated by `\n`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tls_rpt_core::limits::{MAX_RUA_URIS, MAX_TXT_RECORD_LEN};
use tls_rpt_core::{RecordSelectError, TlsRptRecord};

fuzz_target!(|data: &[u8]| {
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(split) + 1;
    if let Ok(text) = std::str::from_utf8(rest)
        && let Ok(record) = TlsRptRecord::parse(text)
    {
        check_canonical(&record);
        assert_eq!(text.parse::<TlsRptRecord>().ok().as_ref(), Some(&record));
    }
    let records: Vec<Vec<&[u8]>> = rest
        .split(|&b| b == b'\n')
        .map(|record| record.chunks(chunk).collect())
        .collect();
    let selected = TlsRptRecord::from_txt_records(records.iter().map(|r| r.iter()));
    if records.len() == 1 {
        match (&selected, std::str::from_utf8(rest)) {
            (Ok(record), Ok(text)) => {
                let parsed = TlsRptRecord::parse(text).expect("selected record must parse alone");
                assert_eq!(record, &parsed);
            }
            (Ok(_), Err(_)) => panic!("a non-UTF-8 record was selected"),
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

fn check_canonical(record: &TlsRptRecord) {
    assert!(!record.rua().is_empty() && record.rua().len() <= MAX_RUA_URIS);
    let canonical = record.to_string();
    if canonical.len() > MAX_TXT_RECORD_LEN {
        return; // the canonical spelling may be longer than a compact one
    }
    let reparsed = TlsRptRecord::parse(&canonical)
        .unwrap_or_else(|e| panic!("canonical form {canonical:?} does not parse: {e}"));
    assert_eq!(
        record, &reparsed,
        "round trip changed the record: {canonical:?}"
    );
    assert_eq!(reparsed.to_string(), canonical);
    let rrset = [[canonical.as_bytes()]];
    assert_eq!(TlsRptRecord::from_txt_records(rrset).as_ref(), Ok(record));
}
