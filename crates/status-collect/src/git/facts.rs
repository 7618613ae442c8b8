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
#[derive(Clone)]
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

/// What the walks of one work tree keep between collections: the on-disk index the last walk
/// started from and, once a walk found files unchanged whose stat data the index did not record
/// (right after a clone or checkout every file is "racily clean": written in the same second as the
/// index, so its stat data cannot be trusted and its content is hashed), a copy of that index with
/// the new stat data and, after a complete walk, its start as the time stamp. The copy is used
/// until the index on disk changes, so a file is hashed once per change instead of on every
/// collection. Nothing is written back: the work tree's own index is never touched.
#[derive(Default)]
pub(super) struct DirtyState {
    base: Option<gix::worktree::Index>,
    refreshed: Option<gix::index::File>,
    /// Tracked files whose content the last walk read to compare it (0 when it did not finish).
    pub(super) files_read: usize,
}

/// Files changed within this long before a walk started stay racily clean for the next one: file
/// times are taken from the kernel's coarse clock, up to a tick (4 to 10 ms) behind.
const RACY_MARGIN: std::time::Duration = std::time::Duration::from_millis(50);

/// The margin where file times are whole seconds (no entry has nanoseconds): some file systems.
const RACY_MARGIN_SECONDS: std::time::Duration = std::time::Duration::from_secs(1);

/// Whether `git status --porcelain` would print anything: changes between `HEAD` and the index,
/// between the index and the files, or untracked files that are not ignored. Stops at the first,
/// in both the comparison of tracked files and the walk for untracked ones.
///
/// Runs on the calling thread with one thread comparing files with the index (gix would otherwise
/// use every core): the caller runs several walks side by side, and a status collector must not
/// take over the host's cores. `state` carries the refreshed stat data from walk to walk.
pub(super) fn dirty(
    repo: &gix::Repository,
    state: &mut DirtyState,
    interrupt: &Interrupt,
) -> Result<bool, String> {
    let flag = interrupt.flag();
    let on_disk = repo.index_or_empty().map_err(|error| cause(&error))?;
    if !state.base.as_ref().is_some_and(|base| std::sync::Arc::ptr_eq(base, &on_disk)) {
        state.refreshed = None;
        state.base = Some(on_disk.clone());
    }
    let index: &gix::index::File = state.refreshed.as_ref().unwrap_or(&on_disk);
    let head_tree = repo.head_tree_id_or_empty().map_err(|error| cause(&error))?;
    // A valid cached root tree equal to HEAD's tree means the index holds exactly HEAD: nothing is
    // staged, and the HEAD-to-index diff can be skipped (git's unpack-trees trusts it the same way;
    // `git add` invalidates it).
    let nothing_staged = index
        .tree()
        .is_some_and(|tree| tree.num_entries.is_some() && tree.id == head_tree.detach());
    if !nothing_staged {
        let mut staged = false;
        repo.tree_index_status(
            &head_tree,
            index,
            None,
            gix::status::tree_index::TrackRenames::Disabled,
            |_, _, _| {
                staged = true;
                Ok(std::ops::ControlFlow::Break(()))
            },
        )
        .map_err(|error| cause(&error))?;
        if staged {
            return Ok(true);
        }
    }
    let started = std::time::SystemTime::now();
    let options = gix::status::index_worktree::Options {
        sorting: None,
        dirwalk_options: Some(
            repo.dirwalk_options()
                .map_err(|error| cause(&error))?
                .emit_untracked(gix::dir::walk::EmissionMode::CollapseDirectory),
        ),
        rewrites: None,
        thread_limit: Some(1),
    };
    let submodules = gix::status::index_worktree::BuiltinSubmoduleStatus::new(
        repo.clone().into_sync(),
        gix::status::Submodule::default(),
    )
    .map_err(|error| cause(&error))?;
    let mut first = FirstChange { flag: &flag, changed: false, refreshed: Vec::new() };
    let walked = repo.index_worktree_status(
        index,
        std::iter::empty::<&gix::bstr::BStr>(),
        &mut first,
        gix::status::plumbing::index_as_worktree::traits::FastEq,
        submodules,
        &mut gix::progress::Discard,
        &flag,
        options,
    );
    let FirstChange { changed, refreshed, .. } = first;
    state.files_read =
        walked.as_ref().map_or(0, |outcome| outcome.tracked_file_modification.worktree_files_read);
    let complete = !changed && walked.is_ok() && !flag.load(Ordering::SeqCst);
    // Racily clean entries found unchanged come back as refreshed ones: without any, no entry's
    // trust depends on the time stamp, and the index in use stays as it is.
    if !refreshed.is_empty() {
        let margin = match refreshed.iter().any(|(_, stat)| stat.mtime.nsecs != 0) {
            true => RACY_MARGIN,
            false => RACY_MARGIN_SECONDS,
        };
        let mut copy = index.clone();
        let entries = copy.entries_mut();
        for (at, stat) in refreshed {
            if let Some(entry) = entries.get_mut(at) {
                entry.stat = stat;
            }
        }
        // Every entry's stat data was compared during a complete walk: those of files older than
        // its start (less the margin) can be trusted from now on.
        if complete && let Some(before) = started.checked_sub(margin) {
            copy.set_timestamp(filetime::FileTime::from_system_time(before));
        }
        state.refreshed = Some(copy);
    }
    match walked {
        _ if changed => Ok(true),
        _ if interrupt.fired() || flag.load(Ordering::SeqCst) => {
            Err("not read: the deadline passed".to_owned())
        }
        Err(error) => Err(cause(&error)),
        Ok(_) => Ok(false),
    }
}

/// Records refreshed stat data and stops the walks at the first change.
struct FirstChange<'a> {
    flag: &'a std::sync::atomic::AtomicBool,
    changed: bool,
    /// Entries found unchanged whose stat data the index did not record, by position.
    refreshed: Vec<(usize, gix::index::entry::Stat)>,
}

impl<'index> gix::status::plumbing::index_as_worktree_with_renames::VisitEntry<'index>
    for FirstChange<'_>
{
    type ContentChange = ();
    type SubmoduleStatus = gix::submodule::Status;

    fn visit_entry(
        &mut self,
        entry: gix::status::plumbing::index_as_worktree_with_renames::Entry<
            'index,
            Self::ContentChange,
            Self::SubmoduleStatus,
        >,
    ) {
        use gix::status::plumbing::index_as_worktree::EntryStatus;
        use gix::status::plumbing::index_as_worktree_with_renames::Entry;
        let change = match entry {
            Entry::Modification { status: EntryStatus::NeedsUpdate(stat), entry_index, .. } => {
                self.refreshed.push((entry_index, stat));
                false
            }
            Entry::Modification { .. } | Entry::Rewrite { .. } => true,
            Entry::DirectoryContents { entry, .. } => {
                entry.status == gix::dir::entry::Status::Untracked
            }
        };
        if change {
            self.changed = true;
            self.flag.store(true, Ordering::SeqCst);
        }
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
