//! Report intake (RFC 8460 §5): a JSON report, a report file (`.json` or `.json.gz`,
//! with bounded decompression, docs/CONFORMANCE.md#d20) or a whole report e-mail, read into a
//! report handle with the diagnostics of the lenient parser; and the strict parser.
//!
//! DKIM is not checked here: RFC 8460 §3 says receivers MUST ignore report e-mails
//! without a valid DKIM signature, and that check belongs to the MTA or mail filter
//! that hands the message over.

use tls_rpt_core::{Intake, IntakeLimits, Report, read_email, read_json, read_report_file};

use crate::boundary::status_boundary;
use crate::ffi::{into_handle, try_out, try_out_buf, try_slice};
use crate::report::mta_sts_report;
use crate::status::mta_sts_status;

fn intake(
    data: *const u8,
    data_len: usize,
    out_report: *mut *mut mta_sts_report,
    read: impl FnOnce(&[u8]) -> Result<Intake, tls_rpt_core::IntakeError>,
) -> mta_sts_status {
    status_boundary(|| {
        let data = try_slice(data, data_len)?;
        let out = try_out(out_report)?;
        let intake = read(data).map_err(|e| mta_sts_status::from(&e))?;
        out.write(into_handle(mta_sts_report::new(
            intake.report,
            &intake.tolerations,
            &intake.notes,
        )));
        Ok(())
    })
}

/// The intake limits for a caller's bound (0: the default, 10 MiB).
fn limits(max_decompressed_len: usize) -> IntakeLimits {
    if max_decompressed_len == 0 {
        IntakeLimits::default()
    } else {
        IntakeLimits::with_max_decompressed_len(max_decompressed_len)
    }
}

/// Parses a JSON report strictly (RFC 8460 §4.4 with erratum 6241): any departure
/// from RFC form is an error.
///
/// On success writes a new handle to `*out_report` (free it with
/// `mta_sts_report_free()`); it has no tolerations and no notes, and its consistency
/// findings are listed. On failure `*out_report` is untouched and the status is a
/// `MTA_STS_STATUS_RPT_REPORT_*` code (`..._DEVIATION` for a departure the lenient
/// reader would tolerate).
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_report_parse(
    json: *const u8,
    json_len: usize,
    out_report: *mut *mut mta_sts_report,
) -> mta_sts_status {
    status_boundary(|| {
        let json = try_slice(json, json_len)?;
        let out = try_out(out_report)?;
        let report = Report::from_json(json).map_err(|e| mta_sts_status::from(&e))?;
        out.write(into_handle(mta_sts_report::new(report, &[], &[])));
        Ok(())
    })
}

/// Reads an uncompressed JSON report leniently: what real senders ship (missing or
/// misspelled members, `mx-host` as a string, zone-less dates, ...) is accepted and
/// listed by `mta_sts_report_toleration()`.
///
/// On success writes a new handle to `*out_report` (free it with
/// `mta_sts_report_free()`); on failure it is untouched and the status is a
/// `MTA_STS_STATUS_RPT_REPORT_*` code.
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_report_read_json(
    json: *const u8,
    json_len: usize,
    out_report: *mut *mut mta_sts_report,
) -> mta_sts_status {
    intake(json, json_len, out_report, read_json)
}

/// Reads a report file, `.json` or `.json.gz` (told apart by the gzip magic number,
/// not the name), leniently as `mta_sts_report_read_json()`.
///
/// `max_decompressed_len`: the most bytes decompression may produce, 0 for the
/// default (10 MiB); past it the status is
/// `MTA_STS_STATUS_RPT_INTAKE_DECOMPRESSED_TOO_LARGE` and no more is allocated
/// (docs/CONFORMANCE.md#d20). Errors: `MTA_STS_STATUS_RPT_INTAKE_*` (broken gzip, zip archive),
/// `MTA_STS_STATUS_RPT_REPORT_*`. The note `MTA_STS_RPT_INTAKE_NOTE_GZIPPED` says the
/// file was compressed.
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_report_read_file(
    data: *const u8,
    data_len: usize,
    max_decompressed_len: usize,
    out_report: *mut *mut mta_sts_report,
) -> mta_sts_status {
    intake(data, data_len, out_report, |data| {
        read_report_file(data, &limits(max_decompressed_len))
    })
}

/// Reads a whole report e-mail (RFC 5322 with MIME, RFC 8460 §5.3): finds the report
/// part by media type or file name, undoes base64 or quoted-printable, gunzips it
/// (bounded by `max_decompressed_len`, 0 for the default 10 MiB) and reads the JSON
/// leniently. Notes say how the part was found and which header fields disagree with
/// the JSON (the JSON wins, §5.6).
///
/// Errors: `MTA_STS_STATUS_RPT_INTAKE_*` (e-mail over 16 MiB, no report part, MIME too
/// complex, base64, transfer encoding, gzip), `MTA_STS_STATUS_RPT_REPORT_*`.
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_report_read_email(
    message: *const u8,
    message_len: usize,
    max_decompressed_len: usize,
    out_report: *mut *mut mta_sts_report,
) -> mta_sts_status {
    intake(message, message_len, out_report, |message| {
        read_email(message, &limits(max_decompressed_len))
    })
}

/// `mta_sts_report_error_message()` explains `mta_sts_report_parse()`.
pub const MTA_STS_RPT_READER_STRICT: u32 = 1;
/// `mta_sts_report_error_message()` explains `mta_sts_report_read_json()`.
pub const MTA_STS_RPT_READER_JSON: u32 = 2;
/// `mta_sts_report_error_message()` explains `mta_sts_report_read_file()`.
pub const MTA_STS_RPT_READER_FILE: u32 = 3;
/// `mta_sts_report_error_message()` explains `mta_sts_report_read_email()`.
pub const MTA_STS_RPT_READER_EMAIL: u32 = 4;

/// Explains why an intake function refuses `data`: runs the reader chosen by `reader`
/// (`MTA_STS_RPT_READER_STRICT`, `_JSON`, `_FILE` or `_EMAIL`) on
/// it again and writes the library's English message into the caller's buffer, e.g.
/// `policies[0].policy.mx-host: a string where the RFC has an array (erratum 6241)`.
/// The message names the JSON path, the line and column, or the container problem
/// that the status code alone cannot carry. Data the reader accepts gives an empty
/// message.
///
/// `max_decompressed_len` as for `mta_sts_report_read_file()` (ignored by the JSON
/// readers). Needed-length semantics: if `buf_len` is too small (e.g. `buf` NULL and
/// `buf_len` 0), only `*out_len` is written, with the length needed, and the status is
/// `MTA_STS_STATUS_BUFFER_TOO_SMALL`; the message is UTF-8, not NUL-terminated. An
/// unknown `reader` is `MTA_STS_STATUS_RPT_INTAKE_INVALID_READER`.
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_report_error_message(
    reader: u32,
    data: *const u8,
    data_len: usize,
    max_decompressed_len: usize,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> mta_sts_status {
    status_boundary(|| {
        let data = try_slice(data, data_len)?;
        let out = try_out_buf(buf, buf_len, out_len)?;
        let limits = limits(max_decompressed_len);
        let message = match reader {
            MTA_STS_RPT_READER_STRICT => Report::from_json(data).err().map(|e| e.to_string()),
            MTA_STS_RPT_READER_JSON => read_json(data).err().map(|e| e.to_string()),
            MTA_STS_RPT_READER_FILE => read_report_file(data, &limits).err().map(|e| e.to_string()),
            MTA_STS_RPT_READER_EMAIL => read_email(data, &limits).err().map(|e| e.to_string()),
            _ => return Err(mta_sts_status::RptIntakeInvalidReader),
        };
        out.write(message.unwrap_or_default().as_bytes())
    })
}

#[cfg(test)]
mod tests {
    use std::ptr;

    use super::*;
    use crate::ffi::view_text;
    use crate::report::{
        mta_sts_report_free, mta_sts_report_gzip, mta_sts_report_json, mta_sts_report_note,
        mta_sts_report_notes_count, mta_sts_report_toleration, mta_sts_report_tolerations_count,
        mta_sts_rpt_deviation, mta_sts_rpt_intake_note,
    };
    use crate::view::{mta_sts_bytes, mta_sts_str};

    const RFC_EXAMPLE: &[u8] =
        include_bytes!("../tests/data/tlsrpt/parsedmarc__rfc8460_example.json");
    const MICROSOFT: &[u8] = include_bytes!("../tests/data/tlsrpt/mox__microsoft.eml");
    const RFC_EMAIL: &[u8] = include_bytes!("../tests/data/tlsrpt/mail-auth__rpt01.eml");

    type Reader = extern "C" fn(*const u8, usize, *mut *mut mta_sts_report) -> mta_sts_status;

    fn read(f: Reader, data: &[u8]) -> Result<*mut mta_sts_report, mta_sts_status> {
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

    fn file(data: &[u8], limit: usize) -> Result<*mut mta_sts_report, mta_sts_status> {
        let mut out = ptr::null_mut();
        match mta_sts_report_read_file(data.as_ptr(), data.len(), limit, &raw mut out) {
            mta_sts_status::Ok => Ok(out),
            status => {
                assert!(out.is_null());
                Err(status)
            }
        }
    }

    fn email(data: &[u8]) -> Result<*mut mta_sts_report, mta_sts_status> {
        let mut out = ptr::null_mut();
        match mta_sts_report_read_email(data.as_ptr(), data.len(), 0, &raw mut out) {
            mta_sts_status::Ok => Ok(out),
            status => {
                assert!(out.is_null());
                Err(status)
            }
        }
    }

    fn tolerations(report: *const mta_sts_report) -> Vec<(mta_sts_rpt_deviation, String)> {
        let mut n = 0usize;
        assert_eq!(
            mta_sts_report_tolerations_count(report, &raw mut n),
            mta_sts_status::Ok
        );
        (0..n)
            .map(|i| {
                let mut kind = mta_sts_rpt_deviation::Other;
                let (mut path, mut message) = (mta_sts_str::borrow(""), mta_sts_str::borrow(""));
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

    fn notes(report: *const mta_sts_report) -> Vec<mta_sts_rpt_intake_note> {
        let mut n = 0usize;
        assert_eq!(
            mta_sts_report_notes_count(report, &raw mut n),
            mta_sts_status::Ok
        );
        (0..n)
            .map(|i| {
                let mut kind = mta_sts_rpt_intake_note::Other;
                let mut message = mta_sts_str::borrow("");
                assert_eq!(
                    mta_sts_report_note(report, i, &raw mut kind, &raw mut message),
                    mta_sts_status::Ok
                );
                kind
            })
            .collect()
    }

    #[test]
    fn rfc8460_erratum_6241_strict_refuses_what_lenient_tolerates() {
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
        let mut json = mta_sts_str::borrow("");
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
        let plain = read(mta_sts_report_read_json, RFC_EXAMPLE).unwrap();
        let mut gz = mta_sts_bytes {
            data: ptr::null(),
            len: 0,
        };
        assert_eq!(mta_sts_report_gzip(plain, &raw mut gz), mta_sts_status::Ok);
        let gz = try_slice(gz.data, gz.len).unwrap().to_vec();
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

    #[test]
    fn rfc8460_s5_3_real_emails_are_read_with_their_notes() {
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

    fn message(reader: u32, data: &[u8]) -> Result<String, mta_sts_status> {
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

    #[test]
    fn error_messages_name_the_json_path_the_status_cannot_carry() {
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

    #[test]
    fn intake_refuses_null_arguments() {
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
