//! The `repos` section: per configured repository, what is checked out, whether it is clean, and the
//! state of its linked worktrees.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Every configured repository, keyed by its name (the config's `name`, else the directory name).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct ReposSection(pub BTreeMap<String, Fallible<RepoStatus>>);

/// One entry that is read on its own and may fail on its own: the value, or `{"error": "..."}` naming
/// the path and the cause. The other entries of the section are complete either way.
///
/// Untagged on purpose: the issue fixes the failed entry's shape as exactly `{"error": "..."}`, and no
/// value type that goes in here has an `error` field, so the two shapes cannot be confused.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
#[schemars(rename = "Fallible_{T}")]
pub enum Fallible<T> {
    /// The entry could not be read.
    Failed {
        /// What failed, where (the path) and why.
        error: String,
    },
    /// The entry's value.
    Ok(T),
}

impl<T> Fallible<T> {
    /// The value, when the entry was read.
    pub fn value(&self) -> Option<&T> {
        match self {
            Fallible::Ok(value) => Some(value),
            Fallible::Failed { .. } => None,
        }
    }

    /// The error, when the entry failed.
    pub fn error(&self) -> Option<&str> {
        match self {
            Fallible::Ok(_) => None,
            Fallible::Failed { error } => Some(error),
        }
    }
}

/// One repository: its `HEAD` (for a non-bare repository, that of the main worktree) and its linked
/// worktrees.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RepoStatus {
    /// The repository path as configured.
    pub path: String,
    /// Whether the repository is bare (no main worktree: `dirty` is `null`).
    pub bare: bool,
    /// The commit `HEAD` resolves to, as 40 hex digits; `null` on an unborn branch (no commit yet).
    pub head_sha: Option<String>,
    /// The checked-out branch's short name (`main`); `null` when `HEAD` is detached.
    pub branch: Option<String>,
    /// Whether `HEAD` points at a commit rather than a branch.
    pub detached: bool,
    /// The subject of the `HEAD` commit, as `git log -1 --format=%s` prints it, cut to 72 characters
    /// ending in `…`.
    pub head_commit: Option<String>,
    /// Whether `git status --porcelain` would print anything: staged or unstaged changes to tracked
    /// files, or untracked files that are not ignored.
    pub dirty: Option<bool>,
    /// Commits on `HEAD` that its branch's upstream does not have (`git rev-list --count @{u}..HEAD`);
    /// `null` when the branch has no upstream (the reason is in the section's `unmeasured`).
    pub unpushed_commits: Option<u64>,
    /// The branch worktrees' `ahead`/`behind` are counted against: the config's `main_branch`, else
    /// the branch `origin/HEAD` names, else `main`.
    pub main_branch: String,
    /// A merge, rebase, cherry-pick or revert is in progress in the main worktree.
    pub conflict: bool,
    /// The operation in progress in the main worktree, if any (bisect is one, but not a conflict).
    pub operation: Option<GitOperation>,
    /// How many references match the config's `snapshot_refs` glob (`git for-each-ref <glob>`).
    pub snapshot_branches: Option<u64>,
    /// The linked worktrees (`git worktree list` without the main one), keyed by worktree name (the
    /// directory under `.git/worktrees/`); `null` when the config says `worktrees = false`.
    pub worktrees: Option<BTreeMap<String, Fallible<WorktreeStatus>>>,
    /// Present only when the repository could not be read this time: why (the path and the cause).
    /// The other fields are then its last good value, `stale_seconds` old.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreadable: Option<String>,
    /// Present only with `unreadable`: how old the kept value is, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stale_seconds: Option<f64>,
}

/// One linked worktree.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct WorktreeStatus {
    /// Where its files are checked out.
    pub path: String,
    /// The checked-out branch's short name; `null` when detached.
    pub branch: Option<String>,
    /// The commit its `HEAD` resolves to; `null` on an unborn branch.
    pub sha: Option<String>,
    /// Whether its `HEAD` points at a commit rather than a branch.
    pub detached: bool,
    /// As for the repository; `null` when the directory is gone (the worktree is prunable).
    pub dirty: Option<bool>,
    /// Commits on its `HEAD` that the main branch lacks (`git rev-list --count main..HEAD`).
    pub ahead: Option<u64>,
    /// Commits on the main branch that its `HEAD` lacks (`git rev-list --count HEAD..main`).
    pub behind: Option<u64>,
    /// A merge, rebase, cherry-pick or revert is in progress in this worktree's own git dir.
    pub conflict: bool,
    /// The operation in progress, if any.
    pub operation: Option<GitOperation>,
    /// Locked with `git worktree lock`: `git worktree prune` leaves it alone.
    pub locked: bool,
    /// Its directory is gone and it is not locked: `git worktree prune` would remove it.
    pub prunable: bool,
}

/// An operation in progress in a worktree, as `git status` names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum GitOperation {
    /// `git merge` stopped.
    Merge,
    /// `git rebase` stopped.
    Rebase,
    /// `git rebase -i` stopped.
    RebaseInteractive,
    /// `git cherry-pick` of one commit stopped.
    CherryPick,
    /// `git cherry-pick` of several commits stopped.
    CherryPickSequence,
    /// `git revert` of one commit stopped.
    Revert,
    /// `git revert` of several commits stopped.
    RevertSequence,
    /// `git am` stopped.
    ApplyMailbox,
    /// `git am` within a rebase stopped.
    ApplyMailboxRebase,
    /// `git bisect` has not finished.
    Bisect,
}

impl GitOperation {
    /// Whether the operation leaves the worktree stuck until someone resolves or aborts it: all but
    /// bisect.
    pub fn is_conflict(self) -> bool {
        !matches!(self, GitOperation::Bisect)
    }
}
