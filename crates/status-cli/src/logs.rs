//! Logs on stderr: how much (`RUST_LOG`, `-v`/`-q`, each command's default), in which format
//! (`--log-format text|json`) and whether in colour (only on a terminal, never with `NO_COLOR`).

use std::io::IsTerminal;

use clap::{ArgAction, Args, ValueEnum};
use tracing::level_filters::LevelFilter;
use tracing_subscriber::EnvFilter;

/// The variable that sets the log filter (`info`, `status_collect=debug,warn`, …).
pub(crate) const FILTER_VARIABLE: &str = "RUST_LOG";

/// The logging options every command takes.
#[derive(Clone, Debug, Args)]
pub(crate) struct Logs {
    /// More detail in the logs: -v debug, -vv trace (over `RUST_LOG` and the command's default).
    #[arg(short, long, global = true, action = ArgAction::Count, conflicts_with = "quiet")]
    verbose: u8,
    /// Less: -q errors only, -qq nothing (over `RUST_LOG` and the command's default).
    #[arg(short, long, global = true, action = ArgAction::Count)]
    quiet: u8,
    /// The logs' format on stderr: text for people, json (one object a line) for log collectors.
    #[arg(long, global = true, value_enum, value_name = "FORMAT", default_value_t = LogFormat::Text, env = "STATUS_LOG_FORMAT")]
    log_format: LogFormat,
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub(crate) enum LogFormat {
    /// One line of text an event, in colour on a terminal.
    #[default]
    Text,
    /// One JSON object an event.
    Json,
}

impl Logs {
    /// The filter: `-v`/`-q` when given, else `RUST_LOG` when set and valid, else `default`.
    fn filter(&self, default: LevelFilter, rust_log: Option<&str>) -> Result<EnvFilter, String> {
        let level = match (self.verbose, self.quiet) {
            (0, 0) => None,
            (1, _) => Some(LevelFilter::DEBUG),
            (2.., _) => Some(LevelFilter::TRACE),
            (0, 1) => Some(LevelFilter::ERROR),
            (0, 2..) => Some(LevelFilter::OFF),
        };
        if let Some(level) = level {
            return Ok(EnvFilter::new(level.to_string()));
        }
        match rust_log.map(str::trim).filter(|text| !text.is_empty()) {
            Some(text) => EnvFilter::builder().parse(text).map_err(|error| {
                format!("{FILTER_VARIABLE}={text:?} is not a log filter: {error}")
            }),
            None => Ok(EnvFilter::new(default.to_string())),
        }
    }

    /// Installs the process's subscriber, writing to stderr, at the command's `default` level
    /// unless `-v`, `-q` or `RUST_LOG` says otherwise. A `RUST_LOG` that does not parse is said
    /// once, as a warning, and the default applies.
    pub(crate) fn init(&self, default: LevelFilter) {
        let rust_log = std::env::var(FILTER_VARIABLE).ok();
        let (filter, problem) = match self.filter(default, rust_log.as_deref()) {
            Ok(filter) => (filter, None),
            Err(problem) => (EnvFilter::new(default.to_string()), Some(problem)),
        };
        let builder =
            tracing_subscriber::fmt().with_writer(std::io::stderr).with_env_filter(filter);
        let installed = match self.log_format {
            LogFormat::Text => {
                builder.with_ansi(colour(std::io::stderr().is_terminal())).try_init()
            }
            LogFormat::Json => builder.json().with_ansi(false).try_init(),
        };
        if let (Ok(()), Some(problem)) = (installed, problem) {
            tracing::warn!("{problem}");
        }
    }
}

/// Whether to colour: only on a terminal, and not when `NO_COLOR` is set to anything but empty
/// (<https://no-color.org>).
pub(crate) fn colour(terminal: bool) -> bool {
    terminal && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logs(verbose: u8, quiet: u8) -> Logs {
        Logs { verbose, quiet, log_format: LogFormat::Text }
    }

    #[test]
    fn flags_over_the_variable_over_the_default() {
        let filter = |logs: Logs, rust_log| logs.filter(LevelFilter::INFO, rust_log).unwrap();
        assert_eq!(filter(logs(0, 0), None).max_level_hint(), Some(LevelFilter::INFO));
        assert_eq!(filter(logs(0, 0), Some("debug")).max_level_hint(), Some(LevelFilter::DEBUG));
        assert_eq!(filter(logs(0, 0), Some(" ")).max_level_hint(), Some(LevelFilter::INFO));
        assert_eq!(filter(logs(1, 0), Some("error")).max_level_hint(), Some(LevelFilter::DEBUG));
        assert_eq!(filter(logs(3, 0), None).max_level_hint(), Some(LevelFilter::TRACE));
        assert_eq!(filter(logs(0, 1), Some("trace")).max_level_hint(), Some(LevelFilter::ERROR));
        assert_eq!(filter(logs(0, 2), None).max_level_hint(), Some(LevelFilter::OFF));
    }

    #[test]
    fn a_bad_variable_is_an_error_naming_it() {
        let error = logs(0, 0).filter(LevelFilter::INFO, Some("status=notalevel")).unwrap_err();
        assert!(error.starts_with("RUST_LOG=\"status=notalevel\""), "{error}");
    }
}
