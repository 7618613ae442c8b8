//! Evaluator tests: damping, events, disabled and panicking checks, config validation.

use std::collections::BTreeMap;

use status_model::checks::{CheckContext, CheckDef, Thresholds, Verdict};
use status_model::{CollectionReport, HealthStatus, Snapshot};

use super::*;

fn snapshot(second: i64) -> Snapshot {
    Snapshot::new(CollectionReport {
        taken_at: jiff::Timestamp::from_second(1_700_000_000 + second).unwrap(),
        duration_ms: 1.0,
        sequence: 0,
        interval_seconds: None,
        abandoned_total: 0,
        left_out: Default::default(),
        sections: BTreeMap::new(),
    })
}

/// A check whose raw status is the snapshot's `sequence` read as 0 = pass, 1 = warn, 2 = fail.
fn scripted(ctx: &CheckContext<'_>, _: &CheckConfig) -> Vec<Verdict> {
    let status = match ctx.snapshot.collection.sequence {
        0 => HealthStatus::Pass,
        1 => HealthStatus::Warn,
        _ => HealthStatus::Fail,
    };
    vec![Verdict {
        component_id: None,
        status,
        message: "scripted".into(),
        observed_value: None,
        details: BTreeMap::new(),
    }]
}

fn panics(_: &CheckContext<'_>, _: &CheckConfig) -> Vec<Verdict> {
    panic!("threshold table missing")
}

fn def(
    name: &'static str,
    run: fn(&CheckContext<'_>, &CheckConfig) -> Vec<Verdict>,
) -> &'static CheckDef {
    let default = CHECKS[0].default.clone();
    Box::leak(Box::new(CheckDef {
        name,
        component: "test",
        measurement: "scripted",
        unit: None,
        thresholds: Thresholds::None,
        default,
        run,
    }))
}

/// A critical check's settings (a non-critical one makes the overall status `warn` at most).
fn config(fail_after: u32, recover_after: u32) -> CheckConfig {
    CheckConfig { fail_after, recover_after, critical: true, ..CHECKS[0].default.clone() }
}

/// Feeds raw statuses (0 pass, 1 warn, 2 fail) one per evaluation; returns the reported ones.
fn feed(evaluator: &HealthEvaluator, raw: &[u64]) -> Vec<HealthStatus> {
    raw.iter()
        .enumerate()
        .map(|(i, &raw)| {
            let mut snapshot = snapshot(i64::try_from(i).unwrap());
            snapshot.collection.sequence = raw;
            evaluator.evaluate(&snapshot).checks[0].status
        })
        .collect()
}

use HealthStatus::{Fail, Pass, Warn};

#[test]
fn without_damping_the_raw_status_is_reported() {
    let evaluator = HealthEvaluator::with_checks(vec![(def("s", scripted), config(1, 1))]);
    assert_eq!(feed(&evaluator, &[0, 2, 0, 1, 0]), [Pass, Fail, Pass, Warn, Pass]);
}

#[test]
fn fail_after_and_recover_after_damp_flapping() {
    let evaluator = HealthEvaluator::with_checks(vec![(def("s", scripted), config(3, 2))]);
    assert_eq!(
        feed(&evaluator, &[2, 2, 0, 2, 2, 2, 0, 2, 0, 0]),
        [Pass, Pass, Pass, Pass, Pass, Fail, Fail, Fail, Fail, Pass]
    );
}

#[test]
fn status_changes_are_events_with_old_and_new() {
    let evaluator = HealthEvaluator::with_checks(vec![(def("s", scripted), config(1, 1))]);
    let mut events = evaluator.subscribe();
    feed(&evaluator, &[0, 2, 2, 0]);
    let mut seen = Vec::new();
    while let Ok(event) = events.try_recv() {
        seen.push((event.check, event.from, event.to));
    }
    assert_eq!(
        seen,
        [
            ("s".to_owned(), Pass, Fail),
            ("overall".to_owned(), Pass, Fail),
            ("s".to_owned(), Fail, Pass),
            ("overall".to_owned(), Fail, Pass),
        ]
    );
    let mut last = snapshot(10);
    last.collection.sequence = 0;
    let report = evaluator.evaluate(&last);
    assert_eq!(report.transitions_total, 4);
    assert_eq!(
        report.status_since,
        jiff::Timestamp::from_second(1_700_000_003).unwrap(),
        "passing since the 4th"
    );
    assert_eq!(report.checks[0].status_since, report.status_since);
}

#[test]
fn a_panicking_check_fails_alone() {
    let evaluator = HealthEvaluator::with_checks(vec![
        (def("boom", panics), config(1, 1)),
        (def("s", scripted), config(1, 1)),
    ]);
    let report = evaluator.evaluate(&snapshot(0));
    assert_eq!(report.checks[0].name, "boom");
    assert_eq!(report.checks[0].status, Fail);
    assert_eq!(report.checks[0].message, "check panicked: threshold table missing");
    assert_eq!((report.checks[1].name.as_str(), report.checks[1].status), ("s", Pass));
    assert_eq!(report.status, Fail);
}

#[test]
fn a_failing_non_critical_check_makes_the_overall_status_warn_at_most() {
    let minor = CheckConfig { critical: false, ..config(1, 1) };
    let evaluator = HealthEvaluator::with_checks(vec![(def("s", scripted), minor)]);
    evaluator.evaluate(&snapshot(0));
    let mut failing = snapshot(1);
    failing.collection.sequence = 2;
    let report = evaluator.evaluate(&failing);
    assert_eq!((report.checks[0].status, report.status), (Fail, Warn));
    let events: Vec<_> =
        report.events.iter().map(|event| (event.check.as_str(), event.to)).collect();
    assert_eq!(events, [("s", Fail), ("overall", Warn)]);
}

#[test]
fn disabled_checks_do_not_run() {
    let disabled = CheckConfig { enabled: false, ..config(1, 1) };
    let evaluator = HealthEvaluator::with_checks(vec![
        (def("boom", panics), disabled),
        (def("s", scripted), config(1, 1)),
    ]);
    let report = evaluator.evaluate(&snapshot(0));
    assert_eq!(report.checks.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["s"]);
}

#[test]
fn config_names_checks_and_thresholds() {
    let parse = |text: &str| {
        crate::Config::parse(text, "app.toml").map(|c| c.health).map_err(|e| e.to_string())
    };
    let health = parse("[health.memory_available]\nwarn_below = 20\ncritical = true\n").unwrap();
    assert_eq!(health.checks["memory_available"].warn_below, Some(20.0));
    let error = parse("[health.memroy]\nenabled = false\n").unwrap_err();
    assert!(
        error.contains("unknown health check `health.memroy`")
            && error.contains("memory_available"),
        "{error}"
    );
    let error = parse("[health.fork_pressure]\nwarn_below = 3\n").unwrap_err();
    assert!(
        error.contains("health.fork_pressure: check `fork_pressure` takes warn_above/fail_above"),
        "{error}"
    );
    let error = parse("[health.fork_pressure]\nwarn_abov = 3\n").unwrap_err();
    assert!(error.contains("unknown field `warn_abov`") && error.contains("line 2"), "{error}");
}

#[test]
fn a_renamed_check_is_still_configured_by_its_old_name() {
    let parse = |text: &str| {
        crate::Config::parse(text, "app.toml").map(|c| c.health).map_err(|e| e.to_string())
    };
    let health = parse("[health.host_jobs_overdue]\nwarn_above = 2\n").unwrap(); // rename: keep
    assert_eq!(health.checks["app_jobs_overdue"].warn_above, Some(2.0));
    assert!(!health.checks.contains_key("host_jobs_overdue")); // rename: keep
    let both =
        "[health.host_jobs_overdue]\nenabled = false\n[health.app_jobs_overdue]\nenabled = false\n"; // rename: keep
    let error = parse(both).unwrap_err();
    assert!(error.contains("old name of `health.app_jobs_overdue`"), "{error}");
}
