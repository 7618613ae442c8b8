//! The `repos` reader against real repositories built with the `git` CLI, each field checked against
//! what `git` itself reports.

use std::path::Path;

use status_collect::RepoConfig;
use status_collect::git::{Interrupt, RepoRead, read_repo};
use status_model::{GitOperation, RepoStatus};

use crate::gitfix::{Fixture, check_repo, commit_file, git, try_git};

fn read(path: &Path) -> RepoRead {
    read_repo(&RepoConfig::new(path), &Interrupt::default())
}

/// Reads the repository at `path`, which must succeed, and checks it against git.
#[track_caller]
fn read_ok(path: &Path) -> (RepoStatus, RepoRead) {
    let read = read(path);
    let status = match read.entry.value() {
        Some(status) => status.clone(),
        None => panic!("{} failed: {:?}", path.display(), read.entry.error()),
    };
    check_repo(&status, path);
    (status, read)
}

#[track_caller]
fn read_error(path: &Path) -> String {
    let read = read(path);
    let error = read.entry.error().unwrap_or_else(|| panic!("{} did not fail", path.display()));
    assert!(error.contains(&path.display().to_string()), "no path in {error:?}");
    error.to_owned()
}

#[test]
fn a_clean_repository() {
    let fx = Fixture::new();
    let app = fx.repo("app");
    let (status, read) = read_ok(&app);
    assert_eq!(status.dirty, Some(false));
    assert_eq!(status.branch.as_deref(), Some("main"));
    assert_eq!(status.head_commit.as_deref(), Some("initial commit"));
    assert!(!status.bare && !status.detached && !status.conflict);
    assert_eq!(status.worktrees.as_ref().map(|worktrees| worktrees.len()), Some(0));
    assert_eq!(
        read.unmeasured.get("unpushed_commits").map(String::as_str),
        Some("branch main has no upstream")
    );
}

#[test]
fn a_modified_tracked_file_is_dirty() {
    let fx = Fixture::new();
    let app = fx.repo("app");
    std::fs::write(app.join("README"), "changed\n").unwrap();
    assert_eq!(read_ok(&app).0.dirty, Some(true));
}

#[test]
fn a_staged_change_is_dirty() {
    let fx = Fixture::new();
    let app = fx.repo("app");
    std::fs::write(app.join("README"), "staged\n").unwrap();
    git(&app, &["add", "README"]);
    assert_eq!(read_ok(&app).0.dirty, Some(true));
}

#[test]
fn a_soft_reset_leaves_staged_changes() {
    let fx = Fixture::new();
    let app = fx.repo("app");
    commit_file(&app, "second", "2\n", "second commit");
    git(&app, &["reset", "-q", "--soft", "HEAD~1"]);
    assert_eq!(read_ok(&app).0.dirty, Some(true));
}

#[test]
fn an_untracked_file_is_dirty() {
    let fx = Fixture::new();
    let app = fx.repo("app");
    std::fs::create_dir(app.join("new")).unwrap();
    std::fs::write(app.join("new/file.txt"), "new\n").unwrap();
    assert_eq!(read_ok(&app).0.dirty, Some(true));
}

#[test]
fn an_ignored_file_is_not_dirty() {
    let fx = Fixture::new();
    let app = fx.repo("app");
    commit_file(&app, ".gitignore", "*.log\ntarget/\n", "ignore logs");
    std::fs::write(app.join("debug.log"), "noise\n").unwrap();
    std::fs::create_dir(app.join("target")).unwrap();
    std::fs::write(app.join("target/out"), "build\n").unwrap();
    assert_eq!(read_ok(&app).0.dirty, Some(false));
}

#[test]
fn a_long_subject_is_cut_to_72_characters() {
    let fx = Fixture::new();
    let app = fx.repo("app");
    let subject =
        "Make the subject of this commit much longer than seventy-two characters, on purpose";
    commit_file(&app, "long", "x\n", &format!("{subject}\n\nBody text."));
    let head_commit = read_ok(&app).0.head_commit.unwrap();
    assert_eq!(head_commit.chars().count(), 72);
    assert!(head_commit.ends_with('…'), "{head_commit}");
}

#[test]
fn a_detached_head() {
    let fx = Fixture::new();
    let app = fx.repo("app");
    commit_file(&app, "second", "2\n", "second commit");
    git(&app, &["checkout", "-q", "--detach", "HEAD~1"]);
    let (status, read) = read_ok(&app);
    assert!(status.detached);
    assert_eq!(status.branch, None);
    assert_eq!(status.head_commit.as_deref(), Some("initial commit"));
    assert_eq!(status.unpushed_commits, None);
    assert!(read.unmeasured["unpushed_commits"].contains("detached"));
}

#[test]
fn an_upstream_three_commits_behind() {
    let fx = Fixture::new();
    fx.repo("seed");
    git(&fx.root, &["clone", "-q", "--bare", "seed", "origin.git"]);
    git(&fx.root, &["clone", "-q", "origin.git", "app"]);
    let app = fx.path("app");
    for n in 1..=3 {
        commit_file(&app, &format!("f{n}"), "x\n", &format!("local commit {n}"));
    }
    let (status, read) = read_ok(&app);
    assert_eq!(status.unpushed_commits, Some(3));
    assert!(!read.unmeasured.contains_key("unpushed_commits"));
    // origin/HEAD names main; the clone's main branch is found through it.
    assert_eq!(status.main_branch, "main");
}

#[test]
fn the_main_branch_comes_from_origin_head() {
    let fx = Fixture::new();
    let seed = fx.repo("seed");
    git(&seed, &["branch", "-m", "main", "trunk"]);
    git(&fx.root, &["clone", "-q", "seed", "app"]);
    let (status, _) = read_ok(&fx.path("app"));
    assert_eq!(status.main_branch, "trunk");
    assert_eq!(status.unpushed_commits, Some(0));
}

#[test]
fn worktrees_ahead_behind_in_conflict_locked_and_prunable() {
    let fx = Fixture::new();
    let app = fx.repo("app");
    commit_file(&app, "shared", "base\n", "add shared file");
    let add = |name: &str, branch: &str| {
        let path = fx.path(name);
        git(&app, &["worktree", "add", "-q", "-b", branch, path.to_str().unwrap()]);
        path
    };
    let feature = add("wt-feature", "feature");
    let merging = add("wt-merge", "merge-me");
    let rebasing = add("wt-rebase", "rebase-me");
    let locked = add("wt-locked", "locked");
    let deleted = add("wt-deleted", "deleted");

    commit_file(&feature, "a", "1\n", "feature one");
    commit_file(&feature, "b", "2\n", "feature two");
    commit_file(&merging, "shared", "theirs\n", "change shared on merge-me");
    commit_file(&rebasing, "shared", "rebased\n", "change shared on rebase-me");
    commit_file(&app, "shared", "ours\n", "change shared on main");
    assert!(try_git(&merging, &["merge", "-q", "main"]).is_err(), "the merge stops in a conflict");
    assert!(
        try_git(&rebasing, &["rebase", "-q", "main"]).is_err(),
        "the rebase stops in a conflict"
    );
    git(&app, &["worktree", "lock", "--reason", "on a USB disk", locked.to_str().unwrap()]);
    std::fs::remove_dir_all(&deleted).unwrap();

    let (status, read) = read_ok(&app);
    let worktrees = status.worktrees.as_ref().unwrap();
    let get =
        |name: &str| worktrees[name].value().unwrap_or_else(|| panic!("{name}: {worktrees:#?}"));
    let feature = get("wt-feature");
    assert_eq!((feature.ahead, feature.behind), (Some(2), Some(1)));
    assert_eq!((feature.dirty, feature.conflict), (Some(false), false));
    let merge = get("wt-merge");
    assert_eq!((merge.conflict, merge.operation), (true, Some(GitOperation::Merge)));
    assert_eq!(merge.dirty, Some(true));
    let rebase = get("wt-rebase");
    assert!(rebase.conflict);
    assert!(matches!(
        rebase.operation,
        Some(GitOperation::Rebase | GitOperation::RebaseInteractive)
    ));
    assert!(rebase.detached, "a stopped rebase detaches HEAD");
    assert!(get("wt-locked").locked && !get("wt-locked").prunable);
    let gone = get("wt-deleted");
    assert!(gone.prunable && gone.dirty.is_none());
    assert!(read.unmeasured["worktrees.wt-deleted.dirty"].contains("does not exist"));
    // The main worktree is not stopped in anything.
    assert!(!status.conflict && status.operation.is_none());
}

#[test]
fn a_worktree_that_fails_fails_alone() {
    let fx = Fixture::new();
    let app = fx.repo("app");
    for name in ["wt-good", "wt-bad"] {
        git(&app, &["worktree", "add", "-q", "-b", name, fx.path(name).to_str().unwrap()]);
    }
    std::fs::write(app.join(".git/worktrees/wt-bad/HEAD"), "garbage\n").unwrap();
    let read = read(&app);
    let status = read.entry.value().expect("the repository itself reads");
    let worktrees = status.worktrees.as_ref().unwrap();
    let error = worktrees["wt-bad"].error().expect("the broken worktree fails");
    assert!(error.contains("wt-bad") && error.contains("HEAD"), "{error}");
    assert_eq!(worktrees["wt-good"].value().unwrap().dirty, Some(false));
    assert_eq!(status.dirty, Some(false));
}

#[test]
fn worktrees_are_not_read_when_turned_off() {
    let fx = Fixture::new();
    let app = fx.repo("app");
    git(&app, &["worktree", "add", "-q", "-b", "wt", fx.path("wt").to_str().unwrap()]);
    let config = RepoConfig { worktrees: false, ..RepoConfig::new(&app) };
    let read = read_repo(&config, &Interrupt::default());
    assert_eq!(read.entry.value().unwrap().worktrees, None);
    assert!(read.unmeasured["worktrees"].contains("worktrees = false"));
}

#[test]
fn snapshot_refs_are_counted_as_git_for_each_ref_does() {
    let fx = Fixture::new();
    let app = fx.repo("app");
    for branch in ["snapshot/a", "snapshot/b", "snapshot/deep/c", "other", "snapshots"] {
        git(&app, &["branch", branch]);
    }
    let globs = [
        "refs/heads/snapshot/*",
        "refs/heads/snapshot/**",
        "refs/heads/snap*",
        "refs/heads/*",
        "refs/**/c",
        "refs/heads/snapshot",
        "refs/tags/*",
    ];
    for glob in globs {
        let by_git = git(&app, &["for-each-ref", "--format=%(refname)", glob]).lines().count();
        let config = RepoConfig { snapshot_refs: glob.to_owned(), ..RepoConfig::new(&app) };
        let read = read_repo(&config, &Interrupt::default());
        let by_us = read.entry.value().unwrap().snapshot_branches;
        assert_eq!(by_us, Some(by_git as u64), "{glob}");
        let counted = status_collect::git::count_matching_refs(&app, glob).unwrap();
        assert_eq!(counted, by_git as u64, "{glob}");
    }
}

#[test]
fn a_bare_repository() {
    let fx = Fixture::new();
    fx.repo("seed");
    git(&fx.root, &["clone", "-q", "--bare", "seed", "bare.git"]);
    let bare = fx.path("bare.git");
    git(&bare, &["worktree", "add", "-q", "-b", "work", fx.path("work").to_str().unwrap()]);
    let read = read(&bare);
    let status = read.entry.value().expect("a bare repository reads");
    assert!(status.bare);
    assert_eq!(status.dirty, None);
    assert!(read.unmeasured["dirty"].contains("bare"));
    assert_eq!(status.head_sha.as_deref(), Some(git(&bare, &["rev-parse", "HEAD"]).as_str()));
    assert_eq!(status.branch.as_deref(), Some("main"));
    let work = status.worktrees.as_ref().unwrap()["work"].value().unwrap();
    assert_eq!((work.dirty, work.ahead, work.behind), (Some(false), Some(0), Some(0)));
    crate::gitfix::check_worktrees(status, &bare);
}

#[test]
fn a_missing_path_is_an_error_naming_it() {
    let fx = Fixture::new();
    let error = read_error(&fx.path("nowhere"));
    assert!(error.contains("does not exist"), "{error}");
}

#[test]
fn a_directory_that_is_not_a_repository_is_an_error_naming_it() {
    let fx = Fixture::new();
    std::fs::create_dir(fx.path("plain")).unwrap();
    read_error(&fx.path("plain"));
}

#[test]
fn a_corrupt_head_is_an_error_naming_it() {
    let fx = Fixture::new();
    let app = fx.repo("app");
    std::fs::write(app.join(".git/HEAD"), "this is not a ref\n").unwrap();
    assert!(try_git(&app, &["status"]).is_err(), "git also refuses it");
    let error = read_error(&app);
    assert!(error.contains("HEAD") || error.contains("not a git repository"), "{error}");
}

#[test]
fn a_read_after_the_deadline_says_so_instead_of_guessing() {
    let fx = Fixture::new();
    let app = fx.repo("app");
    git(&app, &["worktree", "add", "-q", "-b", "wt", fx.path("wt").to_str().unwrap()]);
    let interrupt = Interrupt::default();
    interrupt.fire();
    let read = read_repo(&RepoConfig::new(&app), &interrupt);
    let status = read.entry.value().expect("the cheap facts are still read");
    assert_eq!(status.dirty, None);
    assert!(read.unmeasured["dirty"].contains("deadline"), "{:?}", read.unmeasured);
    let worktree = status.worktrees.as_ref().unwrap()["wt"].value().unwrap();
    assert_eq!(worktree.dirty, None);
    assert!(read.unmeasured["worktrees.wt.dirty"].contains("deadline"));
}
