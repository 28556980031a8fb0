//! The discovery engine with in-memory answers (issue target: one full lookup <= 2 µs
//! beyond parsing the policy). `policy_parse` is the baseline to subtract.

use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use mta_sts_benches::GOOGLE_WORKSPACE_POLICY;
use mta_sts_core::{
    CachedPolicy, FetchResult, Outcome, Policy, PolicyCache, PolicyDomain, PolicyLookup, Step,
    TxtAnswer,
};

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

fn answer() -> TxtAnswer {
    TxtAnswer::Records(vec![
        vec![b"v=spf1 include:_spf.google.com ~all".to_vec()],
        vec![b"v=STSv1; id=20240101T000000;".to_vec()],
    ])
}

/// Drives `lookup` with the TXT answer and a 200 response carrying the policy.
fn drive(mut lookup: PolicyLookup, answer: TxtAnswer, body: &[u8]) -> Outcome {
    let mut answer = Some(answer);
    loop {
        match lookup.poll_step() {
            Step::QueryTxt { .. } => {
                lookup.handle_txt(now(), answer.take().unwrap_or(TxtAnswer::TemporaryFailure))
            }
            Step::FetchPolicy { .. } => lookup.handle_fetch(
                now(),
                FetchResult::Response {
                    status: 200,
                    content_type: Some("text/plain"),
                    body,
                },
            ),
            Step::Done(outcome) => return outcome,
        }
    }
}

fn lookup(c: &mut Criterion) {
    let body = GOOGLE_WORKSPACE_POLICY.as_bytes();
    let domain = PolicyDomain::new("example.com").unwrap();
    let cached = CachedPolicy::from_parts(
        domain.clone(),
        "20240101T000000",
        GOOGLE_WORKSPACE_POLICY,
        now(),
    )
    .unwrap();

    let mut g = c.benchmark_group("lookup");
    g.bench_function("policy_parse", |b| {
        b.iter(|| Policy::parse(black_box(body)))
    });
    // Inputs (the TXT answer, the cached entry) are built outside the timed part.
    g.bench_function("full_fetch", |b| {
        b.iter_batched(
            answer,
            |txt| {
                drive(
                    PolicyLookup::new(domain.clone(), None, now()),
                    txt,
                    black_box(body),
                )
            },
            BatchSize::SmallInput,
        )
    });
    g.bench_function("cached_id_hit", |b| {
        b.iter_batched(
            || (answer(), cached.clone()),
            |(txt, entry)| {
                drive(
                    PolicyLookup::new(domain.clone(), Some(entry), now()),
                    txt,
                    black_box(body),
                )
            },
            BatchSize::SmallInput,
        )
    });
    // The same through `PolicyCache`, whose `lookup` clones the entry.
    let mut cache = PolicyCache::new();
    cache.insert(cached.clone());
    g.bench_function("cached_id_hit_via_cache", |b| {
        b.iter_batched(
            answer,
            |txt| drive(cache.lookup(&domain, now()), txt, black_box(body)),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, lookup);
criterion_main!(benches);
