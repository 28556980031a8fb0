//! A log-linear latency histogram in nanoseconds: 128 sub-buckets per power of two, so
//! every value is known to within 1/128 (0.8%). Fixed size, no allocation while recording.

use std::time::Duration;

const SUB_BITS: u32 = 7;
const SUB: usize = 1 << SUB_BITS;
const BUCKETS: usize = (64 - SUB_BITS as usize + 1) * SUB;

pub(crate) struct Histogram {
    counts: Box<[u64]>,
    total: u64,
    sum_ns: u128,
    max_ns: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Self {
            counts: vec![0; BUCKETS].into_boxed_slice(),
            total: 0,
            sum_ns: 0,
            max_ns: 0,
        }
    }
}

fn index(v: u64) -> usize {
    if v < SUB as u64 {
        return v as usize;
    }
    let msb = 63 - v.leading_zeros();
    let shift = msb - SUB_BITS;
    // (shift + 1) blocks of SUB above the linear block; the mantissa keeps SUB_BITS bits.
    (shift as usize + 1) * SUB + ((v >> shift) as usize - SUB)
}

/// The highest value that falls in bucket `i`.
fn upper(i: usize) -> u64 {
    if i < SUB {
        return i as u64;
    }
    let shift = (i / SUB - 1) as u32;
    let mantissa = (i % SUB + SUB) as u64;
    u64::try_from(((u128::from(mantissa) + 1) << shift) - 1).unwrap_or(u64::MAX)
}

impl Histogram {
    pub(crate) fn record(&mut self, d: Duration) {
        let v = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        self.counts[index(v)] += 1;
        self.total += 1;
        self.sum_ns += u128::from(v);
        self.max_ns = self.max_ns.max(v);
    }

    pub(crate) fn merge(&mut self, o: &Self) {
        for (a, b) in self.counts.iter_mut().zip(o.counts.iter()) {
            *a += b;
        }
        self.total += o.total;
        self.sum_ns += o.sum_ns;
        self.max_ns = self.max_ns.max(o.max_ns);
    }

    /// The value below which a fraction `q` of the samples falls (the bucket's upper bound,
    /// capped by the exact maximum), in microseconds; 0 without samples.
    pub(crate) fn quantile_us(&self, q: f64) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        let rank = ((q * self.total as f64).ceil() as u64).clamp(1, self.total);
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return upper(i).min(self.max_ns) as f64 / 1e3;
            }
        }
        self.max_ns as f64 / 1e3
    }

    pub(crate) fn max_us(&self) -> f64 {
        self.max_ns as f64 / 1e3
    }

    pub(crate) fn mean_us(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.sum_ns as f64 / self.total as f64 / 1e3
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_monotonic_and_tight() {
        let mut last = 0;
        for v in (0..1_000_000u64).chain([u64::MAX / 3, u64::MAX]) {
            let i = index(v);
            assert!(i >= last && i < BUCKETS, "{v}");
            assert!(upper(i) >= v, "{v}");
            assert!((upper(i) - v) as f64 <= v as f64 / 128.0 + 1.0, "{v}");
            last = i;
        }
    }

    #[test]
    fn quantiles() {
        let mut h = Histogram::default();
        for us in 1..=1000u64 {
            h.record(Duration::from_micros(us));
        }
        let p50 = h.quantile_us(0.5);
        assert!((500.0..=504.0).contains(&p50), "{p50}");
        let p99 = h.quantile_us(0.99);
        assert!((990.0..=998.0).contains(&p99), "{p99}");
        assert_eq!(h.max_us(), 1000.0);
        assert_eq!(h.quantile_us(1.0), 1000.0);
    }
}
