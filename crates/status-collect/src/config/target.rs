//! `[target]`: the process the snapshot describes when it is not the collector's own.

use std::path::PathBuf;

use serde::Deserialize;

/// `[target]`: which process `service` and `process` describe. Without it they describe the process
/// running the collector. At most one of `pid`, `pidfile`, `name` and `systemd_unit` may be set.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TargetConfig {
    /// `pid`: a process id.
    pub pid: Option<u32>,
    /// `pidfile`: a file holding the process id (read at every collection, so a restarted
    /// application that rewrites it is followed).
    pub pidfile: Option<PathBuf>,
    /// `name`: an exact process name (the kernel's `comm`, or the executable's file name when the
    /// name is longer than the 15 characters `comm` keeps); the newest matching process wins.
    pub name: Option<String>,
    /// `systemd_unit`: a unit name such as `app.service`; its main process is the one in the unit's
    /// cgroup whose parent is outside it (no `systemctl` is run).
    pub systemd_unit: Option<String>,
    /// `cgroup_root`: where the cgroup hierarchy holding `systemd_unit` is mounted. Default: the
    /// unified hierarchy (`/sys/fs/cgroup`, or `/sys/fs/cgroup/unified` on a hybrid machine), else
    /// systemd's v1 hierarchy (`/sys/fs/cgroup/systemd`).
    pub cgroup_root: Option<PathBuf>,
    /// `version`: the target's version, shown as `service.version`.
    pub version: Option<String>,
}

impl TargetConfig {
    /// Whether a target is configured (one of `pid`, `pidfile`, `name`, `systemd_unit`).
    pub fn is_set(&self) -> bool {
        self.locators() > 0
    }

    pub(super) fn locators(&self) -> usize {
        [
            self.pid.is_some(),
            self.pidfile.is_some(),
            self.name.is_some(),
            self.systemd_unit.is_some(),
        ]
        .into_iter()
        .filter(|set| *set)
        .count()
    }

    /// What is wrong with this table, if anything.
    pub(super) fn problem(&self) -> Option<String> {
        if self.locators() > 1 {
            return Some(
                "`[target]` takes one of `pid`, `pidfile`, `name` and `systemd_unit`, not several"
                    .to_owned(),
            );
        }
        if !self.is_set() && (self.version.is_some() || self.cgroup_root.is_some()) {
            return Some(
                "`[target]` needs one of `pid`, `pidfile`, `name` or `systemd_unit`".to_owned(),
            );
        }
        if self.cgroup_root.is_some() && self.systemd_unit.is_none() {
            return Some("`[target] cgroup_root` is used only with `systemd_unit`".to_owned());
        }
        if self.pid == Some(0) {
            return Some("`[target] pid` must be a process id, not 0".to_owned());
        }
        if self.name.as_deref().is_some_and(|name| name.is_empty() || name.contains('/')) {
            return Some("`[target] name` must be a process name without `/`".to_owned());
        }
        if let Some(unit) = &self.systemd_unit
            && (unit.is_empty() || unit.contains('/') || unit.starts_with('.'))
        {
            return Some(format!("`[target] systemd_unit` is not a unit name: {unit:?}"));
        }
        None
    }
}
