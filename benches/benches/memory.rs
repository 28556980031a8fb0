//! Memory figures (issue 7): peak heap while parsing a 1 MiB TLS-RPT report, and heap
//! bytes per distinct failure row held by the aggregator.
//!
//! Not a timing benchmark: a counting global allocator measures the heap, and the
//! program prints one line per figure. Run with `cargo bench -p mta-sts-benches --bench
//! memory` (add `--features peers` to measure mail-auth on the same report).

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicUsize, Ordering};

use mta_sts_benches::{ROWS_PER_MIB, report_json_with_rows};
use tls_rpt_core::{
    Aggregator, AggregatorConfig, FailureKey, Policy, PolicyType, Report, ResultType,
};

/// Counts live heap bytes and their high-water mark.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; the counters only
// observe sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            let live = LIVE.fetch_add(new_size, Ordering::Relaxed) + new_size;
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        new
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Peak heap above the level at entry while `f` runs, and what it leaves allocated.
fn measure<T>(f: impl FnOnce() -> T) -> (usize, usize, T) {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = f();
    let peak = PEAK.load(Ordering::Relaxed) - base;
    let kept = LIVE.load(Ordering::Relaxed).saturating_sub(base);
    (peak, kept, out)
}

fn main() {
    // libtest-style flags from `cargo bench` are ignored: this program has no filters.
    let json = report_json_with_rows(ROWS_PER_MIB);
    let mib = json.len() as f64 / (1024.0 * 1024.0);
    println!(
        "report: {} bytes ({mib:.2} MiB), {ROWS_PER_MIB} failure rows",
        json.len()
    );

    let (peak, kept, report) =
        measure(|| Report::from_json(json.as_bytes()).expect("strict parse"));
    println!(
        "memory/parse_strict_1mib: peak heap {peak} bytes ({:.2}x input), {kept} bytes kept",
        ratio(peak, json.len())
    );
    drop(black_box(report));
    let (peak, kept, parsed) =
        measure(|| Report::from_json_lenient(json.as_bytes()).expect("lenient parse"));
    println!(
        "memory/parse_lenient_1mib: peak heap {peak} bytes ({:.2}x input), {kept} bytes kept",
        ratio(peak, json.len())
    );
    drop(black_box(parsed));
    #[cfg(feature = "peers")]
    {
        let (peak, kept, parsed) = measure(|| {
            mail_auth::report::tlsrpt::TlsReport::parse_json(json.as_bytes())
                .expect("mail-auth parse")
        });
        println!(
            "memory/parse_mail_auth_1mib: peak heap {peak} bytes ({:.2}x input), {kept} bytes kept",
            ratio(peak, json.len())
        );
        drop(black_box(parsed));
    }

    // Bytes per failure row: heap held by the aggregator after adding N distinct rows,
    // minus what it holds after one, divided by N - 1.
    let policy = Policy {
        policy_type: PolicyType::Sts,
        policy_string: vec![
            "version: STSv1".into(),
            "mode: enforce".into(),
            "mx: *.example.com".into(),
            "max_age: 604800".into(),
        ],
        policy_domain: "example.com".into(),
        mx_host: vec!["*.example.com".into()],
    };
    const ROWS: u32 = 100_000;
    let (_, kept_one, agg_one) = measure(|| fill(&policy, 1));
    let (_, kept_many, agg_many) = measure(|| fill(&policy, ROWS));
    let per_row = (kept_many - kept_one) as f64 / f64::from(ROWS - 1);
    println!(
        "memory/aggregator_failure_row: {per_row:.0} bytes per distinct row ({ROWS} rows, mx host names of 16 bytes)"
    );
    drop(black_box((agg_one, agg_many)));
}

fn fill(policy: &Policy, rows: u32) -> Aggregator {
    let mut config = AggregatorConfig::default();
    config.max_failure_rows_per_policy = rows as usize;
    let mut agg = Aggregator::new(config);
    let id = agg.policy_id(policy).expect("policy");
    for i in 0..rows {
        let [_, a, b, c] = i.to_be_bytes();
        let mut key = FailureKey::new(ResultType::CertificateExpired);
        key.sending_mta_ip = Some(IpAddr::V4(Ipv4Addr::new(192, a, b, c)));
        key.receiving_mx_hostname = Some(format!("mx{:02}.example.com", i % 50));
        key.receiving_ip = Some(IpAddr::V4(Ipv4Addr::new(203, a, b, c)));
        agg.record_failure(id, key).expect("row");
    }
    agg
}

fn ratio(a: usize, b: usize) -> f64 {
    a as f64 / b as f64
}
