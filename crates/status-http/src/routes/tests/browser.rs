//! The page for browsers: the login form and its session cookie, the panels, words that never
//! break, colours; `/healthz` and `/readyz/{check}` for checks that are not critical.

use hyper::header::{COOKIE, LOCATION, SET_COOKIE, WWW_AUTHENTICATE};
use status_model::{
    BrokerSection, InFlightOperation, OperationRecord, RecentOperationsSection, ScheduledJob,
    SchedulerSection,
};

use super::*;
use crate::Mount;

const TOKEN: &str = "correct-horse-battery-staple";

fn protected() -> StatusService {
    service_with(Some(snapshot(Outcome::Ok, false)))
        .with_token(Some(Token::new(TOKEN.as_bytes()).unwrap()))
}

struct Answer {
    status: StatusCode,
    headers: hyper::HeaderMap,
    body: String,
}

/// Sends `method path` with `headers` and `body` through the `Service` impl (which reads bodies).
fn call(
    service: &impl hyper::service::Service<
        Request<String>,
        Response = crate::reply::Reply,
        Error = std::convert::Infallible,
    >,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    let mut request = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    let response = rt.block_on(service.call(request.body(body.to_owned()).unwrap())).unwrap();
    let (parts, body) = response.into_parts();
    let bytes = rt.block_on(body.collect()).unwrap().to_bytes();
    Answer {
        status: parts.status,
        headers: parts.headers,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

const FORM: &[(&str, &str)] = &[("content-type", "application/x-www-form-urlencoded")];

/// The session cookie a successful login sets (`name=value`).
fn log_in(service: &StatusService) -> String {
    let answer = call(service, Method::POST, "/login", FORM, &format!("token={TOKEN}"));
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let cookie = answer.headers[SET_COOKIE].to_str().unwrap();
    cookie.split(';').next().unwrap().to_owned()
}

#[test]
fn a_browser_without_the_token_gets_the_login_form() {
    let service = protected();
    let answer = call(&service, Method::GET, "/", &[], "");
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.headers[CONTENT_TYPE], "text/html; charset=utf-8");
    assert_eq!(answer.headers[WWW_AUTHENTICATE], "Bearer realm=\"status\"");
    assert!(
        answer.headers["content-security-policy"].to_str().unwrap().contains("form-action 'self'")
    );
    assert!(answer.body.contains("<form class=\"card\" method=\"post\" action=\"/login\">"));
    assert!(answer.body.contains("name=\"token\" type=\"password\""));
    assert!(!answer.body.contains("agent-host"), "the form names nothing about the service");
    assert!(!answer.body.contains("http-equiv=\"refresh\""), "the form does not reload itself");
    // Machines still get JSON 401s on the other routes.
    let answer = call(&service, Method::GET, "/status", &[], "");
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.headers[CONTENT_TYPE], "application/json");
}

#[test]
fn a_wrong_token_shows_the_form_again_with_an_error() {
    let service = protected();
    for body in ["token=wrong", "", "other=x", "token=", &format!("token={TOKEN}x")] {
        let answer = call(&service, Method::POST, "/login", FORM, body);
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{body}");
        assert!(answer.headers.get(SET_COOKIE).is_none(), "{body}");
        assert!(answer.body.contains("That token is not valid."), "{body}");
        assert!(answer.body.contains("action=\"/login\""), "{body}");
    }
}

#[test]
fn the_session_cookie_opens_get_views_until_logout() {
    let service = protected();
    let answer = call(&service, Method::POST, "/login", FORM, &format!("token={TOKEN}"));
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.headers[LOCATION], "/");
    let set = answer.headers[SET_COOKIE].to_str().unwrap();
    assert!(set.starts_with("status_session="), "{set}");
    for attribute in ["; Path=/;", "; HttpOnly", "; SameSite=Strict", "; Max-Age=43200"] {
        assert!(set.contains(attribute), "{attribute} missing from {set}");
    }
    assert!(!set.contains(TOKEN), "the cookie is not the token");
    let cookie = set.split(';').next().unwrap().to_owned();
    let with_cookie = [(COOKIE.as_str(), cookie.as_str())];

    let page = call(&service, Method::GET, "/", &with_cookie, "");
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<h1>Healthy</h1>"), "{}", page.body);
    assert!(page.body.contains("action=\"/logout\""), "a session offers logout");
    assert_eq!(call(&service, Method::GET, "/status", &with_cookie, "").status, StatusCode::OK);
    assert_eq!(call(&service, Method::HEAD, "/metrics", &with_cookie, "").status, StatusCode::OK);
    // Only GET views: another method with the cookie is still refused.
    assert_eq!(
        call(&service, Method::DELETE, "/status", &with_cookie, "").status,
        StatusCode::METHOD_NOT_ALLOWED
    );
    // A wrong bearer token is not rescued by the cookie.
    let both = [(COOKIE.as_str(), cookie.as_str()), ("authorization", "Bearer nope")];
    assert_eq!(call(&service, Method::GET, "/status", &both, "").status, StatusCode::UNAUTHORIZED);
    // The bearer token alone still works, and a page seen with it offers no logout.
    let bearer = format!("Bearer {TOKEN}");
    let page = call(&service, Method::GET, "/", &[("authorization", &bearer)], "");
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("/logout"));

    let out = call(&service, Method::POST, "/logout", &with_cookie, "");
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.headers[LOCATION], "/");
    assert!(out.headers[SET_COOKIE].to_str().unwrap().contains("Max-Age=0"));
    let after = call(&service, Method::GET, "/", &with_cookie, "");
    assert_eq!(after.status, StatusCode::UNAUTHORIZED, "the session ended server-side");
    assert!(after.body.contains("name=\"token\""));
    // A made-up cookie opens nothing.
    let forged = format!("status_session={}", "0".repeat(64));
    let forged = call(&service, Method::GET, "/status", &[(COOKIE.as_str(), &forged)], "");
    assert_eq!(forged.status, StatusCode::UNAUTHORIZED);
}

#[test]
fn only_the_login_and_logout_paths_take_a_post_with_a_small_body() {
    let service = protected();
    let answer = call(&service, Method::POST, "/status", FORM, "token=x");
    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(answer.headers[ALLOW], "GET, HEAD");
    let answer = call(&service, Method::GET, "/login", &[], "");
    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(answer.headers[ALLOW], "POST");
    let big = format!("token={}", "a".repeat(5000));
    assert_eq!(
        call(&service, Method::POST, "/login", FORM, &big).status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let cross = [("sec-fetch-site", "cross-site")];
    let answer = call(&service, Method::POST, "/login", &cross, &format!("token={TOKEN}"));
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(answer.headers.get(SET_COOKIE).is_none());
    // Without a token there is nothing to sign in to.
    let open = service_with(Some(snapshot(Outcome::Ok, false)));
    assert_eq!(call(&open, Method::POST, "/login", FORM, "token=x").status, StatusCode::NOT_FOUND);
    // `respond` does not read bodies: it says so instead of refusing the token.
    let request = Request::post("/login").body(format!("token={TOKEN}")).unwrap();
    assert_eq!(service.respond(&request).status(), StatusCode::BAD_REQUEST);
}

#[test]
fn under_a_mount_the_form_links_and_cookie_stay_inside_it() {
    let mount = Mount::new("/ops/status", protected()).unwrap();
    let redirect = call(&mount, Method::GET, "/ops/status", &[], "");
    assert_eq!(redirect.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(redirect.headers[LOCATION], "/ops/status/");
    let form = call(&mount, Method::GET, "/ops/status/", &[], "");
    assert!(form.body.contains("action=\"/ops/status/login\""), "{}", form.body);
    let answer = call(&mount, Method::POST, "/ops/status/login", FORM, &format!("token={TOKEN}"));
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.headers[LOCATION], "/ops/status/");
    let set = answer.headers[SET_COOKIE].to_str().unwrap();
    assert!(set.contains("; Path=/ops/status;"), "{set}");
    let cookie = set.split(';').next().unwrap();
    let page = call(&mount, Method::GET, "/ops/status/", &[(COOKIE.as_str(), cookie)], "");
    assert_eq!(page.status, StatusCode::OK);
    for link in [
        "href=\"/ops/status/status\"",
        "href=\"/ops/status/metrics\"",
        "action=\"/ops/status/logout\"",
    ] {
        assert!(page.body.contains(link), "{link} missing");
    }
    // A host whose router strips the prefix (axum's nest_service) tells the service instead.
    let nested = protected().with_path_prefix("/ops/status/");
    let cookie = log_in(&nested);
    let page = call(&nested, Method::GET, "/", &[(COOKIE.as_str(), &cookie)], "");
    assert!(page.body.contains("href=\"/ops/status/health\""));
}

#[test]
fn healthz_answers_as_livez() {
    let service = protected();
    for path in ["/healthz", "/healthz?verbose"] {
        let livez = call(&service, Method::GET, &path.replace("healthz", "livez"), &[], "");
        let healthz = call(&service, Method::GET, path, &[], "");
        assert_eq!((healthz.status, healthz.body), (livez.status, livez.body), "{path}");
    }
    check(&service_with(None), "/healthz", StatusCode::OK, "ok");
}

#[test]
fn readyz_answers_for_every_check_and_a_non_critical_failure_is_200_with_its_reason() {
    // The runtime section timed out: `collectors` (not critical) does not pass.
    let service = service_with(Some(snapshot(Outcome::Timeout, false)));
    let reply = get(&service, "/readyz/collectors");
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.starts_with("[!]collectors "), "{}", reply.body);
    assert!(reply.body.contains("(not critical): "), "{}", reply.body);
    assert!(reply.body.contains("runtime"), "the reason names the section: {}", reply.body);
    assert!(reply.body.ends_with("readyz check passed\n"), "{}", reply.body);
    check(&service, "/readyz/event_loop_lag", StatusCode::OK, "ok");
    check(&service, "/readyz/nope", StatusCode::NOT_FOUND, "no such readiness check: nope\n");
    // Without the token the reason is withheld.
    let protected = service_with(Some(snapshot(Outcome::Timeout, false)))
        .with_token(Some(Token::new(TOKEN.as_bytes()).unwrap()));
    let reply = get(&protected, "/readyz/collectors");
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.contains(": reason withheld\n"), "{}", reply.body);
}

/// The fixture with the sections behind the panels: two operations in flight, a failed and a
/// good operation, scheduled jobs.
fn busy_snapshot() -> Snapshot {
    let mut snapshot = snapshot(Outcome::Timeout, false);
    for name in ["broker", "recent_operations", "scheduler"] {
        snapshot
            .collection
            .sections
            .insert(name.to_owned(), SectionReport::ok(0.1, BTreeMap::new()));
    }
    snapshot.put(SectionData::Broker(BrokerSection {
        last_operation_at: Some(Timestamp::now()),
        in_flight_count: 2,
        in_flight: vec![
            InFlightOperation {
                operation_id: "op-7f3a9c2e-51b4-4d0e-9a43-6c1f0b8e2d17".into(),
                tool: "web__search".into(),
                tier: Some("T0".into()),
                elapsed_s: Some(68.0),
            },
            InFlightOperation {
                operation_id: "op-2".into(),
                tool: "shell__run".into(),
                tier: None,
                elapsed_s: None,
            },
        ],
        last_10_results: BTreeMap::from([("success".to_owned(), 9), ("error".to_owned(), 1)]),
    }));
    let operation = |id: &str, status: &str, error: Option<&str>| OperationRecord {
        operation_id: id.into(),
        timestamp: Some(Timestamp::now()),
        capability: Some("browser".into()),
        action: Some("open".into()),
        tier: Some("T1".into()),
        status: Some(status.into()),
        duration_ms: Some(1200.0),
        error_summary: error.map(str::to_owned),
    };
    snapshot.put(SectionData::RecentOperations(RecentOperationsSection {
        operations: vec![
            operation("op-ok", "success", None),
            operation("op-bad", "error", Some("navigation timed out after 30 s")),
        ],
    }));
    snapshot.put(SectionData::Scheduler(SchedulerSection {
        last_tick_at: Some(Timestamp::now()),
        next_jobs: vec![ScheduledJob {
            name: "nightly-digest".into(),
            next_run_at: Some(Timestamp::now() + jiff::SignedDuration::from_secs(600)),
        }],
        active_jobs: 0,
    }));
    snapshot.health = Some(HealthEvaluator::new(&HealthConfig::default()).evaluate(&snapshot));
    snapshot
}

#[test]
fn panels_come_first_in_their_order() {
    let page = get(&service_with(Some(busy_snapshot())), "/").body;
    let at =
        |needle: &str| page.find(needle).unwrap_or_else(|| panic!("{needle} missing:\n{page}"));
    let order = [
        at("<h2>Operations in flight</h2>"),
        at("<h2>Latest errors</h2>"),
        at("<h2>Next runs</h2>"),
        at("<h2>Health checks</h2>"),
        at("<h2>runtime</h2>"),
    ];
    assert!(order.is_sorted(), "{order:?}");
    let errors = &page[order[1]..order[2]];
    assert!(errors.contains("browser__open</span></b> error "), "{errors}");
    // `error_summary` is a reason: the default redaction keeps it (scrubbed of secrets).
    assert!(errors.contains("navigation timed out"), "{errors}");
    assert!(!errors.contains("op-ok"), "{errors}");
    assert!(errors.contains("section timeout: runtime"), "the section in error: {errors}");
    assert!(errors.contains("check "), "the failing check with its reason: {errors}");
    let in_flight = &page[order[0]..order[1]];
    assert!(in_flight.contains("<b>web__search</b> · tier T0 · 1m 8s"), "{in_flight}");
    assert!(in_flight.contains("<b>shell__run</b> · n/a"), "{in_flight}");
    assert!(page[order[2]..order[3]].contains("nightly-digest"));
    // Without those sections there are no such panels (latest errors is always there).
    let plain = get(&service_with(Some(snapshot(Outcome::Ok, false))), "/").body;
    assert!(!plain.contains("Operations in flight") && !plain.contains("Next runs"));
    assert!(plain.contains("<h2>Latest errors</h2><p class=\"empty\">No errors</p>"));
}

#[test]
fn words_never_break_and_long_ones_carry_the_whole_value() {
    let page = get(&service_with(Some(busy_snapshot())), "/").body;
    let id = "op-7f3a9c2e-51b4-4d0e-9a43-6c1f0b8e2d17";
    assert!(
        page.contains(&format!("<span class=\"t\" title=\"{id}\">{id}</span>")),
        "a long token gets its box and title"
    );
    assert!(!page.contains("overflow-wrap:anywhere") && !page.contains("break-all"));
    assert!(page.contains("word-break:normal"));
    // One word for what was not measured; empty lists read as the text views read them.
    assert!(!page.contains(">None<"), "{page}");
    assert!(page.contains("<span class=\"na\">n/a</span>") || page.contains("· n/a"));
}

/// WCAG 2 relative luminance of `#rrggbb` or `#rgb`.
fn luminance(hex: &str) -> f64 {
    let hex = hex.trim_start_matches('#');
    let hex: String =
        if hex.len() == 3 { hex.chars().flat_map(|c| [c, c]).collect() } else { hex.to_owned() };
    let channel = |i: usize| {
        let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
        if c <= 0.03928 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
    };
    0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4)
}

fn contrast(a: &str, b: &str) -> f64 {
    let (a, b) = (luminance(a), luminance(b));
    (a.max(b) + 0.05) / (a.min(b) + 0.05)
}

/// The custom properties of one `:root{…}` block of the page's CSS.
fn palette(block: &str) -> BTreeMap<String, String> {
    let body = &block[block.find(":root{").unwrap() + 6..];
    let body = &body[..body.find('}').unwrap()];
    body.split(';')
        .filter_map(|declaration| declaration.strip_prefix("--")?.split_once(':'))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
}

#[test]
fn colours_meet_wcag_aa_in_light_and_dark() {
    let page = get(&service_with(Some(snapshot(Outcome::Ok, false))), "/").body;
    let css = &page[page.find("<style>").unwrap()..page.find("</style>").unwrap()];
    let dark_at = css.find("@media (prefers-color-scheme:dark)").unwrap();
    let light = palette(&css[..dark_at]);
    let mut dark = light.clone();
    dark.extend(palette(&css[dark_at..]));
    assert_ne!(light["pass"], dark["pass"]);
    for (scheme, colours) in [("light", &light), ("dark", &dark)] {
        let mut pairs = vec![
            ("text on background", "fg", "bg"),
            ("text on cards", "fg", "card"),
            ("muted text on cards", "muted", "card"),
            ("muted text on background", "muted", "bg"),
            ("button text", "card", "fg"),
        ];
        for state in ["pass", "warn", "fail"] {
            pairs.push(("banner text", "on-state", state));
            pairs.push(("state colour on cards", state, "card"));
        }
        for (what, fg, bg) in pairs {
            let ratio = contrast(&colours[fg], &colours[bg]);
            assert!(ratio >= 4.5, "{scheme}: {what} ({fg} on {bg}) is {ratio:.2}:1, under 4.5:1");
        }
    }
    // The banner's text colour is the one computed above.
    assert!(css.contains(".banner{padding:1rem 1.25rem;color:var(--on-state)}"));
}
