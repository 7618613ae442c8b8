//! Git repositories read in-process with gix: no `git` child process per field.
//!
//! # Why gix
//! The choice was measured before the first line (`CRATES.md`, sections 1, 3 and 5.7): the dirty
//! check, which dominates a collection, is 1.1× (1k files) to 2.1× (50k files, parallel) faster in
//! gix than in git2, whose `statuses()` was the slowest of the three ways tried. git2 builds in 26 s
//! and 106 MB against gix's 46 s and 462 MB (clean, debug, two cores), but it compiles libgit2 from C
//! and puts C on every host's build; gix is pure Rust. Spawning `git` costs 1.3–1.9 ms per process
//! before any work and needs git installed on the host. `benches/git.rs` compares the two on one
//! repository with 3 linked worktrees (two cores shared with other builds, load average 4 to 6):
//! at 2,000 files the section's median was 17 to 28 ms (fastest 13.5 ms) against 57 to 85 ms for the
//! same facts from 19 `git` processes, about 3×; at 20,000 files both took 110 to 270 ms, and the
//! noise was larger than the difference. One walk of 2,000 files costs gix about 2.4 ms, `git status
//! --porcelain` about 3.7 ms with its spawn. gix's API breaks on most 0.x minors, so the workspace
//! pins `gix = "0.90"`.
//!
//! Where a collection's time goes (callgrind, 2,000 files and 3 worktrees, instructions per
//! collection, repeatable under load): 66 M before skipping the index checksum, 50 M after (470 M
//! against 616 M at 20,000 files). What is left is gix's own walks: the lstat of every tracked file
//! (8,000 per collection here, as `git status` does), its path stack and the untracked-file walk.
//! Running the walks sequentially was 1.5× slower; on more threads than cores (4 on 2) it was about
//! 15 % faster under load, by taking CPU from the rest of the machine, which a status collector must
//! not do. Wall-clock medians of the section moved between 15 and 19 ms with the machine loaded
//! (load average 4 to 5 on two cores), fastest 11 to 13 ms, before and after alike.
//!
//! Opened repositories are kept across collections and one checkout read is shared by `deploy`
//! and `repos` (see `cache`); a racily clean index is refreshed in memory (`facts::DirtyState`).
//! `benches/full.rs` (issue 21's full configuration, load average 10 to 16 on two cores, medians
//! of 40): idle 52 ms before, 48 ms after, against 76 to 91 ms for the git CLI; one file changed
//! 45 ms before, 39 ms after (CLI 84 ms); a freshly cloned racily clean tree 66 ms before, 14 ms
//! after (CLI 98 ms).
//!
//! A work tree is walked only when something it depends on may have changed (`watch`: inotify
//! events under it, another index, `HEAD` tree or `info/exclude`, or 5 minutes since its last
//! walk); otherwise the last answer stands (`cache::Tree::is_dirty`). With the watches,
//! `benches/full.rs` (load average 8.6 to 9.7, medians of 40): idle 5.9 ms (fastest 4.2 ms; `repos`
//! under 1.5 ms, the rest is other sections), one file changed in a worktree 11.3 ms, racily clean
//! 6.6 ms, against 82, 77 and 53 ms for the git CLI in the same run. `benches/scaling.rs` (load 9
//! to 11): idle 8.1 to 8.2 ms at 2,000, 20,000 and 100,000 files, one change (a walk of that tree)
//! 11.8, 21.5 and 58 ms; idle 6.8, 7.7 and 10.7 ms with 0, 3 and 10 worktrees.
//!
//! Stats stay absolute: gix 0.90's `index_worktree_status` and `gix_dir::walk` build each path on
//! a `gix_fs::Stack` rooted at the work tree's absolute path, and take no directory handle, so
//! there is no way to make them `fstatat` relative to an open directory; running them with the
//! work tree as the current directory would need a thread with its own `CLONE_FS` (rustix 1.1 has
//! only `unshare_unsafe` for it, and this crate forbids `unsafe`). With the watches the
//! walks run only after a change, so their path lookups are no longer paid in idle cycles.
//!
//! Everything here is blocking and read-only (no index refresh is written back, unlike `git status`).
//! Each repository, and each worktree, is read on its own: one that fails yields an error naming its
//! path and the cause, and the others are complete. Long reads stop when the [`Interrupt`] fires.

mod cache;
mod facts;
#[cfg(test)]
mod tests;
mod watch;
mod worktrees;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};

use status_model::{Fallible, RepoStatus};

use crate::config::RepoConfig;

/// A git read that failed, with the path and the cause.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct GitError(String);

impl GitError {
    pub(crate) fn at(path: &Path, what: &str, cause: impl std::fmt::Display) -> GitError {
        GitError(format!("{what} {}: {cause}", path.display()))
    }
}

/// Tells reads in progress to stop: the section's deadline has passed and their result is no longer
/// wanted. gix's status threads poll a flag of their own, so each read registers one here.
#[derive(Clone, Debug, Default)]
pub struct Interrupt {
    inner: Arc<InterruptInner>,
}

#[derive(Debug, Default)]
struct InterruptInner {
    fired: AtomicBool,
    flags: Mutex<Vec<Weak<AtomicBool>>>,
}

impl Interrupt {
    /// Stops every read using this interrupt, now and later.
    pub fn fire(&self) {
        self.inner.fired.store(true, Ordering::SeqCst);
        let flags = self.inner.flags.lock().unwrap_or_else(PoisonError::into_inner);
        for flag in flags.iter().filter_map(Weak::upgrade) {
            flag.store(true, Ordering::SeqCst);
        }
    }

    /// Whether [`Interrupt::fire`] was called.
    pub fn fired(&self) -> bool {
        self.inner.fired.load(Ordering::SeqCst)
    }

    /// A flag of its own for one read, set when this interrupt fires (already set if it has).
    pub(crate) fn flag(&self) -> Arc<AtomicBool> {
        let flag = Arc::new(AtomicBool::new(false));
        let mut flags = self.inner.flags.lock().unwrap_or_else(PoisonError::into_inner);
        flags.retain(|weak| weak.strong_count() > 0);
        flags.push(Arc::downgrade(&flag));
        drop(flags);
        flag.store(self.fired(), Ordering::SeqCst);
        flag
    }
}

/// One repository's entry in the `repos` section, with the fields left `null` for want of a
/// measurement and why, keyed by field path relative to the entry (`unpushed_commits`,
/// `worktrees.feature.dirty`).
#[derive(Clone, Debug, PartialEq)]
pub struct RepoRead {
    /// The entry.
    pub entry: Fallible<RepoStatus>,
    /// Why some fields are `null`.
    pub unmeasured: BTreeMap<String, String>,
}

/// Reads one configured repository.
pub fn read_repo(config: &RepoConfig, interrupt: &Interrupt) -> RepoRead {
    let mut unmeasured = BTreeMap::new();
    let entry = match read_repo_status(config, interrupt, &mut unmeasured) {
        Ok(status) => Fallible::Ok(status),
        Err(error) => {
            unmeasured.clear();
            Fallible::Failed { error: error.to_string() }
        }
    };
    RepoRead { entry, unmeasured }
}

/// The host's own checkout, as the `deploy` section reports it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Checkout {
    /// The commit `HEAD` resolves to.
    pub head_sha: Option<String>,
    /// The checked-out branch's short name.
    pub branch: Option<String>,
    /// The `HEAD` commit's subject, cut to 72 characters.
    pub head_commit: Option<String>,
    /// Whether `git status --porcelain` would print anything.
    pub dirty: Option<bool>,
    /// Commits the upstream lacks.
    pub unpushed_commits: Option<u64>,
}

/// Reads a checkout's `HEAD`, dirtiness and unpushed commits. Fields that could not be read are
/// `None` with the reason in the map; a repository that cannot be opened at all is an error.
pub fn read_checkout(
    path: &Path,
    interrupt: &Interrupt,
) -> Result<(Checkout, BTreeMap<String, String>), GitError> {
    let (slot, asked) = cache::slot(path);
    let read = cache::lock(&slot).checkout(path, asked, interrupt)?;
    let head = read.head.map_err(|cause| GitError::at(path, "cannot read HEAD of", cause))?;
    let mut unmeasured = BTreeMap::new();
    let checkout = Checkout {
        head_sha: head.sha.map(|sha| sha.to_string()),
        branch: head.branch_short(),
        head_commit: head.subject.clone(),
        dirty: note(&mut unmeasured, "dirty", read.dirty),
        unpushed_commits: note(&mut unmeasured, "unpushed_commits", read.unpushed),
    };
    Ok((checkout, unmeasured))
}

/// The commit `HEAD` of the repository at `path` resolves to, as 40 hex digits (what a deploy of that
/// checkout records).
pub fn head_sha(path: &Path) -> Result<String, GitError> {
    let repo = facts::open(path)?;
    let head =
        facts::head(&repo).map_err(|cause| GitError::at(path, "cannot read HEAD of", cause))?;
    head.sha.map(|sha| sha.to_string()).ok_or_else(|| {
        GitError::at(path, "cannot deploy from", "HEAD names no commit yet (an unborn branch)")
    })
}

/// How many references of the repository at `path` match `glob` (a full-name glob such as
/// `refs/heads/snapshot/*`), counted as `git for-each-ref <glob> | wc -l` counts them.
///
/// This is the count the `storage` section reports as `snapshot_branches`.
pub fn count_matching_refs(path: &Path, glob: &str) -> Result<u64, GitError> {
    let (slot, _) = cache::slot(path);
    let mut slot = cache::lock(&slot);
    let (tree, _) = slot.open(path)?;
    facts::count_refs(&tree.repo, glob)
        .map_err(|cause| GitError::at(path, "cannot list references of", cause))
}

fn read_repo_status(
    config: &RepoConfig,
    interrupt: &Interrupt,
    unmeasured: &mut BTreeMap<String, String>,
) -> Result<RepoStatus, GitError> {
    let path = config.path.as_path();
    let (slot, asked) = cache::slot(path);
    let mut slot = cache::lock(&slot);
    // `deploy` may have read this checkout while this read waited for the slot.
    let shared = slot.fresh_checkout(asked);
    let (main, linked) = slot.open(path)?;
    let repo = &main.repo;
    let head = match &shared {
        Some(read) => read.head.clone(),
        None => facts::head(repo),
    }
    .map_err(|cause| GitError::at(path, "cannot read HEAD of", cause))?;
    let bare = repo.workdir().is_none();
    let main_branch = facts::main_branch(repo, config.main_branch.as_deref());
    let operation = if bare { None } else { facts::operation(repo) };
    let prepared = if config.worktrees {
        let main_tip = facts::main_tip(repo, &main_branch);
        worktrees::prepare(repo, main_tip.as_ref(), linked)
            .map_err(|cause| GitError::at(path, "cannot list the worktrees of", cause))?
    } else {
        linked.clear();
        unmeasured.insert("worktrees".to_owned(), "`worktrees = false` in the config".to_owned());
        Vec::new()
    };
    let unpushed = match &shared {
        Some(read) => read.unpushed.clone(),
        None => facts::unpushed(repo, &head),
    };
    let snapshot_refs = facts::count_refs(repo, &config.snapshot_refs);

    // The dirtiness walks dominate; the main worktree's and the linked ones' run in parallel.
    let (prepared, keys): (Vec<_>, Vec<_>) = prepared.into_iter().unzip();
    let walk_main = !bare && shared.is_none();
    let mut trees: BTreeMap<&std::path::PathBuf, &mut cache::Tree> = linked.iter_mut().collect();
    let mut walks: Vec<Option<&mut cache::Tree>> =
        keys.iter().flatten().map(|key| trees.remove(key)).collect();
    if walk_main {
        walks.insert(0, Some(main));
    }
    // Most trees are answered from their watches; only the others are walked, side by side.
    let mut known: Vec<Option<Result<bool, String>>> = walks
        .iter_mut()
        .map(|tree| match tree {
            Some(tree) => tree.known_dirty(),
            None => Some(Err("not walked".to_owned())),
        })
        .collect();
    let to_walk: Vec<(usize, &mut cache::Tree)> = walks
        .into_iter()
        .enumerate()
        .filter(|(at, _)| known[*at].is_none())
        .filter_map(|(at, tree)| tree.map(|tree| (at, tree)))
        .collect();
    for (at, dirty) in parallel_map(to_walk, |(at, tree)| (at, tree.walk_dirty(interrupt))) {
        known[at] = Some(dirty);
    }
    let mut walked =
        known.into_iter().map(|dirty| dirty.unwrap_or_else(|| Err("not walked".to_owned())));
    let dirty = match (bare, &shared) {
        (true, _) => Err("a bare repository has no working tree".to_owned()),
        (false, Some(read)) => read.dirty.clone(),
        (false, None) => walked.next().unwrap_or_else(|| Err("not walked".to_owned())),
    };
    if walk_main {
        let read = cache::CheckoutFacts {
            head: Ok(head.clone()),
            dirty: dirty.clone(),
            unpushed: unpushed.clone(),
        };
        slot.keep_checkout(read);
    }
    let worktrees = config.worktrees.then(|| {
        let read = worktrees::finish(prepared, walked);
        for (name, reasons) in read.unmeasured {
            for (field, reason) in reasons {
                unmeasured.insert(format!("worktrees.{name}.{field}"), reason);
            }
        }
        read.worktrees
    });
    Ok(RepoStatus {
        path: path.display().to_string(),
        bare,
        head_sha: head.sha.map(|sha| sha.to_string()),
        branch: head.branch_short(),
        detached: head.detached,
        head_commit: head.subject.clone(),
        dirty: note(unmeasured, "dirty", dirty),
        unpushed_commits: note(unmeasured, "unpushed_commits", unpushed),
        main_branch,
        conflict: operation.is_some_and(|operation| operation.is_conflict()),
        operation,
        snapshot_branches: note(unmeasured, "snapshot_branches", snapshot_refs),
        worktrees,
        unreadable: None,
        stale_seconds: None,
    })
}

/// `work` applied to every item, on up to as many threads as there are cores (at most 4); the
/// results in the items' order. gix's walks are parallel inside too, so more threads buy nothing.
fn parallel_map<T: Send, R: Send>(items: Vec<T>, work: impl Fn(T) -> R + Sync) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let threads = cores.clamp(1, 4).min(items.len());
    if threads <= 1 {
        return items.into_iter().map(work).collect();
    }
    let count = items.len();
    let queue = Mutex::new(items.into_iter().enumerate().rev().collect::<Vec<_>>());
    let done = Mutex::new(Vec::with_capacity(count));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let next = queue.lock().unwrap_or_else(PoisonError::into_inner).pop();
                    let Some((index, item)) = next else { break };
                    let result = work(item);
                    done.lock().unwrap_or_else(PoisonError::into_inner).push((index, result));
                }
            });
        }
    });
    let mut done = done.into_inner().unwrap_or_else(PoisonError::into_inner);
    done.sort_by_key(|(index, _)| *index);
    done.into_iter().map(|(_, result)| result).collect()
}

/// The value, or `None` with the reason recorded under `field`.
pub(crate) fn note<T>(
    unmeasured: &mut BTreeMap<String, String>,
    field: &str,
    value: Result<T, String>,
) -> Option<T> {
    value.map_err(|reason| unmeasured.insert(field.to_owned(), reason)).ok()
}

/// An error and its sources, joined by `: ` (gix puts the useful part in the sources).
pub(crate) fn cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(next) = source {
        let message = next.to_string();
        if !text.contains(&message) {
            text.push_str(": ");
            text.push_str(&message);
        }
        source = next.source();
    }
    text
}
