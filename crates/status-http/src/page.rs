//! `/`: the HTML status page. Server-rendered, no external assets, no JavaScript; it reloads itself
//! by `<meta http-equiv="refresh">`. Light and dark by `prefers-color-scheme`. Every value from the
//! snapshot is HTML-escaped.
//!
//! Layout: a banner with the verdict (Healthy / Degraded / Unhealthy) naming what fails, the health
//! checks (failing and warning first), then a card per configured section (sections whose
//! collection did not go well first), each rendered from the section's JSON.

use std::fmt::Write;
use std::time::Duration;

use serde_json::Value;
use status_collect::Published;
use status_model::render::format;
use status_model::{HealthReport, HealthStatus, Outcome, Timestamp};

const STYLE: &str = "\
:root{color-scheme:light dark;--bg:#f6f7f9;--card:#fff;--fg:#1c1e21;--muted:#5f6670;--line:#dde1e6;\
--pass:#1a7f37;--warn:#9a6700;--fail:#cf222e}\
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--card:#161b22;--fg:#e6edf3;--muted:#8d96a0;\
--line:#30363d;--pass:#3fb950;--warn:#d29922;--fail:#f85149}}\
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,sans-serif;background:var(--bg);color:var(--fg)}\
.banner{padding:1rem 1.25rem;color:#fff}.banner h1{margin:0;font-size:1.6rem}.banner p{margin:.25rem 0 0}\
.banner.pass{background:var(--pass)}.banner.warn{background:var(--warn)}.banner.fail{background:var(--fail)}\
main{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,22rem),1fr));gap:1rem;padding:1rem}\
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.75rem 1rem;overflow-wrap:anywhere}\
.card h2{margin:0 0 .5rem;font-size:1.1rem}.card.error,.card.timeout,.card.panicked{border-color:var(--fail)}\
.card.unavailable{border-color:var(--warn)}dl{margin:0;display:grid;grid-template-columns:max-content 1fr;gap:.15rem .75rem}\
dt{color:var(--muted)}dd{margin:0}dd dl{grid-template-columns:max-content 1fr}.na,.empty,footer{color:var(--muted)}\
ul{margin:0;padding-left:1.1rem}li.fail b{color:var(--fail)}li.warn b{color:var(--warn)}li.pass b{color:var(--pass)}\
.outcome{margin:0 0 .5rem;color:var(--fail)}footer{padding:0 1rem 1rem;font-size:.85rem}a{color:inherit}";

/// The page for a snapshot and its live report.
pub(crate) fn render(
    published: &Published,
    report: Option<&HealthReport>,
    age_seconds: f64,
    refresh: Duration,
) -> String {
    let status = report.map_or(HealthStatus::Pass, |report| report.status);
    let verdict = match status {
        HealthStatus::Pass => "Healthy",
        HealthStatus::Warn => "Degraded",
        HealthStatus::Fail => "Unhealthy",
    };
    let name = text_at(published, "service", "name").unwrap_or("status");
    let mut page = String::with_capacity(32 * 1024);
    head(&mut page, &format!("{name}: {verdict}"), refresh);
    let _ = write!(
        page,
        "<header class=\"banner {}\"><h1>{verdict}</h1><p>{}",
        status.as_str(),
        escape(name)
    );
    if let Some(version) = text_at(published, "service", "version") {
        let _ = write!(page, " {}", escape(version));
    }
    if let Some(host) = text_at(published, "host", "hostname") {
        let _ = write!(page, " on {}", escape(host));
    }
    let _ = write!(page, " · snapshot {} old", format::duration(age_seconds));
    if let Some(report) = report {
        let failing: Vec<String> = report
            .checks
            .iter()
            .filter(|check| check.status != HealthStatus::Pass)
            .map(|check| escape(&check.name))
            .collect();
        if !failing.is_empty() {
            let _ = write!(page, " · not passing: {}", failing.join(", "));
        }
    }
    page.push_str("</p></header><main>");
    if let Some(report) = report {
        checks_card(&mut page, report);
    }
    sections(&mut page, published, Timestamp::now());
    // Relative links, so that the page still works mounted under a prefix (`Mount`).
    let _ = write!(
        page,
        "</main><footer>Taken {} · <a href=\"status\">/status</a> · <a href=\"health\">/health</a> · \
         <a href=\"metrics\">/metrics</a> · <a href=\"readyz?verbose\">/readyz</a></footer></body></html>",
        escape(&published.collection.taken_at.to_string())
    );
    page
}

/// The page before any snapshot exists.
pub(crate) fn no_snapshot(refresh: Duration) -> String {
    let mut page = String::new();
    head(&mut page, "status: starting", refresh);
    page.push_str("<header class=\"banner warn\"><h1>Starting</h1><p>No snapshot collected yet.</p></header></body></html>");
    page
}

fn head(page: &mut String, title: &str, refresh: Duration) {
    let _ = write!(
        page,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <meta http-equiv=\"refresh\" content=\"{}\"><title>{}</title><style>{STYLE}</style></head><body>",
        refresh.as_secs().max(1),
        escape(title)
    );
}

fn checks_card(page: &mut String, report: &HealthReport) {
    page.push_str("<section class=\"card checks\"><h2>Health checks</h2>");
    if report.checks.is_empty() {
        page.push_str("<p class=\"empty\">No checks configured</p></section>");
        return;
    }
    let mut checks: Vec<_> = report.checks.iter().collect();
    checks.sort_by_key(|check| std::cmp::Reverse(check.status));
    page.push_str("<ul>");
    for check in checks {
        let _ = write!(
            page,
            "<li class=\"{}\"><b>{}</b> {}: {}</li>",
            check.status.as_str(),
            escape(&check.name),
            check.status.as_str(),
            escape(&check.message)
        );
    }
    page.push_str("</ul></section>");
}

/// A string field of a section in the redacted snapshot.
pub(crate) fn text_at<'a>(published: &'a Published, section: &str, field: &str) -> Option<&'a str> {
    published.value.get(section)?.get(field)?.as_str()
}

fn sections(page: &mut String, published: &Published, now: Timestamp) {
    let Value::Object(top) = &published.value else { return };
    let reports = &published.collection.sections;
    let mut names: Vec<&String> = top.keys().filter(|key| reports.contains_key(*key)).collect();
    // Sections whose collection did not go well come first.
    names.sort_by_key(|name| reports[*name].outcome == Outcome::Ok);
    for name in names {
        let report = &reports[name];
        let _ = write!(
            page,
            "<section class=\"card {}\"><h2>{}</h2>",
            report.outcome.as_str(),
            escape(name)
        );
        if report.outcome != Outcome::Ok {
            let reason = report.reason.as_deref().unwrap_or("no reason given");
            let _ = write!(
                page,
                "<p class=\"outcome\">{}: {}</p>",
                report.outcome.as_str(),
                escape(reason)
            );
        }
        match &top[name.as_str()] {
            Value::Null => page.push_str("<p class=\"na\">Never collected</p>"),
            value => render_value(page, value, 0, now),
        }
        page.push_str("</section>");
    }
}

/// Renders a JSON value: objects as definition lists, lists inline or as nested lists.
fn render_value(page: &mut String, value: &Value, depth: usize, now: Timestamp) {
    match value {
        Value::Object(map) if map.is_empty() => page.push_str("<span class=\"empty\">None</span>"),
        Value::Object(map) => {
            page.push_str("<dl>");
            for (key, child) in map {
                let _ = write!(page, "<dt>{}</dt><dd>", escape(key));
                match child {
                    number @ Value::Number(_) => {
                        page.push_str(&escape(&format::value(key, number, now)))
                    }
                    other if depth < 4 => render_value(page, other, depth + 1, now),
                    other => page.push_str(&escape(&other.to_string())),
                }
                page.push_str("</dd>");
            }
            page.push_str("</dl>");
        }
        Value::Array(items) if items.is_empty() => {
            page.push_str("<span class=\"empty\">None</span>")
        }
        Value::Array(items) => {
            page.push_str("<ul>");
            for item in items {
                page.push_str("<li>");
                render_value(page, item, depth + 1, now);
                page.push_str("</li>");
            }
            page.push_str("</ul>");
        }
        Value::Null => page.push_str("<span class=\"na\">n/a</span>"),
        Value::String(text) => page.push_str(&escape(text)),
        Value::Bool(flag) => page.push_str(if *flag { "yes" } else { "no" }),
        Value::Number(number) => page.push_str(&escape(&number.to_string())),
    }
}

/// Escapes text for HTML element content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
