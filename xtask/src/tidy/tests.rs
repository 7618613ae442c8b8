//! The tidy tests: every Rust file has a `//!` doc and at most 400 lines; dependencies between the
//! crates point down only; status-model stays free of async runtimes, HTTP and databases.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The layers, bottom first. A crate may depend on crates of lower layers only.
const LAYERS: &[&str] =
    &["status-model", "status-deps", "status-collect", "status-http", "status-cli"];

/// Crates status-model must not pull in, directly or transitively.
const NOT_IN_MODEL: &[&str] = &["tokio", "hyper", "sqlx", "sysinfo", "tracing", "gix"];

const MAX_LINES: usize = 400;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy();
        if path.is_dir() {
            if name != "target" && !name.starts_with('.') {
                rust_files(&path, files);
            }
        } else if name.ends_with(".rs") {
            files.push(path);
        }
    }
}

#[test]
fn every_file_has_a_doc_and_stays_short() {
    let root = root();
    let mut files = Vec::new();
    for dir in ["crates", "examples", "tests", "xtask"] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 20, "found only {} files", files.len());
    let mut problems = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let shown = file.strip_prefix(&root).unwrap().display();
        if !text.trim_start().starts_with("//!") {
            problems.push(format!("{shown}: does not start with a `//!` doc comment"));
        }
        let lines = text.lines().count();
        if lines > MAX_LINES {
            problems.push(format!("{shown}: {lines} lines, more than {MAX_LINES}"));
        }
    }
    assert!(problems.is_empty(), "tidy:\n{}", problems.join("\n"));
}

#[expect(
    clippy::disallowed_methods,
    reason = "the layering check asks cargo for the dependency graph"
)]
fn metadata() -> serde_json::Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        // Only this platform's packages: the others need not be downloaded to check the layering.
        .args(["metadata", "--format-version", "1", "--filter-platform", env!("TIDY_TARGET")])
        .current_dir(root())
        .output()
        .expect("cargo metadata runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn dependencies_point_down_only() {
    let metadata = metadata();
    let mut problems = Vec::new();
    for package in metadata["packages"].as_array().unwrap() {
        let name = package["name"].as_str().unwrap();
        let Some(layer) = LAYERS.iter().position(|l| *l == name) else { continue };
        for dep in package["dependencies"].as_array().unwrap() {
            let dep_name = dep["name"].as_str().unwrap();
            // A dev-dependency on itself only turns its features on for its own tests.
            if dep_name == name && dep["kind"].as_str() == Some("dev") {
                continue;
            }
            if let Some(dep_layer) = LAYERS.iter().position(|l| *l == dep_name)
                && dep_layer >= layer
            {
                problems.push(format!("{name} depends on {dep_name}: an upward or sideways edge"));
            }
        }
    }
    assert!(problems.is_empty(), "layering:\n{}", problems.join("\n"));
}

#[test]
fn status_model_stays_pure() {
    let metadata = metadata();
    let ids: BTreeMap<&str, &str> = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    let nodes: BTreeMap<&str, &serde_json::Value> = metadata["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["id"].as_str().unwrap(), n))
        .collect();
    let model = ids.iter().find(|(_, name)| **name == "status-model").map(|(id, _)| *id).unwrap();
    // Walk normal (non-dev, non-build) dependencies from status-model.
    let mut seen = BTreeSet::new();
    let mut stack = vec![model];
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        for dep in nodes[id]["deps"].as_array().unwrap() {
            let normal = dep["dep_kinds"].as_array().unwrap().iter().any(|k| k["kind"].is_null());
            if normal {
                stack.push(dep["pkg"].as_str().unwrap());
            }
        }
    }
    let names: BTreeSet<&str> = seen.iter().map(|id| ids[id]).collect();
    assert!(names.contains("serde"), "the walk found status-model's dependencies: {names:?}");
    let forbidden: Vec<&&str> = NOT_IN_MODEL.iter().filter(|name| names.contains(**name)).collect();
    assert!(forbidden.is_empty(), "status-model depends on {forbidden:?} (through {names:?})");
}

/// The normal dependencies `cargo tree` lists for the facade crate `status` with `features` only.
#[expect(
    clippy::disallowed_methods,
    reason = "the feature check asks cargo for the dependency tree"
)]
fn facade_tree(features: &str) -> BTreeSet<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["tree", "-p", "status", "--no-default-features", "--features", features])
        .args([
            "-e",
            "normal",
            "--prefix",
            "none",
            "--format",
            "{p}",
            "--target",
            env!("TIDY_TARGET"),
        ])
        .current_dir(root())
        .output()
        .expect("cargo tree runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next().map(str::to_owned))
        .collect()
}

#[test]
fn a_facade_feature_left_off_compiles_none_of_its_crates() {
    let minimal = facade_tree("http");
    assert!(minimal.contains("status-http") && minimal.contains("hyper"), "{minimal:?}");
    let git: Vec<&String> = minimal.iter().filter(|name| name.starts_with("gix")).collect();
    assert!(git.is_empty(), "`status` without the `git` feature compiles {git:?}");
    let sqlite: Vec<&String> = minimal
        .iter()
        .filter(|name| name.starts_with("sqlx") || *name == "libsqlite3-sys")
        .collect();
    assert!(sqlite.is_empty(), "`status` without the `sqlite` feature compiles {sqlite:?}");
    assert!(
        !minimal.contains("tracing-subscriber"),
        "`status` without the `diagnostics` feature compiles tracing-subscriber: {minimal:?}"
    );
    let diagnostics = facade_tree("http,diagnostics");
    assert!(diagnostics.contains("tracing-subscriber"), "{diagnostics:?}");
    let full = facade_tree("http,git,sqlite,docker,diagnostics");
    assert!(full.contains("gix"), "the `git` feature compiles gix: {full:?}");
    assert!(
        full.contains("sqlx") && full.contains("libsqlite3-sys"),
        "the `sqlite` feature compiles sqlx and SQLite: {full:?}"
    );
    assert!(!facade_tree("git").contains("status-http"), "`http` left off compiles status-http");
}

/// The ordering file of the release layout (crates/status-cli/build.rs): one linker symbol per
/// line, each once, naming this workspace's code (a file made from another program orders nothing).
#[test]
fn the_symbol_order_file_is_one_symbol_per_line() {
    let path = root().join("crates/status-cli/symbol-order.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    let names: Vec<&str> = text.lines().collect();
    assert!(names.len() > 500, "{}: only {} names", path.display(), names.len());
    let mut seen = BTreeSet::new();
    for name in &names {
        assert!(!name.is_empty() && !name.contains(char::is_whitespace), "bad line {name:?}");
        assert!(seen.insert(*name), "{name} is listed twice");
    }
    for own in ["status_collect", "status_http", "status_cli"] {
        assert!(names.iter().any(|name| name.contains(own)), "no function of {own} is listed");
    }
}
