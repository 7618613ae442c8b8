//! The `storage` collector: the size of each configured database (with its `-wal`), of the log
//! directory, and the snapshot-branch count when a source for it is plugged in.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use status_model::{DatabaseFiles, SectionData, SectionName, StorageSection};

use crate::collector::{CollectError, Collected, Collector};
#[cfg(feature = "sqlite")]
use crate::database::Database;
use crate::task::blocking;

/// Counts snapshot branches; run on the blocking pool. An `Err` is the reason it could not.
pub type BranchCount = Arc<dyn Fn() -> Result<u64, String> + Send + Sync>;

/// Collects the `storage` section.
pub struct StorageCollector {
    databases: Vec<(String, Option<PathBuf>)>,
    log_dir: Option<PathBuf>,
    snapshot_branches: Option<BranchCount>,
}

impl StorageCollector {
    /// Measures the files of `databases` and the tree under `log_dir`.
    #[cfg(feature = "sqlite")]
    #[cfg_attr(
        not(feature = "testing"),
        allow(dead_code, reason = "used by tests, through `testing`")
    )]
    pub fn new(databases: &[Arc<Database>], log_dir: Option<PathBuf>) -> StorageCollector {
        let databases = databases
            .iter()
            .map(|db| (db.name().to_owned(), db.path().map(Path::to_owned)))
            .collect();
        StorageCollector::files(databases, log_dir)
    }

    /// Measures the files of the named databases (no file: not on disk) and the tree under
    /// `log_dir`.
    pub(crate) fn files(
        databases: Vec<(String, Option<PathBuf>)>,
        log_dir: Option<PathBuf>,
    ) -> StorageCollector {
        StorageCollector { databases, log_dir, snapshot_branches: None }
    }

    /// Fills `snapshot_branches` from `count`, called once per collection.
    #[cfg_attr(
        not(feature = "testing"),
        allow(dead_code, reason = "used by tests, through `testing`")
    )]
    pub fn with_snapshot_branches(mut self, count: BranchCount) -> StorageCollector {
        self.snapshot_branches = Some(count);
        self
    }
}

#[async_trait]
impl Collector for StorageCollector {
    fn section(&self) -> SectionName {
        SectionName::Storage
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        let databases = self.databases.clone();
        let log_dir = self.log_dir.clone();
        let snapshot_branches = self.snapshot_branches.clone();
        blocking(move || {
            let mut unmeasured = BTreeMap::new();
            let mut sizes = BTreeMap::new();
            for (name, path) in databases {
                let files = match path {
                    Some(path) => database_files(&path),
                    None => Err("its `url` names no file".to_owned()),
                };
                let files = files
                    .map_err(|reason| unmeasured.insert(format!("databases.{name}"), reason))
                    .ok();
                sizes.insert(name, files);
            }
            let log_dir_bytes = match &log_dir {
                None => Err("no [storage] log_dir configured".to_owned()),
                Some(dir) => tree_bytes(dir)
                    .map_err(|error| format!("cannot measure {}: {error}", dir.display())),
            };
            let log_dir_bytes = log_dir_bytes
                .map_err(|reason| unmeasured.insert("log_dir_bytes".to_owned(), reason))
                .ok();
            let snapshot_branches = match &snapshot_branches {
                None => Err("no repos configured".to_owned()),
                Some(count) => count(),
            };
            let snapshot_branches = snapshot_branches
                .map_err(|reason| unmeasured.insert("snapshot_branches".to_owned(), reason))
                .ok();
            Collected {
                data: SectionData::Storage(StorageSection {
                    databases: sizes,
                    log_dir_bytes,
                    snapshot_branches,
                }),
                unmeasured,
            }
        })
        .await
    }
}

fn database_files(path: &Path) -> Result<DatabaseFiles, String> {
    let file_bytes = std::fs::metadata(path)
        .map_err(|error| format!("cannot read {}: {error}", path.display()))?
        .len();
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let wal = PathBuf::from(wal);
    let wal_bytes = match std::fs::metadata(&wal) {
        Ok(metadata) => metadata.len(),
        Err(error) if error.kind() == io::ErrorKind::NotFound => 0,
        Err(error) => return Err(format!("cannot read {}: {error}", wal.display())),
    };
    Ok(DatabaseFiles {
        path: path.display().to_string(),
        file_bytes,
        wal_bytes,
        total_bytes: file_bytes + wal_bytes,
    })
}

/// Total size of the regular files under `dir`, not following symbolic links. Files that vanish
/// while walking (log rotation) are skipped.
fn tree_bytes(root: &Path) -> io::Result<u64> {
    let mut total = 0;
    let mut pending = vec![root.to_owned()];
    while let Some(dir) = pending.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(error) if error.kind() == io::ErrorKind::NotFound && dir != root => continue,
            Err(error) => return Err(error),
        };
        for entry in entries {
            let Ok(entry) = entry else { continue };
            let Ok(metadata) = entry.metadata() else { continue };
            if metadata.is_dir() {
                pending.push(entry.path());
            } else if metadata.is_file() {
                total += metadata.len();
            }
        }
    }
    Ok(total)
}
