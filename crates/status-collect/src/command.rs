//! The one audited way this crate starts child processes: a program from `PATH`, with a timeout, killed
//! if the caller gives up. Used for tmux and screen, which have no other interface, and for the
//! operator's on-change command hooks; git and Docker are read in-process.

use std::ffi::OsStr;
use std::process::{Output, Stdio};
use std::time::Duration;

use tokio::io::AsyncWriteExt;

/// Why a command produced no output.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CommandError {
    /// The program is not installed (not on `PATH`).
    #[error("`{program}` is not installed (not found on PATH)")]
    NotFound {
        /// The program.
        program: String,
    },
    /// It could not be started or waited for.
    #[error("failed to run `{program}`: {source}")]
    Io {
        /// The program.
        program: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// It did not exit in time; it has been killed.
    #[error("`{program}` did not exit within {}; killed", humantime::format_duration(*timeout))]
    TimedOut {
        /// The program.
        program: String,
        /// The limit.
        timeout: Duration,
    },
}

/// An environment change for the child: set a variable, or remove it with `None`.
pub(crate) type EnvChange<'a> = (&'a str, Option<&'a OsStr>);

/// Runs `program args…` with `input` on stdin (or none) and captured output, and waits at most
/// `timeout`.
///
/// The child is killed when the wait is abandoned, whether by the timeout or because the caller's
/// future is dropped. A non-zero exit is not an error here: callers read the status and output.
pub(crate) async fn run(
    program: &str,
    args: &[&str],
    env: &[EnvChange<'_>],
    input: Option<&[u8]>,
    timeout: Duration,
) -> Result<Output, CommandError> {
    #[expect(
        clippy::disallowed_methods,
        reason = "the audited helper: every child process of this crate starts here, with a timeout and kill_on_drop"
    )]
    let mut command = tokio::process::Command::from(std::process::Command::new(program));
    let stdin = if input.is_some() { Stdio::piped() } else { Stdio::null() };
    command.args(args).stdin(stdin).stdout(Stdio::piped()).stderr(Stdio::piped());
    command.kill_on_drop(true);
    for (name, value) in env {
        match value {
            Some(value) => command.env(name, value),
            None => command.env_remove(name),
        };
    }
    let mut child = command.spawn().map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => CommandError::NotFound { program: program.to_owned() },
        _ => CommandError::Io { program: program.to_owned(), source },
    })?;
    let stdin = child.stdin.take();
    // A child that never reads its stdin must not stall on a full pipe: write while waiting.
    let feed = async move {
        if let (Some(mut stdin), Some(input)) = (stdin, input) {
            let _ = stdin.write_all(input).await;
        }
    };
    let wait = async {
        let ((), output) = tokio::join!(feed, child.wait_with_output());
        output
    };
    match tokio::time::timeout(timeout, wait).await {
        Ok(Ok(output)) => Ok(output),
        Ok(Err(source)) => Err(CommandError::Io { program: program.to_owned(), source }),
        Err(_elapsed) => Err(CommandError::TimedOut { program: program.to_owned(), timeout }),
    }
}

#[cfg(test)]
mod tests;
