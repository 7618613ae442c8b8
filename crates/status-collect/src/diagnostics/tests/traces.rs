//! The trace buffer through a real subscriber: grouping, deny-list, truncation, caps, eviction.

use tracing_subscriber::layer::SubscriberExt;

use super::super::{TraceBuffer, TraceStats};
use crate::config::TracesConfig;

/// Runs `emit` with a subscriber whose only layer is `buffer`'s.
fn with_buffer(buffer: &TraceBuffer, emit: impl FnOnce()) {
    let subscriber = tracing_subscriber::registry().with(buffer.layer());
    tracing::subscriber::with_default(subscriber, emit);
}

fn buffer(edit: impl FnOnce(&mut TracesConfig)) -> TraceBuffer {
    let mut config = TracesConfig::default();
    edit(&mut config);
    TraceBuffer::new(&config)
}

#[test]
fn events_group_by_execution_from_the_event_or_an_enclosing_span() {
    let buffer = buffer(|_| {});
    assert!(!buffer.is_installed());
    with_buffer(&buffer, || {
        tracing::info!(execution_id = "e1", kind = "submit", "submitted");
        let span = tracing::info_span!("run", execution_id = "e2");
        let _entered = span.enter();
        tracing::info!(kind = "resolve", outcome = "ok", "resolved");
        tracing::info!(execution_id = "e1", kind = "resolve", outcome = "error", error = "boom");
        drop(_entered);
        tracing::info!(kind = "orphan", "no execution id: not kept");
    });
    assert!(buffer.is_installed());
    let list = buffer.executions();
    let seen: Vec<(&str, usize, Option<&str>)> = list
        .iter()
        .map(|e| (e.execution_id.as_str(), e.event_count, e.outcome.as_deref()))
        .collect();
    assert_eq!(seen, [("e1", 2, Some("error")), ("e2", 1, Some("ok"))], "most recent first");
    let e1 = buffer.execution("e1").unwrap();
    assert_eq!(e1.events[0].message.as_deref(), Some("submitted"));
    assert_eq!(e1.events[0].fields["kind"], "submit");
    assert!(!e1.events[0].fields.contains_key("execution_id"), "the id is not repeated");
    assert_eq!((e1.events[1].level, e1.events[1].fields["error"].as_str()), ("info", "boom"));
    assert!(buffer.execution("e3").is_none());
}

#[test]
fn deny_listed_fields_never_appear_anywhere() {
    let buffer = buffer(|_| {});
    let secret = "hunter2-SECRET-VALUE";
    with_buffer(&buffer, || {
        tracing::info!(
            execution_id = "e1",
            api_token = secret,
            ApiKey = secret,
            client_secret = secret,
            db_password = secret,
            message_text = secret,
            text = secret,
            kind = "submit",
            "submitted"
        );
    });
    let trace = buffer.execution("e1").unwrap();
    let everything = format!(
        "{}{}{}",
        serde_json::to_string(&trace).unwrap(),
        serde_json::to_string(&buffer.executions()).unwrap(),
        serde_json::to_string(&buffer.stats()).unwrap()
    );
    assert!(!everything.contains(secret), "{everything}");
    assert_eq!(trace.events[0].fields.keys().collect::<Vec<_>>(), ["kind"]);
    assert_eq!(buffer.stats().withheld_fields, 6);
}

#[test]
fn values_are_cut_to_the_limit() {
    let buffer = buffer(|_| {});
    let long = "é".repeat(500);
    let exact = "x".repeat(200);
    with_buffer(&buffer, || {
        tracing::info!(execution_id = "e1", long = %long, exact = exact.as_str(), debug = ?long, "{long}");
    });
    let event = &buffer.execution("e1").unwrap().events[0];
    for value in [&event.fields["long"], &event.fields["debug"], event.message.as_ref().unwrap()] {
        assert_eq!(value.chars().count(), 200, "{value}");
        assert!(value.ends_with('…'), "{value}");
    }
    assert_eq!(event.fields["exact"], exact, "exactly at the limit is kept whole");
}

#[test]
fn only_the_configured_targets_are_kept() {
    let buffer = buffer(|config| config.targets = vec!["pool".into()]);
    with_buffer(&buffer, || {
        tracing::info!(target: "pool", execution_id = "a");
        tracing::info!(target: "pool::worker", execution_id = "b");
        tracing::info!(target: "poolside", execution_id = "c");
        tracing::info!(target: "other", execution_id = "d");
    });
    let ids: Vec<String> = buffer.executions().into_iter().map(|e| e.execution_id).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&"a".to_owned()) && ids.contains(&"b".to_owned()), "{ids:?}");
}

#[test]
fn an_execution_keeps_its_newest_events_up_to_its_cap() {
    let buffer = buffer(|config| config.max_events_per_execution = 4);
    with_buffer(&buffer, || {
        for step in 0..10 {
            tracing::info!(execution_id = "e1", step);
        }
    });
    let trace = buffer.execution("e1").unwrap();
    let steps: Vec<&str> = trace.events.iter().map(|e| e.fields["step"].as_str()).collect();
    assert_eq!(steps, ["6", "7", "8", "9"]);
    assert_eq!(trace.summary.dropped_events, 6);
}

#[test]
fn the_oldest_executions_are_evicted_first() {
    let buffer = buffer(|config| config.max_events = 10);
    with_buffer(&buffer, || {
        for execution in 0..5 {
            for step in 0..3 {
                tracing::info!(execution_id = execution, step);
            }
        }
        // Activity on the oldest execution does not save it: age is by first appearance.
        tracing::info!(execution_id = 2, step = 3);
        tracing::info!(execution_id = 5, step = 0);
    });
    let mut ids: Vec<String> = buffer.executions().into_iter().map(|e| e.execution_id).collect();
    ids.sort();
    assert_eq!(ids, ["3", "4", "5"]);
    let TraceStats { events, evicted_executions, .. } = buffer.stats();
    assert_eq!((events, evicted_executions), (7, 3));
}

#[test]
fn the_byte_bound_holds() {
    let buffer = buffer(|config| config.max_bytes = 64 * 1024);
    with_buffer(&buffer, || {
        for i in 0..2000 {
            tracing::info!(execution_id = i / 10, payload = %"p".repeat(150));
        }
    });
    let stats = buffer.stats();
    assert!(stats.bytes <= 64 * 1024 && stats.bytes > 48 * 1024, "{stats:?}");
    assert!(stats.evicted_executions > 100, "{stats:?}");
    let oldest_kept: u64 =
        buffer.executions().iter().map(|e| e.execution_id.parse::<u64>().unwrap()).min().unwrap();
    assert_eq!(oldest_kept, 200 - stats.executions as u64, "the newest executions are kept");
}

/// 8 tasks on a multi-thread runtime, 200,000 events: the buffer's accounting stays within its
/// bounds all along, and a deny-listed field given with every event is never held. (The process
/// RSS is measured by the `diagnostics` bench, `million_events_8_threads`, in a process of its
/// own: here other tests share the process.)
#[test]
fn the_bounds_hold_under_load_from_8_tasks() {
    use tracing::instrument::WithSubscriber;
    let buffer = buffer(|_| {});
    let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(buffer.layer()));
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    let max_bytes_seen = runtime.block_on(async {
        let tasks: Vec<_> = (0..8u64)
            .map(|task| {
                let buffer = buffer.clone();
                tokio::spawn(
                    async move {
                        let mut max_bytes = 0;
                        for i in 0..25_000u64 {
                            let id = task * 1_000_000 + i / 50;
                            let payload = "p".repeat(usize::try_from(i % 400).unwrap());
                            tracing::info!(execution_id = id, session_key = "SECRET", %payload);
                            if i % 1000 == 0 {
                                max_bytes = max_bytes.max(buffer.stats().bytes);
                                tokio::task::yield_now().await;
                            }
                        }
                        max_bytes
                    }
                    .with_subscriber(dispatch.clone()),
                )
            })
            .collect();
        let mut max_bytes = 0;
        for task in tasks {
            max_bytes = max_bytes.max(task.await.unwrap());
        }
        max_bytes
    });
    let stats = buffer.stats();
    assert_eq!(stats.recorded_events, 200_000);
    assert!(stats.events <= 10_000 && stats.bytes <= 8 << 20, "{stats:?}");
    assert!(max_bytes_seen <= 8 << 20, "{max_bytes_seen}");
    assert_eq!(stats.withheld_fields, 200_000);
    let newest = buffer.executions().first().unwrap().execution_id.clone();
    let held = serde_json::to_string(&buffer.execution(&newest).unwrap()).unwrap();
    assert!(!held.contains("SECRET") && !held.contains("session_key"), "{held}");
}
