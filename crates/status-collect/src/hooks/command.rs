//! Command hooks: the program run directly (no shell), the event on stdin, the changed keys in
//! `STATUS_CHANGED`.
//!
//! This is the one place the library starts a program of the user's choosing; the program comes from
//! the operator's config file, never from a snapshot or a request.

use std::ffi::OsStr;
use std::time::Duration;

use bytes::Bytes;

use super::{Failure, excerpt};
use crate::command::CommandError;

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
    let env = [("STATUS_CHANGED", Some(OsStr::new(changed_keys)))];
    let output = crate::command::run(program, &args, &env, Some(&payload), timeout).await.map_err(
        |error| match error {
            CommandError::NotFound { .. } => {
                Failure::Error("failed to start: the program was not found".to_owned())
            }
            CommandError::Io { source, .. } => Failure::Error(format!("failed to run: {source}")),
            CommandError::TimedOut { .. } => Failure::TimedOut,
        },
    )?;
    if output.status.success() {
        Ok(excerpt(&output.stdout))
    } else {
        Err(Failure::Error(format!("{}; stderr: {}", output.status, excerpt(&output.stderr))))
    }
}
