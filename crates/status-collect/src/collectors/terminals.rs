//! The `terminals` section: tmux and screen sessions, asked of the tools themselves through the
//! audited command helper (their sockets' formats are private to them), but only when their sockets
//! say something changed.
//!
//! - tmux: the servers are the sockets in `tmux-UID/` under `TMUX_TMPDIR` (or `/tmp`). No socket is
//!   no server, and no process is started. Each server is asked (`tmux -S <socket> list-sessions`)
//!   when its socket is new or changed (inode, mtime or ctime: tmux changes the socket's mode when a
//!   client attaches or detaches), and at least every [`REASK_AFTER`]: a session made or killed
//!   with no client attached (`tmux new -d`) leaves the socket untouched, so that is how stale a
//!   count of detached sessions may be. Otherwise the server's last answer is kept.
//! - screen: each session is an entry of its socket directory (`SCREENDIR`, else where `screen -ls`
//!   says it looks), so `screen -ls` runs again only when that directory's inode, mtime or ctime
//!   changed, or after [`REASK_AFTER`].
//! - The programs are looked up on `PATH` once (and again after [`REASK_AFTER`] while not found),
//!   then started by absolute path.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use status_model::{SectionData, SectionName, TerminalsSection};
use tokio::time::Instant;

use crate::collector::{CollectError, Collected, Collector};
use crate::command::{self, CommandError, EnvChange};

/// How long `tmux` or `screen` may take to answer.
const TOOL_TIMEOUT: Duration = Duration::from_secs(1);

/// A kept answer (or a failed `PATH` lookup) is renewed after this long even when nothing on disk
/// changed.
pub(crate) const REASK_AFTER: Duration = Duration::from_secs(300);

/// At most this many tmux server sockets are asked.
const MAX_SERVERS: usize = 16;

/// Collects the `terminals` section.
pub struct TerminalsCollector {
    tmux_tmpdir: Option<PathBuf>,
    screen_dir: Option<PathBuf>,
    tmux: String,
    screen: String,
    kept: Mutex<Kept>,
}

/// What earlier collections learnt.
#[derive(Default)]
struct Kept {
    tmux_program: Option<Lookup>,
    screen_program: Option<Lookup>,
    /// Each tmux socket's identity and its server's answer.
    tmux: BTreeMap<PathBuf, Answer<Vec<String>>>,
    /// The screen socket directory's identity and `screen -ls`'s answer.
    screen: Option<Answer<u64>>,
    /// Where screen keeps its sockets, as `screen -ls` said.
    screen_dir_seen: Option<PathBuf>,
}

/// A program's `PATH` lookup.
#[derive(Clone)]
struct Lookup {
    found: Result<PathBuf, String>,
    at: Instant,
}

/// An answer and the identity of the file it was asked for.
struct Answer<T> {
    identity: Option<Identity>,
    value: Result<T, String>,
    at: Instant,
}

/// What changes when a socket or a directory changes: inode, mtime and ctime (to the nanosecond).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Identity {
    inode: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

fn identity(path: &Path) -> Option<Identity> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    Some(Identity {
        inode: meta.ino(),
        mtime: (meta.mtime(), meta.mtime_nsec()),
        ctime: (meta.ctime(), meta.ctime_nsec()),
    })
}

impl<T> Answer<T> {
    fn still(&self, identity: Option<Identity>, now: Instant) -> bool {
        self.identity == identity && now.duration_since(self.at) < REASK_AFTER
    }
}

impl TerminalsCollector {
    /// Asks the tmux servers under `tmux_tmpdir` (tmux's `TMUX_TMPDIR`; `None` leaves tmux's
    /// default) and the screen sockets in `screen_dir` (screen's `SCREENDIR`; `None` leaves
    /// screen's default).
    pub fn new(tmux_tmpdir: Option<PathBuf>, screen_dir: Option<PathBuf>) -> TerminalsCollector {
        TerminalsCollector {
            tmux_tmpdir,
            screen_dir,
            tmux: "tmux".into(),
            screen: "screen".into(),
            kept: Mutex::default(),
        }
    }

    /// Runs these programs (names looked up on `PATH`, or paths) instead of `tmux` and `screen`.
    #[cfg_attr(
        not(feature = "testing"),
        allow(dead_code, reason = "used by tests, through `testing`")
    )]
    pub fn with_programs(mut self, tmux: &str, screen: &str) -> TerminalsCollector {
        tmux.clone_into(&mut self.tmux);
        screen.clone_into(&mut self.screen);
        self
    }

    /// The tmux socket directory: `tmux-UID` under `TMUX_TMPDIR` (configured, else inherited),
    /// else under `/tmp`, as tmux itself computes it.
    fn tmux_socket_dir(&self) -> PathBuf {
        let base = self
            .tmux_tmpdir
            .clone()
            .or_else(|| {
                std::env::var_os("TMUX_TMPDIR").filter(|dir| !dir.is_empty()).map(Into::into)
            })
            .unwrap_or_else(|| PathBuf::from("/tmp"));
        base.join(format!("tmux-{}", rustix::process::getuid().as_raw()))
    }

    fn kept(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The program's path from the kept lookup, looked up again when there is none or it failed
    /// long enough ago.
    fn program(&self, tmux: bool, now: Instant) -> Result<PathBuf, String> {
        let mut kept = self.kept();
        let (slot, name) = if tmux {
            (&mut kept.tmux_program, &self.tmux)
        } else {
            (&mut kept.screen_program, &self.screen)
        };
        match slot {
            Some(lookup) if lookup.found.is_ok() || now.duration_since(lookup.at) < REASK_AFTER => {
                lookup.found.clone()
            }
            _ => {
                let lookup = Lookup { found: find_on_path(name), at: now };
                let found = lookup.found.clone();
                *slot = Some(lookup);
                found
            }
        }
    }

    async fn tmux_sessions(&self, now: Instant) -> Result<Vec<String>, String> {
        let program = self.program(true, now)?;
        let sockets = sockets_in(&self.tmux_socket_dir());
        // Which servers to ask: new sockets, changed ones, and answers past their age.
        let ask: Vec<(PathBuf, Option<Identity>)> = {
            let mut kept = self.kept();
            kept.tmux.retain(|socket, _| sockets.iter().any(|(path, _)| path == socket));
            sockets
                .iter()
                .filter(|(path, identity)| {
                    kept.tmux.get(path).is_none_or(|answer| !answer.still(*identity, now))
                })
                .cloned()
                .collect()
        };
        for (socket, identity) in ask {
            let value = self.ask_tmux(&program, &socket).await;
            self.kept().tmux.insert(socket, Answer { identity, value, at: now });
        }
        let kept = self.kept();
        let mut names = Vec::new();
        for answer in kept.tmux.values() {
            names.extend(answer.value.clone()?);
        }
        names.sort();
        Ok(names)
    }

    async fn ask_tmux(&self, program: &Path, socket: &Path) -> Result<Vec<String>, String> {
        let program = program.to_string_lossy();
        let socket = socket.to_string_lossy();
        // Inside a tmux session `TMUX` would point tmux at that session's server instead.
        let env: [EnvChange<'_>; 1] = [("TMUX", None)];
        let args = ["-S", &socket, "list-sessions", "-F", "#{session_name}"];
        command::run(&program, &args, &env, None, TOOL_TIMEOUT)
            .await
            .map_err(|error: CommandError| error.to_string())
            .and_then(|output| parse_tmux(&output))
    }

    async fn screen_sessions(&self, now: Instant) -> Result<u64, String> {
        let program = self.program(false, now)?;
        let dir = self.screen_dir.clone().or_else(|| self.kept().screen_dir_seen.clone());
        let identity = dir.as_deref().and_then(identity);
        {
            let kept = self.kept();
            if let Some(answer) = &kept.screen
                && dir.is_some()
                && answer.still(identity, now)
            {
                return answer.value.clone();
            }
        }
        let env: Vec<EnvChange<'_>> =
            self.screen_dir.iter().map(|dir| ("SCREENDIR", Some(OsStr::new(dir)))).collect();
        let output = command::run(&program.to_string_lossy(), &["-ls"], &env, None, TOOL_TIMEOUT)
            .await
            .map_err(|error: CommandError| error.to_string());
        let mut kept = self.kept();
        if let Ok(output) = &output
            && self.screen_dir.is_none()
        {
            kept.screen_dir_seen = parse_screen_dir(&String::from_utf8_lossy(&output.stdout));
        }
        // The directory's identity before the answer: a change while screen ran is asked again.
        // Unless the answer is what named the directory: then its identity is read now, or the
        // next collection would ask again only because the identity went from unknown to known.
        let identity = match dir {
            Some(_) => identity,
            None => kept.screen_dir_seen.as_deref().and_then(self::identity),
        };
        let value = output.and_then(|output| parse_screen(&output));
        kept.screen = Some(Answer { identity, value: value.clone(), at: now });
        value
    }
}

#[async_trait]
impl Collector for TerminalsCollector {
    fn section(&self) -> SectionName {
        SectionName::Terminals
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        let now = Instant::now();
        let (tmux, screen) = tokio::join!(self.tmux_sessions(now), self.screen_sessions(now));
        let mut section = TerminalsSection::default();
        let mut collected =
            Collected::complete(SectionData::Terminals(TerminalsSection::default()));
        match tmux {
            Ok(names) => {
                section.tmux_sessions = Some(names.len() as u64);
                section.tmux_session_names = Some(names);
            }
            Err(reason) => {
                collected.unmeasured.insert("tmux_sessions".into(), reason.clone());
                collected.unmeasured.insert("tmux_session_names".into(), reason);
            }
        }
        match screen {
            Ok(count) => section.screen_sessions = Some(count),
            Err(reason) => {
                collected.unmeasured.insert("screen_sessions".into(), reason);
            }
        }
        collected.data = SectionData::Terminals(section);
        Ok(collected)
    }
}

/// `program`'s path: itself when it names a path, else the first executable file of that name in
/// a `PATH` directory.
fn find_on_path(program: &str) -> Result<PathBuf, String> {
    if program.contains('/') {
        return Ok(PathBuf::from(program));
    }
    let executable = |path: &Path| {
        std::fs::metadata(path)
            .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
    };
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(program))
        .find(|path| path.is_absolute() && executable(path))
        .ok_or_else(|| format!("`{program}` is not installed (not found on PATH)"))
}

/// The sockets in `dir` (at most [`MAX_SERVERS`], by name) with their identities; none when the
/// directory does not exist.
fn sockets_in(dir: &Path) -> Vec<(PathBuf, Option<Identity>)> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut sockets: Vec<PathBuf> = entries
        .flatten()
        .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_socket()))
        .map(|entry| entry.path())
        .collect();
    sockets.sort();
    sockets.truncate(MAX_SERVERS);
    sockets
        .into_iter()
        .map(|path| {
            let identity = identity(&path);
            (path, identity)
        })
        .collect()
}

/// Session names from `tmux list-sessions -F '#{session_name}'`, sorted. No server running is none.
pub(crate) fn parse_tmux(output: &std::process::Output) -> Result<Vec<String>, String> {
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        if stderr.contains("no server running") || stderr.contains("error connecting to") {
            return Ok(Vec::new());
        }
        return Err(format!("tmux list-sessions failed ({}): {}", output.status, stderr.trim()));
    }
    let mut names: Vec<String> =
        String::from_utf8_lossy(&output.stdout).lines().map(str::to_owned).collect();
    names.sort();
    Ok(names)
}

/// The session count from `screen -ls`, which exits non-zero whatever it finds: "No Sockets found"
/// is 0, else the count in its "N Socket(s) in …" line.
pub(crate) fn parse_screen(output: &std::process::Output) -> Result<u64, String> {
    let stdout = String::from_utf8_lossy(&output.stdout);
    if stdout.contains("No Sockets found") {
        return Ok(0);
    }
    stdout
        .lines()
        .find_map(|line| {
            let (count, rest) = line.trim().split_once(' ')?;
            rest.starts_with("Socket").then(|| count.parse().ok()).flatten()
        })
        .ok_or_else(|| {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let said: String =
                format!("{} {}", stdout.trim(), stderr.trim()).chars().take(300).collect();
            format!("screen -ls gave no session count ({}): {}", output.status, said.trim())
        })
}

/// The socket directory `screen -ls` names ("No Sockets found in /run/screen/S-agent." or
/// "1 Socket in /run/screen/S-agent.").
pub(crate) fn parse_screen_dir(stdout: &str) -> Option<PathBuf> {
    stdout.lines().find_map(|line| {
        let line = line.trim();
        if !(line.starts_with("No Sockets found in ") || line.contains(" Socket")) {
            return None;
        }
        let (_, dir) = line.split_once(" in ")?;
        let dir = dir.strip_suffix('.').unwrap_or(dir);
        dir.starts_with('/').then(|| PathBuf::from(dir))
    })
}

#[cfg(test)]
mod tests;
