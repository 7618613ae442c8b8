//! A repository that becomes unreadable under a running engine: it keeps its last good value with
//! the reason and its age, while the section's other repositories are read fresh.

use status_collect::RepoConfig;
use status_model::RepoStatus;

use crate::gitfix::Fixture;

/// The `repos` section and its `repos_unreadable` check, collected by an engine.
async fn collect_repos(
    engine: &status_collect::testing::Engine,
) -> (status_model::ReposSection, serde_json::Value) {
    let snapshot = engine.collect().await;
    let report = &snapshot.collection.sections["repos"];
    assert_eq!(report.outcome, status_model::Outcome::Ok, "{report:?}");
    let health = snapshot.health.as_ref().expect("health");
    let check = health.checks.iter().find(|check| check.name == "repos_unreadable").expect("check");
    let check = serde_json::to_value(check).unwrap();
    (snapshot.repos.value().expect("repos").clone(), check)
}

#[tokio::test]
async fn a_repository_that_becomes_unreadable_keeps_its_last_good_value_with_its_age() {
    let fx = Fixture::new();
    let (app, lib) = (fx.repo("app"), fx.repo("lib"));
    let config = status_collect::Config::parse(
        &format!(
            "[[repos]]\npath = \"{}\"\n[[repos]]\npath = \"{}\"\n",
            app.display(),
            lib.display()
        ),
        "test",
    )
    .unwrap();
    let engine = engine_for(
        &config,
        vec![std::sync::Arc::new(status_collect::testing::collectors::ReposCollector::new(
            config.repos.clone(),
            config.collect.deadline,
        ))],
    );
    let (first, check) = collect_repos(&engine).await;
    let good = first.0["app"].value().expect("app").clone();
    assert_eq!((good.unreadable.as_deref(), good.stale_seconds), (None, None));
    assert_eq!(check["status"], "pass", "{check}");

    // HEAD removed: git no longer sees a repository there.
    let head = std::fs::read(app.join(".git/HEAD")).unwrap();
    std::fs::remove_file(app.join(".git/HEAD")).unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let (second, check) = collect_repos(&engine).await;
    let kept = second.0["app"].value().expect("the last good value is kept");
    let reason = kept.unreadable.as_deref().expect("the reason");
    assert!(reason.contains(&app.display().to_string()), "{reason}");
    let age = kept.stale_seconds.expect("its age");
    assert!(age >= 0.05, "{age}");
    assert_eq!(
        RepoStatus { unreadable: None, stale_seconds: None, ..kept.clone() },
        good,
        "every other field is the last good value"
    );
    // The other repository is read as usual; the check warns naming the unreadable one.
    let lib_status = second.0["lib"].value().expect("lib");
    assert_eq!((lib_status.unreadable.as_deref(), lib_status.stale_seconds), (None, None));
    assert_eq!(check["status"], "warn", "{check}");
    let named = check["details"]["app"].as_str().unwrap_or_default();
    assert!(named.starts_with(reason) && named.contains("showing the value read"), "{check}");

    // The directory replaced by one that is no repository: still the kept value, older.
    std::fs::rename(app.join(".git"), fx.path("app.git.moved")).unwrap();
    let (third, _) = collect_repos(&engine).await;
    let older = third.0["app"].value().expect("kept");
    assert!(older.stale_seconds.unwrap() >= age, "{older:?}");
    assert!(older.unreadable.is_some());

    // Fixed: read fresh again.
    std::fs::rename(fx.path("app.git.moved"), app.join(".git")).unwrap();
    std::fs::write(app.join(".git/HEAD"), head).unwrap();
    let (fourth, check) = collect_repos(&engine).await;
    assert_eq!(fourth.0["app"].value(), Some(&good));
    assert_eq!(check["status"], "pass", "{check}");

    // A repository never read well has no value to keep: it is an error entry, as before.
    let fresh = fx.path("never");
    std::fs::create_dir(&fresh).unwrap();
    let collector = status_collect::testing::collectors::ReposCollector::new(
        vec![RepoConfig::new(&fresh)],
        config.collect.deadline,
    );
    let engine = engine_for(&config, vec![std::sync::Arc::new(collector)]);
    let (section, _) = collect_repos(&engine).await;
    assert!(section.0["never"].error().is_some(), "{section:?}");
}

/// An engine for `collectors` with `config`'s deadline, interval and health checks, as a `Status`
/// runs them.
fn engine_for(
    config: &status_collect::Config,
    collectors: Vec<std::sync::Arc<dyn status_collect::testing::Collector>>,
) -> status_collect::testing::Engine {
    let settings = status_collect::testing::EngineSettings {
        deadline: config.collect.deadline,
        interval: Some(config.collect.interval),
        health: Some(std::sync::Arc::new(status_collect::testing::HealthEvaluator::new(
            &config.health,
        ))),
    };
    status_collect::testing::Engine::with_settings(collectors, settings)
}
