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
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_record_parse(
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
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_record_select(
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
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_record_id(
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
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_record_free(record: *mut mta_sts_record) {
    value_boundary((), || free_handle(record));
}

/// Writes where `mta_sts_record_parse()` finds the error of `record`: the 0-based byte
/// offset to `*out_offset` and true to `*out_has_offset`, or false (and 0) when the
/// record parses or the error is about no single place (`MTA_STS_STATUS_RECORD_TOO_LONG`,
/// `_NOT_STS_RECORD`, `_INVALID_ID`, `_MISSING_ID`). For a non-ASCII record it is the
/// first byte that is not ASCII. It parses the record again: call it after a failed
/// parse. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_record_error_offset(
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

#[cfg(test)]
mod tests {
    use std::ptr;

    use super::*;
    use crate::ffi::view_text;
    use crate::view::mta_sts_bytes;

    fn parse(text: &[u8]) -> Result<*mut mta_sts_record, mta_sts_status> {
        let mut out = ptr::null_mut();
        match mta_sts_record_parse(text.as_ptr(), text.len(), &raw mut out) {
            mta_sts_status::Ok => Ok(out),
            status => Err(status),
        }
    }

    fn id(record: *const mta_sts_record) -> String {
        let mut view = mta_sts_str::borrow("unset");
        assert_eq!(mta_sts_record_id(record, &raw mut view), mta_sts_status::Ok);
        view_text(view).to_owned()
    }

    #[test]
    fn rfc8461_s3_1_example_record_parses() {
        let record = parse(b"v=STSv1; id=20160831085700Z;").unwrap();
        assert_eq!(id(record), "20160831085700Z");
        mta_sts_record_free(record);
    }

    #[test]
    fn rfc8461_s3_1_errors_map_to_record_codes_and_leave_the_output_alone() {
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

    #[test]
    fn null_arguments_are_statuses() {
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
        let mut view = mta_sts_str::borrow("");
        assert_eq!(
            mta_sts_record_id(ptr::null(), &raw mut view),
            mta_sts_status::NullParameter
        );
        mta_sts_record_free(ptr::null_mut());
    }

    fn bytes(s: &[u8]) -> mta_sts_bytes {
        mta_sts_bytes {
            data: s.as_ptr(),
            len: s.len(),
        }
    }

    fn select(rrset: &[&[mta_sts_bytes]]) -> Result<*mut mta_sts_record, mta_sts_status> {
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

    #[test]
    fn rfc8461_s3_1_selection_joins_strings_without_spaces_and_ignores_other_records() {
        let spf = [bytes(b"v=spf1 -all")];
        let sts = [bytes(b"v=STSv1; id=2016"), bytes(b"0831085700Z;")];
        let record = select(&[&spf, &sts]).unwrap();
        assert_eq!(id(record), "20160831085700Z");
        mta_sts_record_free(record);
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
