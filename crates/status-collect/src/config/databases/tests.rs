//! Tests of `[[databases]]`, `[[databases.probes]]` and `[storage]`: every key, and each rejection
//! naming what and where.

use std::path::PathBuf;
use std::time::Duration;

use super::super::read_only_sql::check_read_only;
use super::*;
use crate::config::Config;

#[track_caller]
fn check_error(text: &str, expected: &[&str]) {
    let error = Config::parse(text, "app.toml").unwrap_err().to_string();
    for needle in expected {
        assert!(error.contains(needle), "{needle:?} not in:\n{error}");
    }
}

#[test]
fn every_key_parses() {
    let text = r#"
        [[databases]]
        name = "ops"
        url = "sqlite:///var/lib/app/ops.db"
        schema = "operations"
        [[databases.probes]]
        name = "failed_notifications"
        sql = "SELECT COUNT(*) FROM notification_outbox WHERE status = 'failed';"
        warn_above = 1
        fail_above = 50.5

        [[databases]]
        name = "chat"
        url = "/var/lib/app/chat.db"
        schema = "messaging"
        overdue_grace = "10m"

        [storage]
        log_dir = "/var/log/app"
    "#;
    let config = Config::parse(text, "app.toml").unwrap();
    let [ops, chat] = &config.databases[..] else { panic!("two databases: {config:?}") };
    assert_eq!((ops.name.as_str(), ops.schema), ("ops", Some(Layout::Operations)));
    assert_eq!(ops.url, "sqlite:///var/lib/app/ops.db");
    assert_eq!(ops.overdue_grace, Duration::from_secs(120));
    assert_eq!(ops.probes.len(), 1);
    assert_eq!(ops.probes[0].name, "failed_notifications");
    assert_eq!((ops.probes[0].warn_above, ops.probes[0].fail_above), (Some(1.0), Some(50.5)));
    assert_eq!(
        (chat.schema, chat.overdue_grace),
        (Some(Layout::Messaging), Duration::from_secs(600))
    );
    assert!(chat.probes.is_empty());
    assert_eq!(config.storage.log_dir, Some(PathBuf::from("/var/log/app")));
}

#[test]
fn a_writing_probe_is_rejected_at_load_with_its_name() {
    check_error(
        "[[databases]]\nname = \"ops\"\nurl = \"ops.db\"\n\n[[databases.probes]]\nname = \"purge\"\n\
         sql = \"DELETE FROM notification_outbox\"\n",
        &["app.toml", "line 5", "probe `purge`", "single read-only statement", "`DELETE`"],
    );
    check_error(
        "[[databases]]\nname = \"ops\"\nurl = \"ops.db\"\n[[databases.probes]]\nname = \"two\"\n\
         sql = \"SELECT 1; SELECT 2\"\n",
        &["probe `two`", "more than one statement"],
    );
}

#[test]
fn wrong_databases_name_the_entry() {
    let db = |extra: &str| format!("[[databases]]\nname = \"ops\"\nurl = \"ops.db\"\n{extra}");
    check_error(
        &db("schema = \"ledger\"\n"),
        &["line 4", "unknown variant `ledger`", "operations"],
    );
    check_error(&db("colour = 1\n"), &["unknown field `colour`"]);
    check_error(&db("overdue_grace = \"0s\"\n"), &["databases.overdue_grace", "between"]);
    check_error(
        "[[databases]]\nname = \"ops\"\nurl = \"postgres://db/app\"\n",
        &["line 1", "database `ops`", "postgres", "only SQLite"],
    );
    check_error("[[databases]]\nname = \"ops db\"\nurl = \"ops.db\"\n", &["\"ops db\""]);
    check_error("[[databases]]\nname = \"mem\"\nurl = \"sqlite::memory:\"\n", &["in-memory"]);
    check_error(&format!("{}{}", db(""), db("")), &["database name `ops` is used twice"]);
    check_error(
        "[[databases]]\nname = \"a\"\nurl = \"a.db\"\nschema = \"messaging\"\n\
         [[databases]]\nname = \"b\"\nurl = \"b.db\"\nschema = \"messaging\"\n",
        &["schema `messaging` is used by two databases"],
    );
    check_error(
        &db(
            "[[databases.probes]]\nname = \"p\"\nsql = \"SELECT 1\"\nwarn_above = 5\nfail_above = 1\n",
        ),
        &["probe `p`", "`warn_above` (5) is above `fail_above` (1)"],
    );
    check_error(
        &db("[[databases.probes]]\nname = \"p\"\nsql = \"SELECT 1\"\nevery = 3\n"),
        &["unknown field `every`"],
    );
}

#[track_caller]
fn check_sql(sql: &str, expected: Result<(), &str>) {
    let result = check_read_only(sql);
    match expected {
        Ok(()) => assert_eq!(result, Ok(()), "{sql}"),
        Err(needle) => {
            let error = result.expect_err(sql);
            assert!(error.contains(needle), "{sql}: {needle:?} not in {error:?}");
        }
    }
}

#[test]
fn only_single_read_only_statements_pass() {
    check_sql("SELECT COUNT(*) FROM execution_log", Ok(()));
    check_sql("  select 1 ;  ; -- trailing comment", Ok(()));
    check_sql("VALUES (1)", Ok(()));
    check_sql("WITH t AS (SELECT 1 AS x) SELECT x FROM t", Ok(()));
    check_sql("SELECT replace(status, 'a', 'b') FROM t", Ok(()));
    check_sql("SELECT COUNT(*) FROM t WHERE note = 'DELETE; DROP TABLE t'", Ok(()));
    check_sql("SELECT \"update\", [delete], `insert` FROM t /* DROP */", Ok(()));
    check_sql("SELECT 'it''s'", Ok(()));

    check_sql("", Err("empty"));
    check_sql("-- only a comment", Err("empty"));
    check_sql("DELETE FROM t", Err("starts with `DELETE`"));
    check_sql("PRAGMA journal_mode = WAL", Err("starts with `PRAGMA`"));
    check_sql("ATTACH 'x.db' AS x", Err("starts with `ATTACH`"));
    check_sql("SELECT 1; DELETE FROM t", Err("more than one statement"));
    check_sql("WITH t AS (SELECT 1) DELETE FROM u", Err("found `DELETE`"));
    check_sql("WITH t AS (SELECT 1) INSERT INTO u SELECT * FROM t", Err("found `INSERT`"));
    check_sql("with t as (select 1) replace into u select * from t", Err("found `REPLACE`"));
    check_sql("SELECT 'unclosed", Err("not closed"));
    check_sql("SELECT 1 /* unclosed", Err("not closed"));
    check_sql("(SELECT 1)", Err("does not start with a keyword"));
}
