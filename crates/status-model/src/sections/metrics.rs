//! The `metrics` section: counters, gauges, high-water marks, histograms and ratios the app
//! registered in its metrics registry, read at collection time.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The app's metrics by name. Serialized as the map itself.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct MetricsSection {
    /// Metric name (`[a-z_][a-z0-9_]*`, without unit or `_total` suffix) to its series.
    pub metrics: BTreeMap<String, Metric>,
}

/// One metric: what it measures and one series per label set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Metric {
    /// What kind of value it holds.
    pub kind: MetricKind,
    /// One line saying what it counts or measures.
    pub help: String,
    /// The base unit of its values (`seconds`, `bytes`, …); `null` for plain counts.
    pub unit: Option<String>,
    /// One entry per label set, in label order.
    pub series: Vec<MetricSeries>,
}

/// The kinds of metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MetricKind {
    /// Only goes up (until the process restarts).
    Counter,
    /// Goes up and down.
    Gauge,
    /// The highest value observed since start.
    HighWater,
    /// Observations counted into buckets, with their sum.
    Histogram,
    /// A derived rate: the sum of some counters over the sum of others.
    Ratio,
}

impl MetricKind {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            MetricKind::Counter => "counter",
            MetricKind::Gauge => "gauge",
            MetricKind::HighWater => "high_water",
            MetricKind::Histogram => "histogram",
            MetricKind::Ratio => "ratio",
        }
    }
}

/// One series of a metric.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MetricSeries {
    /// Label name to value; empty for an unlabelled metric.
    pub labels: BTreeMap<String, String>,
    /// The value. Counters are exact up to 2^53. `null` for a ratio whose denominator is 0 (there
    /// is no rate yet, which is not a rate of 0) and for a histogram (see `histogram`).
    pub value: Option<f64>,
    /// A histogram's buckets, sum and count; `null` for the other kinds.
    pub histogram: Option<HistogramValue>,
}

/// A histogram's state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct HistogramValue {
    /// Cumulative counts: observations less than or equal to each upper bound, in bound order.
    /// The `+Inf` bucket is `count`.
    pub buckets: Vec<HistogramBucket>,
    /// The sum of all observations, in the metric's unit.
    pub sum: f64,
    /// How many observations there were.
    pub count: u64,
}

/// One cumulative bucket.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct HistogramBucket {
    /// The inclusive upper bound.
    pub le: f64,
    /// Observations at or below `le`.
    pub count: u64,
}
