//! Linked worktrees: each read on its own, so one that fails fails alone.
//!
//! Reading is split in two: [`prepare`] reads the cheap facts of every worktree (`HEAD`, ahead and
//! behind, lock, operation) and names the kept repositories whose dirtiness is still to be checked,
//! so that the caller can run those walks, the expensive part, in parallel with the main worktree's.
//! Each worktree's opened repository is kept across collections (see `cache`), by its git dir.

use std::collections::BTreeMap;
use std::path::PathBuf;

use gix::bstr::ByteSlice;
use gix::hash::ObjectId;
use status_model::{Fallible, WorktreeStatus};

use super::cache::Tree;
use super::{cause, facts, note};

/// One linked worktree, read but for its dirtiness.
pub(super) struct Prepared {
    name: String,
    entry: Result<Partial, String>,
}

struct Partial {
    status: WorktreeStatus,
    unmeasured: BTreeMap<String, String>,
    /// Whether its dirtiness waits on a walk; when not, the reason is already in `unmeasured`.
    walks: bool,
}

/// Every linked worktree, and per worktree the fields left `null` and why.
pub(super) struct WorktreesRead {
    pub(super) worktrees: BTreeMap<String, Fallible<WorktreeStatus>>,
    pub(super) unmeasured: BTreeMap<String, BTreeMap<String, String>>,
}

/// Reads the linked worktrees of `repo` (not its main worktree), comparing each with `main_tip`,
/// with the repositories kept in `linked` (opened there when new or changed; those of worktrees
/// that are gone are dropped). Returns them with the keys in `linked` of the repositories to walk
/// for dirtiness, one per [`Prepared`] that needs it.
pub(super) fn prepare(
    repo: &gix::Repository,
    main_tip: Result<&ObjectId, &String>,
    linked: &mut BTreeMap<PathBuf, Tree>,
) -> Result<Vec<(Prepared, Option<PathBuf>)>, String> {
    let mut prepared = Vec::new();
    let proxies = repo.worktrees().map_err(|error| cause(&error))?;
    linked.retain(|git_dir, _| proxies.iter().any(|proxy| proxy.git_dir() == git_dir));
    for proxy in proxies {
        let name = match proxy.id() {
            Ok(id) => id.to_str_lossy().into_owned(),
            Err(_) => proxy.git_dir().display().to_string(),
        };
        let git_dir = proxy.git_dir().display().to_string();
        let (entry, walk) = match read_one(proxy, main_tip, linked) {
            Ok((partial, walk)) => (Ok(partial), walk),
            Err(error) => (Err(format!("worktree {name} ({git_dir}): {error}")), None),
        };
        prepared.push((Prepared { name, entry }, walk));
    }
    Ok(prepared)
}

/// Completes the worktrees with the results of the walks [`prepare`] asked for, in its order.
pub(super) fn finish(
    prepared: Vec<Prepared>,
    mut walked: impl Iterator<Item = Result<bool, String>>,
) -> WorktreesRead {
    let mut read = WorktreesRead { worktrees: BTreeMap::new(), unmeasured: BTreeMap::new() };
    for Prepared { name, entry } in prepared {
        let entry = match entry {
            Ok(mut partial) => {
                if partial.walks {
                    let dirty = walked.next().unwrap_or_else(|| Err("not walked".to_owned()));
                    partial.status.dirty = note(&mut partial.unmeasured, "dirty", dirty);
                }
                if !partial.unmeasured.is_empty() {
                    read.unmeasured.insert(name.clone(), partial.unmeasured);
                }
                Fallible::Ok(partial.status)
            }
            Err(error) => Fallible::Failed { error },
        };
        read.worktrees.insert(name, entry);
    }
    read
}

fn read_one(
    proxy: gix::worktree::Proxy<'_>,
    main_tip: Result<&ObjectId, &String>,
    linked: &mut BTreeMap<PathBuf, Tree>,
) -> Result<(Partial, Option<PathBuf>), String> {
    let locked = proxy.is_locked();
    let prunable = proxy.is_prunable();
    let base = proxy.base().map_err(|error| cause(&error))?;
    let present = base.is_dir();
    let key = proxy.git_dir().to_owned();
    if !linked.get(&key).is_some_and(|tree| tree.still(&base)) {
        linked.remove(&key);
        let mut repo =
            proxy.into_repo_with_possibly_inaccessible_worktree().map_err(|error| cause(&error))?;
        facts::with_object_cache(&mut repo);
        linked.insert(key.clone(), Tree::new(&base, repo));
    }
    let Some(Tree { repo, .. }) = linked.get(&key) else {
        return Err("its repository was not kept".to_owned());
    };
    let head = facts::head(repo).map_err(|error| format!("cannot read its HEAD: {error}"))?;
    let mut unmeasured = BTreeMap::new();
    let (ahead, behind) = match (main_tip, head.sha) {
        (Ok(&tip), Some(sha)) => (facts::only_in(repo, sha, tip), facts::only_in(repo, tip, sha)),
        (Err(reason), _) => (Err(reason.clone()), Err(reason.clone())),
        (Ok(_), None) => {
            let reason = "its branch has no commits yet".to_owned();
            (Err(reason.clone()), Err(reason))
        }
    };
    if !present {
        unmeasured
            .insert("dirty".to_owned(), format!("its directory {} does not exist", base.display()));
    }
    let operation = facts::operation(repo);
    let status = WorktreeStatus {
        path: base.display().to_string(),
        branch: head.branch_short(),
        sha: head.sha.map(|sha| sha.to_string()),
        detached: head.detached,
        dirty: None,
        ahead: note(&mut unmeasured, "ahead", ahead),
        behind: note(&mut unmeasured, "behind", behind),
        conflict: operation.is_some_and(|operation| operation.is_conflict()),
        operation,
        locked,
        prunable,
    };
    Ok((Partial { status, unmeasured, walks: present }, present.then_some(key)))
}
