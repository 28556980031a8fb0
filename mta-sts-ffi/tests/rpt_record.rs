//! Scenario tests of the `_smtp._tls` TXT record (RFC 8460 §3), through the exported C API.

mod common;

use std::ptr;

use mta_sts::*;
use tls_rpt_core::TlsRptRecord;
use tls_rpt_core::limits::MAX_TXT_RECORD_LEN;

use common::*;

fn parse(text: &[u8]) -> Result<*mut mta_sts_rpt_record, mta_sts_status> {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let mut out = ptr::null_mut();
        match mta_sts_rpt_record_parse(text.as_ptr(), text.len(), &raw mut out) {
            mta_sts_status::Ok => Ok(out),
            status => Err(status),
        }
    }
}

fn rua(record: *const mta_sts_rpt_record, i: usize) -> (mta_sts_rpt_uri_scheme, String, String) {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let mut scheme = mta_sts_rpt_uri_scheme::Other;
        let mut uri = str_view("unset");
        let mut addr = str_view("unset");
        assert_eq!(
            mta_sts_rpt_record_rua(record, i, &raw mut scheme, &raw mut uri, &raw mut addr),
            mta_sts_status::Ok
        );
        (
            scheme,
            view_text(uri).to_owned(),
            view_text(addr).to_owned(),
        )
    }
}

fn count(
    f: unsafe extern "C" fn(*const mta_sts_rpt_record, *mut usize) -> mta_sts_status,
    r: *const mta_sts_rpt_record,
) -> usize {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let mut n = usize::MAX;
        assert_eq!(f(r, &raw mut n), mta_sts_status::Ok);
        n
    }
}

#[test]
fn rfc8460_s3_example_records_give_their_destinations() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let r = parse(
            b"v=TLSRPTv1; rua=mailto:reports@example.com,https://reporting.example.com/v1/tlsrpt",
        )
        .unwrap();
        assert_eq!(count(mta_sts_rpt_record_rua_count, r), 2);
        assert_eq!(
            rua(r, 0),
            (
                mta_sts_rpt_uri_scheme::Mailto,
                "mailto:reports@example.com".into(),
                "reports@example.com".into()
            )
        );
        assert_eq!(
            rua(r, 1),
            (
                mta_sts_rpt_uri_scheme::Https,
                "https://reporting.example.com/v1/tlsrpt".into(),
                String::new()
            )
        );
        let mut text = str_view("unset");
        assert_eq!(
            mta_sts_rpt_record_text(r, &raw mut text),
            mta_sts_status::Ok
        );
        assert_eq!(
            view_text(text),
            "v=TLSRPTv1; rua=mailto:reports@example.com,https://reporting.example.com/v1/tlsrpt"
        );
        mta_sts_rpt_record_free(r);
    }
}

#[test]
fn d17_dropped_uri_is_a_warning_and_extensions_are_kept() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let r =
            parse(b"v=TLSRPTv1; rua=http://r.example/x,mailto:a%40b@example.net; ext1=v").unwrap();
        assert_eq!(count(mta_sts_rpt_record_rua_count, r), 1);
        assert_eq!(rua(r, 0).2, "a@b@example.net");
        assert_eq!(count(mta_sts_rpt_record_warnings_count, r), 1);
        let mut kind = mta_sts_rpt_record_warning_kind::Other;
        let mut message = str_view("unset");
        assert_eq!(
            mta_sts_rpt_record_warning(r, 0, &raw mut kind, &raw mut message),
            mta_sts_status::Ok
        );
        assert_eq!(kind, mta_sts_rpt_record_warning_kind::UriDropped);
        assert!(
            view_text(message).contains("http://r.example/x"),
            "{}",
            view_text(message)
        );
        assert_eq!(count(mta_sts_rpt_record_extensions_count, r), 1);
        let (mut name, mut value) = (str_view("unset"), str_view("unset"));
        assert_eq!(
            mta_sts_rpt_record_extension(r, 0, &raw mut name, &raw mut value),
            mta_sts_status::Ok
        );
        assert_eq!((view_text(name), view_text(value)), ("ext1", "v"));
        mta_sts_rpt_record_free(r);
    }
}

#[test]
fn rfc8460_s3_invalid_records_give_their_code_and_leave_the_output_alone() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let cases: [(&[u8], mta_sts_status); 5] = [
            (
                b"v=TLSRPTv2; rua=mailto:a@b.example",
                mta_sts_status::RptRecordNotTlsRpt,
            ),
            (b"v=TLSRPTv1; ext=1", mta_sts_status::RptRecordMissingRua),
            (
                b"v=TLSRPTv1; rua=http://r.example/",
                mta_sts_status::RptRecordNoUsableRua,
            ),
            (
                b"v=TLSRPTv1;; rua=mailto:a@b.example",
                mta_sts_status::RptRecordEmptyField,
            ),
            (
                b"v=TLSRPTv1; rua=mailto:\xff@b.example",
                mta_sts_status::RptRecordNotUtf8,
            ),
        ];
        for (text, status) in cases {
            let sentinel = ptr::dangling_mut::<mta_sts_rpt_record>();
            let mut out = sentinel;
            assert_eq!(
                mta_sts_rpt_record_parse(text.as_ptr(), text.len(), &raw mut out),
                status
            );
            assert_eq!(out, sentinel);
        }
        let long = vec![b'a'; MAX_TXT_RECORD_LEN + 1];
        assert_eq!(parse(&long).err(), Some(mta_sts_status::RptRecordTooLong));
        // The codes agree with the core's errors.
        let e = TlsRptRecord::parse("v=TLSRPTv1; ext=1").unwrap_err();
        assert_eq!(
            mta_sts_status::from(&e),
            mta_sts_status::RptRecordMissingRua
        );
    }
}

#[test]
fn null_arguments_and_bad_indexes_are_statuses() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let mut out = ptr::null_mut();
        assert_eq!(
            mta_sts_rpt_record_parse(ptr::null(), 3, &raw mut out),
            mta_sts_status::NullParameter
        );
        let text = b"v=TLSRPTv1; rua=mailto:a@b.example";
        assert_eq!(
            mta_sts_rpt_record_parse(text.as_ptr(), text.len(), ptr::null_mut()),
            mta_sts_status::NullParameter
        );
        let r = parse(text).unwrap();
        let mut n = 5usize;
        assert_eq!(
            mta_sts_rpt_record_rua_count(ptr::null(), &raw mut n),
            mta_sts_status::NullParameter
        );
        assert_eq!(
            mta_sts_rpt_record_rua_count(r, ptr::null_mut()),
            mta_sts_status::NullParameter
        );
        assert_eq!(n, 5);
        let mut scheme = mta_sts_rpt_uri_scheme::Other;
        let mut uri = str_view("unset");
        let mut addr = str_view("unset");
        assert_eq!(
            mta_sts_rpt_record_rua(r, 1, &raw mut scheme, &raw mut uri, &raw mut addr),
            mta_sts_status::IndexOutOfRange
        );
        assert_eq!(
            mta_sts_rpt_record_rua(r, 0, &raw mut scheme, &raw mut uri, ptr::null_mut()),
            mta_sts_status::NullParameter
        );
        assert_eq!(
            (scheme, view_text(uri)),
            (mta_sts_rpt_uri_scheme::Other, "unset")
        );
        let (mut name, mut value) = (str_view("unset"), str_view("unset"));
        assert_eq!(
            mta_sts_rpt_record_extension(r, 0, &raw mut name, &raw mut value),
            mta_sts_status::IndexOutOfRange
        );
        let mut kind = mta_sts_rpt_record_warning_kind::Other;
        assert_eq!(
            mta_sts_rpt_record_warning(r, 0, &raw mut kind, &raw mut name),
            mta_sts_status::IndexOutOfRange
        );
        assert_eq!(
            mta_sts_rpt_record_text(r, ptr::null_mut()),
            mta_sts_status::NullParameter
        );
        mta_sts_rpt_record_free(r);
        mta_sts_rpt_record_free(ptr::null_mut());
    }
}

fn select(rrset: &[&[&[u8]]]) -> Result<*mut mta_sts_rpt_record, mta_sts_status> {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let strings: Vec<Vec<mta_sts_bytes>> = rrset
            .iter()
            .map(|r| {
                r.iter()
                    .map(|s| mta_sts_bytes {
                        data: s.as_ptr(),
                        len: s.len(),
                    })
                    .collect()
            })
            .collect();
        let records: Vec<mta_sts_txt_record> = strings
            .iter()
            .map(|s| mta_sts_txt_record {
                strings: s.as_ptr(),
                count: s.len(),
            })
            .collect();
        let mut out = ptr::null_mut();
        match mta_sts_rpt_record_select(records.as_ptr(), records.len(), &raw mut out) {
            mta_sts_status::Ok => Ok(out),
            status => Err(status),
        }
    }
}

#[test]
fn rfc8460_s3_selection_joins_strings_and_needs_exactly_one_record() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let r = select(&[
            &[b"v=spf1 -all"],
            &[b"v=TLSRPTv1; rua=mai", b"lto:a@b.example"],
        ])
        .unwrap();
        assert_eq!(rua(r, 0).2, "a@b.example");
        mta_sts_rpt_record_free(r);
        assert_eq!(
            select(&[&[b"v=spf1 -all"]]).err(),
            Some(mta_sts_status::RptSelectNoRecord)
        );
        let one: &[&[u8]] = &[b"v=TLSRPTv1; rua=mailto:a@b.example"];
        assert_eq!(
            select(&[one, one]).err(),
            Some(mta_sts_status::RptSelectMultipleRecords)
        );
        assert_eq!(
            select(&[&[b"v=TLSRPTv1; rua=ftp://x"]]).err(),
            Some(mta_sts_status::RptRecordNoUsableRua)
        );
        let bad = [mta_sts_bytes {
            data: ptr::null(),
            len: 1,
        }];
        let records = [mta_sts_txt_record {
            strings: bad.as_ptr(),
            count: 1,
        }];
        let mut out = ptr::null_mut();
        assert_eq!(
            mta_sts_rpt_record_select(records.as_ptr(), 1, &raw mut out),
            mta_sts_status::NullParameter
        );
        assert!(out.is_null());
    }
}
