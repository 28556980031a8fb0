//! Scenario tests of the discovery engine: lookups, outcomes and backoff (RFC 8461 §3, §5), through the exported C API.

mod common;

use std::ptr;

use mta_sts::*;
use mta_sts_core::limits::MAX_POLICY_BODY_LEN;

use common::*;
use mta_sts_core::{Failure, ResultType};

const NOW: u64 = 1_700_000_000;
const DOMAIN: &str = "example.com";
const POLICY: &[u8] = b"version: STSv1\nmode: enforce\nmx: *.example.com\nmax_age: 86400\n";

fn new_lookup(cached: *const mta_sts_cache_entry) -> *mut mta_sts_lookup {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let mut out = ptr::null_mut();
        assert_eq!(
            mta_sts_lookup_new(DOMAIN.as_ptr(), DOMAIN.len(), cached, NOW, &raw mut out),
            mta_sts_status::Ok
        );
        out
    }
}

fn cached(id: &str, fetched_at: u64) -> *mut mta_sts_cache_entry {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let mut out = ptr::null_mut();
        assert_eq!(
            mta_sts_cache_entry_new(
                DOMAIN.as_ptr(),
                DOMAIN.len(),
                id.as_ptr(),
                id.len(),
                POLICY.as_ptr(),
                POLICY.len(),
                fetched_at,
                &raw mut out
            ),
            mta_sts_status::Ok
        );
        out
    }
}

fn poll(lookup: *const mta_sts_lookup) -> (mta_sts_step_kind, String, String, String, usize) {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let empty = str_view("");
        let mut step = mta_sts_step {
            kind: mta_sts_step_kind::Done,
            name: empty,
            url: empty,
            host: empty,
            max_body_len: usize::MAX,
        };
        assert_eq!(
            mta_sts_lookup_poll(lookup, &raw mut step),
            mta_sts_status::Ok
        );
        (
            step.kind,
            view_text(step.name).to_owned(),
            view_text(step.url).to_owned(),
            view_text(step.host).to_owned(),
            step.max_body_len,
        )
    }
}

fn txt(lookup: *mut mta_sts_lookup, now: u64, record: &[u8]) -> mta_sts_status {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let strings = [mta_sts_bytes {
            data: record.as_ptr(),
            len: record.len(),
        }];
        let records = [mta_sts_txt_record {
            strings: strings.as_ptr(),
            count: 1,
        }];
        mta_sts_lookup_handle_txt(
            lookup,
            now,
            mta_sts_txt_answer_kind::Records as u32,
            records.as_ptr(),
            1,
        )
    }
}

fn fetch(
    lookup: *mut mta_sts_lookup,
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> mta_sts_status {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let (ct, ct_len) = content_type.map_or((ptr::null(), 0), |c| (c.as_ptr(), c.len()));
        mta_sts_lookup_handle_fetch_response(
            lookup,
            NOW + 1,
            status,
            ct,
            ct_len,
            body.as_ptr(),
            body.len(),
        )
    }
}

fn outcome_of(lookup: *const mta_sts_lookup) -> *mut mta_sts_outcome {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let mut out = ptr::null_mut();
        assert_eq!(
            mta_sts_lookup_outcome(lookup, &raw mut out),
            mta_sts_status::Ok
        );
        out
    }
}

fn reason(outcome: *const mta_sts_outcome) -> (mta_sts_reason, mta_sts_status) {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let (mut reason, mut problem) = (mta_sts_reason::Fetched, mta_sts_status::Panic);
        assert_eq!(
            mta_sts_outcome_reason(outcome, &raw mut reason),
            mta_sts_status::Ok
        );
        assert_eq!(
            mta_sts_outcome_problem(outcome, &raw mut problem),
            mta_sts_status::Ok
        );
        (reason, problem)
    }
}

fn cache_action(outcome: *const mta_sts_outcome) -> mta_sts_cache_action {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let mut action = mta_sts_cache_action::Nothing;
        assert_eq!(
            mta_sts_outcome_cache_action(outcome, &raw mut action),
            mta_sts_status::Ok
        );
        action
    }
}

/// `(result-type, reason code)` of the failure to report, if any.
fn report(outcome: *const mta_sts_outcome) -> Option<(String, String)> {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let mut failure = ptr::dangling_mut();
        assert_eq!(
            mta_sts_outcome_report(outcome, &raw mut failure),
            mta_sts_status::Ok
        );
        failure_text(failure)
    }
}

fn backoff(outcome: *const mta_sts_outcome) -> (mta_sts_backoff_action, *mut mta_sts_backoff) {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let (mut action, mut backoff) = (mta_sts_backoff_action::Clear, ptr::dangling_mut());
        assert_eq!(
            mta_sts_outcome_backoff(outcome, &raw mut action, &raw mut backoff),
            mta_sts_status::Ok
        );
        (action, backoff)
    }
}

#[test]
fn rfc8461_s3_3_first_contact_queries_txt_fetches_and_stores() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let lookup = new_lookup(ptr::null());
        let (kind, name, url, host, max) = poll(lookup);
        assert_eq!(
            (kind, name.as_str(), url.as_str(), host.as_str(), max),
            (
                mta_sts_step_kind::QueryTxt,
                "_mta-sts.example.com",
                "",
                "",
                0
            )
        );
        assert_eq!(
            txt(lookup, NOW, b"v=STSv1; id=20240101"),
            mta_sts_status::Ok
        );
        let (kind, _, url, host, max) = poll(lookup);
        assert_eq!(kind, mta_sts_step_kind::FetchPolicy);
        assert_eq!(url, "https://mta-sts.example.com/.well-known/mta-sts.txt");
        assert_eq!(host, "mta-sts.example.com");
        assert_eq!(max, MAX_POLICY_BODY_LEN);
        assert_eq!(
            fetch(lookup, 200, Some("text/plain; charset=utf-8"), POLICY),
            mta_sts_status::Ok
        );
        assert_eq!(poll(lookup).0, mta_sts_step_kind::Done);

        let outcome = outcome_of(lookup);
        mta_sts_lookup_free(lookup);
        assert_eq!(
            reason(outcome),
            (mta_sts_reason::Fetched, mta_sts_status::Ok)
        );
        assert_eq!(cache_action(outcome), mta_sts_cache_action::Store);
        assert_eq!(report(outcome), None);
        let (action, b) = backoff(outcome);
        assert_eq!((action, b.is_null()), (mta_sts_backoff_action::Clear, true));
        let mut check = mta_sts_bounce_check::Inconclusive;
        assert_eq!(
            mta_sts_outcome_bounce_check(outcome, &raw mut check),
            mta_sts_status::Ok
        );
        assert_eq!(check, mta_sts_bounce_check::NotApplicable);
        let mut temporary = true;
        assert_eq!(
            mta_sts_outcome_is_temporary_failure(outcome, &raw mut temporary),
            mta_sts_status::Ok
        );
        assert!(!temporary);
        let mut text = str_view("");
        assert_eq!(
            mta_sts_outcome_reason_text(outcome, &raw mut text),
            mta_sts_status::Ok
        );
        assert_eq!(view_text(text), "policy fetched");
        assert_eq!(
            mta_sts_outcome_domain(outcome, &raw mut text),
            mta_sts_status::Ok
        );
        assert_eq!(view_text(text), "example.com");

        let mut policy = ptr::null_mut();
        assert_eq!(
            mta_sts_outcome_policy(outcome, &raw mut policy),
            mta_sts_status::Ok
        );
        let mut mode = mta_sts_mode::None;
        assert_eq!(
            mta_sts_policy_mode(policy, &raw mut mode),
            mta_sts_status::Ok
        );
        assert_eq!(mode, mta_sts_mode::Enforce);
        mta_sts_policy_free(policy);
        let mut entry = ptr::null_mut();
        assert_eq!(
            mta_sts_outcome_entry(outcome, &raw mut entry),
            mta_sts_status::Ok
        );
        assert_eq!(
            mta_sts_cache_entry_id(entry, &raw mut text),
            mta_sts_status::Ok
        );
        assert_eq!(view_text(text), "20240101");
        mta_sts_cache_entry_free(entry);
        let mut count = usize::MAX;
        assert_eq!(
            mta_sts_outcome_fetch_warnings_count(outcome, &raw mut count),
            mta_sts_status::Ok
        );
        assert_eq!(count, 0);
        mta_sts_outcome_free(outcome);
    }
}

#[test]
fn rfc8461_s5_1_unchanged_id_keeps_the_valid_cached_policy_without_fetching() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let entry = cached("1", NOW - 10);
        let lookup = new_lookup(entry);
        mta_sts_cache_entry_free(entry);
        assert_eq!(txt(lookup, NOW, b"v=STSv1; id=1"), mta_sts_status::Ok);
        assert_eq!(poll(lookup).0, mta_sts_step_kind::Done);
        let outcome = outcome_of(lookup);
        assert_eq!(
            reason(outcome),
            (mta_sts_reason::CachedIdUnchanged, mta_sts_status::Ok)
        );
        assert_eq!(cache_action(outcome), mta_sts_cache_action::Keep);
        mta_sts_outcome_free(outcome);
        mta_sts_lookup_free(lookup);
    }
}

#[test]
fn rfc8461_s3_3_failed_fetch_falls_back_to_the_cache_reports_and_backs_off() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let entry = cached("1", NOW - 10);
        let lookup = new_lookup(entry);
        assert_eq!(txt(lookup, NOW, b"v=STSv1; id=2"), mta_sts_status::Ok);
        assert_eq!(
            fetch(lookup, 404, Some("text/html"), b"not found"),
            mta_sts_status::Ok
        );
        let first = outcome_of(lookup);
        mta_sts_lookup_free(lookup);
        assert_eq!(
            reason(first),
            (
                mta_sts_reason::CachedFallback,
                mta_sts_status::FetchHttpStatus
            )
        );
        assert_eq!(cache_action(first), mta_sts_cache_action::Keep);
        assert_eq!(
            report(first),
            Some(("sts-policy-fetch-error".into(), "http-status-404".into()))
        );
        let (action, stored) = backoff(first);
        assert_eq!(action, mta_sts_backoff_action::Set);
        let (mut id, mut until) = (str_view(""), 0);
        assert_eq!(mta_sts_backoff_id(stored, &raw mut id), mta_sts_status::Ok);
        assert_eq!(
            mta_sts_backoff_until(stored, &raw mut until),
            mta_sts_status::Ok
        );
        assert_eq!((view_text(id), until), ("2", NOW + 1 + 300));
        let mut failure = ptr::null_mut();
        assert_eq!(
            mta_sts_backoff_failure(stored, &raw mut failure),
            mta_sts_status::Ok
        );
        assert_eq!(
            failure_text(failure),
            Some(("sts-policy-fetch-error".into(), "http-status-404".into()))
        );
        mta_sts_outcome_free(first);

        // docs/CONFORMANCE.md#d15: the same id is not fetched again within five minutes.
        let retry = new_lookup(entry);
        assert_eq!(
            mta_sts_lookup_set_backoff(retry, stored),
            mta_sts_status::Ok
        );
        mta_sts_backoff_free(stored);
        assert_eq!(txt(retry, NOW + 60, b"v=STSv1; id=2"), mta_sts_status::Ok);
        assert_eq!(poll(retry).0, mta_sts_step_kind::Done);
        let second = outcome_of(retry);
        assert_eq!(
            reason(second),
            (
                mta_sts_reason::CachedFallback,
                mta_sts_status::DiscoveryFetchBackoff
            )
        );
        assert_eq!(backoff(second).0, mta_sts_backoff_action::Unchanged);
        // Too late to set a backoff now.
        assert_eq!(
            mta_sts_lookup_set_backoff(retry, ptr::null()),
            mta_sts_status::LookupWrongStep
        );
        mta_sts_outcome_free(second);
        mta_sts_lookup_free(retry);
        mta_sts_cache_entry_free(entry);
    }
}

#[test]
fn rfc8461_s3_3_missing_record_and_dns_failures_without_cache() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        for (kind, expected, temporary) in [
            (
                mta_sts_txt_answer_kind::NoRecords,
                (mta_sts_reason::NoPolicy, mta_sts_status::SelectNoRecord),
                false,
            ),
            (
                mta_sts_txt_answer_kind::NxDomain,
                (mta_sts_reason::NoPolicy, mta_sts_status::SelectNoRecord),
                false,
            ),
            (
                mta_sts_txt_answer_kind::TemporaryFailure,
                (
                    mta_sts_reason::TemporaryFailure,
                    mta_sts_status::DiscoveryDnsTemporaryFailure,
                ),
                true,
            ),
        ] {
            let lookup = new_lookup(ptr::null());
            assert_eq!(
                mta_sts_lookup_handle_txt(lookup, NOW, kind as u32, ptr::null(), 0),
                mta_sts_status::Ok
            );
            let outcome = outcome_of(lookup);
            assert_eq!(reason(outcome), expected);
            assert_eq!(cache_action(outcome), mta_sts_cache_action::Nothing);
            assert_eq!(report(outcome), None, "no policy is known to exist");
            let mut policy = ptr::dangling_mut();
            assert_eq!(
                mta_sts_outcome_policy(outcome, &raw mut policy),
                mta_sts_status::Ok
            );
            assert!(policy.is_null());
            let mut entry = ptr::dangling_mut();
            assert_eq!(
                mta_sts_outcome_entry(outcome, &raw mut entry),
                mta_sts_status::Ok
            );
            assert!(entry.is_null());
            let mut is_temporary = !temporary;
            assert_eq!(
                mta_sts_outcome_is_temporary_failure(outcome, &raw mut is_temporary),
                mta_sts_status::Ok
            );
            assert_eq!(is_temporary, temporary);
            mta_sts_outcome_free(outcome);
            mta_sts_lookup_free(lookup);
        }
        // Two STS records: unusable RRset, its select code.
        let lookup = new_lookup(ptr::null());
        let a = [mta_sts_bytes {
            data: b"v=STSv1; id=1".as_ptr(),
            len: 13,
        }];
        let b = [mta_sts_bytes {
            data: b"v=STSv1; id=2".as_ptr(),
            len: 13,
        }];
        let rrset = [
            mta_sts_txt_record {
                strings: a.as_ptr(),
                count: 1,
            },
            mta_sts_txt_record {
                strings: b.as_ptr(),
                count: 1,
            },
        ];
        assert_eq!(
            mta_sts_lookup_handle_txt(lookup, NOW, 1, rrset.as_ptr(), 2),
            mta_sts_status::Ok
        );
        let outcome = outcome_of(lookup);
        assert_eq!(
            reason(outcome),
            (
                mta_sts_reason::NoPolicy,
                mta_sts_status::SelectMultipleRecords
            )
        );
        mta_sts_outcome_free(outcome);
        mta_sts_lookup_free(lookup);
    }
}

#[test]
fn rfc8460_s4_3_2_2_fetch_failures_are_classified_for_tls_rpt() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let mut expired = ptr::null_mut();
        assert_eq!(
            mta_sts_failure_new(
                mta_sts_result_type::CertificateExpired as u32,
                b"cert-expired".as_ptr(),
                12,
                &raw mut expired,
            ),
            mta_sts_status::Ok
        );
        type Feed<'a> = &'a dyn Fn(*mut mta_sts_lookup) -> mta_sts_status;
        let cases: [(Feed<'_>, mta_sts_status, (&str, &str)); 4] = [
            (
                &|l| {
                    mta_sts_lookup_handle_fetch_error(
                        l,
                        NOW,
                        mta_sts_transport_error::Timeout as u32,
                    )
                },
                mta_sts_status::FetchTransport,
                ("sts-policy-fetch-error", "policy-fetch-timeout"),
            ),
            (
                &|l| mta_sts_lookup_handle_fetch_tls_failure(l, NOW, expired),
                mta_sts_status::FetchCertificateInvalid,
                ("sts-webpki-invalid", "cert-expired"),
            ),
            (
                &|l| {
                    fetch(
                        l,
                        200,
                        Some("text/plain"),
                        b"version: STSv1\nmode: enforce\nmax_age: 1\n",
                    )
                },
                mta_sts_status::PolicyMissingMx,
                ("sts-policy-invalid", ""),
            ),
            (
                &|l| fetch(l, 200, Some("application/json"), POLICY),
                mta_sts_status::FetchContentType,
                ("sts-policy-fetch-error", "content-type-not-text-plain"),
            ),
        ];
        for (feed, problem, (result_type, code)) in cases {
            let lookup = new_lookup(ptr::null());
            assert_eq!(txt(lookup, NOW, b"v=STSv1; id=1"), mta_sts_status::Ok);
            assert_eq!(feed(lookup), mta_sts_status::Ok);
            let outcome = outcome_of(lookup);
            assert_eq!(reason(outcome), (mta_sts_reason::NoPolicy, problem));
            assert_eq!(report(outcome), Some((result_type.into(), code.into())));
            mta_sts_outcome_free(outcome);
            mta_sts_lookup_free(lookup);
        }
        mta_sts_failure_free(expired);
    }
}

#[test]
fn d10_d12_fetch_options_and_warnings() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let lookup = new_lookup(ptr::null());
        assert_eq!(
            mta_sts_lookup_set_fetch_options(lookup, false, 100),
            mta_sts_status::Ok
        );
        assert_eq!(txt(lookup, NOW, b"v=STSv1; id=1"), mta_sts_status::Ok);
        assert_eq!(poll(lookup).4, 100);
        assert_eq!(
            mta_sts_lookup_set_fetch_options(lookup, true, 1),
            mta_sts_status::LookupWrongStep
        );
        assert_eq!(poll(lookup).4, 100, "unchanged after a refused call");
        assert_eq!(
            fetch(lookup, 200, Some("text/html"), POLICY),
            mta_sts_status::Ok
        );
        let outcome = outcome_of(lookup);
        assert_eq!(
            reason(outcome),
            (mta_sts_reason::Fetched, mta_sts_status::Ok)
        );
        let mut warning = mta_sts_fetch_warning::MissingContentType;
        assert_eq!(
            mta_sts_outcome_fetch_warning(outcome, 0, &raw mut warning),
            mta_sts_status::Ok
        );
        assert_eq!(warning, mta_sts_fetch_warning::UnexpectedContentType);
        assert_eq!(
            mta_sts_outcome_fetch_warning(outcome, 1, &raw mut warning),
            mta_sts_status::IndexOutOfRange
        );
        mta_sts_outcome_free(outcome);
        mta_sts_lookup_free(lookup);

        let lookup = new_lookup(ptr::null());
        assert_eq!(
            mta_sts_lookup_set_fetch_options(lookup, true, 10),
            mta_sts_status::Ok
        );
        assert_eq!(txt(lookup, NOW, b"v=STSv1; id=1"), mta_sts_status::Ok);
        assert_eq!(fetch(lookup, 200, None, POLICY), mta_sts_status::Ok);
        let outcome = outcome_of(lookup);
        assert_eq!(
            reason(outcome),
            (mta_sts_reason::NoPolicy, mta_sts_status::FetchBodyTooLarge)
        );
        mta_sts_outcome_free(outcome);
        mta_sts_lookup_free(lookup);
    }
}

#[test]
fn rfc8461_s3_1_txt_answer_from_the_dns_helpers() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let name = "_mta-sts.example.com";
        let query = build(name, mta_sts_dns_type::Txt as u32, 77).unwrap();
        let response = respond(
            &query,
            0,
            &[txt_rdata(&[b"v=STSv1; id=2016", b"0831085700Z;"])],
        );
        let answer = parse(name, mta_sts_dns_type::Txt as u32, 77, &response).unwrap();
        let lookup = new_lookup(ptr::null());
        assert_eq!(
            mta_sts_lookup_handle_dns_answer(lookup, NOW, answer),
            mta_sts_status::Ok
        );
        mta_sts_dns_answer_free(answer);
        assert_eq!(
            fetch(lookup, 200, Some("text/plain"), POLICY),
            mta_sts_status::Ok
        );
        let outcome = outcome_of(lookup);
        let mut entry = ptr::null_mut();
        assert_eq!(
            mta_sts_outcome_entry(outcome, &raw mut entry),
            mta_sts_status::Ok
        );
        let mut id = str_view("");
        assert_eq!(
            mta_sts_cache_entry_id(entry, &raw mut id),
            mta_sts_status::Ok
        );
        assert_eq!(view_text(id), "20160831085700Z");
        mta_sts_cache_entry_free(entry);
        mta_sts_outcome_free(outcome);
        mta_sts_lookup_free(lookup);
    }
}

#[test]
fn rfc8461_s10_2_refresh_and_s5_1_before_bounce() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let entry = cached("1", NOW - 10);
        let mut lookup = ptr::null_mut();
        assert_eq!(
            mta_sts_lookup_refresh(entry, NOW, &raw mut lookup),
            mta_sts_status::Ok
        );
        // The refresh fetches even when DNS fails.
        assert_eq!(
            mta_sts_lookup_handle_txt(
                lookup,
                NOW,
                mta_sts_txt_answer_kind::TemporaryFailure as u32,
                ptr::null(),
                0
            ),
            mta_sts_status::Ok
        );
        assert_eq!(poll(lookup).0, mta_sts_step_kind::FetchPolicy);
        assert_eq!(
            fetch(lookup, 200, Some("text/plain"), POLICY),
            mta_sts_status::Ok
        );
        let outcome = outcome_of(lookup);
        assert_eq!(
            reason(outcome),
            (mta_sts_reason::Fetched, mta_sts_status::Ok)
        );
        assert_eq!(cache_action(outcome), mta_sts_cache_action::Store);
        mta_sts_outcome_free(outcome);
        mta_sts_lookup_free(lookup);

        for (record, check) in [
            (
                &b"v=STSv1; id=2"[..],
                mta_sts_bounce_check::RetryWithNewPolicy,
            ),
            (b"v=STSv1; id=1", mta_sts_bounce_check::NoNewPolicy),
        ] {
            let mut lookup = ptr::null_mut();
            assert_eq!(
                mta_sts_lookup_before_bounce(
                    DOMAIN.as_ptr(),
                    DOMAIN.len(),
                    entry,
                    b"1".as_ptr(),
                    1,
                    NOW,
                    &raw mut lookup
                ),
                mta_sts_status::Ok
            );
            assert_eq!(txt(lookup, NOW, record), mta_sts_status::Ok);
            if poll(lookup).0 == mta_sts_step_kind::FetchPolicy {
                assert_eq!(
                    fetch(lookup, 200, Some("text/plain"), POLICY),
                    mta_sts_status::Ok
                );
            }
            let outcome = outcome_of(lookup);
            let mut got = mta_sts_bounce_check::NotApplicable;
            assert_eq!(
                mta_sts_outcome_bounce_check(outcome, &raw mut got),
                mta_sts_status::Ok
            );
            assert_eq!(got, check);
            mta_sts_outcome_free(outcome);
            mta_sts_lookup_free(lookup);
        }
        mta_sts_cache_entry_free(entry);
    }
}

#[test]
fn input_that_does_not_answer_the_step_changes_nothing() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let lookup = new_lookup(ptr::null());
        let mut out = ptr::dangling_mut();
        assert_eq!(
            mta_sts_lookup_outcome(lookup, &raw mut out),
            mta_sts_status::LookupNotDone
        );
        assert_eq!(out, ptr::dangling_mut());
        assert_eq!(
            fetch(lookup, 200, None, POLICY),
            mta_sts_status::LookupWrongStep
        );
        assert_eq!(
            mta_sts_lookup_handle_fetch_error(lookup, NOW, 1),
            mta_sts_status::LookupWrongStep
        );
        assert_eq!(poll(lookup).0, mta_sts_step_kind::QueryTxt);
        assert_eq!(txt(lookup, NOW, b"v=STSv1; id=1"), mta_sts_status::Ok);
        assert_eq!(
            txt(lookup, NOW, b"v=STSv1; id=2"),
            mta_sts_status::LookupWrongStep
        );
        assert_eq!(
            mta_sts_lookup_handle_fetch_error(lookup, NOW, 0),
            mta_sts_status::UnknownEnumValue
        );
        assert_eq!(
            mta_sts_lookup_handle_fetch_error(lookup, NOW, 6),
            mta_sts_status::UnknownEnumValue
        );
        assert_eq!(poll(lookup).0, mta_sts_step_kind::FetchPolicy);
        assert_eq!(
            fetch(lookup, 200, Some("text/plain"), POLICY),
            mta_sts_status::Ok
        );
        assert_eq!(
            fetch(lookup, 200, Some("text/plain"), POLICY),
            mta_sts_status::LookupWrongStep
        );
        mta_sts_lookup_free(lookup);
    }
}

#[test]
fn null_bad_utf8_and_bad_domains_are_statuses_and_leave_outputs_alone() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let sentinel = ptr::dangling_mut::<mta_sts_lookup>();
        for (domain, status) in [
            (&b"\xffexample.com"[..], mta_sts_status::InvalidUtf8),
            (b"[192.0.2.1]", mta_sts_status::DomainAddressLiteral),
            (b"", mta_sts_status::DomainEmpty),
        ] {
            let mut out = sentinel;
            assert_eq!(
                mta_sts_lookup_new(
                    domain.as_ptr(),
                    domain.len(),
                    ptr::null(),
                    NOW,
                    &raw mut out
                ),
                status
            );
            assert_eq!(out, sentinel);
            assert_eq!(
                mta_sts_lookup_before_bounce(
                    domain.as_ptr(),
                    domain.len(),
                    ptr::null(),
                    b"1".as_ptr(),
                    1,
                    NOW,
                    &raw mut out
                ),
                status
            );
            assert_eq!(out, sentinel);
        }
        let mut out = sentinel;
        assert_eq!(
            mta_sts_lookup_new(ptr::null(), 3, ptr::null(), NOW, &raw mut out),
            mta_sts_status::NullParameter
        );
        assert_eq!(
            mta_sts_lookup_new(
                DOMAIN.as_ptr(),
                DOMAIN.len(),
                ptr::null(),
                NOW,
                ptr::null_mut()
            ),
            mta_sts_status::NullParameter
        );
        assert_eq!(
            mta_sts_lookup_before_bounce(
                DOMAIN.as_ptr(),
                DOMAIN.len(),
                ptr::null(),
                b"\xff".as_ptr(),
                1,
                NOW,
                &raw mut out
            ),
            mta_sts_status::InvalidUtf8
        );
        assert_eq!(
            mta_sts_lookup_refresh(ptr::null(), NOW, &raw mut out),
            mta_sts_status::NullParameter
        );
        assert_eq!(out, sentinel);

        let lookup = new_lookup(ptr::null());
        assert_eq!(
            mta_sts_lookup_handle_txt(lookup, NOW, 1, ptr::null(), 1),
            mta_sts_status::NullParameter
        );
        let broken = [mta_sts_txt_record {
            strings: ptr::null(),
            count: 2,
        }];
        assert_eq!(
            mta_sts_lookup_handle_txt(lookup, NOW, 1, broken.as_ptr(), 1),
            mta_sts_status::NullParameter
        );
        assert_eq!(
            mta_sts_lookup_handle_txt(lookup, NOW, 0, ptr::null(), 0),
            mta_sts_status::UnknownEnumValue
        );
        assert_eq!(
            mta_sts_lookup_handle_dns_answer(lookup, NOW, ptr::null()),
            mta_sts_status::NullParameter
        );
        assert_eq!(
            mta_sts_lookup_handle_txt(ptr::null_mut(), NOW, 2, ptr::null(), 0),
            mta_sts_status::NullParameter
        );
        assert_eq!(
            poll(lookup).0,
            mta_sts_step_kind::QueryTxt,
            "nothing changed"
        );
        assert_eq!(
            mta_sts_lookup_poll(lookup, ptr::null_mut()),
            mta_sts_status::NullParameter
        );
        assert_eq!(txt(lookup, NOW, b"v=STSv1; id=1"), mta_sts_status::Ok);
        assert_eq!(
            mta_sts_lookup_handle_fetch_response(
                lookup,
                NOW,
                200,
                ptr::null(),
                4,
                POLICY.as_ptr(),
                POLICY.len()
            ),
            mta_sts_status::NullParameter
        );
        assert_eq!(
            mta_sts_lookup_handle_fetch_response(lookup, NOW, 200, ptr::null(), 0, ptr::null(), 9),
            mta_sts_status::NullParameter
        );
        assert_eq!(
            mta_sts_lookup_handle_fetch_tls_failure(lookup, NOW, ptr::null()),
            mta_sts_status::NullParameter
        );
        assert_eq!(
            poll(lookup).0,
            mta_sts_step_kind::FetchPolicy,
            "nothing changed"
        );
        // A Content-Type that is not UTF-8 is simply not text/plain.
        assert_eq!(fetch_raw_ct(lookup, b"text/\xffplain"), mta_sts_status::Ok);
        let outcome = outcome_of(lookup);
        assert_eq!(reason(outcome).1, mta_sts_status::FetchContentType);

        let mut reason_out = mta_sts_reason::Fetched;
        let mut failure = ptr::dangling_mut();
        let (mut action, mut b) = (mta_sts_backoff_action::Clear, ptr::dangling_mut());
        assert_eq!(
            mta_sts_outcome_reason(ptr::null(), &raw mut reason_out),
            mta_sts_status::NullParameter
        );
        assert_eq!(
            mta_sts_outcome_reason(outcome, ptr::null_mut()),
            mta_sts_status::NullParameter
        );
        assert_eq!(
            mta_sts_outcome_report(ptr::null(), &raw mut failure),
            mta_sts_status::NullParameter
        );
        assert_eq!(failure, ptr::dangling_mut());
        assert_eq!(
            mta_sts_outcome_backoff(outcome, &raw mut action, ptr::null_mut()),
            mta_sts_status::NullParameter
        );
        assert_eq!(action, mta_sts_backoff_action::Clear, "no partial output");
        assert_eq!(
            mta_sts_outcome_backoff(outcome, ptr::null_mut(), &raw mut b),
            mta_sts_status::NullParameter
        );
        assert_eq!(b, ptr::dangling_mut());
        let mut id = str_view("x");
        assert_eq!(
            mta_sts_backoff_id(ptr::null(), &raw mut id),
            mta_sts_status::NullParameter
        );
        mta_sts_outcome_free(outcome);
        mta_sts_lookup_free(lookup);
        mta_sts_lookup_free(ptr::null_mut());
        mta_sts_outcome_free(ptr::null_mut());
        mta_sts_backoff_free(ptr::null_mut());
    }
}

fn fetch_raw_ct(lookup: *mut mta_sts_lookup, content_type: &[u8]) -> mta_sts_status {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        mta_sts_lookup_handle_fetch_response(
            lookup,
            NOW,
            200,
            content_type.as_ptr(),
            content_type.len(),
            POLICY.as_ptr(),
            POLICY.len(),
        )
    }
}

#[test]
fn handles_are_send_and_the_immutable_ones_sync() {
    fn send<T: Send>() {}
    fn sync<T: Send + Sync>() {}
    send::<mta_sts_lookup>();
    sync::<mta_sts_outcome>();
    sync::<mta_sts_backoff>();
}

#[test]
fn every_discovery_and_fetch_problem_gets_a_distinct_code() {
    use mta_sts_core::{
        DiscoveryError, FetchError, PolicyError, RecordError, RecordSelectError,
        TransportError as T,
    };
    let fetch = [
        FetchError::CertificateInvalid(Failure::new(ResultType::StsWebpkiInvalid)),
        FetchError::Tls(Failure::new(ResultType::StsPolicyFetchError)),
        FetchError::Transport(T::Dns),
        FetchError::Status { status: 404 },
        FetchError::ContentType {
            content_type: "x".into(),
        },
        FetchError::BodyTooLarge { len: 2, limit: 1 },
        FetchError::NotUtf8 { offset: 0 },
    ];
    let mut seen = std::collections::HashSet::new();
    for e in &fetch {
        let status = mta_sts_status::from(e);
        assert!((2000..2099).contains(&(status as u32)), "{e:?}");
        assert!(seen.insert(status), "{e:?}");
    }
    assert_eq!(
        mta_sts_status::from(&FetchError::Policy(PolicyError::MissingField {
            field: "mode"
        })),
        mta_sts_status::PolicyMissingField
    );
    for (e, status) in [
        (DiscoveryError::NoRecord, mta_sts_status::SelectNoRecord),
        (
            DiscoveryError::InvalidRecord(RecordSelectError::Invalid(RecordError::MissingId)),
            mta_sts_status::RecordMissingId,
        ),
        (
            DiscoveryError::DnsTemporaryFailure,
            mta_sts_status::DiscoveryDnsTemporaryFailure,
        ),
        (
            DiscoveryError::Fetch(FetchError::Status { status: 500 }),
            mta_sts_status::FetchHttpStatus,
        ),
    ] {
        assert_eq!(mta_sts_status::from(&e), status);
    }
}
