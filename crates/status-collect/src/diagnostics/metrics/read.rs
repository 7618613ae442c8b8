//! Reading a registry into the `metrics` section.

use std::collections::BTreeMap;
use std::sync::PoisonError;
use std::sync::atomic::Ordering;

use status_model::{HistogramBucket, HistogramValue, Metric, MetricSeries, MetricsSection};

use super::handles::ratio;
use super::{Cell, MetricsRegistry};

impl MetricsRegistry {
    /// Every metric's value now, and the refused registrations (name to reason); `None` when
    /// nothing was registered.
    pub fn read(&self) -> Option<(MetricsSection, BTreeMap<String, String>)> {
        let state = self.inner.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.families.is_empty() && state.refused.is_empty() {
            return None;
        }
        let metrics = state
            .families
            .iter()
            .map(|(name, family)| {
                let series =
                    family.series.iter().map(|(labels, cell)| read_cell(labels, cell)).collect();
                let metric = Metric {
                    kind: family.kind,
                    help: family.help.clone(),
                    unit: family.unit.clone(),
                    series,
                };
                (name.clone(), metric)
            })
            .collect();
        Some((MetricsSection { metrics }, state.refused.clone()))
    }
}

#[expect(clippy::cast_precision_loss, reason = "counters are exact up to 2^53, documented")]
fn read_cell(labels: &[(String, String)], cell: &Cell) -> MetricSeries {
    let labels = labels.iter().cloned().collect();
    let (value, histogram) = match cell {
        Cell::Counter(cell) | Cell::HighWater(cell) => {
            (Some(cell.load(Ordering::Relaxed) as f64), None)
        }
        Cell::Gauge(cell) => (Some(cell.load(Ordering::Relaxed) as f64), None),
        Cell::Ratio { numerator, denominator } => (ratio(numerator, denominator), None),
        Cell::Histogram(cells) => {
            let mut cumulative = 0u64;
            let mut buckets = Vec::with_capacity(cells.bounds.len());
            for (bound, count) in cells.bounds.iter().zip(cells.buckets.iter()) {
                cumulative += count.load(Ordering::Relaxed);
                buckets.push(HistogramBucket { le: *bound, count: cumulative });
            }
            let count = cumulative
                + cells.buckets.last().map_or(0, |overflow| overflow.load(Ordering::Relaxed));
            let sum = f64::from_bits(cells.sum_bits.load(Ordering::Relaxed));
            (None, Some(HistogramValue { buckets, sum, count }))
        }
    };
    MetricSeries { labels, value, histogram }
}
