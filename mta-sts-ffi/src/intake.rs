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
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_report_parse(
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
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_report_read_json(
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
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_report_read_file(
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
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_report_read_email(
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
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_report_error_message(
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
