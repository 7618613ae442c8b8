//! Tests of the `[containers]`, `[gateway]`, `[terminals]` and `[processes]` tables.

use std::time::Duration;

use crate::config::Config;

#[test]
fn defaults_and_parsed_values() {
    let config = Config::default();
    assert!(config.processes.names.is_empty(), "no process names by default");
    assert!(config.terminals.enabled && config.containers.names.is_empty());
    assert_eq!(config.gateway.health_timeout, Duration::from_secs(5));

    let config = Config::parse(
        "[containers]\nnames = [\"litellm\"]\nsocket = \"/run/docker.sock\"\n\
         [gateway]\nhealth_timeout = \"2s\"\n[terminals]\nenabled = false\n[processes]\nnames = []\n",
        "<string>",
    )
    .unwrap();
    assert_eq!(config.containers.names, ["litellm"]);
    assert_eq!(config.containers.socket.as_deref(), Some(std::path::Path::new("/run/docker.sock")));
    assert_eq!(config.gateway.health_timeout, Duration::from_secs(2));
    assert!(!config.terminals.enabled && config.processes.names.is_empty());
}

#[test]
fn bad_values_name_the_key_and_line() {
    for (text, expected) in [
        ("[gateway]\nhealth_timeout = \"10m\"\n", "`gateway.health_timeout` must be between"),
        ("[containers]\nname = [\"x\"]\n", "unknown field `name`"),
        ("[terminals]\ntmux_dir = \"/tmp\"\n", "unknown field `tmux_dir`"),
    ] {
        let error = Config::parse(text, "<string>").unwrap_err().to_string();
        assert!(error.contains(expected) && error.contains("line 2"), "{text}: {error}");
    }
}
