//! The configuration file: one TOML document, parsed with serde.
//!
//! Unknown keys and out-of-range values are errors that name the key, the line and the file.
//! Bounds that apply to the file (such as `[collect] interval` between 5 s and 300 s) are checked
//! while parsing; the library API may set shorter values, for tests.

mod databases;
mod diagnostics;
mod git;
mod http;
mod pipeline;
mod read_only_sql;
mod redact;
mod sections;
mod target;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Deserializer};

pub use databases::{DatabaseConfig, Layout, ProbeConfig, StorageConfig};
pub use diagnostics::{TracesConfig, WorkersConfig};
pub use http::HttpConfig;
pub use pipeline::{DiffConfig, FilesConfig, HistoryConfig, HookConfig, HookTarget, HooksConfig};
pub use redact::RedactConfig;

pub use self::git::{DeployConfig, RepoConfig};

pub use sections::{ContainersConfig, GatewayConfig, ProcessesConfig, TerminalsConfig};
pub use target::TargetConfig;

use crate::health::HealthConfig;

/// The whole configuration. `Config::default()` is the embedded default: every section this machine
/// can answer, on `127.0.0.1:8484`, every 30 s.
///
/// ```
/// use status_collect::Config;
///
/// // No file: the defaults (any other failure to read it is an error).
/// let config = Config::load_or_default("/nonexistent/status.toml".as_ref())?;
/// assert_eq!(config, Config::default());
/// let config = Config::parse("[collect]\ninterval = \"10s\"\n", "status.toml")?;
/// assert_eq!(config.collect.interval, std::time::Duration::from_secs(10));
/// // A mistake names the key and the file.
/// let error = Config::parse("[collect]\ninterval = 10\n", "status.toml").unwrap_err();
/// assert!(error.to_string().contains("collect.interval"), "{error}");
/// # Ok::<(), status_collect::ConfigError>(())
/// ```
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `[service]`
    pub service: ServiceConfig,
    /// `[collect]`
    pub collect: CollectConfig,
    /// `[http]`
    pub http: HttpConfig,
    /// `[host]`
    pub host: HostConfig,
    /// `[state]`
    pub state: StateConfig,
    /// `[health.<check>]`: settings of each health check.
    pub health: HealthConfig,
    /// `[[databases]]`: the host's databases, read-only.
    #[serde(deserialize_with = "databases::unique_databases")]
    pub databases: Vec<DatabaseConfig>,
    /// `[storage]`
    pub storage: StorageConfig,
    /// `[diff]`
    pub diff: DiffConfig,
    /// `[history]`
    pub history: HistoryConfig,
    /// `[files]`
    pub files: FilesConfig,
    /// `[hooks]`
    pub hooks: HooksConfig,
    /// `[[repos]]`: git repositories for the `repos` section; none by default (and no section).
    #[serde(deserialize_with = "git::unique_names")]
    pub repos: Vec<RepoConfig>,
    /// `[deploy]`: the host's own checkout for the `deploy` section.
    pub deploy: DeployConfig,
    /// `[containers]`
    pub containers: ContainersConfig,
    /// `[gateway]`
    pub gateway: GatewayConfig,
    /// `[terminals]`
    pub terminals: TerminalsConfig,
    /// `[processes]`
    pub processes: ProcessesConfig,
    /// `[redact]`: what every output drops or pseudonymizes.
    pub redact: RedactConfig,
    /// `[workers]`: heartbeats of the host's workers.
    pub workers: WorkersConfig,
    /// `[traces]`: the trace buffer.
    pub traces: TracesConfig,
    /// `[target]`: the process `service` and `process` describe; the collector's own by default.
    pub target: TargetConfig,
}

/// `[service]`: how the host is named.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ServiceConfig {
    /// `name`: overrides the name the host reports and the binary's name.
    pub name: Option<String>,
}

/// `[collect]`: when and how long to collect.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct CollectConfig {
    /// `interval`: time between collections, as `30s` or `2m`; 5 s to 300 s in the file. Default 30 s.
    #[serde(deserialize_with = "interval_in_range")]
    pub interval: Duration,
    /// `deadline`: how long each collector may take, as `2s` or `500ms`; 1 ms to 60 s in the file.
    /// Default 2 s.
    #[serde(deserialize_with = "deadline_in_range")]
    pub deadline: Duration,
}

impl Default for CollectConfig {
    fn default() -> CollectConfig {
        CollectConfig { interval: Duration::from_secs(30), deadline: Duration::from_secs(2) }
    }
}

/// `[host]`: what the `host` section measures.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct HostConfig {
    /// `disk_paths`: paths whose file systems' space is reported. Default `["/"]`.
    pub disk_paths: Vec<PathBuf>,
}

impl Default for HostConfig {
    fn default() -> HostConfig {
        HostConfig { disk_paths: vec![PathBuf::from("/")] }
    }
}

/// `[state]`: where the collector keeps its own files.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct StateConfig {
    /// `dir`: the state directory (embedded store, snapshot files). Default: `$STATE_DIRECTORY`
    /// (set by systemd), else `$XDG_STATE_HOME/status`, else `~/.local/state/status`, else (no
    /// `HOME` either) the absolute `$TMPDIR/status-<uid>` (`/tmp/status-<uid>` when `TMPDIR` is
    /// unset or relative). Created on first use.
    pub dir: Option<PathBuf>,
}

/// A configuration that could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The state or files directory is not safe to use ([`Config::check_dirs`]).
    #[error("{message}")]
    UnsafeDir {
        /// What is wrong, naming the directory.
        message: String,
    },
    /// The file could not be read.
    #[error("failed to read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML, has an unknown key, or a value out of range.
    #[error("invalid config {origin}: {message}")]
    Invalid {
        /// The file, or `<string>`.
        origin: String,
        /// toml's message: the line, the key and what is wrong.
        message: String,
    },
}

impl Config {
    /// Refuses, before anything starts, a state directory or `[files]` directory that exists and is
    /// writable by other users (they could plant links or replace the collector's files). Missing
    /// ones are fine: the collector creates them 0700.
    pub fn check_dirs(&self) -> Result<(), ConfigError> {
        let dirs = [Some(self.state_dir()), self.files.resolved_dir()];
        for dir in dirs.iter().flatten() {
            crate::private_fs::check_dir(dir)
                .map_err(|error| ConfigError::UnsafeDir { message: error.to_string() })?;
        }
        Ok(())
    }

    /// Reads and parses a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
        Config::parse(&text, &path.display().to_string())
    }

    /// Reads and parses a config file, or gives [`Config::default`] when there is no file at `path`
    /// (any other failure to read it is an error).
    pub fn load_or_default(path: &Path) -> Result<Config, ConfigError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Config::parse(&text, &path.display().to_string()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(source) => Err(ConfigError::Read { path: path.to_owned(), source }),
        }
    }

    /// Parses config text; `origin` names it in errors (a path, or `<string>`). A table of a
    /// feature this build lacks (`[[repos]]` without `git`) is an error naming the feature.
    pub fn parse(text: &str, origin: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|error| {
            // toml quotes the offending line: a URL's password or a token in it must not be
            // echoed to a terminal or a log.
            let message = error.to_string();
            let message = status_model::redact::scrub_secrets(&message).unwrap_or(message);
            ConfigError::Invalid {
                origin: origin.to_owned(),
                message: message.trim_end().to_owned(),
            }
        })?;
        if let Some(message) = config.needs_missing_feature() {
            return Err(ConfigError::Invalid { origin: origin.to_owned(), message });
        }
        if let Some(message) = config.target.problem() {
            return Err(ConfigError::Invalid { origin: origin.to_owned(), message });
        }
        if let Some(name) = &config.deploy.database {
            let invalid =
                |message: String| ConfigError::Invalid { origin: origin.to_owned(), message };
            if !config.databases.iter().any(|database| &database.name == name) {
                return Err(invalid(format!(
                    "`[deploy] database = {name:?}` names no `[[databases]]` entry"
                )));
            }
            if config.deploy.checkout(&config.repos).is_none() {
                return Err(invalid(format!(
                    "`[deploy] database = {name:?}` needs the checkout the host runs from: set \
                     `[deploy] repo` or add a `[[repos]]` entry"
                )));
            }
        }
        Ok(config)
    }

    /// What in this config asks for a cargo feature this build was made without, if anything.
    fn needs_missing_feature(&self) -> Option<String> {
        let (git, sqlite) = (cfg!(feature = "git"), cfg!(feature = "sqlite"));
        let (docker, diagnostics) = (cfg!(feature = "docker"), cfg!(feature = "diagnostics"));
        let containers = self.containers != ContainersConfig::default();
        let workers = self.workers != WorkersConfig::default();
        let traces = self.traces != TracesConfig::default();
        let needs = [
            ("`[[repos]]`", !self.repos.is_empty(), "git", "git support", git),
            ("`[deploy] repo`", self.deploy.repo.is_some(), "git", "git support", git),
            ("`[[databases]]`", !self.databases.is_empty(), "sqlite", "SQLite", sqlite),
            (
                "`[history] enabled = true`",
                self.history.enabled,
                "sqlite",
                "SQLite (the history is kept in the store, status.db)",
                sqlite,
            ),
            (
                "`[deploy] repo`",
                self.deploy.repo.is_some(),
                "sqlite",
                "SQLite (deploy records are kept in the store, status.db)",
                sqlite,
            ),
            ("`[containers]`", containers, "docker", "the Docker Engine API", docker),
            ("`[workers]`", workers, "diagnostics", "the heartbeat registry", diagnostics),
            ("`[traces]`", traces, "diagnostics", "the trace buffer", diagnostics),
        ];
        let (table, _, feature, what, _) =
            needs.into_iter().find(|(_, used, _, _, built)| *used && !built)?;
        Some(format!(
            "{table} needs {what}, and this build was made without the `{feature}` feature \
             (enable the `{feature}` feature of the `status` crate, or status-collect's)"
        ))
    }

    /// The state directory this config names, resolved as documented on [`StateConfig::dir`].
    /// It is not created here.
    pub fn state_dir(&self) -> PathBuf {
        let env = |name: &str| std::env::var_os(name).filter(|value| !value.is_empty());
        if let Some(dir) = &self.state.dir {
            return dir.clone();
        }
        if let Some(dir) = env("STATE_DIRECTORY") {
            // systemd may pass several, colon-separated; the first is ours.
            let first = dir.to_string_lossy().split(':').next().unwrap_or_default().to_owned();
            return PathBuf::from(first);
        }
        if let Some(dir) = env("XDG_STATE_HOME") {
            return PathBuf::from(dir).join("status");
        }
        match env("HOME") {
            Some(home) => PathBuf::from(home).join(".local/state/status"),
            None => {
                // Never a relative path: it would follow the working directory.
                let tmp = env("TMPDIR").map(PathBuf::from).filter(|dir| dir.is_absolute());
                let tmp = tmp.unwrap_or_else(|| PathBuf::from("/tmp"));
                tmp.join(format!("status-{}", rustix::process::getuid().as_raw()))
            }
        }
    }
}

/// Parses a collection interval (`30s`, `2m`) within the config file's bounds of 5 s to 300 s, for
/// front-ends that take one on their command line; the error names `what`.
///
/// ```
/// use std::time::Duration;
///
/// assert_eq!(status_collect::parse_interval("--interval", "2m"), Ok(Duration::from_secs(120)));
/// assert!(status_collect::parse_interval("--interval", "1s").unwrap_err().contains("--interval"));
/// ```
pub fn parse_interval(what: &str, text: &str) -> Result<Duration, String> {
    parse_bounded_duration(what, text, INTERVAL_RANGE)
}

/// Bounds on `[collect] interval` in the config file.
pub(crate) const INTERVAL_RANGE: (Duration, Duration) =
    (Duration::from_secs(5), Duration::from_secs(300));

/// Parses a human duration (`30s`, `2m`, `500ms`) and checks it against `[min, max]`.
pub(crate) fn parse_bounded_duration(
    key: &str,
    text: &str,
    (min, max): (Duration, Duration),
) -> Result<Duration, String> {
    let value = humantime::parse_duration(text).map_err(|error| {
        format!("`{key}` must be a duration such as \"30s\", got {text:?}: {error}")
    })?;
    if value < min || value > max {
        return Err(format!(
            "`{key}` must be between {} and {}, got {text:?}",
            humantime::format_duration(min),
            humantime::format_duration(max)
        ));
    }
    Ok(value)
}

fn bounded<'de, D: Deserializer<'de>>(
    deserializer: D,
    key: &str,
    range: (Duration, Duration),
) -> Result<Duration, D::Error> {
    /// A duration as written: a string, or (a mistake) a bare number.
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Written {
        Text(String),
        Integer(i64),
        Float(f64),
    }
    let number = |number: String| {
        serde::de::Error::custom(format!(
            "`{key}` must be a duration string with a unit, such as \"{number}s\" (seconds) or \
             \"{number}ms\", not the bare number {number}"
        ))
    };
    match Written::deserialize(deserializer).map_err(|_: D::Error| {
        serde::de::Error::custom(format!(
            "`{key}` must be a duration string such as \"30s\", \"2m\" or \"500ms\""
        ))
    })? {
        Written::Text(text) => {
            parse_bounded_duration(key, &text, range).map_err(serde::de::Error::custom)
        }
        Written::Integer(value) => Err(number(value.to_string())),
        Written::Float(value) => Err(number(value.to_string())),
    }
}

fn interval_in_range<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    bounded(deserializer, "collect.interval", INTERVAL_RANGE)
}

fn deadline_in_range<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    bounded(deserializer, "collect.deadline", (Duration::from_millis(1), Duration::from_secs(60)))
}

#[cfg(test)]
mod tests;
