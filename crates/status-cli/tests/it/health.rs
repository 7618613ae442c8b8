//! `status-cli health`: the plugin line and exit status, from a server and from a local collection.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::Output;

use super::run;

/// Serves one HTTP response with `status` and `body` to the first client, on a thread.
fn one_shot_server(status: &'static str, body: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut request_line = String::new();
        reader.read_line(&mut request_line).unwrap();
        assert!(request_line.starts_with("GET /health "), "{request_line}");
        loop {
            let mut header = String::new();
            reader.read_line(&mut header).unwrap();
            if header == "\r\n" {
                break;
            }
        }
        write!(stream, "HTTP/1.1 {status}\r\nContent-Type: application/health+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).unwrap();
    });
    url
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).trim_end().to_owned()
}

#[track_caller]
fn check(status: &'static str, body: &'static str, code: i32, line: &str) {
    let url = one_shot_server(status, body);
    let output = run(&["health", "--url", &url]);
    assert_eq!((output.status.code(), stdout(&output).as_str()), (Some(code), line));
}

/// One perfdata item as the plugin guidelines define it: `'label'=value[UOM];[warn];[crit];[min];[max]`.
#[derive(Debug, PartialEq)]
pub(crate) struct Perf {
    pub(crate) label: String,
    pub(crate) value: f64,
    pub(crate) unit: String,
    pub(crate) warn: Option<Range>,
    pub(crate) crit: Option<Range>,
    pub(crate) min: Option<f64>,
    pub(crate) max: Option<f64>,
}

/// A threshold range of the guidelines: `[@]start:end`, `~` for minus infinity, alerting outside.
#[derive(Debug, PartialEq)]
pub(crate) struct Range {
    pub(crate) inside: bool,
    pub(crate) start: Option<f64>,
    pub(crate) end: Option<f64>,
}

impl Range {
    fn parse(text: &str) -> Range {
        let (inside, text) = match text.strip_prefix('@') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let number = |t: &str| -> f64 { t.parse().unwrap_or_else(|_| panic!("bad number {t:?}")) };
        match text.split_once(':') {
            None => Range { inside, start: Some(0.0), end: Some(number(text)) },
            Some(("~", end)) => Range { inside, start: None, end: Some(number(end)) },
            Some((start, "")) => Range { inside, start: Some(number(start)), end: None },
            Some((start, end)) => {
                let range = Range { inside, start: Some(number(start)), end: Some(number(end)) };
                assert!(range.start <= range.end, "start above end in {text:?}");
                range
            }
        }
    }

    /// Whether `value` raises the alert.
    pub(crate) fn alerts(&self, value: f64) -> bool {
        let outside = self.start.is_some_and(|s| value < s) || self.end.is_some_and(|e| value > e);
        outside != self.inside
    }
}

/// Parses the perfdata after ` | ` in a plugin line, failing on anything off the grammar.
pub(crate) fn parse_perfdata(line: &str) -> Vec<Perf> {
    let Some((_, perfdata)) = line.trim_end().split_once(" | ") else { return Vec::new() };
    let mut items = Vec::new();
    let mut rest = perfdata;
    while !rest.is_empty() {
        let (label, after) = if let Some(quoted) = rest.strip_prefix('\'') {
            // A quote inside a quoted label is doubled.
            let mut label = String::new();
            let mut chars = quoted.char_indices();
            let end = loop {
                match chars.next() {
                    Some((i, '\'')) if quoted[i + 1..].starts_with('\'') => {
                        label.push('\'');
                        chars.next();
                    }
                    Some((i, '\'')) => break i + 1,
                    Some((_, c)) => label.push(c),
                    None => panic!("unterminated label in {perfdata:?}"),
                }
            };
            (label, &quoted[end..])
        } else {
            let end = rest.find('=').expect("a label");
            assert!(!rest[..end].contains(' '), "an unquoted label with a space: {rest:?}");
            (rest[..end].to_owned(), &rest[end..])
        };
        assert!(!label.contains('='), "`=` in label {label:?}");
        let after = after.strip_prefix('=').unwrap_or_else(|| panic!("no `=` after {label:?}"));
        let (item, next) = after.split_once(' ').unwrap_or((after, ""));
        rest = next;
        let fields: Vec<&str> = item.split(';').collect();
        assert!(fields.len() <= 5, "too many fields in {item:?}");
        let number_end = fields[0]
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
            .unwrap_or(fields[0].len());
        let (value, unit) = fields[0].split_at(number_end);
        assert!(
            ["", "s", "ms", "us", "%", "B", "KB", "MB", "TB", "c"].contains(&unit),
            "unit {unit:?} is not one of the guidelines'"
        );
        let field = |i: usize| fields.get(i).copied().filter(|f| !f.is_empty());
        let plain = |i: usize| {
            field(i).map(|f| f.parse::<f64>().unwrap_or_else(|_| panic!("min/max {f:?}")))
        };
        items.push(Perf {
            label,
            value: value.parse().unwrap_or_else(|_| panic!("value {value:?} in {item:?}")),
            unit: unit.to_owned(),
            warn: field(1).map(Range::parse),
            crit: field(2).map(Range::parse),
            min: plain(3),
            max: plain(4),
        });
    }
    items
}

/// The perfdata labels of a plugin line.
pub(crate) fn labels(line: &str) -> Vec<String> {
    parse_perfdata(line).into_iter().map(|perf| perf.label).collect()
}

#[test]
fn the_test_parser_follows_the_guidelines() {
    let items = parse_perfdata("X OK - y | 'a b''c'=1.5%;~:2;@3:4;0;100 d=2 'e'=-1s;5:");
    assert_eq!(items.len(), 3);
    assert_eq!(items[0].label, "a b'c");
    assert_eq!((items[0].value, items[0].unit.as_str()), (1.5, "%"));
    assert!(
        items[0].warn.as_ref().unwrap().alerts(2.5)
            && !items[0].warn.as_ref().unwrap().alerts(-9.0)
    );
    assert!(
        items[0].crit.as_ref().unwrap().alerts(3.5) && !items[0].crit.as_ref().unwrap().alerts(5.0)
    );
    assert_eq!((items[0].min, items[0].max), (Some(0.0), Some(100.0)));
    assert_eq!((items[1].label.as_str(), items[1].warn.is_none()), ("d", true));
    assert!(items[2].warn.as_ref().unwrap().alerts(4.0));
    assert!(Range::parse("10").alerts(11.0) && Range::parse("10").alerts(-1.0));
}

#[test]
fn exit_codes_from_a_server() {
    check(
        "200 OK",
        r#"{"status":"pass","serviceId":"agent-host","checks":{"memory:available":[{"componentType":"system","observedValue":42.5,"observedUnit":"percent","status":"pass","thresholds":{"warn_below":10,"fail_below":5}}]}}"#,
        0,
        "agent-host OK - 1 check passes | 'memory_available'=42.5%;10:;5:;0;100",
    );
    check(
        "200 OK",
        r#"{"status":"warn","checks":{"cpu:load_per_cpu":[{"observedValue":2.5,"observedUnit":"ratio","status":"warn","output":"load per CPU is 2.5, above 2"}]}}"#,
        1,
        "STATUS WARNING - load_per_cpu warn: load per CPU is 2.5, above 2 | 'load_per_cpu'=2.5",
    );
    check(
        "503 Service Unavailable",
        r#"{"status":"fail","checks":{"disk:available":[{"componentId":"/var","observedValue":1,"observedUnit":"percent","status":"fail","output":"below 5%"}]}}"#,
        2,
        "STATUS CRITICAL - disk_available:/var fail: below 5% | 'disk_available:/var'=1%;;;0;100",
    );
}

#[test]
fn answers_that_are_not_a_verdict_are_unknown_with_their_reason() {
    let unknown = |status: &'static str, body: &'static str, reason: &str| {
        let url = one_shot_server(status, body);
        let output = run(&["health", "--url", &url]);
        assert_eq!(output.status.code(), Some(3), "{status}");
        let line = stdout(&output);
        assert!(line.starts_with("STATUS UNKNOWN - ") && line.contains(reason), "{line}");
    };
    unknown("401 Unauthorized", r#"{"error":"unauthorized"}"#, "unauthorized: ");
    unknown("403 Forbidden", "", "unauthorized: ");
    unknown("404 Not Found", "<h1>nope</h1>", "404 Not Found for /health: not a status server?");
    let no_checks = r#"{"error":"no health checks are configured"}"#;
    unknown(
        "404 Not Found",
        no_checks,
        "404 Not Found for /health: no health checks are configured",
    );
    unknown("500 Internal Server Error", "", "answered HTTP 500");
    unknown("200 OK", r#"{"status":"pass"}"#, "unauthorized: ");
    unknown(
        "503 Service Unavailable",
        r#"{"status":"fail","output":"no snapshot yet"}"#,
        "no snapshot yet",
    );
    unknown("200 OK", r#"{"hello":"world"}"#, "answered no health status");
}

#[test]
fn usage_errors_are_unknown() {
    let output = run(&["health", "--no-such-flag"]);
    assert_eq!(output.status.code(), Some(3));
    assert!(stdout(&output).starts_with("STATUS UNKNOWN - usage: "), "{}", stdout(&output));
    let output = run(&["-q", "health", "--timeout", "soon"]);
    assert_eq!(output.status.code(), Some(3), "a bad value too, after a global flag");
    let output = run(&["snapshot", "--no-such-flag"]);
    assert_eq!(output.status.code(), Some(2), "other commands keep clap's usage status");
    let output = run(&["health", "--help"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stdout).contains("STATUS_TOKEN"), "env vars in --help");
}

#[test]
fn exit_codes_from_a_local_collection() {
    let dir = tempfile::tempdir().unwrap();
    // Checks whose verdict depends on this machine's load are off; what is left passes on any machine.
    let calm = dir.path().join("calm.toml");
    std::fs::write(&calm, "[health.load_per_cpu]\nenabled = false\n[health.disk_available]\nenabled = false\n[health.event_loop_lag]\nenabled = false\n[health.memory_available]\nenabled = false\n[health.fork_pressure]\nenabled = false\n[health.pressure]\nenabled = false\n[health.cpu_throttled]\nenabled = false\n[health.oom_kills]\nenabled = false\n").unwrap();
    let output = run(&["health", "--config", calm.to_str().unwrap()]);
    assert_eq!(
        (output.status.code(), stdout(&output).as_str()),
        (Some(0), "status-cli OK - 3 checks pass | 'collectors'=0 'snapshot_fresh'=0;;~:3")
    );

    // More than 100 % of memory can never be available: critical (a non-critical check warns at most).
    let impossible = dir.path().join("impossible.toml");
    std::fs::write(&impossible, "[health.memory_available]\nfail_below = 101\ncritical = true\n")
        .unwrap();
    let output = run(&["health", "--config", impossible.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    let line = stdout(&output);
    assert!(
        line.starts_with("status-cli CRITICAL - memory_available fail: available memory is "),
        "{line}"
    );
    // Its perfdata carries the thresholds, and they agree with the verdict.
    let memory = parse_perfdata(&line).into_iter().find(|p| p.label == "memory_available").unwrap();
    assert_eq!((memory.unit.as_str(), memory.min, memory.max), ("%", Some(0.0), Some(100.0)));
    let crit = memory.crit.expect("the fail threshold");
    assert_eq!((crit.start, crit.end), (Some(101.0), None));
    assert!(crit.alerts(memory.value), "{line}");
}
