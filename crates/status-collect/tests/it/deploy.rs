//! The `deploy` and `repos` sections through the collectors: `record_deploy` across a restart in a
//! new process, the sections against git, which sections a config yields, and insta snapshots.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use status_collect::store::Store;
use status_collect::testing::collectors::{self, DeployCollector, ReposCollector};
use status_collect::testing::{Collector, Engine};
use status_collect::{CollectConfig, Config, RepoConfig, StateConfig, Status};
use status_deps::NoDeps;
use status_model::{SectionName, Snapshot, Timestamp};

use crate::common;
use crate::gitfix::{Fixture, command, commit_file, git, view};

const CHILD_STATE_DIR: &str = "STATUS_IT_CHILD_STATE_DIR";
const CHILD_REPO: &str = "STATUS_IT_CHILD_REPO";
const CHILD_SHA: &str = "STATUS_IT_CHILD_SHA";

fn config(state: &Path, repo: &Path) -> Config {
    Config {
        state: StateConfig { dir: Some(state.to_owned()) },
        repos: vec![RepoConfig::new(repo)],
        collect: CollectConfig {
            interval: Duration::from_secs(3600),
            deadline: Duration::from_secs(20),
        },
        ..Config::default()
    }
}

/// A running `Status` whose first collection has finished, so `collect_now` does not overlap it.
async fn started(config: &Config) -> Status {
    let status = Status::spawn(config, Arc::new(NoDeps));
    for _ in 0..400 {
        if status.current().is_some() {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no first snapshot within 20 s");
}

/// Records a deploy through `Status` and sees it in the next snapshot. Run on its own it uses fixtures
/// of its own; run by [`record_deploy_survives_a_restart`] it records into the parent's state dir.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_records_a_deploy() {
    let fx = Fixture::new();
    let env = |name: &str| std::env::var_os(name).filter(|value| !value.is_empty());
    let state = env(CHILD_STATE_DIR).map_or_else(|| fx.path("state"), Into::into);
    let repo = env(CHILD_REPO).map_or_else(|| fx.repo("app"), Into::into);
    let sha = env(CHILD_SHA).map_or_else(
        || git(&repo, &["rev-parse", "HEAD"]),
        |sha| sha.to_string_lossy().into_owned(),
    );

    let status = started(&config(&state, &repo)).await;
    let record = status.record_deploy(&sha).await.expect("records");
    let snapshot = status.collect_now().await;
    let deploy = snapshot
        .deploy
        .value()
        .unwrap_or_else(|| panic!("no deploy: {:?}", snapshot.collection.sections.get("deploy")));
    assert_eq!(deploy.last_deploy_sha.as_deref(), Some(sha.as_str()));
    assert_eq!(deploy.last_deploy_at, Some(record.at));
    status.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_deploy_survives_a_restart() {
    let fx = Fixture::new();
    let repo = fx.repo("app");
    let state = fx.path("state");
    let sha = git(&repo, &["rev-parse", "HEAD"]);
    let before = Timestamp::now();
    let exe = std::env::current_exe().expect("the test binary");
    let output = command(exe)
        .args(["deploy::child_records_a_deploy", "--exact", "--test-threads=1"])
        .env(CHILD_STATE_DIR, &state)
        .env(CHILD_REPO, &repo)
        .env(CHILD_SHA, &sha)
        .output()
        .expect("the child runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success() && stdout.contains("1 passed"), "child: {stdout}");
    let after = Timestamp::now();

    let status = started(&config(&state, &repo)).await;
    let snapshot = status.current().expect("a first snapshot").snapshot.clone();
    status.shutdown().await;
    let deploy = snapshot
        .deploy
        .value()
        .unwrap_or_else(|| panic!("no deploy: {:?}", snapshot.collection.sections.get("deploy")));
    assert_eq!(deploy.last_deploy_sha.as_deref(), Some(sha.as_str()));
    let at = deploy.last_deploy_at.expect("a deploy time");
    assert!(before.round(jiff::Unit::Millisecond).unwrap() <= at && at <= after, "{at}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deploy_section_agrees_with_git() {
    let fx = Fixture::new();
    fx.repo("seed");
    git(&fx.root, &["clone", "-q", "seed", "app"]);
    let app = fx.path("app");
    commit_file(&app, "f", "1\n", "not pushed yet");
    std::fs::write(app.join("untracked"), "x\n").unwrap();
    let collector =
        DeployCollector::new(app.clone(), Store::new(&fx.path("state")), Duration::from_secs(20));
    let collected = collector.collect().await.expect("collects");
    let status_model::SectionData::Deploy(deploy) = collected.data else { panic!("not deploy") };
    let git_view = view(&app);
    assert_eq!(deploy.head_sha, git_view.sha);
    assert_eq!(deploy.branch, git_view.branch);
    assert_eq!(deploy.head_commit, git_view.subject);
    assert_eq!(deploy.dirty, Some(git_view.dirty));
    assert_eq!(deploy.unpushed_commits, git_view.unpushed);
    assert_eq!((deploy.unpushed_commits, deploy.dirty), (Some(1), Some(true)));
    assert_eq!((deploy.last_deploy_at, deploy.last_deploy_sha), (None, None));
    assert!(collected.unmeasured.is_empty(), "{:?}", collected.unmeasured);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repos_and_deploy_appear_only_when_configured() {
    let fx = Fixture::new();
    let app = fx.repo("app");
    let sections = |config: &Config| {
        collectors::standard(config, Arc::new(NoDeps), Default::default())
            .iter()
            .map(|collector| collector.section())
            .collect::<Vec<_>>()
    };
    let none = Config::default();
    assert!(!sections(&none).contains(&SectionName::Repos));
    assert!(!sections(&none).contains(&SectionName::Deploy));
    let with_repo = config(&fx.path("state"), &app);
    // `store` (deploys are written there) and `storage` (it counts snapshot branches) come too.
    assert!(sections(&with_repo).ends_with(&[
        SectionName::Deploy,
        SectionName::Repos,
        SectionName::Store,
        SectionName::Storage
    ]));

    let engine = Engine::new(
        collectors::standard(&none, Arc::new(NoDeps), Default::default()),
        none.collect.deadline,
    );
    let json = serde_json::to_value(engine.collect().await).unwrap();
    assert!(json.get("repos").is_none() && json.get("deploy").is_none(), "{json}");
    // Neutral defaults: no process names, so no `processes` section and no entry in the report.
    assert!(!sections(&none).contains(&SectionName::Processes));
    assert!(json.get("processes").is_none(), "{json}");
    assert!(json["collection"]["sections"].get("processes").is_none(), "{json}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshots_of_both_sections() {
    let fx = Fixture::new();
    fx.repo("seed");
    git(&fx.root, &["clone", "-q", "--bare", "seed", "mirror.git"]);
    git(&fx.root, &["clone", "-q", "mirror.git", "app"]);
    let app = fx.path("app");
    commit_file(
        &app,
        "f",
        "1\n",
        "A commit subject that goes on and on well past the seventy-two character cut",
    );
    git(&app, &["branch", "snapshot/2026-01-01"]);
    git(&app, &["worktree", "add", "-q", "-b", "feature", fx.path("wt-feature").to_str().unwrap()]);
    git(
        &app,
        &[
            "worktree",
            "add",
            "-q",
            "--lock",
            "-b",
            "parked",
            fx.path("wt-parked").to_str().unwrap(),
        ],
    );
    commit_file(&fx.path("wt-feature"), "g", "2\n", "feature work");
    std::fs::write(fx.path("wt-feature/scratch"), "x\n").unwrap();
    let broken = fx.repo("broken");
    std::fs::write(broken.join(".git/HEAD"), "garbage\n").unwrap();

    let repos =
        ["app", "mirror.git", "missing", "broken"].map(|name| RepoConfig::new(fx.path(name)));
    let store = Store::new(&fx.path("state"));
    store.record_deploy(&git(&app, &["rev-parse", "HEAD~1"])).await.unwrap();
    let deadline = Duration::from_secs(20);
    let engine = Engine::new(
        vec![
            Arc::new(DeployCollector::new(app.clone(), store, deadline)),
            Arc::new(ReposCollector::new(repos.to_vec(), deadline)),
        ],
        deadline,
    );
    let snapshot: Snapshot = engine.collect().await;
    let text =
        serde_json::to_string(&snapshot).unwrap().replace(fx.root.to_str().unwrap(), "[tmp]");
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();

    let mut settings = common::settings();
    common::redact(
        &mut settings,
        &[
            ".deploy.head_sha",
            ".deploy.last_deploy_sha",
            ".deploy.last_deploy_at",
            ".repos.*.head_sha",
            ".repos.*.worktrees.*.sha",
        ],
    );
    settings.bind(|| {
        insta::assert_json_snapshot!("git_sections", json);
    });
}
