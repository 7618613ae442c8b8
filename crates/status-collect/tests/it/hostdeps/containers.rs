//! The `containers` section against a fake Docker Engine on a unix socket in a temp dir.

use std::sync::Arc;
use std::time::Duration;

use status_collect::testing::collectors::ContainersCollector;
use status_collect::testing::{CollectError, Collector, DockerEndpoint, Engine};
use status_model::{ContainerState, Outcome, SectionData};

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

/// A daemon whose first connection never answers (later ones do): the first collection fails within
/// the section's time, naming the request; the client closes that connection; the next collection
/// reads the container, so nothing of the hung request is waited on by a later cycle.
#[tokio::test]
async fn a_hung_docker_connection_is_dropped_and_the_next_cycle_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("docker.sock");
    let closed = support::serve_unix_first_hangs(&socket, support::docker_engine());
    let collector =
        ContainersCollector::new(names(&["litellm"]), DockerEndpoint::Unix(socket.clone()), None)
            .with_budget(Duration::from_millis(300));
    let engine = Engine::new(vec![Arc::new(collector)], Duration::from_secs(2));

    let first = engine.collect().await;
    let report = &first.collection.sections["containers"];
    assert_eq!(report.outcome, Outcome::Error, "{report:?}");
    let expected =
        format!("GET /containers/litellm/json on {} gave no answer within 300ms", socket.display());
    assert_eq!(report.reason.as_deref(), Some(expected.as_str()));
    assert_eq!(first.collection.abandoned_total, 0, "the collector gave up by itself");
    tokio::time::timeout(Duration::from_secs(5), closed)
        .await
        .expect("the client closed the hung connection")
        .unwrap();

    let second = engine.collect().await;
    let report = &second.collection.sections["containers"];
    assert_eq!(report.outcome, Outcome::Ok, "{report:?}");
    let containers = &second.containers.value().unwrap().containers;
    assert_eq!(containers["litellm"].state, ContainerState::Running);
}
