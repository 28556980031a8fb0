//! A TLS-RPT report (RFC 8460 §4) and its delivery formats (§5): JSON, gzip, file
//! name, e-mail, HTTPS POST body; its contents and the diagnostics of intake.

use std::sync::OnceLock;

use chrono::{DateTime, FixedOffset};
use tls_rpt_core::{
    Deviation, EmailParams, Finding, FindingKind, IntakeNote, MEDIA_TYPE_GZIP, MEDIA_TYPE_JSON,
    Report, Toleration, gzip, policy_domain, report_email, report_file_name,
};

use crate::boundary::{status_boundary, value_boundary};
use crate::convert::{bytes_text, optional_text, report_time};
use crate::ffi::{free_handle, into_handle, try_out, try_out_buf, try_ref};
use crate::status::mta_sts_status;
use crate::view::{item, mta_sts_bytes, mta_sts_str};

/// One TLS-RPT aggregate report (RFC 8460 §4.4), with what was noticed reading it.
///
/// Made by `mta_sts_report_list_get()` (from the aggregator) or by intake
/// (`mta_sts_report_parse()`, `mta_sts_report_read_json()`,
/// `mta_sts_report_read_file()`, `mta_sts_report_read_email()`), freed with
/// `mta_sts_report_free()`. Immutable for its callers: it may be read from several
/// threads at once (the gzip bytes are made on first use behind a thread-safe
/// once-cell); freeing it must not race with any other use. Wraps
/// `tls_rpt_core::Report`.
pub struct mta_sts_report {
    report: Report,
    /// The deterministic serialization (docs/CONFORMANCE.md#d19), made once so views can point into it.
    json: String,
    gzip: OnceLock<Vec<u8>>,
    tolerations: Vec<Diagnostic<mta_sts_rpt_deviation>>,
    notes: Vec<Diagnostic<mta_sts_rpt_intake_note>>,
    findings: Vec<Diagnostic<mta_sts_rpt_finding>>,
}

/// One diagnostic with its texts rendered, so that views can point into them.
struct Diagnostic<K> {
    kind: K,
    path: String,
    message: String,
}

impl mta_sts_report {
    /// Wraps a report with the diagnostics of its intake (none for an aggregated one).
    pub(crate) fn new(report: Report, tolerations: &[Toleration], notes: &[IntakeNote]) -> Self {
        let json = report.to_json();
        let findings = report
            .check_consistency()
            .iter()
            .map(|f: &Finding| Diagnostic {
                kind: (&f.kind).into(),
                path: f.path.clone(),
                message: f.kind.to_string(),
            })
            .collect();
        Self {
            json,
            gzip: OnceLock::new(),
            tolerations: tolerations
                .iter()
                .map(|t| Diagnostic {
                    kind: (&t.deviation).into(),
                    path: t.path.clone(),
                    message: t.deviation.to_string(),
                })
                .collect(),
            notes: notes
                .iter()
                .map(|n| Diagnostic {
                    kind: n.into(),
                    path: String::new(),
                    message: n.to_string(),
                })
                .collect(),
            findings,
            report,
        }
    }

    fn gzip(&self) -> &[u8] {
        self.gzip.get_or_init(|| gzip(self.json.as_bytes()))
    }
}

/// The reports `mta_sts_aggregator_finish()` built: one per policy domain.
///
/// Freed with `mta_sts_report_list_free()`. Immutable: it may be read from several
/// threads at once; freeing it must not race with any other use.
pub struct mta_sts_report_list {
    reports: Vec<Report>,
}

impl mta_sts_report_list {
    pub(crate) fn new(reports: Vec<Report>) -> Self {
        Self { reports }
    }
}

/// Writes the number of reports in the list to `*out_count`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_report_list_count(
    list: *const mta_sts_report_list,
    out_count: *mut usize,
) -> mta_sts_status {
    status_boundary(|| {
        let list = try_ref(list)?;
        try_out(out_count)?.write(list.reports.len());
        Ok(())
    })
}

/// Writes a new handle to report number `index` (0-based, in policy-domain order) to
/// `*out_report`; free it with `mta_sts_report_free()` (it does not depend on `list`,
/// which may be freed first). An `index` not below `mta_sts_report_list_count()`
/// gives `MTA_STS_STATUS_INDEX_OUT_OF_RANGE`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_report_list_get(
    list: *const mta_sts_report_list,
    index: usize,
    out_report: *mut *mut mta_sts_report,
) -> mta_sts_status {
    status_boundary(|| {
        let list = try_ref(list)?;
        let out = try_out(out_report)?;
        let report = item(&list.reports, index)?;
        out.write(into_handle(mta_sts_report::new(report.clone(), &[], &[])));
        Ok(())
    })
}

/// Frees a report list. `NULL` is a no-op; freeing twice is a caller bug. Reports
/// taken from it stay valid.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_report_list_free(list: *mut mta_sts_report_list) {
    value_boundary((), || free_handle(list));
}

/// Frees a report. `NULL` is a no-op; freeing twice is a caller bug. Views read from
/// the report become invalid.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_report_free(report: *mut mta_sts_report) {
    value_boundary((), || free_handle(report));
}

/// Writes the report JSON (RFC 8460 §4.4, one line, UTF-8) to `*out_json`.
///
/// Serialization is deterministic and always RFC form (docs/CONFORMANCE.md#d19): members in RFC
/// order, `mx-host` and `policy-string` as arrays, `failure-details` always present,
/// UTC `Z` date-times, even for a report read leniently. The view is valid until
/// `report` is freed.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_report_json(
    report: *const mta_sts_report,
    out_json: *mut mta_sts_str,
) -> mta_sts_status {
    status_boundary(|| {
        let report = try_ref(report)?;
        try_out(out_json)?.write(mta_sts_str::borrow(&report.json));
        Ok(())
    })
}

fn bytes_view(bytes: &[u8]) -> mta_sts_bytes {
    mta_sts_bytes {
        data: bytes.as_ptr(),
        len: bytes.len(),
    }
}

/// Writes the gzip-compressed report JSON (RFC 8460 §5.2; no file name, zero time in
/// the gzip header, so the bytes depend on the JSON only) to `*out_gzip`.
///
/// The bytes are made on first call and kept; the view is valid until `report` is
/// freed.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_report_gzip(
    report: *const mta_sts_report,
    out_gzip: *mut mta_sts_bytes,
) -> mta_sts_status {
    status_boundary(|| {
        let report = try_ref(report)?;
        let out = try_out(out_gzip)?;
        out.write(bytes_view(report.gzip()));
        Ok(())
    })
}

/// Writes the body and `Content-Type` of an HTTPS POST delivery (RFC 8460 §5.4): with
/// `compress`, the gzip bytes and `application/tlsrpt+gzip` (as §5.2 recommends);
/// without, the JSON and `application/tlsrpt+json`. A 2xx answer means delivered.
///
/// `*out_body` is a view valid until `report` is freed; `*out_content_type` points to
/// static memory.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_report_https_post(
    report: *const mta_sts_report,
    compress: bool,
    out_body: *mut mta_sts_bytes,
    out_content_type: *mut mta_sts_str,
) -> mta_sts_status {
    status_boundary(|| {
        let report = try_ref(report)?;
        let out_body = try_out(out_body)?;
        let out_content_type = try_out(out_content_type)?;
        if compress {
            out_body.write(bytes_view(report.gzip()));
            out_content_type.write(mta_sts_str::borrow(MEDIA_TYPE_GZIP));
        } else {
            out_body.write(bytes_view(report.json.as_bytes()));
            out_content_type.write(mta_sts_str::borrow(MEDIA_TYPE_JSON));
        }
        Ok(())
    })
}

/// Writes the recommended file name of RFC 8460 §5.1,
/// `sender!policy-domain!begin!end[!unique-id].json[.gz]` (Unix-second timestamps of
/// the `date-range`), into the caller's buffer.
///
/// `unique_id`: 1*(ALPHA / DIGIT), or empty (`unique_id_len` 0) for none. `gzip`: the
/// `.json.gz` extension (else `.json`). Needed-length semantics: if `buf_len` is too
/// small (e.g. `buf` NULL and `buf_len` 0), only `*out_len` is written, with the
/// length needed, and the status is `MTA_STS_STATUS_BUFFER_TOO_SMALL`; on success the
/// name (ASCII, not NUL-terminated) is in `buf` and its length in `*out_len`. Errors:
/// `MTA_STS_STATUS_RPT_DELIVER_*` (no submitter or policy domain, several policy
/// domains, invalid unique-id).
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_report_file_name(
    report: *const mta_sts_report,
    unique_id: *const u8,
    unique_id_len: usize,
    gzip: bool,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> mta_sts_status {
    status_boundary(|| {
        let report = try_ref(report)?;
        let unique_id = optional_text(unique_id, unique_id_len)?;
        let out = try_out_buf(buf, buf_len, out_len)?;
        let name = report_file_name(&report.report, unique_id, gzip)
            .map_err(|e| mta_sts_status::from(&e))?;
        out.write(name.as_bytes())
    })
}

/// Caller-given values of a report e-mail (RFC 8460 §5.3): the library reads no clock
/// and makes no random values. Text members are UTF-8 `(data, len)` pairs.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct mta_sts_rpt_email_params {
    /// `From:` address (addr-spec), normally at the submitter domain.
    pub from: mta_sts_bytes,
    /// `To:` address: the address of a `mailto:` `rua`
    /// (`mta_sts_rpt_record_rua()` gives it decoded).
    pub to: mta_sts_bytes,
    /// `Date:` as Unix seconds.
    pub date: u64,
    /// The UTC offset the `Date:` is written in, in minutes east (0 for `+0000`;
    /// less than 24 hours either way).
    pub utc_offset_minutes: i32,
    /// `Message-ID:` without the angle brackets (`left@right`).
    pub message_id: mta_sts_bytes,
    /// The MIME boundary (RFC 2046 §5.1.1: 1 to 70 characters).
    pub boundary: mta_sts_bytes,
    /// The §5.1 `unique-id` of the attachment's file name; empty for none.
    pub unique_id: mta_sts_bytes,
    /// Attach `application/tlsrpt+gzip` (true, as §5.2 recommends) or
    /// `application/tlsrpt+json`.
    pub compress: bool,
}

/// Writes the complete report e-mail of RFC 8460 §5.3 (RFC 5322, CRLF line ends:
/// `multipart/report; report-type="tlsrpt"`, `TLS-Report-Domain`,
/// `TLS-Report-Submitter`, `TLS-Required: No`, the report attached in base64) into
/// the caller's buffer. DKIM-sign it before sending (RFC 8460 §3 requires it; that is
/// the MTA's job).
///
/// Needed-length semantics as `mta_sts_report_file_name()`. Errors: `MTA_STS_STATUS_RPT_DELIVER_*`
/// (bad header value, boundary or unique-id; no or several policy domains),
/// `MTA_STS_STATUS_RPT_TIME_OUT_OF_RANGE` (date after 9999-12-31 or offset of a day or
/// more), glue codes.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_report_email(
    report: *const mta_sts_report,
    params: *const mta_sts_rpt_email_params,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> mta_sts_status {
    status_boundary(|| {
        let report = try_ref(report)?;
        let p = try_ref(params)?;
        let out = try_out_buf(buf, buf_len, out_len)?;
        let text = bytes_text;
        let date = email_date(p.date, p.utc_offset_minutes)?;
        let params = EmailParams {
            from: text(p.from)?,
            to: text(p.to)?,
            date,
            message_id: text(p.message_id)?,
            boundary: text(p.boundary)?,
            unique_id: optional_text(p.unique_id.data, p.unique_id.len)?,
            compress: p.compress,
        };
        let mail = report_email(&report.report, &params).map_err(|e| mta_sts_status::from(&e))?;
        out.write(&mail)
    })
}

fn email_date(secs: u64, offset_minutes: i32) -> Result<DateTime<FixedOffset>, mta_sts_status> {
    let time = report_time(secs)?;
    let offset = offset_minutes
        .checked_mul(60)
        .and_then(FixedOffset::east_opt)
        .ok_or(mta_sts_status::RptTimeOutOfRange)?;
    Ok(time.with_timezone(&offset))
}

/// Writes the one `policy-domain` of the report (the `TLS-Report-Domain`, RFC 8460
/// §5.3; look its `_smtp._tls` record up to find where to send the report) to
/// `*out_domain`. The view is valid until `report` is freed. Errors:
/// `MTA_STS_STATUS_RPT_DELIVER_NO_POLICY_DOMAIN`, `..._SEVERAL_POLICY_DOMAINS`,
/// `..._INVALID_DOMAIN`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_report_policy_domain(
    report: *const mta_sts_report,
    out_domain: *mut mta_sts_str,
) -> mta_sts_status {
    status_boundary(|| {
        let report = try_ref(report)?;
        let out = try_out(out_domain)?;
        let domain = policy_domain(&report.report).map_err(|e| mta_sts_status::from(&e))?;
        out.write(mta_sts_str::borrow(domain));
        Ok(())
    })
}

/// The top-level members of a report. Views are valid until the report is freed.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct mta_sts_rpt_report_info {
    /// `organization-name`.
    pub organization_name: mta_sts_str,
    /// `contact-info`.
    pub contact_info: mta_sts_str,
    /// `report-id`.
    pub report_id: mta_sts_str,
    /// `date-range.start-datetime` in Unix seconds.
    pub start: i64,
    /// `date-range.end-datetime` in Unix seconds.
    pub end: i64,
    /// How many elements `policies` has.
    pub policies_count: usize,
}

/// Writes the top-level members of the report to `*out_info`; the views in it are
/// valid until `report` is freed. (A member a lenient intake found missing is empty.)
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_report_info(
    report: *const mta_sts_report,
    out_info: *mut mta_sts_rpt_report_info,
) -> mta_sts_status {
    status_boundary(|| {
        let report = try_ref(report)?;
        let out = try_out(out_info)?;
        let r = &report.report;
        out.write(mta_sts_rpt_report_info {
            organization_name: mta_sts_str::borrow(&r.organization_name),
            contact_info: mta_sts_str::borrow(&r.contact_info),
            report_id: mta_sts_str::borrow(&r.report_id),
            start: r.date_range.start_datetime.timestamp(),
            end: r.date_range.end_datetime.timestamp(),
            policies_count: r.policies.len(),
        });
        Ok(())
    })
}

/// One element of a report's `policies`. Views are valid until the report is freed.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct mta_sts_rpt_policy_info {
    /// `policy-type` as written (`sts`, `tlsa`, `no-policy-found`, or another value
    /// kept from a lenient intake).
    pub policy_type: mta_sts_str,
    /// `policy-domain`.
    pub policy_domain: mta_sts_str,
    /// How many `policy-string` elements (`mta_sts_report_policy_string()`).
    pub policy_string_count: usize,
    /// How many `mx-host` elements (`mta_sts_report_policy_mx_host()`).
    pub mx_host_count: usize,
    /// `summary.total-successful-session-count`.
    pub total_successful_session_count: u64,
    /// `summary.total-failure-session-count`.
    pub total_failure_session_count: u64,
    /// How many `failure-details` elements (`mta_sts_report_failure_detail()`).
    pub failure_details_count: usize,
}

fn policy_at(
    report: &mta_sts_report,
    index: usize,
) -> Result<&tls_rpt_core::PolicyResult, mta_sts_status> {
    item(&report.report.policies, index)
}

/// Writes element `policy_index` of `policies` to `*out_policy`;
/// `MTA_STS_STATUS_INDEX_OUT_OF_RANGE` past `policies_count`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_report_policy(
    report: *const mta_sts_report,
    policy_index: usize,
    out_policy: *mut mta_sts_rpt_policy_info,
) -> mta_sts_status {
    status_boundary(|| {
        let report = try_ref(report)?;
        let out = try_out(out_policy)?;
        let p = policy_at(report, policy_index)?;
        out.write(mta_sts_rpt_policy_info {
            policy_type: mta_sts_str::borrow(p.policy.policy_type.as_str()),
            policy_domain: mta_sts_str::borrow(&p.policy.policy_domain),
            policy_string_count: p.policy.policy_string.len(),
            mx_host_count: p.policy.mx_host.len(),
            total_successful_session_count: p.summary.total_successful_session_count,
            total_failure_session_count: p.summary.total_failure_session_count,
            failure_details_count: p.failure_details.len(),
        });
        Ok(())
    })
}

/// Writes `policy-string` element `index` of policy `policy_index` to `*out_line`
/// (for `sts`, a policy line as served). The view is valid until `report` is freed;
/// `MTA_STS_STATUS_INDEX_OUT_OF_RANGE` past either count.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_report_policy_string(
    report: *const mta_sts_report,
    policy_index: usize,
    index: usize,
    out_line: *mut mta_sts_str,
) -> mta_sts_status {
    policy_text(report, policy_index, index, out_line, |p| {
        &p.policy.policy_string
    })
}

/// Writes `mx-host` element `index` of policy `policy_index` to `*out_mx_host`. The
/// view is valid until `report` is freed; `MTA_STS_STATUS_INDEX_OUT_OF_RANGE` past
/// either count.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_report_policy_mx_host(
    report: *const mta_sts_report,
    policy_index: usize,
    index: usize,
    out_mx_host: *mut mta_sts_str,
) -> mta_sts_status {
    policy_text(report, policy_index, index, out_mx_host, |p| {
        &p.policy.mx_host
    })
}

/// Writes element `index` of one text list of policy `policy_index` as a view.
fn policy_text(
    report: *const mta_sts_report,
    policy_index: usize,
    index: usize,
    out_text: *mut mta_sts_str,
    list: impl FnOnce(&tls_rpt_core::PolicyResult) -> &[String],
) -> mta_sts_status {
    status_boundary(|| {
        let report = try_ref(report)?;
        let out = try_out(out_text)?;
        let text = item(list(policy_at(report, policy_index)?), index)?;
        out.write(mta_sts_str::borrow(text));
        Ok(())
    })
}

/// One element of `failure-details`. Views are valid until the report is freed; an
/// absent optional member is an empty view.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct mta_sts_rpt_failure_detail {
    /// `result-type` as written.
    pub result_type: mta_sts_str,
    /// `sending-mta-ip`.
    pub sending_mta_ip: mta_sts_str,
    /// `receiving-mx-hostname`.
    pub receiving_mx_hostname: mta_sts_str,
    /// `receiving-mx-helo`.
    pub receiving_mx_helo: mta_sts_str,
    /// `receiving-ip`.
    pub receiving_ip: mta_sts_str,
    /// `failed-session-count`.
    pub failed_session_count: u64,
    /// `additional-information`.
    pub additional_information: mta_sts_str,
    /// `failure-reason-code`.
    pub failure_reason_code: mta_sts_str,
}

/// Writes `failure-details` element `index` of policy `policy_index` to
/// `*out_detail`; `MTA_STS_STATUS_INDEX_OUT_OF_RANGE` past either count.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_report_failure_detail(
    report: *const mta_sts_report,
    policy_index: usize,
    index: usize,
    out_detail: *mut mta_sts_rpt_failure_detail,
) -> mta_sts_status {
    status_boundary(|| {
        let report = try_ref(report)?;
        let out = try_out(out_detail)?;
        let d = policy_at(report, policy_index)?
            .failure_details
            .get(index)
            .ok_or(mta_sts_status::IndexOutOfRange)?;
        let opt = |s: &Option<String>| mta_sts_str::borrow(s.as_deref().unwrap_or_default());
        out.write(mta_sts_rpt_failure_detail {
            result_type: mta_sts_str::borrow(d.result_type.as_str()),
            sending_mta_ip: mta_sts_str::borrow(&d.sending_mta_ip),
            receiving_mx_hostname: mta_sts_str::borrow(&d.receiving_mx_hostname),
            receiving_mx_helo: opt(&d.receiving_mx_helo),
            receiving_ip: mta_sts_str::borrow(&d.receiving_ip),
            failed_session_count: d.failed_session_count,
            additional_information: opt(&d.additional_information),
            failure_reason_code: opt(&d.failure_reason_code),
        });
        Ok(())
    })
}

/// What a lenient intake tolerated (a departure from RFC 8460 §4.4 form, docs/CONFORMANCE.md#d18).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mta_sts_rpt_deviation {
    /// A required member is absent.
    MissingMember = 1,
    /// A member is `null`.
    NullMember = 2,
    /// A required string member is `""`.
    EmptyString = 3,
    /// A member the RFC does not define; ignored.
    UnknownMember = 4,
    /// A member appears twice in one object; the first is kept.
    DuplicateMember = 5,
    /// A known misspelling of a member name, read as the member meant.
    MisspelledMember = 6,
    /// A date-time without UTC offset, taken as UTC.
    DateTimeWithoutOffset = 7,
    /// `mx-host` as a string instead of an array (erratum 6241).
    MxHostAsString = 8,
    /// `policy-string` as a string instead of an array.
    PolicyStringAsString = 9,
    /// TLSA records as one JSON-encoded string.
    TlsaPolicyStringJsonEncoded = 10,
    /// `failure-details` absent, read as empty.
    MissingFailureDetails = 11,
    /// A `result-type` outside the IANA registry, kept as written.
    UnknownResultType = 12,
    /// A `policy-type` other than `tlsa`, `sts`, `no-policy-found`, kept as written.
    UnknownPolicyType = 13,
    /// An IP address member that is not an address, kept as written.
    InvalidIpAddress = 14,
    /// A deviation this version of the C API cannot name (the message still says it).
    Other = 99,
}

impl From<&Deviation> for mta_sts_rpt_deviation {
    fn from(d: &Deviation) -> Self {
        match d {
            Deviation::MissingMember => Self::MissingMember,
            Deviation::NullMember => Self::NullMember,
            Deviation::EmptyString => Self::EmptyString,
            Deviation::UnknownMember => Self::UnknownMember,
            Deviation::DuplicateMember => Self::DuplicateMember,
            Deviation::MisspelledMember { .. } => Self::MisspelledMember,
            Deviation::DateTimeWithoutOffset => Self::DateTimeWithoutOffset,
            Deviation::MxHostAsString => Self::MxHostAsString,
            Deviation::PolicyStringAsString => Self::PolicyStringAsString,
            Deviation::TlsaPolicyStringJsonEncoded => Self::TlsaPolicyStringJsonEncoded,
            Deviation::MissingFailureDetails => Self::MissingFailureDetails,
            Deviation::UnknownResultType { .. } => Self::UnknownResultType,
            Deviation::UnknownPolicyType { .. } => Self::UnknownPolicyType,
            Deviation::InvalidIpAddress { .. } => Self::InvalidIpAddress,
            _ => Self::Other,
        }
    }
}

/// Something intake noticed about the container of a report (gzip, e-mail).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mta_sts_rpt_intake_note {
    /// The report was gzip-compressed.
    Gzipped = 1,
    /// The e-mail part was found by its media type.
    FoundByMediaType = 2,
    /// The e-mail part was found by its file name only.
    FoundByFileName = 3,
    /// The part's media type is not `application/tlsrpt+gzip` or `+json`.
    UnregisteredMediaType = 4,
    /// The e-mail is not `multipart/report; report-type=tlsrpt`.
    NotMultipartReport = 5,
    /// A `TLS-Report-Domain`/`-Submitter` header disagrees with the JSON (which wins).
    HeaderMismatch = 6,
    /// A note this version of the C API cannot name (the message still says it).
    Other = 99,
}

impl From<&IntakeNote> for mta_sts_rpt_intake_note {
    fn from(n: &IntakeNote) -> Self {
        match n {
            IntakeNote::Gzipped => Self::Gzipped,
            IntakeNote::FoundByMediaType { .. } => Self::FoundByMediaType,
            IntakeNote::FoundByFileName { .. } => Self::FoundByFileName,
            IntakeNote::UnregisteredMediaType { .. } => Self::UnregisteredMediaType,
            IntakeNote::NotMultipartReport => Self::NotMultipartReport,
            IntakeNote::HeaderMismatch { .. } => Self::HeaderMismatch,
            _ => Self::Other,
        }
    }
}

/// Something in a report that parses but does not add up (consistency check).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mta_sts_rpt_finding {
    /// `end-datetime` is before `start-datetime`.
    EndBeforeStart = 1,
    /// The range is not one UTC day (RFC 8460 §4.1).
    NotOneUtcDay = 2,
    /// The failure details do not add up to `total-failure-session-count`.
    FailureCountMismatch = 3,
    /// A failure detail with `failed-session-count` 0.
    ZeroSessionDetail = 4,
    /// `certificate-not-trusted` or `validation-failure` without a reason code (§4.3).
    MissingReasonCode = 5,
    /// The same policy appears twice.
    DuplicatePolicy = 6,
    /// `policies` is empty.
    NoPolicies = 7,
    /// `contact-info` is not an e-mail address.
    ContactInfoNotAnAddress = 8,
    /// A finding this version of the C API cannot name (the message still says it).
    Other = 99,
}

impl From<&FindingKind> for mta_sts_rpt_finding {
    fn from(k: &FindingKind) -> Self {
        match k {
            FindingKind::EndBeforeStart => Self::EndBeforeStart,
            FindingKind::NotOneUtcDay => Self::NotOneUtcDay,
            FindingKind::FailureCountMismatch { .. } => Self::FailureCountMismatch,
            FindingKind::ZeroSessionDetail => Self::ZeroSessionDetail,
            FindingKind::MissingReasonCode => Self::MissingReasonCode,
            FindingKind::DuplicatePolicy { .. } => Self::DuplicatePolicy,
            FindingKind::NoPolicies => Self::NoPolicies,
            FindingKind::ContactInfoNotAnAddress => Self::ContactInfoNotAnAddress,
            _ => Self::Other,
        }
    }
}

fn diagnostic<K: Copy>(
    list: &[Diagnostic<K>],
    index: usize,
    out_kind: *mut K,
    out_path: Option<*mut mta_sts_str>,
    out_message: *mut mta_sts_str,
) -> Result<(), mta_sts_status> {
    let out_kind = try_out(out_kind)?;
    let out_path = out_path.map(try_out).transpose()?;
    let out_message = try_out(out_message)?;
    let d = item(list, index)?;
    out_kind.write(d.kind);
    if let Some(out_path) = out_path {
        out_path.write(mta_sts_str::borrow(&d.path));
    }
    out_message.write(mta_sts_str::borrow(&d.message));
    Ok(())
}

/// Writes the number of deviations the lenient intake tolerated to `*out_count` (0
/// for a report from the aggregator or the strict parser).
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_report_tolerations_count(
    report: *const mta_sts_report,
    out_count: *mut usize,
) -> mta_sts_status {
    status_boundary(|| {
        let report = try_ref(report)?;
        try_out(out_count)?.write(report.tolerations.len());
        Ok(())
    })
}

/// Writes toleration number `index`: its kind to `*out_kind`, its JSON path (e.g.
/// `policies[0].policy.mx-host`) to `*out_path` and a short English message to
/// `*out_message`. Views are valid until `report` is freed;
/// `MTA_STS_STATUS_INDEX_OUT_OF_RANGE` past the count.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_report_toleration(
    report: *const mta_sts_report,
    index: usize,
    out_kind: *mut mta_sts_rpt_deviation,
    out_path: *mut mta_sts_str,
    out_message: *mut mta_sts_str,
) -> mta_sts_status {
    status_boundary(|| {
        let report = try_ref(report)?;
        diagnostic(
            &report.tolerations,
            index,
            out_kind,
            Some(out_path),
            out_message,
        )
    })
}

/// Writes the number of intake notes (about the gzip or e-mail container) to
/// `*out_count`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_report_notes_count(
    report: *const mta_sts_report,
    out_count: *mut usize,
) -> mta_sts_status {
    status_boundary(|| {
        let report = try_ref(report)?;
        try_out(out_count)?.write(report.notes.len());
        Ok(())
    })
}

/// Writes intake note number `index`: its kind to `*out_kind` and a short English
/// message to `*out_message`. The view is valid until `report` is freed;
/// `MTA_STS_STATUS_INDEX_OUT_OF_RANGE` past the count.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_report_note(
    report: *const mta_sts_report,
    index: usize,
    out_kind: *mut mta_sts_rpt_intake_note,
    out_message: *mut mta_sts_str,
) -> mta_sts_status {
    status_boundary(|| {
        let report = try_ref(report)?;
        diagnostic(&report.notes, index, out_kind, None, out_message)
    })
}

/// Writes the number of consistency findings (things that parse but do not add up)
/// to `*out_count`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_report_findings_count(
    report: *const mta_sts_report,
    out_count: *mut usize,
) -> mta_sts_status {
    status_boundary(|| {
        let report = try_ref(report)?;
        try_out(out_count)?.write(report.findings.len());
        Ok(())
    })
}

/// Writes finding number `index`: its kind to `*out_kind`, its JSON path to
/// `*out_path` and a short English message to `*out_message`. Views are valid until
/// `report` is freed; `MTA_STS_STATUS_INDEX_OUT_OF_RANGE` past the count.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_report_finding(
    report: *const mta_sts_report,
    index: usize,
    out_kind: *mut mta_sts_rpt_finding,
    out_path: *mut mta_sts_str,
    out_message: *mut mta_sts_str,
) -> mta_sts_status {
    status_boundary(|| {
        let report = try_ref(report)?;
        diagnostic(
            &report.findings,
            index,
            out_kind,
            Some(out_path),
            out_message,
        )
    })
}
