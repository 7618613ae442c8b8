//! The README's embedding example as a host would paste it: its `toml` and `rust` blocks become a new
//! crate outside the workspace (the `status` path pointed at this checkout), which is built, run with
//! no config file, and asked for `/status`; then built again with `default-features = false,
//! features = ["http"]`, where a `[[repos]]` table is refused naming the `git` feature.
//!
//! The builds share the workspace's target dir, so only the example and the crates whose features
//! differ are compiled.

#![expect(clippy::disallowed_methods, reason = "the test runs cargo and the example as children")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

/// The first fenced block whose info string starts with `lang`, after `## Embedding`.
fn block(readme: &str, lang: &str) -> String {
    let section = &readme[readme.find("\n## Embedding\n").expect("README has `## Embedding`")..];
    let mut lines = section.lines().skip_while(|line| {
        line.strip_prefix("```").is_none_or(|info| info.split(',').next() != Some(lang))
    });
    assert!(lines.next().is_some(), "no ```{lang} block in the README's embedding section");
    let body: Vec<&str> = lines.take_while(|line| !line.starts_with("```")).collect();
    body.join("\n") + "\n"
}

/// The README's `[dependencies]` with `status` at this checkout, `status_options` added to its table.
fn dependencies(readme: &str, status_options: &str) -> String {
    let facade = root().join("crates/status");
    let toml = block(readme, "toml");
    let line = toml.lines().find(|line| line.starts_with("status = {")).expect("a `status` line");
    let options = format!(r#"status = {{ path = "{}"{status_options} }}"#, facade.display());
    toml.replace(line, &options)
}

/// Writes the example crate `name` into `dir`, with `status_options` on its `status` dependency.
fn write_crate(dir: &Path, name: &str, status_options: &str) {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let manifest = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\
         publish = false\n\n[workspace]\n\n{}",
        dependencies(&readme, status_options)
    );
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    std::fs::write(dir.join("src/main.rs"), block(&readme, "rust")).unwrap();
    // The workspace's versions, so nothing new is resolved or downloaded.
    std::fs::copy(root().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
}

/// Builds the crate `name` in `dir` into the workspace's target dir; returns the binary.
fn build(dir: &Path, name: &str) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let target = root().join("target");
    let output = Command::new(cargo)
        .args(["build", "--offline", "--quiet"])
        .env("CARGO_TARGET_DIR", &target)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(output.status.success(), "cargo build:\n{}", String::from_utf8_lossy(&output.stderr));
    target.join("debug").join(name)
}

/// Kills the example when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `GET path` over HTTP/1.0: the status code and the body.
fn get(addr: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.take(16 << 20).read_to_string(&mut response).unwrap();
    let code = response.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
    let body = response.split_once("\r\n\r\n").map(|(_, body)| body.to_owned()).unwrap_or_default();
    (code, body)
}

#[test]
fn the_readme_example_builds_and_serves_status_with_no_config_file() {
    let dir = tempfile::tempdir().unwrap();
    write_crate(dir.path(), "readme-example", "");
    let binary = build(dir.path(), "readme-example");
    // An empty working dir: no `status.toml`, so the defaults (127.0.0.1:8484).
    let cwd = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let mut example = Running(
        Command::new(&binary)
            .current_dir(cwd.path())
            .env("XDG_STATE_HOME", state.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(example.0.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url =
        line.trim().strip_prefix("serving http://").expect("the example says where it serves");
    let addr = url.strip_suffix("/status").unwrap();
    assert_eq!(addr, "127.0.0.1:8484", "the default address");
    let started = Instant::now();
    let (code, body) = loop {
        let (code, body) = get(addr, "/status");
        // 503 until the first collection is published.
        if code != 503 || started.elapsed() > Duration::from_secs(30) {
            break (code, body);
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(code, 200, "{body}");
    let snapshot: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(snapshot["sessions"]["active_sessions"], 1, "{snapshot}");
    assert_eq!(snapshot["channels"]["telegram"]["connected"], true, "{snapshot}");
    assert!(snapshot["process"]["pid"].is_u64(), "{snapshot}");
}

#[test]
fn the_readme_example_builds_with_http_only_and_refuses_the_tables_of_the_features_left_off() {
    let dir = tempfile::tempdir().unwrap();
    let options = r#", default-features = false, features = ["http"]"#;
    write_crate(dir.path(), "readme-example-http", options);
    let binary = build(dir.path(), "readme-example-http");
    let cwd = tempfile::tempdir().unwrap();
    std::fs::write(cwd.path().join("status.toml"), "[[repos]]\npath = \".\"\n").unwrap();
    let output = Command::new(&binary).current_dir(cwd.path()).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("this build was made without the `git` feature"), "{stderr}");
    assert!(stderr.contains("[[repos]]"), "{stderr}");
    // Without `sqlite`: no host databases, no history, no deploy records.
    for (config, table) in [
        ("[[databases]]\nname = \"app\"\nurl = \"app.db\"\n", "[[databases]]"),
        ("[history]\nenabled = true\n", "[history] enabled = true"),
    ] {
        std::fs::write(cwd.path().join("status.toml"), config).unwrap();
        let output = Command::new(&binary).current_dir(cwd.path()).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{stderr}");
        assert!(stderr.contains("this build was made without the `sqlite` feature"), "{stderr}");
        assert!(stderr.contains(table), "{stderr}");
    }
    // Without `docker` and `diagnostics`: no containers, no heartbeats or trace buffer.
    for (config, table, feature) in [
        ("[containers]\nnames = [\"db\"]\n", "[containers]", "docker"),
        ("[workers]\nstale_after_intervals = 5\n", "[workers]", "diagnostics"),
        ("[traces]\nmax_events = 10\n", "[traces]", "diagnostics"),
    ] {
        std::fs::write(cwd.path().join("status.toml"), config).unwrap();
        let output = Command::new(&binary).current_dir(cwd.path()).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{stderr}");
        let expected = format!("this build was made without the `{feature}` feature");
        assert!(stderr.contains(&expected), "{stderr}");
        assert!(stderr.contains(table), "{stderr}");
    }
}
