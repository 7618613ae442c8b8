//! The committed schema and field reference match the model, and a stale copy is caught.

use super::{generate, root, stale};

#[test]
fn committed_files_are_fresh() {
    let stale = stale(&root()).unwrap();
    assert!(stale.is_empty(), "stale: {stale:?}; run `cargo xtask schema` and commit the result");
}

#[test]
fn a_stale_or_missing_file_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("docs")).unwrap();
    let config_md = "# Config\n<!-- checks:start -->\nold\n<!-- checks:end -->\n";
    std::fs::write(dir.path().join("docs/config.md"), config_md).unwrap();
    let all = ["docs/status.schema.json", "docs/fields.md", "docs/config.md"];
    assert_eq!(stale(dir.path()).unwrap(), all);
    for file in generate(dir.path()).unwrap() {
        std::fs::write(dir.path().join(file.path), &file.text).unwrap();
    }
    assert!(stale(dir.path()).unwrap().is_empty());
    let schema = dir.path().join("docs/status.schema.json");
    let text = std::fs::read_to_string(&schema).unwrap().replace("\"uptime_seconds\"", "\"up\"");
    std::fs::write(&schema, text).unwrap();
    assert_eq!(stale(dir.path()).unwrap(), ["docs/status.schema.json"]);
}

#[test]
fn every_section_and_field_is_documented() {
    let generated = generate(&root()).unwrap();
    let fields = &generated.iter().find(|f| f.path == "docs/fields.md").unwrap().text;
    let schema = status_model::schema::snapshot_schema();
    for key in schema["properties"].as_object().unwrap().keys() {
        assert!(fields.contains(&format!("## `{key}`")), "no heading for `{key}`");
    }
    for path in [
        "`process.rss_bytes` | integer ≥ 0 or null | bytes |",
        "`collection.sections.<key>.outcome` | `\"ok\"` \\| `\"error\"`",
        "`repos.<key>.worktrees.<key>.ahead`",
        "`broker.in_flight[].tool`",
        "`channels.<key>.since` | string or null | RFC 3339 UTC |",
    ] {
        assert!(fields.contains(path), "fields.md lacks {path}");
    }
    assert!(!fields.contains("|  |"), "an empty cell:\n{fields}");
}

#[test]
fn the_config_reference_lists_every_check() {
    let generated = generate(&root()).unwrap();
    let config_md = &generated.iter().find(|f| f.path == "docs/config.md").unwrap().text;
    for check in status_model::checks::CHECKS {
        assert!(
            config_md.contains(&format!("| `{}` |", check.name)),
            "no row for `{}`",
            check.name
        );
    }
    assert!(config_md.contains(
        "| `memory_available` | memory / available | percent | below | `10` | `5` | no |"
    ));
}
