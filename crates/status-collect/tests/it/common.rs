//! Shared test helpers: the insta settings that redact volatile values.

/// Insta settings for snapshot tests: snapshots live in `tests/it/snapshots`, and values that change
/// from run to run (timestamps, durations, pids, sequence numbers) are redacted by the callers' own
/// redaction lists built from [`VOLATILE`].
pub(crate) fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings
}

/// Selectors for the collector's own timings, which differ between runs, wherever a snapshot test
/// roots them: a whole snapshot, its `collection` report, or a `{report, value}` pair. Data fields
/// that happen to be named `duration_ms` (an operation's duration) are not touched.
pub(crate) const VOLATILE: &[&str] = &[
    ".collection.taken_at",
    ".collection.duration_ms",
    ".collection.sections.*.duration_ms",
    ".report.duration_ms",
    ".**.uptime_seconds",
];

/// Applies [`VOLATILE`] and `extra` redactions to `settings`.
pub(crate) fn redact(settings: &mut insta::Settings, extra: &[&str]) {
    for selector in VOLATILE.iter().chain(extra) {
        settings.add_redaction(selector, "[redacted]");
    }
}
