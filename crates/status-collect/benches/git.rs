//! Benchmarks of the `repos` section on a repository with 3 linked worktrees, at 2,000 and 20,000
//! tracked files: the in-process reader (gix) against the same facts obtained by spawning `git` the
//! way a shell script would. Compare the two medians of one run for the ratio.
//!
//! Run with `cargo bench -p status-collect --bench git`. Fixtures are built once per size with the
//! git CLI in a temp dir (20,000 files take a few seconds) and removed at the end. Every worktree is
//! clean, so both sides walk every file (a dirty one lets the reader stop at the first change).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use status_collect::RepoConfig;
use status_collect::testing::Collector;
use status_collect::testing::collectors::ReposCollector;
use tempfile::TempDir;

/// Fixtures by file count, shared by the benchmarks and dropped (deleted) when they are done.
static FIXTURES: Mutex<BTreeMap<usize, Arc<Fixture>>> = Mutex::new(BTreeMap::new());

const SIZES: [usize; 2] = [2_000, 20_000];
const WORKTREES: usize = 3;

fn main() {
    divan::main();
    FIXTURES.lock().unwrap_or_else(PoisonError::into_inner).clear();
}

struct Fixture {
    _dir: TempDir,
    repo: PathBuf,
}

fn fixture(files: usize) -> Arc<Fixture> {
    let mut fixtures = FIXTURES.lock().unwrap_or_else(PoisonError::into_inner);
    fixtures.entry(files).or_insert_with(|| Arc::new(build(files))).clone()
}

#[expect(
    clippy::disallowed_methods,
    reason = "the benchmark builds fixtures with the git CLI and measures spawning it"
)]
fn git_command() -> Command {
    Command::new("git")
}

/// Runs git in `dir`; whether it succeeded (a script checks the exit code, not the words).
fn run_git(dir: &Path, args: &[&str]) -> (bool, String) {
    let output = git_command().args(args).current_dir(dir).output().expect("git runs");
    (output.status.success(), String::from_utf8_lossy(&output.stdout).into_owned())
}

fn git(dir: &Path, args: &[&str]) -> String {
    let (ok, stdout) = run_git(dir, args);
    assert!(ok, "git {args:?} failed in {}", dir.display());
    stdout
}

/// `files` tracked files in directories of 100, on `main`; 3 worktrees one commit ahead and one
/// behind; indexes refreshed as an operator's `git status` would have left them.
fn build(files: usize) -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().canonicalize().expect("canonical");
    let repo = root.join("app");
    git(&root, &["init", "-q", "-b", "main", "app"]);
    for n in 0..files {
        let sub = repo.join(format!("d{:03}", n / 100));
        if n % 100 == 0 {
            std::fs::create_dir_all(&sub).expect("dir");
        }
        std::fs::write(sub.join(format!("f{:03}.txt", n % 100)), format!("file {n}\n"))
            .expect("file");
    }
    let commit = |dir: &Path, message: &str| {
        git(dir, &["add", "-A"]);
        git(
            dir,
            &[
                "-c",
                "user.name=Bench",
                "-c",
                "user.email=b@example.com",
                "commit",
                "-q",
                "-m",
                message,
            ],
        );
    };
    commit(&repo, "initial");
    for k in 0..WORKTREES {
        let path = root.join(format!("wt{k}"));
        let branch = format!("wt{k}");
        git(&repo, &["worktree", "add", "-q", "-b", &branch, path.to_str().expect("utf-8")]);
        std::fs::write(path.join("feature.txt"), format!("feature {k}\n")).expect("file");
        commit(&path, "feature work");
    }
    std::fs::write(repo.join("main.txt"), "main moves on\n").expect("file");
    commit(&repo, "main moves on");
    // Past the racy-git window, so a refreshed index lets both sides trust file stats.
    std::thread::sleep(Duration::from_millis(1100));
    git(&repo, &["status", "--porcelain"]);
    for k in 0..WORKTREES {
        git(&root.join(format!("wt{k}")), &["status", "--porcelain"]);
    }
    Fixture { _dir: dir, repo }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// The `repos` section as the engine collects it: gix on the blocking pool.
#[divan::bench(args = SIZES, sample_count = 30)]
fn repos_section_gix(bencher: divan::Bencher<'_, '_>, files: usize) {
    let fixture = fixture(files);
    let rt = runtime();
    let collector =
        ReposCollector::new(vec![RepoConfig::new(&fixture.repo)], Duration::from_secs(60));
    let first = rt.block_on(collector.collect()).expect("collects");
    assert!(first.unmeasured.keys().all(|key| key.ends_with("unpushed_commits")), "{first:?}");
    bencher.bench_local(|| rt.block_on(collector.collect()));
}

/// The same facts from a script: rev-parse, symbolic-ref, log, status --porcelain, rev-list @{u},
/// for-each-ref and worktree list on the repository, then rev-parse, status --porcelain and two
/// rev-list --count per worktree.
#[divan::bench(args = SIZES, sample_count = 30)]
fn repos_section_git_cli(bencher: divan::Bencher<'_, '_>, files: usize) {
    let fixture = fixture(files);
    bencher.bench_local(|| script(&fixture.repo));
}

fn script(repo: &Path) -> usize {
    let mut facts = Vec::new();
    for args in [
        &["rev-parse", "HEAD"][..],
        &["symbolic-ref", "--short", "-q", "HEAD"],
        &["log", "-1", "--format=%s"],
        &["status", "--porcelain"],
        &["rev-list", "--count", "@{u}..HEAD"],
        &["for-each-ref", "--format=%(refname)", "refs/heads/snapshot/*"],
    ] {
        facts.push(run_git(repo, args));
    }
    let list = git(repo, &["worktree", "list", "--porcelain"]);
    let worktrees = list.lines().filter_map(|line| line.strip_prefix("worktree ")).skip(1);
    for worktree in worktrees {
        let dir = Path::new(worktree);
        for args in [
            &["rev-parse", "HEAD"][..],
            &["status", "--porcelain"],
            &["rev-list", "--count", "main..HEAD"],
            &["rev-list", "--count", "HEAD..main"],
        ] {
            facts.push(run_git(dir, args));
        }
    }
    facts.len()
}
