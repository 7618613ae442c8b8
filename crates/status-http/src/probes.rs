//! `/livez` and `/readyz` in the Kubernetes API server's style.
//!
//! - Success: `200 ok`. With `?verbose`: one `[+]name ok` line per check, then `livez check passed`.
//! - Failure: `503` with the verbose listing (`[-]name failed: reason`) and `readyz check failed`.
//! - `?exclude=name` (repeatable) skips a check, listed as `[+]name excluded: ok`.
//! - `/readyz/{name}`: one check: `ok`, or 503 with its line; 404 for an unknown name. Any check of
//!   the health report has one; a non-critical check that does not pass answers 200 with
//!   `[!]name warn (not critical): reason`, as the API server answers warnings.
//! - `/healthz`: the older name of `/livez`, answered the same.
//!
//! Liveness looks only inside the process (the collection loop keeps producing snapshots), never at
//! outside systems, so a dead database cannot get the host restarted. Readiness is the critical checks.

use std::fmt::Write;

use status_model::{CheckResult, HealthReport, HealthStatus};

/// One line of a probe's listing.
pub(crate) struct Probe {
    pub(crate) name: String,
    /// `None` when passing, else the reason.
    pub(crate) failure: Option<String>,
}

impl Probe {
    pub(crate) fn pass(name: &str) -> Probe {
        Probe { name: name.to_owned(), failure: None }
    }

    pub(crate) fn fail(name: &str, reason: impl Into<String>) -> Probe {
        Probe { name: name.to_owned(), failure: Some(reason.into()) }
    }
}

/// The query options of a probe request.
#[derive(Default)]
pub(crate) struct ProbeQuery {
    pub(crate) verbose: bool,
    pub(crate) exclude: Vec<String>,
}

impl ProbeQuery {
    pub(crate) fn parse(query: Option<&str>) -> ProbeQuery {
        let mut parsed = ProbeQuery::default();
        for pair in query.unwrap_or_default().split('&').filter(|pair| !pair.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "verbose" => parsed.verbose = !matches!(value, "false" | "0"),
                "exclude" => parsed.exclude.push(percent_decode(value)),
                _ => {}
            }
        }
        parsed
    }
}

/// The readiness probes: the snapshot's existence, then every critical check in the live report,
/// the freshness check's as `fresh` says (its result at the request).
pub(crate) fn readiness(
    has_snapshot: bool,
    report: Option<&HealthReport>,
    fresh: Option<&CheckResult>,
) -> Vec<Probe> {
    if !has_snapshot {
        return vec![Probe::fail("snapshot", "no snapshot yet")];
    }
    let mut probes = vec![Probe::pass("snapshot")];
    let critical =
        report.into_iter().flat_map(|report| &report.checks).filter(|check| check.critical);
    for check in critical {
        let check = fresh.filter(|fresh| fresh.name == check.name).unwrap_or(check);
        probes.push(match check.status {
            HealthStatus::Pass => Probe::pass(&check.name),
            _ => Probe::fail(&check.name, check.message.clone()),
        });
    }
    probes
}

/// Renders a probe listing. Returns whether it passed and the text body.
pub(crate) fn render(kind: &str, probes: &[Probe], query: &ProbeQuery) -> (bool, String) {
    let mut passed = true;
    let mut text = String::new();
    for probe in probes {
        if query.exclude.contains(&probe.name) {
            let _ = writeln!(text, "[+]{} excluded: ok", probe.name);
            continue;
        }
        match &probe.failure {
            None => {
                let _ = writeln!(text, "[+]{} ok", probe.name);
            }
            Some(reason) => {
                passed = false;
                let _ = writeln!(text, "[-]{} failed: {reason}", probe.name);
            }
        }
    }
    if passed && !query.verbose {
        return (true, "ok".to_owned());
    }
    let _ = writeln!(text, "{kind} check {}", if passed { "passed" } else { "failed" });
    (passed, text)
}

/// Decodes `%XX` escapes and `+` in a query value (or a form's).
pub(crate) fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(byte) => {
                        out.push(byte);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
