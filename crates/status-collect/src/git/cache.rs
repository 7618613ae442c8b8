//! Opened repositories kept across collections, and one read of a checkout per cycle shared by the
//! sections that ask for it.
//!
//! Opening a repository reads its config files and sets up its object database; its object cache
//! and each work tree's refreshed index (see [`facts::DirtyState`]) are only worth anything if they
//! outlive a collection. So every repository path has a [`Slot`] in a process-wide table, opened on
//! first use and reopened when the directory, its git dir or its config is no longer the same file
//! (a re-clone, a moved worktree, `git config` writes). `HEAD`, references, the index and packs are
//! read from disk on every use by gix itself; only what is derived from the config is kept.
//!
//! A slot is locked for the whole of a read, so two sections reading the same path in one cycle
//! (`deploy` and `repos` on the same checkout, `storage` counting its references) take turns, and
//! the second reuses the checkout facts of the first when that read finished after it asked
//! ([`Slot::fresh_checkout`], by a count of finished reads, not by the clock): a read in progress
//! is joined, one finished before the question never reused. A read that passes
//! its deadline is interrupted by its own section, so the wait of another is bounded by that
//! deadline too. Slots unused for [`IDLE`] are dropped with their repositories.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use super::GitError;
use super::facts::{self, DirtyState, Head};
use super::watch::{self, Pipeline, Watch, Watcher};

/// A slot not used for this long is dropped (its repository configured no more, or deleted).
const IDLE: Duration = Duration::from_secs(600);

/// Slots by path, with their count of finished checkout reads and when each was last handed out.
type Slots = BTreeMap<PathBuf, (Arc<Mutex<Slot>>, Arc<AtomicU64>, Instant)>;

/// The count of finished checkout reads of a slot when a section asked.
#[derive(Clone, Copy, Debug)]
pub(super) struct Asked(u64);

static SLOTS: Mutex<Slots> = Mutex::new(BTreeMap::new());

/// The slot of the repository at `path` (its components, so `a/b/` and `a/b` share one), and the
/// moment of asking.
pub(super) fn slot(path: &Path) -> (Arc<Mutex<Slot>>, Asked) {
    let key: PathBuf = path.components().collect();
    let now = Instant::now();
    let mut slots = SLOTS.lock().unwrap_or_else(PoisonError::into_inner);
    slots.retain(|_, (slot, _, used)| Arc::strong_count(slot) > 1 || now - *used < IDLE);
    let (slot, finished, used) = slots.entry(key).or_insert_with(|| {
        let finished = Arc::new(AtomicU64::new(0));
        let slot = Slot { finished: finished.clone(), ..Slot::default() };
        (Arc::new(Mutex::new(slot)), finished, now)
    });
    *used = now;
    (slot.clone(), Asked(finished.load(Ordering::SeqCst)))
}

/// Locks `slot`; a read that panicked left nothing half-written that matters (at worst a stale
/// checkout read, which its time stamp makes unused).
pub(super) fn lock(slot: &Mutex<Slot>) -> std::sync::MutexGuard<'_, Slot> {
    slot.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One repository path: its main work tree (or bare repository), its linked worktrees by git dir,
/// and the last checkout read.
#[derive(Default)]
pub(super) struct Slot {
    main: Option<Tree>,
    /// Linked worktrees by their git dir (`.git/worktrees/<name>`).
    linked: BTreeMap<PathBuf, Tree>,
    /// The last read of `HEAD`, dirtiness and unpushed commits, and its number in `finished`.
    checkout: Option<(u64, CheckoutFacts)>,
    /// Checkout reads finished, readable without the lock.
    finished: Arc<AtomicU64>,
}

/// An opened repository (or linked worktree) and what its walks keep.
pub(super) struct Tree {
    pub(super) repo: gix::Repository,
    identity: Identity,
    pub(super) dirty: DirtyState,
    /// The watches of its work tree (set up at the first dirtiness check).
    watch: Option<Watch>,
    watcher: Arc<Watcher>,
    /// The last complete walk's answer and what it depended on besides the files.
    last: Option<LastWalk>,
    /// What the last [`Tree::known_dirty`] read, for the walk that follows it.
    pending: Option<Inputs>,
    /// Walks done and answers reused, since the tree was opened.
    pub(super) walks: u64,
    pub(super) reused: u64,
}

/// What a walk's answer depends on besides the files: the index, `HEAD`'s tree, `info/exclude`.
#[derive(Clone)]
struct Inputs {
    index: gix::worktree::Index,
    head_tree: gix::ObjectId,
    excludes: Option<(u64, i64, i64, u64)>,
}

impl Inputs {
    fn same(&self, other: &Inputs) -> bool {
        Arc::ptr_eq(&self.index, &other.index)
            && self.head_tree == other.head_tree
            && self.excludes == other.excludes
    }
}

/// A walk's answer, with what it was made against.
struct LastWalk {
    dirty: bool,
    inputs: Inputs,
    at: Instant,
}

impl Tree {
    /// Keeps `repo`, as long as the files it was opened from stay the same.
    pub(super) fn new(dir: &Path, repo: gix::Repository) -> Tree {
        Tree::watched_by(dir, repo, watch::shared())
    }

    /// As [`Tree::new`], with the watches from `watcher`.
    pub(super) fn watched_by(dir: &Path, repo: gix::Repository, watcher: Arc<Watcher>) -> Tree {
        let identity = Identity::of(dir, &repo);
        Tree {
            repo,
            identity,
            dirty: DirtyState::default(),
            watch: None,
            watcher,
            last: None,
            pending: None,
            walks: 0,
            reused: 0,
        }
    }

    /// Whether `git status --porcelain` would print anything ([`facts::dirty`]), walked only when
    /// something it depends on may have changed since the last walk: an event under the work tree,
    /// another index, another `HEAD` tree, another `info/exclude`, a tree the watcher cannot cover,
    /// or [`watch::SAFETY_SCAN`] since the last walk. Otherwise the last answer.
    pub(super) fn is_dirty(&mut self, interrupt: &super::Interrupt) -> Result<bool, String> {
        match self.known_dirty() {
            Some(known) => known,
            None => self.walk_dirty(interrupt),
        }
    }

    /// The first half of [`Tree::is_dirty`]: the answer when no walk is needed (or the reason it
    /// cannot be had), `None` when [`Tree::walk_dirty`] must walk. Cheap: a few small reads.
    pub(super) fn known_dirty(&mut self) -> Option<Result<bool, String>> {
        self.pending = None;
        let root = self.repo.workdir()?.to_owned();
        let index = match self.repo.index_or_empty() {
            Ok(index) => index,
            Err(error) => return Some(Err(super::cause(&error))),
        };
        let head_tree = match self.repo.head_tree_id_or_empty() {
            Ok(id) => id.detach(),
            Err(error) => return Some(Err(super::cause(&error))),
        };
        let excludes = std::fs::metadata(self.repo.common_dir().join("info/exclude"))
            .ok()
            .map(|meta| (meta.ino(), meta.mtime(), meta.mtime_nsec(), meta.size()));
        let watcher = self.watcher.clone();
        let watch = self.watch.get_or_insert_with(|| Watch::new(watcher, root));
        let changes = watch.check(&self.repo, &index);
        let inputs = Inputs { index, head_tree, excludes };
        if changes == Pipeline::None
            && let Some(last) = &self.last
            && last.inputs.same(&inputs)
            && last.at.elapsed() < watch::SAFETY_SCAN
        {
            self.reused += 1;
            return Some(Ok(last.dirty));
        }
        self.last = None;
        self.pending = Some(inputs);
        None
    }

    /// The second half of [`Tree::is_dirty`]: walks the tree and keeps the answer with what
    /// [`Tree::known_dirty`] read.
    pub(super) fn walk_dirty(&mut self, interrupt: &super::Interrupt) -> Result<bool, String> {
        self.walks += 1;
        let at = Instant::now();
        let dirty = facts::dirty(&self.repo, &mut self.dirty, interrupt)?;
        if let Some(inputs) = self.pending.take() {
            self.last = Some(LastWalk { dirty, inputs, at });
        }
        Ok(dirty)
    }

    /// Directories of its work tree watched now.
    #[cfg(test)]
    pub(super) fn watched(&self) -> usize {
        self.watch.as_ref().map_or(0, |watch| watch.watched)
    }

    /// Whether `dir` and the git dir and config this was opened from are still the same files.
    pub(super) fn still(&self, dir: &Path) -> bool {
        Identity::of(dir, &self.repo) == self.identity
    }
}

/// The files an opened repository depends on: the directory, its git dir, the shared config.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Identity {
    dir: Option<(u64, u64)>,
    git_dir: Option<(u64, u64)>,
    config: Option<(u64, u64, i64, i64, u64)>,
}

impl Identity {
    fn of(dir: &Path, repo: &gix::Repository) -> Identity {
        let file = |path: &Path| std::fs::metadata(path).ok();
        let config = file(&repo.common_dir().join("config"))
            .map(|meta| (meta.dev(), meta.ino(), meta.mtime(), meta.mtime_nsec(), meta.size()));
        Identity {
            dir: file(dir).map(|meta| (meta.dev(), meta.ino())),
            git_dir: file(repo.git_dir()).map(|meta| (meta.dev(), meta.ino())),
            config,
        }
    }
}

/// The facts `deploy` and `repos` both read from a work tree.
#[derive(Clone)]
pub(super) struct CheckoutFacts {
    pub(super) head: Result<Head, String>,
    pub(super) dirty: Result<bool, String>,
    pub(super) unpushed: Result<u64, String>,
}

impl Slot {
    /// The repository at `path`, opened now or kept from an earlier read if its files are the
    /// same, and the linked worktrees kept with it.
    pub(super) fn open(
        &mut self,
        path: &Path,
    ) -> Result<(&mut Tree, &mut BTreeMap<PathBuf, Tree>), GitError> {
        if self.main.as_ref().is_some_and(|tree| !tree.still(path)) {
            self.main = None;
            self.linked.clear();
            self.checkout = None;
        }
        let tree = match self.main.take() {
            Some(tree) => tree,
            None => Tree::new(path, facts::open(path)?),
        };
        Ok((self.main.insert(tree), &mut self.linked))
    }

    /// The checkout facts of a read that finished after `asked` (the slot is locked while a read
    /// runs, so it was going on when the caller asked, or started later).
    pub(super) fn fresh_checkout(&self, asked: Asked) -> Option<CheckoutFacts> {
        self.checkout.as_ref().filter(|(number, _)| *number > asked.0).map(|(_, read)| read.clone())
    }

    /// Keeps the checkout facts just read, for the sections that asked while they were read.
    pub(super) fn keep_checkout(&mut self, read: CheckoutFacts) {
        let number = self.finished.fetch_add(1, Ordering::SeqCst) + 1;
        self.checkout = Some((number, read));
    }

    /// The checkout facts of the main work tree: shared when another section read them after
    /// `asked`, else read now.
    pub(super) fn checkout(
        &mut self,
        path: &Path,
        asked: Asked,
        interrupt: &super::Interrupt,
    ) -> Result<CheckoutFacts, GitError> {
        if let Some(read) = self.fresh_checkout(asked) {
            return Ok(read);
        }
        let (tree, _) = self.open(path)?;
        let head = facts::head(&tree.repo);
        let dirty = tree.is_dirty(interrupt);
        let unpushed = match &head {
            Ok(head) => facts::unpushed(&tree.repo, head),
            Err(reason) => Err(reason.clone()),
        };
        let read = CheckoutFacts { head, dirty, unpushed };
        self.keep_checkout(read.clone());
        Ok(read)
    }
}
