//! `/`: the HTML status page. Server-rendered, no external assets, no JavaScript; it reloads itself
//! by `<meta http-equiv="refresh">`. Light and dark by `prefers-color-scheme`, both meeting WCAG AA
//! contrast. Every value from the snapshot is HTML-escaped.
//!
//! Layout: a banner with the verdict (Healthy / Degraded / Unhealthy) naming what fails; then the
//! panels an operator looks at first, when their sections exist: operations in flight (`broker`),
//! latest errors (failed operations, failing checks with their reasons, sections in error) and the
//! scheduler's next runs (`scheduler`, `tasks`); then the health checks, then a card per
//! configured section (sections whose collection did not go well first), each rendered from the
//! section's JSON.
//!
//! Values wrap at spaces only: a word longer than [`LONG_WORD`] characters is clipped with an
//! ellipsis where it does not fit, the full value in its `title`. A value that was not measured
//! reads `n/a`, as in the text views.
//!
//! Behind a token, a browser without it gets [`login`]: a form that posts the token once for a
//! session cookie (see `session`).

mod panels;

use std::fmt::Write;
use std::time::Duration;

use serde_json::Value;
use status_collect::Published;
use status_model::render::format;
use status_model::{HealthReport, HealthStatus, Outcome, Timestamp};

/// Words longer than this get their own box, clipped with an ellipsis when they do not fit.
const LONG_WORD: usize = 12;
/// Nesting rendered as lists; deeper values are shown as compact JSON.
const MAX_DEPTH: usize = 6;
/// What a value that was not measured reads as (the text views' word too).
pub(crate) const NA: &str = "n/a";

/// The colours, light then dark; `--on-state` is the banner's text on the state colours. The
/// contrast test reads them from here.
const COLOURS: &str = "\
:root{color-scheme:light dark;--bg:#f6f7f9;--card:#fff;--fg:#1c1e21;--muted:#5f6670;--line:#c9cfd6;\
--pass:#1a7f37;--warn:#9a6700;--fail:#cf222e;--on-state:#fff}\
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--card:#161b22;--fg:#e6edf3;--muted:#8d96a0;\
--line:#3d444d;--pass:#3fb950;--warn:#d29922;--fail:#f85149;--on-state:#0d1117}}";

const LAYOUT: &str = "\
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,sans-serif;background:var(--bg);color:var(--fg);\
overflow-wrap:normal;word-break:normal}\
.banner{padding:1rem 1.25rem;color:var(--on-state)}.banner h1{margin:0;font-size:1.6rem}.banner p{margin:.25rem 0 0}\
.banner.pass{background:var(--pass)}.banner.warn{background:var(--warn)}.banner.fail{background:var(--fail)}\
.banner.neutral{background:var(--card);color:var(--fg);border-bottom:1px solid var(--line)}\
main{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,22rem),1fr));gap:1rem;padding:1rem}\
.card{min-width:0;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.75rem 1rem}\
.card h2{margin:0 0 .5rem;font-size:1.1rem}.card.error,.card.timeout,.card.panicked{border-color:var(--fail)}\
.card.unavailable{border-color:var(--warn)}.panel{border-width:2px}\
dl{margin:0;display:grid;grid-template-columns:fit-content(45%) minmax(0,1fr);gap:.15rem .75rem}\
dt,dd{min-width:0}dt{color:var(--muted);overflow:hidden;text-overflow:ellipsis;white-space:nowrap}dd{margin:0}\
dd dl,li dl{display:block}dd dl>dd,li dl>dd{margin-left:.75rem}.na,.empty,footer{color:var(--muted)}\
ul{margin:0;padding-left:1.1rem}li{min-width:0}li.fail b{color:var(--fail)}li.warn b{color:var(--warn)}\
li.pass b{color:var(--pass)}\
.t{display:inline-block;max-width:100%;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;vertical-align:bottom}\
.outcome{margin:0 0 .5rem;color:var(--fail)}footer{padding:0 1rem 1rem;font-size:.85rem}a{color:inherit}\
footer form{display:inline}button{font:inherit;cursor:pointer;border-radius:6px;padding:.35rem .9rem;\
border:1px solid var(--fg);background:var(--fg);color:var(--card)}footer button{padding:.1rem .6rem}\
.login{display:block;max-width:26rem;margin:2rem auto}.login label{display:block;margin:.5rem 0 .25rem}\
.login input{width:100%;font:inherit;padding:.4rem;border:1px solid var(--muted);border-radius:6px;\
background:var(--card);color:var(--fg)}.login button{margin-top:.75rem}.login .error{color:var(--fail);margin:.25rem 0}";

/// Where the page's links and forms point.
pub(crate) struct Links<'a> {
    /// The mount's path prefix, empty at the root.
    pub(crate) prefix: &'a str,
    /// Whether to offer the logout button (the request came with a session cookie).
    pub(crate) logout: bool,
}

/// The page for a snapshot and its live report.
pub(crate) fn render(
    published: &Published,
    report: Option<&HealthReport>,
    age_seconds: f64,
    refresh: Duration,
    links: &Links<'_>,
    now: Timestamp,
) -> String {
    let status = report.map_or(HealthStatus::Pass, |report| report.status);
    let verdict = match status {
        HealthStatus::Pass => "Healthy",
        HealthStatus::Warn => "Degraded",
        HealthStatus::Fail => "Unhealthy",
    };
    let name = text_at(published, "service", "name").unwrap_or("status");
    let mut page = String::with_capacity(32 * 1024);
    head(&mut page, &format!("{name}: {verdict}"), Some(refresh));
    let _ = write!(
        page,
        "<header class=\"banner {}\"><h1>{verdict}</h1><p>{}",
        status.as_str(),
        words(name, name)
    );
    if let Some(version) = text_at(published, "service", "version") {
        let _ = write!(page, " {}", words(version, version));
    }
    if let Some(host) = text_at(published, "host", "hostname") {
        let _ = write!(page, " on {}", words(host, host));
    }
    let _ = write!(page, " · snapshot {} old", format::duration(age_seconds));
    if let Some(report) = report {
        let failing: Vec<String> = report
            .checks
            .iter()
            .filter(|check| check.status != HealthStatus::Pass)
            .map(|check| words(&check.name, &check.name))
            .collect();
        if !failing.is_empty() {
            let _ = write!(page, " · not passing: {}", failing.join(", "));
        }
    }
    page.push_str("</p></header><main>");
    panels::in_flight(&mut page, published, now);
    panels::errors(&mut page, published, report, now);
    panels::next_runs(&mut page, published, now);
    if let Some(report) = report {
        checks_card(&mut page, report);
    }
    sections(&mut page, published, now);
    let prefix = escape(links.prefix);
    let _ = write!(
        page,
        "</main><footer>Taken {} · <a href=\"{prefix}/status\">/status</a> · \
         <a href=\"{prefix}/health\">/health</a> · <a href=\"{prefix}/metrics\">/metrics</a> · \
         <a href=\"{prefix}/readyz?verbose\">/readyz</a>",
        escape(&format::value(
            "taken_at",
            &Value::String(published.collection.taken_at.to_string()),
            now
        ))
    );
    if links.logout {
        let _ = write!(
            page,
            " · <form method=\"post\" action=\"{prefix}/logout\"><button type=\"submit\">Sign out</button></form>"
        );
    }
    page.push_str("</footer></body></html>");
    page
}

/// The page before any snapshot exists.
pub(crate) fn no_snapshot(refresh: Duration) -> String {
    let mut page = String::new();
    head(&mut page, "status: starting", Some(refresh));
    page.push_str("<header class=\"banner warn\"><h1>Starting</h1><p>No snapshot collected yet.</p></header></body></html>");
    page
}

/// The login form, posting to `{prefix}/login`; `failed` after a wrong token. It does not reload
/// itself (that would clear what is being typed) and names nothing about the service.
pub(crate) fn login(prefix: &str, failed: bool) -> String {
    let mut page = String::new();
    head(&mut page, "status: sign in", None);
    let _ = write!(
        page,
        "<header class=\"banner neutral\"><h1>Status</h1><p>This page needs the status token.</p></header>\
         <main class=\"login\"><form class=\"card\" method=\"post\" action=\"{}/login\"><h2>Sign in</h2>",
        escape(prefix)
    );
    if failed {
        page.push_str(
            "<p class=\"error\" role=\"alert\" id=\"login-error\">That token is not valid.</p>",
        );
    }
    page.push_str(
        "<label for=\"token\">Token</label><input id=\"token\" name=\"token\" type=\"password\" \
         autocomplete=\"current-password\" required autofocus><button type=\"submit\">Sign in</button>\
         </form></main></body></html>",
    );
    page
}

/// The value of `name` in an `application/x-www-form-urlencoded` body.
pub(crate) fn form_field(form: &[u8], name: &str) -> Option<String> {
    let form = std::str::from_utf8(form).ok()?;
    form.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (crate::probes::percent_decode(key) == name).then(|| crate::probes::percent_decode(value))
    })
}

fn head(page: &mut String, title: &str, refresh: Option<Duration>) {
    page.push_str(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">",
    );
    if let Some(refresh) = refresh {
        let _ =
            write!(page, "<meta http-equiv=\"refresh\" content=\"{}\">", refresh.as_secs().max(1));
    }
    let _ = write!(
        page,
        "<title>{}</title><style>{COLOURS}{LAYOUT}</style></head><body>",
        escape(title)
    );
}

/// `text` escaped, with each word longer than [`LONG_WORD`] in a box that is clipped with an
/// ellipsis where it does not fit and carries `full` in its `title`.
pub(crate) fn words(text: &str, full: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if word.chars().count() > LONG_WORD {
            let _ =
                write!(out, "<span class=\"t\" title=\"{}\">{}</span>", escape(full), escape(word));
        } else {
            out.push_str(&escape(word));
        }
    }
    out
}

/// A scalar field formatted by its unit (`format::value`), the raw value in the `title` of its long
/// words (a shortened sha keeps its whole value there).
fn scalar(key: &str, value: &Value, now: Timestamp) -> String {
    let shown = format::value(key, value, now);
    let full = match value {
        Value::String(text) => text.clone(),
        _ => shown.clone(),
    };
    if shown != full && !shown.contains(' ') {
        return format!("<span class=\"t\" title=\"{}\">{}</span>", escape(&full), escape(&shown));
    }
    words(&shown, &full)
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
            words(&check.name, &check.name),
            check.status.as_str(),
            words(&check.message, &check.message)
        );
    }
    page.push_str("</ul></section>");
}

/// A string field of a section in the redacted snapshot.
pub(crate) fn text_at<'a>(published: &'a Published, section: &str, field: &str) -> Option<&'a str> {
    published.value.get(section)?.get(field)?.as_str()
}

fn sections(page: &mut String, published: &Published, now: Timestamp) {
    let Value::Object(top) = &*published.value else { return };
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
            words(name, name)
        );
        if report.outcome != Outcome::Ok {
            let reason = report.reason.as_deref().unwrap_or("no reason given");
            let _ = write!(
                page,
                "<p class=\"outcome\">{}: {}</p>",
                report.outcome.as_str(),
                words(reason, reason)
            );
        }
        match &top[name.as_str()] {
            Value::Null => {
                let _ = write!(page, "<p class=\"na\">{NA}: never collected</p>");
            }
            value => render_value(page, name, value, 0, now),
        }
        page.push_str("</section>");
    }
}

/// Renders a JSON value: objects as definition lists, lists as nested lists, scalars formatted by
/// their field's unit. Empty objects and lists read `none` and null `n/a`, as in the text views.
fn render_value(page: &mut String, key: &str, value: &Value, depth: usize, now: Timestamp) {
    match value {
        Value::Object(map) if map.is_empty() => page.push_str("<span class=\"empty\">none</span>"),
        Value::Object(map) => {
            page.push_str("<dl>");
            for (key, child) in map {
                // A key is one word: its box clips it with an ellipsis, the whole key in its title.
                let _ = write!(page, "<dt title=\"{0}\">{0}</dt><dd>", escape(key));
                match child {
                    other if depth < MAX_DEPTH => render_value(page, key, other, depth + 1, now),
                    other => page.push_str(&words(&other.to_string(), &other.to_string())),
                }
                page.push_str("</dd>");
            }
            page.push_str("</dl>");
        }
        Value::Array(items) if items.is_empty() => {
            page.push_str("<span class=\"empty\">none</span>")
        }
        Value::Array(items) if items.iter().all(|item| !item.is_object() && !item.is_array()) => {
            let shown: Vec<String> = items.iter().map(|item| scalar(key, item, now)).collect();
            page.push_str(&shown.join(", "));
        }
        // Flat records (histogram buckets, label sets): one line each, `key value · key value`.
        Value::Array(items) if items.iter().all(is_flat_object) => {
            page.push_str("<ul>");
            for item in items.iter().filter_map(Value::as_object) {
                let pairs: Vec<String> = item
                    .iter()
                    .map(|(key, value)| format!("{} {}", words(key, key), scalar(key, value, now)))
                    .collect();
                let _ = write!(page, "<li>{}</li>", pairs.join(" · "));
            }
            page.push_str("</ul>");
        }
        Value::Array(items) => {
            page.push_str("<ul>");
            for item in items {
                page.push_str("<li>");
                render_value(page, key, item, depth + 1, now);
                page.push_str("</li>");
            }
            page.push_str("</ul>");
        }
        Value::Null => {
            let _ = write!(page, "<span class=\"na\">{NA}</span>");
        }
        scalar_value => page.push_str(&scalar(key, scalar_value, now)),
    }
}

/// An object whose values are all scalars.
fn is_flat_object(value: &Value) -> bool {
    value.as_object().is_some_and(|map| {
        !map.is_empty() && map.values().all(|value| !value.is_object() && !value.is_array())
    })
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
