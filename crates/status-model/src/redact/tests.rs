//! Redaction tests: patterns, the keyed hash, rules over JSON, scrubbing of derived text.

use serde_json::json;

use super::scrub::REDACTED;
use super::*;

const KEY: [u8; 16] = *b"0123456789abcdef";

fn patterns(list: &[&str]) -> Vec<FieldPattern> {
    list.iter().map(|p| FieldPattern::new(p).unwrap()).collect()
}

fn redactor(drop: &[&str], hash: &[&str]) -> Redactor {
    Redactor::new(patterns(drop), patterns(hash), KEY)
}

#[track_caller]
fn check_match(pattern: &str, path: &str, expect: bool) {
    let path: Vec<&str> = path.split('/').collect();
    let compiled = FieldPattern::new(pattern).unwrap();
    assert_eq!(compiled.matches(&path), expect, "{pattern} against {path:?}");
}

#[test]
fn patterns_match_keys_segment_by_segment() {
    check_match("password", "password", true);
    check_match("password", "a/b/password", true);
    check_match("password", "a/password/b", false);
    check_match("*token*", "custom/API_TOKEN", true);
    check_match("*token*", "custom/tokenizer_model", true);
    check_match("tasks.tasks.group", "tasks/tasks/group", true);
    check_match("tasks.tasks.group", "tasks/group", false);
    check_match("queue.per_group.*", "queue/per_group/123@g.us", true);
    check_match("queue.per_group.*", "queue/per_group/123@g.us/active", false);
    check_match("queue.*", "queue/per_group", true);
    check_match("repos.**.path", "repos/app/path", true);
    check_match("repos.**.path", "repos/app/worktrees/wt1/path", true);
    check_match("repos.**.path", "repos/path", true);
    check_match("a*b*c", "axxbyyc", true);
    check_match("a*b*c", "axxbyy", false);
    check_match("per_*", "queue/per_group", true);
}

#[test]
fn patterns_that_match_nothing_useful_are_refused() {
    for bad in ["", "*", "**", "*.*", "a..b", ".a", "a."] {
        let error = FieldPattern::new(bad).unwrap_err().to_string();
        assert!(error.contains(&format!("{bad:?}")), "{error}");
    }
}

#[test]
fn siphash_matches_the_reference_vectors() {
    let key = (
        u64::from_le_bytes(*b"\x00\x01\x02\x03\x04\x05\x06\x07"),
        u64::from_le_bytes(*b"\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"),
    );
    assert_eq!(siphash::siphash24(key, &[]), 0x726f_db47_dd0e_0e31);
    let message: Vec<u8> = (0u8..15).collect();
    assert_eq!(siphash::siphash24(key, &message), 0xa129_ca61_49be_45e5);
}

#[test]
fn pseudonyms_are_stable_per_key_and_differ_across_keys() {
    let one = redactor(&[], &[]);
    let other = Redactor::new(Vec::new(), Vec::new(), *b"fedcba9876543210");
    assert_eq!(one.hash("chat-42"), one.hash("chat-42"));
    assert_ne!(one.hash("chat-42"), one.hash("chat-43"));
    assert_ne!(one.hash("chat-42"), other.hash("chat-42"));
    let pseudonym = one.hash("chat-42");
    assert!(pseudonym.starts_with("h:") && pseudonym.len() == 14, "{pseudonym}");
}

#[test]
fn drop_removes_fields_at_any_depth_and_inside_arrays() {
    let mut value = json!({
        "tasks": {"tasks": [{"id": "t1", "last_result": "sent hunter2 to chat"}, {"id": "t2"}]},
        "custom": {"db": {"API_TOKEN": "s3cr3t-value", "pool": 4}},
    });
    redactor(&["last_result", "*token*"], &[]).redact_value(&mut value);
    assert_eq!(
        value,
        json!({"tasks": {"tasks": [{"id": "t1"}, {"id": "t2"}]}, "custom": {"db": {"pool": 4}}})
    );
}

#[test]
fn hash_replaces_strings_numbers_array_items_and_object_keys() {
    let mut value = json!({
        "tasks": {"tasks": [{"group": "chat-42", "n": 1}]},
        "ids": [12345, "chat-42", null],
        "queue": {"per_group": {"123@g.us": {"active": true, "pending_messages": 3}}},
    });
    let redactor = redactor(&[], &["tasks.tasks.group", "ids", "queue.per_group"]);
    redactor.redact_value(&mut value);
    let chat = redactor.hash("chat-42");
    assert_eq!(value["tasks"]["tasks"][0], json!({"group": chat, "n": 1}));
    assert_eq!(value["ids"], json!([redactor.hash("12345"), chat, null]));
    let group = redactor.hash("123@g.us");
    assert_eq!(
        value["queue"]["per_group"],
        json!({ group: {"active": true, "pending_messages": 3} })
    );
}

#[test]
fn rules_below_a_hashed_key_use_the_original_path_and_drop_wins() {
    let mut value = json!({"channels": {"ops-room": {"connected": true, "last_error": "auth failed: key=abcdefgh"}}});
    let redactor = redactor(&["channels.*.last_error"], &["channels", "channels.*.last_error"]);
    redactor.redact_value(&mut value);
    assert_eq!(value, json!({"channels": {redactor.hash("ops-room"): {"connected": true}}}));
}

#[test]
fn the_default_policy_drops_secrets_and_messages_but_keeps_reasons_names_and_counts() {
    let mut value = json!({
        "recent_operations": {"operations": [{"operation_id": "op1", "error_summary": "boom: password=hunter2-hunter2", "duration_ms": 3}]},
        "gateway": {"mode": "proxy", "proxy": {"key_env": "GATEWAY_KEY"}},
        "process": {"environment": {"HOME": "/root"}, "rss_bytes": 10},
        "queue": {"per_group": {"a": {"pending_messages": 2}}},
        "messages": {"total_inbound": 5},
        "custom": {"db": {"API_TOKEN": "s3cr3t-value", "apiKey": "s3cr3t-value", "tokenizer": "bpe", "max_tokens": 4}},
    });
    Redactor::new(Redactor::default_drop(), Vec::new(), KEY).redact_value(&mut value);
    assert_eq!(
        value,
        json!({
            "recent_operations": {"operations": [{"operation_id": "op1", "error_summary": format!("boom: password={REDACTED}"), "duration_ms": 3}]},
            "gateway": {"mode": "proxy", "proxy": {"key_env": "GATEWAY_KEY"}},
            "process": {"rss_bytes": 10},
            "queue": {"per_group": {"a": {"pending_messages": 2}}},
            "messages": {"total_inbound": 5},
            "custom": {"db": {"tokenizer": "bpe", "max_tokens": 4}},
        })
    );
}

#[test]
fn names_the_user_chose_are_never_dropped_and_hashed_at_most() {
    let mut value = json!({
        "schema_version": 1,
        "collection": {"sections": {}},
        "repos": {
            "monkey-app": {"error": "fetch https://bob:hunter2-hunter2@git.example/x failed"},
            "api_key": {"error": "gone"},
        },
        "processes": {"by_name": {
            "keyd": {"count": 2, "pids": [7, 9]},
            "keycloak": {"count": 1, "pids": [8]},
            "turkey": {"count": 0, "pids": []},
            "tokenizer": {"count": 0, "pids": []},
        }},
        "channels": {"hockey": {"connected": true, "last_error": "401 Bearer abcDEF123ghiJKL456"}},
    });
    let mut drop = Redactor::default_drop();
    drop.push(FieldPattern::new("repos.api_key").unwrap());
    let redactor = Redactor::new(drop, Vec::new(), KEY);
    redactor.redact_snapshot_value(&mut value);
    let text = value.to_string();
    for name in ["monkey-app", "keyd", "keycloak", "turkey", "tokenizer", "hockey"] {
        assert!(text.contains(name), "{name} vanished: {text}");
    }
    assert!(!text.contains("hunter2") && !text.contains("abcDEF123"), "{text}");
    assert_eq!(
        value["repos"]["monkey-app"]["error"],
        format!("fetch https://{REDACTED}@git.example/x failed")
    );
    assert_eq!(value["channels"]["hockey"]["last_error"], format!("401 Bearer {REDACTED}"));
    // A name that a drop rule names by its path is hashed, never dropped, and counted; rules
    // without a dot (`*_key`) never match names.
    let hashed = redactor.hash("api_key");
    assert_eq!(value["repos"][&hashed]["error"], "gone", "{text}");
    assert_eq!(value["collection"]["redacted_fields"], 1);
}

#[test]
fn derived_parts_of_a_snapshot_are_scrubbed_not_edited_by_rules() {
    let mut value = json!({
        "schema_version": 1,
        "collection": {"sections": {"host": {"reason": "cannot stat /srv/chat-42/db: gone", "unmeasured": {"disks./srv/chat-42": "gone"}}}},
        "health": {"checks": [{"name": "disk_available:/srv/chat-42", "message": "the password is hunter2-hunter2", "component_id": "/srv/chat-42"}]},
        "host": {"disks": {"/srv/chat-42": {"total_bytes": 1}}},
        "custom": {"password": "hunter2-hunter2"},
    });
    let redactor = redactor(&["password"], &["host.disks"]);
    let scrubber = redactor.redact_snapshot_value(&mut value);
    let path = redactor.hash("/srv/chat-42");
    let text = value.to_string();
    assert!(!text.contains("/srv/chat-42") && !text.contains("hunter2"), "{text}");
    assert_eq!(value["health"]["checks"][0]["name"], format!("disk_available:{path}"));
    assert_eq!(value["health"]["checks"][0]["message"], format!("the password is {REDACTED}"));
    assert_eq!(
        value["collection"]["sections"]["host"]["unmeasured"][format!("disks.{path}")],
        "gone"
    );
    assert_eq!(value["schema_version"], 1, "not a section: untouched");
    assert_eq!(scrubber.len(), 2);
    assert!(!format!("{scrubber:?}{redactor:?}").contains("chat-42"));
    assert!(!format!("{redactor:?}").contains("0123456789abcdef"), "the key never shows");
}

#[track_caller]
fn check_scrub(originals: &[&str], text: &str, expect: Option<&str>) {
    let mut scrubber = Scrubber::default();
    for original in originals {
        scrubber.hashed(original, "H");
    }
    scrubber.finish();
    assert_eq!(scrubber.scrub(text).as_deref(), expect, "{originals:?} in {text:?}");
}

#[test]
fn scrubbing_replaces_whole_words_longest_first() {
    check_scrub(&["42"], "group 42 waits", Some("group H waits"));
    check_scrub(&["42"], "420 ms and x42", None);
    check_scrub(&["chat-42"], "probe:chat-42,chat-42", Some("probe:H,H"));
    check_scrub(&["/srv/a"], "disk_available:/srv/a", Some("disk_available:H"));
    check_scrub(&["/srv/a"], "x/srv/a/b", Some("xH/b"));
    check_scrub(&["ab", "abc"], "abc ab", Some("H H"));
    check_scrub(&["é42"], "café42 é42", Some("café42 H"));
    check_scrub(&["x"], "x", None);
}

#[test]
fn every_planted_secret_is_scrubbed_and_the_rest_of_the_reason_kept() {
    assert_eq!(corpus::SECRETS.len(), 30);
    for (secret, text) in corpus::SECRETS {
        assert!(text.contains(secret), "corpus entry does not hold its secret: {text}");
        let scrubbed = scrub_secrets(text).unwrap_or_else(|| panic!("nothing scrubbed in {text}"));
        assert!(!scrubbed.contains(secret), "{secret} survives in {scrubbed}");
        assert!(scrubbed.contains(REDACTED), "{scrubbed}");
        // The words around the secret (the reason) stay.
        for word in text.split_whitespace().filter(|word| !word.contains(secret)) {
            assert!(scrubbed.contains(word), "{word}: {text} became {scrubbed}");
        }
        assert_eq!(scrub_secrets(&scrubbed), None, "scrubbing twice changed {scrubbed}");
    }
}

#[test]
fn ordinary_names_and_texts_survive_unchanged() {
    assert!(corpus::ORDINARY.len() >= 30 && corpus::NAMES.len() >= 30);
    for text in corpus::ORDINARY.iter().chain(corpus::NAMES) {
        assert_eq!(scrub_secrets(text), None, "{text} was changed");
    }
}

/// The shortcuts in front of the passes (no time or number can hold a secret, a key without
/// letters is not secret, the schemes found in any case) change no answer.
#[test]
fn times_numbers_and_schemes_in_any_case_are_decided_as_before() {
    for (text, expect) in [
        ("2026-12-07T15:24:13.406Z", None),
        ("+02:00 12:30:45.5 -7", None),
        ("15:24=abcDEF123ghiJKL456", Some("15:[redacted]")),
        ("TOKEN:HUNTER22", Some("TOKEN:[redacted]")),
        ("401 BEARER abcDEF123ghiJKL4", Some("401 BEARER [redacted]")),
        ("basic: dXNlcjpwYXNz", Some("basic: [redacted]")),
        ("é bEaReR AbCdEfGh1AbCdEfGh1 é", Some("é bEaReR [redacted] é")),
    ] {
        assert_eq!(scrub_secrets(text).as_deref(), expect, "{text}");
    }
}

#[test]
fn secret_keys_are_split_at_underscores_dashes_and_case_changes() {
    for (text, expect) in [
        ("apiKey: AbcdEfgh", Some("apiKey: [redacted]")),
        ("X-Auth-Token=xyz12345", Some("X-Auth-Token=[redacted]")),
        ("DB_PASSWORD='pw with'", Some("DB_PASSWORD='[redacted]'")),
        ("tokens=12345678", None),
        ("monkey=bananas1", None),
    ] {
        assert_eq!(scrub_secrets(text).as_deref(), expect, "{text}");
    }
}

/// Found by the `redact` fuzz target: the token pass replaced a run inside a URL's userinfo, which
/// made the userinfo look random to a second scrub. Scrubbing runs to a fixed point.
#[test]
fn a_scrubbed_text_scrubs_to_itself() {
    let text = r"\\N://ww11@11wwww~www1HostJobsSection1@11wwww~www1HostJobsS1Ktion1@11wwwwwwww\\";
    let once = scrub_secrets(text).expect("the token goes");
    assert_eq!(scrub_secrets(&once), None, "{once}");
}

mod properties {
    use proptest::prelude::*;

    use super::super::{REDACTED, corpus, scrub_secrets};

    proptest! {
        #[test]
        fn scrubbing_is_total_and_idempotent(text in "\\PC{0,200}") {
            if let Some(once) = scrub_secrets(&text) {
                prop_assert_eq!(scrub_secrets(&once), None);
            }
        }

        #[test]
        fn lower_case_words_are_never_touched(words in prop::collection::vec("[a-z]{1,12}", 0..20)) {
            let text = words.join(" ");
            prop_assert_eq!(scrub_secrets(&text), None);
        }

        #[test]
        fn a_planted_secret_never_survives_its_surroundings(
            before in "[a-zA-Z0-9 ,.()]{0,40}",
            after in "[a-zA-Z0-9 ,.()]{0,40}",
            index in 0..corpus::SECRETS.len(),
        ) {
            let (secret, planted) = corpus::SECRETS[index];
            let text = format!("{before} {planted} {after}");
            let scrubbed = scrub_secrets(&text).unwrap_or_else(|| text.clone());
            prop_assert!(!scrubbed.contains(secret), "{} survives in {}", secret, scrubbed);
            prop_assert!(scrubbed.contains(REDACTED));
        }
    }
}

/// Writes the benchmark's snapshot (`STATUS_WRITE_BENCH_SNAPSHOT=1`): the fixture with every
/// section filled and a health report, as JSON.
#[test]
fn bench_snapshot_is_current() {
    let mut value = crate::fixture::with_later_sections();
    value["health"] = serde_json::to_value(crate::fixture::full().health).unwrap();
    let text = serde_json::to_string_pretty(&value).unwrap() + "\n";
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/full_snapshot.json");
    if std::env::var_os("STATUS_WRITE_BENCH_SNAPSHOT").is_some() {
        std::fs::write(path, &text).unwrap();
    }
    let stored = std::fs::read_to_string(path).unwrap();
    let stored: Snapshot = serde_json::from_str(&stored).expect("the bench snapshot parses");
    assert_eq!(
        serde_json::to_value(&stored).unwrap(),
        serde_json::to_value(serde_json::from_str::<Snapshot>(&text).unwrap()).unwrap()
    );
}

/// A heartbeat's custom fields go through the same rules and scrubbing as every other output.
#[test]
fn heartbeat_custom_fields_are_redacted_like_everything_else() {
    let mut value = json!({
        "schema_version": 1,
        "collection": {"sections": {}},
        "workers": {"keyd": {"stale": false, "custom": {
            "api_key": "plain-value-1234",
            "upstream": "amqp://guest:guestpw99@rabbit/",
            "queue": "emails",
        }}},
    });
    Redactor::new(Redactor::default_drop(), Vec::new(), KEY).redact_snapshot_value(&mut value);
    let custom = &value["workers"]["keyd"]["custom"];
    assert!(custom.get("api_key").is_none(), "{custom}");
    assert_eq!(custom["upstream"], format!("amqp://{REDACTED}@rabbit/"));
    assert_eq!(custom["queue"], "emails");
    assert_eq!(value["collection"]["redacted_fields"], 1);
}

mod views;

#[test]
fn secrets_are_scrubbed_in_every_snapshot_while_clean_texts_are_remembered() {
    let redactor = redactor(&[], &[]);
    let snapshot = |sequence: u64| {
        json!({
            "collection": { "sequence": sequence, "reason": "cannot read /a/b: gone" },
            "health": { "checks": [
                { "name": "db", "message": "postgres://app:hunter2@db/app refused" },
                { "name": "disk_available:/", "message": format!("free: {sequence}%") },
            ] },
            "custom": { "note": "token=abcdef123456", "path": "/srv/app: mounted" },
        })
    };
    for sequence in 0..3 {
        let mut value = snapshot(sequence);
        redactor.redact_snapshot_value(&mut value);
        let checks = &value["health"]["checks"];
        assert_eq!(checks[0]["message"], "postgres://[redacted]@db/app refused");
        assert_eq!(checks[1]["message"], format!("free: {sequence}%"));
        assert_eq!(value["custom"]["note"], "token=[redacted]");
        assert_eq!(value["custom"]["path"], "/srv/app: mounted");
        assert_eq!(value["collection"]["reason"], "cannot read /a/b: gone");
    }
}
