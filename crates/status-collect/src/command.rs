//! The one audited way this crate starts child processes: a program from `PATH`, in a process group of
//! its own, with a timeout and bounded output; the whole group is killed when the program exits, at
//! the timeout, and if the caller gives up. Used for tmux and screen, which have no other interface, and for the
//! operator's on-change command hooks; git and Docker are read in-process.

use std::ffi::OsStr;
use std::process::{ExitStatus, Output, Stdio};
use std::time::Duration;

use rustix::process::{Pid, Signal};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

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

/// The variables a child started with [`Env::AllowList`] keeps from this process's environment.
pub(crate) const ENV_ALLOWED: [&str; 4] = ["PATH", "HOME", "LANG", "TZ"];

/// At most this much of each of stdout and stderr is kept; the rest is read and counted.
pub(crate) const OUTPUT_KEPT: usize = 64 * 1024;

/// After the program exits, how long its output pipes may stay open (held by a child of its that
/// escaped its process group) before the rest of the output is given up.
const DRAIN_AFTER_EXIT: Duration = Duration::from_millis(200);

/// Which environment the child gets.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Env<'a> {
    /// This process's environment with these changes.
    Inherit(&'a [EnvChange<'a>]),
    /// Only [`ENV_ALLOWED`] from this process's environment, plus these variables.
    AllowList(&'a [(&'a str, &'a OsStr)]),
}

/// What a finished program left.
#[derive(Debug)]
pub(crate) struct Finished {
    /// How it exited.
    pub(crate) status: ExitStatus,
    /// The first [`OUTPUT_KEPT`] bytes of its stdout.
    pub(crate) stdout: Vec<u8>,
    /// The first [`OUTPUT_KEPT`] bytes of its stderr.
    pub(crate) stderr: Vec<u8>,
    /// The bytes of stdout and stderr read beyond those kept.
    pub(crate) dropped_bytes: u64,
}

/// Runs `program args…` with `input` on stdin (or none) and captured output, and waits at most
/// `timeout`.
///
/// The same as [`run_in`] with the environment inherited (with `env`'s changes), returning the
/// kept output only.
pub(crate) async fn run(
    program: &str,
    args: &[&str],
    env: &[EnvChange<'_>],
    input: Option<&[u8]>,
    timeout: Duration,
) -> Result<Output, CommandError> {
    let finished = run_in(program, args, Env::Inherit(env), input, timeout).await?;
    Ok(Output { status: finished.status, stdout: finished.stdout, stderr: finished.stderr })
}

/// Runs `program args…` in a process group of its own, with the environment `env`, `input` on
/// stdin (or none), and waits at most `timeout`.
///
/// The whole process group is killed when the program exits (so a child it left running in the
/// background does not outlive it), at the timeout, and when the caller's future is dropped. Each of
/// stdout and stderr keeps its first [`OUTPUT_KEPT`] bytes; the rest is read and counted, never kept.
/// A non-zero exit is not an error here: callers read the status and output.
pub(crate) async fn run_in(
    program: &str,
    args: &[&str],
    env: Env<'_>,
    input: Option<&[u8]>,
    timeout: Duration,
) -> Result<Finished, CommandError> {
    #[expect(
        clippy::disallowed_methods,
        reason = "the audited helper: every child process of this crate starts here, with a timeout, in its own process group killed at the end"
    )]
    let mut command = tokio::process::Command::from(std::process::Command::new(program));
    let stdin = if input.is_some() { Stdio::piped() } else { Stdio::null() };
    command.args(args).stdin(stdin).stdout(Stdio::piped()).stderr(Stdio::piped());
    command.kill_on_drop(true).process_group(0);
    match env {
        Env::Inherit(changes) => {
            for (name, value) in changes {
                match value {
                    Some(value) => command.env(name, value),
                    None => command.env_remove(name),
                };
            }
        }
        Env::AllowList(set) => {
            command.env_clear();
            for name in ENV_ALLOWED {
                if let Some(value) = std::env::var_os(name) {
                    command.env(name, value);
                }
            }
            for (name, value) in set {
                command.env(name, value);
            }
        }
    }
    let mut child = command.spawn().map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => CommandError::NotFound { program: program.to_owned() },
        _ => CommandError::Io { program: program.to_owned(), source },
    })?;
    // From here on, every way out kills the group (the guard's drop included).
    let group = Group(child.id().and_then(|id| i32::try_from(id).ok()).and_then(Pid::from_raw));
    let (stdin, stdout, stderr) = (child.stdin.take(), child.stdout.take(), child.stderr.take());
    let work = async {
        let (mut out, mut err) = (Captured::default(), Captured::default());
        let status = {
            let reading = async { tokio::join!(out.read_from(stdout), err.read_from(stderr)) };
            tokio::pin!(reading);
            // A child that never reads its stdin must not stall on a full pipe: write while waiting.
            let feed = async move {
                if let (Some(mut stdin), Some(input)) = (stdin, input) {
                    let _ = stdin.write_all(input).await;
                }
            };
            let waiting = async {
                let ((), status) = tokio::join!(feed, child.wait());
                status
            };
            tokio::pin!(waiting);
            let mut read_all = false;
            let status = loop {
                tokio::select! {
                    status = &mut waiting => break status,
                    _ = &mut reading, if !read_all => read_all = true,
                }
            };
            // Its background children go with it, so the pipes they held close.
            group.kill();
            if !read_all {
                let _ = tokio::time::timeout(DRAIN_AFTER_EXIT, &mut reading).await;
            }
            status
        };
        status.map(|status| Finished {
            status,
            dropped_bytes: out.dropped + err.dropped,
            stdout: out.kept,
            stderr: err.kept,
        })
    };
    let result = tokio::time::timeout(timeout, work).await;
    drop(group);
    match result {
        Ok(Ok(finished)) => Ok(finished),
        Ok(Err(source)) => Err(CommandError::Io { program: program.to_owned(), source }),
        Err(_elapsed) => Err(CommandError::TimedOut { program: program.to_owned(), timeout }),
    }
}

/// A child's process group, killed (with SIGKILL) when dropped.
struct Group(Option<Pid>);

impl Group {
    fn kill(&self) {
        if let Some(pid) = self.0 {
            // ESRCH: the group is already gone.
            let _ = rustix::process::kill_process_group(pid, Signal::KILL);
        }
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One output stream: the first [`OUTPUT_KEPT`] bytes, and a count of the rest.
#[derive(Default)]
struct Captured {
    kept: Vec<u8>,
    dropped: u64,
}

impl Captured {
    async fn read_from(&mut self, pipe: Option<impl AsyncRead + Unpin>) {
        let Some(mut pipe) = pipe else { return };
        let mut buffer = vec![0_u8; 16 * 1024];
        loop {
            match pipe.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(read) => {
                    let room = OUTPUT_KEPT.saturating_sub(self.kept.len()).min(read);
                    self.kept.extend_from_slice(&buffer[..room]);
                    self.dropped += u64::try_from(read - room).unwrap_or(u64::MAX);
                }
            }
        }
    }
}

/// The live (not zombie) processes of process group `pgid`, from /proc; for tests.
#[cfg(test)]
pub(crate) fn group_members(pgid: i32) -> Vec<i32> {
    let mut members = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        // pid (comm) state ppid pgrp …; comm may hold spaces, so split after its closing paren.
        let Some((_, rest)) = stat.rsplit_once(')') else { continue };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        if fields.get(2).and_then(|pgrp| pgrp.parse::<i32>().ok()) == Some(pgid)
            && fields.first() != Some(&"Z")
        {
            members.push(pid);
        }
    }
    members
}

#[cfg(test)]
mod tests;
