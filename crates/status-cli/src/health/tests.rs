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
    }
}

#[test]
fn ok_lists_the_count_and_perfdata() {
    let lines = [
        line("memory_available", HealthStatus::Pass, "fine", Some(42.5), Some("percent")),
        line("shutting_down", HealthStatus::Pass, "running", None, None),
    ];
    assert_eq!(
        format_line(HealthStatus::Pass, &lines),
        (OK, "STATUS OK - 2 checks pass | 'memory_available'=42.5%".to_owned())
    );
}

#[test]
fn failing_checks_are_named_worst_first() {
    let lines = [
        line(
            "load_per_cpu",
            HealthStatus::Warn,
            "load per CPU is 2.5, above 2",
            Some(2.5),
            Some("ratio"),
        ),
        line(
            "disk_available:/var",
            HealthStatus::Fail,
            "available space on /var is 1%, below 5%",
            Some(1.0),
            Some("percent"),
        ),
    ];
    let (code, text) = format_line(HealthStatus::Fail, &lines);
    assert_eq!(code, CRITICAL);
    assert_eq!(
        text,
        "STATUS CRITICAL - disk_available:/var fail: available space on /var is 1%, below 5%; load_per_cpu warn: load per CPU is 2.5, above 2 | 'load_per_cpu'=2.5 'disk_available:/var'=1%"
    );
}

#[test]
fn a_pipe_in_a_message_cannot_start_perfdata() {
    let lines = [line("x", HealthStatus::Warn, "a | b", None, None)];
    assert_eq!(format_line(HealthStatus::Warn, &lines).1, "STATUS WARNING - x warn: a / b");
}
