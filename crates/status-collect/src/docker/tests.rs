//! Tests of the Docker endpoint resolution and the inspect parser.

use std::path::Path;

use super::*;

#[test]
fn the_endpoint_comes_from_config_then_docker_host_then_the_default() {
    let check = |configured: Option<&str>, docker_host: Option<&str>, expected: DockerEndpoint| {
        let endpoint =
            DockerEndpoint::resolve(configured.map(Path::new), docker_host.map(str::to_owned));
        assert_eq!(endpoint, expected, "{configured:?} {docker_host:?}");
    };
    let unix = |path: &str| DockerEndpoint::Unix(PathBuf::from(path));
    check(None, None, unix("/var/run/docker.sock"));
    check(None, Some(""), unix("/var/run/docker.sock"));
    check(None, Some("unix:///run/user/1000/docker.sock"), unix("/run/user/1000/docker.sock"));
    check(Some("/srv/docker.sock"), Some("unix:///elsewhere"), unix("/srv/docker.sock"));
    let DockerEndpoint::Unsupported(reason) =
        DockerEndpoint::resolve(None, Some("tcp://10.0.0.1:2375".into()))
    else {
        panic!("tcp is not read")
    };
    assert!(reason.contains("DOCKER_HOST=tcp://10.0.0.1:2375"), "{reason}");
}

#[test]
fn container_names_are_checked_before_they_go_into_a_path() {
    for name in ["gateway", "litellm-proxy_1", "a.b"] {
        assert!(valid_name(name), "{name}");
    }
    for name in ["", "-x", "../images", "a/b", "a b", "a?b"] {
        assert!(!valid_name(name), "{name}");
    }
}

#[test]
fn a_never_started_container_has_no_start_time() {
    let body =
        br#"{"State":{"Status":"created","StartedAt":"0001-01-01T00:00:00Z"},"RestartCount":0}"#;
    let status = parse_inspect(body).unwrap();
    assert_eq!(status.state, ContainerState::Created);
    assert_eq!(status.started_at, None);
    assert_eq!(status.health, None);
    assert!(parse_inspect(br#"{"State":{"Status":"sleepy"},"RestartCount":0}"#).is_err());
}
