//! Scenario tests of TLS-RPT reports and their delivery formats (RFC 8460 §4, §5), through the exported C API.

mod common;

use std::ptr;

use mta_sts::*;

use common::*;

/// A one-policy report in RFC form: the RFC 8460 §4.4 example with erratum 6241 and
/// the `receiving-ip` its first failure detail lacks.
const RFC_JSON: &[u8] = br#"{"organization-name":"Company-X","date-range":{"start-datetime":"2016-04-01T00:00:00Z","end-datetime":"2016-04-01T23:59:59Z"},"contact-info":"sts-reporting@company-x.example","report-id":"5065427c-23d3-47ca-b6e0-946ea0e8c4be","policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: testing","mx: *.mail.company-y.example","max_age: 86400"],"policy-domain":"company-y.example","mx-host":["*.mail.company-y.example"]},"summary":{"total-successful-session-count":5326,"total-failure-session-count":303},"failure-details":[{"result-type":"certificate-expired","sending-mta-ip":"2001:db8:abcd:0012::1","receiving-mx-hostname":"mx1.mail.company-y.example","receiving-ip":"203.0.113.55","failed-session-count":100},{"result-type":"starttls-not-supported","sending-mta-ip":"2001:db8:abcd:0013::1","receiving-mx-hostname":"mx2.mail.company-y.example","receiving-ip":"203.0.113.56","failed-session-count":200,"additional-information":"https://reports.company-x.example/report_info?id=5065427c-23d3#StarttlsNotSupported"},{"result-type":"validation-failure","sending-mta-ip":"198.51.100.62","receiving-ip":"203.0.113.58","receiving-mx-hostname":"mx-backup.mail.company-y.example","failed-session-count":3,"failure-reason-code":"X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED"}]}]}"#;

fn b(s: &str) -> mta_sts_bytes {
    mta_sts_bytes {
        data: s.as_ptr(),
        len: s.len(),
    }
}

fn parse(json: &[u8]) -> *mut mta_sts_report {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let mut report = ptr::null_mut();
        assert_eq!(
            mta_sts_report_parse(json.as_ptr(), json.len(), &raw mut report),
            mta_sts_status::Ok
        );
        report
    }
}

/// Calls a needed-length function twice, as a C caller would.
fn buffered(
    f: impl Fn(*mut u8, usize, *mut usize) -> mta_sts_status,
) -> Result<Vec<u8>, mta_sts_status> {
    let mut len = 0usize;
    match f(ptr::null_mut(), 0, &raw mut len) {
        mta_sts_status::BufferTooSmall => {}
        mta_sts_status::Ok => return Ok(Vec::new()),
        other => return Err(other),
    }
    let mut buf = vec![0u8; len];
    assert_eq!(
        f(buf.as_mut_ptr(), buf.len(), &raw mut len),
        mta_sts_status::Ok
    );
    assert_eq!(len, buf.len());
    Ok(buf)
}

fn email_params() -> mta_sts_rpt_email_params {
    mta_sts_rpt_email_params {
        from: b("tlsrpt@company-x.example"),
        to: b("tlsrpt@company-y.example"),
        date: 1_459_555_200, // 2016-04-02T00:00:00Z
        utc_offset_minutes: 60,
        message_id: b("r1@company-x.example"),
        boundary: b("tlsrpt-boundary-1"),
        unique_id: b(""),
        compress: true,
    }
}

#[test]
fn d19_json_view_is_the_deterministic_serialization() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let report = parse(RFC_JSON);
        let mut json = str_view("unset");
        assert_eq!(
            mta_sts_report_json(report, &raw mut json),
            mta_sts_status::Ok
        );
        let again = parse(view_text(json).as_bytes());
        let mut json2 = str_view("unset");
        assert_eq!(
            mta_sts_report_json(again, &raw mut json2),
            mta_sts_status::Ok
        );
        assert_eq!(view_text(json), view_text(json2));
        assert!(
            view_text(json).contains(r#""receiving-mx-hostname":"mx1.mail.company-y.example""#)
        );
        mta_sts_report_free(again);
        mta_sts_report_free(report);
    }
}

#[test]
fn rfc8460_s5_2_gzip_and_https_post_bodies_are_views_of_the_report() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let report = parse(RFC_JSON);
        let mut gz = mta_sts_bytes {
            data: ptr::null(),
            len: 0,
        };
        assert_eq!(mta_sts_report_gzip(report, &raw mut gz), mta_sts_status::Ok);
        assert_eq!(&bytes_of(gz)[..2], &[0x1f, 0x8b]);
        let json = tls_rpt_core::gunzip(bytes_of(gz), 1 << 20).unwrap();
        let mut view = str_view("unset");
        assert_eq!(
            mta_sts_report_json(report, &raw mut view),
            mta_sts_status::Ok
        );
        assert_eq!(json, view_text(view).as_bytes());

        let mut body = mta_sts_bytes {
            data: ptr::null(),
            len: 0,
        };
        let mut content_type = str_view("unset");
        assert_eq!(
            mta_sts_report_https_post(report, true, &raw mut body, &raw mut content_type),
            mta_sts_status::Ok
        );
        assert_eq!(
            (body.data, body.len),
            (gz.data, gz.len),
            "the same kept bytes"
        );
        assert_eq!(view_text(content_type), "application/tlsrpt+gzip");
        assert_eq!(
            mta_sts_report_https_post(report, false, &raw mut body, &raw mut content_type),
            mta_sts_status::Ok
        );
        assert_eq!(bytes_of(body), view_text(view).as_bytes());
        assert_eq!(view_text(content_type), "application/tlsrpt+json");
        assert_eq!(
            mta_sts_report_https_post(report, false, ptr::null_mut(), &raw mut content_type),
            mta_sts_status::NullParameter
        );
        mta_sts_report_free(report);
    }
}

#[test]
fn rfc8460_s5_1_file_name_with_needed_length_semantics() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let report = parse(RFC_JSON);
        let name = |id: &str, gz: bool| {
            buffered(|buf, len, out| {
                mta_sts_report_file_name(report, id.as_ptr(), id.len(), gz, buf, len, out)
            })
        };
        assert_eq!(
            String::from_utf8(name("", true).unwrap()).unwrap(),
            "company-x.example!company-y.example!1459468800!1459555199.json.gz"
        );
        assert_eq!(
            String::from_utf8(name("001", false).unwrap()).unwrap(),
            "company-x.example!company-y.example!1459468800!1459555199!001.json"
        );
        assert_eq!(
            name("0-1", true),
            Err(mta_sts_status::RptDeliverInvalidUniqueId)
        );
        // Too small by one: only the needed length is written.
        let mut buf = [0xAAu8; 64];
        let mut len = 0usize;
        assert_eq!(
            mta_sts_report_file_name(
                report,
                ptr::null(),
                0,
                true,
                buf.as_mut_ptr(),
                buf.len(),
                &raw mut len
            ),
            mta_sts_status::BufferTooSmall
        );
        assert_eq!(len, 65);
        assert!(buf.iter().all(|b| *b == 0xAA));
        let bad = b"\xff";
        len = 7;
        assert_eq!(
            mta_sts_report_file_name(
                report,
                bad.as_ptr(),
                1,
                true,
                buf.as_mut_ptr(),
                buf.len(),
                &raw mut len
            ),
            mta_sts_status::InvalidUtf8
        );
        assert_eq!(
            mta_sts_report_file_name(
                report,
                ptr::null(),
                0,
                true,
                buf.as_mut_ptr(),
                buf.len(),
                ptr::null_mut()
            ),
            mta_sts_status::NullParameter
        );
        assert_eq!(len, 7);
        mta_sts_report_free(report);
    }
}

#[test]
fn rfc8460_s5_3_email_round_trips_through_intake() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let report = parse(RFC_JSON);
        let params = email_params();
        let mail = buffered(|buf, len, out| {
            mta_sts_report_email(report, &raw const params, buf, len, out)
        })
        .unwrap();
        let text = String::from_utf8_lossy(&mail);
        assert!(
            text.contains("Date: Sat, 02 Apr 2016 01:00:00 +0100\r\n"),
            "{text}"
        );
        assert!(
            text.contains("TLS-Report-Domain: company-y.example\r\n"),
            "{text}"
        );
        assert!(
            text.contains("TLS-Report-Submitter: company-x.example\r\n"),
            "{text}"
        );
        assert!(
            text.contains("Content-Type: application/tlsrpt+gzip\r\n"),
            "{text}"
        );

        let mut back = ptr::null_mut();
        assert_eq!(
            mta_sts_report_read_email(mail.as_ptr(), mail.len(), 0, &raw mut back),
            mta_sts_status::Ok
        );
        let (mut a, mut b_) = (str_view("a"), str_view("b"));
        assert_eq!(mta_sts_report_json(report, &raw mut a), mta_sts_status::Ok);
        assert_eq!(mta_sts_report_json(back, &raw mut b_), mta_sts_status::Ok);
        assert_eq!(view_text(a), view_text(b_));
        mta_sts_report_free(back);
        mta_sts_report_free(report);
    }
}

#[test]
fn rfc8460_s5_3_bad_email_params_are_statuses() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let report = parse(RFC_JSON);
        let call = |p: mta_sts_rpt_email_params| {
            buffered(|buf, len, out| mta_sts_report_email(report, &raw const p, buf, len, out))
                .err()
        };
        let mut p = email_params();
        p.to = b("two words@example");
        assert_eq!(call(p), Some(mta_sts_status::RptDeliverInvalidHeaderValue));
        p = email_params();
        p.boundary = b("");
        assert_eq!(call(p), Some(mta_sts_status::RptDeliverInvalidBoundary));
        p = email_params();
        p.utc_offset_minutes = 24 * 60;
        assert_eq!(call(p), Some(mta_sts_status::RptTimeOutOfRange));
        p = email_params();
        p.utc_offset_minutes = i32::MIN;
        assert_eq!(call(p), Some(mta_sts_status::RptTimeOutOfRange));
        p = email_params();
        p.date = u64::MAX;
        assert_eq!(call(p), Some(mta_sts_status::RptTimeOutOfRange));
        p = email_params();
        p.from = mta_sts_bytes {
            data: ptr::null(),
            len: 3,
        };
        assert_eq!(call(p), Some(mta_sts_status::NullParameter));
        let mut len = 5usize;
        assert_eq!(
            mta_sts_report_email(report, ptr::null(), ptr::null_mut(), 0, &raw mut len),
            mta_sts_status::NullParameter
        );
        assert_eq!(len, 5);
        mta_sts_report_free(report);
    }
}

#[test]
fn rfc8460_s4_4_contents_are_readable_through_structs() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let report = parse(RFC_JSON);
        let mut info = mta_sts_rpt_report_info {
            organization_name: str_view(""),
            contact_info: str_view(""),
            report_id: str_view(""),
            start: 0,
            end: 0,
            policies_count: 0,
        };
        assert_eq!(
            mta_sts_report_info(report, &raw mut info),
            mta_sts_status::Ok
        );
        assert_eq!(view_text(info.organization_name), "Company-X");
        assert_eq!(
            view_text(info.report_id),
            "5065427c-23d3-47ca-b6e0-946ea0e8c4be"
        );
        assert_eq!(
            (info.start, info.end, info.policies_count),
            (1_459_468_800, 1_459_555_199, 1)
        );

        let mut p = mta_sts_rpt_policy_info {
            policy_type: str_view(""),
            policy_domain: str_view(""),
            policy_string_count: 0,
            mx_host_count: 0,
            total_successful_session_count: 0,
            total_failure_session_count: 0,
            failure_details_count: 0,
        };
        assert_eq!(
            mta_sts_report_policy(report, 0, &raw mut p),
            mta_sts_status::Ok
        );
        assert_eq!(
            (view_text(p.policy_type), view_text(p.policy_domain)),
            ("sts", "company-y.example")
        );
        assert_eq!(
            (
                p.policy_string_count,
                p.mx_host_count,
                p.failure_details_count
            ),
            (4, 1, 3)
        );
        assert_eq!(
            (
                p.total_successful_session_count,
                p.total_failure_session_count
            ),
            (5326, 303)
        );
        let mut line = str_view("");
        assert_eq!(
            mta_sts_report_policy_string(report, 0, 1, &raw mut line),
            mta_sts_status::Ok
        );
        assert_eq!(view_text(line), "mode: testing");
        assert_eq!(
            mta_sts_report_policy_mx_host(report, 0, 0, &raw mut line),
            mta_sts_status::Ok
        );
        assert_eq!(view_text(line), "*.mail.company-y.example");
        assert_eq!(
            mta_sts_report_policy_mx_host(report, 0, 1, &raw mut line),
            mta_sts_status::IndexOutOfRange
        );
        assert_eq!(
            mta_sts_report_policy_string(report, 1, 0, &raw mut line),
            mta_sts_status::IndexOutOfRange
        );
        assert_eq!(
            mta_sts_report_policy(report, 1, &raw mut p),
            mta_sts_status::IndexOutOfRange
        );
        assert_eq!(view_text(line), "*.mail.company-y.example");

        let s = str_view("");
        let mut d = mta_sts_rpt_failure_detail {
            result_type: s,
            sending_mta_ip: s,
            receiving_mx_hostname: s,
            receiving_mx_helo: s,
            receiving_ip: s,
            failed_session_count: 0,
            additional_information: s,
            failure_reason_code: s,
        };
        assert_eq!(
            mta_sts_report_failure_detail(report, 0, 2, &raw mut d),
            mta_sts_status::Ok
        );
        assert_eq!(view_text(d.result_type), "validation-failure");
        assert_eq!(
            view_text(d.failure_reason_code),
            "X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED"
        );
        assert_eq!(
            (view_text(d.receiving_mx_helo), d.failed_session_count),
            ("", 3)
        );
        assert_eq!(
            mta_sts_report_failure_detail(report, 0, 3, &raw mut d),
            mta_sts_status::IndexOutOfRange
        );
        let mut domain = str_view("");
        assert_eq!(
            mta_sts_report_policy_domain(report, &raw mut domain),
            mta_sts_status::Ok
        );
        assert_eq!(view_text(domain), "company-y.example");
        assert_eq!(
            mta_sts_report_info(ptr::null(), &raw mut info),
            mta_sts_status::NullParameter
        );
        mta_sts_report_free(report);
        mta_sts_report_free(ptr::null_mut());
    }
}

#[test]
fn consistency_findings_are_listed_with_path_and_kind() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        // The RFC example's details add up to 303, as its summary says: no finding.
        let report = parse(RFC_JSON);
        let mut n = 9usize;
        assert_eq!(
            mta_sts_report_findings_count(report, &raw mut n),
            mta_sts_status::Ok
        );
        assert_eq!(n, 0);
        mta_sts_report_free(report);
        let skewed = String::from_utf8(RFC_JSON.to_vec())
            .unwrap()
            .replace("303", "304");
        let report = parse(skewed.as_bytes());
        assert_eq!(
            mta_sts_report_findings_count(report, &raw mut n),
            mta_sts_status::Ok
        );
        assert_eq!(n, 1);
        let mut kind = mta_sts_rpt_finding::Other;
        let (mut path, mut message) = (str_view(""), str_view(""));
        assert_eq!(
            mta_sts_report_finding(report, 0, &raw mut kind, &raw mut path, &raw mut message),
            mta_sts_status::Ok
        );
        assert_eq!(kind, mta_sts_rpt_finding::FailureCountMismatch);
        assert_eq!(view_text(path), "policies[0].summary");
        assert!(view_text(message).contains("303"), "{}", view_text(message));
        assert_eq!(
            mta_sts_report_finding(report, 1, &raw mut kind, &raw mut path, &raw mut message),
            mta_sts_status::IndexOutOfRange
        );
        assert_eq!(
            mta_sts_report_finding(report, 0, &raw mut kind, ptr::null_mut(), &raw mut message),
            mta_sts_status::NullParameter
        );
        // A strict parse tolerates nothing and an in-memory report has no notes.
        assert_eq!(
            mta_sts_report_tolerations_count(report, &raw mut n),
            mta_sts_status::Ok
        );
        assert_eq!(n, 0);
        assert_eq!(
            mta_sts_report_notes_count(report, &raw mut n),
            mta_sts_status::Ok
        );
        assert_eq!(n, 0);
        let mut note = mta_sts_rpt_intake_note::Other;
        assert_eq!(
            mta_sts_report_note(report, 0, &raw mut note, &raw mut message),
            mta_sts_status::IndexOutOfRange
        );
        mta_sts_report_free(report);
    }
}

#[test]
fn rfc8460_s5_1_reports_without_domains_cannot_be_named() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let no_at = String::from_utf8(RFC_JSON.to_vec())
            .unwrap()
            .replace("sts-reporting@company-x.example", "sts-reporting");
        let report = parse(no_at.as_bytes());
        let r = buffered(|buf, len, out| {
            mta_sts_report_file_name(report, ptr::null(), 0, true, buf, len, out)
        });
        assert_eq!(r, Err(mta_sts_status::RptDeliverNoSubmitterDomain));
        mta_sts_report_free(report);
    }
}

#[test]
fn list_and_report_functions_refuse_null() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let mut n = 3usize;
        assert_eq!(
            mta_sts_report_list_count(ptr::null(), &raw mut n),
            mta_sts_status::NullParameter
        );
        let mut report = ptr::null_mut();
        assert_eq!(
            mta_sts_report_list_get(ptr::null(), 0, &raw mut report),
            mta_sts_status::NullParameter
        );
        assert_eq!(n, 3);
        let mut gz = mta_sts_bytes {
            data: ptr::null(),
            len: 0,
        };
        assert_eq!(
            mta_sts_report_gzip(ptr::null(), &raw mut gz),
            mta_sts_status::NullParameter
        );
        assert_eq!(
            mta_sts_report_json(ptr::null(), ptr::null_mut()),
            mta_sts_status::NullParameter
        );
        mta_sts_report_list_free(ptr::null_mut());
    }
}
