//! `status-cli watch`: a live, full-screen view of the status that redraws in place.
//!
//! Every `--interval` it reads a snapshot (from a server's `/status` with `--url`, else by
//! collecting in-process), renders the chosen text view and redraws the screen, highlighting what
//! changed since the previous snapshot in reverse video. The header (the service's name, its
//! health, the view, the snapshot's age) stays on the first row; the view scrolls under it.
//! Keys: `q` or Ctrl-C quit; arrows or `j`/`k`, PgUp/PgDn (`b`, space), Home/End (`g`, `G`)
//! scroll; `o`, `r`, `h`, `c` switch to the overview, resources, health and collection views; `?`
//! shows the keys. Colours show severity, except with `NO_COLOR`.
//!
//! The screen is drawn with ratatui on crossterm: raw mode on the alternate screen, restored on
//! every way out (a key, SIGINT, SIGTERM, an error or a panic); text is measured with
//! unicode-width; a resize redraws at the new size.

mod frame;
mod term;
mod ui;

use std::path::Path;
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use serde_json::Value;
use status_collect::{OnDemand, Status};
use status_model::Timestamp;
use status_model::render::{self, Options, Style, View};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use frame::Screen;
use ui::{Header, Move, Scroll};

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

/// What a key asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Quit,
    Help,
    CloseHelp,
    Scroll(Move),
    Show(View),
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
            let collection =
                Status::builder().config(config).on_demand().map_err(|error| error.to_string())?;
            Source::Local { collection: Box::new(collection) }
        }
    };
    let label = match &source {
        Source::Server { url, .. } => url.clone(),
        Source::Local { .. } => "local collection".to_owned(),
    };
    let signals =
        |kind| signal(kind).map_err(|error| format!("cannot listen for signals: {error}"));
    let (mut interrupt, mut terminate) =
        (signals(SignalKind::interrupt())?, signals(SignalKind::terminate())?);
    let colour = crate::logs::colour(true);

    let mut terminal = term::Screen::enter()?;
    let mut events = term::spawn_event_reader();
    let (readings_tx, mut readings) = mpsc::channel(1);
    let poller = tokio::spawn(poll(source, interval, readings_tx));
    let mut screen = Screen::default();
    let mut scroll = Scroll::default();
    let mut reading: Option<Reading> = None;
    let mut latest: Option<Value> = None;
    loop {
        if let Some(Ok(snapshot)) = &reading {
            if snapshot.is_some() {
                latest.clone_from(snapshot);
            }
            screen.show(body(snapshot.as_ref(), view));
        }
        let header = header(&label, view, interval, reading.as_ref(), latest.as_ref());
        terminal.draw(|frame| ui::draw(frame, &header, screen.shown(), &mut scroll, colour))?;
        tokio::select! {
            next = readings.recv() => reading = next,
            event = events.recv() => match event {
                None => break,
                Some(Event::Key(key)) => match action(key, scroll.help) {
                    Some(Action::Quit) => break,
                    Some(Action::Help) => scroll.help = !scroll.help,
                    Some(Action::CloseHelp) => scroll.help = false,
                    Some(Action::Scroll(step)) => scroll.apply(step),
                    Some(Action::Show(next)) => {
                        view = next;
                        screen = Screen::default();
                        scroll.reset();
                        if let Some(Ok(_)) = &reading {
                            screen.show(body(latest.as_ref(), view));
                        }
                    }
                    None => {}
                },
                // A resize: the next draw adapts to the new size.
                Some(_) => {}
            },
            _ = interrupt.recv() => break,
            _ = terminate.recv() => break,
        }
    }
    poller.abort();
    terminal.leave()
}

/// What `key` asks for; `None` for keys that mean nothing here.
fn action(key: KeyEvent, help: bool) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return matches!(key.code, KeyCode::Char('c' | 'C')).then_some(Action::Quit);
    }
    Some(match key.code {
        KeyCode::Char('q' | 'Q') => Action::Quit,
        KeyCode::Char('?') => Action::Help,
        KeyCode::Esc if help => Action::CloseHelp,
        KeyCode::Up | KeyCode::Char('k') => Action::Scroll(Move::Up),
        KeyCode::Down | KeyCode::Char('j') => Action::Scroll(Move::Down),
        KeyCode::PageUp | KeyCode::Char('b') => Action::Scroll(Move::PageUp),
        KeyCode::PageDown | KeyCode::Char(' ') => Action::Scroll(Move::PageDown),
        KeyCode::Home | KeyCode::Char('g') => Action::Scroll(Move::Home),
        KeyCode::End | KeyCode::Char('G') => Action::Scroll(Move::End),
        KeyCode::Char('o') => Action::Show(View::Overview),
        KeyCode::Char('r') => Action::Show(View::Resources),
        KeyCode::Char('h') => Action::Show(View::Health),
        KeyCode::Char('c') => Action::Show(View::Collection),
        _ => return None,
    })
}

/// Where snapshots come from.
enum Source {
    /// A running server's `/status`, read with the bearer token if there is one.
    Server { url: String, token: Option<String> },
    /// Collections in this process, shown as the `[redact]` policy leaves them.
    Local { collection: Box<OnDemand> },
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
            Source::Local { collection } => collection
                .collect()
                .await
                .map(|published| Some(serde_json::Value::clone(&published.value)))
                .map_err(|error| error.to_string()),
        };
        if readings.send(reading).await.is_err() {
            return;
        }
    }
}

async fn read_server(url: &str, token: Option<&str>, timeout: Duration) -> Reading {
    let answer = tokio::time::timeout(timeout, crate::fetch::get_answer(url, "/status", token))
        .await
        .map_err(|_| {
            format!("no answer from {url} within {}", humantime::format_duration(timeout))
        })??;
    if matches!(answer.status, 401 | 403) {
        return Err(match token {
            Some(_) => format!("unauthorized: {url} refused the token given"),
            None => {
                format!("unauthorized: {url} needs a token (--token-file FILE or $STATUS_TOKEN)")
            }
        });
    }
    let json: Value = serde_json::from_slice(&answer.body)
        .map_err(|_| format!("{url} answered HTTP {} that is not JSON", answer.status))?;
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

/// The header: the service, its health, the view, how old the snapshot is or what went wrong.
fn header(
    label: &str,
    view: View,
    interval: Duration,
    reading: Option<&Reading>,
    latest: Option<&Value>,
) -> Header {
    let (state, error) = match reading {
        None => ("reading…".to_owned(), false),
        Some(Ok(None)) => ("no snapshot yet".to_owned(), false),
        Some(Ok(Some(snapshot))) => {
            let taken = snapshot.pointer("/collection/taken_at").and_then(Value::as_str);
            let age = taken
                .and_then(|t| t.parse::<Timestamp>().ok())
                .map(|at| Timestamp::now().duration_since(at).as_secs_f64().max(0.0));
            let state = match age {
                Some(age) => format!("snapshot {:.0}s old", age.floor()),
                None => "snapshot of unknown age".to_owned(),
            };
            (state, false)
        }
        Some(Err(error)) => (format!("error: {error} (showing the last good snapshot)"), true),
    };
    let text = |pointer: &str| latest?.pointer(pointer)?.as_str().map(str::to_owned);
    Header {
        service: text("/service/name"),
        source: label.to_owned(),
        view: view.to_string(),
        state,
        error,
        health: text("/health/status"),
        every: format!("every {}", humantime::format_duration(interval)),
    }
}

#[cfg(test)]
mod tests;
