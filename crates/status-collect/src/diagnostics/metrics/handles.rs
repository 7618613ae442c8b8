//! The handles the host updates: one atomic operation per update, no lock, no allocation.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

/// A counter. Cloning gives another handle to the same series.
#[derive(Clone, Debug)]
pub struct Counter(pub(super) Arc<AtomicU64>);

impl Counter {
    /// A counter no registry publishes (what a refused registration returns).
    pub(super) fn detached() -> Counter {
        Counter(Arc::default())
    }

    /// Adds one.
    #[inline]
    pub fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    /// Adds `n`.
    #[inline]
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    /// The count now.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A gauge. Cloning gives another handle to the same series.
#[derive(Clone, Debug)]
pub struct Gauge(pub(super) Arc<AtomicI64>);

impl Gauge {
    pub(super) fn detached() -> Gauge {
        Gauge(Arc::default())
    }

    /// Adds one.
    #[inline]
    pub fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    /// Subtracts one.
    #[inline]
    pub fn dec(&self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }

    /// Adds `n` (which may be negative).
    #[inline]
    pub fn add(&self, n: i64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    /// Sets the value.
    #[inline]
    pub fn set(&self, value: i64) {
        self.0.store(value, Ordering::Relaxed);
    }

    /// The value now.
    pub fn get(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A high-water mark: keeps the highest value observed. Cloning gives another handle to the same
/// series.
#[derive(Clone, Debug)]
pub struct HighWater(pub(super) Arc<AtomicU64>);

impl HighWater {
    pub(super) fn detached() -> HighWater {
        HighWater(Arc::default())
    }

    /// Raises the mark to `value` if it is higher.
    #[inline]
    pub fn observe(&self, value: u64) {
        self.0.fetch_max(value, Ordering::Relaxed);
    }

    /// The highest value observed (0 before any).
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A histogram. Cloning gives another handle to the same series.
#[derive(Clone, Debug)]
pub struct Histogram(pub(super) Arc<HistogramCells>);

/// A histogram's counters: one per bucket (not cumulative; `+Inf` last), the count, and the sum
/// as the bits of an `f64`.
#[derive(Debug)]
pub(crate) struct HistogramCells {
    pub(super) bounds: Box<[f64]>,
    pub(super) buckets: Box<[AtomicU64]>,
    pub(super) count: AtomicU64,
    pub(super) sum_bits: AtomicU64,
}

impl HistogramCells {
    pub(super) fn new(bounds: &[f64]) -> HistogramCells {
        let mut bounds: Vec<f64> = bounds.iter().copied().filter(|b| b.is_finite()).collect();
        bounds.sort_by(f64::total_cmp);
        bounds.dedup();
        let buckets = (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect();
        HistogramCells {
            bounds: bounds.into(),
            buckets,
            count: AtomicU64::new(0),
            sum_bits: AtomicU64::new(0f64.to_bits()),
        }
    }
}

impl Histogram {
    pub(super) fn detached(bounds: &[f64]) -> Histogram {
        Histogram(Arc::new(HistogramCells::new(bounds)))
    }

    /// Counts one observation. NaN is ignored. The bucket and the count are one atomic add each;
    /// the sum is a compare-and-swap loop on its bits (lock-free, retried only under contention).
    /// Sums of values with few significant bits (whole numbers, multiples of 2^-10) are exact in
    /// any order; others may differ in the last bits with the order of concurrent observations.
    #[inline]
    pub fn observe(&self, value: f64) {
        if value.is_nan() {
            return;
        }
        let cells = &self.0;
        let index = cells.bounds.partition_point(|bound| *bound < value);
        cells.buckets[index].fetch_add(1, Ordering::Relaxed);
        cells.count.fetch_add(1, Ordering::Relaxed);
        let _ = cells.sum_bits.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |bits| {
            Some((f64::from_bits(bits) + value).to_bits())
        });
    }

    /// Counts a duration, in seconds.
    #[inline]
    pub fn observe_duration(&self, duration: Duration) {
        self.observe(duration.as_secs_f64());
    }

    /// Observations so far.
    pub fn count(&self) -> u64 {
        self.0.count.load(Ordering::Relaxed)
    }

    /// The sum of observations so far.
    pub fn sum(&self) -> f64 {
        f64::from_bits(self.0.sum_bits.load(Ordering::Relaxed))
    }
}

/// A derived rate over counters, computed when read.
#[derive(Clone, Debug)]
pub struct Ratio {
    pub(super) numerator: Vec<Arc<AtomicU64>>,
    pub(super) denominator: Vec<Arc<AtomicU64>>,
}

impl Ratio {
    /// The rate now; `None` while the denominator is 0.
    pub fn get(&self) -> Option<f64> {
        ratio(&self.numerator, &self.denominator)
    }
}

#[expect(clippy::cast_precision_loss, reason = "counters are exact up to 2^53, documented")]
pub(super) fn ratio(numerator: &[Arc<AtomicU64>], denominator: &[Arc<AtomicU64>]) -> Option<f64> {
    let sum = |cells: &[Arc<AtomicU64>]| {
        cells.iter().fold(0u64, |sum, cell| sum.saturating_add(cell.load(Ordering::Relaxed)))
    };
    let denominator = sum(denominator);
    (denominator != 0).then(|| sum(numerator) as f64 / denominator as f64)
}
