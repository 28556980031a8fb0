//! The `_smtp._tls` TXT record of TLS-RPT: parse one, or select it from a TXT RRset
//! (RFC 8460 §3), and read where reports go.

use tls_rpt_core::limits::MAX_TXT_RECORD_LEN;
use tls_rpt_core::{RecordWarning, ReportUri, TlsRptRecord};

use crate::boundary::{status_boundary, value_boundary};
use crate::convert::txt_rrset;
use crate::ffi::{free_handle, into_handle, try_out, try_ref, try_slice};
use crate::status::mta_sts_status;
use crate::view::{item, mta_sts_str, mta_sts_txt_record};

/// A parsed `_smtp._tls` TXT record (`v=TLSRPTv1; rua=...`), RFC 8460 §3.
///
/// Made by `mta_sts_rpt_record_parse()` or `mta_sts_rpt_record_select()`, freed with
/// `mta_sts_rpt_record_free()`. Immutable: it may be read from several threads at
/// once; freeing it must not race with any other use. Wraps
/// `tls_rpt_core::TlsRptRecord`.
pub struct mta_sts_rpt_record {
    record: TlsRptRecord,
    /// The percent-decoded address of each `mailto:` URI (empty for `https:`).
    mailto: Vec<String>,
    /// The message of each warning, so that views can point into it.
    warnings: Vec<String>,
    /// The canonical text of the record.
    text: String,
}

impl mta_sts_rpt_record {
    fn new(record: TlsRptRecord) -> Self {
        let mailto = record
            .rua()
            .iter()
            .map(|uri| uri.mailto_address().unwrap_or_default())
            .collect();
        let warnings = record.warnings().iter().map(ToString::to_string).collect();
        let text = record.to_string();
        Self {
            record,
            mailto,
            warnings,
            text,
        }
    }
}

/// The scheme of a `rua` destination (RFC 8460 §3): how to deliver the report.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mta_sts_rpt_uri_scheme {
    /// `mailto:`: send the report by e-mail (RFC 8460 §5.3).
    Mailto = 1,
    /// `https:`: POST the report (RFC 8460 §5.4).
    Https = 2,
    /// A scheme this version of the C API cannot name.
    Other = 99,
}

/// What a `_smtp._tls` record warning is about.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mta_sts_rpt_record_warning_kind {
    /// A `rua` URI was dropped: not `mailto:`/`https:`, or malformed (docs/CONFORMANCE.md#d17).
    UriDropped = 1,
    /// Whitespace between `v=TLSRPTv1` and the first `;`; accepted.
    SpaceBeforeFirstDelimiter = 2,
    /// Whitespace after the last field; accepted.
    TrailingWhitespace = 3,
    /// More than one `rua=` field; every URI is kept.
    DuplicateRua = 4,
    /// More usable URIs than the library keeps (32); the rest were dropped.
    TooManyUris = 5,
    /// A warning this version of the C API cannot name (the message still says it).
    Other = 99,
}

impl From<&RecordWarning> for mta_sts_rpt_record_warning_kind {
    fn from(w: &RecordWarning) -> Self {
        match w {
            RecordWarning::UriDropped { .. } => Self::UriDropped,
            RecordWarning::SpaceBeforeFirstDelimiter => Self::SpaceBeforeFirstDelimiter,
            RecordWarning::TrailingWhitespace => Self::TrailingWhitespace,
            RecordWarning::DuplicateRua => Self::DuplicateRua,
            RecordWarning::TooManyUris => Self::TooManyUris,
            _ => Self::Other,
        }
    }
}

/// Parses one `_smtp._tls` TXT record whose character-strings the caller already
/// joined (RFC 8460 §3).
///
/// `record`/`record_len`: the record bytes (NULL only if `record_len` is 0). On
/// success writes a new handle to `*out_record`; free it with
/// `mta_sts_rpt_record_free()`. On failure `*out_record` is untouched and the status
/// is a `MTA_STS_STATUS_RPT_RECORD_*` code (or a glue code). `rua` URIs other than
/// `mailto:` and `https:` are dropped with a warning; a record left without any is
/// `MTA_STS_STATUS_RPT_RECORD_NO_USABLE_RUA`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_rpt_record_parse(
    record: *const u8,
    record_len: usize,
    out_record: *mut *mut mta_sts_rpt_record,
) -> mta_sts_status {
    status_boundary(|| {
        let bytes = try_slice(record, record_len)?;
        let out = try_out(out_record)?;
        if bytes.len() > MAX_TXT_RECORD_LEN {
            return Err(mta_sts_status::RptRecordTooLong);
        }
        let text = std::str::from_utf8(bytes).map_err(|_| mta_sts_status::RptRecordNotUtf8)?;
        let parsed = TlsRptRecord::parse(text).map_err(|e| mta_sts_status::from(&e))?;
        out.write(into_handle(mta_sts_rpt_record::new(parsed)));
        Ok(())
    })
}

/// Selects and parses the TLS-RPT record from the TXT RRset of `_smtp._tls.<domain>`
/// (RFC 8460 §3).
///
/// `records`: `records_count` TXT records (NULL only if `records_count` is 0), each an
/// array of character-strings joined without separator. Records not beginning with
/// `v=TLSRPTv1` are ignored; exactly one must remain and be valid. On success writes
/// a new handle to `*out_record` (free it with `mta_sts_rpt_record_free()`). On
/// failure `*out_record` is untouched and the status is
/// `MTA_STS_STATUS_RPT_SELECT_NO_RECORD`, `..._MULTIPLE_RECORDS`,
/// `..._TOO_MANY_RECORDS`, or the `MTA_STS_STATUS_RPT_RECORD_*` code of the one
/// invalid record. Every pointer of every record is checked before any is read.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_rpt_record_select(
    records: *const mta_sts_txt_record,
    records_count: usize,
    out_record: *mut *mut mta_sts_rpt_record,
) -> mta_sts_status {
    status_boundary(|| {
        let records = try_slice(records, records_count)?;
        let out = try_out(out_record)?;
        let rrset = txt_rrset(records)?;
        let selected =
            TlsRptRecord::from_txt_records(rrset).map_err(|e| mta_sts_status::from(&e))?;
        out.write(into_handle(mta_sts_rpt_record::new(selected)));
        Ok(())
    })
}

/// Frees a TLS-RPT record. `NULL` is a no-op; freeing twice is a caller bug. Views
/// read from the record become invalid.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_rpt_record_free(record: *mut mta_sts_rpt_record) {
    value_boundary((), || free_handle(record));
}

/// Writes the number of usable `rua` destinations (1 to 32) to `*out_count`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_rpt_record_rua_count(
    record: *const mta_sts_rpt_record,
    out_count: *mut usize,
) -> mta_sts_status {
    status_boundary(|| {
        let record = try_ref(record)?;
        try_out(out_count)?.write(record.record.rua().len());
        Ok(())
    })
}

/// Writes `rua` destination number `index` (0-based, in record order): its scheme to
/// `*out_scheme`, the URI as written to `*out_uri`, and for a `mailto:` URI the
/// percent-decoded address without `?` query (the `To:` of the report e-mail) to
/// `*out_mailto_address` (an empty view for `https:`, or an address that is not UTF-8).
///
/// The views are valid until `record` is freed. An `index` not below
/// `mta_sts_rpt_record_rua_count()` gives `MTA_STS_STATUS_INDEX_OUT_OF_RANGE`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_rpt_record_rua(
    record: *const mta_sts_rpt_record,
    index: usize,
    out_scheme: *mut mta_sts_rpt_uri_scheme,
    out_uri: *mut mta_sts_str,
    out_mailto_address: *mut mta_sts_str,
) -> mta_sts_status {
    status_boundary(|| {
        let record = try_ref(record)?;
        let out_scheme = try_out(out_scheme)?;
        let out_uri = try_out(out_uri)?;
        let out_address = try_out(out_mailto_address)?;
        let (uri, address) = record
            .record
            .rua()
            .get(index)
            .zip(record.mailto.get(index))
            .ok_or(mta_sts_status::IndexOutOfRange)?;
        out_scheme.write(match uri {
            ReportUri::Mailto(_) => mta_sts_rpt_uri_scheme::Mailto,
            ReportUri::Https(_) => mta_sts_rpt_uri_scheme::Https,
            _ => mta_sts_rpt_uri_scheme::Other,
        });
        out_uri.write(mta_sts_str::borrow(uri.as_str()));
        out_address.write(mta_sts_str::borrow(address));
        Ok(())
    })
}

/// Writes the number of extension fields (kept, not interpreted) to `*out_count`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_rpt_record_extensions_count(
    record: *const mta_sts_rpt_record,
    out_count: *mut usize,
) -> mta_sts_status {
    status_boundary(|| {
        let record = try_ref(record)?;
        try_out(out_count)?.write(record.record.extensions().len());
        Ok(())
    })
}

/// Writes extension field number `index` (0-based): its name to `*out_name` and its
/// value to `*out_value`, as written.
///
/// The views are valid until `record` is freed. An `index` not below
/// `mta_sts_rpt_record_extensions_count()` gives `MTA_STS_STATUS_INDEX_OUT_OF_RANGE`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_rpt_record_extension(
    record: *const mta_sts_rpt_record,
    index: usize,
    out_name: *mut mta_sts_str,
    out_value: *mut mta_sts_str,
) -> mta_sts_status {
    status_boundary(|| {
        let record = try_ref(record)?;
        let out_name = try_out(out_name)?;
        let out_value = try_out(out_value)?;
        let ext = item(record.record.extensions(), index)?;
        out_name.write(mta_sts_str::borrow(ext.name()));
        out_value.write(mta_sts_str::borrow(ext.value()));
        Ok(())
    })
}

/// Writes the number of warnings (dropped URIs, tolerated deviations) to `*out_count`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_rpt_record_warnings_count(
    record: *const mta_sts_rpt_record,
    out_count: *mut usize,
) -> mta_sts_status {
    status_boundary(|| {
        let record = try_ref(record)?;
        try_out(out_count)?.write(record.warnings.len());
        Ok(())
    })
}

/// Writes warning number `index` (0-based): what it is about to `*out_kind` and a
/// short English message (e.g. `rua URI "http://x.example" dropped: unsupported
/// scheme "http" (only mailto and https)`) to `*out_message`.
///
/// The view is valid until `record` is freed. An `index` not below
/// `mta_sts_rpt_record_warnings_count()` gives `MTA_STS_STATUS_INDEX_OUT_OF_RANGE`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_rpt_record_warning(
    record: *const mta_sts_rpt_record,
    index: usize,
    out_kind: *mut mta_sts_rpt_record_warning_kind,
    out_message: *mut mta_sts_str,
) -> mta_sts_status {
    status_boundary(|| {
        let record = try_ref(record)?;
        let out_kind = try_out(out_kind)?;
        let out_message = try_out(out_message)?;
        let (warning, message) = record
            .record
            .warnings()
            .get(index)
            .zip(record.warnings.get(index))
            .ok_or(mta_sts_status::IndexOutOfRange)?;
        out_kind.write(warning.into());
        out_message.write(mta_sts_str::borrow(message));
        Ok(())
    })
}

/// Writes the record in canonical form (`v=TLSRPTv1; rua=<uri>,<uri>[; ext=value]`,
/// dropped URIs left out) to `*out_text`. The view is valid until `record` is freed.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_rpt_record_text(
    record: *const mta_sts_rpt_record,
    out_text: *mut mta_sts_str,
) -> mta_sts_status {
    status_boundary(|| {
        let record = try_ref(record)?;
        try_out(out_text)?.write(mta_sts_str::borrow(&record.text));
        Ok(())
    })
}
