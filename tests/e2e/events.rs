//! Change events from the example host: each chat channel flap is exactly one on-change event,
//! delivered to a real hook command on its stdin and naming the channel's keys.
//!
//! The host runs in-process (as in `agent_host.rs`) with a 500 ms collection interval and a flap
//! every 1.7 s, so each channel holds each state for 3.4 s, several intervals: every flap shows in
//! a snapshot. The hook is `/bin/sh` writing its stdin to a file of its own.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use agent_host::{CHANNELS, Options};
use status_collect::Config;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;

const INTERVAL: Duration = Duration::from_millis(500);
const FLAP_EVERY: Duration = Duration::from_millis(1_700);
const RUN_FOR: Duration = Duration::from_secs(12);

/// The events the hook wrote to `dir`, in the order of their snapshots.
fn hook_events(dir: &Path) -> Vec<serde_json::Value> {
    let mut events: Vec<serde_json::Value> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
        .filter(|text| !text.is_empty())
        .map(|text| serde_json::from_str(&text).unwrap())
        .collect();
    events.sort_by_key(|event| event["status"]["collection"]["sequence"].as_u64());
    events
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_channel_flap_is_one_change_event_naming_the_channel() {
    let dir = tempfile::tempdir().unwrap();
    let hooked = dir.path().join("events");
    std::fs::create_dir(&hooked).unwrap();
    let toml = format!(
        "[service]\nname = \"agent-host\"\n[[hooks.on_change]]\n\
         command = [\"/bin/sh\", \"-c\", \"cat > \\\"$(mktemp -p '{}' event.XXXXXX)\\\"\"]\n",
        hooked.display()
    );
    let options = Options {
        bind: ([127, 0, 0, 1], 0).into(),
        flap_every: FLAP_EVERY,
        interval: INTERVAL,
        data_dir: dir.path().join("data"),
        traces: None,
        config: Some(Config::parse(&toml, "the events test").unwrap()),
        gateway: agent_host::GatewayOptions::default(),
    };
    let host = agent_host::start(options).await.unwrap();
    let mut published = host.status.subscribe();
    let started = Instant::now();
    // Each channel's `connected` in each snapshot, and the snapshots whose changes name it.
    let mut states: BTreeMap<&str, Vec<(u64, bool)>> = BTreeMap::new();
    while started.elapsed() < RUN_FOR {
        let change = match tokio::time::timeout(Duration::from_secs(5), published.recv()).await {
            Ok(Ok(change)) => change,
            Ok(Err(RecvError::Lagged(missed))) => panic!("the test fell {missed} snapshots behind"),
            Ok(Err(RecvError::Closed)) => panic!("the pipeline stopped"),
            Err(_) => panic!("no snapshot in 5 s"),
        };
        let snapshot = &change.published.snapshot;
        let channels = snapshot.channels.value().expect("the example host has channels");
        for channel in CHANNELS {
            states
                .entry(channel)
                .or_default()
                .push((snapshot.collection.sequence, channels.channels[channel].connected));
        }
    }
    let counts = host.status.pipeline_counts();
    host.stop().await;

    // The flaps the snapshots show: a channel's `connected` differs from the snapshot before.
    let flaps: BTreeMap<&str, Vec<(u64, bool)>> = states
        .iter()
        .map(|(channel, seen)| {
            let flips = seen.windows(2).filter(|w| w[0].1 != w[1].1).map(|w| w[1]).collect();
            (*channel, flips)
        })
        .collect();
    let total: usize = flaps.values().map(Vec::len).sum();
    assert!(total >= 4, "the channels flapped {total} times in {RUN_FOR:?}: {flaps:?}");

    // Hooks run off the pipeline's path: wait for every flap's event to be written (and the hook
    // processes to be gone).
    let naming = |events: &[serde_json::Value], channel: &str| -> Vec<(u64, bool)> {
        let key = format!("channels.{channel}.connected");
        events
            .iter()
            .filter_map(|event| {
                let change = event["changed"].as_array()?.iter().find(|c| c["key"] == key)?;
                Some((
                    event["status"]["collection"]["sequence"].as_u64()?,
                    change["new"].as_bool()?,
                ))
            })
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut events = hook_events(&hooked);
    while CHANNELS.iter().any(|c| naming(&events, c).len() < flaps[c].len())
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
        events = hook_events(&hooked);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    events = hook_events(&hooked);
    assert_eq!(counts.hooks_dropped_total, 0, "no hook was dropped: {counts:?}");

    for channel in CHANNELS {
        // One event per flap, in the snapshot that shows it, saying the new state.
        assert_eq!(naming(&events, channel), flaps[channel], "{channel}");
        let key = format!("channels.{channel}.connected");
        for event in &events {
            let Some(change) =
                event["changed"].as_array().unwrap().iter().find(|c| c["key"] == key)
            else {
                continue;
            };
            assert_eq!(change["kind"], "changed", "{change}");
            assert_eq!(change["old"], !change["new"].as_bool().unwrap(), "{change}");
            assert_eq!(event["status"]["channels"][channel]["connected"], change["new"]);
        }
    }
}
