//! The C ABI of `libmta_sts` (crate `mta-sts-ffi`), driven through its `extern "C"`
//! functions exactly as C calls them.
//!
//! Input: the first byte picks an area, the rest is its data. Parser areas take the
//! rest as raw bytes (so the other targets' seeds work with a prefix byte); the
//! aggregator area decodes a sequence of operations with `arbitrary`.
//!
//! | byte % 8 | area |
//! |---|---|
//! | 0 | policy parse, every getter, MX match and check, cache entry from the body |
//! | 1 | `_mta-sts` record parse and RRset selection (records split at `\n`) |
//! | 2 | cache entry import from JSON, getters, export round trip |
//! | 3 | `_smtp._tls` record parse and selection |
//! | 4 | report intake: strict, lenient, file (`.json`/`.json.gz`), their error messages, then every report function |
//! | 5 | report intake from an e-mail |
//! | 6, 7 | aggregator sequences over four handles (add, record, merge, reload, import, finish, free) |
//!
//! Invariants: no call returns `MTA_STS_STATUS_PANIC` or an unknown code; a failed
//! call leaves its out-parameters untouched (sentinels); needed-length buffers report
//! the same length at (NULL, 0), at one byte short (buffer untouched) and on success;
//! every `mta_sts_str` view is UTF-8; index getters stop exactly at their count; a
//! failed aggregator call leaves the state unchanged; export → import → export is the
//! identity; the finished reports count exactly the sessions recorded; report JSON is
//! a fixed point of lenient intake and survives the e-mail and gzip round trips.
//! Every handle is freed, so LeakSanitizer sees any leak of the library.
#![no_main]

use std::ptr;

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use mta_sts::*;

const SENTINEL: usize = 0x5EE1_7E11;

/// Checks a status and tells whether it is success.
fn ok(status: mta_sts_status) -> bool {
    assert_ne!(
        status,
        mta_sts_status::Panic,
        "a panic reached the C boundary"
    );
    assert_eq!(mta_sts_status::from_u32(status as u32), Some(status));
    status == mta_sts_status::Ok
}

/// The text of a view: never NULL, always UTF-8.
fn text<'a>(view: mta_sts_str) -> &'a str {
    assert!(!view.data.is_null());
    // SAFETY: the library wrote this view just now from a handle that is still alive.
    let bytes = unsafe { std::slice::from_raw_parts(view.data.cast::<u8>(), view.len) };
    std::str::from_utf8(bytes).expect("views are UTF-8")
}

fn bytes<'a>(view: mta_sts_bytes) -> &'a [u8] {
    assert!(!view.data.is_null(), "views are never NULL");
    if view.len == 0 {
        return &[];
    }
    // SAFETY: as in `text`.
    unsafe { std::slice::from_raw_parts(view.data, view.len) }
}

fn empty_view() -> mta_sts_str {
    mta_sts_str {
        data: c"sentinel".as_ptr(),
        len: 8,
    }
}

fn is_sentinel(view: mta_sts_str) -> bool {
    view.data == c"sentinel".as_ptr() && view.len == 8
}

fn b(data: &[u8]) -> mta_sts_bytes {
    mta_sts_bytes {
        data: data.as_ptr(),
        len: data.len(),
    }
}

/// Calls a constructor; on failure the out-handle must be untouched.
fn make<T>(f: impl FnOnce(*mut *mut T) -> mta_sts_status) -> Option<*mut T> {
    let sentinel = ptr::dangling_mut::<T>();
    let mut out = sentinel;
    if ok(f(&raw mut out)) {
        assert!(!out.is_null() && out != sentinel);
        Some(out)
    } else {
        assert_eq!(out, sentinel, "handle written on failure");
        None
    }
}

/// A `(size_t *)` getter.
fn count<T>(f: unsafe extern "C" fn(*const T, *mut usize) -> mta_sts_status, h: *const T) -> usize {
    // SAFETY: every pointer passed is NULL, a live local, or a live handle from
    // the library that is freed once, after its last use.
    unsafe {
        let mut n = SENTINEL;
        assert!(ok(f(h, &raw mut n)));
        n
    }
}

/// An indexed view getter, checked up to and one past `n`.
fn views<T>(
    f: unsafe extern "C" fn(*const T, usize, *mut mta_sts_str) -> mta_sts_status,
    h: *const T,
    n: usize,
) -> Vec<String> {
    // SAFETY: every pointer passed is NULL, a live local, or a live handle from
    // the library that is freed once, after its last use.
    unsafe {
        let mut out = Vec::new();
        for i in 0..=n.min(64) {
            let mut v = empty_view();
            let status = f(h, i, &raw mut v);
            if i < n {
                assert!(ok(status));
                out.push(text(v).to_owned());
            } else {
                assert_eq!(status, mta_sts_status::IndexOutOfRange);
                assert!(is_sentinel(v));
            }
        }
        out
    }
}

/// Calls a needed-length function the three ways a C caller can.
fn buffered(
    f: impl Fn(*mut u8, usize, *mut usize) -> mta_sts_status,
) -> Result<Vec<u8>, mta_sts_status> {
    let mut len = SENTINEL;
    let status = f(ptr::null_mut(), 0, &raw mut len);
    if ok(status) {
        assert_eq!(len, 0);
        return Ok(Vec::new());
    }
    if status != mta_sts_status::BufferTooSmall {
        assert_eq!(len, SENTINEL, "length written on failure");
        return Err(status);
    }
    let needed = len;
    assert!(needed > 0);
    let mut short = vec![0xA5u8; needed - 1];
    let mut len = SENTINEL;
    assert_eq!(
        f(short.as_mut_ptr(), short.len(), &raw mut len),
        mta_sts_status::BufferTooSmall
    );
    assert_eq!(len, needed);
    assert!(
        short.iter().all(|b| *b == 0xA5),
        "buffer written when too small"
    );
    let mut buf = vec![0u8; needed];
    let mut len = SENTINEL;
    assert!(ok(f(buf.as_mut_ptr(), buf.len(), &raw mut len)));
    assert_eq!(len, needed);
    Ok(buf)
}

const HOSTS: [&[u8]; 6] = [
    b"mail.example.com",
    b"mx1.example.net",
    b"mx.attacker.example",
    b"MAIL.EXAMPLE.COM.",
    b"",
    b"\xffbad.example",
];

fn policy_area(body: &[u8]) {
    // SAFETY: every pointer passed is NULL, a live local, or a live handle from
    // the library that is freed once, after its last use.
    unsafe {
        let Some(policy) = make(|out| mta_sts_policy_parse(body.as_ptr(), body.len(), out)) else {
            return;
        };
        let mut mode = mta_sts_mode::None;
        assert!(ok(mta_sts_policy_mode(policy, &raw mut mode)));
        let mut max_age = u32::MAX;
        assert!(ok(mta_sts_policy_max_age(policy, &raw mut max_age)));
        assert!(max_age <= 31_557_600);
        let mx = views(
            mta_sts_policy_mx,
            policy,
            count(mta_sts_policy_mx_count, policy),
        );
        views(
            mta_sts_policy_line,
            policy,
            count(mta_sts_policy_lines_count, policy),
        );
        let warnings = count(mta_sts_policy_warnings_count, policy);
        for i in 0..=warnings.min(64) {
            let (mut line, mut message) = (SENTINEL, empty_view());
            let status = mta_sts_policy_warning(policy, i, &raw mut line, &raw mut message);
            if i < warnings {
                assert!(ok(status));
                text(message);
            } else {
                assert_eq!(status, mta_sts_status::IndexOutOfRange);
                assert!(line == SENTINEL && is_sentinel(message));
            }
        }
        for host in HOSTS.iter().copied().chain(mx.iter().map(|m| m.as_bytes())) {
            let mut matches = false;
            let status =
                mta_sts_policy_matches_mx(policy, host.as_ptr(), host.len(), &raw mut matches);
            let mut failure = ptr::dangling_mut::<mta_sts_failure>();
            let checked =
                mta_sts_policy_check_mx(policy, host.as_ptr(), host.len(), &raw mut failure);
            assert_eq!(ok(status), ok(checked));
            if !ok(checked) {
                assert_eq!(failure, ptr::dangling_mut(), "failure written on error");
            } else {
                // A matching host never fails; otherwise the failure is a handle or NULL.
                if matches {
                    assert!(failure.is_null());
                }
                if !failure.is_null() {
                    let mut t = empty_view();
                    assert!(ok(mta_sts_failure_result_type_str(failure, &raw mut t)));
                    text(t);
                    let mut row = zero_row();
                    assert!(ok(mta_sts_rpt_failure_from_failure(failure, &raw mut row)));
                    mta_sts_failure_free(failure);
                }
            }
        }
        // The same body as a cache entry, exported and imported again.
        let domain = b"example.com";
        if let Some(entry) = make(|out| {
            mta_sts_cache_entry_new(
                domain.as_ptr(),
                domain.len(),
                b"20260101".as_ptr(),
                8,
                body.as_ptr(),
                body.len(),
                1_700_000_000,
                out,
            )
        }) {
            cache_entry_checks(entry);
            mta_sts_cache_entry_free(entry);
        }
        mta_sts_policy_free(policy);
    }
}

fn cache_entry_checks(entry: *mut mta_sts_cache_entry) {
    // SAFETY: every pointer passed is NULL, a live local, or a live handle from
    // the library that is freed once, after its last use.
    unsafe {
        let mut json = empty_view();
        assert!(ok(mta_sts_cache_entry_json(entry, &raw mut json)));
        let json = text(json).to_owned();
        let (mut domain, mut id) = (empty_view(), empty_view());
        assert!(ok(mta_sts_cache_entry_domain(entry, &raw mut domain)));
        assert!(ok(mta_sts_cache_entry_id(entry, &raw mut id)));
        text(domain);
        text(id);
        let (mut fetched, mut expires) = (0u64, 0u64);
        assert!(ok(mta_sts_cache_entry_times(
            entry,
            &raw mut fetched,
            &raw mut expires
        )));
        assert!(fetched <= expires);
        let mut valid = true;
        assert!(ok(mta_sts_cache_entry_is_valid(
            entry,
            expires,
            &raw mut valid
        )));
        assert!(!valid, "an entry is not valid at its expiry time");
        if let Some(policy) = make(|out| mta_sts_cache_entry_policy(entry, out)) {
            mta_sts_policy_free(policy);
        }
        let again = make(|out| mta_sts_cache_entry_from_json(json.as_ptr(), json.len(), out))
            .expect("an exported cache entry imports");
        let mut json2 = empty_view();
        assert!(ok(mta_sts_cache_entry_json(again, &raw mut json2)));
        assert_eq!(text(json2), json);
        mta_sts_cache_entry_free(again);
    }
}

/// TXT records as a resolver gives them: records split at `\n`, strings of at most
/// 255 bytes.
fn rrset(data: &[u8]) -> (Vec<Vec<mta_sts_bytes>>, usize) {
    let strings: Vec<Vec<mta_sts_bytes>> = data
        .split(|c| *c == b'\n')
        .take(80)
        .map(|record| record.chunks(255).map(b).collect())
        .collect();
    let n = strings.len();
    (strings, n)
}

fn record_area(data: &[u8]) {
    // SAFETY: every pointer passed is NULL, a live local, or a live handle from
    // the library that is freed once, after its last use.
    unsafe {
        if let Some(r) = make(|out| mta_sts_record_parse(data.as_ptr(), data.len(), out)) {
            let mut id = empty_view();
            assert!(ok(mta_sts_record_id(r, &raw mut id)));
            assert!((1..=32).contains(&text(id).len()));
            mta_sts_record_free(r);
        }
        let (strings, n) = rrset(data);
        let records: Vec<mta_sts_txt_record> = strings
            .iter()
            .map(|s| mta_sts_txt_record {
                strings: s.as_ptr(),
                count: s.len(),
            })
            .collect();
        if let Some(r) = make(|out| mta_sts_record_select(records.as_ptr(), n, out)) {
            mta_sts_record_free(r);
        }
    }
}

fn cache_area(data: &[u8]) {
    // SAFETY: every pointer passed is NULL, a live local, or a live handle from
    // the library that is freed once, after its last use.
    unsafe {
        if let Some(entry) =
            make(|out| mta_sts_cache_entry_from_json(data.as_ptr(), data.len(), out))
        {
            cache_entry_checks(entry);
            mta_sts_cache_entry_free(entry);
        }
    }
}

fn rpt_record_checks(r: *mut mta_sts_rpt_record) {
    // SAFETY: every pointer passed is NULL, a live local, or a live handle from
    // the library that is freed once, after its last use.
    unsafe {
        let n = count(mta_sts_rpt_record_rua_count, r);
        assert!((1..=32).contains(&n), "a record has 1 to 32 usable URIs");
        for i in 0..=n {
            let mut scheme = mta_sts_rpt_uri_scheme::Other;
            let (mut uri, mut address) = (empty_view(), empty_view());
            let status =
                mta_sts_rpt_record_rua(r, i, &raw mut scheme, &raw mut uri, &raw mut address);
            if i < n {
                assert!(ok(status));
                let uri = text(uri);
                match scheme {
                    // Schemes are case-insensitive (RFC 3986 §3.1) and kept as written.
                    mta_sts_rpt_uri_scheme::Mailto => assert!(has_scheme(uri, "mailto:")),
                    mta_sts_rpt_uri_scheme::Https => {
                        assert!(has_scheme(uri, "https:") && text(address).is_empty());
                    }
                    mta_sts_rpt_uri_scheme::Other => panic!("unnamed scheme"),
                }
            } else {
                assert_eq!(status, mta_sts_status::IndexOutOfRange);
                assert!(
                    is_sentinel(uri)
                        && is_sentinel(address)
                        && scheme == mta_sts_rpt_uri_scheme::Other
                );
            }
        }
        let n = count(mta_sts_rpt_record_extensions_count, r);
        for i in 0..=n.min(64) {
            let (mut name, mut value) = (empty_view(), empty_view());
            let status = mta_sts_rpt_record_extension(r, i, &raw mut name, &raw mut value);
            assert_eq!(ok(status), i < n);
            if i < n {
                assert!(!text(name).is_empty() && !text(value).is_empty());
            }
        }
        let n = count(mta_sts_rpt_record_warnings_count, r);
        for i in 0..=n.min(64) {
            let mut kind = mta_sts_rpt_record_warning_kind::Other;
            let mut message = empty_view();
            assert_eq!(
                ok(mta_sts_rpt_record_warning(
                    r,
                    i,
                    &raw mut kind,
                    &raw mut message
                )),
                i < n
            );
        }
        // The canonical text parses to a record with the same text and no warning (when
        // it fits the 4096-byte record limit: `a;b` becomes `a; b`, so it can grow).
        let mut t = empty_view();
        assert!(ok(mta_sts_rpt_record_text(r, &raw mut t)));
        let canonical = text(t).to_owned();
        if canonical.len() > 4096 {
            return;
        }
        let again = make(|out| mta_sts_rpt_record_parse(canonical.as_ptr(), canonical.len(), out))
            .expect("the canonical text parses");
        let mut t2 = empty_view();
        assert!(ok(mta_sts_rpt_record_text(again, &raw mut t2)));
        assert_eq!(text(t2), canonical);
        assert_eq!(count(mta_sts_rpt_record_warnings_count, again), 0);
        mta_sts_rpt_record_free(again);
    }
}

fn has_scheme(uri: &str, scheme: &str) -> bool {
    uri.get(..scheme.len())
        .is_some_and(|s| s.eq_ignore_ascii_case(scheme))
}

fn rpt_record_area(data: &[u8]) {
    // SAFETY: every pointer passed is NULL, a live local, or a live handle from
    // the library that is freed once, after its last use.
    unsafe {
        if let Some(r) = make(|out| mta_sts_rpt_record_parse(data.as_ptr(), data.len(), out)) {
            rpt_record_checks(r);
            mta_sts_rpt_record_free(r);
        }
        let (strings, n) = rrset(data);
        let records: Vec<mta_sts_txt_record> = strings
            .iter()
            .map(|s| mta_sts_txt_record {
                strings: s.as_ptr(),
                count: s.len(),
            })
            .collect();
        if let Some(r) = make(|out| mta_sts_rpt_record_select(records.as_ptr(), n, out)) {
            rpt_record_checks(r);
            mta_sts_rpt_record_free(r);
        }
    }
}

fn report_json(report: *const mta_sts_report) -> String {
    // SAFETY: every pointer passed is NULL, a live local, or a live handle from
    // the library that is freed once, after its last use.
    unsafe {
        let mut json = empty_view();
        assert!(ok(mta_sts_report_json(report, &raw mut json)));
        text(json).to_owned()
    }
}

/// Every function of a report handle; returns its JSON.
fn report_checks(report: *mut mta_sts_report) -> String {
    // SAFETY: every pointer passed is NULL, a live local, or a live handle from
    // the library that is freed once, after its last use.
    unsafe {
        let json = report_json(report);
        // Lenient intake of the RFC-form JSON is a fixed point.
        let again = make(|out| mta_sts_report_read_json(json.as_ptr(), json.len(), out))
            .expect("the report's own JSON reads");
        assert_eq!(report_json(again), json);
        mta_sts_report_free(again);

        let mut info = mta_sts_rpt_report_info {
            organization_name: empty_view(),
            contact_info: empty_view(),
            report_id: empty_view(),
            start: 0,
            end: 0,
            policies_count: SENTINEL,
        };
        assert!(ok(mta_sts_report_info(report, &raw mut info)));
        text(info.organization_name);
        text(info.contact_info);
        text(info.report_id);
        let policies = info.policies_count;
        for p in 0..=policies.min(16) {
            let mut pi = mta_sts_rpt_policy_info {
                policy_type: empty_view(),
                policy_domain: empty_view(),
                policy_string_count: SENTINEL,
                mx_host_count: SENTINEL,
                total_successful_session_count: 0,
                total_failure_session_count: 0,
                failure_details_count: SENTINEL,
            };
            let status = mta_sts_report_policy(report, p, &raw mut pi);
            if p == policies {
                assert_eq!(status, mta_sts_status::IndexOutOfRange);
                assert_eq!(pi.failure_details_count, SENTINEL);
                continue;
            }
            assert!(ok(status));
            text(pi.policy_type);
            text(pi.policy_domain);
            for i in 0..=pi.policy_string_count.min(16) {
                let mut v = empty_view();
                let s = mta_sts_report_policy_string(report, p, i, &raw mut v);
                assert_eq!(ok(s), i < pi.policy_string_count);
            }
            for i in 0..=pi.mx_host_count.min(16) {
                let mut v = empty_view();
                let s = mta_sts_report_policy_mx_host(report, p, i, &raw mut v);
                assert_eq!(ok(s), i < pi.mx_host_count);
            }
            for i in 0..=pi.failure_details_count.min(16) {
                let e = empty_view();
                let mut d = mta_sts_rpt_failure_detail {
                    result_type: e,
                    sending_mta_ip: e,
                    receiving_mx_hostname: e,
                    receiving_mx_helo: e,
                    receiving_ip: e,
                    failed_session_count: 0,
                    additional_information: e,
                    failure_reason_code: e,
                };
                let s = mta_sts_report_failure_detail(report, p, i, &raw mut d);
                assert_eq!(ok(s), i < pi.failure_details_count);
                if i < pi.failure_details_count {
                    for v in [
                        d.result_type,
                        d.sending_mta_ip,
                        d.receiving_mx_hostname,
                        d.receiving_ip,
                    ] {
                        text(v);
                    }
                } else {
                    assert!(is_sentinel(d.result_type));
                }
            }
        }
        for (n, i) in [
            (count(mta_sts_report_tolerations_count, report), 0),
            (count(mta_sts_report_findings_count, report), 1),
        ] {
            for k in 0..=n.min(32) {
                let (mut path, mut message) = (empty_view(), empty_view());
                let status = if i == 0 {
                    let mut kind = mta_sts_rpt_deviation::Other;
                    mta_sts_report_toleration(
                        report,
                        k,
                        &raw mut kind,
                        &raw mut path,
                        &raw mut message,
                    )
                } else {
                    let mut kind = mta_sts_rpt_finding::Other;
                    mta_sts_report_finding(
                        report,
                        k,
                        &raw mut kind,
                        &raw mut path,
                        &raw mut message,
                    )
                };
                assert_eq!(ok(status), k < n);
                if k < n {
                    text(path);
                    assert!(!text(message).is_empty());
                }
            }
        }
        let n = count(mta_sts_report_notes_count, report);
        for k in 0..=n {
            let mut kind = mta_sts_rpt_intake_note::Other;
            let mut message = empty_view();
            assert_eq!(
                ok(mta_sts_report_note(
                    report,
                    k,
                    &raw mut kind,
                    &raw mut message
                )),
                k < n
            );
        }

        let mut gz = b(b"");
        assert!(ok(mta_sts_report_gzip(report, &raw mut gz)));
        let gz = bytes(gz).to_vec();
        let from_file =
            make(|out| mta_sts_report_read_file(gz.as_ptr(), gz.len(), json.len() + 1, out))
                .expect("the report's own gzip reads back");
        assert_eq!(report_json(from_file), json);
        mta_sts_report_free(from_file);
        for compress in [false, true] {
            let mut body = b(b"");
            let mut content_type = empty_view();
            assert!(ok(mta_sts_report_https_post(
                report,
                compress,
                &raw mut body,
                &raw mut content_type
            )));
            assert_eq!(
                bytes(body),
                if compress { &gz[..] } else { json.as_bytes() }
            );
            text(content_type);
        }
        let mut domain = empty_view();
        if ok(mta_sts_report_policy_domain(report, &raw mut domain)) {
            assert!(!text(domain).is_empty());
        } else {
            assert!(is_sentinel(domain));
        }
        for unique_id in [&b""[..], b"001", b"x-y"] {
            let name = buffered(|buf, len, out| {
                mta_sts_report_file_name(
                    report,
                    unique_id.as_ptr(),
                    unique_id.len(),
                    true,
                    buf,
                    len,
                    out,
                )
            });
            if let Ok(name) = name {
                assert!(name.ends_with(b".json.gz"));
            }
        }
        let params = mta_sts_rpt_email_params {
            from: b(b"tlsrpt@sender.example"),
            to: b(b"tlsrpt@receiver.example"),
            date: 1_795_867_200,
            utc_offset_minutes: -300,
            message_id: b(b"r1@sender.example"),
            boundary: b(b"tlsrpt-boundary"),
            unique_id: b(b""),
            compress: json.len().is_multiple_of(2),
        };
        if let Ok(mail) =
            buffered(|buf, len, out| mta_sts_report_email(report, &raw const params, buf, len, out))
        {
            let back = make(|out| mta_sts_report_read_email(mail.as_ptr(), mail.len(), 0, out))
                .expect("the report's own e-mail reads back");
            assert_eq!(report_json(back), json);
            mta_sts_report_free(back);
        }
        json
    }
}

fn intake_area(data: &[u8]) {
    // SAFETY: every pointer passed is NULL, a live local, or a live handle from
    // the library that is freed once, after its last use.
    unsafe {
        let strict = make(|out| mta_sts_report_parse(data.as_ptr(), data.len(), out));
        let lenient = make(|out| mta_sts_report_read_json(data.as_ptr(), data.len(), out));
        let file = make(|out| mta_sts_report_read_file(data.as_ptr(), data.len(), 1 << 20, out));
        if let Some(s) = strict {
            // A strict report reads leniently to the same report.
            let l = lenient.expect("lenient accepts what strict accepts");
            assert_eq!(report_json(s), report_json(l));
            assert_eq!(count(mta_sts_report_tolerations_count, s), 0);
        }
        if let (Some(l), Some(f)) = (lenient, file) {
            assert_eq!(report_json(l), report_json(f));
        }
        for (reader, accepted) in [
            (MTA_STS_RPT_READER_STRICT, strict.is_some()),
            (MTA_STS_RPT_READER_JSON, lenient.is_some()),
            (MTA_STS_RPT_READER_FILE, file.is_some()),
        ] {
            explained(reader, data, 1 << 20, accepted);
        }
        for r in [strict, lenient, file].into_iter().flatten() {
            report_checks(r);
            mta_sts_report_free(r);
        }
    }
}

/// An error message exactly when the reader refuses the data.
fn explained(reader: u32, data: &[u8], bound: usize, accepted: bool) {
    // SAFETY: every pointer passed is NULL, a live local, or a live handle from
    // the library that is freed once, after its last use.
    unsafe {
        let message = buffered(|buf, len, out| {
            mta_sts_report_error_message(reader, data.as_ptr(), data.len(), bound, buf, len, out)
        })
        .expect("any data can be explained");
        let message = std::str::from_utf8(&message).expect("messages are UTF-8");
        assert_eq!(message.is_empty(), accepted, "reader {reader}: {message:?}");
    }
}

fn email_area(data: &[u8]) {
    // SAFETY: every pointer passed is NULL, a live local, or a live handle from
    // the library that is freed once, after its last use.
    unsafe {
        let report = make(|out| mta_sts_report_read_email(data.as_ptr(), data.len(), 1 << 20, out));
        explained(MTA_STS_RPT_READER_EMAIL, data, 1 << 20, report.is_some());
        if let Some(r) = report {
            report_checks(r);
            mta_sts_report_free(r);
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Domain {
    Known(u8),
    Raw(Vec<u8>),
}

impl Domain {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Self::Known(n) => [
                "example.com",
                "example.net",
                "Example.COM.",
                "bücher.example",
                "[192.0.2.1]",
            ][usize::from(*n % 5)]
            .as_bytes()
            .to_vec(),
            Self::Raw(raw) => raw.clone(),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Ip {
    Absent,
    V4([u8; 4]),
    V6([u16; 8]),
    Raw(Vec<u8>),
}

impl Ip {
    fn text(&self) -> Vec<u8> {
        match self {
            Self::Absent => Vec::new(),
            Self::V4(a) => std::net::Ipv4Addr::from(*a).to_string().into_bytes(),
            Self::V6(a) => std::net::Ipv6Addr::from(*a).to_string().into_bytes(),
            Self::Raw(raw) => raw.clone(),
        }
    }
}

/// A TLSA record for the `policy-string`: presentation form, or raw bytes after a
/// `3 ` (never a JSON array, which lenient intake would decode as Microsoft's quirk).
#[derive(Arbitrary, Debug)]
enum Tlsa {
    Presentation(u8, u8, u8, Vec<u8>),
    Raw(Vec<u8>),
}

impl Tlsa {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Self::Presentation(usage, selector, matching, data) => {
                let hex: String = data.iter().map(|b| format!("{b:02x}")).collect();
                format!("{} {} {} {hex}", usage % 4, selector % 2, matching % 3).into_bytes()
            }
            Self::Raw(raw) => [&b"3 "[..], raw].concat(),
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Row {
    result_type: u8,
    sending_ip: Ip,
    mx: Option<u8>,
    helo: Option<Vec<u8>>,
    receiving_ip: Ip,
    reason: Option<u8>,
}

#[derive(Arbitrary, Debug)]
enum AggOp {
    New {
        cap: u8,
    },
    AddSts {
        agg: u8,
        policy: u8,
        domain: Domain,
    },
    AddNoPolicy {
        agg: u8,
        domain: Domain,
    },
    AddTlsa {
        agg: u8,
        domain: Domain,
        records: Vec<Tlsa>,
    },
    Success {
        agg: u8,
        index: u8,
        count: u16,
    },
    Failure {
        agg: u8,
        index: u8,
        rows: Vec<Row>,
    },
    FromCheck {
        agg: u8,
        index: u8,
        host: u8,
    },
    Merge {
        into: u8,
        from: u8,
    },
    Reload {
        agg: u8,
    },
    Import {
        json: Vec<u8>,
    },
    Finish {
        agg: u8,
        day: u64,
        prefix: Vec<u8>,
    },
    Free {
        agg: u8,
    },
}

const POLICIES: [&[u8]; 3] = [
    b"version: STSv1\nmode: enforce\nmx: mail.example.com\nmax_age: 86400\n",
    b"version: STSv1\r\nmode: testing\r\nmx: *.example.net\r\nmx: mail.example.com.\r\nmax_age: 604800\r\n",
    b"version: STSv1\nmode: none\nmax_age: 1\n",
];

/// One aggregator handle with the session counts recorded into it (`None` once
/// imported from a state whose counts the model does not know).
struct Slot {
    agg: *mut mta_sts_aggregator,
    indexes: Vec<usize>,
    sessions: Option<(u128, u128)>,
}

fn export(agg: *const mta_sts_aggregator) -> Vec<u8> {
    // SAFETY: every pointer passed is NULL, a live local, or a live handle from
    // the library that is freed once, after its last use.
    unsafe {
        buffered(|buf, len, out| mta_sts_aggregator_export(agg, buf, len, out))
            .expect("export works")
    }
}

fn zero_row() -> mta_sts_rpt_failure {
    mta_sts_rpt_failure {
        result_type: 0,
        sending_mta_ip: b(b""),
        receiving_mx_hostname: b(b""),
        receiving_mx_helo: b(b""),
        receiving_ip: b(b""),
        failure_reason_code: b(b""),
    }
}

fn pick(slots: &mut [Option<Slot>], n: u8) -> Option<&mut Slot> {
    let len = slots.len();
    slots.get_mut(usize::from(n) % len)?.as_mut()
}

fn aggregator_area(data: &[u8]) {
    // SAFETY: every pointer passed is NULL, a live local, or a live handle from
    // the library that is freed once, after its last use.
    unsafe {
        let mut u = Unstructured::new(data);
        let Ok(ops) = Vec::<AggOp>::arbitrary(&mut u) else {
            return;
        };
        let mut slots: [Option<Slot>; 4] = [None, None, None, None];
        let policies: Vec<*mut mta_sts_policy> = POLICIES
            .iter()
            .map(|p| {
                make(|out| mta_sts_policy_parse(p.as_ptr(), p.len(), out))
                    .expect("fixed policies parse")
            })
            .collect();
        for op in ops.iter().take(64) {
            match op {
                AggOp::New { cap } => {
                    if let Some(free) = slots.iter_mut().find(|s| s.is_none()) {
                        let agg = make(|out| mta_sts_aggregator_new(usize::from(*cap % 8), out))
                            .expect("new works");
                        *free = Some(Slot {
                            agg,
                            indexes: Vec::new(),
                            sessions: Some((0, 0)),
                        });
                    }
                }
                AggOp::AddSts {
                    agg,
                    policy,
                    domain,
                } => {
                    let Some(slot) = pick(&mut slots, *agg) else {
                        continue;
                    };
                    let (a, d) = (slot.agg, domain.bytes());
                    let p = policies[usize::from(*policy) % policies.len()];
                    add(slot, |out| {
                        mta_sts_aggregator_add_sts_policy(a, p, d.as_ptr(), d.len(), out)
                    });
                }
                AggOp::AddNoPolicy { agg, domain } => {
                    let Some(slot) = pick(&mut slots, *agg) else {
                        continue;
                    };
                    let (a, d) = (slot.agg, domain.bytes());
                    add(slot, |out| {
                        mta_sts_aggregator_add_no_policy_found(a, d.as_ptr(), d.len(), out)
                    });
                }
                AggOp::AddTlsa {
                    agg,
                    domain,
                    records,
                } => {
                    let Some(slot) = pick(&mut slots, *agg) else {
                        continue;
                    };
                    let (a, d) = (slot.agg, domain.bytes());
                    let texts: Vec<Vec<u8>> = records.iter().take(8).map(Tlsa::bytes).collect();
                    let rs: Vec<mta_sts_bytes> = texts.iter().map(|r| b(r)).collect();
                    add(slot, |out| {
                        mta_sts_aggregator_add_tlsa_policy(
                            a,
                            d.as_ptr(),
                            d.len(),
                            rs.as_ptr(),
                            rs.len(),
                            out,
                        )
                    });
                }
                AggOp::Success { agg, index, count } => {
                    let Some(slot) = pick(&mut slots, *agg) else {
                        continue;
                    };
                    let before = export(slot.agg);
                    let i = slot
                        .indexes
                        .get(usize::from(*index))
                        .copied()
                        .unwrap_or(usize::from(*index));
                    if ok(mta_sts_aggregator_record_successes(
                        slot.agg,
                        i,
                        u64::from(*count),
                    )) {
                        if let Some(s) = slot.sessions.as_mut() {
                            s.0 += u128::from(*count);
                        }
                    } else {
                        assert_eq!(export(slot.agg), before, "a failed call changed the counts");
                    }
                }
                AggOp::Failure { agg, index, rows } => {
                    let Some(slot) = pick(&mut slots, *agg) else {
                        continue;
                    };
                    let texts: Vec<[Vec<u8>; 5]> = rows
                        .iter()
                        .take(4)
                        .map(|r| {
                            [
                                r.sending_ip.text(),
                                r.mx.map(|n| format!("mx{}.example.com", n % 4).into_bytes())
                                    .unwrap_or_default(),
                                r.helo.clone().unwrap_or_default(),
                                r.receiving_ip.text(),
                                r.reason
                                    .map(|n| format!("code-{}", n % 3).into_bytes())
                                    .unwrap_or_default(),
                            ]
                        })
                        .collect();
                    let c_rows: Vec<mta_sts_rpt_failure> = rows
                        .iter()
                        .zip(&texts)
                        .map(|(r, t)| mta_sts_rpt_failure {
                            // Mostly valid values (1 to 11), sometimes not.
                            result_type: u32::from(r.result_type % 13),
                            sending_mta_ip: b(&t[0]),
                            receiving_mx_hostname: b(&t[1]),
                            receiving_mx_helo: b(&t[2]),
                            receiving_ip: b(&t[3]),
                            failure_reason_code: b(&t[4]),
                        })
                        .collect();
                    let before = export(slot.agg);
                    let i = slot
                        .indexes
                        .get(usize::from(*index))
                        .copied()
                        .unwrap_or(usize::from(*index));
                    let status = mta_sts_aggregator_record_failure_session(
                        slot.agg,
                        i,
                        c_rows.as_ptr(),
                        c_rows.len(),
                    );
                    if ok(status) {
                        if let Some(s) = slot.sessions.as_mut() {
                            s.1 += 1;
                        }
                    } else {
                        assert_eq!(export(slot.agg), before, "a failed call changed the counts");
                    }
                }
                AggOp::FromCheck { agg, index, host } => {
                    let Some(slot) = pick(&mut slots, *agg) else {
                        continue;
                    };
                    let Some(i) = slot.indexes.get(usize::from(*index)).copied() else {
                        continue;
                    };
                    let h = HOSTS[usize::from(*host) % 3];
                    let mut failure = ptr::null_mut();
                    assert!(ok(mta_sts_policy_check_mx(
                        policies[0],
                        h.as_ptr(),
                        h.len(),
                        &raw mut failure
                    )));
                    if failure.is_null() {
                        continue;
                    }
                    let mut row = zero_row();
                    assert!(ok(mta_sts_rpt_failure_from_failure(failure, &raw mut row)));
                    row.receiving_mx_hostname = b(h);
                    assert!(ok(mta_sts_aggregator_record_failure(
                        slot.agg,
                        i,
                        &raw const row
                    )));
                    if let Some(s) = slot.sessions.as_mut() {
                        s.1 += 1;
                    }
                    mta_sts_failure_free(failure);
                }
                AggOp::Merge { into, from } => {
                    let (into, from) = (usize::from(*into) % 4, usize::from(*from) % 4);
                    let (Some(a), Some(b_)) = (&slots[into], &slots[from]) else {
                        continue;
                    };
                    let (a_agg, b_agg) = (a.agg, b_.agg);
                    let from_sessions = b_.sessions;
                    let before = count(mta_sts_aggregator_policy_count, a_agg);
                    assert!(ok(mta_sts_aggregator_merge(a_agg, b_agg)));
                    assert!(count(mta_sts_aggregator_policy_count, a_agg) >= before);
                    if let Some(a) = slots[into].as_mut() {
                        a.sessions = match (a.sessions, from_sessions) {
                            (Some(x), Some(y)) => Some((x.0 + y.0, x.1 + y.1)),
                            _ => None,
                        };
                    }
                }
                AggOp::Reload { agg } => {
                    let Some(slot) = pick(&mut slots, *agg) else {
                        continue;
                    };
                    let state = export(slot.agg);
                    let restored =
                        make(|out| mta_sts_aggregator_import(state.as_ptr(), state.len(), out))
                            .expect("an exported state imports");
                    assert_eq!(
                        export(restored),
                        state,
                        "export → import → export is the identity"
                    );
                    mta_sts_aggregator_free(slot.agg);
                    slot.agg = restored;
                    slot.indexes.clear();
                }
                AggOp::Import { json } => {
                    if let Some(agg) =
                        make(|out| mta_sts_aggregator_import(json.as_ptr(), json.len(), out))
                    {
                        let state = export(agg);
                        let again =
                            make(|out| mta_sts_aggregator_import(state.as_ptr(), state.len(), out))
                                .expect("an exported state imports");
                        assert_eq!(export(again), state);
                        mta_sts_aggregator_free(again);
                        match slots.iter_mut().find(|s| s.is_none()) {
                            Some(free) => {
                                *free = Some(Slot {
                                    agg,
                                    indexes: Vec::new(),
                                    sessions: None,
                                });
                            }
                            None => mta_sts_aggregator_free(agg),
                        }
                    }
                }
                AggOp::Finish { agg, day, prefix } => {
                    let Some(slot) = pick(&mut slots, *agg) else {
                        continue;
                    };
                    finish(slot, *day, prefix);
                }
                AggOp::Free { agg } => {
                    let n = usize::from(*agg) % 4;
                    if let Some(slot) = slots[n].take() {
                        mta_sts_aggregator_free(slot.agg);
                    }
                }
            }
        }
        for slot in slots.iter_mut().flatten() {
            finish(slot, 1_795_867_200, b"final_");
            mta_sts_aggregator_free(slot.agg);
        }
        for p in policies {
            mta_sts_policy_free(p);
        }
    }
}

/// Registers a policy; the same policy always gets the same index.
fn add(slot: &mut Slot, f: impl Fn(*mut usize) -> mta_sts_status) {
    let before = export(slot.agg);
    let mut index = SENTINEL;
    if ok(f(&raw mut index)) {
        let mut again = SENTINEL;
        assert!(ok(f(&raw mut again)));
        assert_eq!(index, again, "same policy, same index");
        slot.indexes.push(index);
    } else {
        assert_eq!(index, SENTINEL, "index written on failure");
        assert_eq!(export(slot.agg), before, "a failed call changed the state");
    }
}

fn finish(slot: &Slot, day: u64, prefix: &[u8]) {
    // SAFETY: every pointer passed is NULL, a live local, or a live handle from
    // the library that is freed once, after its last use.
    unsafe {
        let meta = mta_sts_rpt_meta {
            organization_name: b(b"Fuzz Org"),
            contact_info: b(b"tlsrpt@sender.example"),
            report_id_prefix: b(prefix),
            day,
        };
        let Some(list) = make(|out| mta_sts_aggregator_finish(slot.agg, &raw const meta, out))
        else {
            return;
        };
        let n = count(mta_sts_report_list_count, list);
        assert!(n <= count(mta_sts_aggregator_policy_count, slot.agg));
        let (mut successes, mut failures) = (0u128, 0u128);
        for i in 0..=n {
            let Some(report) = make(|out| mta_sts_report_list_get(list, i, out)) else {
                assert_eq!(i, n);
                continue;
            };
            let mut info = mta_sts_rpt_report_info {
                organization_name: empty_view(),
                contact_info: empty_view(),
                report_id: empty_view(),
                start: 0,
                end: 0,
                policies_count: 0,
            };
            assert!(ok(mta_sts_report_info(report, &raw mut info)));
            assert_eq!(info.end - info.start, 86_399);
            for p in 0..info.policies_count {
                let mut pi = mta_sts_rpt_policy_info {
                    policy_type: empty_view(),
                    policy_domain: empty_view(),
                    policy_string_count: 0,
                    mx_host_count: 0,
                    total_successful_session_count: 0,
                    total_failure_session_count: 0,
                    failure_details_count: 0,
                };
                assert!(ok(mta_sts_report_policy(report, p, &raw mut pi)));
                successes += u128::from(pi.total_successful_session_count);
                failures += u128::from(pi.total_failure_session_count);
            }
            if i == 0 {
                report_checks(report);
            }
            mta_sts_report_free(report);
        }
        // (Counts saturate at 2^64 - 1 per policy; self-merges can get there.)
        if let Some(expected) = slot.sessions.filter(|(s, f)| *s < 1 << 62 && *f < 1 << 62) {
            assert_eq!(
                (successes, failures),
                expected,
                "the reports count every session"
            );
        }
        mta_sts_report_list_free(list);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&area, rest)) = data.split_first() else {
        return;
    };
    match area % 8 {
        0 => policy_area(rest),
        1 => record_area(rest),
        2 => cache_area(rest),
        3 => rpt_record_area(rest),
        4 => intake_area(rest),
        5 => email_area(rest),
        _ => aggregator_area(rest),
    }
});
