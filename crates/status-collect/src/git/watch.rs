//! Which work trees changed since their last walk, from inotify: an idle work tree is not walked.
//!
//! # How
//! One inotify instance per process, read without a thread: every dirtiness check first reads
//! the events the kernel queued (non-blocking), so a change written before a collection started is
//! always seen by it, and nothing wakes up between collections. (The `notify` crate reads the same
//! inotify on a thread of its own and hands events over later; a collection right after a write
//! could then miss it, so this module uses its Linux backend, the `inotify` crate, directly.)
//!
//! A work tree gets one watch per directory that can hold something `git status` reports: every
//! directory that is not ignored, and every directory holding tracked files even if ignored; never
//! `.git`, nested repositories or ignored directories without tracked files (`target/`,
//! `node_modules/`). The directories are counted first and watched only if they fit under
//! [`Limits::per_tree`] and, for all trees together, [`Limits::total`] (itself at most half the
//! user's `/proc/sys/fs/inotify/max_user_watches`). A directory created later is watched (with its
//! subdirectories) before the walk that follows its event; a renamed directory, a changed
//! `.gitignore` or an `IN_IGNORED` on a tree's root makes the tree's watches be set up again.
//!
//! # When the watcher cannot tell
//! A tree is walked on every check, as without a watcher, while it is not watched: too many
//! directories for the caps (set-up is retried every [`SAFETY_SCAN`]), a watch that the kernel
//! refused (its limit), submodules (their changes are inside nested repositories, which are not
//! watched), inotify unavailable. An event queue overflow (`IN_Q_OVERFLOW`) marks every tree
//! changed and sets all watches up again. The caller also walks a tree when its index, `HEAD`'s
//! tree or `info/exclude` changed (those are in `.git`, read on every check anyway), and at least
//! every [`SAFETY_SCAN`] (for what inotify never reports: a global excludes file, network file
//! systems, changes inside submodules).
//!
//! Watches are dropped with their tree (the repository slot, see `cache`).

mod setup;

use std::collections::HashMap;
use std::ffi::OsStr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use inotify::{EventMask, Inotify, WatchDescriptor, WatchMask};
use tokio::time::Instant;

use super::cause;
use setup::Tracked;

/// A work tree is walked at least this often even when no event came (what inotify cannot see);
/// an unwatched tree retries setting its watches up this often.
pub(super) const SAFETY_SCAN: Duration = Duration::from_secs(300);

/// Directories watched per work tree at most: a tree with more is walked on every check.
pub(super) const PER_TREE: usize = 10_000;

/// Directories watched for all trees of the process at most (also at most half the user's
/// `max_user_watches`, which other programs share).
pub(super) const TOTAL: usize = 50_000;

/// The events that can change what `git status` says about a directory's entries.
fn mask() -> WatchMask {
    WatchMask::CREATE
        | WatchMask::DELETE
        | WatchMask::MODIFY
        | WatchMask::ATTRIB
        | WatchMask::MOVED_FROM
        | WatchMask::MOVED_TO
        | WatchMask::DELETE_SELF
        | WatchMask::MOVE_SELF
        | WatchMask::ONLYDIR
        | WatchMask::DONT_FOLLOW
        | WatchMask::EXCL_UNLINK
}

/// Caps on the watches.
#[derive(Clone, Copy, Debug)]
pub(super) struct Limits {
    /// Directories of one work tree.
    pub(super) per_tree: usize,
    /// Directories of all trees.
    pub(super) total: usize,
}

impl Limits {
    /// [`PER_TREE`], and [`TOTAL`] or half of `max_user_watches` if that is less.
    fn standard() -> Limits {
        let user = std::fs::read_to_string("/proc/sys/fs/inotify/max_user_watches")
            .ok()
            .and_then(|text| text.trim().parse::<usize>().ok())
            .map_or(TOTAL, |max| max / 2);
        Limits { per_tree: PER_TREE, total: TOTAL.min(user) }
    }
}

/// One inotify instance and the trees it watches.
pub(super) struct Watcher {
    limits: Limits,
    state: Mutex<State>,
}

struct State {
    inotify: Result<Inotify, String>,
    /// The tree and directory of each watch.
    by_wd: HashMap<WatchDescriptor, (u64, PathBuf)>,
    trees: HashMap<u64, TreeState>,
    next_id: u64,
    /// Watches held, all trees.
    total: usize,
    buffer: Vec<u8>,
}

#[derive(Default)]
struct TreeState {
    /// Watched directories.
    dirs: HashMap<PathBuf, WatchDescriptor>,
    /// An event came since the last check.
    changed: bool,
    /// The watches must be set up again (first check, rename, overflow, `.gitignore`).
    setup: bool,
    /// Directories created since the last check, to watch.
    created: Vec<PathBuf>,
}

/// The process's watcher.
pub(super) fn shared() -> Arc<Watcher> {
    static SHARED: OnceLock<Arc<Watcher>> = OnceLock::new();
    SHARED.get_or_init(|| Arc::new(Watcher::new(Limits::standard()))).clone()
}

impl Watcher {
    /// A watcher of its own (tests give it tiny limits); inotify failing to start leaves every tree
    /// unwatched, with the reason.
    pub(super) fn new(limits: Limits) -> Watcher {
        let inotify = Inotify::init().map_err(|error| format!("inotify is unavailable: {error}"));
        let state = State {
            inotify,
            by_wd: HashMap::new(),
            trees: HashMap::new(),
            next_id: 0,
            total: 0,
            buffer: Vec::new(),
        };
        Watcher { limits, state: Mutex::new(state) }
    }

    /// Watches held, all trees.
    #[cfg(test)]
    pub(super) fn held(&self) -> usize {
        self.lock().total
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// What a check found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Pipeline {
    /// No event since the last check: the tree is as the last walk saw it (as far as inotify knows).
    None,
    /// Something under the tree changed (or its watches were just set up).
    Changed,
    /// The tree is not watched, for this reason: walk it.
    Unwatched(String),
}

/// One work tree's registration; dropping it removes its watches.
pub(super) struct Watch {
    watcher: Arc<Watcher>,
    id: u64,
    root: PathBuf,
    /// Why the tree is not watched, and since when (set-up is retried after [`SAFETY_SCAN`]).
    unwatched: Option<(String, Instant)>,
    /// Watched directories after the last check (for tests and the bench).
    pub(super) watched: usize,
}

impl Watch {
    /// Registers the work tree at `root`; its watches are set up at the first check.
    pub(super) fn new(watcher: Arc<Watcher>, root: PathBuf) -> Watch {
        let id = {
            let mut state = watcher.lock();
            state.next_id += 1;
            let id = state.next_id;
            state.trees.insert(id, TreeState { setup: true, ..TreeState::default() });
            id
        };
        Watch { watcher, id, root, unwatched: None, watched: 0 }
    }

    /// Reads the queued events of every tree, brings this tree's watches up to date (new
    /// directories, set-up after a rename or an overflow) and says whether it changed since the
    /// last check. `repo` and `index` say which directories are ignored and which hold tracked files.
    pub(super) fn check(&mut self, repo: &gix::Repository, index: &gix::index::State) -> Pipeline {
        let watcher = self.watcher.clone();
        let mut state = watcher.lock();
        state.drain();
        if let Some((reason, since)) = &self.unwatched {
            if since.elapsed() < SAFETY_SCAN {
                return Pipeline::Unwatched(reason.clone());
            }
            self.unwatched = None;
            if let Some(tree) = state.trees.get_mut(&self.id) {
                tree.setup = true;
            }
        }
        if index.entries().iter().any(|entry| entry.mode == gix::index::entry::Mode::COMMIT) {
            state.unwatch(self.id);
            return self.give_up("it has submodules, whose changes are in nested repositories");
        }
        let Some(tree) = state.trees.get_mut(&self.id) else {
            return self.give_up("its registration was lost");
        };
        let setup = std::mem::take(&mut tree.setup);
        let created = std::mem::take(&mut tree.created);
        let changed = std::mem::take(&mut tree.changed);
        let result = if setup {
            state.unwatch(self.id);
            let tracked = Tracked::of(index);
            state.watch_tree(self.id, &self.root, repo, index, &tracked, watcher.limits)
        } else if created.is_empty() {
            Ok(())
        } else {
            let tracked = Tracked::of(index);
            created.iter().try_for_each(|dir| {
                state.watch_under(self.id, &self.root, dir, repo, index, &tracked, watcher.limits)
            })
        };
        self.watched = state.trees.get(&self.id).map_or(0, |tree| tree.dirs.len());
        match result {
            Err(reason) => {
                state.unwatch(self.id);
                self.watched = 0;
                self.give_up(&reason)
            }
            Ok(()) if setup || changed || !created.is_empty() => Pipeline::Changed,
            Ok(()) => Pipeline::None,
        }
    }

    fn give_up(&mut self, reason: &str) -> Pipeline {
        self.unwatched = Some((reason.to_owned(), Instant::now()));
        self.watched = 0;
        Pipeline::Unwatched(reason.to_owned())
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let mut state = self.watcher.lock();
        state.unwatch(self.id);
        state.trees.remove(&self.id);
    }
}

impl State {
    /// Reads every queued event and marks the trees they concern.
    fn drain(&mut self) {
        let Ok(inotify) = &mut self.inotify else { return };
        if self.buffer.is_empty() {
            self.buffer = vec![0; 16 * 1024];
        }
        loop {
            let events = match inotify.read_events(&mut self.buffer) {
                Ok(events) => events,
                Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => return,
                Err(_) => {
                    // The queue cannot be read: nothing it says can be trusted.
                    for tree in self.trees.values_mut() {
                        tree.changed = true;
                        tree.setup = true;
                    }
                    return;
                }
            };
            for event in events {
                if event.mask.contains(EventMask::Q_OVERFLOW) {
                    for tree in self.trees.values_mut() {
                        tree.changed = true;
                        tree.setup = true;
                    }
                    continue;
                }
                let Some((id, dir)) = self.by_wd.get(&event.wd) else { continue };
                let id = *id;
                let Some(tree) = self.trees.get_mut(&id) else { continue };
                if event.mask.contains(EventMask::IGNORED) {
                    // The directory is gone (or unmounted): its watch went with it.
                    let dir = dir.clone();
                    self.by_wd.remove(&event.wd);
                    if tree.dirs.remove(&dir).is_some() {
                        self.total -= 1;
                    }
                    tree.changed = true;
                    continue;
                }
                tree.changed = true;
                let name = event.name.map(OsStr::to_owned);
                let is_dir = event.mask.contains(EventMask::ISDIR);
                // A deleted directory's watch goes with an `IN_IGNORED` (above); a moved one's
                // stays, under its old path.
                if event.mask.contains(EventMask::MOVE_SELF)
                    || (is_dir && event.mask.contains(EventMask::MOVED_FROM))
                    || name.as_deref() == Some(OsStr::new(".gitignore"))
                {
                    // Watches of moved directories keep their old paths; ignore rules changed.
                    tree.setup = true;
                } else if is_dir
                    && event.mask.intersects(EventMask::CREATE | EventMask::MOVED_TO)
                    && let Some(name) = name
                {
                    tree.created.push(dir.join(name));
                }
            }
        }
    }

    /// Removes every watch of tree `id`.
    fn unwatch(&mut self, id: u64) {
        let Some(tree) = self.trees.get_mut(&id) else { return };
        let dirs = std::mem::take(&mut tree.dirs);
        self.total -= dirs.len();
        for wd in dirs.into_values() {
            self.by_wd.remove(&wd);
            if let Ok(inotify) = &mut self.inotify {
                // Fails only for a watch the kernel already dropped.
                let _ = inotify.watches().remove(wd);
            }
        }
    }
}
