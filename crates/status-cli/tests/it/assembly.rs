//! One assembly path: `status-cli snapshot` reports the sections a `Status` with the same
//! configuration reports (`serve`, a host), over every example configuration: the embedded
//! default, `status.example.toml`, the README's configuration blocks and the databases example.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use status_collect::{Config, Status};

/// The sections of one snapshot, by name.
type Sections = BTreeSet<String>;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `text` with what would reach outside the test moved into `dir`: the state and files
/// directories and the workers socket. Hooks are removed (they would run commands and post to
/// URLs); they add no section.
fn hermetic(text: &str, dir: &Path) -> String {
    let mut config: toml::Table = text.parse().expect("an example is TOML");
    config.remove("hooks");
    let mut set = |table: &str, key: &str, value: PathBuf, always: bool| {
        let entry = config.entry(table).or_insert_with(|| toml::Table::new().into());
        let table = entry.as_table_mut().expect("a table");
        if always || table.contains_key(key) {
            table.insert(key.to_owned(), value.display().to_string().into());
        }
    };
    set("state", "dir", dir.join("state"), true);
    set("files", "dir", dir.join("files"), false);
    set("workers", "socket", dir.join("workers.sock"), false);
    toml::to_string(&config).unwrap()
}

/// The sections `status-cli snapshot --config <file>` reports, with the ones it left out on
/// purpose: without a `[target]`, exactly `process` and `runtime`, which would describe only the
/// short-lived command.
#[expect(clippy::disallowed_methods, reason = "the test runs the CLI binary")]
fn from_the_command_line(file: &Path) -> Sections {
    let output = Command::new(crate::BIN)
        .args(["snapshot", "--config", file.to_str().unwrap()])
        .output()
        .expect("status-cli runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stdout));
    let snapshot = crate::json(&output);
    let mut sections: Sections =
        snapshot["collection"]["sections"].as_object().unwrap().keys().cloned().collect();
    let left_out: Sections = snapshot["collection"]["left_out"]
        .as_object()
        .map(|left_out| left_out.keys().cloned().collect())
        .unwrap_or_default();
    let targeted = Config::load(file).unwrap().target.pid.is_some();
    let expected: Sections = if targeted { Sections::new() } else { one_shot_leaves_out() };
    assert_eq!(left_out, expected, "{}", snapshot["collection"]);
    for section in &left_out {
        assert!(snapshot.get(section).is_none(), "`{section}` left out, yet in the snapshot");
    }
    sections.extend(left_out);
    sections
}

/// What a one-shot run without a `[target]` leaves out.
fn one_shot_leaves_out() -> Sections {
    ["process", "runtime"].into_iter().map(String::from).collect()
}

/// The sections the first collection of a `Status` started with `file` reports.
async fn from_a_status(file: &Path) -> Sections {
    let config = Config::load(file).unwrap();
    let status = Status::builder().config(config).spawn().unwrap();
    let snapshot = status.collect_now().await;
    status.shutdown().await;
    snapshot.collection.sections.keys().cloned().collect()
}

/// Every example configuration, with its name: every `*.toml` at the top that is a configuration
/// (`status.example.toml`), and every block of the Markdown at the top and in `docs/` that is one
/// (not the README's `[dependencies]` block).
fn examples() -> Vec<(String, String)> {
    let mut examples = vec![("the embedded default".to_owned(), String::new())];
    let mut markdown = Vec::new();
    for dir in [root(), root().join("docs")] {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            match path.extension().and_then(|extension| extension.to_str()) {
                Some("toml") => {
                    let text = std::fs::read_to_string(&path).unwrap();
                    if Config::parse(&text, &name).is_ok() {
                        examples.push((name, text));
                    }
                }
                Some("md") => markdown.push(path),
                _ => {}
            }
        }
    }
    assert!(
        examples.iter().any(|(name, _)| name == "status.example.toml"),
        "status.example.toml is a configuration"
    );
    let mut blocks = 0;
    for path in markdown {
        blocks += markdown_examples(&path, &mut examples);
    }
    assert!(blocks >= 1, "the README has a configuration block");
    examples
}

/// Adds `path`'s TOML blocks that are configurations to `examples`; returns how many.
fn markdown_examples(path: &Path, examples: &mut Vec<(String, String)>) -> usize {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let readme = std::fs::read_to_string(path).unwrap();
    let mut block: Option<String> = None;
    let mut blocks = 0;
    for line in readme.lines() {
        match &mut block {
            None if line.starts_with("```toml") => block = Some(String::new()),
            None => {}
            Some(text) if line.starts_with("```") => {
                if Config::parse(text, &name).is_ok() {
                    blocks += 1;
                    examples.push((format!("{name} block {blocks}"), text.clone()));
                }
                block = None;
            }
            Some(text) => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    blocks
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_and_a_status_report_the_same_sections_for_every_example() {
    for (name, text) in examples() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("status.toml");
        std::fs::write(&file, hermetic(&text, dir.path())).unwrap();
        let command_line = from_the_command_line(&file);
        let status = from_a_status(&file).await;
        assert_eq!(command_line, status, "{name}: `snapshot` and a `Status` differ");
        for section in ["sidecars", "pipeline", "service", "host"] {
            assert!(command_line.contains(section), "{name}: no `{section}` in {command_line:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_and_a_status_report_the_same_sections_for_the_databases_example() {
    status_testkit::require_tools!("sqlite3");
    let example = crate::example::example(3, 1);
    let command_line = from_the_command_line(&example.config());
    let status = from_a_status(&example.config()).await;
    assert_eq!(command_line, status);
    assert!(
        command_line.contains("broker") && command_line.contains("messages"),
        "{command_line:?}"
    );
}

#[test]
fn a_one_shot_snapshot_describes_its_target_and_leaves_itself_out_without_one() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("status.toml");
    let state = format!("[state]\ndir = {:?}\n", dir.path().join("state"));
    std::fs::write(&file, &state).unwrap();
    let args = ["snapshot", "--no-pipeline", "--config", file.to_str().unwrap()];
    let alone = crate::json(&crate::run(&args));
    let left_out = &alone["collection"]["left_out"];
    for section in one_shot_leaves_out() {
        assert!(alone.get(&section).is_none(), "{section} describes the command itself");
        let reason = left_out[&section].as_str().unwrap_or_default();
        assert!(reason.contains("set [target]"), "{left_out}");
        assert!(alone["collection"]["sections"].get(&section).is_none(), "{alone}");
    }
    let text = crate::run(&[
        "snapshot",
        "--no-pipeline",
        "--format",
        "text",
        "--config",
        file.to_str().unwrap(),
    ]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("Left out: process, runtime"), "{text}");
    // With a target (this test process), `process` describes it, and nothing is left out.
    let targeted = format!("{state}[target]\npid = {}\n", std::process::id());
    std::fs::write(&file, targeted).unwrap();
    let described = crate::json(&crate::run(&args));
    assert!(described["collection"].get("left_out").is_none(), "{}", described["collection"]);
    assert_eq!(described["process"]["pid"], std::process::id(), "{}", described["process"]);
}

#[test]
fn a_one_shot_snapshot_counts_nothing_run_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("status.toml");
    // Written as is: `hermetic` would remove the hook. It never runs: the first run has no previous
    // snapshot to differ from, and the pipeline runs after the snapshot its section is part of.
    let config = format!(
        "[[hooks.on_change]]\ncommand = [\"/bin/true\"]\n[workers]\nsocket = {:?}\n[state]\ndir = {:?}\n",
        dir.path().join("workers.sock"),
        dir.path().join("state"),
    );
    std::fs::write(&file, config).unwrap();
    let snapshot = crate::json(&crate::run(&["snapshot", "--config", file.to_str().unwrap()]));
    let sections = &snapshot["collection"]["sections"];
    assert_eq!(sections["pipeline"]["outcome"], "ok", "{sections}");
    assert_eq!(snapshot["pipeline"]["snapshots_total"], 0, "{snapshot}");
    assert_eq!(snapshot["pipeline"]["hooks_configured"], 1, "{snapshot}");
    // The workers socket is not listened on (a server may hold it), and says so.
    assert!(!dir.path().join("workers.sock").exists(), "a one-shot snapshot listened");
    let unmeasured = &sections["workers"]["unmeasured"]["socket"];
    assert!(unmeasured.as_str().unwrap().contains("not listened for"), "{sections}");
    assert_eq!(sections["metrics"]["outcome"], "ok", "{sections}");
}
