//! Scenario tests of the policy file (RFC 8461 §3.2, §4.1), through the exported C API.

mod common;

use std::ptr;

use mta_sts::*;

use common::*;

const RFC_POLICY: &[u8] = b"version: STSv1\nmode: enforce\nmx: mail.example.com\n\
    mx: *.example.net\nmx: backupmx.example.com\nmax_age: 604800\n";

fn parse(body: &[u8]) -> Result<*mut mta_sts_policy, mta_sts_status> {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let mut out = ptr::null_mut();
        match mta_sts_policy_parse(body.as_ptr(), body.len(), &raw mut out) {
            mta_sts_status::Ok => Ok(out),
            status => Err(status),
        }
    }
}

fn count(
    f: unsafe extern "C" fn(*const mta_sts_policy, *mut usize) -> mta_sts_status,
    p: *const mta_sts_policy,
) -> usize {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let mut n = usize::MAX;
        assert_eq!(f(p, &raw mut n), mta_sts_status::Ok);
        n
    }
}

#[test]
fn rfc8461_s3_2_example_policy_through_the_c_functions() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let policy = parse(RFC_POLICY).unwrap();
        let mut mode = mta_sts_mode::None;
        assert_eq!(
            mta_sts_policy_mode(policy, &raw mut mode),
            mta_sts_status::Ok
        );
        assert_eq!(mode, mta_sts_mode::Enforce);
        let mut max_age = 0;
        assert_eq!(
            mta_sts_policy_max_age(policy, &raw mut max_age),
            mta_sts_status::Ok
        );
        assert_eq!(max_age, 604_800);
        assert_eq!(count(mta_sts_policy_mx_count, policy), 3);
        let mut view = str_view("");
        assert_eq!(
            mta_sts_policy_mx(policy, 1, &raw mut view),
            mta_sts_status::Ok
        );
        assert_eq!(view_text(view), "*.example.net");
        assert_eq!(count(mta_sts_policy_lines_count, policy), 6);
        assert_eq!(
            mta_sts_policy_line(policy, 0, &raw mut view),
            mta_sts_status::Ok
        );
        assert_eq!(view_text(view), "version: STSv1");
        assert_eq!(count(mta_sts_policy_warnings_count, policy), 0);
        mta_sts_policy_free(policy);
    }
}

#[test]
fn rfc8461_s3_2_warnings_carry_line_and_message() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let policy =
            parse(b"version: STSv1\nmode: enforce\nmx: mx.example.org.\nmax_age: 1\n").unwrap();
        assert_eq!(count(mta_sts_policy_warnings_count, policy), 1);
        let (mut line, mut message) = (0, str_view(""));
        assert_eq!(
            mta_sts_policy_warning(policy, 0, &raw mut line, &raw mut message),
            mta_sts_status::Ok
        );
        assert_eq!(
            (line, view_text(message)),
            (3, "trailing dot in mx value removed")
        );
        assert_eq!(
            mta_sts_policy_warning(policy, 1, &raw mut line, &raw mut message),
            mta_sts_status::IndexOutOfRange
        );
        mta_sts_policy_free(policy);
    }
}

#[test]
fn rfc8461_s3_2_invalid_policies_leave_the_output_alone() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let sentinel = ptr::dangling_mut::<mta_sts_policy>();
        let mut out = sentinel;
        let body = b"version: STSv1\nmode: enforce\nmax_age: 1\n";
        assert_eq!(
            mta_sts_policy_parse(body.as_ptr(), body.len(), &raw mut out),
            mta_sts_status::PolicyMissingMx
        );
        assert_eq!(out, sentinel);
    }
}

#[test]
fn rfc8461_s4_1_and_s5_enforce_skips_only_unlisted_hosts() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let policy = parse(RFC_POLICY).unwrap();
        for (host, listed) in [
            (&b"mail.example.com"[..], true),
            (b"MX1.example.net.", true),
            (b"a.b.example.net", false),
            (b"mx.attacker.example", false),
        ] {
            let mut matches = !listed;
            assert_eq!(
                mta_sts_policy_matches_mx(policy, host.as_ptr(), host.len(), &raw mut matches),
                mta_sts_status::Ok
            );
            assert_eq!(matches, listed, "{host:?}");
            let mut failure = ptr::dangling_mut();
            assert_eq!(
                mta_sts_policy_check_mx(policy, host.as_ptr(), host.len(), &raw mut failure),
                mta_sts_status::Ok
            );
            assert_eq!(failure.is_null(), listed, "{host:?}");
            if !listed {
                let mut code = str_view("");
                assert_eq!(
                    mta_sts_failure_reason_code(failure, &raw mut code),
                    mta_sts_status::Ok
                );
                assert_eq!(view_text(code), "mtasts-policy-mx-mismatch");
            }
            mta_sts_failure_free(failure);
        }
        mta_sts_policy_free(policy);
    }
}

#[test]
fn handles_are_send_and_sync_and_lines_build_once_under_threads() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<mta_sts_policy>();
        send_sync::<mta_sts_record>();
        send_sync::<mta_sts_failure>();

        let policy = parse(RFC_POLICY).unwrap();
        // A raw pointer is not Send; the address is, and C shares handles that way.
        let address = policy as usize;
        let threads: Vec<_> = (0..4)
            .map(|_| {
                std::thread::spawn(move || {
                    let mut view = str_view("");
                    let p = address as *const mta_sts_policy;
                    assert_eq!(mta_sts_policy_line(p, 5, &raw mut view), mta_sts_status::Ok);
                    view_text(view).to_owned()
                })
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap(), "max_age: 604800");
        }
        mta_sts_policy_free(policy);
    }
}

#[test]
fn rfc8461_s3_2_error_line_points_at_the_offending_line() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        for (body, line) in [
            (
                &b"version: STSv1\nmode: enforce\nmx: mail.example.com\nmx: -bad-\nmax_age: 1\n"[..],
                4,
            ),
            (b"version: STSv1\nmode: sometimes\n", 2),
            (b"version: STSv1\n\nno colon here\n", 3),
            (b"version: STSv1\nmode: enforce\nmax_age: 1\n", 0),
            (RFC_POLICY, 0),
        ] {
            let mut got = usize::MAX;
            assert_eq!(
                mta_sts_policy_error_line(body.as_ptr(), body.len(), &raw mut got),
                mta_sts_status::Ok
            );
            assert_eq!(got, line, "{}", String::from_utf8_lossy(body));
        }
        let mut untouched = 7;
        assert_eq!(
            mta_sts_policy_error_line(ptr::null(), 1, &raw mut untouched),
            mta_sts_status::NullParameter
        );
        assert_eq!(untouched, 7);
        assert_eq!(
            mta_sts_policy_error_line(RFC_POLICY.as_ptr(), RFC_POLICY.len(), ptr::null_mut()),
            mta_sts_status::NullParameter
        );
    }
}
