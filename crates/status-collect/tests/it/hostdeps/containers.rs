//! The `containers` section against a fake Docker Engine on a unix socket in a temp dir.

use std::sync::Arc;
use std::time::Duration;

use status_collect::collectors::ContainersCollector;
use status_collect::{CollectError, Collector, DockerEndpoint, Engine};
use status_model::{Outcome, SectionData};

use super::support;

fn names(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

#[tokio::test]
async fn running_exited_restarting_and_missing_containers() {
    let dir = tempfile::tempdir().unwrap();
    let socket = support::docker_socket(dir.path());
    let collector = ContainersCollector::new(
        names(&["worker", "litellm", "redis", "ghost"]),
        DockerEndpoint::Unix(socket),
        None,
    );
    let collected = collector.collect().await.unwrap();
    assert!(collected.unmeasured.is_empty(), "{:?}", collected.unmeasured);
    let SectionData::Containers(section) = collected.data else { panic!("{:?}", collected.data) };
    support::assert_snapshot("containers", &serde_json::to_value(section).unwrap(), &[]);
}

#[tokio::test]
async fn a_daemon_error_fails_the_section_naming_the_container() {
    let dir = tempfile::tempdir().unwrap();
    let socket = support::docker_socket(dir.path());
    let collector =
        ContainersCollector::new(names(&["litellm", "broken"]), DockerEndpoint::Unix(socket), None);
    let error = collector.collect().await.unwrap_err();
    assert!(matches!(error, CollectError::Failed(_)), "{error:?}");
    assert_eq!(
        error.to_string(),
        "the Docker daemon answered 500 Internal Server Error for container broken: \
         devmapper: Unknown device 8c1f0b6a2d4e"
    );
}

#[tokio::test]
async fn no_daemon_is_unavailable_with_the_socket_path() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("absent.sock");
    let collector =
        ContainersCollector::new(names(&["litellm"]), DockerEndpoint::Unix(socket.clone()), None);
    let engine = Engine::new(vec![Arc::new(collector)], Duration::from_secs(2));
    let snapshot = engine.collect().await;
    let report = &snapshot.collection.sections["containers"];
    assert_eq!(report.outcome, Outcome::Unavailable);
    let reason = report.reason.as_deref().unwrap();
    assert!(reason.starts_with(&format!("no Docker daemon at {}", socket.display())), "{reason}");
    assert!(reason.contains("No such file or directory"), "{reason}");
    assert!(snapshot.containers.value().is_none());
}
