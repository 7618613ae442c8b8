//! Setting up a work tree's watches: which directories `git status` looks into, counted against
//! the limits before any watch is added.

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use gix::bstr::{BString, ByteSlice};

use super::{Limits, State, cause, mask};

/// The directories of an index that hold tracked files (all their ancestors too), relative.
pub(super) struct Tracked(BTreeSet<BString>);

impl Tracked {
    pub(super) fn of(index: &gix::index::State) -> Tracked {
        let mut dirs = BTreeSet::new();
        for entry in index.entries() {
            let mut path = entry.path(index);
            while let Some(slash) = path.rfind_byte(b'/') {
                path = &path[..slash];
                if !dirs.insert(path.to_owned()) {
                    break;
                }
            }
        }
        Tracked(dirs)
    }
}

impl State {
    /// Watches the work tree at `root` from scratch.
    pub(super) fn watch_tree(
        &mut self,
        id: u64,
        root: &Path,
        repo: &gix::Repository,
        index: &gix::index::State,
        tracked: &Tracked,
        limits: Limits,
    ) -> Result<(), String> {
        self.watch_under(id, root, root, repo, index, tracked, limits)
    }

    /// Watches `dir` (inside the work tree at `root`) and the directories under it that `git
    /// status` looks into, after counting them against the limits.
    #[expect(clippy::too_many_arguments, reason = "one private step of `check`")]
    pub(super) fn watch_under(
        &mut self,
        id: u64,
        root: &Path,
        dir: &Path,
        repo: &gix::Repository,
        index: &gix::index::State,
        tracked: &Tracked,
        limits: Limits,
    ) -> Result<(), String> {
        if self.inotify.is_err() {
            let Err(reason) = &self.inotify else { return Ok(()) };
            return Err(reason.clone());
        }
        let mut excludes = repo
            .excludes(index, None, gix::worktree::stack::state::ignore::Source::default())
            .map_err(|error| format!("cannot read its ignore rules: {}", cause(&error)))?;
        let held = self.trees.get(&id).map_or(0, |tree| tree.dirs.len());
        let room =
            limits.per_tree.saturating_sub(held).min(limits.total.saturating_sub(self.total));
        // Count first, so that a tree too large for the caps takes no watch at all.
        let mut dirs = Vec::new();
        let mut pending = vec![dir.to_owned()];
        while let Some(next) = pending.pop() {
            if !looked_into(root, &next, &mut excludes, tracked) {
                continue;
            }
            if dirs.len() == room {
                return Err(format!(
                    "more directories than the watch limit ({} per tree, {} in all)",
                    limits.per_tree, limits.total
                ));
            }
            let Ok(entries) = std::fs::read_dir(&next) else { continue };
            for entry in entries.flatten() {
                if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
                    pending.push(entry.path());
                }
            }
            dirs.push(next);
        }
        let Ok(inotify) = &mut self.inotify else { return Ok(()) };
        let tree = self.trees.entry(id).or_default();
        for dir in dirs {
            if tree.dirs.contains_key(&dir) {
                continue;
            }
            match inotify.watches().add(&dir, mask()) {
                // The kernel has one watch per directory and instance: the same directory reached
                // twice within the tree (a bind mount) is watched once; one of another tree (the
                // same repository configured under two paths) cannot be told apart.
                Ok(wd) => match self.by_wd.get(&wd) {
                    Some((owner, _)) if *owner == id => {}
                    Some(_) => {
                        return Err(format!(
                            "{} is watched for another path of the same repository",
                            dir.display()
                        ));
                    }
                    None => {
                        self.by_wd.insert(wd.clone(), (id, dir.clone()));
                        tree.dirs.insert(dir, wd);
                        self.total += 1;
                    }
                },
                // Removed since it was counted: its parent's event says so.
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                Err(error) => {
                    return Err(format!("inotify refused a watch on {}: {error}", dir.display()));
                }
            }
        }
        Ok(())
    }
}

/// Whether `git status` can report anything inside `dir`: not `.git`, not a nested repository,
/// and not ignored unless it holds tracked files.
fn looked_into(
    root: &Path,
    dir: &Path,
    excludes: &mut gix::AttributeStack<'_>,
    tracked: &Tracked,
) -> bool {
    let Ok(relative) = dir.strip_prefix(root) else { return false };
    if relative.as_os_str().is_empty() {
        return true;
    }
    if relative.file_name() == Some(OsStr::new(".git")) || dir.join(".git").exists() {
        return false;
    }
    let relative_bytes = BString::from(relative.as_os_str().as_bytes());
    if tracked.0.contains(&relative_bytes) {
        return true;
    }
    excludes
        .at_path(relative, Some(gix::index::entry::Mode::DIR))
        .map_or(true, |platform| !platform.is_excluded())
}
