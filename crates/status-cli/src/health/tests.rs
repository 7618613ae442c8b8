//! Tests of the plugin line's format.

use super::*;

fn line(
    label: &str,
    status: HealthStatus,
    message: &str,
    value: Option<f64>,
    unit: Option<&str>,
) -> Line {
    Line {
        label: label.into(),
        status,
        message: Some(message.into()),
        value,
        unit: unit.map(str::to_owned),
        limits: Limits::default(),
    }
}

fn verdict(status: HealthStatus, lines: Vec<Line>) -> Verdict {
    Verdict { service: Some("agent-host".into()), status, lines }
}

#[test]
fn ok_names_the_service_and_counts_the_checks() {
    let mut memory =
        line("memory_available", HealthStatus::Pass, "fine", Some(42.5), Some("percent"));
    memory.limits = Limits { warn_below: Some(10.0), fail_below: Some(5.0), ..Limits::default() };
    let lines = vec![memory, line("shutting_down", HealthStatus::Pass, "running", None, None)];
    assert_eq!(
        format_line(&verdict(HealthStatus::Pass, lines)),
        (OK, "agent-host OK - 2 checks pass | 'memory_available'=42.5%;10:;5:;0;100".to_owned())
    );
}

#[test]
fn failing_checks_are_named_worst_first() {
    let mut load = line(
        "load_per_cpu",
        HealthStatus::Warn,
        "load per CPU is 2.5, above 2",
        Some(2.5),
        Some("ratio"),
    );
    load.limits = Limits { warn_above: Some(2.0), fail_above: Some(4.0), ..Limits::default() };
    let lines = vec![
        load,
        line(
            "disk_available:/var",
            HealthStatus::Fail,
            "available space on /var is 1%, below 5%",
            Some(1.0),
            Some("percent"),
        ),
    ];
    let (code, text) = format_line(&verdict(HealthStatus::Fail, lines));
    assert_eq!(code, CRITICAL);
    assert_eq!(
        text,
        "agent-host CRITICAL - disk_available:/var fail: available space on /var is 1%, below 5%; load_per_cpu warn: load per CPU is 2.5, above 2 | 'load_per_cpu'=2.5;~:2;~:4 'disk_available:/var'=1%;;;0;100"
    );
}

#[test]
fn a_pipe_or_a_newline_in_a_message_cannot_start_perfdata() {
    let lines = vec![line("x", HealthStatus::Warn, "a | b\nc", None, None)];
    assert_eq!(
        format_line(&verdict(HealthStatus::Warn, lines)).1,
        "agent-host WARNING - x warn: a / b c"
    );
    assert_eq!(unknown(None, "a|b"), (UNKNOWN, "STATUS UNKNOWN - a/b".to_owned()));
}

#[test]
fn ranges_alert_outside_the_limits() {
    assert_eq!(range(None, None), "");
    assert_eq!(range(None, Some(90.0)), "~:90");
    assert_eq!(range(Some(5.0), None), "5:");
    assert_eq!(range(Some(0.5), Some(2.25)), "0.5:2.25");
}

#[test]
fn quotes_in_labels_are_doubled() {
    let odd = line("it's=odd", HealthStatus::Pass, "", Some(1.0), None);
    assert_eq!(perfdata(&odd).unwrap(), "'it''s_odd'=1");
}

#[test]
fn one_check_and_its_items() {
    let lines = || {
        vec![
            line("disk_available:/", HealthStatus::Pass, "", Some(50.0), Some("percent")),
            line("disk_available:/var", HealthStatus::Warn, "low", Some(9.0), Some("percent")),
            line("disk_available_x", HealthStatus::Fail, "other", None, None),
            line("load_per_cpu", HealthStatus::Fail, "high", Some(9.0), None),
        ]
    };
    let disks = only(verdict(HealthStatus::Fail, lines()), "disk_available").unwrap();
    assert_eq!(disks.status, HealthStatus::Warn, "the worst of the check's items only");
    let labels: Vec<&str> = disks.lines.iter().map(|line| line.label.as_str()).collect();
    assert_eq!(labels, ["disk_available:/", "disk_available:/var"]);
    let (service, reason) = only(verdict(HealthStatus::Fail, lines()), "nope").unwrap_err();
    assert_eq!(service.as_deref(), Some("agent-host"));
    assert!(reason.starts_with("no check named `nope`; the checks are disk_available:/,"));
}
