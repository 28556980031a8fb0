//! What the C ABI costs over the Rust API (issue 6 target: at most 10 %): policy parse
//! and MX match, each through `mta_sts_core` and through the `extern "C"` functions of
//! `libmta_sts` (called from Rust, so only the boundary differs: argument checks, the
//! panic boundary, the handle allocation and the views the handle renders).

use std::hint::black_box;
use std::ptr;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mta_sts::{
    mta_sts_policy_free, mta_sts_policy_matches_mx, mta_sts_policy_parse, mta_sts_status,
};
use mta_sts_benches::GOOGLE_WORKSPACE_POLICY;
use mta_sts_core::Policy;

/// The last of the policy's six patterns: the longest match walk.
const HOST: &str = "alt4.aspmx.l.google.com";

fn ffi_overhead(c: &mut Criterion) {
    let body = GOOGLE_WORKSPACE_POLICY.as_bytes();
    let mut g = c.benchmark_group("ffi_overhead");

    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("policy_parse/rust", |b| {
        b.iter(|| Policy::parse(black_box(body)))
    });
    g.bench_function("policy_parse/c_abi", |b| {
        b.iter(|| {
            let body = black_box(body);
            let mut policy = ptr::null_mut();
            // SAFETY: `body` and `policy` are live; the handle is freed once.
            unsafe {
                let status = mta_sts_policy_parse(body.as_ptr(), body.len(), &raw mut policy);
                mta_sts_policy_free(policy);
                status
            }
        })
    });

    let rust_policy = Policy::parse(body).expect("the Google Workspace policy parses");
    let mut c_policy = ptr::null_mut();
    // SAFETY: `body` and `c_policy` are live.
    let status = unsafe { mta_sts_policy_parse(body.as_ptr(), body.len(), &raw mut c_policy) };
    assert_eq!(status, mta_sts_status::Ok);
    g.throughput(Throughput::Elements(1));
    g.bench_function("mx_match/rust", |b| {
        b.iter(|| black_box(&rust_policy).matches_mx(black_box(HOST)))
    });
    g.bench_function("mx_match/c_abi", |b| {
        b.iter(|| {
            let host = black_box(HOST);
            let mut matches = false;
            // SAFETY: `c_policy` is live until the end of the benchmark; `host` and
            // `matches` are live.
            let status = unsafe {
                mta_sts_policy_matches_mx(
                    black_box(c_policy),
                    host.as_ptr(),
                    host.len(),
                    &raw mut matches,
                )
            };
            (status, matches)
        })
    });
    g.finish();
    // SAFETY: the handle from `mta_sts_policy_parse`, freed once.
    unsafe { mta_sts_policy_free(c_policy) };
}

criterion_group!(benches, ffi_overhead);
criterion_main!(benches);
