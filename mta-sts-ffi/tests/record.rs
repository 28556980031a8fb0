//! Scenario tests of the `_mta-sts` TXT record (RFC 8461 §3.1), through the exported C API.

mod common;

use std::ptr;

use mta_sts::*;
use mta_sts_core::limits::MAX_TXT_RECORD_LEN;

use common::*;

fn parse(text: &[u8]) -> Result<*mut mta_sts_record, mta_sts_status> {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let mut out = ptr::null_mut();
        match mta_sts_record_parse(text.as_ptr(), text.len(), &raw mut out) {
            mta_sts_status::Ok => Ok(out),
            status => Err(status),
        }
    }
}

fn id(record: *const mta_sts_record) -> String {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let mut view = str_view("unset");
        assert_eq!(mta_sts_record_id(record, &raw mut view), mta_sts_status::Ok);
        view_text(view).to_owned()
    }
}

#[test]
fn rfc8461_s3_1_example_record_parses() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let record = parse(b"v=STSv1; id=20160831085700Z;").unwrap();
        assert_eq!(id(record), "20160831085700Z");
        mta_sts_record_free(record);
    }
}

#[test]
fn rfc8461_s3_1_errors_map_to_record_codes_and_leave_the_output_alone() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        for (input, status) in [
            (&b"v=STSv1;"[..], mta_sts_status::RecordMissingId),
            (b"v=STSv2; id=1", mta_sts_status::RecordNotStsRecord),
            (b"v=STSv1; id=a_b", mta_sts_status::RecordInvalidId),
            (b"v=STSv1; id=1;;", mta_sts_status::RecordEmptyField),
            (b"v=STSv1; id=\xff", mta_sts_status::RecordNotAscii),
            (b"v=STSv1; id=\xc3\xa9", mta_sts_status::RecordNotAscii),
        ] {
            let sentinel = ptr::dangling_mut::<mta_sts_record>();
            let mut out = sentinel;
            assert_eq!(
                mta_sts_record_parse(input.as_ptr(), input.len(), &raw mut out),
                status,
                "{input:?}"
            );
            assert_eq!(out, sentinel);
        }
        let long = vec![b'a'; MAX_TXT_RECORD_LEN + 1];
        assert_eq!(parse(&long).err(), Some(mta_sts_status::RecordTooLong));
    }
}

#[test]
fn null_arguments_are_statuses() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let mut out = ptr::null_mut();
        assert_eq!(
            mta_sts_record_parse(ptr::null(), 3, &raw mut out),
            mta_sts_status::NullParameter
        );
        assert_eq!(
            mta_sts_record_parse(b"v".as_ptr(), 1, ptr::null_mut()),
            mta_sts_status::NullParameter
        );
        assert_eq!(
            mta_sts_record_parse(ptr::null(), 0, &raw mut out),
            mta_sts_status::RecordNotStsRecord
        );
        let mut view = str_view("");
        assert_eq!(
            mta_sts_record_id(ptr::null(), &raw mut view),
            mta_sts_status::NullParameter
        );
        mta_sts_record_free(ptr::null_mut());
    }
}

fn bytes(s: &[u8]) -> mta_sts_bytes {
    mta_sts_bytes {
        data: s.as_ptr(),
        len: s.len(),
    }
}

fn select(rrset: &[&[mta_sts_bytes]]) -> Result<*mut mta_sts_record, mta_sts_status> {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let records: Vec<mta_sts_txt_record> = rrset
            .iter()
            .map(|r| mta_sts_txt_record {
                strings: r.as_ptr(),
                count: r.len(),
            })
            .collect();
        let mut out = ptr::null_mut();
        match mta_sts_record_select(records.as_ptr(), records.len(), &raw mut out) {
            mta_sts_status::Ok => Ok(out),
            status => Err(status),
        }
    }
}

#[test]
fn rfc8461_s3_1_selection_joins_strings_without_spaces_and_ignores_other_records() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let spf = [bytes(b"v=spf1 -all")];
        let sts = [bytes(b"v=STSv1; id=2016"), bytes(b"0831085700Z;")];
        let record = select(&[&spf, &sts]).unwrap();
        assert_eq!(id(record), "20160831085700Z");
        mta_sts_record_free(record);
    }
}

#[test]
fn rfc8461_s3_1_selection_needs_exactly_one_valid_record() {
    let one = [bytes(b"v=STSv1; id=1")];
    let two = [bytes(b"v=STSv1; id=2")];
    let bad = [bytes(b"v=STSv1; id=")];
    let spf = [bytes(b"v=spf1 -all")];
    assert_eq!(
        select(&[&one, &two]).err(),
        Some(mta_sts_status::SelectMultipleRecords)
    );
    assert_eq!(select(&[&spf]).err(), Some(mta_sts_status::SelectNoRecord));
    assert_eq!(select(&[]).err(), Some(mta_sts_status::SelectNoRecord));
    assert_eq!(
        select(&[&bad]).err(),
        Some(mta_sts_status::RecordInvalidValue)
    );
}

#[test]
fn selection_checks_every_pointer_before_reading() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let broken = [mta_sts_bytes {
            data: ptr::null(),
            len: 4,
        }];
        let one = [bytes(b"v=STSv1; id=1")];
        assert_eq!(
            select(&[&one, &broken]).err(),
            Some(mta_sts_status::NullParameter)
        );
        let records = [mta_sts_txt_record {
            strings: ptr::null(),
            count: 1,
        }];
        let mut out = ptr::null_mut();
        assert_eq!(
            mta_sts_record_select(records.as_ptr(), 1, &raw mut out),
            mta_sts_status::NullParameter
        );
        assert!(out.is_null());
    }
}

#[test]
fn selection_refuses_an_oversized_rrset() {
    let one = [bytes(b"v=spf1")];
    let rrset: Vec<&[mta_sts_bytes]> = vec![&one; mta_sts_core::limits::MAX_TXT_RECORDS + 1];
    assert_eq!(
        select(&rrset).err(),
        Some(mta_sts_status::SelectTooManyRecords)
    );
}

#[test]
fn rfc8461_s3_1_error_offset_points_at_the_offending_byte() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        for (input, expected) in [
            (&b"v=STSv1; id=1;;"[..], Some(14)),
            (b"v=STSv1; id=1 x", Some(14)),
            (b"v=STSv1; id=\xc3\xa9", Some(12)),
            (b"v=STSv1; id=\xff", Some(12)),
            (b"v=STSv1;", None),
            (b"v=STSv1; id=20160831085700Z;", None),
        ] {
            let (mut has, mut offset) = (expected.is_none(), usize::MAX);
            assert_eq!(
                mta_sts_record_error_offset(
                    input.as_ptr(),
                    input.len(),
                    &raw mut has,
                    &raw mut offset
                ),
                mta_sts_status::Ok
            );
            assert_eq!(has.then_some(offset), expected, "{input:?}");
        }
        let (mut has, mut offset) = (true, 9);
        assert_eq!(
            mta_sts_record_error_offset(ptr::null(), 2, &raw mut has, &raw mut offset),
            mta_sts_status::NullParameter
        );
        assert_eq!(
            mta_sts_record_error_offset(b"v".as_ptr(), 1, &raw mut has, ptr::null_mut()),
            mta_sts_status::NullParameter
        );
        assert_eq!((has, offset), (true, 9), "untouched on failure");
    }
}
