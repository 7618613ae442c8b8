//! `status-cli deploy record|list` on a real state directory and a real git checkout, and a running
//! `serve` that shows the record on its next collection.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{BIN, http_get, run};

fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.invalid",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .env_remove("GIT_DIR")
        .output()
        .unwrap();
    assert!(output.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

fn lines(output: &std::process::Output) -> Vec<serde_json::Value> {
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[test]
fn a_recorded_deploy_is_listed_and_served() {
    status_testkit::require_tools!("git");
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app");
    std::fs::create_dir(&app).unwrap();
    git(&app, &["init", "-q", "-b", "main"]);
    std::fs::write(app.join("a.txt"), "a").unwrap();
    git(&app, &["add", "a.txt"]);
    git(&app, &["commit", "-q", "-m", "first"]);
    let head = git(&app, &["rev-parse", "HEAD"]);
    let config = dir.path().join("status.toml");
    std::fs::write(
        &config,
        format!(
            "[collect]\ninterval = \"5s\"\n[http]\nbind = \"127.0.0.1:0\"\n[state]\ndir = {:?}\n\
             [deploy]\nrepo = {:?}\n[terminals]\nenabled = false\n",
            dir.path().join("state"),
            app
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap();

    // Default: the checkout's HEAD, now.
    let before = status_model::Timestamp::now();
    let first = lines(&run(&["deploy", "record", "--config", config]));
    assert_eq!(first.len(), 1);
    assert_eq!(first[0]["sha"], head.as_str());
    let at: status_model::Timestamp = first[0]["at"].as_str().unwrap().parse().unwrap();
    // Recorded to the millisecond (rounded, so up to half a millisecond before `before`).
    assert!(at >= before.checked_sub(Duration::from_millis(1)).unwrap(), "{at} < {before}");

    // A one-shot snapshot shows it.
    let snapshot = super::json(&run(&["snapshot", "--config", config, "--section", "deploy"]));
    assert_eq!(snapshot["last_deploy_sha"], head.as_str(), "{snapshot}");
    assert_eq!(snapshot["last_deploy_at"], first[0]["at"], "{snapshot}");

    // A running server shows the next one on its next collection.
    let mut server = Command::new(BIN)
        .args(["serve", "--config", config])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(server.stderr.take().unwrap());
    let addr = loop {
        let mut line = String::new();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "server exited before listening");
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.split('/').next().unwrap().to_owned();
        }
    };
    let second = lines(&run(&[
        "deploy",
        "record",
        "--config",
        config,
        "--sha",
        "ABCDEF0123",
        "--at",
        "2026-03-01T12:00:00Z",
    ]));
    assert_eq!(second[0]["sha"], "abcdef0123");
    assert_eq!(second[0]["at"], "2026-03-01T12:00:00Z");
    let deadline = Instant::now() + Duration::from_secs(15);
    let deploy = loop {
        let (status, body) = http_get(&addr, "/status/deploy");
        let deploy: serde_json::Value = if status == 200 {
            serde_json::from_str(&body).unwrap()
        } else {
            serde_json::Value::Null
        };
        if deploy["last_deploy_sha"] == "abcdef0123" || Instant::now() > deadline {
            break deploy;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let pid = rustix::process::Pid::from_raw(i32::try_from(server.id()).unwrap()).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    assert!(server.wait().unwrap().success());
    assert_eq!(deploy["last_deploy_sha"], "abcdef0123", "{deploy}");
    assert_eq!(deploy["last_deploy_at"], "2026-03-01T12:00:00Z", "{deploy}");

    let listed = lines(&run(&["deploy", "list", "--config", config]));
    assert_eq!(listed, [first[0].clone(), second[0].clone()]);
    let newest = lines(&run(&["deploy", "list", "--config", config, "--limit", "1"]));
    assert_eq!(newest, [second[0].clone()]);

    // Bad input: an error naming what is wrong, and nothing recorded.
    let bad = run(&["deploy", "record", "--config", config, "--sha", "not-hex"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not-hex"), "{bad:?}");
    let bad = run(&["deploy", "record", "--config", config, "--sha", "abcd", "--at", "yesterday"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("RFC 3339"), "{bad:?}");
    assert_eq!(lines(&run(&["deploy", "list", "--config", config])).len(), 2);
}
