//! The host's registered metrics (the `metrics` section) on `/metrics`, each with its own kind,
//! HELP text, unit and labels, rather than the generic gauges of the other sections.
//!
//! Names: the registered name, then `_{unit}` unless it already ends so, then `_ratio` for a
//! ratio and `_total` for a counter (OpenMetrics names the family without `_total`). A counter is
//! a `counter`; a gauge, a high-water mark and a ratio are `gauge`s; a histogram is a `histogram`
//! with `_bucket{le=…}` (cumulative, `+Inf` last), `_sum` and `_count`. A ratio whose denominator
//! is 0 has no sample (its value is `null`, which Prometheus cannot say).

use std::fmt::Write;

use serde_json::Value;
use status_model::{MetricKind, MetricSeries, MetricsSection};

use super::{Format, escape_help, escape_label, number};

/// Appends the families of the `metrics` section's JSON to `out`.
pub(super) fn render(out: &mut String, section: Option<&Value>, format: Format) {
    let parsed = section.map(|value| serde_json::from_value::<MetricsSection>(value.clone()));
    let Some(Ok(section)) = parsed else {
        return;
    };
    for (name, metric) in &section.metrics {
        let mut base = clean(name);
        if let Some(unit) = &metric.unit
            && !base.ends_with(&format!("_{unit}"))
        {
            let _ = write!(base, "_{}", clean(unit));
        }
        if metric.kind == MetricKind::Ratio && !base.ends_with("_ratio") {
            base.push_str("_ratio");
        }
        let (kind, sample_name) = match metric.kind {
            MetricKind::Counter => ("counter", format!("{base}_total")),
            MetricKind::Gauge | MetricKind::HighWater | MetricKind::Ratio => {
                ("gauge", base.clone())
            }
            MetricKind::Histogram => ("histogram", base.clone()),
        };
        let family = match (metric.kind, format) {
            (MetricKind::Counter, Format::Prometheus) => sample_name.as_str(),
            _ => base.as_str(),
        };
        let _ = writeln!(out, "# HELP {family} {}", escape_help(&metric.help));
        let _ = writeln!(out, "# TYPE {family} {kind}");
        for series in &metric.series {
            match &series.histogram {
                Some(histogram) => {
                    for bucket in &histogram.buckets {
                        let le = number(bucket.le);
                        sample(
                            out,
                            &format!("{base}_bucket"),
                            series,
                            Some(&le),
                            bucket.count as f64,
                        );
                    }
                    let count = histogram.count as f64;
                    sample(out, &format!("{base}_bucket"), series, Some("+Inf"), count);
                    sample(out, &format!("{base}_sum"), series, None, histogram.sum);
                    sample(out, &format!("{base}_count"), series, None, count);
                }
                None => {
                    if let Some(value) = series.value {
                        sample(out, &sample_name, series, None, value);
                    }
                }
            }
        }
    }
}

fn sample(out: &mut String, name: &str, series: &MetricSeries, le: Option<&str>, value: f64) {
    out.push_str(name);
    let labels = series.labels.iter().map(|(k, v)| (clean(k), v.as_str()));
    let labels: Vec<(String, &str)> = labels.chain(le.map(|le| ("le".to_owned(), le))).collect();
    if !labels.is_empty() {
        out.push('{');
        for (i, (key, value)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "{key}=\"{}\"", escape_label(value));
        }
        out.push('}');
    }
    let _ = writeln!(out, " {}", number(value));
}

/// A name as Prometheus allows it: `[a-zA-Z_][a-zA-Z0-9_]*` (the registry checks this already;
/// the JSON may come from elsewhere).
fn clean(name: &str) -> String {
    let mut out: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

#[cfg(test)]
mod tests;
