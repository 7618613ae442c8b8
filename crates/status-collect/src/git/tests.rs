//! The kept repositories and the in-memory index refresh, on real repositories built with the git
//! CLI in temp dirs.

use std::path::{Path, PathBuf};

use super::cache::{self, CheckoutFacts};
use super::facts::{self, DirtyState};
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
