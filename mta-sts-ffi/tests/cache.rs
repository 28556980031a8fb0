//! Scenario tests of cache entries and their JSON records (RFC 8461 §3.3, §5.1), through the exported C API.

mod common;

use std::ptr;

use mta_sts::*;

use common::*;
use mta_sts_core::limits::MAX_UNIX_TIME_SECS;

const POLICY: &str = "version: STSv1\nmode: enforce\nmx: mail.example.com\nmax_age: 86400\n";
const FETCHED_AT: u64 = 1_700_000_000;

fn new_entry(
    domain: &str,
    id: &str,
    policy: &str,
    at: u64,
) -> Result<*mut mta_sts_cache_entry, mta_sts_status> {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let mut out = ptr::null_mut();
        match mta_sts_cache_entry_new(
            domain.as_ptr(),
            domain.len(),
            id.as_ptr(),
            id.len(),
            policy.as_ptr(),
            policy.len(),
            at,
            &raw mut out,
        ) {
            mta_sts_status::Ok => Ok(out),
            status => Err(status),
        }
    }
}

fn from_json(json: &[u8]) -> Result<*mut mta_sts_cache_entry, mta_sts_status> {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let mut out = ptr::null_mut();
        match mta_sts_cache_entry_from_json(json.as_ptr(), json.len(), &raw mut out) {
            mta_sts_status::Ok => Ok(out),
            status => Err(status),
        }
    }
}

fn json(entry: *const mta_sts_cache_entry) -> String {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let mut view = str_view("");
        assert_eq!(
            mta_sts_cache_entry_json(entry, &raw mut view),
            mta_sts_status::Ok
        );
        view_text(view).to_owned()
    }
}

#[test]
fn rfc8461_s5_1_entry_round_trips_through_json() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let entry = new_entry("Example.COM.", "20240101", POLICY, FETCHED_AT).unwrap();
        let text = json(entry);
        assert_eq!(
            text,
            format!(
                "{{\"format\":1,\"domain\":\"example.com\",\"id\":\"20240101\",\"fetched_at\":{FETCHED_AT},\
             \"expires_at\":{},\"policy\":{}}}",
                FETCHED_AT + 86_400,
                serde_json::to_string(POLICY).unwrap()
            )
        );
        let back = from_json(text.as_bytes()).unwrap();
        assert_eq!(json(back), text);
        let mut view = str_view("");
        assert_eq!(
            mta_sts_cache_entry_domain(back, &raw mut view),
            mta_sts_status::Ok
        );
        assert_eq!(view_text(view), "example.com");
        assert_eq!(
            mta_sts_cache_entry_id(back, &raw mut view),
            mta_sts_status::Ok
        );
        assert_eq!(view_text(view), "20240101");
        let (mut fetched, mut expires) = (0, 0);
        assert_eq!(
            mta_sts_cache_entry_times(back, &raw mut fetched, &raw mut expires),
            mta_sts_status::Ok
        );
        assert_eq!((fetched, expires), (FETCHED_AT, FETCHED_AT + 86_400));
        mta_sts_cache_entry_free(entry);
        mta_sts_cache_entry_free(back);
        mta_sts_cache_entry_free(ptr::null_mut());
    }
}

#[test]
fn rfc8461_s5_1_valid_until_fetched_at_plus_max_age() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let entry = new_entry("example.com", "1", POLICY, FETCHED_AT).unwrap();
        for (now, expected) in [
            (FETCHED_AT, true),
            (FETCHED_AT + 86_399, true),
            (FETCHED_AT + 86_400, false),
            (u64::MAX, false),
        ] {
            let mut valid = !expected;
            assert_eq!(
                mta_sts_cache_entry_is_valid(entry, now, &raw mut valid),
                mta_sts_status::Ok
            );
            assert_eq!(valid, expected, "{now}");
        }
        mta_sts_cache_entry_free(entry);
    }
}

#[test]
fn the_policy_handle_outlives_its_entry() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let entry = new_entry("example.com", "1", POLICY, FETCHED_AT).unwrap();
        let mut policy = ptr::null_mut();
        assert_eq!(
            mta_sts_cache_entry_policy(entry, &raw mut policy),
            mta_sts_status::Ok
        );
        mta_sts_cache_entry_free(entry);
        let mut n = 0;
        assert_eq!(
            mta_sts_policy_mx_count(policy, &raw mut n),
            mta_sts_status::Ok
        );
        let mut view = str_view("");
        assert_eq!(
            mta_sts_policy_mx(policy, 0, &raw mut view),
            mta_sts_status::Ok
        );
        assert_eq!((n, view_text(view)), (1, "mail.example.com"));
        mta_sts_policy_free(policy);
    }
}

#[test]
fn rfc8461_s3_4_bad_parts_are_typed_statuses() {
    assert_eq!(
        new_entry("[192.0.2.1]", "1", POLICY, 0).err(),
        Some(mta_sts_status::DomainAddressLiteral)
    );
    assert_eq!(
        new_entry("", "1", POLICY, 0).err(),
        Some(mta_sts_status::DomainEmpty)
    );
    assert_eq!(
        new_entry("example.com", "no-dash", POLICY, 0).err(),
        Some(mta_sts_status::CacheInvalidId)
    );
    assert_eq!(
        new_entry("example.com", "1", "mode: enforce\n", 0).err(),
        Some(mta_sts_status::PolicyMissingField)
    );
    assert_eq!(
        new_entry("example.com", "1", POLICY, MAX_UNIX_TIME_SECS + 1).err(),
        Some(mta_sts_status::CacheTimeOutOfRange)
    );
}

#[test]
fn tampered_or_broken_json_is_refused_and_leaves_the_output_alone() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let good = format!(
            "{{\"format\":1,\"domain\":\"example.com\",\"id\":\"1\",\"fetched_at\":0,\
         \"expires_at\":86400,\"policy\":{}}}",
            serde_json::to_string(POLICY).unwrap()
        );
        assert!(
            from_json(good.as_bytes())
                .map(|e| mta_sts_cache_entry_free(e))
                .is_ok()
        );
        for (json, status) in [
            (
                good.replace("86400,", "86401,"),
                mta_sts_status::CacheRecordInvalid,
            ),
            (
                good.replace("\"format\":1", "\"format\":2"),
                mta_sts_status::CacheRecordInvalid,
            ),
            (
                good.replace("example.com", "Example.com"),
                mta_sts_status::CacheRecordInvalid,
            ),
            (
                good.replace("\"id\"", "\"extra\":0,\"id\""),
                mta_sts_status::CacheRecordInvalid,
            ),
            (
                good[..good.len() - 1].to_owned(),
                mta_sts_status::CacheJsonSyntax,
            ),
            ("not json".to_owned(), mta_sts_status::CacheJsonSyntax),
        ] {
            let sentinel = ptr::dangling_mut::<mta_sts_cache_entry>();
            let mut out = sentinel;
            assert_eq!(
                mta_sts_cache_entry_from_json(json.as_ptr(), json.len(), &raw mut out),
                status,
                "{json}"
            );
            assert_eq!(out, sentinel);
        }
    }
}
