//! Diff tests: worked examples, the glob matcher, and property tests of the diff's laws.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;

#[track_caller]
fn check(old: Value, new: Value, expected: &[(&str, ChangeKind, Value, Value)]) {
    let changes = diff(&old, &new, &KeyFilter::volatile());
    let got: Vec<(&str, ChangeKind, Value, Value)> =
        changes.iter().map(|c| (c.key.as_str(), c.kind, c.old.clone(), c.new.clone())).collect();
    assert_eq!(got, expected);
}

#[test]
fn nested_keys_are_dotted_and_sorted() {
    check(
        json!({"host": {"load": {"1": 0.5, "5": 0.4}, "cpus": 2}, "repos": {"app": {"worktrees": {"w1": {"ahead": 1}}}}}),
        json!({"host": {"load": {"1": 0.7, "5": 0.4}, "cpus": 2}, "repos": {"app": {"worktrees": {"w1": {"ahead": 3}}}}}),
        &[
            ("host.load.1", ChangeKind::Changed, json!(0.5), json!(0.7)),
            ("repos.app.worktrees.w1.ahead", ChangeKind::Changed, json!(1), json!(3)),
        ],
    );
}

#[test]
fn lists_compare_whole_and_one_sided_keys_count() {
    check(
        json!({"terminals": {"tmux": ["a", "b"]}, "gone": 1, "deploy": {"sha": "abc"}}),
        json!({"terminals": {"tmux": ["a", "c"]}, "added": {"x": null}, "deploy": "n/a"}),
        &[
            ("added.x", ChangeKind::Added, Value::Null, Value::Null),
            ("deploy", ChangeKind::Added, Value::Null, json!("n/a")),
            ("deploy.sha", ChangeKind::Removed, json!("abc"), Value::Null),
            ("gone", ChangeKind::Removed, json!(1), Value::Null),
            ("terminals.tmux", ChangeKind::Changed, json!(["a", "b"]), json!(["a", "c"])),
        ],
    );
}

#[test]
fn volatile_keys_are_ignored() {
    check(
        json!({
            "collection": {"taken_at": "t1", "sequence": 1},
            "service": {"uptime_seconds": 1.0, "started_at": "s"},
            "process": {"cpu_pct": 3.0, "rss_bytes": 10},
            "deploy": {"last": {"taken_at": "a", "duration_ms": 4}},
        }),
        json!({
            "collection": {"taken_at": "t2", "sequence": 2},
            "service": {"uptime_seconds": 31.0, "started_at": "s"},
            "process": {"cpu_pct": 9.0, "rss_bytes": 10},
            "deploy": {"last": {"taken_at": "b", "duration_ms": 5}},
        }),
        &[],
    );
}

#[test]
fn configured_patterns_ignore_whole_subtrees() {
    let filter = KeyFilter::volatile_and(&["host.load", "*_bytes"]).unwrap();
    let changes = diff(
        &json!({"host": {"load": {"1": 1.0}, "memory": {"used_bytes": 1, "pct": 1}}}),
        &json!({"host": {"load": {"1": 2.0}, "memory": {"used_bytes": 2, "pct": 2}}}),
        &filter,
    );
    let keys: Vec<&str> = changes.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(keys, ["host.memory.pct"]);
    assert!(filter.ignores("host.load.15"));
    assert!(!filter.ignores("collection"));
    assert_eq!(
        KeyFilter::volatile_and(&["**"]).unwrap_err().to_string(),
        "pattern \"**\" would ignore every key; name at least one character"
    );
}

#[test]
fn globs_match_whole_keys() {
    let cases: &[(&str, &str, bool)] = &[
        ("collection.*", "collection.taken_at", true),
        ("collection.*", "collection", false),
        ("*.taken_at", "collection.taken_at", true),
        ("*.taken_at", "taken_at", false),
        ("*uptime_seconds", "service.uptime_seconds", true),
        ("*uptime_seconds", "uptime_seconds", true),
        ("process.cpu_pct", "process.cpu_pct", true),
        ("process.cpu_pct", "process.cpu_pct2", false),
        ("a*b*c", "a.x.b.y.c", true),
        ("a*b*c", "acb", false),
        ("a*a", "a", false),
        ("a*a", "aa", true),
        ("*", "", true),
    ];
    for (pattern, text, expected) in cases {
        assert_eq!(Glob::compile(pattern).matches(text), *expected, "{pattern} ~ {text}");
    }
}

#[test]
fn flatten_lists_leaves_sorted() {
    let value = json!({"b": {"c": [1, 2], "d": {}}, "a": null});
    let leaves: Vec<(String, Value)> =
        flatten(&value).into_iter().map(|(k, v)| (k, v.clone())).collect();
    assert_eq!(
        leaves,
        [("a".into(), Value::Null), ("b.c".into(), json!([1, 2])), ("b.d".into(), json!({}))]
    );
    assert_eq!(flatten(&json!(3)), [(String::new(), &json!(3))]);
}

/// Keys without dots, so that a generated key is one path segment; some are volatile names.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_]{1,8}",
        Just("taken_at".to_owned()),
        Just("uptime_seconds".to_owned()),
        Just("duration_ms".to_owned()),
        Just("collection".to_owned()),
        Just("process".to_owned()),
        Just("cpu_pct".to_owned()),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[a-z]{0,6}".prop_map(Value::from),
        prop::collection::vec(any::<u8>().prop_map(Value::from), 0..3).prop_map(Value::Array),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop::collection::btree_map(key(), inner, 0..6)
            .prop_map(|map| Value::Object(map.into_iter().collect()))
    })
}

fn object() -> impl Strategy<Value = Value> {
    prop::collection::btree_map(key(), json_value(), 1..6)
        .prop_map(|map| Value::Object(map.into_iter().collect()))
}

proptest! {
    #[test]
    fn a_snapshot_does_not_differ_from_itself(a in object()) {
        prop_assert!(diff(&a, &a, &KeyFilter::volatile()).is_empty());
    }

    #[test]
    fn a_changed_key_appears_exactly_once(a in object(), pick in any::<prop::sample::Index>(), salt in any::<u32>()) {
        let leaves: Vec<String> = flatten(&a)
            .into_iter()
            .map(|(key, _)| key)
            .filter(|key| !KeyFilter::volatile().ignores(key))
            .collect();
        prop_assume!(!leaves.is_empty());
        let key = pick.get(&leaves).clone();
        prop_assume!(!KeyFilter::volatile().ignores(&format!("{key}.changed")));
        let mut b = a.clone();
        let pointer = format!("/{}", key.replace('.', "/"));
        *b.pointer_mut(&pointer).unwrap() = json!({"changed": salt});
        let changes = diff(&a, &b, &KeyFilter::volatile());
        let touching: Vec<&Change> = changes.iter().filter(|c| c.key == key).collect();
        prop_assert_eq!(touching.len(), 1, "{:?}", changes);
        prop_assert_eq!(touching[0].kind, ChangeKind::Removed);
        let added: Vec<&Change> = changes.iter().filter(|c| c.key == format!("{key}.changed")).collect();
        prop_assert_eq!(added.len(), 1);
        prop_assert_eq!(changes.len(), 2);
    }

    #[test]
    fn a_changed_leaf_value_is_the_only_change(a in object(), pick in any::<prop::sample::Index>(), salt in any::<u32>()) {
        let leaves: Vec<String> = flatten(&a)
            .into_iter()
            .map(|(key, _)| key)
            .filter(|key| !KeyFilter::volatile().ignores(key))
            .collect();
        prop_assume!(!leaves.is_empty());
        let key = pick.get(&leaves).clone();
        let mut b = a.clone();
        let pointer = format!("/{}", key.replace('.', "/"));
        let new = json!(format!("new-{salt}"));
        *b.pointer_mut(&pointer).unwrap() = new.clone();
        let changes = diff(&a, &b, &KeyFilter::volatile());
        prop_assert_eq!(changes.len(), 1, "{:?}", changes);
        prop_assert_eq!(&changes[0].key, &key);
        prop_assert_eq!(&changes[0].new, &new);
    }

    #[test]
    fn volatile_keys_never_appear(a in object(), b in object()) {
        let filter = KeyFilter::volatile();
        for change in diff(&a, &b, &filter) {
            prop_assert!(!filter.ignores(&change.key), "{} is volatile", change.key);
        }
    }

    #[test]
    fn the_diff_is_the_difference_of_the_flattened_sides(a in object(), b in object()) {
        let filter = KeyFilter::volatile();
        let side = |v: &Value| -> std::collections::BTreeMap<String, Value> {
            flatten(v).into_iter().filter(|(k, _)| !filter.ignores(k)).map(|(k, v)| (k, v.clone())).collect()
        };
        let (old, new) = (side(&a), side(&b));
        let mut keys: Vec<&String> = old.keys().chain(new.keys()).filter(|k| old.get(*k) != new.get(*k)).collect();
        keys.sort();
        keys.dedup();
        let changes = diff(&a, &b, &filter);
        let got: Vec<&String> = changes.iter().map(|c| &c.key).collect();
        prop_assert_eq!(got, keys);
    }
}

#[test]
fn semantic_detection_counts_states_and_check_statuses_only() {
    let check = |name: &str, status: &str, value: f64, time: &str| json!({"name": name, "status": status, "message": format!("{name} is {value}"), "observed_value": value, "time": time});
    let old = json!({
        "collection": {"taken_at": "2026-03-01T12:00:00Z", "duration_ms": 3.0, "sections": {"repos": {"outcome": "ok", "duration_ms": 1.0}}},
        "health": {"status": "pass", "checks": [check("load_per_cpu", "pass", 0.2, "t1"), check("disk_available:/", "pass", 40.0, "t1")]},
        "host": {"load": {"1": 0.2}, "memory": {"available_bytes": 100}, "hostname": "vm"},
        "processes": {"node": {"count": 2, "pids": [10, 11]}},
        "pipeline": {"changed_total": 4},
        "repos": {"app": {"dirty": false, "head_sha": "abc"}},
    });
    let mut new = old.clone();
    new["collection"]["taken_at"] = json!("2026-03-01T12:00:05Z");
    new["collection"]["duration_ms"] = json!(4.0);
    new["health"]["checks"] = json!([
        check("load_per_cpu", "pass", 0.3, "t2"),
        check("disk_available:/", "pass", 41.0, "t2")
    ]);
    new["host"]["load"]["1"] = json!(0.3);
    new["host"]["memory"]["available_bytes"] = json!(90);
    new["processes"]["node"]["pids"] = json!([10, 12]);
    new["pipeline"]["changed_total"] = json!(5);
    let filter = KeyFilter::semantic::<&str>(&[], &[]).unwrap();
    assert_eq!(diff(&old, &new, &filter), Vec::new(), "an idle cycle changes no state");

    new["health"]["checks"][1]["status"] = json!("warn");
    new["collection"]["sections"]["repos"]["outcome"] = json!("error");
    new["repos"]["app"]["dirty"] = json!(true);
    let keys: Vec<String> = diff(&old, &new, &filter).into_iter().map(|c| c.key).collect();
    assert_eq!(
        keys,
        [
            "collection.sections.repos.outcome",
            "health.checks[disk_available:/].status",
            "repos.app.dirty",
        ]
    );

    // `include` moves a gauge in, `ignore` a state out.
    let filter = KeyFilter::semantic(&["host.load.*"], &["repos.app.dirty"]).unwrap();
    let keys: Vec<String> = diff(&old, &new, &filter).into_iter().map(|c| c.key).collect();
    assert!(keys.contains(&"host.load.1".to_owned()), "{keys:?}");
    assert!(!keys.contains(&"repos.app.dirty".to_owned()), "{keys:?}");
}

/// Members in another order pair up by key, not by position: the same object is no change, and
/// one member that differs is that key alone.
#[test]
fn objects_with_members_in_another_order_compare_by_key() {
    let old = json!({"a": {"x": 1, "y": [1, 2], "z": {"k": "v"}}, "b": 2});
    let reordered = json!({"b": 2, "a": {"z": {"k": "v"}, "x": 1, "y": [1, 2]}});
    check(old.clone(), reordered, &[]);
    let changed = json!({"b": 2, "a": {"z": {"k": "w"}, "y": [1, 2], "x": 1}});
    check(old, changed, &[("a.z.k", ChangeKind::Changed, json!("v"), json!("w"))]);
}
