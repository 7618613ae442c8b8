//! Git fixtures built with the `git` CLI in temp dirs, and what `git` itself reports about them, to
//! check the in-process reader field by field.

use std::path::{Path, PathBuf};
use std::process::Command;

use status_model::{RepoStatus, WorktreeStatus};
use tempfile::TempDir;

/// A temp dir holding fixture repositories. Paths are canonical, as git writes them.
pub(crate) struct Fixture {
    _dir: TempDir,
    pub(crate) root: PathBuf,
}

impl Fixture {
    pub(crate) fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().canonicalize().expect("canonical temp dir");
        Fixture { _dir: dir, root }
    }

    pub(crate) fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    /// A repository at `relative` on branch `main` with one commit.
    pub(crate) fn repo(&self, relative: &str) -> PathBuf {
        let path = self.path(relative);
        git(&self.root, &["init", "-q", "-b", "main", path.to_str().expect("utf-8 path")]);
        commit_file(&path, "README", "hello\n", "initial commit");
        path
    }
}

/// A command for a program that builds or inspects fixtures, isolated from the system git config.
#[expect(clippy::disallowed_methods, reason = "test fixtures are built with the git CLI")]
pub(crate) fn command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut command = Command::new(program);
    command
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Fixture")
        .env("GIT_AUTHOR_EMAIL", "fixture@example.com")
        .env("GIT_COMMITTER_NAME", "Fixture")
        .env("GIT_COMMITTER_EMAIL", "fixture@example.com")
        .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z");
    command
}

/// Runs `git args` in `dir`: its trimmed stdout, or its stderr as the error.
pub(crate) fn try_git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let output = command("git")
        .args(["-c", "commit.gpgsign=false", "-c", "advice.detachedHead=false"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    let stdout = String::from_utf8_lossy(&output.stdout).trim_end().to_owned();
    match output.status.success() {
        true => Ok(stdout),
        false => Err(format!("{stdout}{}", String::from_utf8_lossy(&output.stderr))),
    }
}

/// Runs `git args` in `dir`, which must succeed.
#[track_caller]
pub(crate) fn git(dir: &Path, args: &[&str]) -> String {
    try_git(dir, args).unwrap_or_else(|error| panic!("git {args:?} in {}: {error}", dir.display()))
}

/// Writes `name` with `content`, stages it and commits it with `message`.
#[track_caller]
pub(crate) fn commit_file(dir: &Path, name: &str, content: &str, message: &str) {
    std::fs::write(dir.join(name), content).expect("write fixture file");
    git(dir, &["add", name]);
    git(dir, &["commit", "-q", "-m", message]);
}

/// The reader's cut of a subject: 72 characters, the last being `…`.
pub(crate) fn cut(subject: &str) -> String {
    if subject.chars().count() <= 72 {
        return subject.to_owned();
    }
    subject.chars().take(71).chain(['…']).collect()
}

/// What `git` says about the worktree (main or linked) at `dir`.
#[derive(Debug, PartialEq)]
pub(crate) struct GitView {
    pub(crate) sha: Option<String>,
    pub(crate) branch: Option<String>,
    pub(crate) subject: Option<String>,
    pub(crate) dirty: bool,
    pub(crate) unpushed: Option<u64>,
    pub(crate) conflict: bool,
}

pub(crate) fn view(dir: &Path) -> GitView {
    let long_status = git(dir, &["status"]);
    let conflict = [
        "You have unmerged paths",
        "All conflicts fixed but you are still merging",
        "You are currently rebasing",
        "interactive rebase in progress",
        "You are currently cherry-picking",
        "You are currently reverting",
    ]
    .iter()
    .any(|phrase| long_status.contains(phrase));
    GitView {
        sha: try_git(dir, &["rev-parse", "-q", "--verify", "HEAD"]).ok(),
        branch: try_git(dir, &["symbolic-ref", "--short", "-q", "HEAD"]).ok(),
        subject: try_git(dir, &["log", "-1", "--format=%s"]).ok().map(|subject| cut(&subject)),
        dirty: !git(dir, &["status", "--porcelain"]).is_empty(),
        unpushed: try_git(dir, &["rev-list", "--count", "@{u}..HEAD"])
            .ok()
            .map(|count| count.parse().expect("a count")),
        conflict,
    }
}

/// Checks every field of a repository's entry that git can report on against git, at `dir` (its
/// main worktree), including every linked worktree against `git worktree list --porcelain`.
#[track_caller]
pub(crate) fn check_repo(entry: &RepoStatus, dir: &Path) {
    let git_view = view(dir);
    let ours = GitView {
        sha: entry.head_sha.clone(),
        branch: entry.branch.clone(),
        subject: entry.head_commit.clone(),
        dirty: entry.dirty.expect("dirty measured"),
        unpushed: entry.unpushed_commits,
        conflict: entry.conflict,
    };
    assert_eq!(ours, git_view, "repo at {}", dir.display());
    assert_eq!(entry.detached, git_view.branch.is_none());
    assert_eq!(entry.path, dir.display().to_string());
    check_worktrees(entry, dir);
}

/// One entry of `git worktree list --porcelain`.
#[derive(Debug, Default)]
pub(crate) struct ListedWorktree {
    pub(crate) path: String,
    pub(crate) sha: Option<String>,
    pub(crate) branch: Option<String>,
    pub(crate) locked: bool,
    pub(crate) prunable: bool,
}

pub(crate) fn worktree_list(dir: &Path) -> Vec<ListedWorktree> {
    let mut list = Vec::new();
    for block in git(dir, &["worktree", "list", "--porcelain"]).split("\n\n") {
        let mut entry = ListedWorktree::default();
        for line in block.lines() {
            let (key, value) = line.split_once(' ').unwrap_or((line, ""));
            match key {
                "worktree" => entry.path = value.to_owned(),
                "HEAD" => entry.sha = Some(value.to_owned()),
                "branch" => entry.branch = value.strip_prefix("refs/heads/").map(str::to_owned),
                "locked" => entry.locked = true,
                "prunable" => entry.prunable = true,
                _ => {}
            }
        }
        list.push(entry);
    }
    list
}

/// Checks the linked worktrees (all but the first of `git worktree list`) against git.
#[track_caller]
pub(crate) fn check_worktrees(entry: &RepoStatus, dir: &Path) {
    let Some(worktrees) = &entry.worktrees else { return };
    let listed: Vec<ListedWorktree> = worktree_list(dir).into_iter().skip(1).collect();
    assert_eq!(worktrees.len(), listed.len(), "worktrees of {}: {worktrees:#?}", dir.display());
    for expected in listed {
        let found = worktrees
            .values()
            .filter_map(|worktree| worktree.value())
            .find(|worktree| worktree.path == expected.path);
        let worktree = found.unwrap_or_else(|| panic!("no worktree at {}", expected.path));
        check_worktree(worktree, &expected, &entry.main_branch, dir);
    }
}

#[track_caller]
fn check_worktree(ours: &WorktreeStatus, listed: &ListedWorktree, main: &str, repo: &Path) {
    let at = &listed.path;
    assert_eq!(ours.sha, listed.sha, "sha of {at}");
    assert_eq!(ours.branch, listed.branch, "branch of {at}");
    assert_eq!(ours.detached, listed.branch.is_none(), "detached of {at}");
    assert_eq!(ours.locked, listed.locked, "locked of {at}");
    assert_eq!(ours.prunable, listed.prunable, "prunable of {at}");
    let count = |range: String| -> Option<u64> {
        Some(git(repo, &["rev-list", "--count", &range]).parse().expect("a count"))
    };
    let sha = listed.sha.clone().expect("worktree has a commit");
    assert_eq!(ours.ahead, count(format!("{main}..{sha}")), "ahead of {at}");
    assert_eq!(ours.behind, count(format!("{sha}..{main}")), "behind of {at}");
    if listed.prunable {
        assert_eq!(ours.dirty, None, "dirty of deleted {at}");
        return;
    }
    let git_view = view(Path::new(at));
    assert_eq!(ours.dirty, Some(git_view.dirty), "dirty of {at}");
    assert_eq!(ours.conflict, git_view.conflict, "conflict of {at}");
}
