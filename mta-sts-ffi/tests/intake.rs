//! Scenario tests of reading TLS-RPT reports from files and e-mail (RFC 8460 §5), through the exported C API.

mod common;

use std::ptr;

use mta_sts::*;

use common::*;

const RFC_EXAMPLE: &[u8] =
    include_bytes!("../../tls-rpt-core/tests/data/parsedmarc__rfc8460_example.json");
const MICROSOFT: &[u8] = include_bytes!("../../tls-rpt-core/tests/data/mox__microsoft.eml");
const RFC_EMAIL: &[u8] = include_bytes!("../../tls-rpt-core/tests/data/mail-auth__rpt01.eml");

type Reader = unsafe extern "C" fn(*const u8, usize, *mut *mut mta_sts_report) -> mta_sts_status;

fn read(f: Reader, data: &[u8]) -> Result<*mut mta_sts_report, mta_sts_status> {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let sentinel = ptr::dangling_mut::<mta_sts_report>();
        let mut out = sentinel;
        match f(data.as_ptr(), data.len(), &raw mut out) {
            mta_sts_status::Ok => Ok(out),
            status => {
                assert_eq!(out, sentinel, "output written on failure");
                Err(status)
            }
        }
    }
}

fn file(data: &[u8], limit: usize) -> Result<*mut mta_sts_report, mta_sts_status> {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let mut out = ptr::null_mut();
        match mta_sts_report_read_file(data.as_ptr(), data.len(), limit, &raw mut out) {
            mta_sts_status::Ok => Ok(out),
            status => {
                assert!(out.is_null());
                Err(status)
            }
        }
    }
}

fn email(data: &[u8]) -> Result<*mut mta_sts_report, mta_sts_status> {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let mut out = ptr::null_mut();
        match mta_sts_report_read_email(data.as_ptr(), data.len(), 0, &raw mut out) {
            mta_sts_status::Ok => Ok(out),
            status => {
                assert!(out.is_null());
                Err(status)
            }
        }
    }
}

fn tolerations(report: *const mta_sts_report) -> Vec<(mta_sts_rpt_deviation, String)> {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let mut n = 0usize;
        assert_eq!(
            mta_sts_report_tolerations_count(report, &raw mut n),
            mta_sts_status::Ok
        );
        (0..n)
            .map(|i| {
                let mut kind = mta_sts_rpt_deviation::Other;
                let (mut path, mut message) = (str_view(""), str_view(""));
                assert_eq!(
                    mta_sts_report_toleration(
                        report,
                        i,
                        &raw mut kind,
                        &raw mut path,
                        &raw mut message
                    ),
                    mta_sts_status::Ok
                );
                assert!(!view_text(message).is_empty());
                (kind, view_text(path).to_owned())
            })
            .collect()
    }
}

fn notes(report: *const mta_sts_report) -> Vec<mta_sts_rpt_intake_note> {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let mut n = 0usize;
        assert_eq!(
            mta_sts_report_notes_count(report, &raw mut n),
            mta_sts_status::Ok
        );
        (0..n)
            .map(|i| {
                let mut kind = mta_sts_rpt_intake_note::Other;
                let mut message = str_view("");
                assert_eq!(
                    mta_sts_report_note(report, i, &raw mut kind, &raw mut message),
                    mta_sts_status::Ok
                );
                kind
            })
            .collect()
    }
}

#[test]
fn rfc8460_erratum_6241_strict_refuses_what_lenient_tolerates() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        assert_eq!(
            read(mta_sts_report_parse, RFC_EXAMPLE).err(),
            Some(mta_sts_status::RptReportDeviation)
        );
        let report = read(mta_sts_report_read_json, RFC_EXAMPLE).unwrap();
        let tolerated = tolerations(report);
        assert!(
            tolerated.contains(&(
                mta_sts_rpt_deviation::MxHostAsString,
                "policies[0].policy.mx-host".into()
            )),
            "{tolerated:?}"
        );
        // Serialized back in RFC form, `mx-host` is an array: read again, nothing is left
        // to tolerate (the example's missing `receiving-ip` is RFC form,
        // docs/CONFORMANCE.md#d21), and the strict parser accepts it.
        let mut json = str_view("");
        assert_eq!(
            mta_sts_report_json(report, &raw mut json),
            mta_sts_status::Ok
        );
        assert!(view_text(json).contains(r#""mx-host":["*.mail.company-y.example"]"#));
        let again = read(mta_sts_report_read_json, view_text(json).as_bytes()).unwrap();
        assert_eq!(tolerations(again), []);
        let strict = read(mta_sts_report_parse, view_text(json).as_bytes()).unwrap();
        mta_sts_report_free(strict);
        mta_sts_report_free(again);
        mta_sts_report_free(report);
    }
}

#[test]
fn rfc8460_s4_bad_json_gives_report_codes() {
    let cases: [(&[u8], mta_sts_status); 4] = [
        (b"{", mta_sts_status::RptReportJsonSyntax),
        (b"[]", mta_sts_status::RptReportWrongType),
        (
            br#"{"organization-name":"x"}"#,
            mta_sts_status::RptReportMissingMember,
        ),
        (b"", mta_sts_status::RptReportJsonSyntax),
    ];
    for (json, status) in cases {
        assert_eq!(
            read(mta_sts_report_read_json, json).err(),
            Some(status),
            "{json:?}"
        );
        assert_eq!(
            read(mta_sts_report_parse, json).err(),
            Some(status),
            "{json:?}"
        );
    }
}

#[test]
fn d20_report_file_gzip_is_detected_and_bounded() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let plain = read(mta_sts_report_read_json, RFC_EXAMPLE).unwrap();
        let mut gz = mta_sts_bytes {
            data: ptr::null(),
            len: 0,
        };
        assert_eq!(mta_sts_report_gzip(plain, &raw mut gz), mta_sts_status::Ok);
        let gz = bytes_of(gz).to_vec();
        mta_sts_report_free(plain);

        let report = file(&gz, 0).unwrap();
        assert_eq!(notes(report), [mta_sts_rpt_intake_note::Gzipped]);
        mta_sts_report_free(report);
        let report = file(RFC_EXAMPLE, 0).unwrap();
        assert!(notes(report).is_empty());
        mta_sts_report_free(report);
        assert_eq!(
            file(&gz, 100).err(),
            Some(mta_sts_status::RptIntakeDecompressedTooLarge)
        );
        assert_eq!(
            file(&gz[..gz.len() / 2], 0).err(),
            Some(mta_sts_status::RptIntakeGzip)
        );
        assert_eq!(
            file(b"PK\x03\x04rest", 0).err(),
            Some(mta_sts_status::RptIntakeZip)
        );
    }
}

#[test]
fn rfc8460_s5_3_real_emails_are_read_with_their_notes() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let report = email(MICROSOFT).unwrap();
        let n = notes(report);
        assert!(n.contains(&mta_sts_rpt_intake_note::Gzipped), "{n:?}");
        assert!(
            n.contains(&mta_sts_rpt_intake_note::FoundByMediaType),
            "{n:?}"
        );
        let tolerated = tolerations(report);
        assert!(
            tolerated
                .iter()
                .any(|(k, _)| *k == mta_sts_rpt_deviation::DateTimeWithoutOffset),
            "{tolerated:?}"
        );
        mta_sts_report_free(report);
        let report = email(RFC_EMAIL).unwrap();
        assert!(notes(report).contains(&mta_sts_rpt_intake_note::Gzipped));
        mta_sts_report_free(report);
        assert_eq!(
            email(b"From: a@b.example\r\n\r\nhello\r\n").err(),
            Some(mta_sts_status::RptIntakeNoReportPart)
        );
    }
}

fn message(reader: u32, data: &[u8]) -> Result<String, mta_sts_status> {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let mut len = usize::MAX;
        let status = mta_sts_report_error_message(
            reader,
            data.as_ptr(),
            data.len(),
            0,
            ptr::null_mut(),
            0,
            &raw mut len,
        );
        match status {
            mta_sts_status::Ok => {
                assert_eq!(len, 0);
                return Ok(String::new());
            }
            mta_sts_status::BufferTooSmall => {}
            other => {
                assert_eq!(len, usize::MAX);
                return Err(other);
            }
        }
        let mut buf = vec![0u8; len];
        assert_eq!(
            mta_sts_report_error_message(
                reader,
                data.as_ptr(),
                data.len(),
                0,
                buf.as_mut_ptr(),
                len,
                &raw mut len
            ),
            mta_sts_status::Ok
        );
        Ok(String::from_utf8(buf).unwrap())
    }
}

#[test]
fn error_messages_name_the_json_path_the_status_cannot_carry() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let strict = MTA_STS_RPT_READER_STRICT;
        assert_eq!(
            message(strict, RFC_EXAMPLE).unwrap(),
            "policies[0].policy.mx-host: a string where the RFC has an array (erratum 6241)"
        );
        assert_eq!(message(MTA_STS_RPT_READER_JSON, RFC_EXAMPLE).unwrap(), "");
        assert!(
            message(MTA_STS_RPT_READER_JSON, b"{")
                .unwrap()
                .contains("line 1")
        );
        assert_eq!(
            message(MTA_STS_RPT_READER_FILE, b"PK\x03\x04").unwrap(),
            "zip archives are not supported (RFC 8460 uses gzip)"
        );
        assert_eq!(
            message(MTA_STS_RPT_READER_EMAIL, b"Subject: x\r\n\r\nhi").unwrap(),
            "no TLS-RPT report part in the e-mail"
        );
        assert_eq!(
            message(0, b"{}"),
            Err(mta_sts_status::RptIntakeInvalidReader)
        );
        assert_eq!(
            message(5, b"{}"),
            Err(mta_sts_status::RptIntakeInvalidReader)
        );
        let mut len = 3usize;
        assert_eq!(
            mta_sts_report_error_message(
                strict,
                ptr::null(),
                1,
                0,
                ptr::null_mut(),
                0,
                &raw mut len
            ),
            mta_sts_status::NullParameter
        );
        assert_eq!(len, 3);
    }
}

#[test]
fn intake_refuses_null_arguments() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let mut out = ptr::null_mut();
        assert_eq!(
            mta_sts_report_read_json(ptr::null(), 1, &raw mut out),
            mta_sts_status::NullParameter
        );
        assert_eq!(
            mta_sts_report_parse(ptr::null(), 1, &raw mut out),
            mta_sts_status::NullParameter
        );
        assert_eq!(
            mta_sts_report_read_file(ptr::null(), 1, 0, &raw mut out),
            mta_sts_status::NullParameter
        );
        assert_eq!(
            mta_sts_report_read_email(ptr::null(), 1, 0, &raw mut out),
            mta_sts_status::NullParameter
        );
        assert_eq!(
            mta_sts_report_read_json(RFC_EXAMPLE.as_ptr(), RFC_EXAMPLE.len(), ptr::null_mut()),
            mta_sts_status::NullParameter
        );
        assert!(out.is_null());
    }
}
