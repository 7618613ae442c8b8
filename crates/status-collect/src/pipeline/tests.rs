//! Pipeline tests: subscribers get each snapshot with its diff; a stuck hook or a locked store never
//! holds up collection; hooks' commands and URLs never reach the logs or the snapshot.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use status_model::{RuntimeSection, SectionData, SectionName};

use super::*;
use crate::collector::{CollectError, Collected, Collector};
use crate::engine::Engine;
use crate::runner::{LoopHandle, spawn_loop};

/// A runtime section whose `alive_tasks` goes up by one on every collection: a gauge, so every
/// snapshot differs only where `[diff] include` names it ([`config`] does).
#[derive(Default)]
struct Counter(AtomicU64);

#[async_trait]
impl Collector for Counter {
    fn section(&self) -> SectionName {
        SectionName::Runtime
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        let alive_tasks = self.0.fetch_add(1, Ordering::Relaxed);
        let runtime = RuntimeSection {
            event_loop_lag_ms: None,
            workers: 1,
            alive_tasks,
            global_queue_depth: 0,
        };
        Ok(Collected::complete(SectionData::Runtime(runtime)))
    }
}

/// Log lines captured by a tracing subscriber.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn install(&self) -> tracing::subscriber::DefaultGuard {
        let writer = self.clone();
        let subscriber =
            tracing_subscriber::fmt().with_writer(move || writer.clone()).with_ansi(false).finish();
        tracing::subscriber::set_default(subscriber)
    }

    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// `toml`, with the [`Counter`]'s gauge counted as a change (`[diff] include`), so that every
/// snapshot differs.
fn config(toml: &str, state: &std::path::Path) -> Config {
    let toml = format!("[diff]\ninclude = [\"runtime.alive_tasks\"]\n{toml}");
    let mut config = Config::parse(&toml, "<test>").unwrap();
    config.state.dir = Some(state.to_owned());
    config
}

/// The pipeline and a loop collecting [`Counter`] every `interval`.
fn start(config: &Config, interval: Duration) -> (Cache, Pipeline, LoopHandle) {
    let engine = Engine::new(
        vec![Arc::new(Counter::default()) as Arc<dyn Collector>],
        Duration::from_secs(1),
    );
    let cache = Cache::default();
    let store = crate::store::Store::new(&config.state_dir());
    let pipeline = Pipeline::spawn(config, &cache, &store, Arc::default());
    let running = spawn_loop(engine, cache.clone(), interval);
    (cache, pipeline, running)
}

fn sequence(cache: &Cache) -> u64 {
    cache.latest().map_or(0, |published| published.snapshot.collection.sequence)
}

/// Waits (real time, up to 10 s) for `done`.
async fn until(what: &str, done: impl Fn() -> bool) {
    for _ in 0..1000 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{what}: never happened");
}

#[tokio::test]
async fn subscribers_get_every_snapshot_with_its_diff() {
    let state = tempfile::tempdir().unwrap();
    let (_cache, pipeline, running) = start(&config("", state.path()), Duration::from_millis(20));
    let mut events = pipeline.subscribe();
    let first = events.recv().await.unwrap();
    let second = events.recv().await.unwrap();
    assert_eq!(
        second.published.snapshot.collection.sequence,
        first.published.snapshot.collection.sequence + 1
    );
    let keys: Vec<&str> = second.changes.iter().map(|change| change.key.as_str()).collect();
    assert_eq!(keys, ["runtime.alive_tasks"]);
    running.stop().await;
    pipeline.stop().await;
}

#[tokio::test]
async fn a_hook_that_sleeps_a_minute_does_not_delay_collection() {
    let state = tempfile::tempdir().unwrap();
    let config = config(
        "[[hooks.on_change]]\ncommand = [\"/bin/sleep\", \"60\"]\ntimeout = \"120s\"\n",
        state.path(),
    );
    let (cache, pipeline, running) = start(&config, Duration::from_millis(20));
    until("ten collections", || sequence(&cache) >= 10).await;
    let counts = pipeline.stats().counts();
    assert!(counts.hooks_dropped_total >= 1, "{counts:?}");
    assert_eq!(
        counts.hooks_succeeded_total + counts.hooks_failed_total + counts.hooks_timed_out_total,
        0
    );
    running.stop().await;
    pipeline.stop().await;
}

#[expect(
    clippy::disallowed_methods,
    reason = "the test locks the store from another process, the sqlite3 CLI"
)]
fn lock_from_another_process(db: &std::path::Path) -> std::process::Child {
    use std::io::{BufRead, BufReader};
    // The CLI may fail a busy BEGIN at once, whatever its timeout (a writer of the pipeline's holds
    // the lock right then): with `.bail on` it then exits instead of printing 'locked', and the
    // lock is asked for again.
    for _ in 0..20 {
        let mut child = std::process::Command::new("sqlite3")
            .arg(db)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("the sqlite3 CLI is installed");
        let stdin = child.stdin.as_mut().unwrap();
        stdin.write_all(b".bail on\n.timeout 10000\nBEGIN EXCLUSIVE;\nSELECT 'locked';\n").unwrap();
        stdin.flush().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
        if line.trim() == "locked" {
            return child;
        }
        let _ = child.wait();
    }
    panic!("the sqlite3 CLI never got the lock on {}", db.display());
}

#[tokio::test]
async fn a_locked_store_is_logged_and_counted_and_rows_resume_after() {
    status_testkit::require_tools!("sqlite3");
    let logs = Captured::default();
    let _logging = logs.install();
    let state = tempfile::tempdir().unwrap();
    let db = state.path().join(crate::history::STORE_FILE);
    let config = config("[history]\nenabled = true\n", state.path());
    // A collection every 200 ms: the writer, which takes the write lock before it reads, leaves
    // the other process gaps to take it in (back to back, a slow debug build's writer would not).
    let (cache, pipeline, running) = start(&config, Duration::from_millis(200));
    let stats = pipeline.stats();
    until("a first row", || stats.counts().history_rows_written_total >= 1).await;

    let mut holder = lock_from_another_process(&db);
    let failures_before = stats.counts().history_failures_total;
    until("two failed writes", || stats.counts().history_failures_total >= failures_before + 2)
        .await;
    let during = sequence(&cache);
    until("collection going on", || sequence(&cache) >= during + 3).await;
    assert!(logs.text().contains("status history: snapshot not stored"), "{}", logs.text());
    assert!(logs.text().contains("database is locked"), "{}", logs.text());

    holder.stdin.as_mut().unwrap().write_all(b"COMMIT;\n.quit\n").unwrap();
    holder.wait().unwrap();
    let written = stats.counts().history_rows_written_total;
    until("rows again", || stats.counts().history_rows_written_total >= written + 2).await;
    running.stop().await;
    pipeline.stop().await;
    let history = crate::history::History::open(&db).await.unwrap();
    let stored = history.count().await.unwrap();
    assert_eq!(stored, stats.counts().history_rows_written_total);
}

#[tokio::test]
async fn logs_and_snapshots_never_show_a_hooks_command_or_url() {
    let logs = Captured::default();
    let _logging = logs.install();
    let state = tempfile::tempdir().unwrap();
    let config = config(
        "[[hooks.on_change]]\ncommand = [\"/bin/sh\", \"-c\", \"exit 1\", \"SECRET-COMMAND-MARKER\"]\n\n\
         [[hooks.on_change]]\ncommand = [\"/nonexistent/SECRET-PROGRAM-MARKER\"]\n\n\
         [[hooks.on_change]]\nurl = \"http://127.0.0.1:9/SECRET-URL-MARKER\"\nheaders = { X-Token = \"SECRET-HEADER-MARKER\" }\n",
        state.path(),
    );
    let (cache, pipeline, running) = start(&config, Duration::from_millis(30));
    let stats = pipeline.stats();
    until("hooks failing", || stats.counts().hooks_failed_total >= 6).await;
    running.stop().await;
    pipeline.stop().await;

    let published = String::from_utf8(cache.latest().unwrap().json.to_vec()).unwrap();
    let counts = serde_json::to_string(&stats.counts()).unwrap();
    let surfaces = [logs.text(), published, counts, format!("{config:?}")];
    for surface in &surfaces {
        assert!(!surface.contains("SECRET"), "a hook's secret leaked into: {surface}");
    }
    assert!(logs.text().contains("status hook failed"), "{}", logs.text());
    assert_eq!(stats.counts().hooks_configured, 3);
}

/// A `tasks` section carrying a chat id (hashed by the test's policy) and a secret in a task's last
/// result (dropped by the default policy).
struct Planted;

const CHAT: &str = "chat-4242";
const SECRET: &str = "sk-live-7d1f0c2b9a8e4f63";

#[async_trait]
impl Collector for Planted {
    fn section(&self) -> SectionName {
        SectionName::Tasks
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        let task = status_model::ScheduledTask {
            id: "reminder".into(),
            group: Some(CHAT.into()),
            schedule_type: None,
            schedule_value: None,
            status: Some("active".into()),
            next_run: None,
            last_run: None,
            last_result: Some(SECRET.into()),
            overdue: Some(false),
        };
        let tasks = status_model::TasksSection { total: 1, tasks: vec![task] };
        Ok(Collected::complete(SectionData::Tasks(tasks)))
    }
}

#[tokio::test]
async fn history_files_hooks_and_logs_get_the_redacted_snapshot() {
    let logs = Captured::default();
    let _logging = logs.install();
    let state = tempfile::tempdir().unwrap();
    let hook_out = state.path().join("hook.json");
    let config = config(
        &format!(
            "[redact]\nhash = [\"tasks.tasks.group\"]\n[history]\nenabled = true\n\
             [files]\ndir = \"{dir}\"\n\
             [[hooks.on_change]]\ncommand = [\"/bin/sh\", \"-c\", \"cat >> '{out}'\"]\n",
            dir = state.path().display(),
            out = hook_out.display()
        ),
        state.path(),
    );
    let collectors: Vec<Arc<dyn Collector>> = vec![Arc::new(Counter::default()), Arc::new(Planted)];
    let engine = Engine::new(collectors, Duration::from_secs(1));
    let cache = Cache::new(config.redact.redactor());
    let store = crate::store::Store::new(&config.state_dir());
    let pipeline = Pipeline::spawn(&config, &cache, &store, Arc::default());
    let running = spawn_loop(engine, cache.clone(), Duration::from_millis(30));
    let stats = pipeline.stats();
    until("two hooks ran and three rows were stored", || {
        let counts = stats.counts();
        counts.hooks_succeeded_total >= 2 && counts.history_rows_written_total >= 3
    })
    .await;
    running.stop().await;
    pipeline.stop().await;

    let unredacted = serde_json::to_string(&*cache.latest().unwrap().snapshot).unwrap();
    assert!(unredacted.contains(CHAT) && unredacted.contains(SECRET), "the fixture plants both");
    let pseudonym = cache.redactor().hash(CHAT);
    let history = crate::History::open(&state.path().join(crate::STORE_FILE)).await.unwrap();
    let stored = history.snapshots(None, 10).await.unwrap().join("\n");
    let mut surfaces = vec![
        ("history", stored),
        ("hook stdin", std::fs::read_to_string(&hook_out).unwrap()),
        ("logs", logs.text()),
    ];
    for file in ["latest", "prev", "diff"] {
        let path = state.path().join(format!("status.{file}.json"));
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path:?}: {error}"));
        surfaces.push((file, text));
    }
    for (surface, text) in &surfaces {
        assert!(!text.contains(CHAT), "{surface} shows the chat id:\n{text}");
        assert!(!text.contains(SECRET), "{surface} shows the secret:\n{text}");
    }
    for (surface, text) in &surfaces[..2] {
        assert!(text.contains(&pseudonym), "{surface} lacks the pseudonym:\n{text}");
    }
    assert!(surfaces[3].1.contains(&pseudonym), "the latest file lacks the pseudonym");
}
