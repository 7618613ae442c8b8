//! [`MetricsRegistry`]: counters, gauges, high-water marks, histograms and ratios the host
//! registers once and updates on its hot path with one atomic operation.

mod handles;
mod read;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, AtomicU64};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use status_model::MetricKind;

use handles::HistogramCells;
pub use handles::{Counter, Gauge, HighWater, Histogram, Ratio};

use super::WarnOnce;

/// How many series (label sets over all metrics) a registry holds; registrations past it are
/// refused, so a label fed from unbounded data (an id per request) cannot grow memory.
pub const MAX_SERIES: usize = 4096;

/// How many refused registrations are remembered to report (all are logged, once per name).
const MAX_REFUSALS: usize = 64;

/// Label values are cut to this many characters.
const MAX_LABEL_VALUE_CHARS: usize = 200;

/// The host's metrics. Cheap to clone: every clone is the same registry.
///
/// Registration takes a lock and may allocate; it returns a handle whose updates (`inc`, `add`,
/// `set`, `observe`) are lock-free atomic operations on memory the handle shares with the
/// registry, with no allocation. Register once, keep the handle, update it on the hot path.
///
/// Registering the same name and labels again returns a handle to the same series. A
/// registration that cannot be honoured (a bad name, the same name with another kind or other
/// label names, more than [`MAX_SERIES`] series) is logged once, reported in the `metrics`
/// section's `unmeasured` under the metric's name, and returns a working handle that is not
/// published: the host never sees an error or a panic from here.
///
/// Names are `[a-zA-Z_][a-zA-Z0-9_]*`, without the unit (given separately, `seconds` or `bytes`,
/// and appended on `/metrics`) and without `_total`, `_count`, `_sum` or `_bucket` (which
/// `/metrics` adds); the prefix `status_` belongs to this library.
#[derive(Clone, Default)]
pub struct MetricsRegistry {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    /// Refused registrations are logged once per name per 5 minutes.
    warn: WarnOnce,
}

impl Default for Inner {
    fn default() -> Inner {
        Inner { state: Mutex::default(), warn: WarnOnce::new(Duration::from_secs(300)) }
    }
}

#[derive(Default)]
struct State {
    families: BTreeMap<String, Family>,
    series: usize,
    refused: BTreeMap<String, String>,
}

struct Family {
    kind: MetricKind,
    help: String,
    unit: Option<String>,
    label_names: Vec<String>,
    series: BTreeMap<Vec<(String, String)>, Cell>,
}

/// The shared memory of one series.
#[derive(Clone)]
enum Cell {
    Counter(Arc<AtomicU64>),
    Gauge(Arc<AtomicI64>),
    HighWater(Arc<AtomicU64>),
    Histogram(Arc<HistogramCells>),
    Ratio { numerator: Vec<Arc<AtomicU64>>, denominator: Vec<Arc<AtomicU64>> },
}

/// What a registration asks for.
struct Request<'a> {
    name: &'a str,
    help: &'a str,
    unit: Option<&'a str>,
    labels: &'a [(&'a str, &'a str)],
    kind: MetricKind,
}

impl std::fmt::Debug for MetricsRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.inner.state.lock().unwrap_or_else(PoisonError::into_inner);
        f.debug_list().entries(state.families.keys()).finish()
    }
}

impl MetricsRegistry {
    /// A counter: only goes up. `unit` is `None` for a count of things.
    pub fn counter(
        &self,
        name: &str,
        help: &str,
        unit: Option<&str>,
        labels: &[(&str, &str)],
    ) -> Counter {
        let request = Request { name, help, unit, labels, kind: MetricKind::Counter };
        match self.register(&request, || Cell::Counter(Arc::default())) {
            Some(Cell::Counter(cell)) => Counter(cell),
            _ => Counter::detached(),
        }
    }

    /// A gauge: a signed value that goes up and down (a queue depth, tasks in flight).
    pub fn gauge(
        &self,
        name: &str,
        help: &str,
        unit: Option<&str>,
        labels: &[(&str, &str)],
    ) -> Gauge {
        let request = Request { name, help, unit, labels, kind: MetricKind::Gauge };
        match self.register(&request, || Cell::Gauge(Arc::default())) {
            Some(Cell::Gauge(cell)) => Gauge(cell),
            _ => Gauge::detached(),
        }
    }

    /// A high-water mark: the highest value observed since start (a queue's deepest point).
    pub fn high_water(
        &self,
        name: &str,
        help: &str,
        unit: Option<&str>,
        labels: &[(&str, &str)],
    ) -> HighWater {
        let request = Request { name, help, unit, labels, kind: MetricKind::HighWater };
        match self.register(&request, || Cell::HighWater(Arc::default())) {
            Some(Cell::HighWater(cell)) => HighWater(cell),
            _ => HighWater::detached(),
        }
    }

    /// A histogram over `buckets`, the inclusive upper bounds (unsorted, duplicate and non-finite
    /// bounds are dropped; `+Inf` is implied). Re-registering a series keeps its first buckets.
    pub fn histogram(
        &self,
        name: &str,
        help: &str,
        unit: Option<&str>,
        buckets: &[f64],
        labels: &[(&str, &str)],
    ) -> Histogram {
        let request = Request { name, help, unit, labels, kind: MetricKind::Histogram };
        let make = || Cell::Histogram(Arc::new(HistogramCells::new(buckets)));
        match self.register(&request, make) {
            Some(Cell::Histogram(cell)) => Histogram(cell),
            _ => Histogram::detached(buckets),
        }
    }

    /// A derived rate, read at collection time: the sum of `numerator` over the sum of
    /// `denominator` (a hit rate is `[hits]` over `[hits, misses]`). Its value is `null` while the
    /// denominator is 0, never 0 or NaN. Unitless, unlabelled.
    pub fn ratio(
        &self,
        name: &str,
        help: &str,
        numerator: &[&Counter],
        denominator: &[&Counter],
    ) -> Ratio {
        let cells = |counters: &[&Counter]| counters.iter().map(|c| c.0.clone()).collect();
        let cell = Cell::Ratio { numerator: cells(numerator), denominator: cells(denominator) };
        let request = Request { name, help, unit: None, labels: &[], kind: MetricKind::Ratio };
        let registered = self.register(&request, || cell.clone());
        match registered.unwrap_or(cell) {
            Cell::Ratio { numerator, denominator } => Ratio { numerator, denominator },
            _ => Ratio { numerator: Vec::new(), denominator: Vec::new() },
        }
    }

    /// Whether nothing was registered (then the `metrics` section is absent).
    pub fn is_empty(&self) -> bool {
        let state = self.inner.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.families.is_empty() && state.refused.is_empty()
    }

    /// Registers the series `request` names, or finds it; `None` when refused (logged and
    /// remembered).
    fn register(&self, request: &Request<'_>, make: impl FnOnce() -> Cell) -> Option<Cell> {
        self.register_checked(request, make, |name| {
            if name.starts_with("status_") {
                return Err("the prefix `status_` is reserved for the status library".to_owned());
            }
            Ok(())
        })
    }

    /// [`register`](Self::register) for the library's own metrics, which may use `status_`.
    pub(crate) fn register_internal(
        &self,
        name: &str,
        help: &str,
        labels: &[(&str, &str)],
    ) -> Counter {
        let request = Request { name, help, unit: None, labels, kind: MetricKind::Counter };
        match self.register_checked(&request, || Cell::Counter(Arc::default()), |_| Ok(())) {
            Some(Cell::Counter(cell)) => Counter(cell),
            _ => Counter::detached(),
        }
    }

    fn register_checked(
        &self,
        request: &Request<'_>,
        make: impl FnOnce() -> Cell,
        reserved: impl Fn(&str) -> Result<(), String>,
    ) -> Option<Cell> {
        let mut state = self.inner.state.lock().unwrap_or_else(PoisonError::into_inner);
        match state.register(request, make, reserved) {
            Ok(cell) => Some(cell),
            Err(reason) => {
                if state.refused.len() < MAX_REFUSALS || state.refused.contains_key(request.name) {
                    state.refused.insert(request.name.to_owned(), reason.clone());
                }
                drop(state);
                self.inner.warn.warn(
                    request.name,
                    format_args!("metric `{}` not registered: {reason}", request.name),
                );
                None
            }
        }
    }
}

impl State {
    fn register(
        &mut self,
        request: &Request<'_>,
        make: impl FnOnce() -> Cell,
        reserved: impl Fn(&str) -> Result<(), String>,
    ) -> Result<Cell, String> {
        check_name(request.name)?;
        reserved(request.name)?;
        if let Some(unit) = request.unit
            && (unit.is_empty() || !unit.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        {
            return Err(format!("unit {unit:?} is not lowercase letters and `_`"));
        }
        for (label, _) in request.labels {
            check_name(label).map_err(|reason| format!("label: {reason}"))?;
        }
        let label_names: Vec<String> =
            request.labels.iter().map(|(k, _)| (*k).to_owned()).collect();
        let mut key: Vec<(String, String)> = request
            .labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.chars().take(MAX_LABEL_VALUE_CHARS).collect()))
            .collect();
        key.sort();
        if key.windows(2).any(|pair| pair[0].0 == pair[1].0) {
            return Err("a label name is given twice".to_owned());
        }
        let full = self.series >= MAX_SERIES;
        let family = match self.families.get_mut(request.name) {
            Some(family) => {
                if family.kind != request.kind {
                    return Err(format!(
                        "already registered as a {}, not a {}",
                        family.kind.as_str(),
                        request.kind.as_str()
                    ));
                }
                let mut known = family.label_names.clone();
                known.sort();
                let mut asked = label_names.clone();
                asked.sort();
                if known != asked {
                    return Err(format!(
                        "already registered with labels [{}]",
                        family.label_names.join(", ")
                    ));
                }
                family
            }
            None => {
                if full {
                    return Err(format!("the registry holds {MAX_SERIES} series already"));
                }
                self.families.entry(request.name.to_owned()).or_insert(Family {
                    kind: request.kind,
                    help: request.help.to_owned(),
                    unit: request.unit.map(str::to_owned),
                    label_names,
                    series: BTreeMap::new(),
                })
            }
        };
        if let Some(cell) = family.series.get(&key) {
            return Ok(cell.clone());
        }
        if full {
            return Err(format!("the registry holds {MAX_SERIES} series already"));
        }
        let cell = make();
        family.series.insert(key, cell.clone());
        self.series += 1;
        Ok(cell)
    }
}

/// `[a-zA-Z_][a-zA-Z0-9_]*`, not ending in a suffix `/metrics` adds.
fn check_name(name: &str) -> Result<(), String> {
    let mut bytes = name.bytes();
    let first_ok = bytes.next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_');
    if !first_ok || !bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(format!("name {name:?} is not [a-zA-Z_][a-zA-Z0-9_]*"));
    }
    if let Some(suffix) =
        ["_total", "_count", "_sum", "_bucket"].iter().find(|suffix| name.ends_with(*suffix))
    {
        return Err(format!("name {name:?} ends in `{suffix}`, which /metrics adds itself"));
    }
    Ok(())
}
