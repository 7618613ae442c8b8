//! The redaction corpus on every surface of a real server: the 30 planted secrets of
//! `status_model::redact::corpus` never appear, and its ordinary names always do where their
//! section is shown.
//!
//! A host (`StatusDeps`) plants them: 20 chat channels named after the corpus's names, each with a
//! secret in its `last_error`, and 10 custom checks named after names with the other 10 secrets in
//! their messages; its queue, sessions and scheduler fail with secrets in their errors (in the
//! collection report and the logs). The channels flap every collection, so every snapshot is a
//! change event. The real status loop, server, history, files and hook (a shell writing its stdin
//! to a file) run in-process; the logs are every tracing event of the process at INFO and up.
//!
//! Swept: `/status` (whole, terse, each section), `/` (the page), `/metrics` (both formats),
//! `/health` (plain and verbose), `/livez` and `/readyz` verbose, every text view, the history
//! read back and its files on disk, the latest/prev/diff files, the hook's stdin, the logs.

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use status_collect::{Config, History, open_store};
use status_deps::{BoxError, Provides, StatusDeps};
use status_model::redact::corpus::{NAMES, SECRETS};
use status_model::render::{Options, Style, View, render_value};
use status_model::{
    ChannelStatus, ChannelsSection, CustomCheck, CustomChecksSection, HealthStatus, QueueSection,
    SchedulerSection, SectionName, SessionsSection,
};
use tokio::time::Instant;

use crate::client::get;

/// The planting host.
#[derive(Default)]
struct Planted {
    calls: AtomicU64,
}

/// Custom checks the host reports, named after the first names of the corpus; their messages
/// carry secrets too.
const CHECKS: usize = 10;

/// A secret's error text: the secret planted in a sentence.
fn planted(index: usize) -> String {
    SECRETS[index % SECRETS.len()].1.to_owned()
}

impl Planted {
    /// Collections so far, as an index into the corpus.
    fn turn(&self) -> usize {
        usize::try_from(self.calls.load(Ordering::Relaxed) % 1024).unwrap_or(0)
    }
}

#[async_trait]
impl StatusDeps for Planted {
    fn provides(&self) -> Provides {
        Provides {
            channels: true,
            queue: true,
            sessions: true,
            scheduler: true,
            custom_checks: true,
            ..Provides::default()
        }
    }

    async fn channels(&self) -> Result<ChannelsSection, BoxError> {
        let call = self.calls.fetch_add(1, Ordering::Relaxed);
        let channels = NAMES
            .iter()
            .enumerate()
            .map(|(index, name)| {
                let status = ChannelStatus {
                    connected: (call + index as u64).is_multiple_of(2),
                    since: None,
                    last_error: Some(planted(index)),
                };
                ((*name).to_owned(), status)
            })
            .collect();
        Ok(ChannelsSection { channels })
    }

    async fn custom_checks(&self) -> Result<CustomChecksSection, BoxError> {
        Ok(NAMES[..CHECKS]
            .iter()
            .enumerate()
            .map(|(index, name)| {
                let check = CustomCheck {
                    status: HealthStatus::Warn,
                    message: planted(index + NAMES.len()),
                    observed_value: None,
                    observed_unit: None,
                };
                ((*name).to_owned(), check)
            })
            .collect())
    }

    async fn queue(&self) -> Result<QueueSection, BoxError> {
        Err(planted(self.turn()).into())
    }

    async fn sessions(&self) -> Result<SessionsSection, BoxError> {
        Err(planted(self.turn() + 7).into())
    }

    async fn scheduler(&self) -> Result<SchedulerSection, BoxError> {
        Err(planted(self.turn() + 13).into())
    }
}

/// Every log line of the process, as a writer for `tracing_subscriber::fmt` (at most 8 MiB).
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let mut logs = self.0.lock().unwrap();
        if logs.len() < 8 << 20 {
            logs.extend_from_slice(bytes);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn files_in(dir: &Path) -> Vec<(String, String)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            (path.display().to_string(), String::from_utf8_lossy(&bytes).into_owned())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_planted_secret_reaches_any_surface_and_every_name_shows() {
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        // What a served process logs by default; DEBUG from every thread would slow the other
        // tests of this binary, which share the subscriber.
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .finish();
    // The process's subscriber: the status loop's tasks log from the runtime's worker threads.
    tracing::subscriber::set_global_default(subscriber).expect("no other test sets one");
    tracing::info!("the redaction sweep starts");

    let dir = tempfile::tempdir().unwrap();
    let (state, files, hooked) =
        (dir.path().join("state"), dir.path().join("files"), dir.path().join("hooked"));
    std::fs::create_dir(&hooked).unwrap();
    let toml = format!(
        "[service]\nname = \"sweep\"\n[state]\ndir = {state:?}\n[history]\nenabled = true\n\
         [files]\ndir = {files:?}\n\
         [[hooks.on_change]]\ncommand = [\"/bin/sh\", \"-c\", \"cat > \\\"$(mktemp -p '{hooked}' event.XXXXXX)\\\"\"]\n",
        state = state.display().to_string(),
        files = files.display().to_string(),
        hooked = hooked.display(),
    );
    let mut config = Config::parse(&toml, "the redaction sweep").unwrap();
    config.collect.interval = Duration::from_millis(300);
    let status = status_collect::Status::builder()
        .deps(Arc::new(Planted::default()))
        .config(config)
        .spawn()
        .unwrap();
    let listener = status_http::bind(([127, 0, 0, 1], 0).into()).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(
        status_http::serve_status(&status, listener, async {
            let _ = stopped.await;
        })
        .unwrap(),
    );

    // Three change events handed to the hook, and stored.
    let deadline = Instant::now() + Duration::from_secs(20);
    while (status.pipeline_counts().hooks_succeeded_total < 3
        || status.pipeline_counts().history_rows_written_total < 3
        || status.pipeline_counts().files_written_total < 3)
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let counts = status.pipeline_counts();
    assert!(counts.hooks_succeeded_total >= 3, "{counts:?}");

    let mut surfaces: Vec<(String, String)> = Vec::new();
    let mut paths = vec![
        "/status".to_owned(),
        "/status?terse=1".to_owned(),
        "/status?format=terse".to_owned(),
        "/".to_owned(),
        "/metrics".to_owned(),
        "/health".to_owned(),
        "/health?verbose".to_owned(),
        "/livez?verbose".to_owned(),
        "/readyz?verbose".to_owned(),
    ];
    paths.extend(SectionName::ALL.iter().map(|name| format!("/status/{name}")));
    for path in &paths {
        let reply = get(addr, path).await;
        surfaces.push((format!("GET {path}"), reply.body));
    }
    let openmetrics = crate::client::get_with(
        addr,
        "/metrics",
        ("accept", "application/openmetrics-text; version=1.0.0"),
    )
    .await;
    surfaces.push(("GET /metrics (OpenMetrics)".to_owned(), openmetrics.body));

    let published = status.current().expect("a snapshot");
    let options = Options { style: Style::Plain, now: None, limit: None };
    let mut views = vec![View::Overview, View::Resources, View::Health, View::Collection];
    views.extend(SectionName::ALL.iter().map(|name| View::Section(*name)));
    for view in views {
        let text = render_value(Some(&published.value), view, &options);
        surfaces.push((format!("text view {view:?}"), text));
    }
    let markdown = Options { style: Style::Markdown, ..options };
    surfaces.push((
        "text overview (Markdown)".to_owned(),
        render_value(Some(&published.value), View::Overview, &markdown),
    ));

    let history = History::from_pool(open_store(&state.join("status.db")).await.unwrap());
    surfaces.push((
        "history read back".to_owned(),
        history.snapshots(None, 100).await.unwrap().join("\n"),
    ));
    for name in NAMES {
        let key = format!("channels.{name}.last_error");
        let series = history.series(&key, None, 100).await.unwrap();
        assert!(!series.is_empty(), "{key} has a series");
        surfaces.push((format!("history series of {key}"), format!("{series:?}")));
    }

    status.shutdown().await;
    let _ = stop.send(());
    server.await.unwrap();
    // The hooks of the last snapshots end on their own; wait for them before reading their files.
    tokio::time::sleep(Duration::from_millis(500)).await;

    surfaces.extend(files_in(&state));
    surfaces.extend(files_in(&files));
    let hook_stdin = files_in(&hooked);
    assert!(hook_stdin.len() >= 3, "{} hook events", hook_stdin.len());
    surfaces.extend(hook_stdin);
    let logs = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    surfaces.push(("logs".to_owned(), logs));

    for (surface, text) in &surfaces {
        for (secret, _) in SECRETS {
            assert!(!text.contains(secret), "{secret:?} on {surface}:\n{text}");
        }
    }
    // The reasons are there, scrubbed: the sweep is not of empty pages.
    let scrubbed = |surface: &str| {
        let found = surfaces.iter().find(|(name, _)| name == surface);
        let found = found.or_else(|| surfaces.iter().find(|(name, _)| name.contains(surface)));
        found.unwrap_or_else(|| panic!("no surface {surface}")).1.matches("[redacted]").count()
    };
    for surface in [
        "GET /status",
        "GET /",
        "GET /health",
        "GET /status/channels",
        "text view Section(Channels)",
        "text view Health",
        "history read back",
        "latest.json",
        "event.",
    ] {
        assert!(scrubbed(surface) >= 10, "{surface} shows no scrubbed reasons");
    }
    let logs = &surfaces.iter().find(|(name, _)| name == "logs").unwrap().1;
    assert!(logs.contains("the redaction sweep starts"), "the logs were captured: {logs}");

    // The names show wherever their section does: channels in the JSON, the page, the metrics, the
    // channels' text view, the history, the files and the hook's stdin; the custom checks' names on
    // the health routes.
    let shown = |surface: &str| -> &str {
        let found = surfaces.iter().find(|(name, _)| name == surface);
        let found = found.or_else(|| surfaces.iter().find(|(name, _)| name.contains(surface)));
        &found.unwrap_or_else(|| panic!("no surface {surface}")).1
    };
    for surface in [
        "GET /status",
        "GET /status/channels",
        "GET /",
        "GET /metrics",
        "text view Section(Channels)",
        "history read back",
        "latest.json",
        "event.",
    ] {
        let text = shown(surface);
        for name in NAMES {
            assert!(text.contains(name), "{name} is not on {surface}:\n{text}");
        }
    }
    for surface in ["GET /health?verbose", "GET /status/custom_checks"] {
        let text = shown(surface);
        for name in &NAMES[..CHECKS] {
            assert!(text.contains(name), "{name} is not on {surface}:\n{text}");
        }
    }
}
