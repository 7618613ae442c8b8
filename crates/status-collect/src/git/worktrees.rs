//! Linked worktrees: each read on its own, so one that fails fails alone.

use std::collections::BTreeMap;
use std::path::Path;

use gix::bstr::ByteSlice;
use gix::hash::ObjectId;
use status_model::{Fallible, WorktreeStatus};

use super::{Interrupt, cause, facts, note};

/// Every linked worktree, and per worktree the fields left `null` and why.
pub(super) struct WorktreesRead {
    pub(super) worktrees: BTreeMap<String, Fallible<WorktreeStatus>>,
    pub(super) unmeasured: BTreeMap<String, BTreeMap<String, String>>,
}

/// Reads the linked worktrees of `repo` (not its main worktree), comparing each with `main_tip`.
pub(super) fn read_all(
    repo: &gix::Repository,
    main_tip: Result<&ObjectId, &String>,
    interrupt: &Interrupt,
) -> Result<WorktreesRead, String> {
    let mut read = WorktreesRead { worktrees: BTreeMap::new(), unmeasured: BTreeMap::new() };
    for proxy in repo.worktrees().map_err(|error| cause(&error))? {
        let name = match proxy.id() {
            Ok(id) => id.to_str_lossy().into_owned(),
            Err(_) => proxy.git_dir().display().to_string(),
        };
        let git_dir = proxy.git_dir().display().to_string();
        let mut reasons = BTreeMap::new();
        let entry = if interrupt.fired() {
            Err("not read: the deadline passed".to_owned())
        } else {
            read_one(proxy, main_tip, interrupt, &mut reasons)
        };
        let entry = match entry {
            Ok(status) => Fallible::Ok(status),
            Err(error) => {
                Fallible::Failed { error: format!("worktree {name} ({git_dir}): {error}") }
            }
        };
        if entry.value().is_some() && !reasons.is_empty() {
            read.unmeasured.insert(name.clone(), reasons);
        }
        read.worktrees.insert(name, entry);
    }
    Ok(read)
}

fn read_one(
    proxy: gix::worktree::Proxy<'_>,
    main_tip: Result<&ObjectId, &String>,
    interrupt: &Interrupt,
    unmeasured: &mut BTreeMap<String, String>,
) -> Result<WorktreeStatus, String> {
    let locked = proxy.is_locked();
    let prunable = proxy.is_prunable();
    let base = proxy.base().map_err(|error| cause(&error))?;
    let present = Path::new(&base).is_dir();
    let repo =
        proxy.into_repo_with_possibly_inaccessible_worktree().map_err(|error| cause(&error))?;
    let head = facts::head(&repo).map_err(|error| format!("cannot read its HEAD: {error}"))?;
    let dirty = if present {
        facts::dirty(&repo, interrupt)
    } else {
        Err(format!("its directory {} does not exist", base.display()))
    };
    let (ahead, behind) = match (main_tip, head.sha) {
        (Ok(&tip), Some(sha)) => (facts::only_in(&repo, sha, tip), facts::only_in(&repo, tip, sha)),
        (Err(reason), _) => (Err(reason.clone()), Err(reason.clone())),
        (Ok(_), None) => {
            let reason = "its branch has no commits yet".to_owned();
            (Err(reason.clone()), Err(reason))
        }
    };
    let operation = facts::operation(&repo);
    Ok(WorktreeStatus {
        path: base.display().to_string(),
        branch: head.branch_short(),
        sha: head.sha.map(|sha| sha.to_string()),
        detached: head.detached,
        dirty: note(unmeasured, "dirty", dirty),
        ahead: note(unmeasured, "ahead", ahead),
        behind: note(unmeasured, "behind", behind),
        conflict: operation.is_some_and(|operation| operation.is_conflict()),
        operation,
        locked,
        prunable,
    })
}
