//! The `processes` section: processes counted by exact executable name, read from `/proc`.
//!
//! Each pid's `/proc/<pid>/stat` is read once per collection (one open and read per process): it
//! holds the short name and the state. A process matches a name when its `comm` (the executable's
//! file name, which the kernel cuts to 15 bytes) is that name; for a longer name the cut `comm` must also agree with the executable's file
//! name. Arguments are never looked at, so `sh -c "… claude …"` is not a `claude`. Zombies are not
//! counted: they have exited.

use std::collections::BTreeMap;

use async_trait::async_trait;
use status_model::{NamedProcesses, ProcessesSection, SectionData, SectionName};

use crate::collector::{CollectError, Collected, Collector};
use crate::procfs::Root;
use crate::task::blocking;

/// The kernel keeps this many bytes of a process's name in `comm`.
const COMM_BYTES: usize = 15;

/// Collects the `processes` section.
pub struct ProcessesCollector {
    root: Root,
    names: Vec<String>,
}

impl ProcessesCollector {
    /// Counts processes named `names` in the real `/proc`.
    pub fn new(names: Vec<String>) -> ProcessesCollector {
        ProcessesCollector::with_root("/", names)
    }

    /// Reads `proc/` under `root` (tests use fixtures).
    pub fn with_root(
        root: impl Into<std::path::PathBuf>,
        names: Vec<String>,
    ) -> ProcessesCollector {
        ProcessesCollector { root: Root::new(root), names }
    }
}

#[async_trait]
impl Collector for ProcessesCollector {
    fn section(&self) -> SectionName {
        SectionName::Processes
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        let root = self.root.clone();
        let names = self.names.clone();
        let by_name = blocking(move || scan(&root, &names)).await??;
        Ok(Collected::complete(SectionData::Processes(ProcessesSection { by_name })))
    }
}

fn scan(root: &Root, names: &[String]) -> Result<BTreeMap<String, NamedProcesses>, CollectError> {
    let mut by_name: BTreeMap<String, NamedProcesses> =
        names.iter().map(|name| (name.clone(), NamedProcesses::default())).collect();
    let proc_dir = root.path("proc");
    let entries = std::fs::read_dir(&proc_dir)
        .map_err(|error| CollectError::Unavailable(crate::procfs::describe(&proc_dir, &error)))?;
    // One read per pid: `stat` holds both the short name and the state.
    let mut stat = String::with_capacity(512);
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|name| name.parse::<u32>().ok()) else {
            continue;
        };
        // A process may exit between the listing and the read: it is simply not counted.
        let Ok(text) = root.read_into(&format!("proc/{pid}/stat"), &mut stat) else {
            continue;
        };
        let Some((comm, state)) = comm_and_state(text) else {
            continue;
        };
        // Zombies have exited.
        if state == 'Z' {
            continue;
        }
        let Some(name) = names.iter().find(|name| matches(root, pid, comm, name)) else {
            continue;
        };
        let entry = by_name.entry(name.clone()).or_default();
        entry.count += 1;
        entry.pids.push(pid);
    }
    for entry in by_name.values_mut() {
        entry.pids.sort_unstable();
    }
    Ok(by_name)
}

/// The short name (`comm`, between the first `(` and the last `)`: it may hold either) and the
/// state letter of a `/proc/<pid>/stat` line.
pub(crate) fn comm_and_state(stat: &str) -> Option<(&str, char)> {
    let (head, tail) = stat.rsplit_once(')')?;
    let (_, comm) = head.split_once('(')?;
    Some((comm, tail.trim_start().chars().next()?))
}

fn matches(root: &Root, pid: u32, comm: &str, name: &str) -> bool {
    if name.len() <= COMM_BYTES {
        return comm == name;
    }
    if !name.as_bytes().starts_with(comm.as_bytes()) || comm.len() != COMM_BYTES {
        return false;
    }
    std::fs::read_link(root.path(&format!("proc/{pid}/exe")))
        .ok()
        .and_then(|exe| exe.file_name().map(|file| file.to_string_lossy().into_owned()))
        .is_some_and(|file| file == name || file == format!("{name} (deleted)"))
}

/// Whether `pid` is a zombie; false when its stat cannot be read.
pub(super) fn is_zombie(root: &Root, pid: u32) -> bool {
    root.read(&format!("proc/{pid}/stat"))
        .ok()
        .and_then(|stat| comm_and_state(&stat).map(|(_, state)| state == 'Z'))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests;
