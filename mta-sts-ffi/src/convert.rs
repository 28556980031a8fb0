//! C argument values as Rust values: text, domains, times and TXT RRsets, one rule
//! each, so that every function converts them the same way.
//!
//! Pointers are checked by [`crate::ffi`]; this module adds the meaning (UTF-8, a
//! valid domain, a time in range).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};
use mta_sts_core::PolicyDomain;
use mta_sts_core::limits::MAX_UNIX_TIME_SECS;

use crate::ffi::{try_slice, utf8};
use crate::status::mta_sts_status;
use crate::view::{mta_sts_bytes, mta_sts_txt_record};

/// A text argument `(data, len)`: UTF-8, else `InvalidUtf8`.
///
/// The lifetime is unbounded, as for [`try_slice`]: use it within the current call.
pub(crate) fn text<'a>(data: *const u8, len: usize) -> Result<&'a str, mta_sts_status> {
    utf8(try_slice(data, len)?).ok_or(mta_sts_status::InvalidUtf8)
}

/// The text of an [`mta_sts_bytes`] argument (see [`text`]).
pub(crate) fn bytes_text<'a>(bytes: mta_sts_bytes) -> Result<&'a str, mta_sts_status> {
    text(bytes.data, bytes.len)
}

/// An optional text argument: empty is `None`.
pub(crate) fn optional_text<'a>(
    data: *const u8,
    len: usize,
) -> Result<Option<&'a str>, mta_sts_status> {
    let text = text(data, len)?;
    Ok((!text.is_empty()).then_some(text))
}

/// A Policy Domain argument: UTF-8 (`InvalidUtf8`), then a valid name (`Domain*`);
/// U-labels become A-labels and a trailing dot goes.
pub(crate) fn policy_domain(data: *const u8, len: usize) -> Result<PolicyDomain, mta_sts_status> {
    PolicyDomain::new(text(data, len)?).map_err(|e| mta_sts_status::from(&e))
}

/// The time rule of the C API: Unix seconds up to [`MAX_UNIX_TIME_SECS`] (the last
/// second of year 9999, the latest time a cache entry or report carries) are times;
/// a later time argument is `out_of_range` (each caller's own status code).
pub(crate) fn unix_time(
    secs: u64,
    out_of_range: mta_sts_status,
) -> Result<SystemTime, mta_sts_status> {
    if secs > MAX_UNIX_TIME_SECS {
        return Err(out_of_range);
    }
    UNIX_EPOCH
        .checked_add(Duration::from_secs(secs))
        .ok_or(out_of_range)
}

/// The caller's clock (`now`): a clock past year 9999 is clamped to its last second
/// rather than refused, so that a wrong clock never stops mail.
pub(crate) fn clock(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs.min(MAX_UNIX_TIME_SECS))
}

/// Unix seconds as a report date-time (UTC), after [`unix_time`]'s range check;
/// out of range is `RptTimeOutOfRange`.
pub(crate) fn report_time(secs: u64) -> Result<DateTime<Utc>, mta_sts_status> {
    unix_time(secs, mta_sts_status::RptTimeOutOfRange)?;
    i64::try_from(secs)
        .ok()
        .and_then(|secs| DateTime::from_timestamp(secs, 0))
        .ok_or(mta_sts_status::RptTimeOutOfRange)
}

/// A time as Unix seconds for C (a time before 1970 is 0; the core makes none).
pub(crate) fn unix_secs(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// A TXT RRset argument: each record's character-strings, borrowed. Every pointer of
/// every record is checked before any record is used.
pub(crate) fn txt_rrset<'a>(
    records: impl IntoIterator<Item = &'a mta_sts_txt_record>,
) -> Result<Vec<Vec<&'a [u8]>>, mta_sts_status> {
    records
        .into_iter()
        .map(|record| {
            try_slice(record.strings, record.count)?
                .iter()
                .map(|s| try_slice(s.data, s.len))
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_checked_utf8_and_null_only_when_empty() {
        assert_eq!(text(b"mx".as_ptr(), 2), Ok("mx"));
        assert_eq!(text(b"\xff".as_ptr(), 1), Err(mta_sts_status::InvalidUtf8));
        assert_eq!(text(std::ptr::null(), 0), Ok(""));
        assert_eq!(
            text(std::ptr::null(), 1),
            Err(mta_sts_status::NullParameter)
        );
        assert_eq!(optional_text(b"".as_ptr(), 0), Ok(None));
    }

    #[test]
    fn times_past_year_9999_are_refused_and_a_clock_there_is_clamped() {
        let last = UNIX_EPOCH + Duration::from_secs(MAX_UNIX_TIME_SECS);
        let err = mta_sts_status::CacheTimeOutOfRange;
        assert_eq!(unix_time(MAX_UNIX_TIME_SECS, err), Ok(last));
        assert_eq!(unix_time(MAX_UNIX_TIME_SECS + 1, err), Err(err));
        assert_eq!(clock(u64::MAX), last);
        assert_eq!(unix_secs(clock(42)), 42);
        assert_eq!(
            report_time(u64::MAX),
            Err(mta_sts_status::RptTimeOutOfRange)
        );
        assert_eq!(report_time(0).map(|t| t.timestamp()), Ok(0));
    }

    #[test]
    fn an_rrset_with_a_null_string_is_refused() {
        let strings = [mta_sts_bytes {
            data: std::ptr::null(),
            len: 1,
        }];
        let record = mta_sts_txt_record {
            strings: strings.as_ptr(),
            count: 1,
        };
        assert_eq!(
            txt_rrset([&record]).err(),
            Some(mta_sts_status::NullParameter)
        );
    }
}
