//! MTA-STS parsers and MX matching (issue targets: policy parse <= 300 ns, record parse
//! <= 100 ns, match <= 20 ns per pattern).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mta_sts_benches::{GOOGLE_WORKSPACE_POLICY, policy_with_mx_lines};
use mta_sts_core::{MxPattern, Policy, StsRecord};

fn txt_record(c: &mut Criterion) {
    let mut g = c.benchmark_group("sts_record");
    let record = "v=STSv1; id=20160831085700Z;";
    g.throughput(Throughput::Bytes(record.len() as u64));
    g.bench_function("parse", |b| b.iter(|| StsRecord::parse(black_box(record))));
    let rrset: [&[&[u8]]; 2] = [
        &[b"v=spf1 include:_spf.google.com ~all"],
        &[b"v=STSv1; id=20160831085700Z;"],
    ];
    g.bench_function("select_rrset", |b| {
        b.iter(|| StsRecord::from_txt_records(black_box(rrset)))
    });
    g.finish();
}

fn policy(c: &mut Criterion) {
    let mut g = c.benchmark_group("sts_policy");
    let google = GOOGLE_WORKSPACE_POLICY.as_bytes();
    g.throughput(Throughput::Bytes(google.len() as u64));
    g.bench_function("parse_google_workspace", |b| {
        b.iter(|| Policy::parse(black_box(google)))
    });
    let big = policy_with_mx_lines(1000);
    g.throughput(Throughput::Bytes(big.len() as u64));
    g.bench_function("parse_1000_mx", |b| {
        b.iter(|| Policy::parse(black_box(big.as_bytes())))
    });
    g.finish();
}

fn mx_match(c: &mut Criterion) {
    let mut g = c.benchmark_group("mx_match");
    let exact = MxPattern::parse("alt4.aspmx.l.google.com").unwrap();
    let wildcard = MxPattern::parse("*.mail.protection.outlook.com").unwrap();
    g.bench_function("exact_hit", |b| {
        b.iter(|| black_box(&exact).matches(black_box("ALT4.aspmx.l.google.com.")))
    });
    g.bench_function("exact_miss", |b| {
        b.iter(|| black_box(&exact).matches(black_box("alt3.aspmx.l.google.com")))
    });
    g.bench_function("wildcard_hit", |b| {
        b.iter(|| {
            black_box(&wildcard).matches(black_box("example-com.mail.protection.outlook.com"))
        })
    });
    g.bench_function("wildcard_miss", |b| {
        b.iter(|| black_box(&wildcard).matches(black_box("mx.attacker.example")))
    });
    let policy = Policy::parse(GOOGLE_WORKSPACE_POLICY.as_bytes()).unwrap();
    g.bench_function("policy_6_patterns_last_hit", |b| {
        b.iter(|| black_box(&policy).matches_mx(black_box("alt4.aspmx.l.google.com")))
    });
    g.bench_function("policy_6_patterns_miss", |b| {
        b.iter(|| black_box(&policy).matches_mx(black_box("mx.attacker.example")))
    });
    g.finish();
}

/// Side by side with Stalwart's `mail-auth` 0.13.3 (only with `--features peers`; it has
/// no policy-file parser, so only the TXT record compares).
#[cfg(feature = "peers")]
fn peers(c: &mut Criterion) {
    use mail_auth::common::parse::TxtRecordParser;
    use mail_auth::mta_sts::MtaSts;

    let record = "v=STSv1; id=20160831085700Z;";
    assert!(
        MtaSts::parse(record.as_bytes()).is_ok(),
        "mail-auth rejects the record"
    );
    let mut g = c.benchmark_group("sts_peer_record");
    g.throughput(Throughput::Bytes(record.len() as u64));
    g.bench_function("mta-sts-core", |b| {
        b.iter(|| StsRecord::parse(black_box(record)))
    });
    g.bench_function("mail-auth_0.13.3", |b| {
        b.iter(|| MtaSts::parse(black_box(record.as_bytes())))
    });
    g.finish();
}

#[cfg(not(feature = "peers"))]
criterion_group!(benches, txt_record, policy, mx_match);
#[cfg(feature = "peers")]
criterion_group!(benches, txt_record, policy, mx_match, peers);
criterion_main!(benches);
