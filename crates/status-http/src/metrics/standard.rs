//! The standard process metrics of Prometheus' client libraries, and `status_build_info`.

use serde_json::Value;
use status_model::Timestamp;

use super::{Families, Kind};

/// The standard process metrics of Prometheus' client libraries, from the `process` section.
pub(super) fn process(families: &mut Families, section: Option<&Value>) {
    let Some(section) = section else { return };
    let number = |key: &str| section.get(key).and_then(Value::as_f64);
    let standard = [
        (
            "process_cpu_seconds_total",
            Kind::Counter,
            "Total user and system CPU time spent in seconds.",
            number("cpu_seconds_total"),
        ),
        (
            "process_resident_memory_bytes",
            Kind::Gauge,
            "Resident memory size in bytes.",
            number("rss_bytes"),
        ),
        (
            "process_virtual_memory_bytes",
            Kind::Gauge,
            "Virtual memory size in bytes.",
            number("virtual_bytes"),
        ),
        ("process_open_fds", Kind::Gauge, "Number of open file descriptors.", number("open_fds")),
        (
            "process_max_fds",
            Kind::Gauge,
            "Maximum number of open file descriptors.",
            number("max_fds"),
        ),
    ];
    for (name, kind, help, value) in standard {
        if let Some(value) = value {
            families.add(name, kind, help, vec![], value);
        }
    }
    let started = section.get("started_at").and_then(Value::as_str);
    if let Some(started) = started.and_then(|at| at.parse::<Timestamp>().ok()) {
        #[expect(clippy::cast_precision_loss, reason = "epoch milliseconds stay far below 2^52")]
        let seconds = started.as_millisecond() as f64 / 1000.0;
        families.add(
            "process_start_time_seconds",
            Kind::Gauge,
            "Start time of the process since unix epoch in seconds.",
            vec![],
            seconds,
        );
    }
}

/// `status_build_info{version, service, service_version} 1`.
pub(super) fn build_info(families: &mut Families, service: Option<&Value>) {
    let text = |key: &str| {
        service.and_then(|service| service.get(key)).and_then(Value::as_str).map(str::to_owned)
    };
    let mut labels = vec![("version", env!("CARGO_PKG_VERSION").to_owned())];
    if let Some(name) = text("name") {
        labels.push(("service", name));
    }
    if let Some(version) = text("version") {
        labels.push(("service_version", version));
    }
    families.add(
        "status_build_info",
        Kind::Info,
        "The status library's version, and the name and version of the service it reports on.",
        labels,
        1.0,
    );
}
