//! Command hooks: the program run directly (no shell), the event on stdin, the changed keys in
//! `STATUS_CHANGED`.
//!
//! This is the one place the library starts a program of the user's choosing; the program comes from
//! the operator's config file, never from a snapshot or a request.

use std::process::Stdio;

use bytes::Bytes;
use tokio::io::AsyncWriteExt;

use super::excerpt;

/// Runs `argv` to completion. The child is killed if this future is dropped (at the hook's timeout).
/// Errors never repeat the command line.
pub(super) async fn run(
    argv: &[String],
    payload: Bytes,
    changed_keys: &str,
) -> Result<String, String> {
    let Some((program, args)) = argv.split_first() else {
        return Err("empty command".to_owned());
    };
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .env("STATUS_CHANGED", changed_keys)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|error| format!("failed to start: {error}"))?;
    let stdin = child.stdin.take();
    // A hook that never reads stdin must not stall on a full pipe: write while waiting.
    let feed = async move {
        if let Some(mut stdin) = stdin {
            let _ = stdin.write_all(&payload).await;
        }
    };
    let ((), output) = tokio::join!(feed, child.wait_with_output());
    let output = output.map_err(|error| format!("failed to wait for it: {error}"))?;
    if output.status.success() {
        Ok(excerpt(&output.stdout))
    } else {
        Err(format!("{}; stderr: {}", output.status, excerpt(&output.stderr)))
    }
}
