//! `status.example.toml` at the repository root loads, sets what it says, and every key it sets is
//! in the reference, `docs/config.md`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use status_collect::{Config, HookTarget, Layout};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn the_example_config_loads() {
    let config = Config::load(&workspace().join("status.example.toml")).unwrap();
    assert_eq!(config.service.name.as_deref(), Some("agent-host"));
    assert_eq!(config.collect.interval, Duration::from_secs(30));
    assert_eq!(config.databases.len(), 2);
    assert_eq!(config.databases[1].schema, Some(Layout::Messaging));
    assert_eq!(config.databases[1].overdue_grace, Duration::from_secs(300));
    assert_eq!(config.databases[1].probes[0].fail_above, Some(100.0));
    assert!(config.history.enabled);
    assert_eq!(config.hooks.on_change.len(), 2);
    assert!(matches!(config.hooks.on_change[1].target, HookTarget::Url { .. }));
    assert_eq!(config.repos[0].display_name(), "agent-host");
    assert_eq!(config.containers.names, ["litellm", "redis"]);
    assert_eq!(config.health.checks["load_per_cpu"].fail_after, Some(3));
    assert_ne!(config, Config::default());
}

/// Every key of `value` as `table.key` paths (array tables without an index).
fn keys(value: &toml::Value, path: &str, out: &mut Vec<String>) {
    match value {
        toml::Value::Table(table) => {
            for (key, value) in table {
                let path = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                out.push(path.clone());
                keys(value, &path, out);
            }
        }
        toml::Value::Array(items) => items.iter().for_each(|item| keys(item, path, out)),
        _ => {}
    }
}

#[test]
fn every_key_of_the_example_is_in_the_reference() {
    let example = std::fs::read_to_string(workspace().join("status.example.toml")).unwrap();
    let reference = std::fs::read_to_string(workspace().join("docs/config.md")).unwrap();
    let mut all = Vec::new();
    keys(&toml::from_str(&example).unwrap(), "", &mut all);
    let mut missing = Vec::new();
    for path in &all {
        let (table, key) = path.rsplit_once('.').unwrap_or(("", path));
        // Check names under `[health]` and header names are data, not keys.
        if table == "health" || table.ends_with("headers") {
            continue;
        }
        // A table has a heading (`## `[path]`` or `## `[[path]]``, `[health.<check>]` included);
        // a key is in its table's rows.
        let heading = [format!("## `[{path}"), format!("## `[[{path}")];
        let documented = heading.iter().any(|h| reference.contains(h.as_str()))
            || (!table.is_empty() && reference.contains(&format!("`{key}`")));
        if !documented {
            missing.push(path.clone());
        }
    }
    assert!(missing.is_empty(), "keys of status.example.toml not in docs/config.md: {missing:?}");
    assert!(all.len() > 60, "the walk found only {} keys", all.len());
}
