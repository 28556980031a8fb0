//! TLS-RPT (tls-rpt-core): record parse, report parse (strict and tolerant) on a
//! ~1 MiB report with 10,000 failure rows and on the real-world corpus,
//! serialization, gzip, and the aggregator (issue targets: >= 20 million recorded
//! successes per second per core).

use std::hint::black_box;
use std::net::IpAddr;

use chrono::DateTime;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use tls_rpt_core::{
    Aggregator, DateRange, FailureDetail, FailureKey, IntakeLimits, Policy, PolicyResult,
    PolicyType, Report, ResultType, Summary, TlsRptRecord, gunzip, gzip,
};

/// Real-world reports (copies in tls-rpt-core/tests/data; origins in its README.md).
const CORPUS: [&[u8]; 6] = [
    include_bytes!("../../tls-rpt-core/tests/data/parsedmarc__rfc8460_example.json"),
    include_bytes!("../../tls-rpt-core/tests/data/dmarc-report-viewer__microsoft.json"),
    include_bytes!("../../tls-rpt-core/tests/data/parsedmarc__mail.ru.json"),
    include_bytes!("../../tls-rpt-core/tests/data/decoded/mox__google.json"),
    include_bytes!("../../tls-rpt-core/tests/data/decoded/mox__microsoft.json"),
    include_bytes!("../../tls-rpt-core/tests/data/mail-auth__rpt03.json"),
];

fn sts_policy(domain: &str) -> Policy {
    Policy {
        policy_type: PolicyType::Sts,
        policy_string: vec![
            "version: STSv1".into(),
            "mode: enforce".into(),
            format!("mx: *.{domain}"),
            "max_age: 604800".into(),
        ],
        policy_domain: domain.into(),
        mx_host: vec![format!("*.{domain}")],
    }
}

/// A report with 10,000 failure rows (about 1 MiB of JSON): half session failures
/// with addresses and MX host, half policy fetch errors with a reason code.
fn big_report() -> Report {
    let failure_details = (0..10_000u32)
        .map(|i| {
            let [_, _, b, c] = i.to_be_bytes();
            if i % 2 == 0 {
                let mut d =
                    FailureDetail::new(ResultType::CertificateExpired, u64::from(i % 17 + 1));
                d.sending_mta_ip = format!("192.0.{b}.{c}");
                d.receiving_mx_hostname = format!("mx{}.example.com", i % 50);
                d.receiving_ip = format!("203.0.{b}.{c}");
                d
            } else {
                let mut d =
                    FailureDetail::new(ResultType::StsPolicyFetchError, u64::from(i % 5 + 1));
                d.failure_reason_code = Some(format!("http-{}", 400 + i % 100));
                d
            }
        })
        .collect::<Vec<_>>();
    Report {
        organization_name: "Benchmark Sender Inc.".into(),
        date_range: DateRange {
            start_datetime: DateTime::from_timestamp(1_470_009_600, 0).unwrap(),
            end_datetime: DateTime::from_timestamp(1_470_095_999, 0).unwrap(),
        },
        contact_info: "tlsrpt@mail.sender.example".into(),
        report_id: "bench-1".into(),
        policies: vec![PolicyResult {
            policy: sts_policy("mail.example.com"),
            summary: Summary {
                total_successful_session_count: 1_000_000,
                total_failure_session_count: 90_000,
            },
            failure_details,
        }],
    }
}

fn record(c: &mut Criterion) {
    let mut g = c.benchmark_group("tlsrpt_record");
    let text = "v=TLSRPTv1; rua=mailto:tlsrpt@example.com,https://reporting.example.com/v1/tlsrpt";
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("parse", |b| b.iter(|| TlsRptRecord::parse(black_box(text))));
    let rrset: [&[&[u8]]; 2] = [
        &[b"v=spf1 -all"],
        &[b"v=TLSRPTv1;rua=mailto:tlsrpt@example.com"],
    ];
    g.bench_function("select_rrset", |b| {
        b.iter(|| TlsRptRecord::from_txt_records(black_box(rrset)))
    });
    g.finish();
}

fn report(c: &mut Criterion) {
    let big = big_report();
    let json = big.to_json();
    eprintln!(
        "big report: {} bytes, {} failure rows",
        json.len(),
        big.policies[0].failure_details.len()
    );
    let mut g = c.benchmark_group("tlsrpt_report");
    g.sample_size(20);
    g.throughput(Throughput::Bytes(json.len() as u64));
    g.bench_function("parse_strict_10k_rows", |b| {
        b.iter(|| Report::from_json(black_box(json.as_bytes())))
    });
    g.bench_function("parse_lenient_10k_rows", |b| {
        b.iter(|| Report::from_json_lenient(black_box(json.as_bytes())))
    });
    g.bench_function("serialize_10k_rows", |b| {
        b.iter(|| black_box(&big).to_json())
    });
    g.bench_function("gzip_10k_rows", |b| {
        b.iter(|| gzip(black_box(json.as_bytes())))
    });
    let gz = gzip(json.as_bytes());
    eprintln!("gzip: {} -> {} bytes", json.len(), gz.len());
    g.bench_function("gunzip_10k_rows", |b| {
        b.iter(|| gunzip(black_box(&gz), IntakeLimits::default().max_decompressed_len))
    });
    g.finish();

    let mut g = c.benchmark_group("tlsrpt_corpus");
    let total: usize = CORPUS.iter().map(|f| f.len()).sum();
    g.throughput(Throughput::Bytes(total as u64));
    g.bench_function("parse_lenient_6_files", |b| {
        b.iter(|| {
            for file in CORPUS {
                let _ = black_box(Report::from_json_lenient(black_box(file)));
            }
        })
    });
    g.finish();
}

fn aggregator(c: &mut Criterion) {
    let mut g = c.benchmark_group("tlsrpt_aggregator");
    let policy = sts_policy("example.net");
    let mut agg = Aggregator::default();
    let id = agg.policy_id(&policy).unwrap();
    g.throughput(Throughput::Elements(1000));
    g.bench_function("record_success_x1000", |b| {
        b.iter(|| {
            for _ in 0..1000 {
                let _ = agg.record_success(black_box(id));
            }
        })
    });
    g.bench_function("policy_id_then_success_x1000", |b| {
        b.iter(|| {
            for _ in 0..1000 {
                if let Ok(id) = agg.policy_id(black_box(&policy)) {
                    let _ = agg.record_success(id);
                }
            }
        })
    });
    let mut key = FailureKey::new(ResultType::CertificateExpired);
    key.sending_mta_ip = Some(IpAddr::from([192, 0, 2, 1]));
    key.receiving_mx_hostname = Some("mx1.example.net".into());
    key.receiving_ip = Some(IpAddr::from([198, 51, 100, 7]));
    g.throughput(Throughput::Elements(1));
    g.bench_function("record_failure_existing_row", |b| {
        b.iter(|| agg.record_failure(id, black_box(key.clone())))
    });

    // Two nodes, 100 policies with 100 rows each.
    let node = |offset: u8| {
        let mut a = Aggregator::default();
        for p in 0..100 {
            let id = a.policy_id(&sts(&format!("d{p}.example"))).unwrap();
            a.record_successes(id, 1000).unwrap();
            for r in 0..100u8 {
                let mut k = key.clone();
                k.receiving_ip = Some(IpAddr::from([198, 51, offset, r]));
                a.record_failure(id, k).unwrap();
            }
        }
        a
    };
    fn sts(d: &str) -> Policy {
        sts_policy(d)
    }
    let (a, b2) = (node(1), node(2));
    g.throughput(Throughput::Elements(20_000));
    g.bench_function("merge_100_policies_x_100_rows", |b| {
        b.iter_batched(
            || (a.clone(), b2.clone()),
            |(mut x, y)| {
                let _ = x.merge(y);
                x
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

/// Side by side with Stalwart's `mail-auth` 0.13.3 on the same inputs (only with
/// `--features peers`; TOOLING.md §3).
#[cfg(feature = "peers")]
fn peers(c: &mut Criterion) {
    use mail_auth::common::parse::TxtRecordParser;
    use mail_auth::mta_sts::TlsRpt;
    use mail_auth::report::tlsrpt::TlsReport;

    let text = "v=TLSRPTv1; rua=mailto:tlsrpt@example.com,https://reporting.example.com/v1/tlsrpt";
    assert!(
        TlsRpt::parse(text.as_bytes()).is_ok(),
        "mail-auth rejects the record"
    );
    let mut g = c.benchmark_group("tlsrpt_peer_record");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("tls-rpt-core", |b| {
        b.iter(|| TlsRptRecord::parse(black_box(text)))
    });
    g.bench_function("mail-auth_0.13.3", |b| {
        b.iter(|| TlsRpt::parse(black_box(text.as_bytes())))
    });
    g.finish();

    let big = big_report().to_json();
    let rfc = include_bytes!("../../tls-rpt-core/tests/data/dmarc-report-viewer__rfc-example.json");
    for (name, input) in [("rfc_example", &rfc[..]), ("10k_rows", big.as_bytes())] {
        // Both must accept the input, or the comparison means nothing.
        assert!(
            TlsReport::parse_json(input).is_ok(),
            "mail-auth rejects {name}"
        );
        assert!(
            Report::from_json_lenient(input).is_ok(),
            "tls-rpt-core rejects {name}"
        );
        let mut g = c.benchmark_group(format!("tlsrpt_peer_parse_{name}"));
        g.throughput(Throughput::Bytes(input.len() as u64));
        // Strict only where strict accepts (the RFC example lacks a receiving-ip).
        if Report::from_json(input).is_ok() {
            g.bench_function("tls-rpt-core_strict", |b| {
                b.iter(|| Report::from_json(black_box(input)))
            });
        }
        g.bench_function("tls-rpt-core_lenient", |b| {
            b.iter(|| Report::from_json_lenient(black_box(input)))
        });
        g.bench_function("mail-auth_0.13.3", |b| {
            b.iter(|| TlsReport::parse_json(black_box(input)))
        });
        g.finish();
    }
}

#[cfg(not(feature = "peers"))]
criterion_group!(benches, record, report, aggregator);
#[cfg(feature = "peers")]
criterion_group!(benches, record, report, aggregator, peers);
criterion_main!(benches);
