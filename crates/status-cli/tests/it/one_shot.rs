//! One-shot runs keep state: `status-cli snapshot` runs the pipeline a running `Status` runs (a
//! history row, the latest/prev/diff files, hooks), takes up the previous snapshot across runs (the
//! `[target]`'s CPU %), shares a state directory with a `serve`, and `--no-pipeline` leaves it all
//! alone. Real processes, files, SQLite and git.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;
use status_collect::{History, STORE_FILE};
use status_model::Timestamp;

use super::BIN;

mod beside;

/// A child process killed and reaped when dropped, so no test leaves one behind.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A process that burns some CPU: busy for a moment, then asleep for a moment, forever.
fn burner() -> Child {
    let script = "while :; do i=0; while [ $i -lt 3000 ]; do i=$((i+1)); done; sleep 0.05; done";
    Child(Command::new("sh").args(["-c", script]).spawn().expect("sh runs"))
}

/// A git repository with one commit, clean.
fn repo(dir: &Path) -> PathBuf {
    let path = dir.join("repo");
    std::fs::create_dir(&path).unwrap();
    let git = |args: &[&str]| {
        let status = Command::new("git")
            .args(["-c", "user.email=t@example.com", "-c", "user.name=t"])
            .args(args)
            .current_dir(&path)
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    };
    git(&["init", "-q"]);
    git(&["commit", "-q", "--allow-empty", "-m", "init"]);
    path
}

/// A config with the whole pipeline, under `dir`: history, files, a command hook appending
/// `$STATUS_CHANGED` to `hook.log` a second after it starts, and a watched git repository. Host gauges and health checks
/// (which follow the machine's load) are left out of change detection, so only the test's
/// change counts.
fn config(dir: &Path, extra: &str) -> PathBuf {
    let hook =
        format!("cat > /dev/null; sleep 1; echo \"$STATUS_CHANGED\" >> {:?}", dir.join("hook.log"));
    let text = format!(
        "{extra}\n[service]\nname = \"app\"\n[state]\ndir = {state:?}\n[files]\ndir = {files:?}\n\
         [history]\nenabled = true\n[diff]\nignore = [\"host\", \"health\", \"storage\", \"store\"]\n\
         [[repos]]\npath = {repo:?}\nname = \"repo\"\n\
         [[hooks.on_change]]\ncommand = [\"/bin/sh\", \"-c\", {hook:?}]\ntimeout = \"10s\"\n",
        state = dir.join("state"),
        files = dir.join("files"),
        repo = dir.join("repo"),
    );
    let path = dir.join("status.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn read_json(path: &Path) -> Value {
    let bytes = std::fs::read(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn taken_at(snapshot: &Value) -> Timestamp {
    snapshot["collection"]["taken_at"].as_str().unwrap().parse().unwrap()
}

/// Every snapshot in the history, oldest first, put back together.
fn history(dir: &Path) -> Vec<Value> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let history = History::open(&dir.join("state").join(STORE_FILE)).await.unwrap();
        history.snapshot_values(None, 100_000).await.unwrap()
    })
}

fn hook_lines(dir: &Path) -> Vec<String> {
    match std::fs::read_to_string(dir.join("hook.log")) {
        Ok(text) => text.lines().map(str::to_owned).collect(),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(error) => panic!("hook.log: {error}"),
    }
}

#[test]
fn three_cron_runs_rotate_the_files_store_three_rows_fire_the_hook_once_and_show_the_cpu() {
    status_testkit::require_tools!("git");
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let repo = repo(dir);
    let target = burner();
    let config = config(dir, &format!("[target]\npid = {}", target.0.id()));
    // As cron would: one process per run; the repository is made dirty after the first. The
    // hooks that fired are counted as soon as each run has exited.
    let script = r#"for i in 1 2 3; do
        "$BIN" snapshot --config "$CONFIG" > "$DIR/out$i.json" 2> "$DIR/err$i.txt" || exit $i
        cat "$DIR/hook.log" 2> /dev/null | wc -l > "$DIR/hooks$i.txt"
        if [ $i = 1 ]; then echo change > "$REPO/file"; fi
        sleep 2
    done"#;
    let status = Command::new("sh")
        .args(["-c", script])
        .env("BIN", BIN)
        .env("CONFIG", &config)
        .env("DIR", dir)
        .env("REPO", &repo)
        .status()
        .unwrap();
    let runs: Vec<Value> = (1..=3).map(|i| read_json(&dir.join(format!("out{i}.json")))).collect();
    let errors: Vec<String> = (1..=3)
        .map(|i| std::fs::read_to_string(dir.join(format!("err{i}.txt"))).unwrap())
        .collect();
    assert!(status.success(), "run {:?} failed: {errors:?}", status.code());
    for (run, stderr) in errors.iter().enumerate() {
        assert!(!stderr.contains("WARN") && !stderr.contains("ERROR"), "run {}: {stderr}", run + 1);
    }

    // The files rotated: latest is the third run's snapshot, prev the second's.
    let files = dir.join("files");
    let latest = read_json(&files.join("app.latest.json"));
    let prev = read_json(&files.join("app.prev.json"));
    assert_eq!(taken_at(&latest), taken_at(&runs[2]));
    assert_eq!(taken_at(&prev), taken_at(&runs[1]));
    assert_eq!(latest["has_diff"], false, "the third run changed nothing");
    assert_eq!(prev["has_diff"], true, "the second run found the dirty repository");
    assert!(
        prev["diff_fields"].to_string().contains("repos.repo.dirty"),
        "{}",
        prev["diff_fields"]
    );
    assert!(!files.join("app.diff.json").exists(), "no diff file after an unchanged run");

    // Three rows, one a run, equal to what each run printed.
    let rows = history(dir);
    assert_eq!(rows.len(), 3, "one history row a run");
    for (row, run) in rows.iter().zip(&runs) {
        assert_eq!(taken_at(row), taken_at(run));
        assert_eq!(row["repos"], run["repos"]);
    }

    // The hook ran once, for the run whose snapshot changed, and was waited for: its line (written
    // a second after it started) was there when that run exited.
    let hooks_after = |run: u32| {
        let text = std::fs::read_to_string(dir.join(format!("hooks{run}.txt"))).unwrap();
        text.trim().parse::<u32>().unwrap()
    };
    assert_eq!([hooks_after(1), hooks_after(2), hooks_after(3)], [0, 1, 1]);
    let fired = hook_lines(dir);
    assert_eq!(fired.len(), 1, "{fired:?}");
    assert!(fired[0].contains("repos.repo.dirty"), "{fired:?}");
    assert_eq!(runs[1]["repos"]["repo"]["dirty"], true);

    // The target's CPU %: none on the first run (nothing before it), then the rate since the
    // run before, as its CPU seconds and the snapshots' times give it.
    let pid = u64::from(target.0.id());
    for run in &runs {
        assert_eq!(run["process"]["pid"], pid, "the target, not the CLI");
    }
    assert_eq!(runs[0]["process"]["cpu_pct"], Value::Null);
    let reason = &runs[0]["collection"]["sections"]["process"]["unmeasured"]["cpu_pct"];
    assert!(reason.as_str().unwrap().contains("first collection"), "{reason}");
    for pair in runs.windows(2) {
        let (before, after) = (&pair[0], &pair[1]);
        let cpu_pct = after["process"]["cpu_pct"].as_f64().expect("a CPU % on a later run");
        let cpu = after["process"]["cpu_seconds_total"].as_f64().unwrap()
            - before["process"]["cpu_seconds_total"].as_f64().unwrap();
        let wall = taken_at(after).duration_since(taken_at(before)).as_secs_f64();
        let expected = cpu / wall * 100.0;
        assert!(cpu_pct > 0.0, "the burner burned: {cpu_pct}");
        // The rate ends when the target was read, a little after the snapshot's time.
        assert!(
            (cpu_pct - expected).abs() <= expected * 0.1 + 0.5,
            "cpu_pct {cpu_pct}, expected {expected:.2} ({cpu} s over {wall} s)"
        );
    }
}

#[test]
fn no_pipeline_reads_and_writes_nothing_in_the_state_and_no_diff_runs_no_hook() {
    status_testkit::require_tools!("git");
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let repo = repo(dir);
    let config = config(dir, "");
    let config = config.to_str().unwrap();
    let first = super::run(&["snapshot", "--config", config]);
    assert!(first.status.success(), "{first:?}");
    let listing = |dir: &Path| -> BTreeMap<PathBuf, (Vec<u8>, std::time::SystemTime)> {
        let mut files = BTreeMap::new();
        for sub in ["state", "files"] {
            for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
                let path = entry.unwrap().path();
                let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
                files.insert(path.clone(), (std::fs::read(&path).unwrap(), modified));
            }
        }
        files
    };
    let before = listing(dir);
    assert!(before.keys().any(|path| path.ends_with("app.latest.json")), "{:?}", before.keys());
    // A change the hook would be told of.
    std::fs::write(repo.join("file"), "change").unwrap();
    let output = super::run(&["snapshot", "--config", config, "--no-pipeline"]);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(super::json(&output)["repos"]["repo"]["dirty"], true);
    assert_eq!(listing(dir), before, "--no-pipeline changed the state or files directory");
    assert!(hook_lines(dir).is_empty(), "no hook without the pipeline");
    assert_eq!(history(dir).len(), 1);
    // `--no-diff`: the row and the files (which mark their own diff), but no comparison, no hook.
    let output = super::run(&["snapshot", "--config", config, "--no-diff"]);
    assert!(output.status.success(), "{output:?}");
    assert!(hook_lines(dir).is_empty(), "no hook with --no-diff");
    assert_eq!(history(dir).len(), 2);
    assert_eq!(read_json(&dir.join("files").join("app.latest.json"))["has_diff"], true);
    // `--diff` needs the pipeline's comparison.
    let refused = super::run(&["snapshot", "--config", config, "--no-pipeline", "--diff"]);
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
}

#[test]
fn a_corrupt_store_is_named_and_the_latest_file_is_kept() {
    status_testkit::require_tools!("git");
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    repo(dir);
    let config = config(dir, "");
    let config = config.to_str().unwrap();
    let first = super::run(&["snapshot", "--config", config]);
    assert!(first.status.success(), "{first:?}");
    let store = dir.join("state").join(STORE_FILE);
    std::fs::write(&store, b"this is not a database, and never was one").unwrap();
    let output = super::run(&["snapshot", "--config", config, "--diff"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains(&store.display().to_string()), "the store is named: {stderr}");
    // The snapshot was printed whole, compared with the latest file, which was rotated, not lost.
    let printed = super::json(&output);
    let latest = read_json(&dir.join("files").join("app.latest.json"));
    assert_eq!(taken_at(&latest), taken_at(&printed));
    let prev = read_json(&dir.join("files").join("app.prev.json"));
    assert_eq!(taken_at(&prev), taken_at(&super::json(&first)));
    assert!(stderr.contains("changed since the previous snapshot"), "{stderr}");
}

/// Every file, row, hook payload and line a one-shot run leaves under `dir`, as bytes.
fn everything_left(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut left = Vec::new();
    for sub in ["state", "files", "hook"] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else { continue };
        for entry in entries {
            let path = entry.unwrap().path();
            left.push((path.clone(), std::fs::read(&path).unwrap()));
        }
    }
    left
}

/// Two runs of `snapshot --diff` with the repository made dirty between them (so the hook runs),
/// with `redact` as the `[redact]` table; the hook saves its stdin under `dir/hook`. Returns what
/// the two runs printed, stdout and stderr.
fn two_runs_with_a_hook(dir: &Path, service: &str, redact: &str) -> Vec<u8> {
    let repo = repo(dir);
    std::fs::create_dir(dir.join("hook")).unwrap();
    let hook = format!("cat > {:?}", dir.join("hook").join("stdin.json"));
    let text = format!(
        "[service]\nname = {service:?}\n[redact]\n{redact}\n[state]\ndir = {state:?}\n\
         [files]\ndir = {files:?}\n[history]\nenabled = true\n\
         [diff]\nignore = [\"host\", \"health\", \"storage\", \"store\"]\n\
         [[repos]]\npath = {repo:?}\nname = \"repo\"\n\
         [[hooks.on_change]]\ncommand = [\"/bin/sh\", \"-c\", {hook:?}]\n",
        state = dir.join("state"),
        files = dir.join("files"),
    );
    let config = dir.join("status.toml");
    std::fs::write(&config, text).unwrap();
    let config = config.to_str().unwrap();
    let mut printed = Vec::new();
    for run in 0..2 {
        if run == 1 {
            std::fs::write(repo.join("file"), "change").unwrap();
        }
        let output = super::run(&["snapshot", "--config", config, "--diff"]);
        assert!(output.status.success(), "{output:?}");
        printed.extend_from_slice(&output.stdout);
        printed.extend_from_slice(&output.stderr);
    }
    assert!(dir.join("hook").join("stdin.json").exists(), "the hook ran");
    printed
}

#[test]
fn nothing_a_one_shot_run_leaves_holds_what_the_policy_drops() {
    status_testkit::require_tools!("git");
    const SECRET: &str = "svc-secret-7f3a";
    let contains = |bytes: &[u8]| bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes());
    let dir = tempfile::tempdir().unwrap();
    let printed = two_runs_with_a_hook(dir.path(), SECRET, "drop = [\"service.name\"]");
    assert!(!contains(&printed), "printed: {}", String::from_utf8_lossy(&printed));
    for (path, bytes) in everything_left(dir.path()) {
        assert!(!contains(path.as_os_str().as_encoded_bytes()), "a file is named by it: {path:?}");
        assert!(!contains(&bytes), "{} holds it", path.display());
    }
    // Without the rule, the name is in the hook's payload and the files: the test above can fail.
    let open = tempfile::tempdir().unwrap();
    two_runs_with_a_hook(open.path(), SECRET, "");
    let hook = std::fs::read(open.path().join("hook").join("stdin.json")).unwrap();
    assert!(contains(&hook));
}
