//! The HTML status page in a real browser: headless Chromium (Debian's `chromium`, installed by
//! `.ci/run`) loads `/`, and the test reads the DOM it built and keeps a screenshot.

#![expect(clippy::disallowed_methods, reason = "the test runs Chromium as a child process")]

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use status_collect::{Config, Status};
use status_deps::NoDeps;
use status_http::StatusService;

const HOSTILE_PATH: &str = "/tmp/<script>alert(1)</script>";
const HOSTILE_NAME: &str = "<img src=x onerror=alert(2)>";

/// Runs headless Chromium with the flags this machine needs (no sandbox as root, no background
/// networking on a closed network) plus `args`; returns stdout.
fn chromium(profile: &Path, args: &[&str]) -> String {
    let output = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("chromium is installed (Debian package chromium)");
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_renders_in_chromium_with_every_value_escaped() {
    status_testkit::require_tools!("chromium");
    let text = format!(
        "[service]\nname = {HOSTILE_NAME:?}\n[host]\ndisk_paths = [\"/\", {HOSTILE_PATH:?}]\n[collect]\ninterval = \"30s\"\n"
    );
    let config = Config::parse(&text, "browser test").unwrap();
    let status = Status::spawn(&config, Arc::new(NoDeps));
    status.cache().subscribe().wait_for(Option::is_some).await.unwrap();
    let listener = status_http::bind(([127, 0, 0, 1], 0).into()).await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(status_http::serve(
        listener,
        StatusService::from_config(status.cache(), &config),
        std::future::pending(),
    ));

    let profile = tempfile::tempdir().unwrap();
    let dom = tokio::task::spawn_blocking({
        let (profile, url) = (profile.path().to_owned(), url.clone());
        move || chromium(&profile, &["--dump-dom", &url])
    })
    .await
    .unwrap();

    let banner =
        dom.split("<h1>").nth(1).and_then(|rest| rest.split("</h1>").next()).expect("a banner");
    assert!(["Healthy", "Degraded", "Unhealthy"].contains(&banner), "banner verdict {banner:?}");
    // One card for the checks, one per configured section.
    let configured = status.cache().latest().unwrap().snapshot.collection.sections.len();
    assert!(configured >= 5, "the standard sections and the pipeline's");
    assert_eq!(dom.matches("<section class=\"card").count(), 1 + configured, "{dom}");
    for section in ["service", "process", "host", "runtime", "pipeline"] {
        assert!(dom.contains(&format!("<h2>{section}</h2>")), "no card for {section}");
    }
    // The hostile values are text, not markup: the DOM has no element they could have created.
    assert!(dom.contains("/tmp/&lt;script&gt;alert(1)&lt;/script&gt;"), "{dom}");
    assert!(dom.contains("&lt;img src=x onerror=alert(2)&gt;"), "{dom}");
    assert!(!dom.contains("<script") && !dom.contains("<img"), "markup injected: {dom}");

    let artifact = Path::new(env!("CARGO_TARGET_TMPDIR")).join("status-page.png");
    let screenshot = format!("--screenshot={}", artifact.display());
    tokio::task::spawn_blocking({
        let profile = profile.path().to_owned();
        move || chromium(&profile, &["--window-size=1280,1100", &screenshot, &url])
    })
    .await
    .unwrap();
    let png = std::fs::read(&artifact).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "screenshot at {}",
        artifact.display()
    );
}
