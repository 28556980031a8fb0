//! Scenario tests of delivery plans over the MX hosts (RFC 8461 §4, §5), through the exported C API.

mod common;

use std::ptr;

use mta_sts::*;

use common::*;

fn policy(mode: &str) -> *mut mta_sts_policy {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let body = format!(
            "version: STSv1\nmode: {mode}\nmx: *.example.com\nmx: backup.example.net\nmax_age: 86400\n"
        );
        let mut out = ptr::null_mut();
        assert_eq!(
            mta_sts_policy_parse(body.as_ptr(), body.len(), &raw mut out),
            mta_sts_status::Ok
        );
        out
    }
}

fn plan(policy: *const mta_sts_policy, hosts: &[&str]) -> *mut mta_sts_delivery_plan {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let hosts: Vec<mta_sts_bytes> = hosts
            .iter()
            .map(|h| mta_sts_bytes {
                data: h.as_ptr(),
                len: h.len(),
            })
            .collect();
        let mut out = ptr::null_mut();
        assert_eq!(
            mta_sts_delivery_plan_new(policy, hosts.as_ptr(), hosts.len(), &raw mut out),
            mta_sts_status::Ok
        );
        out
    }
}

fn failure(result_type: mta_sts_result_type, code: &str) -> *mut mta_sts_failure {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let mut out = ptr::null_mut();
        assert_eq!(
            mta_sts_failure_new(result_type as u32, code.as_ptr(), code.len(), &raw mut out),
            mta_sts_status::Ok
        );
        out
    }
}

fn verdict(
    plan: *const mta_sts_delivery_plan,
    index: usize,
    tls: mta_sts_tls_outcome,
    tls_failure: *const mta_sts_failure,
    dane: mta_sts_dane,
    dane_failure: *const mta_sts_failure,
) -> (mta_sts_verdict, Option<(String, String)>) {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let (mut v, mut f) = (mta_sts_verdict::Deliver, ptr::dangling_mut());
        assert_eq!(
            mta_sts_delivery_plan_verdict(
                plan,
                index,
                tls as u32,
                tls_failure,
                dane as u32,
                dane_failure,
                &raw mut v,
                &raw mut f
            ),
            mta_sts_status::Ok
        );
        (v, failure_text(f))
    }
}

fn skip(plan: *const mta_sts_delivery_plan, index: usize) -> Option<(String, String)> {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let mut f = ptr::dangling_mut();
        assert_eq!(
            mta_sts_delivery_plan_skip_before_connect(plan, index, &raw mut f),
            mta_sts_status::Ok
        );
        failure_text(f)
    }
}

fn mismatch() -> Option<(String, String)> {
    Some((
        "validation-failure".into(),
        "mtasts-policy-mx-mismatch".into(),
    ))
}

#[test]
fn rfc8461_s4_1_candidates_keep_order_and_their_matching_pattern() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let p = policy("enforce");
        let plan = plan(
            p,
            &["mx1.example.com.", "evil.example", "BACKUP.example.net"],
        );
        mta_sts_policy_free(p);
        let mut count = 0;
        assert_eq!(
            mta_sts_delivery_plan_count(plan, &raw mut count),
            mta_sts_status::Ok
        );
        assert_eq!(count, 3);
        let mut view = str_view("x");
        let mut got = Vec::new();
        for i in 0..3 {
            assert_eq!(
                mta_sts_delivery_plan_host(plan, i, &raw mut view),
                mta_sts_status::Ok
            );
            let host = view_text(view).to_owned();
            assert_eq!(
                mta_sts_delivery_plan_matched_pattern(plan, i, &raw mut view),
                mta_sts_status::Ok
            );
            got.push((host, view_text(view).to_owned()));
        }
        assert_eq!(
            got,
            [
                ("mx1.example.com.".into(), "*.example.com".into()),
                ("evil.example".into(), String::new()),
                ("BACKUP.example.net".into(), "backup.example.net".into()),
            ]
        );
        let mut enforcement = mta_sts_enforcement::None;
        assert_eq!(
            mta_sts_delivery_plan_enforcement(plan, &raw mut enforcement),
            mta_sts_status::Ok
        );
        assert_eq!(enforcement, mta_sts_enforcement::Enforce);
        mta_sts_delivery_plan_free(plan);
    }
}

#[test]
fn rfc8461_s5_enforce_skips_mismatches_and_never_delivers_without_verified_tls() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let p = policy("enforce");
        let plan = plan(p, &["evil.example", "mx1.example.com"]);
        mta_sts_policy_free(p);
        assert_eq!(skip(plan, 0), mismatch());
        assert_eq!(skip(plan, 1), None);
        let none = ptr::null();
        let na = mta_sts_dane::NotApplicable;
        assert_eq!(
            verdict(plan, 1, mta_sts_tls_outcome::Verified, none, na, none),
            (mta_sts_verdict::Deliver, None)
        );
        assert_eq!(
            verdict(
                plan,
                1,
                mta_sts_tls_outcome::StarttlsNotOffered,
                none,
                na,
                none
            ),
            (
                mta_sts_verdict::SkipAndReport,
                Some(("starttls-not-supported".into(), String::new()))
            )
        );
        assert_eq!(
            verdict(
                plan,
                1,
                mta_sts_tls_outcome::HandshakeFailed,
                none,
                na,
                none
            ),
            (
                mta_sts_verdict::SkipAndReport,
                Some(("validation-failure".into(), "tls-handshake-failed".into()))
            )
        );
        let expired = failure(mta_sts_result_type::CertificateExpired, "cert-expired");
        assert_eq!(
            verdict(
                plan,
                1,
                mta_sts_tls_outcome::CertificateInvalid,
                expired,
                na,
                none
            ),
            (
                mta_sts_verdict::SkipAndReport,
                Some(("certificate-expired".into(), "cert-expired".into()))
            )
        );
        mta_sts_failure_free(expired);
        let mut exhausted = mta_sts_exhausted::Defer;
        assert_eq!(
            mta_sts_delivery_plan_when_exhausted(plan, &raw mut exhausted),
            mta_sts_status::Ok
        );
        assert_eq!(exhausted, mta_sts_exhausted::DeferAndCheckBeforeBounce);
        mta_sts_delivery_plan_free(plan);
    }
}

#[test]
fn rfc8461_s5_testing_delivers_and_reports_and_none_reports_nothing() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let p = policy("testing");
        let plan_testing = plan(p, &["evil.example", "mx1.example.com"]);
        mta_sts_policy_free(p);
        let none = ptr::null();
        let na = mta_sts_dane::NotApplicable;
        assert_eq!(skip(plan_testing, 0), None);
        assert_eq!(
            verdict(
                plan_testing,
                0,
                mta_sts_tls_outcome::Verified,
                none,
                na,
                none
            ),
            (mta_sts_verdict::DeliverAndReport, mismatch())
        );
        assert_eq!(
            verdict(
                plan_testing,
                1,
                mta_sts_tls_outcome::StarttlsNotOffered,
                none,
                na,
                none
            ),
            (
                mta_sts_verdict::DeliverAndReport,
                Some(("starttls-not-supported".into(), String::new()))
            )
        );
        let mut exhausted = mta_sts_exhausted::DeferAndCheckBeforeBounce;
        assert_eq!(
            mta_sts_delivery_plan_when_exhausted(plan_testing, &raw mut exhausted),
            mta_sts_status::Ok
        );
        assert_eq!(exhausted, mta_sts_exhausted::Defer);
        mta_sts_delivery_plan_free(plan_testing);

        for p in [policy("none"), ptr::null_mut()] {
            let plan = plan(p, &["evil.example"]);
            mta_sts_policy_free(p);
            let mut enforcement = mta_sts_enforcement::Enforce;
            assert_eq!(
                mta_sts_delivery_plan_enforcement(plan, &raw mut enforcement),
                mta_sts_status::Ok
            );
            assert_eq!(enforcement, mta_sts_enforcement::None);
            assert_eq!(skip(plan, 0), None);
            assert_eq!(
                verdict(
                    plan,
                    0,
                    mta_sts_tls_outcome::StarttlsNotOffered,
                    none,
                    na,
                    none
                ),
                (mta_sts_verdict::Deliver, None)
            );
            mta_sts_delivery_plan_free(plan);
        }
    }
}

#[test]
fn rfc8461_s2_dane_takes_precedence_in_every_mode() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let tlsa = failure(mta_sts_result_type::TlsaInvalid, "");
        let untrusted = failure(mta_sts_result_type::CertificateNotTrusted, "unknown-issuer");
        for mode in ["enforce", "testing", "none"] {
            let p = policy(mode);
            let plan = plan(p, &["mx1.example.com", "evil.example"]);
            mta_sts_policy_free(p);
            for i in 0..2 {
                assert_eq!(
                    verdict(
                        plan,
                        i,
                        mta_sts_tls_outcome::Verified,
                        ptr::null(),
                        mta_sts_dane::Failed,
                        tlsa
                    ),
                    (
                        mta_sts_verdict::SkipAndReport,
                        Some(("tlsa-invalid".into(), String::new()))
                    )
                );
                assert_eq!(
                    verdict(
                        plan,
                        i,
                        mta_sts_tls_outcome::CertificateInvalid,
                        untrusted,
                        mta_sts_dane::Verified,
                        ptr::null()
                    ),
                    (mta_sts_verdict::Deliver, None)
                );
            }
            mta_sts_delivery_plan_free(plan);
        }
        mta_sts_failure_free(tlsa);
        mta_sts_failure_free(untrusted);
    }
}

#[test]
fn bad_arguments_are_statuses_and_leave_outputs_alone() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let p = policy("enforce");
        let sentinel = ptr::dangling_mut::<mta_sts_delivery_plan>();
        let mut out = sentinel;
        let bad = [mta_sts_bytes {
            data: b"\xff".as_ptr(),
            len: 1,
        }];
        assert_eq!(
            mta_sts_delivery_plan_new(p, bad.as_ptr(), 1, &raw mut out),
            mta_sts_status::InvalidUtf8
        );
        let null_host = [mta_sts_bytes {
            data: ptr::null(),
            len: 3,
        }];
        assert_eq!(
            mta_sts_delivery_plan_new(p, null_host.as_ptr(), 1, &raw mut out),
            mta_sts_status::NullParameter
        );
        assert_eq!(
            mta_sts_delivery_plan_new(p, ptr::null(), 2, &raw mut out),
            mta_sts_status::NullParameter
        );
        assert_eq!(out, sentinel);
        assert_eq!(
            mta_sts_delivery_plan_new(p, ptr::null(), 0, ptr::null_mut()),
            mta_sts_status::NullParameter
        );

        let plan = plan(p, &["mx1.example.com"]);
        mta_sts_policy_free(p);
        let (mut v, mut f) = (mta_sts_verdict::DeliverAndReport, ptr::dangling_mut());
        let sentinel_failure = f;
        for (index, tls, tls_failure, dane, status) in [
            (1, 4, ptr::null(), 1, mta_sts_status::IndexOutOfRange),
            (0, 0, ptr::null(), 1, mta_sts_status::UnknownEnumValue),
            (0, 4, ptr::null(), 9, mta_sts_status::UnknownEnumValue),
            (0, 3, ptr::null(), 1, mta_sts_status::NullParameter),
            (0, 4, ptr::null(), 3, mta_sts_status::NullParameter),
        ] {
            assert_eq!(
                mta_sts_delivery_plan_verdict(
                    plan,
                    index,
                    tls,
                    tls_failure,
                    dane,
                    ptr::null(),
                    &raw mut v,
                    &raw mut f
                ),
                status
            );
            assert_eq!(
                (v, f),
                (mta_sts_verdict::DeliverAndReport, sentinel_failure)
            );
        }
        assert_eq!(
            mta_sts_delivery_plan_verdict(
                plan,
                0,
                4,
                ptr::null(),
                1,
                ptr::null(),
                &raw mut v,
                ptr::null_mut()
            ),
            mta_sts_status::NullParameter
        );
        assert_eq!(v, mta_sts_verdict::DeliverAndReport, "no partial output");
        assert_eq!(
            mta_sts_delivery_plan_skip_before_connect(plan, 1, &raw mut f),
            mta_sts_status::IndexOutOfRange
        );
        let mut view = str_view("x");
        assert_eq!(
            mta_sts_delivery_plan_host(plan, 1, &raw mut view),
            mta_sts_status::IndexOutOfRange
        );
        assert_eq!(
            mta_sts_delivery_plan_matched_pattern(ptr::null(), 0, &raw mut view),
            mta_sts_status::NullParameter
        );
        assert_eq!(view_text(view), "x");
        mta_sts_delivery_plan_free(plan);
        mta_sts_delivery_plan_free(ptr::null_mut());

        let mut failure_out = ptr::dangling_mut::<mta_sts_failure>();
        assert_eq!(
            mta_sts_failure_new(0, ptr::null(), 0, &raw mut failure_out),
            mta_sts_status::UnknownEnumValue
        );
        assert_eq!(
            mta_sts_failure_new(12, ptr::null(), 0, &raw mut failure_out),
            mta_sts_status::UnknownEnumValue
        );
        assert_eq!(
            mta_sts_failure_new(4, b"\xff".as_ptr(), 1, &raw mut failure_out),
            mta_sts_status::InvalidUtf8
        );
        assert_eq!(
            mta_sts_failure_new(4, ptr::null(), 1, &raw mut failure_out),
            mta_sts_status::NullParameter
        );
        assert_eq!(failure_out, ptr::dangling_mut());
    }
}

#[test]
fn every_result_type_can_be_made_into_a_failure() {
    for t in mta_sts_result_type::all() {
        let f = failure(t, "some-code");
        assert_eq!(
            failure_text(f),
            Some((
                t.registry_str().to_str().unwrap().to_owned(),
                "some-code".into()
            ))
        );
    }
}

#[test]
fn plan_is_send_and_sync() {
    fn sync<T: Send + Sync>() {}
    sync::<mta_sts_delivery_plan>();
}
