//! `status-cli watch`: a live, full-screen view of the status that redraws in place.
//!
//! Every `--interval` it reads a snapshot (from a server's `/status` with `--url`, else by
//! collecting in-process), renders the chosen text view and redraws the screen, highlighting what
//! changed since the previous snapshot. Keys: `q` or Ctrl-C quit; `o`, `r`, `h`, `c` switch to the
//! overview, resources, health and collection views. The terminal is put in raw mode on the
//! alternate screen and restored on every way out: a key, SIGINT, SIGTERM, an error or a panic.
//!
//! Plain ANSI, no TUI crate: the screen is a list of lines, redrawn from the top with
//! erase-to-end-of-line, which does not flicker and needs nothing but cursor movement.

mod frame;
mod term;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use status_collect::Engine;
use status_deps::NoDeps;
use status_model::render::{self, Options, Style, View};
use status_model::{Redactor, Timestamp};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use frame::Screen;
use term::Terminal;

/// What a read gave: a snapshot, no snapshot yet, or why there is none.
type Reading = Result<Option<Value>, String>;

/// Parses `--interval`: a duration from 100 ms to 1 h.
pub(crate) fn parse_interval(text: &str) -> Result<Duration, String> {
    let interval = humantime::parse_duration(text).map_err(|error| error.to_string())?;
    if !(Duration::from_millis(100)..=Duration::from_secs(3_600)).contains(&interval) {
        return Err(format!("{text} is not between 100ms and 1h"));
    }
    Ok(interval)
}

/// Runs the live view until `q`, Ctrl-C, SIGINT or SIGTERM.
pub(crate) async fn run(
    url: Option<&str>,
    token_file: Option<&Path>,
    config: Option<&Path>,
    interval: Duration,
    mut view: View,
) -> Result<(), String> {
    let source = match url {
        Some(url) => {
            Source::Server { url: url.to_owned(), token: crate::fetch::token(token_file)? }
        }
        None => {
            let config = crate::commands::load_config(config)?;
            let engine = Engine::from_config(&config, Arc::new(NoDeps), Default::default());
            Source::Local { engine, redactor: config.redact.redactor() }
        }
    };
    let label = match &source {
        Source::Server { url, .. } => url.clone(),
        Source::Local { .. } => "local collection".to_owned(),
    };
    let signals =
        |kind| signal(kind).map_err(|error| format!("cannot listen for signals: {error}"));
    let (mut interrupt, mut terminate, mut resize) = (
        signals(SignalKind::interrupt())?,
        signals(SignalKind::terminate())?,
        signals(SignalKind::window_change())?,
    );

    let mut terminal = Terminal::enter()?;
    let mut keys = term::spawn_key_reader();
    let (readings_tx, mut readings) = mpsc::channel(1);
    let poller = tokio::spawn(poll(source, interval, readings_tx));
    let mut screen = Screen::default();
    let mut reading: Option<Reading> = None;
    loop {
        let (rows, cols) = terminal.size();
        let header = header(&label, view, interval, reading.as_ref());
        if let Some(Ok(snapshot)) = &reading {
            screen.show(body(snapshot.as_ref(), view));
        }
        terminal.draw(&screen.frame(&header, rows, cols))?;
        tokio::select! {
            next = readings.recv() => reading = next,
            key = keys.recv() => match key {
                None | Some(b'q' | b'Q' | 3) => break,
                Some(key) => if let Some(next) = switch(key) {
                    view = next;
                    screen = Screen::default();
                },
            },
            _ = resize.recv() => {}
            _ = interrupt.recv() => break,
            _ = terminate.recv() => break,
        }
    }
    poller.abort();
    terminal.leave()
}

/// Where snapshots come from.
enum Source {
    /// A running server's `/status`, read with the bearer token if there is one.
    Server { url: String, token: Option<String> },
    /// Collections in this process, shown as the `[redact]` policy leaves them.
    Local { engine: Engine, redactor: Redactor },
}

/// Reads a snapshot every `interval` and sends it on, until the receiver is gone.
async fn poll(source: Source, interval: Duration, readings: mpsc::Sender<Reading>) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let reading = match &source {
            Source::Server { url, token } => {
                read_server(url, token.as_deref(), interval.max(Duration::from_secs(5))).await
            }
            Source::Local { engine, redactor } => redactor
                .redact_snapshot(&engine.collect().await)
                .map(|redacted| Some(redacted.value))
                .map_err(|error| error.to_string()),
        };
        if readings.send(reading).await.is_err() {
            return;
        }
    }
}

async fn read_server(url: &str, token: Option<&str>, timeout: Duration) -> Reading {
    let body =
        tokio::time::timeout(timeout, crate::fetch::get(url, "/status", token)).await.map_err(
            |_| format!("no answer from {url} within {}", humantime::format_duration(timeout)),
        )??;
    let json: Value = serde_json::from_slice(&body)
        .map_err(|error| format!("{url} did not answer JSON: {error}"))?;
    if json.get("schema_version").is_some() {
        return Ok(Some(json));
    }
    match json.get("error").and_then(Value::as_str) {
        Some("no snapshot yet") => Ok(None),
        Some(error) => Err(format!("{url}: {error}")),
        None => Err(format!("{url} did not answer a snapshot")),
    }
}

/// The view's lines, ages as of the snapshot's own time so that only a new snapshot changes them.
fn body(snapshot: Option<&Value>, view: View) -> Vec<String> {
    let options = Options { style: Style::Plain, now: None, limit: None };
    render::render_value(snapshot, view, &options).lines().map(str::to_owned).collect()
}

/// The first line: where from, which view, how old the snapshot is, or what went wrong.
fn header(label: &str, view: View, interval: Duration, reading: Option<&Reading>) -> String {
    let every = humantime::format_duration(interval);
    let state = match reading {
        None => "reading…".to_owned(),
        Some(Ok(None)) => "no snapshot yet".to_owned(),
        Some(Ok(Some(snapshot))) => {
            let taken = snapshot.pointer("/collection/taken_at").and_then(Value::as_str);
            let age = taken
                .and_then(|t| t.parse::<Timestamp>().ok())
                .map(|at| Timestamp::now().duration_since(at).as_secs_f64().max(0.0));
            match age {
                Some(age) => format!("snapshot {:.0}s old", age.floor()),
                None => "snapshot of unknown age".to_owned(),
            }
        }
        Some(Err(error)) => format!("error: {error} (showing the last good snapshot)"),
    };
    format!("status · {label} · {view} · {state} · every {every} · q quit, o/r/h/c views")
}

fn switch(key: u8) -> Option<View> {
    match key {
        b'o' => Some(View::Overview),
        b'r' => Some(View::Resources),
        b'h' => Some(View::Health),
        b'c' => Some(View::Collection),
        _ => None,
    }
}
