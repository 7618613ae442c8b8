//! The `terminals` section: tmux and screen sessions, asked of the tools themselves through the
//! audited command helper (their sockets' formats are private to them).

use std::ffi::OsStr;
use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use status_model::{SectionData, SectionName, TerminalsSection};

use crate::collector::{CollectError, Collected, Collector};
use crate::command::{self, CommandError, EnvChange};

/// How long `tmux` or `screen` may take to answer.
const TOOL_TIMEOUT: Duration = Duration::from_secs(1);

/// Collects the `terminals` section.
pub struct TerminalsCollector {
    tmux_tmpdir: Option<PathBuf>,
    screen_dir: Option<PathBuf>,
    tmux: String,
    screen: String,
}

impl TerminalsCollector {
    /// Asks the tmux server under `tmux_tmpdir` (tmux's `TMUX_TMPDIR`; `None` leaves tmux's default)
    /// and the screen sockets in `screen_dir` (screen's `SCREENDIR`; `None` leaves screen's default).
    pub fn new(tmux_tmpdir: Option<PathBuf>, screen_dir: Option<PathBuf>) -> TerminalsCollector {
        TerminalsCollector { tmux_tmpdir, screen_dir, tmux: "tmux".into(), screen: "screen".into() }
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
}

#[async_trait]
impl Collector for TerminalsCollector {
    fn section(&self) -> SectionName {
        SectionName::Terminals
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        // Inside a tmux session `TMUX` would point tmux at that session's server instead.
        let mut tmux_env: Vec<EnvChange<'_>> = vec![("TMUX", None)];
        if let Some(dir) = &self.tmux_tmpdir {
            tmux_env.push(("TMUX_TMPDIR", Some(dir.as_os_str())));
        }
        let screen_env: Vec<EnvChange<'_>> =
            self.screen_dir.iter().map(|dir| ("SCREENDIR", Some(OsStr::new(dir)))).collect();
        let (tmux, screen) = tokio::join!(
            command::run(
                &self.tmux,
                &["list-sessions", "-F", "#{session_name}"],
                &tmux_env,
                None,
                TOOL_TIMEOUT
            ),
            command::run(&self.screen, &["-ls"], &screen_env, None, TOOL_TIMEOUT),
        );
        let mut section = TerminalsSection::default();
        let mut collected =
            Collected::complete(SectionData::Terminals(TerminalsSection::default()));
        match tmux
            .map_err(|error: CommandError| error.to_string())
            .and_then(|output| parse_tmux(&output))
        {
            Ok(names) => {
                section.tmux_sessions = Some(names.len() as u64);
                section.tmux_session_names = Some(names);
            }
            Err(reason) => {
                collected.unmeasured.insert("tmux_sessions".into(), reason.clone());
                collected.unmeasured.insert("tmux_session_names".into(), reason);
            }
        }
        match screen
            .map_err(|error: CommandError| error.to_string())
            .and_then(|output| parse_screen(&output))
        {
            Ok(count) => section.screen_sessions = Some(count),
            Err(reason) => {
                collected.unmeasured.insert("screen_sessions".into(), reason);
            }
        }
        collected.data = SectionData::Terminals(section);
        Ok(collected)
    }
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

#[cfg(test)]
mod tests;
