//! The full configuration of issue 21, collected whole, against the git calls a script would make
//! for the same git facts, in the same run.
//!
//! A 2,000-file repository with 3 linked worktrees is both the `[[repos]]` entry and the `[deploy]`
//! checkout, next to an `operations` database of 100,000 `execution_log` rows (and 10,000 outbox
//! rows), with the standard sections around them (`service`, `process`, `host`, `runtime`,
//! `terminals`, `store`, `storage`). Three cases, each for the engine and for the script:
//! - `idle`: nothing changed since the previous collection;
//! - `one_change`: before each sample (untimed), one file of one worktree is rewritten, alternating
//!   between a change and the committed content, so each collection sees a tree changed since the
//!   previous one;
//! - `racily_clean`: a fresh `git clone` whose index is as old as its files (as a checkout within
//!   one clock tick leaves it), measured after the engine's first collection.
//!
//! The script runs, per tree and as processes: `rev-parse HEAD`, `status --porcelain` and
//! `rev-list --count` (`@{u}..HEAD` on the main tree, twice against `main` per worktree), plus
//! `for-each-ref` for the snapshot branches, and the deploy checkout's `rev-parse`/`status`/
//! `rev-list` again; its trees on up to 4 threads. Fixtures are built once under a temp dir (the
//! database under the target dir, reused) and removed at the end.
//!
//! Run with `cargo bench -p status-collect --bench full` (or `cargo xtask bench`): divan prints the
//! medians; the ratio is script / engine per case. Then 1,000 collections of the full configuration
//! (one file of a worktree rewritten before every tenth) print the process's RSS after the first
//! 10 and after all of them.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AssertSqlSafe, ConnectOptions, Connection};
use status_collect::Config;
use status_collect::layouts::{OPERATIONS_INDEXES, OPERATIONS_TABLES};
use status_collect::testing::{Engine, collectors};
use status_deps::NoDeps;
use tempfile::TempDir;

const FILES: usize = 2_000;
const WORKTREES: usize = 3;

/// Bump when the generated database changes, so a stale one is not reused.
const DB_VERSION: u32 = 1;

static FIXTURE: Mutex<Option<Arc<Fixture>>> = Mutex::new(None);

#[path = "full/operations.rs"]
mod operations;
#[path = "full/rss.rs"]
mod rss;
#[path = "full/script.rs"]
mod script;

use script::script;

fn main() {
    divan::main();
    rss::over_collections();
    FIXTURE.lock().unwrap_or_else(PoisonError::into_inner).take();
}

struct Fixture {
    _dir: TempDir,
    root: PathBuf,
    repo: PathBuf,
    database: PathBuf,
}

fn fixture() -> Arc<Fixture> {
    let mut fixture = FIXTURE.lock().unwrap_or_else(PoisonError::into_inner);
    fixture.get_or_insert_with(|| Arc::new(build())).clone()
}

#[expect(
    clippy::disallowed_methods,
    reason = "the benchmark builds fixtures with the git CLI and measures spawning it"
)]
fn git_command() -> Command {
    let mut command = Command::new("git");
    command
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Bench")
        .env("GIT_AUTHOR_EMAIL", "bench@example.com")
        .env("GIT_COMMITTER_NAME", "Bench")
        .env("GIT_COMMITTER_EMAIL", "bench@example.com");
    command
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

fn commit(dir: &Path, message: &str) {
    git(dir, &["add", "-A"]);
    git(dir, &["-c", "commit.gpgsign=false", "commit", "-q", "-m", message]);
}

/// The repository (with an upstream, so `unpushed_commits` is counted), its worktrees one commit
/// ahead and one behind `main`, indexes refreshed by `git status` past the racy window; and the
/// database.
fn build() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().canonicalize().expect("canonical");
    let repo = root.join("app");
    git(&root, &["init", "-q", "-b", "main", "app"]);
    for n in 0..FILES {
        let sub = repo.join(format!("d{:03}", n / 100));
        if n % 100 == 0 {
            std::fs::create_dir_all(&sub).expect("dir");
        }
        std::fs::write(sub.join(format!("f{:03}.txt", n % 100)), format!("file {n}\n"))
            .expect("file");
    }
    commit(&repo, "initial");
    git(&repo, &["remote", "add", "origin", "https://example.invalid/app.git"]);
    git(&repo, &["update-ref", "refs/remotes/origin/main", "HEAD"]);
    git(&repo, &["branch", "-q", "--set-upstream-to=origin/main", "main"]);
    for k in 0..WORKTREES {
        let path = root.join(format!("wt{k}"));
        let branch = format!("wt{k}");
        git(&repo, &["worktree", "add", "-q", "-b", &branch, path.to_str().expect("utf-8")]);
        std::fs::write(path.join("feature.txt"), format!("feature {k}\n")).expect("file");
        commit(&path, "feature work");
    }
    std::fs::write(repo.join("main.txt"), "main moves on\n").expect("file");
    commit(&repo, "main moves on");
    std::thread::sleep(Duration::from_millis(1100));
    git(&repo, &["status", "--porcelain"]);
    for k in 0..WORKTREES {
        git(&root.join(format!("wt{k}")), &["status", "--porcelain"]);
    }
    let database = database();
    Fixture { _dir: dir, root, repo, database }
}

/// The `operations` database with the recommended indexes, generated once under the target dir.
fn database() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(dir).expect("target tmp dir");
    let path = dir.join(format!("full-bench-ops-v{DB_VERSION}.db"));
    if path.exists() {
        return path;
    }
    let partial = path.with_extension("partial");
    let _ = std::fs::remove_file(&partial);
    runtime().block_on(async {
        let mut conn = SqliteConnectOptions::new()
            .filename(&partial)
            .create_if_missing(true)
            .connect()
            .await
            .expect("open fixture");
        for batch in [
            "BEGIN",
            OPERATIONS_TABLES,
            &operations::fill(100_000),
            "COMMIT",
            OPERATIONS_INDEXES,
            "ANALYZE",
        ] {
            sqlx::raw_sql(AssertSqlSafe(batch.to_owned()))
                .execute(&mut conn)
                .await
                .expect("fixture SQL");
        }
        conn.close().await.expect("close");
    });
    std::fs::rename(&partial, &path).expect("rename");
    path
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// The full configuration on the checkout at `repo`.
fn engine(rt: &tokio::runtime::Runtime, fixture: &Fixture, repo: &Path, state: &str) -> Engine {
    engine_of(rt, fixture, repo, state, Parts { git: true, database: true })
}

/// Which parts of the full configuration an engine gets besides the standard sections.
#[derive(Clone, Copy, Debug)]
struct Parts {
    /// `[[repos]]` and `[deploy]` on the checkout.
    git: bool,
    /// The `operations` database.
    database: bool,
}

fn engine_of(
    rt: &tokio::runtime::Runtime,
    fixture: &Fixture,
    repo: &Path,
    state: &str,
    parts: Parts,
) -> Engine {
    let mut text = format!(
        r#"
        [state]
        dir = "{state}"
        [collect]
        deadline = "60s"
        "#,
        state = fixture.root.join(state).display(),
    );
    if parts.git {
        text.push_str(&format!(
            "[[repos]]\npath = \"{repo}\"\n[deploy]\nrepo = \"{repo}\"\n",
            repo = repo.display()
        ));
    }
    if parts.database {
        text.push_str(&format!(
            "[[databases]]\nname = \"ops\"\nurl = \"{db}\"\nschema = \"operations\"\n",
            db = fixture.database.display()
        ));
    }
    let config = Config::parse(&text, "bench.toml").expect("config");
    rt.block_on(async {
        Engine::new(
            collectors::standard(&config, Arc::new(NoDeps), Default::default()),
            config.collect.deadline,
        )
    })
}

/// Collects once and checks that every section answered; then once more, printing where that
/// collection's time went (sections run side by side: the slowest sets the total).
#[expect(clippy::print_stderr, reason = "the bench reports where the collection's time went")]
fn first_collection(rt: &tokio::runtime::Runtime, engine: &Engine) {
    let first = rt.block_on(engine.collect());
    for (name, report) in &first.collection.sections {
        assert_eq!(report.outcome.as_str(), "ok", "{name}: {:?}", report.reason);
    }
    let second = rt.block_on(engine.collect());
    let mut sections: Vec<_> = second.collection.sections.iter().collect();
    sections.sort_by(|a, b| b.1.duration_ms.total_cmp(&a.1.duration_ms));
    let slowest: Vec<String> = sections
        .iter()
        .take(6)
        .map(|(name, report)| format!("{name} {:.1} ms", report.duration_ms))
        .collect();
    let git: Vec<String> = sections
        .iter()
        .filter(|(name, _)| ["repos", "deploy", "storage"].contains(&name.as_str()))
        .map(|(name, report)| format!("{name} {:.2} ms", report.duration_ms))
        .collect();
    eprintln!(
        "second collection {:.1} ms; slowest sections: {}; git: {}",
        second.collection.duration_ms,
        slowest.join(", "),
        git.join(", ")
    );
}

/// A fresh clone of the fixture whose index is racily clean, made once.
fn clone() -> PathBuf {
    static CLONE: OnceLock<PathBuf> = OnceLock::new();
    CLONE
        .get_or_init(|| {
            let fixture = fixture();
            let clone = fixture.root.join("clone");
            git(&fixture.root, &["clone", "-q", "--no-hardlinks", "app", "clone"]);
            // As a checkout within one clock tick leaves it: the index no newer than its files.
            let newest = std::fs::metadata(clone.join("d019/f099.txt")).expect("stat").modified();
            let index =
                std::fs::File::options().write(true).open(clone.join(".git/index")).expect("index");
            index.set_modified(newest.expect("mtime")).expect("set index time");
            std::thread::sleep(Duration::from_millis(100));
            clone
        })
        .clone()
}

#[divan::bench(sample_count = 40)]
fn idle_engine(bencher: divan::Bencher<'_, '_>) {
    let fixture = fixture();
    let rt = runtime();
    let engine = engine(&rt, &fixture, &fixture.repo, "state-idle");
    first_collection(&rt, &engine);
    bencher.bench_local(|| rt.block_on(engine.collect()));
}

#[divan::bench(sample_count = 40)]
fn idle_git_cli(bencher: divan::Bencher<'_, '_>) {
    let fixture = fixture();
    bencher.bench_local(|| script(&fixture.repo));
}

/// Rewrites one file of the first worktree: a change, then the committed content, alternately.
fn touch(fixture: &Fixture, round: &mut usize) {
    *round += 1;
    let content = if round.is_multiple_of(2) { "file 5\n" } else { "file 5 changed\n" };
    std::fs::write(fixture.root.join("wt0/d000/f005.txt"), content).expect("write");
}

#[divan::bench(sample_count = 40)]
fn one_change_engine(bencher: divan::Bencher<'_, '_>) {
    let fixture = fixture();
    let rt = runtime();
    let engine = engine(&rt, &fixture, &fixture.repo, "state-change");
    first_collection(&rt, &engine);
    let mut round = 0;
    bencher
        .with_inputs(|| touch(&fixture, &mut round))
        .bench_local_values(|()| rt.block_on(engine.collect()));
}

#[divan::bench(sample_count = 40)]
fn one_change_git_cli(bencher: divan::Bencher<'_, '_>) {
    let fixture = fixture();
    let mut round = 0;
    bencher
        .with_inputs(|| touch(&fixture, &mut round))
        .bench_local_values(|()| script(&fixture.repo));
}

#[divan::bench(sample_count = 40)]
fn racily_clean_engine(bencher: divan::Bencher<'_, '_>) {
    let fixture = fixture();
    let clone = clone();
    let rt = runtime();
    let engine = engine(&rt, &fixture, &clone, "state-clone");
    first_collection(&rt, &engine);
    bencher.bench_local(|| rt.block_on(engine.collect()));
}

/// The script's `status` runs with `--no-optional-locks`, so it never refreshes the index either
/// (a deploy tree nobody else touches stays racily clean for git too).
#[divan::bench(sample_count = 40)]
fn racily_clean_git_cli(bencher: divan::Bencher<'_, '_>) {
    let clone = clone();
    bencher.bench_local(|| script(&clone));
}
