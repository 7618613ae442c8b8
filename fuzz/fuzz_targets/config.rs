//! Fuzz target: the config parser. Any text gives a config or an error, never a panic; a config that
//! parses also builds its redactor.

#![no_main]

use libfuzzer_sys::fuzz_target;
use status_collect::Config;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(config) = Config::parse(text, "fuzz.toml") {
        let _ = config.redact.redactor();
        let _ = config.state_dir();
    }
});
