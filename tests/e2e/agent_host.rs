//! The example host (`examples/agent-host`) run for 60 s with its chat channels flapping: every
//! connect and drop shows in the snapshots by the next collection, within one interval; `/status`
//! validates against the schema and shows the pool's worker heartbeats, `/metrics` passes
//! `promtool` and shows the flaps and the pool's metrics, `/` is the page.
//!
//! It runs in-process through the example's library target (the binary is a thin `main` over the
//! same `start`), with a 250 ms collection interval and a flap every 610 ms: each channel then holds
//! each state for 1.2 s, almost five intervals, so a change that does not show is a real miss and
//! not a race.
//! `AGENT_HOST_SECONDS` shortens the run for a quick local check.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use agent_host::{CHANNELS, Options};
use status_model::Timestamp;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;

use crate::client::get;
use crate::monitoring::promtool_check;
use crate::schema::schema_errors;

const INTERVAL: Duration = Duration::from_millis(250);
/// Not a multiple of the interval, so changes fall at every point of the collection cycle.
const FLAP_EVERY: Duration = Duration::from_millis(610);
/// Leeway over one interval for the loop's timer and a busy machine.
const ALLOWANCE: Duration = Duration::from_millis(100);
/// How often `/metrics` is read while the host runs; every fifth time all routes are checked.
const PROBE_EVERY: Duration = Duration::from_millis(700);

fn run_length() -> Duration {
    let seconds = std::env::var("AGENT_HOST_SECONDS").ok().and_then(|s| s.parse().ok());
    Duration::from_secs(seconds.unwrap_or(60))
}

/// One snapshot as this test needs it: when it was taken and each channel's `(since, connected)`.
struct Seen {
    taken_at: Timestamp,
    channels: BTreeMap<String, (Timestamp, bool)>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_host_shows_every_channel_flap_within_one_interval() {
    let dir = tempfile::tempdir().unwrap();
    let options = Options {
        bind: ([127, 0, 0, 1], 0).into(),
        flap_every: FLAP_EVERY,
        interval: INTERVAL,
        data_dir: dir.path().to_owned(),
        traces: None,
        config: None,
        gateway: agent_host::GatewayOptions::default(),
    };
    let host = agent_host::start(options).await.unwrap();
    let mut published = host.status.subscribe();
    let started = Instant::now();
    let mut seen = Vec::new();
    let mut metric_values = BTreeSet::new();
    let mut next_probe = started + Duration::from_secs(1);
    let mut probes = 0;
    while started.elapsed() < run_length() {
        tokio::select! {
            change = published.recv() => match change {
                Ok(change) => seen.push(record(&change.published.snapshot)),
                Err(RecvError::Lagged(missed)) => panic!("the test fell {missed} snapshots behind"),
                Err(RecvError::Closed) => panic!("the pipeline stopped"),
            },
            () = tokio::time::sleep_until(next_probe) => {
                probe_routes(host.addr, probes % 5 == 0, &mut metric_values).await;
                probes += 1;
                next_probe += PROBE_EVERY;
            }
        }
    }
    host.stop().await;

    for channel in CHANNELS {
        assert!(
            metric_values.contains(&(channel, 0)) && metric_values.contains(&(channel, 1)),
            "/metrics never showed `{channel}` both up and down: {metric_values:?}"
        );
        check_changes(channel, &seen);
    }
}

fn record(snapshot: &status_model::Snapshot) -> Seen {
    let channels = snapshot.channels.value().expect("the host provides channels");
    let channels = channels
        .channels
        .iter()
        .map(|(name, state)| {
            (name.clone(), (state.since.expect("since is tracked"), state.connected))
        })
        .collect();
    Seen { taken_at: snapshot.collection.taken_at, channels }
}

/// Notes the channel gauges of `/metrics`; with `all`, also checks that `/status` validates, `/` is
/// the page and `/metrics` passes promtool.
async fn probe_routes(
    addr: std::net::SocketAddr,
    all: bool,
    metric_values: &mut BTreeSet<(&'static str, u8)>,
) {
    let metrics = get(addr, "/metrics").await.body;
    for channel in CHANNELS {
        for value in [0, 1] {
            let line = format!("status_channels_connected{{channel=\"{channel}\"}} {value}\n");
            if metrics.contains(&line) {
                metric_values.insert((channel, value));
            }
        }
    }
    if !all {
        return;
    }
    if let Err(report) = promtool_check(&metrics) {
        panic!("promtool reports:\n{report}\n{metrics}");
    }
    let status = get(addr, "/status").await;
    assert_eq!(status.status, 200);
    let errors = schema_errors(&status.json(), None);
    assert!(errors.is_empty(), "/status does not match the schema:\n{}", errors.join("\n"));
    let snapshot = status.json();
    let workers = snapshot["workers"].as_object().expect("the pool's heartbeats");
    assert_eq!(workers.len(), 3, "{workers:?}");
    assert!(metrics.contains("agent_jobs_total{outcome=\"success\"}"), "the pool's metrics");
    let page = get(addr, "/").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("telegram"), "the page shows the channels");
}

/// Every change of `channel` shows in the first collection that started after it, no later than
/// one interval (plus [`ALLOWANCE`]) after it; consecutive states alternate (none was missed); and
/// there are as many as the flapper made.
#[track_caller]
fn check_changes(channel: &str, seen: &[Seen]) {
    let mut changes = 0;
    let mut latest_ms: f64 = 0.0;
    for (before, after) in seen.iter().zip(&seen[1..]) {
        let (old_since, old_connected) = before.channels[channel];
        let (since, connected) = after.channels[channel];
        if since == old_since {
            continue;
        }
        changes += 1;
        assert_ne!(
            connected, old_connected,
            "`{channel}`: a change between two snapshots was missed"
        );
        assert!(
            before.taken_at < since,
            "`{channel}` changed at {since} but the collection of {} did not show it",
            before.taken_at
        );
        let late = after.taken_at.duration_since(since).as_secs_f64();
        latest_ms = latest_ms.max(late * 1000.0);
        assert!(
            late <= (INTERVAL + ALLOWANCE).as_secs_f64(),
            "`{channel}` changed at {since} and showed only in the collection of {}",
            after.taken_at
        );
    }
    let span = seen.last().unwrap().taken_at.duration_since(seen[0].taken_at).as_secs_f64();
    let expected = span / FLAP_EVERY.as_secs_f64() / CHANNELS.len() as f64;
    assert!(
        f64::from(changes) >= expected.floor() - 1.0,
        "`{channel}`: {changes} changes seen in {span:.1} s, expected about {expected:.0}"
    );
    report(&format!(
        "agent-host e2e: `{channel}` changed {changes} times over {span:.1} s; \
         latest showing {latest_ms:.0} ms after the change"
    ));
}

#[expect(clippy::print_stderr, reason = "the measured lateness is worth seeing with --nocapture")]
fn report(line: &str) {
    eprintln!("{line}");
}
