//! Command hooks: the program run directly (no shell) in a process group of its own, the event on
//! stdin, the changed keys in `STATUS_CHANGED`, and no other variable than `PATH`, `HOME`, `LANG` and
//! `TZ` from the server's environment (so a secret in the server's environment never reaches a hook).
//! The first 64 KiB of each of stdout and stderr is kept (an excerpt goes to the log), the rest is
//! read and counted; the whole group is killed when the program exits or at the timeout.
//!
//! This is the one place the library starts a program of the user's choosing; the program comes from
//! the operator's config file, never from a snapshot or a request.

use std::ffi::OsStr;
use std::time::Duration;

use bytes::Bytes;

use super::{Failure, excerpt};
use crate::command::{CommandError, Env};

/// Runs `argv` through the crate's audited helper, with `timeout`. Errors never repeat the command
/// line.
pub(super) async fn run(
    argv: &[String],
    payload: Bytes,
    changed_keys: &str,
    timeout: Duration,
) -> Result<String, Failure> {
    let Some((program, args)) = argv.split_first() else {
        return Err(Failure::Error("empty command".to_owned()));
    };
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let env = [("STATUS_CHANGED", OsStr::new(changed_keys))];
    let output =
        crate::command::run_in(program, &args, Env::AllowList(&env), Some(&payload), timeout)
            .await
            .map_err(|error| match error {
                CommandError::NotFound { .. } => {
                    Failure::Error("failed to start: the program was not found".to_owned())
                }
                CommandError::Io { source, .. } => {
                    Failure::Error(format!("failed to run: {source}"))
                }
                CommandError::TimedOut { .. } => Failure::TimedOut,
            })?;
    let dropped = match output.dropped_bytes {
        0 => String::new(),
        bytes => format!(" ({bytes} more bytes of output discarded)"),
    };
    if output.status.success() {
        Ok(format!("{}{dropped}", excerpt(&output.stdout)))
    } else {
        Err(Failure::Error(format!(
            "{}; stderr: {}{dropped}",
            output.status,
            excerpt(&output.stderr)
        )))
    }
}
