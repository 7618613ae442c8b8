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

#[test]
fn exit_codes_from_a_server() {
    check(
        "200 OK",
        r#"{"status":"pass","checks":{"memory:available":[{"componentType":"system","observedValue":42.5,"observedUnit":"percent","status":"pass"}]}}"#,
        0,
        "STATUS OK - 1 checks pass | 'memory:available'=42.5%",
    );
    check(
        "200 OK",
        r#"{"status":"warn","checks":{"cpu:load_per_cpu":[{"observedValue":2.5,"observedUnit":"ratio","status":"warn","output":"load per CPU is 2.5, above 2"}]}}"#,
        1,
        "STATUS WARNING - cpu:load_per_cpu warn: load per CPU is 2.5, above 2 | 'cpu:load_per_cpu'=2.5",
    );
    check(
        "503 Service Unavailable",
        r#"{"status":"fail","checks":{"disk:available":[{"componentId":"/var","observedValue":1,"observedUnit":"percent","status":"fail","output":"below 5%"}]}}"#,
        2,
        "STATUS CRITICAL - disk:available:/var fail: below 5% | 'disk:available:/var'=1%",
    );
}

#[test]
fn garbage_and_unreachable_servers_are_unknown() {
    let url = one_shot_server("200 OK", "<html>not json</html>");
    let output = run(&["health", "--url", &url]);
    assert_eq!(output.status.code(), Some(3));
    assert!(
        stdout(&output).starts_with("STATUS UNKNOWN - ")
            && stdout(&output).contains("did not answer health JSON"),
        "{}",
        stdout(&output)
    );

    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let output = run(&["health", "--url", &format!("http://127.0.0.1:{port}")]);
    assert_eq!(output.status.code(), Some(3));
    assert!(
        stdout(&output)
            .starts_with(&format!("STATUS UNKNOWN - cannot connect to 127.0.0.1:{port}")),
        "{}",
        stdout(&output)
    );
}

#[test]
fn exit_codes_from_a_local_collection() {
    let dir = tempfile::tempdir().unwrap();
    // Checks whose verdict depends on this machine's load are off; what is left passes on any machine.
    let calm = dir.path().join("calm.toml");
    std::fs::write(&calm, "[health.load_per_cpu]\nenabled = false\n[health.disk_available]\nenabled = false\n[health.event_loop_lag]\nenabled = false\n[health.memory_available]\nenabled = false\n[health.fork_pressure]\nenabled = false\n").unwrap();
    let output = run(&["health", "--config", calm.to_str().unwrap()]);
    assert_eq!(
        (output.status.code(), stdout(&output).as_str()),
        (Some(0), "STATUS OK - 3 checks pass | 'collectors'=0 'snapshot_fresh'=0")
    );

    // More than 100 % of memory can never be available: critical (a non-critical check warns at most).
    let impossible = dir.path().join("impossible.toml");
    std::fs::write(&impossible, "[health.memory_available]\nfail_below = 101\ncritical = true\n")
        .unwrap();
    let output = run(&["health", "--config", impossible.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    assert!(
        stdout(&output)
            .starts_with("STATUS CRITICAL - memory_available fail: available memory is "),
        "{}",
        stdout(&output)
    );
}
