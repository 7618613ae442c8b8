//! The facts read from one gix repository: `HEAD`, dirtiness, upstream, main branch, operation in
//! progress, reference counts. Each returns the reason as a `String` when it cannot say.

use std::path::Path;
use std::sync::atomic::Ordering;

use gix::bstr::ByteSlice;
use gix::hash::ObjectId;
use gix::refs::{FullName, TargetRef};
use gix::state::InProgress;
use status_model::GitOperation;

use super::{GitError, Interrupt, cause};

/// Commit subjects longer than this are cut, ending in `…`.
const SUBJECT_CHARS: usize = 72;

/// Opens the repository at `path` (a work tree or a bare repository), with errors that tell a
/// missing path from one that is not a repository.
pub(super) fn open(path: &Path) -> Result<gix::Repository, GitError> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => return Err(GitError::at(path, "no repository at", "not a directory")),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(GitError::at(path, "no repository at", "the path does not exist"));
        }
        Err(error) => return Err(GitError::at(path, "cannot read", error)),
    }
    // Like git, which checks the index's trailing SHA-1 only in `fsck`, do not hash the whole index
    // on every read: it was a fifth of a collection's instructions. Linked worktrees opened from this
    // repository inherit the override.
    let options = gix::open::Options::default().config_overrides(["index.skipHash=true"]);
    let mut repo = gix::open_opts(path, options)
        .map_err(|error| GitError::at(path, "cannot open a git repository at", cause(&error)))?;
    with_object_cache(&mut repo);
    Ok(repo)
}

/// Gives `repo` a small object cache: the ahead and the behind walks of a worktree visit the same
/// commits down to the merge base, and without a cache each visit decompresses the object again.
pub(super) fn with_object_cache(repo: &mut gix::Repository) {
    repo.object_cache_size_if_unset(OBJECT_CACHE_BYTES);
}

/// The object cache of each opened repository.
const OBJECT_CACHE_BYTES: usize = 2 * 1024 * 1024;

/// What `HEAD` says.
pub(super) struct Head {
    /// The commit it resolves to; `None` on an unborn branch.
    pub(super) sha: Option<ObjectId>,
    /// The branch it names; `None` when detached.
    pub(super) branch: Option<FullName>,
    pub(super) detached: bool,
    /// The commit's subject, cut to [`SUBJECT_CHARS`].
    pub(super) subject: Option<String>,
}

impl Head {
    pub(super) fn branch_short(&self) -> Option<String> {
        self.branch.as_ref().map(|name| name.shorten().to_str_lossy().into_owned())
    }
}

pub(super) fn head(repo: &gix::Repository) -> Result<Head, String> {
    let mut head = repo.head().map_err(|error| cause(&error))?;
    let branch = head.referent_name().map(ToOwned::to_owned);
    let detached = head.is_detached();
    let sha = head.try_peel_to_id().map_err(|error| cause(&error))?.map(gix::Id::detach);
    let subject = match sha {
        Some(id) => Some(subject(repo, id)?),
        None => None,
    };
    Ok(Head { sha, branch, detached, subject })
}

fn subject(repo: &gix::Repository, id: ObjectId) -> Result<String, String> {
    let commit = repo.find_commit(id).map_err(|error| cause(&error))?;
    let message = commit.message().map_err(|error| cause(&error))?;
    Ok(cut_subject(&message.summary().to_str_lossy()))
}

/// `subject`, or its first 71 characters and `…` when it is longer than 72.
pub(crate) fn cut_subject(subject: &str) -> String {
    if subject.chars().count() <= SUBJECT_CHARS {
        return subject.to_owned();
    }
    let mut cut: String = subject.chars().take(SUBJECT_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// Whether `git status --porcelain` would print anything: changes between `HEAD` and the index,
/// between the index and the files, or untracked files that are not ignored. Stops at the first.
///
/// One thread compares files with the index (gix would otherwise use every core): the caller runs
/// several walks side by side, and a status collector must not take over the host's cores.
pub(super) fn dirty(repo: &gix::Repository, interrupt: &Interrupt) -> Result<bool, String> {
    let flag = interrupt.flag();
    let index = repo.index_or_empty().map_err(|error| cause(&error))?;
    let head_tree = repo.head_tree_id_or_empty().map_err(|error| cause(&error))?;
    // A valid cached root tree equal to HEAD's tree means the index holds exactly HEAD: nothing is
    // staged, and the HEAD-to-index diff can be skipped (git's unpack-trees trusts it the same way;
    // `git add` invalidates it).
    let nothing_staged = index
        .tree()
        .is_some_and(|tree| tree.num_entries.is_some() && tree.id == head_tree.detach());
    let platform = repo
        .status(gix::progress::Discard)
        .map_err(|error| cause(&error))?
        .untracked_files(gix::status::UntrackedFiles::Collapsed)
        .index_worktree_rewrites(None)
        .index_worktree_options_mut(|options| options.thread_limit = Some(1))
        .should_interrupt_owned(flag.clone());
    // Dropping an iterator detaches gix's producer threads and restores the flag; setting it
    // afterwards is what makes them stop instead of finishing a walk nobody reads.
    let first = if nothing_staged {
        let mut changes =
            platform.into_index_worktree_iter(Vec::new()).map_err(|error| cause(&error))?;
        changes.next().map(|change| change.map(drop).map_err(|error| cause(&error)))
    } else {
        let mut changes = platform.into_iter(None).map_err(|error| cause(&error))?;
        changes.next().map(|change| change.map(drop).map_err(|error| cause(&error)))
    };
    let stopped = flag.swap(true, Ordering::SeqCst);
    match first {
        Some(Ok(())) => Ok(true),
        _ if stopped || interrupt.fired() => Err("not read: the deadline passed".to_owned()),
        Some(Err(error)) => Err(error),
        None => Ok(false),
    }
}

/// Commits on `HEAD` that its branch's upstream lacks (`git rev-list --count @{u}..HEAD`).
pub(super) fn unpushed(repo: &gix::Repository, head: &Head) -> Result<u64, String> {
    let Some(branch) = &head.branch else {
        return Err("HEAD is detached, so there is no upstream".to_owned());
    };
    let short = branch.shorten().to_str_lossy().into_owned();
    let Some(sha) = head.sha else {
        return Err(format!("branch {short} has no commits yet"));
    };
    let tracking = match repo
        .branch_remote_tracking_ref_name(branch.as_ref(), gix::remote::Direction::Fetch)
    {
        None => return Err(format!("branch {short} has no upstream")),
        Some(Err(error)) => {
            return Err(format!("cannot resolve the upstream of {short}: {}", cause(&error)));
        }
        Some(Ok(name)) => name,
    };
    let upstream = peel(repo, tracking.as_bstr().to_str_lossy().as_ref())?.ok_or_else(|| {
        format!("the upstream of {short}, {tracking}, does not exist (never fetched?)")
    })?;
    only_in(repo, sha, upstream)
}

/// The branch worktrees are compared with: `configured`, else the branch `origin/HEAD` names, else
/// `main`.
pub(super) fn main_branch(repo: &gix::Repository, configured: Option<&str>) -> String {
    if let Some(name) = configured {
        return name.to_owned();
    }
    if let Ok(Some(origin_head)) = repo.try_find_reference("refs/remotes/origin/HEAD")
        && let TargetRef::Symbolic(target) = origin_head.target()
        && let Some(name) = target.as_bstr().strip_prefix(b"refs/remotes/origin/")
    {
        return name.to_str_lossy().into_owned();
    }
    "main".to_owned()
}

/// The commit the main branch points at: `refs/heads/<main>`, else `refs/remotes/origin/<main>`
/// (or `main` itself when it is a full reference name).
pub(super) fn main_tip(repo: &gix::Repository, main: &str) -> Result<ObjectId, String> {
    let candidates = if main.starts_with("refs/") {
        vec![main.to_owned()]
    } else {
        vec![format!("refs/heads/{main}"), format!("refs/remotes/origin/{main}")]
    };
    for name in &candidates {
        if let Some(id) = peel(repo, name)? {
            return Ok(id);
        }
    }
    Err(format!("the main branch {main} does not exist (looked for {})", candidates.join(", ")))
}

/// The object `name` points at after following symbolic references and tags; `None` when there is
/// no such reference.
fn peel(repo: &gix::Repository, name: &str) -> Result<Option<ObjectId>, String> {
    let Some(mut reference) = repo.try_find_reference(name).map_err(|error| cause(&error))? else {
        return Ok(None);
    };
    let id = reference
        .peel_to_id()
        .map_err(|error| format!("cannot resolve {name}: {}", cause(&error)))?;
    Ok(Some(id.detach()))
}

/// Commits reachable from `tip` and not from `hidden` (`git rev-list --count hidden..tip`).
pub(super) fn only_in(
    repo: &gix::Repository,
    tip: ObjectId,
    hidden: ObjectId,
) -> Result<u64, String> {
    if tip == hidden {
        return Ok(0);
    }
    let walk = repo.rev_walk([tip]).with_hidden([hidden]).all().map_err(|error| cause(&error))?;
    let mut count = 0;
    for commit in walk {
        commit.map_err(|error| cause(&error))?;
        count += 1;
    }
    Ok(count)
}

/// The operation stopped in this worktree's own git dir, as `git status` detects it.
pub(super) fn operation(repo: &gix::Repository) -> Option<GitOperation> {
    Some(match repo.state()? {
        InProgress::ApplyMailbox => GitOperation::ApplyMailbox,
        InProgress::ApplyMailboxRebase => GitOperation::ApplyMailboxRebase,
        InProgress::Bisect => GitOperation::Bisect,
        InProgress::CherryPick => GitOperation::CherryPick,
        InProgress::CherryPickSequence => GitOperation::CherryPickSequence,
        InProgress::Merge => GitOperation::Merge,
        InProgress::Rebase => GitOperation::Rebase,
        InProgress::RebaseInteractive => GitOperation::RebaseInteractive,
        InProgress::Revert => GitOperation::Revert,
        InProgress::RevertSequence => GitOperation::RevertSequence,
    })
}

/// References whose full name matches `glob` as `git for-each-ref <glob>` matches it: with a
/// wildcard, by wildmatch with `WM_PATHNAME` (`*` stays within one component, `**` crosses `/`);
/// without one, the name itself or anything under it (`refs/heads/snapshot` counts
/// `refs/heads/snapshot/a`). Only the namespace before the first wildcard is listed. References that
/// cannot be read are skipped, as git skips them with a warning.
pub(super) fn count_refs(repo: &gix::Repository, glob: &str) -> Result<u64, String> {
    let wildcard = glob.find(['*', '?', '[', '\\']);
    let literal = wildcard.map_or(glob, |end| &glob[..end]);
    let prefix = literal.rfind('/').map_or("", |slash| &literal[..=slash]);
    let platform = repo.references().map_err(|error| cause(&error))?;
    let references = match prefix {
        "" => platform.all(),
        prefix => platform.prefixed(prefix),
    }
    .map_err(|error| cause(&error))?;
    let pattern = glob.as_bytes().as_bstr();
    let under = format!("{}/", glob.trim_end_matches('/'));
    let matches = |name: &gix::bstr::BStr| match wildcard {
        Some(_) => {
            gix::glob::wildmatch(pattern, name, gix::glob::wildmatch::Mode::NO_MATCH_SLASH_LITERAL)
        }
        None => name == pattern || name.starts_with(under.as_bytes()),
    };
    let mut count = 0;
    for reference in references.flatten() {
        if matches(reference.name().as_bstr()) {
            count += 1;
        }
    }
    Ok(count)
}
