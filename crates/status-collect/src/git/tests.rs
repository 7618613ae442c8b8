//! The kept repositories and the in-memory index refresh, on real repositories built with the git
//! CLI in temp dirs.

use std::path::{Path, PathBuf};

use super::cache::{self, CheckoutFacts};
use super::facts::{self, DirtyState};
use super::watch::{Limits, Watcher};
use super::{Interrupt, read_checkout};

#[expect(clippy::disallowed_methods, reason = "test fixtures are built with the git CLI")]
fn git(dir: &Path, args: &[&str]) {
    let output = std::process::Command::new("git")
        .args(["-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Fixture")
        .env("GIT_AUTHOR_EMAIL", "fixture@example.com")
        .env("GIT_COMMITTER_NAME", "Fixture")
        .env("GIT_COMMITTER_EMAIL", "fixture@example.com")
        .output()
        .expect("git runs");
    assert!(output.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&output.stderr));
}

/// A repository with `files` committed files whose index is racily clean: its time stamp is the
/// files' (all ten seconds old), as when a checkout wrote the files and the index within one tick.
fn racily_clean(root: &Path, files: usize) -> PathBuf {
    let repo = root.join("app");
    git(root, &["init", "-q", "-b", "main", "app"]);
    for n in 0..files {
        std::fs::write(repo.join(format!("f{n:03}.txt")), format!("file {n}\n")).expect("write");
    }
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "files"]);
    let then = filetime::FileTime::from_system_time(
        std::time::SystemTime::now() - std::time::Duration::from_secs(10),
    );
    for n in 0..files {
        filetime::set_file_mtime(repo.join(format!("f{n:03}.txt")), then).expect("set file time");
    }
    filetime::set_file_mtime(repo.join(".git/index"), then).expect("set index time");
    repo
}

fn open(repo: &Path) -> gix::Repository {
    facts::open(repo).expect("opens")
}

#[test]
fn a_racily_clean_tree_is_hashed_once_then_trusted() {
    status_testkit::require_tools!("git");
    let dir = tempfile::tempdir().expect("temp dir");
    let repo_path = racily_clean(dir.path(), 40);
    let repo = open(&repo_path);
    let mut state = DirtyState::default();
    let interrupt = Interrupt::default();

    assert_eq!(facts::dirty(&repo, &mut state, &interrupt), Ok(false));
    assert_eq!(state.files_read, 40, "every racily clean file is hashed once");
    assert_eq!(facts::dirty(&repo, &mut state, &interrupt), Ok(false));
    assert_eq!(state.files_read, 0, "the refreshed stat data is trusted at the next walk");

    // A fresh state (a restarted process) starts from the index on disk, which was never written.
    let mut fresh = DirtyState::default();
    assert_eq!(facts::dirty(&repo, &mut fresh, &interrupt), Ok(false));
    assert_eq!(fresh.files_read, 40, "nothing was written back to the work tree's index");
}

#[test]
fn a_same_size_change_after_the_refresh_is_seen() {
    status_testkit::require_tools!("git");
    let dir = tempfile::tempdir().expect("temp dir");
    let repo_path = racily_clean(dir.path(), 10);
    let repo = open(&repo_path);
    let mut state = DirtyState::default();
    let interrupt = Interrupt::default();
    assert_eq!(facts::dirty(&repo, &mut state, &interrupt), Ok(false));

    let file = repo_path.join("f003.txt");
    std::fs::write(&file, "FILE 3\n").expect("same size, other content");
    assert_eq!(facts::dirty(&repo, &mut state, &interrupt), Ok(true));

    std::fs::write(&file, "file 3\n").expect("back");
    assert_eq!(facts::dirty(&repo, &mut state, &interrupt), Ok(false));
}

#[test]
fn a_new_index_on_disk_replaces_the_refreshed_copy() {
    status_testkit::require_tools!("git");
    let dir = tempfile::tempdir().expect("temp dir");
    let repo_path = racily_clean(dir.path(), 10);
    let repo = open(&repo_path);
    let mut state = DirtyState::default();
    let interrupt = Interrupt::default();
    assert_eq!(facts::dirty(&repo, &mut state, &interrupt), Ok(false));

    std::fs::write(repo_path.join("new.txt"), "new\n").expect("write");
    git(&repo_path, &["add", "new.txt"]);
    assert_eq!(facts::dirty(&repo, &mut state, &interrupt), Ok(true), "staged");
    git(&repo_path, &["commit", "-q", "-m", "new"]);
    assert_eq!(facts::dirty(&repo, &mut state, &interrupt), Ok(false));
    git(&repo_path, &["rm", "-q", "--cached", "f001.txt"]);
    assert_eq!(facts::dirty(&repo, &mut state, &interrupt), Ok(true), "removed from the index");
}

fn facts_with(dirty: bool) -> CheckoutFacts {
    CheckoutFacts { head: Err("unused".to_owned()), dirty: Ok(dirty), unpushed: Ok(0) }
}

#[test]
fn a_checkout_read_is_shared_with_those_who_asked_before_it_finished_only() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("not-opened");
    let (slot, asked_before) = cache::slot(&path);
    let (_, asked_during) = cache::slot(&path);
    cache::lock(&slot).keep_checkout(facts_with(true));
    let (_, asked_after) = cache::slot(&path);

    let locked = cache::lock(&slot);
    assert_eq!(locked.fresh_checkout(asked_before).and_then(|read| read.dirty.ok()), Some(true));
    assert_eq!(locked.fresh_checkout(asked_during).and_then(|read| read.dirty.ok()), Some(true));
    assert!(locked.fresh_checkout(asked_after).is_none(), "a finished read is never reused");
    drop(locked);

    let (same, _) = cache::slot(&dir.path().join("not-opened/"));
    assert!(std::sync::Arc::ptr_eq(&slot, &same), "one slot per path, trailing slash or not");
}

#[test]
fn a_repository_replaced_at_the_same_path_is_reopened() {
    status_testkit::require_tools!("git");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = racily_clean(dir.path(), 2);
    let interrupt = Interrupt::default();
    let (first, _) = read_checkout(&path, &interrupt).expect("reads");
    assert_eq!(first.branch.as_deref(), Some("main"));

    std::fs::remove_dir_all(&path).expect("remove");
    git(dir.path(), &["init", "-q", "-b", "trunk", "app"]);
    std::fs::write(path.join("other.txt"), "other\n").expect("write");
    git(&path, &["add", "-A"]);
    git(&path, &["commit", "-q", "-m", "another repository"]);
    let (second, _) = read_checkout(&path, &interrupt).expect("reads");
    assert_eq!(second.branch.as_deref(), Some("trunk"));
    assert_ne!(second.head_sha, first.head_sha);
    assert_eq!(second.head_commit.as_deref(), Some("another repository"));
    assert_eq!(second.dirty, Some(false));
}

#[test]
fn a_changed_upstream_in_the_config_is_read_at_the_next_collection() {
    status_testkit::require_tools!("git");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = racily_clean(dir.path(), 2);
    let interrupt = Interrupt::default();
    let (before, reasons) = read_checkout(&path, &interrupt).expect("reads");
    assert_eq!(before.unpushed_commits, None);
    assert!(reasons["unpushed_commits"].contains("no upstream"), "{reasons:?}");

    git(&path, &["remote", "add", "origin", "https://example.invalid/app.git"]);
    git(&path, &["update-ref", "refs/remotes/origin/main", "HEAD"]);
    git(&path, &["config", "branch.main.remote", "origin"]);
    git(&path, &["config", "branch.main.merge", "refs/heads/main"]);
    std::fs::write(path.join("ahead.txt"), "ahead\n").expect("write");
    git(&path, &["add", "-A"]);
    git(&path, &["commit", "-q", "-m", "ahead"]);
    let (after, reasons) = read_checkout(&path, &interrupt).expect("reads");
    assert_eq!(after.unpushed_commits, Some(1), "{reasons:?}");
}

/// A committed repository with files in `src/`, `src/deep/` and `docs/`, and an ignored `target/`
/// holding directories.
fn watched_fixture(root: &Path) -> PathBuf {
    let repo = root.join("app");
    git(root, &["init", "-q", "-b", "main", "app"]);
    for dir in ["src/deep", "docs", "target/debug/deps"] {
        std::fs::create_dir_all(repo.join(dir)).expect("dirs");
    }
    for file in ["README", "src/lib.rs", "src/deep/mod.rs", "docs/guide.md", "target/debug/out"] {
        std::fs::write(repo.join(file), format!("{file}\n")).expect("write");
    }
    std::fs::write(repo.join(".gitignore"), "/target/\n").expect("write");
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "files"]);
    repo
}

fn watched_tree(repo: &Path, per_tree: usize) -> cache::Tree {
    let watcher = std::sync::Arc::new(Watcher::new(Limits { per_tree, total: 1_000 }));
    cache::Tree::watched_by(repo, open(repo), watcher)
}

#[test]
fn an_idle_tree_is_walked_once_then_answered_from_its_watches() {
    status_testkit::require_tools!("git");
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = watched_fixture(dir.path());
    let mut tree = watched_tree(&repo, 100);
    let interrupt = Interrupt::default();

    assert_eq!(tree.is_dirty(&interrupt), Ok(false));
    assert_eq!((tree.walks, tree.reused), (1, 0));
    // The root, src, src/deep and docs; not .git, not the ignored target/ and its directories.
    assert_eq!(tree.watched(), 4);
    for _ in 0..3 {
        assert_eq!(tree.is_dirty(&interrupt), Ok(false));
    }
    assert_eq!((tree.walks, tree.reused), (1, 3), "no event, no walk");

    // Inside the ignored directory: not watched, and git would not report it either.
    std::fs::write(repo.join("target/debug/new-artifact"), "bin").expect("write");
    assert_eq!(tree.is_dirty(&interrupt), Ok(false));
    assert_eq!(tree.walks, 1);
}

#[test]
fn each_kind_of_change_is_seen_and_a_commit_makes_the_tree_clean_again() {
    status_testkit::require_tools!("git");
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = watched_fixture(dir.path());
    let mut tree = watched_tree(&repo, 100);
    let interrupt = Interrupt::default();
    assert_eq!(tree.is_dirty(&interrupt), Ok(false));

    let mut walks = tree.walks;
    let mut expect = |tree: &mut cache::Tree, dirty: bool, what: &str| {
        assert_eq!(tree.is_dirty(&interrupt), Ok(dirty), "{what}");
        assert_eq!(tree.walks, walks + 1, "{what}: one walk");
        walks = tree.walks;
        assert_eq!(tree.is_dirty(&interrupt), Ok(dirty), "{what}, again");
        assert_eq!(tree.walks, walks, "{what}: no walk without a new event");
    };

    std::fs::write(repo.join("src/deep/untracked.txt"), "new\n").expect("write");
    expect(&mut tree, true, "a new untracked file deep down");
    std::fs::remove_file(repo.join("src/deep/untracked.txt")).expect("remove");
    expect(&mut tree, false, "the untracked file removed");

    std::fs::write(repo.join("src/lib.rs"), "src/lib.RS\n").expect("write");
    expect(&mut tree, true, "a tracked file modified");
    git(&repo, &["commit", "-q", "-am", "lib"]);
    expect(&mut tree, false, "a git commit makes the tree clean again");

    std::fs::remove_file(repo.join("docs/guide.md")).expect("remove");
    expect(&mut tree, true, "a tracked file deleted");
    git(&repo, &["commit", "-q", "-am", "no guide"]);
    expect(&mut tree, false, "the deletion committed");

    // An empty new directory is no change for git, but it is watched from now on.
    std::fs::create_dir(repo.join("later")).expect("mkdir");
    expect(&mut tree, false, "an empty new directory");
    assert_eq!(tree.watched(), 5);
    std::fs::write(repo.join("later/file.txt"), "late\n").expect("write");
    expect(&mut tree, true, "a file in the directory created later");
    std::fs::remove_file(repo.join("later/file.txt")).expect("remove");
    expect(&mut tree, false, "emptied again");

    // Several levels at once: created before any of them could be watched.
    std::fs::create_dir_all(repo.join("new/a/b")).expect("mkdir -p");
    expect(&mut tree, false, "empty new directories");
    assert_eq!(tree.watched(), 8, "the new directories and the ones under them");
    std::fs::write(repo.join("new/a/b/file.txt"), "new\n").expect("write");
    expect(&mut tree, true, "a file in a new directory's subdirectory");
    git(&repo, &["add", "-A"]);
    expect(&mut tree, true, "staged");
    git(&repo, &["commit", "-q", "-m", "new"]);
    expect(&mut tree, false, "committed");

    // A rule that stops ignoring a directory: it is watched from then on.
    std::fs::write(repo.join(".gitignore"), "").expect("write");
    expect(&mut tree, true, "target/ is no longer ignored");
    std::fs::write(repo.join(".gitignore"), "/target/\n").expect("write");
    expect(&mut tree, false, "ignored again");
}

#[test]
fn a_tree_over_the_watch_limit_is_walked_at_every_check() {
    status_testkit::require_tools!("git");
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = watched_fixture(dir.path());
    // Room for the root only: src, src/deep and docs do not fit.
    let mut tree = watched_tree(&repo, 1);
    let interrupt = Interrupt::default();

    assert_eq!(tree.is_dirty(&interrupt), Ok(false));
    assert_eq!(tree.is_dirty(&interrupt), Ok(false));
    assert_eq!(tree.watched(), 0, "no watch at all when the tree does not fit");
    assert_eq!(tree.walks, 2, "walked at every check");
    std::fs::write(repo.join("src/deep/mod.rs"), "changed\n").expect("write");
    assert_eq!(tree.is_dirty(&interrupt), Ok(true));
    assert_eq!(tree.walks, 3);
}

#[test]
fn watches_are_dropped_with_their_tree() {
    status_testkit::require_tools!("git");
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = watched_fixture(dir.path());
    let watcher = std::sync::Arc::new(Watcher::new(Limits { per_tree: 100, total: 1_000 }));
    let mut first = cache::Tree::watched_by(&repo, open(&repo), watcher.clone());
    let mut second = cache::Tree::watched_by(&repo, open(&repo), watcher.clone());
    let interrupt = Interrupt::default();
    assert_eq!(first.is_dirty(&interrupt), Ok(false));
    assert_eq!(second.is_dirty(&interrupt), Ok(false));
    assert_eq!(watcher.held(), 4);
    assert_eq!(second.watched(), 0, "the same directories under another registration");
    drop(first);
    assert_eq!(watcher.held(), 0);
    std::fs::write(repo.join("docs/new.md"), "new\n").expect("write");
    assert_eq!(second.is_dirty(&interrupt), Ok(true), "walked: not watched");
    drop(second);
    assert_eq!(watcher.held(), 0);
}

#[test]
fn a_tree_over_the_total_limit_is_walked_at_every_check() {
    status_testkit::require_tools!("git");
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = watched_fixture(dir.path());
    let watcher = std::sync::Arc::new(Watcher::new(Limits { per_tree: 100, total: 6 }));
    let other = tempfile::tempdir().expect("temp dir");
    let other_repo = watched_fixture(other.path());
    let mut first = cache::Tree::watched_by(&repo, open(&repo), watcher.clone());
    let mut second = cache::Tree::watched_by(&other_repo, open(&other_repo), watcher.clone());
    let interrupt = Interrupt::default();
    assert_eq!(first.is_dirty(&interrupt), Ok(false));
    assert_eq!(second.is_dirty(&interrupt), Ok(false));
    assert_eq!((first.watched(), second.watched()), (4, 0), "4 + 4 > 6");
    std::fs::write(other_repo.join("docs/new.md"), "new\n").expect("write");
    std::fs::write(repo.join("docs/new.md"), "new\n").expect("write");
    assert_eq!(first.is_dirty(&interrupt), Ok(true));
    assert_eq!(second.is_dirty(&interrupt), Ok(true));
    assert_eq!((first.walks, second.walks), (2, 2));
}

#[test]
fn an_event_queue_overflow_falls_back_to_a_walk() {
    status_testkit::require_tools!("git");
    let max: usize = std::fs::read_to_string("/proc/sys/fs/inotify/max_queued_events")
        .expect("inotify's queue length")
        .trim()
        .parse()
        .expect("a number");
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = watched_fixture(dir.path());
    let mut tree = watched_tree(&repo, 100);
    let interrupt = Interrupt::default();
    assert_eq!(tree.is_dirty(&interrupt), Ok(false));

    // Two events per rename, back and forth: the queue overflows, so the events of what follows
    // are lost.
    let (from, to) = (repo.join("docs/guide.md"), repo.join("docs/moved.md"));
    for _ in 0..=max / 4 + 1 {
        std::fs::rename(&from, &to).expect("rename");
        std::fs::rename(&to, &from).expect("rename back");
    }
    std::fs::write(repo.join("src/unseen.txt"), "lost event\n").expect("write");
    assert_eq!(tree.is_dirty(&interrupt), Ok(true), "the overflow made it walk");
    assert_eq!(tree.walks, 2);
    assert_eq!(tree.watched(), 4, "watches set up again");
    std::fs::remove_file(repo.join("src/unseen.txt")).expect("remove");
    assert_eq!(tree.is_dirty(&interrupt), Ok(false));
    assert_eq!(tree.is_dirty(&interrupt), Ok(false));
    assert_eq!(tree.walks, 3, "watched again after the overflow");
}

#[test]
fn renamed_and_deleted_directories_keep_the_watches_right() {
    status_testkit::require_tools!("git");
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = watched_fixture(dir.path());
    let mut tree = watched_tree(&repo, 100);
    let interrupt = Interrupt::default();
    assert_eq!(tree.is_dirty(&interrupt), Ok(false));

    std::fs::rename(repo.join("src/deep"), repo.join("src/moved")).expect("rename");
    assert_eq!(tree.is_dirty(&interrupt), Ok(true), "tracked files moved");
    assert_eq!(tree.watched(), 4, "set up again under the new name");
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "moved"]);
    assert_eq!(tree.is_dirty(&interrupt), Ok(false));
    std::fs::write(repo.join("src/moved/new.rs"), "new\n").expect("write");
    assert_eq!(tree.is_dirty(&interrupt), Ok(true), "a file in the renamed directory");
    std::fs::remove_file(repo.join("src/moved/new.rs")).expect("remove");
    assert_eq!(tree.is_dirty(&interrupt), Ok(false));

    std::fs::remove_dir_all(repo.join("src")).expect("remove");
    assert_eq!(tree.is_dirty(&interrupt), Ok(true), "tracked files deleted");
    assert_eq!(tree.watched(), 2, "the deleted directories' watches are gone");
    git(&repo, &["checkout", "-q", "--", "src"]);
    assert_eq!(tree.is_dirty(&interrupt), Ok(false), "checked out again");
    assert_eq!(tree.watched(), 4, "and watched again");
    std::fs::write(repo.join("src/moved/new.rs"), "new\n").expect("write");
    assert_eq!(tree.is_dirty(&interrupt), Ok(true));
}
