//! How a full collection's time grows: against files in the repository (2,000, 20,000, 100,000),
//! linked worktrees (0, 3, 10), `execution_log` rows (100,000 and 1,000,000) and processes on the
//! machine (as found, and raised to 1,000 with sleeping children, killed after).
//!
//! Each point builds the full configuration of `benches/full.rs` (`[[repos]]` and `[deploy]` on one
//! checkout, an `operations` database, the standard sections) with one variable changed from the
//! base of 2,000 files, 3 worktrees and 100,000 rows (the files axis at 0 worktrees, so 100,000
//! files are checked out once, not four times), collects twice, then prints the median of 21
//! collections where nothing changed (`idle`) and of 21 where one tracked file of the main tree was
//! rewritten before each (`one change`, a walk of that tree), with the load average.
//!
//! Building the fixtures takes minutes (100,000 files committed, a million rows), so this is run by
//! hand: `STATUS_BENCH_SCALING=1 cargo bench -p status-collect --bench scaling` (or a comma list of
//! `files,worktrees,rows,processes` instead of `1`). Without the variable it says so and measures
//! nothing. Repositories and databases are kept under the target dir (`scaling-*`) and reused.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AssertSqlSafe, ConnectOptions, Connection};
use status_collect::Config;
use status_collect::layouts::{OPERATIONS_INDEXES, OPERATIONS_TABLES};
use status_collect::testing::{Engine, collectors};
use status_deps::NoDeps;

/// Bump when the generated fixtures change, so stale ones are not reused.
const VERSION: u32 = 1;

const SAMPLES: usize = 21;

#[path = "full/operations.rs"]
mod operations;

#[expect(clippy::print_stderr, reason = "the bench prints its table")]
fn main() {
    let Ok(asked) = std::env::var("STATUS_BENCH_SCALING") else {
        eprintln!(
            "scaling: not measured; set STATUS_BENCH_SCALING=1 (or files,worktrees,rows,processes) \
             to build the fixtures (minutes) and print the table"
        );
        return;
    };
    let wants = |axis: &str| asked == "1" || asked.split(',').any(|one| one.trim() == axis);
    let rt = runtime();
    eprintln!("| axis | value | idle median ms | one change median ms | load average |");
    eprintln!("| --- | --- | --- | --- | --- |");
    if wants("files") {
        for files in [2_000, 20_000, 100_000] {
            let point = measure(&rt, files, 0, 100_000);
            eprintln!("| files (0 worktrees) | {files} | {point} |");
        }
    }
    if wants("worktrees") {
        for worktrees in [0, 3, 10] {
            let point = measure(&rt, 2_000, worktrees, 100_000);
            eprintln!("| worktrees (2,000 files) | {worktrees} | {point} |");
        }
    }
    if wants("rows") {
        for rows in [100_000, 1_000_000] {
            let point = measure(&rt, 2_000, 3, rows);
            eprintln!("| execution_log rows | {rows} | {point} |");
        }
    }
    if wants("processes") {
        let found = processes();
        let point = measure(&rt, 2_000, 3, 100_000);
        eprintln!("| processes on the machine | {found} (as found) | {point} |");
        let sleepers = Sleepers::up_to(1_000);
        let point = measure(&rt, 2_000, 3, 100_000);
        eprintln!("| processes on the machine | {} | {point} |", processes());
        drop(sleepers);
    }
}

/// Medians of one point, formatted as table cells.
fn measure(rt: &tokio::runtime::Runtime, files: usize, worktrees: usize, rows: usize) -> String {
    let repo = repository(files, worktrees);
    let database = database(rows);
    let state = tempfile::tempdir().expect("state dir");
    let engine = engine(rt, &repo, &database, state.path());
    for _ in 0..2 {
        let snapshot = rt.block_on(engine.collect());
        for (name, report) in &snapshot.collection.sections {
            assert_eq!(report.outcome.as_str(), "ok", "{name}: {:?}", report.reason);
        }
    }
    let idle = median((0..SAMPLES).map(|_| time(|| rt.block_on(engine.collect()))).collect());
    let file = repo.join("d000/f005.txt");
    let changed = median(
        (0..SAMPLES)
            .map(|round| {
                let content = if round % 2 == 0 { "file 5 changed\n" } else { "file 5\n" };
                std::fs::write(&file, content).expect("write");
                time(|| rt.block_on(engine.collect()))
            })
            .collect(),
    );
    std::fs::write(&file, "file 5\n").expect("restore");
    format!("{idle:.2} | {changed:.2} | {}", load())
}

fn time<T>(work: impl FnOnce() -> T) -> f64 {
    let start = Instant::now();
    std::hint::black_box(work());
    start.elapsed().as_secs_f64() * 1000.0
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| text.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// Processes on the machine (pids in /proc).
fn processes() -> usize {
    std::fs::read_dir("/proc")
        .map(|entries| {
            entries
                .flatten()
                .filter(|entry| entry.file_name().to_string_lossy().parse::<u32>().is_ok())
                .count()
        })
        .unwrap_or(0)
}

/// Sleeping children, killed and reaped when dropped.
struct Sleepers(Vec<std::process::Child>);

impl Sleepers {
    #[expect(clippy::disallowed_methods, reason = "the bench loads the machine with sleepers")]
    fn up_to(total: usize) -> Sleepers {
        let missing = total.saturating_sub(processes());
        let children = (0..missing)
            .map(|_| Command::new("sleep").arg("600").spawn().expect("sleep starts"))
            .collect();
        Sleepers(children)
    }
}

impl Drop for Sleepers {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
        }
        for child in &mut self.0 {
            let _ = child.wait();
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn engine(rt: &tokio::runtime::Runtime, repo: &Path, database: &Path, state: &Path) -> Engine {
    let text = format!(
        r#"
        [state]
        dir = "{state}"
        [collect]
        deadline = "60s"
        [[repos]]
        path = "{repo}"
        [deploy]
        repo = "{repo}"
        [[databases]]
        name = "ops"
        url = "{db}"
        schema = "operations"
        "#,
        state = state.display(),
        repo = repo.display(),
        db = database.display(),
    );
    let config = Config::parse(&text, "scaling.toml").expect("config");
    rt.block_on(async {
        Engine::new(
            collectors::standard(&config, Arc::new(NoDeps), Default::default()),
            config.collect.deadline,
        )
    })
}

fn fixtures() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(dir).expect("target tmp dir");
    dir.to_owned()
}

#[expect(clippy::disallowed_methods, reason = "fixtures are built with the git CLI")]
fn git(dir: &Path, args: &[&str]) {
    let output = Command::new("git")
        // No automatic gc: after 100,000 files it would go on in the background past the bench.
        .args(["-c", "commit.gpgsign=false", "-c", "gc.auto=0", "-c", "maintenance.auto=false"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Bench")
        .env("GIT_AUTHOR_EMAIL", "bench@example.com")
        .env("GIT_COMMITTER_NAME", "Bench")
        .env("GIT_COMMITTER_EMAIL", "bench@example.com")
        .output()
        .expect("git runs");
    assert!(output.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&output.stderr));
}

/// A repository of `files` files (100 per directory) with an upstream and `worktrees` linked
/// worktrees one commit ahead of `main`, its indexes refreshed past the racy window; built once
/// under the target dir.
fn repository(files: usize, worktrees: usize) -> PathBuf {
    let root = fixtures().join(format!("scaling-v{VERSION}-repo-{files}-{worktrees}"));
    let repo = root.join("app");
    if root.join("done").exists() {
        return repo;
    }
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).expect("fixture dir");
    git(&root, &["init", "-q", "-b", "main", "app"]);
    for n in 0..files {
        let sub = repo.join(format!("d{:03}", n / 100));
        if n % 100 == 0 {
            std::fs::create_dir_all(&sub).expect("dir");
        }
        std::fs::write(sub.join(format!("f{:03}.txt", n % 100)), format!("file {n}\n"))
            .expect("file");
    }
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "initial"]);
    git(&repo, &["remote", "add", "origin", "https://example.invalid/app.git"]);
    git(&repo, &["update-ref", "refs/remotes/origin/main", "HEAD"]);
    git(&repo, &["branch", "-q", "--set-upstream-to=origin/main", "main"]);
    for k in 0..worktrees {
        let path = root.join(format!("wt{k}"));
        let branch = format!("wt{k}");
        git(&repo, &["worktree", "add", "-q", "-b", &branch, path.to_str().expect("utf-8")]);
        std::fs::write(path.join("feature.txt"), format!("feature {k}\n")).expect("file");
        git(&path, &["add", "-A"]);
        git(&path, &["commit", "-q", "-m", "feature work"]);
    }
    std::thread::sleep(Duration::from_millis(1100));
    git(&repo, &["status", "--porcelain"]);
    for k in 0..worktrees {
        git(&root.join(format!("wt{k}")), &["status", "--porcelain"]);
    }
    std::fs::write(root.join("done"), "").expect("marker");
    repo
}

/// An `operations` database with `rows` `execution_log` rows (and a tenth as many outbox rows),
/// with the recommended indexes; built once under the target dir.
fn database(rows: usize) -> PathBuf {
    let path = fixtures().join(format!("scaling-v{VERSION}-ops-{rows}.db"));
    if path.exists() {
        return path;
    }
    let partial = path.with_extension("partial");
    let _ = std::fs::remove_file(&partial);
    let fill = operations::fill(rows);
    runtime().block_on(async {
        let mut conn = SqliteConnectOptions::new()
            .filename(&partial)
            .create_if_missing(true)
            .connect()
            .await
            .expect("open fixture");
        for batch in ["BEGIN", OPERATIONS_TABLES, &fill, "COMMIT", OPERATIONS_INDEXES, "ANALYZE"] {
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
