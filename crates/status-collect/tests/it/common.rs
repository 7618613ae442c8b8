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

/// Selectors for values that differ between runs in every snapshot.
pub(crate) const VOLATILE: &[&str] = &[".**.taken_at", ".**.duration_ms", ".**.uptime_seconds"];

/// Applies [`VOLATILE`] and `extra` redactions to `settings`.
pub(crate) fn redact(settings: &mut insta::Settings, extra: &[&str]) {
    for selector in VOLATILE.iter().chain(extra) {
        settings.add_redaction(selector, "[redacted]");
    }
}
