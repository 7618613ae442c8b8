//! Tests of config parsing: defaults, every key, and errors that name key and line.

use super::*;

#[track_caller]
fn check_error(text: &str, expected: &[&str]) {
    let error = Config::parse(text, "app.toml").unwrap_err().to_string();
    for needle in expected {
        assert!(error.contains(needle), "{needle:?} not in:\n{error}");
    }
}

#[test]
fn empty_file_is_the_default() {
    let config = Config::parse("", "app.toml").unwrap();
    assert_eq!(config, Config::default());
    assert_eq!(config.collect.interval, Duration::from_secs(30));
    assert_eq!(config.collect.deadline, Duration::from_secs(2));
    assert_eq!(config.http.bind.to_string(), "127.0.0.1:8484");
    assert_eq!(config.host.disk_paths, [PathBuf::from("/")]);
}

#[test]
fn every_key_parses() {
    let text = r#"
        [service]
        name = "agent-host"
        [collect]
        interval = "1m"
        deadline = "500ms"
        [http]
        bind = "127.0.0.1:9000"
        [host]
        disk_paths = ["/", "/var"]
        [state]
        dir = "/var/lib/app/status"
    "#;
    let config = Config::parse(text, "app.toml").unwrap();
    assert_eq!(config.service.name.as_deref(), Some("agent-host"));
    assert_eq!(config.collect.interval, Duration::from_secs(60));
    assert_eq!(config.collect.deadline, Duration::from_millis(500));
    assert_eq!(config.http.bind.port(), 9000);
    assert_eq!(config.host.disk_paths.len(), 2);
    assert_eq!(config.state_dir(), PathBuf::from("/var/lib/app/status"));
}

#[test]
fn interval_bounds_are_inclusive() {
    for (text, ok) in [("5s", true), ("300s", true), ("4999ms", false), ("301s", false)] {
        let result = Config::parse(&format!("[collect]\ninterval = \"{text}\""), "app.toml");
        assert_eq!(result.is_ok(), ok, "{text}: {result:?}");
    }
}

#[test]
fn errors_name_the_key_the_line_and_the_file() {
    check_error(
        "[collect]\ninterval = \"2s\"\n",
        &["app.toml", "line 2", "collect.interval", "\"2s\""],
    );
    check_error("\n[collect]\ninterval = \"soon\"\n", &["line 3", "collect.interval", "soon"]);
    check_error("[collect]\nintervall = \"30s\"\n", &["line 2", "unknown field `intervall`"]);
    check_error("[nope]\n", &["unknown field `nope`"]);
    check_error("[http]\nbind = \"localhost\"\n", &["line 2", "bind"]);
    check_error("[collect\n", &["line 1"]);
}

#[test]
fn a_missing_file_names_the_path() {
    let error = Config::load(Path::new("/nonexistent/status.toml")).unwrap_err().to_string();
    assert!(error.contains("/nonexistent/status.toml"), "{error}");
}

#[test]
fn load_or_default_gives_the_defaults_only_when_there_is_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("status.toml");
    assert_eq!(Config::load_or_default(&missing).unwrap(), Config::default());
    std::fs::write(&missing, "[collect]\ninterval = \"10s\"\n").unwrap();
    let loaded = Config::load_or_default(&missing).unwrap();
    assert_eq!(loaded.collect.interval, std::time::Duration::from_secs(10));
    std::fs::write(&missing, "[nope]\n").unwrap();
    assert!(Config::load_or_default(&missing).is_err());
    // A directory where the file should be is an error, not the defaults.
    let error = Config::load_or_default(dir.path()).unwrap_err().to_string();
    assert!(error.contains("failed to read config file"), "{error}");
}

#[test]
fn repos_and_deploy_parse_with_defaults() {
    let text = r#"
        [[repos]]
        path = "/srv/app"

        [[repos]]
        path = "/srv/tools.git"
        name = "tools"
        main_branch = "trunk"
        worktrees = false
        snapshot_refs = "refs/heads/snap/**"

        [deploy]
        repo = "/srv/app"
    "#;
    let config = Config::parse(text, "app.toml").unwrap();
    assert_eq!(config.repos.len(), 2);
    let app = &config.repos[0];
    assert_eq!(app.display_name(), "app");
    assert_eq!((app.main_branch.as_deref(), app.worktrees), (None, true));
    assert_eq!(app.snapshot_refs, "refs/heads/snapshot/*");
    let tools = &config.repos[1];
    assert_eq!(tools.display_name(), "tools");
    assert_eq!((tools.main_branch.as_deref(), tools.worktrees), (Some("trunk"), false));
    assert_eq!(config.deploy.checkout(&config.repos), Some(Path::new("/srv/app")));
}

#[test]
fn the_deploy_checkout_defaults_to_the_first_repo_and_else_is_none() {
    let config = Config::parse("[[repos]]\npath = \"/srv/first\"\n", "app.toml").unwrap();
    assert_eq!(config.deploy.checkout(&config.repos), Some(Path::new("/srv/first")));
    assert_eq!(Config::default().deploy.checkout(&[]), None);
}

#[test]
fn repo_errors_name_the_key_and_line() {
    check_error("[[repos]]\nname = \"x\"\n", &["line 1", "missing field `path`"]);
    check_error(
        "[[repos]]\npath = \"/a\"\nworktree = true\n",
        &["line 3", "unknown field `worktree`"],
    );
    check_error(
        "[[repos]]\npath = \"/a/app\"\n[[repos]]\npath = \"/b/app\"\n",
        &["both named \"app\""],
    );
    check_error("[deploy]\nrepository = \"/a\"\n", &["line 2", "unknown field `repository`"]);
}

#[test]
fn http_security_keys_parse() {
    let text = r#"
        [http]
        bind = "0.0.0.0:8484"
        token_file = "/run/secrets/status-token"
        allow_unauthenticated_remote = false
        cors_origins = ["https://dash.example:8443", "*"]
        max_concurrent_requests = 8
        request_timeout = "5s"
        header_timeout = "2s"
        min_refresh = "500ms"
        [redact]
        defaults = false
        drop = ["custom.*.notes"]
        hash = ["queue.per_group", "tasks.tasks.group"]
    "#;
    let config = Config::parse(text, "app.toml").unwrap();
    assert_eq!(config.http.token_file, Some(PathBuf::from("/run/secrets/status-token")));
    assert_eq!(config.http.cors_origins.len(), 2);
    assert_eq!(config.http.max_concurrent_requests, 8);
    assert_eq!(config.http.header_timeout, Duration::from_secs(2));
    assert_eq!(config.http.min_refresh, Duration::from_millis(500));
    assert!(!config.redact.defaults);
    assert_eq!(config.redact.hash.len(), 2);
    let defaults = Config::default();
    assert_eq!(defaults.http.max_concurrent_requests, 64);
    assert_eq!(defaults.http.min_refresh, Duration::from_secs(1));
    assert!(defaults.redact.defaults && defaults.http.token_file.is_none());
}

#[test]
fn http_security_errors_name_the_key() {
    check_error("[http]\nmax_concurrent_requests = 0\n", &["line 2", "max_concurrent_requests"]);
    check_error("[http]\ncors_origins = [\"dash.example\"]\n", &["line 2", "cors_origins"]);
    check_error("[http]\ncors_origins = [\"https://a/b\"]\n", &["cors_origins", "no path"]);
    check_error("[http]\nheader_timeout = \"10ms\"\n", &["line 2", "http.header_timeout"]);
    check_error("[http]\ntoken = \"abc\"\n", &["line 2", "unknown field `token`"]);
    check_error("[redact]\nhash = [\"a..b\"]\n", &["line 2", "empty segment"]);
    check_error("[redact]\ndrop = [\"**\"]\n", &["line 2", "every field"]);
}

#[test]
fn workers_and_traces_parse_and_their_bounds_name_the_key() {
    let config = Config::parse(
        "[workers]\nsocket = \"/run/app/workers.sock\"\nheartbeat_interval = \"2s\"\n\
         stale_after_intervals = 5\n[traces]\ntargets = [\"pool\"]\nmax_events = 500\n\
         deny_fields = [\"*cookie*\"]\n",
        "<string>",
    )
    .unwrap();
    assert_eq!(
        config.workers.socket.as_deref(),
        Some(std::path::Path::new("/run/app/workers.sock"))
    );
    assert_eq!(config.workers.heartbeat_interval, Duration::from_secs(2));
    assert_eq!(config.workers.stale_after_intervals, 5);
    assert_eq!((config.traces.max_events, config.traces.max_events_per_execution), (500, 256));
    assert_eq!(config.traces.deny_fields, ["*cookie*"]);
    check_error(
        "[workers]\nstale_after_intervals = 0\n",
        &["workers.stale_after_intervals", "line 2"],
    );
    check_error("[workers]\nheartbeat_interval = \"10ms\"\n", &["workers.heartbeat_interval"]);
    check_error("[traces]\nmax_event = 1\n", &["unknown field `max_event`"]);
}

#[test]
fn config_errors_never_echo_a_urls_password() {
    for text in [
        "[http]\nbind = \"postgres://app:Hunter2pass@db.internal:5432/app\"\n",
        "[collect]\nurl = \"https://deploy:Hunter2pass@example.com/x\"\n",
        "[redact]\nbogus = \"password=Hunter2pass\"\n",
    ] {
        let error = Config::parse(text, "status.toml").unwrap_err().to_string();
        assert!(!error.contains("Hunter2pass"), "{error}");
        assert!(error.contains("status.toml"), "{error}");
        // toml quotes the line; the password in it is what was scrubbed.
        assert!(error.contains(status_model::redact::REDACTED), "{error}");
    }
}
