//! The tidy test of status-collect's module layers: an import inside the crate points down or
//! sideways, never up (ARCHITECTURE.md, "Layers of status-collect"), and the engine knows only
//! collectors.

use std::collections::BTreeMap;
use std::path::Path;

/// status-collect's top-level modules by layer, bottom first. A module may import modules of its
/// own layer and of the layers below, never of one above. A new module is placed here.
const LAYERS: &[(&str, &[&str])] = &[
    ("leaves", &["time", "collector", "command", "http", "private_fs", "procfs"]),
    ("helpers", &["task", "health"]),
    ("configuration", &["config"]),
    (
        "data and I/O",
        &[
            "cache",
            "change",
            "diagnostics",
            "docker",
            "git",
            "database",
            "layouts",
            "store",
            "files",
            "history",
            "hooks",
        ],
    ),
    ("collectors and their assembly", &["collectors"]),
    ("engine and loop", &["engine", "runner", "refresh"]),
    ("after collection", &["pipeline"]),
    ("the host's entry point", &["status"]),
];

/// All the engine may import: it runs [`Collector`]s and evaluates health, and knows nothing of
/// which collectors exist or of the configuration.
const ENGINE_IMPORTS: &[&str] = &["collector", "health", "task", "time"];

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, modules)| modules.contains(&module))
}

/// The module path of a file under `src/`: `collectors/host.rs` is `[collectors, host]`.
fn module_path(relative: &str) -> Vec<String> {
    let path = relative.trim_end_matches(".rs");
    if path == "lib" {
        return Vec::new();
    }
    path.split('/').map(str::to_owned).collect()
}

fn identifier(text: &str) -> &str {
    let end = text.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(text.len());
    &text[..end]
}

/// The first path segment of each item of a `{a::b, c, d::{e}}` group that `text` starts inside.
fn group_heads(text: &str) -> Vec<&str> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (at, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                heads.push(identifier(text[start..].trim_start()));
                return heads;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                heads.push(identifier(text[start..].trim_start()));
                start = at + 1;
            }
            _ => {}
        }
    }
    heads
}

/// The top-level modules a file at `module` (its module path) names through `crate::` or enough
/// `super::` to reach the crate root. Comments and an inline test module are left out.
fn imports(module: &[String], text: &str) -> Vec<String> {
    let code: String = text
        .split("#[cfg(test)]\nmod tests {")
        .next()
        .unwrap_or_default()
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = Vec::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find(['c', 's']) {
        let before = code.len() - rest.len() + at;
        let preceded =
            code[..before].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_');
        let tail = &rest[at..];
        let (target, after) = if let Some(after) = tail.strip_prefix("crate::") {
            (Some(0), after)
        } else if tail.starts_with("super::") {
            let mut after = tail;
            let mut up = 0;
            while let Some(next) = after.strip_prefix("super::") {
                after = next;
                up += 1;
            }
            ((up == module.len()).then_some(0), after)
        } else {
            (None, "")
        };
        rest = &tail[1..];
        if preceded || target.is_none() {
            continue;
        }
        if let Some(group) = after.strip_prefix('{') {
            found.extend(
                group_heads(group).into_iter().filter(|head| !head.is_empty()).map(str::to_owned),
            );
        } else {
            found.push(identifier(after).to_owned());
        }
    }
    found
}

/// What is wrong with these files (path under `src/` → text): climbing imports, a module in no
/// layer, a name taken through the crate root, the engine importing more than collectors.
fn problems(files: &BTreeMap<String, String>) -> Vec<String> {
    let mut problems = Vec::new();
    for (path, text) in files {
        let module = module_path(path);
        let Some(top) = module.first() else { continue };
        let Some(own) = layer(top) else {
            problems.push(format!("{path}: module `{top}` is in no layer of tidy/layers.rs"));
            continue;
        };
        for name in imports(&module, text) {
            if name == *top || name == "self" {
                continue;
            }
            let Some(theirs) = layer(&name) else {
                problems.push(format!(
                    "{path}: `crate::{name}` is not a module: import it from its module"
                ));
                continue;
            };
            if theirs > own {
                problems.push(format!(
                    "{path}: `{top}` ({}) imports `{name}` ({}): an import that climbs",
                    LAYERS[own].0, LAYERS[theirs].0
                ));
            }
            if top == "engine" && !ENGINE_IMPORTS.contains(&name.as_str()) {
                problems.push(format!(
                    "{path}: the engine imports `{name}`; it may import only {ENGINE_IMPORTS:?}"
                ));
            }
        }
    }
    problems
}

/// status-collect's source files (tests left out), by path under `src/`.
fn sources(dir: &Path, prefix: &str, files: &mut BTreeMap<String, String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if name != "tests" {
                sources(&path, &format!("{prefix}{name}/"), files);
            }
        } else if name.ends_with(".rs") && name != "tests.rs" {
            files.insert(format!("{prefix}{name}"), std::fs::read_to_string(&path).unwrap());
        }
    }
}

#[test]
fn no_import_climbs_inside_status_collect() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/status-collect/src");
    let mut files = BTreeMap::new();
    sources(&src, "", &mut files);
    assert!(files.len() > 40, "found only {} files", files.len());
    let problems = problems(&files);
    assert!(problems.is_empty(), "status-collect's layers:\n{}", problems.join("\n"));
}

#[test]
fn a_planted_climbing_import_is_found() {
    let files = |path: &str, text: &str| BTreeMap::from([(path.to_owned(), text.to_owned())]);
    let climbing = problems(&files("health.rs", "//! Doc.\nuse crate::engine::round3;\n"));
    assert_eq!(
        climbing,
        ["health.rs: `health` (helpers) imports `engine` (engine and loop): an import that climbs"]
    );
    let grouped = problems(&files(
        "collectors/host.rs",
        "use crate::{collector::Collector, status::{Status, Diagnostics}};\n",
    ));
    assert_eq!(grouped.len(), 1, "{grouped:?}");
    assert!(grouped[0].contains("imports `status`"), "{grouped:?}");
    let from_the_root = problems(&files("store.rs", "fn f() { super::runner::cycle(); }\n"));
    assert!(from_the_root[0].contains("imports `runner`"), "{from_the_root:?}");
    let engine = problems(&files("engine.rs", "use crate::config::Config;\n"));
    assert!(engine[0].contains("the engine imports `config`"), "{engine:?}");
    let root = problems(&files("cache.rs", "use crate::Status;\n"));
    assert!(root[0].contains("`crate::Status` is not a module"), "{root:?}");
    let fine = files("runner.rs", "// use crate::status::Status;\nuse crate::engine::Engine;\n");
    assert!(problems(&fine).is_empty(), "{:?}", problems(&fine));
}
