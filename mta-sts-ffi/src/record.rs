//! The `_mta-sts` TXT record: parse one, or select it from a TXT RRset (RFC 8461 §3.1).

use mta_sts_core::limits::MAX_TXT_RECORD_LEN;
use mta_sts_core::{RecordError, StsRecord};

use crate::boundary::{status_boundary, value_boundary};
use crate::convert::txt_rrset;
use crate::ffi::{free_handle, into_handle, try_out, try_ref, try_slice};
use crate::status::mta_sts_status;
use crate::view::{mta_sts_str, mta_sts_txt_record};

/// A parsed `_mta-sts` TXT record (`v=STSv1; id=...`), RFC 8461 §3.1.
///
/// Made by `mta_sts_record_parse()` or `mta_sts_record_select()`, freed with
/// `mta_sts_record_free()`. Immutable: it may be read from several threads at once;
/// freeing it must not race with any other use. Wraps `mta_sts_core::StsRecord`.
pub struct mta_sts_record {
    record: StsRecord,
}

/// Parses one TXT record whose character-strings the caller already joined.
///
/// `record`/`record_len`: the record bytes (NULL only if `record_len` is 0). On success
/// writes a new handle to `*out_record`; free it with `mta_sts_record_free()`. On
/// failure `*out_record` is untouched and the status is a `MTA_STS_STATUS_RECORD_*`
/// code (or a glue code). A record that is not ASCII is
/// `MTA_STS_STATUS_RECORD_NOT_ASCII`, whatever its encoding.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_record_parse(
    record: *const u8,
    record_len: usize,
    out_record: *mut *mut mta_sts_record,
) -> mta_sts_status {
    status_boundary(|| {
        let bytes = try_slice(record, record_len)?;
        let out = try_out(out_record)?;
        let parsed = parse_bytes(bytes)?;
        out.write(into_handle(mta_sts_record { record: parsed }));
        Ok(())
    })
}

/// Selects and parses the `_mta-sts` record from a TXT RRset (RFC 8461 §3.1).
///
/// `records`: `records_count` TXT records (NULL only if `records_count` is 0), each
/// an array of character-strings that are joined without separator. Records not
/// beginning with `v=STSv1` are ignored; exactly one must remain and be valid.
///
/// On success writes a new handle to `*out_record` (free it with
/// `mta_sts_record_free()`). On failure `*out_record` is untouched and the status says
/// why there is no policy record: `MTA_STS_STATUS_SELECT_NO_RECORD`,
/// `MTA_STS_STATUS_SELECT_MULTIPLE_RECORDS`, `MTA_STS_STATUS_SELECT_TOO_MANY_RECORDS`,
/// or the `MTA_STS_STATUS_RECORD_*` code of the one invalid record. Every pointer of
/// every record is checked before any is read.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_record_select(
    records: *const mta_sts_txt_record,
    records_count: usize,
    out_record: *mut *mut mta_sts_record,
) -> mta_sts_status {
    status_boundary(|| {
        let records = try_slice(records, records_count)?;
        let out = try_out(out_record)?;
        let rrset = txt_rrset(records)?;
        let selected = StsRecord::from_txt_records(rrset).map_err(|e| mta_sts_status::from(&e))?;
        out.write(into_handle(mta_sts_record { record: selected }));
        Ok(())
    })
}

/// The policy id of the record (`id=`, 1 to 32 letters and digits, RFC 8461 §3.1).
///
/// Compare ids only for equality. Writes a view into `*out_id`, valid until `record`
/// is freed.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_record_id(
    record: *const mta_sts_record,
    out_id: *mut mta_sts_str,
) -> mta_sts_status {
    status_boundary(|| {
        let record = try_ref(record)?;
        try_out(out_id)?.write(mta_sts_str::borrow(record.record.id()));
        Ok(())
    })
}

/// Frees a record. `NULL` is a no-op; freeing twice is a caller bug.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_record_free(record: *mut mta_sts_record) {
    value_boundary((), || free_handle(record));
}

/// Writes where `mta_sts_record_parse()` finds the error of `record`: the 0-based byte
/// offset to `*out_offset` and true to `*out_has_offset`, or false (and 0) when the
/// record parses or the error is about no single place (`MTA_STS_STATUS_RECORD_TOO_LONG`,
/// `_NOT_STS_RECORD`, `_INVALID_ID`, `_MISSING_ID`). For a non-ASCII record it is the
/// first byte that is not ASCII. It parses the record again: call it after a failed
/// parse. Thread-safe.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_record_error_offset(
    record: *const u8,
    record_len: usize,
    out_has_offset: *mut bool,
    out_offset: *mut usize,
) -> mta_sts_status {
    status_boundary(|| {
        let bytes = try_slice(record, record_len)?;
        let out_has_offset = try_out(out_has_offset)?;
        let out_offset = try_out(out_offset)?;
        let offset = match std::str::from_utf8(bytes) {
            _ if bytes.len() > MAX_TXT_RECORD_LEN => None,
            Err(_) => bytes.iter().position(|b| !b.is_ascii()),
            Ok(text) => match StsRecord::parse(text) {
                Err(
                    RecordError::NotAscii { offset }
                    | RecordError::ExpectedDelimiter { offset }
                    | RecordError::EmptyField { offset }
                    | RecordError::InvalidFieldName { offset }
                    | RecordError::InvalidValue { offset, .. },
                ) => Some(offset),
                _ => None,
            },
        };
        out_has_offset.write(offset.is_some());
        out_offset.write(offset.unwrap_or(0));
        Ok(())
    })
}

/// Parses record bytes with the error order of `StsRecord::parse` (length, then ASCII).
fn parse_bytes(bytes: &[u8]) -> Result<StsRecord, mta_sts_status> {
    if bytes.len() > MAX_TXT_RECORD_LEN {
        return Err(mta_sts_status::RecordTooLong);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| mta_sts_status::RecordNotAscii)?;
    StsRecord::parse(text).map_err(|e| mta_sts_status::from(&e))
}
