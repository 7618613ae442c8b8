//! `[[databases]]`, `[[databases.probes]]` and `[storage]`: the host's databases, the probes run
//! against them, and the files whose size the `storage` section reports.
//!
//! Everything that can be checked without opening a database is checked while parsing, so a bad
//! value is an error naming its line: the URL's scheme, the probe's SQL (one read-only statement),
//! and that database names, probe names and layouts are not used twice.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Deserializer};

use super::parse_bounded_duration;
use super::read_only_sql::check_read_only;

/// One `[[databases]]` entry: a database the host writes and the collector reads, read-only.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(try_from = "RawDatabase")]
pub struct DatabaseConfig {
    /// `name`: how sections, probes and errors refer to it; letters, digits, `_` and `-`.
    pub name: String,
    /// `url`: a sqlx URL (`sqlite:///var/lib/app/app.db`) or a plain path, which means SQLite.
    /// The file is opened read-only and never created.
    pub url: String,
    /// `schema`: the built-in layout the database follows, if any; it decides which sections it
    /// fills. See [`crate::layouts`].
    pub schema: Option<Layout>,
    /// `overdue_grace`: how far past its `next_run` a task or job may be before it is `overdue`, as
    /// `2m`; 1 s to 1 day. Default 2 minutes.
    pub overdue_grace: Duration,
    /// `[[databases.probes]]`: scalar queries whose answers go to the `probes` section.
    pub probes: Vec<ProbeConfig>,
}

/// A built-in table layout: which tables the collector reads and which sections they fill.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// `execution_log` and `notification_outbox`: fills `broker`, `notifier` and
    /// `recent_operations`.
    Operations,
    /// `messages`, `outbound_ledger`, `outbound_deliveries`, `scheduled_tasks` and `host_jobs`:
    /// fills `messages`, `tasks` and `app_jobs`.
    Messaging,
}

impl Layout {
    /// The name used in the config file.
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Operations => "operations",
            Layout::Messaging => "messaging",
        }
    }
}

/// One `[[databases.probes]]` entry: a named scalar query.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(try_from = "RawProbe")]
pub struct ProbeConfig {
    /// `name`: its key in the `probes` section; unique across all databases.
    pub name: String,
    /// `sql`: one read-only statement (`SELECT`, `VALUES` or `WITH … SELECT`); the first column of
    /// its first row is the probe's value.
    pub sql: String,
    /// `warn_above`: the value above which a health check should warn.
    pub warn_above: Option<f64>,
    /// `fail_above`: the value above which a health check should fail.
    pub fail_above: Option<f64>,
}

/// `[storage]`: what the `storage` section measures besides the databases.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct StorageConfig {
    /// `log_dir`: a directory whose files' total size is reported as `log_dir_bytes`.
    pub log_dir: Option<PathBuf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDatabase {
    name: String,
    url: String,
    #[serde(default)]
    schema: Option<Layout>,
    #[serde(default)]
    overdue_grace: Option<String>,
    #[serde(default)]
    probes: Vec<ProbeConfig>,
}

/// The default of [`DatabaseConfig::overdue_grace`].
pub(crate) const DEFAULT_OVERDUE_GRACE: Duration = Duration::from_secs(120);

impl TryFrom<RawDatabase> for DatabaseConfig {
    type Error = String;

    fn try_from(raw: RawDatabase) -> Result<DatabaseConfig, String> {
        check_name("database", &raw.name)?;
        check_url(&raw.url).map_err(|reason| format!("database `{}`: {reason}", raw.name))?;
        let overdue_grace = match raw.overdue_grace {
            None => DEFAULT_OVERDUE_GRACE,
            Some(text) => parse_bounded_duration(
                "databases.overdue_grace",
                &text,
                (Duration::from_secs(1), Duration::from_secs(86_400)),
            )?,
        };
        Ok(DatabaseConfig {
            name: raw.name,
            url: raw.url,
            schema: raw.schema,
            overdue_grace,
            probes: raw.probes,
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProbe {
    name: String,
    sql: String,
    #[serde(default)]
    warn_above: Option<f64>,
    #[serde(default)]
    fail_above: Option<f64>,
}

impl TryFrom<RawProbe> for ProbeConfig {
    type Error = String;

    fn try_from(raw: RawProbe) -> Result<ProbeConfig, String> {
        check_name("probe", &raw.name)?;
        check_read_only(&raw.sql).map_err(|reason| {
            format!("probe `{}`: `sql` must be a single read-only statement: {reason}", raw.name)
        })?;
        if let (Some(warn), Some(fail)) = (raw.warn_above, raw.fail_above)
            && warn > fail
        {
            return Err(format!(
                "probe `{}`: `warn_above` ({warn}) is above `fail_above` ({fail})",
                raw.name
            ));
        }
        Ok(ProbeConfig {
            name: raw.name,
            sql: raw.sql,
            warn_above: raw.warn_above,
            fail_above: raw.fail_above,
        })
    }
}

fn check_name(what: &str, name: &str) -> Result<(), String> {
    let valid =
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match valid {
        true => Ok(()),
        false => Err(format!(
            "{what} name {name:?} must be non-empty and use only letters, digits, `_` and `-`"
        )),
    }
}

/// Only SQLite is built in; a URL without a scheme is a SQLite file path.
fn check_url(url: &str) -> Result<(), String> {
    if url.is_empty() {
        return Err("`url` is empty".to_owned());
    }
    if url.contains(":memory:") || url.contains("mode=memory") {
        return Err(format!("`url` {url:?} is an in-memory database, which the host cannot share"));
    }
    match url.split_once("://").map(|(scheme, _)| scheme) {
        Some("sqlite") | None => Ok(()),
        Some(scheme) => Err(format!(
            "`url` {url:?} has the scheme `{scheme}`; only SQLite (`sqlite://` or a plain path) \
             is built in"
        )),
    }
}

/// Deserializes `[[databases]]` and checks what spans entries: names and layouts used once.
pub(crate) fn unique_databases<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<DatabaseConfig>, D::Error> {
    let databases = Vec::<DatabaseConfig>::deserialize(deserializer)?;
    check_unique(&databases).map_err(serde::de::Error::custom)?;
    Ok(databases)
}

/// Each section has one source, so a layout may be used by one database only.
pub(crate) fn check_unique(databases: &[DatabaseConfig]) -> Result<(), String> {
    let mut names = BTreeSet::new();
    let mut layouts = BTreeSet::new();
    let mut probes = BTreeSet::new();
    for database in databases {
        if !names.insert(database.name.as_str()) {
            return Err(format!("database name `{}` is used twice", database.name));
        }
        if let Some(layout) = database.schema
            && !layouts.insert(layout)
        {
            return Err(format!(
                "schema `{}` is used by two databases; each of its sections has one source",
                layout.as_str()
            ));
        }
        for probe in &database.probes {
            if !probes.insert(probe.name.as_str()) {
                return Err(format!("probe name `{}` is used twice", probe.name));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
