//! Building fixture databases with sqlx, collecting the database sections, and turning a section
//! into redacted JSON for insta.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, SqliteConnection};
use status_collect::Config;
use status_collect::testing::{Engine, collectors};
use status_model::Snapshot;
use tempfile::TempDir;

/// The instant most fixture rows are placed around: fixed, so snapshots do not change.
pub(crate) const T0: &str = "2025-06-01T12:00:00Z";

/// A temporary directory holding fixture databases and the config that names them.
pub(crate) struct Fixture {
    pub(crate) dir: TempDir,
}

impl Fixture {
    pub(crate) fn new() -> Fixture {
        Fixture { dir: tempfile::tempdir().expect("temp dir") }
    }

    pub(crate) fn path(&self, file: &str) -> PathBuf {
        self.dir.path().join(file)
    }

    /// Creates `file` in rollback-journal mode and runs `sql` (the layout, then rows) on it.
    pub(crate) async fn database(&self, file: &str, sql: &[&str]) -> PathBuf {
        self.database_in(file, SqliteJournalMode::Delete, sql).await
    }

    /// Creates `file` in the given journal mode and runs `sql` on it.
    pub(crate) async fn database_in(
        &self,
        file: &str,
        mode: SqliteJournalMode,
        sql: &[&str],
    ) -> PathBuf {
        let path = self.path(file);
        let mut conn = writer(&path, mode).await;
        for batch in sql {
            sqlx::raw_sql(AssertSqlSafe(batch.to_string()))
                .execute(&mut conn)
                .await
                .unwrap_or_else(|error| panic!("fixture SQL failed: {error}\n{batch}"));
        }
        conn.close().await.expect("close");
        path
    }

    /// A config from `toml`, with `{dir}` standing for the fixture directory. Without a `[collect]`
    /// table the deadline is 10 s, generous for a loaded two-core machine.
    pub(crate) fn config(&self, toml: &str) -> Config {
        let mut text = toml.replace("{dir}", &self.dir.path().display().to_string());
        if !text.contains("[collect]") {
            text = format!("[collect]\ndeadline = \"10s\"\n{text}");
        }
        Config::parse(&text, "fixture.toml").expect("fixture config")
    }

    /// The section `name` and its collection report as JSON, with the fixture directory shown as
    /// `[dir]`.
    pub(crate) fn section(&self, snapshot: &Snapshot, name: &str) -> Value {
        let text = serde_json::to_string(&json!({
            "value": serde_json::to_value(snapshot).expect("json")[name],
            "report": snapshot.collection.sections[name],
        }))
        .expect("json");
        let text = text.replace(&self.dir.path().display().to_string(), "[dir]");
        serde_json::from_str(&text).expect("json")
    }
}

/// A read-write connection that creates the file, as the host would hold it.
pub(crate) async fn writer(path: &Path, mode: SqliteJournalMode) -> SqliteConnection {
    SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(mode)
        .connect()
        .await
        .expect("open fixture database")
}

/// One collection of every database section `config` asks for.
pub(crate) async fn collect(config: &Config) -> Snapshot {
    Engine::new(collectors::databases(config), config.collect.deadline).collect().await
}

/// An RFC 3339 time `minutes` after [`T0`].
pub(crate) fn at(minutes: i64) -> String {
    let t0: jiff::Timestamp = T0.parse().expect("T0");
    (t0 + jiff::SignedDuration::from_mins(minutes)).to_string()
}

/// An RFC 3339 time `seconds` before now.
pub(crate) fn ago(seconds: i64) -> String {
    (jiff::Timestamp::now() - jiff::SignedDuration::from_secs(seconds)).to_string()
}

/// Seconds since `time`.
pub(crate) fn seconds_since(time: &str) -> f64 {
    let time: jiff::Timestamp = time.parse().expect("time");
    jiff::Timestamp::now().duration_since(time).as_secs_f64()
}

/// The outcome and reason of a section.
pub(crate) fn outcome(snapshot: &Snapshot, name: &str) -> (String, String) {
    let report = &snapshot.collection.sections[name];
    (report.outcome.as_str().to_owned(), report.reason.clone().unwrap_or_default())
}

/// Insta settings with durations, ages and the fixture paths redacted.
pub(crate) fn settings() -> insta::Settings {
    let mut settings = crate::common::settings();
    // Relative to this module's directory: the shared `tests/it/snapshots`.
    settings.set_snapshot_path("../snapshots");
    crate::common::redact(
        &mut settings,
        &[".report.duration_ms", ".**.elapsed_s", ".value.oldest_pending_age_seconds"],
    );
    settings
}
