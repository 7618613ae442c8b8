//! The views over fixture snapshots, pinned by insta; the length limit; the human formats.

use jiff::Timestamp;

use super::format::{ago, bytes, duration};
use super::*;
use crate::fixture::{T, before, busy, failing, full, with_later_sections};

/// Every view of `snapshot`, one after another under a `== view ==` line.
fn all_views(snapshot: Option<&Snapshot>, style: Style) -> String {
    let mut views = vec![View::Overview, View::Resources, View::Health, View::Collection];
    views.extend(SectionName::ALL.iter().map(|&name| View::Section(name)));
    views
        .into_iter()
        .map(|view| format!("== {view} ==\n{}", render_text(snapshot, view, style)))
        .collect()
}

#[test]
fn every_view_of_a_full_snapshot() {
    insta::assert_snapshot!("full_plain", all_views(Some(&full()), Style::Plain));
    insta::assert_snapshot!("full_markdown", all_views(Some(&full()), Style::Markdown));
}

#[test]
fn every_view_with_failing_sections() {
    insta::assert_snapshot!("failing_plain", all_views(Some(&failing()), Style::Plain));
}

#[test]
fn every_view_before_the_first_snapshot() {
    for style in [Style::Plain, Style::Markdown] {
        let text = all_views(None, style);
        for view in text.split("== ").skip(1) {
            let (_, body) = view.split_once(" ==\n").unwrap();
            assert_eq!(body, "status unavailable: no snapshot collected yet\n");
        }
    }
}

#[test]
fn sections_of_later_versions_render_from_their_json() {
    let json = with_later_sections();
    let options = Options::new(Style::Plain);
    let mut text = render_value(Some(&json), View::Overview, &options);
    let now = T.parse().ok();
    for name in ["terminals", "processes", "deploy", "repos", "channels", "containers", "queue"] {
        let doc = section::render(&json::Json::new(&json, now), name);
        text.push_str(&format!("== {name} ==\n{}", doc.write(Style::Plain, Some(TEXT_LIMIT))));
    }
    insta::assert_snapshot!("later_sections_plain", text);
}

#[test]
fn five_hundred_in_flight_fit_one_message() {
    let snapshot = busy(500);
    for style in [Style::Plain, Style::Markdown] {
        let text = render_text(Some(&snapshot), View::Overview, style);
        assert!(text.chars().count() <= TEXT_LIMIT, "{}", text.chars().count());
        assert!(text.contains("… and 495 more"), "{text}");
        // The generic broker view lists all 500, so it is the one that must cut.
        let text = render_text(Some(&snapshot), View::Section(SectionName::Broker), style);
        assert!(text.chars().count() <= TEXT_LIMIT, "{}", text.chars().count());
        let listed = text.matches("op-run-").count();
        let left_out: usize = text
            .split("… and ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no count of what was left out in {text}"));
        assert_eq!(listed + left_out, 500, "every operation is listed or counted");
        assert!(listed > 20, "as many as fit are listed, not a handful: {listed}");
    }
}

#[test]
fn a_huge_snapshot_is_cut_to_the_limit_in_every_view() {
    let mut snapshot = busy(2_000);
    if let crate::Slot::Present(host) = &mut snapshot.host {
        for n in 0..400 {
            host.disks.insert(format!("/mnt/disk-{n:03}"), None);
        }
    }
    let mut views = vec![View::Overview, View::Resources, View::Health, View::Collection];
    views.extend(SectionName::ALL.iter().map(|&name| View::Section(name)));
    for view in views {
        let text = render_text(Some(&snapshot), view, Style::Markdown);
        assert!(text.chars().count() <= TEXT_LIMIT, "{view}: {}", text.chars().count());
    }
    let resources = render_text(Some(&snapshot), View::Resources, Style::Plain);
    assert!(resources.contains("more\n"), "{resources}");
    let unlimited = render_snapshot(
        Some(&snapshot),
        View::Resources,
        &Options { style: Style::Plain, now: None, limit: None },
    );
    assert!(unlimited.contains("/mnt/disk-399"), "no limit, nothing cut");
}

#[test]
fn one_endless_line_is_cut_and_counted() {
    let mut snapshot = full();
    if let crate::Slot::Present(service) = &mut snapshot.service {
        service.version = Some("v".repeat(10_000));
    }
    let text = render_text(Some(&snapshot), View::Overview, Style::Plain);
    assert!(text.contains(&format!("{}…", "v".repeat(100))), "{text}");
    assert!(text.chars().count() < 2_000);
}

#[test]
fn ages_are_measured_from_the_given_clock() {
    let later = Options { style: Style::Plain, now: Some(before(-3_600)), limit: Some(TEXT_LIMIT) };
    let text = render_snapshot(Some(&full()), View::Overview, &later);
    assert!(text.contains("Operations: last 1h ago"), "{text}");
    assert!(text.contains("2026-03-01 12:00:00Z (1h ago)"), "{text}");
}

#[test]
fn view_names_parse() {
    for name in ["overview", "resources", "health", "collection", "broker", "app_jobs"] {
        assert_eq!(name.parse::<View>().unwrap().as_str(), name);
    }
    let error = "nope".parse::<View>().unwrap_err().to_string();
    assert!(
        error.starts_with("unknown view `nope`: expected one of overview, resources"),
        "{error}"
    );
}

#[track_caller]
fn check_duration(seconds: f64, expected: &str) {
    assert_eq!(duration(seconds), expected, "{seconds}");
}

#[test]
fn human_durations() {
    check_duration(0.4, "0s");
    check_duration(59.9, "59s");
    check_duration(60.0, "1m 0s");
    check_duration(3_599.0, "59m 59s");
    check_duration(3_600.0, "1h 0m");
    check_duration(86_399.0, "23h 59m");
    check_duration(2.0 * 86_400.0 + 3.0 * 3_600.0 + 4.0 * 60.0 + 59.0, "2d 3h 4m");
    check_duration(-5.0, "0s");
    check_duration(f64::NAN, "0s");
}

#[test]
fn human_ages_and_sizes() {
    let now: Timestamp = T.parse().unwrap();
    assert_eq!(ago(before(12), now), "12s ago");
    assert_eq!(ago(before(300), now), "5m ago");
    assert_eq!(ago(before(3 * 3_600 + 59 * 60), now), "3h ago");
    assert_eq!(ago(before(2 * 86_400), now), "2d ago");
    assert_eq!(ago(before(-300), now), "in 5m");
    assert_eq!(bytes(512.0), "512 B");
    assert_eq!(bytes(1_536.0), "1.5 KiB");
    assert_eq!(bytes(16_000_000_000.0), "14.9 GiB");
}

/// Every character Telegram's MarkdownV2 reserves, and a backslash.
const RESERVED: &str = "_*[]()~`>#+-=|{}.!\\";

/// Checks `text` against the MarkdownV2 rules: a reserved character is either escaped with `\` or
/// is markup (`*` opening and closing bold on one line); `\` escapes only reserved characters.
#[track_caller]
fn check_markdown_v2(text: &str) {
    for line in text.lines() {
        let mut chars = line.chars();
        let mut bold = false;
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    let next = chars.next();
                    assert!(
                        next.is_some_and(|n| RESERVED.contains(n)),
                        "`\\` before {next:?} in {line:?}"
                    );
                }
                '*' => bold = !bold,
                c if RESERVED.contains(c) => panic!("unescaped {c:?} in {line:?}"),
                _ => {}
            }
        }
        assert!(!bold, "bold left open in {line:?}");
    }
}

#[test]
fn telegram_markdown_v2_escapes_every_reserved_character() {
    let name = format!("svc {RESERVED} end");
    let mut json = serde_json::to_value(full()).unwrap();
    json["service"]["name"] = name.clone().into();
    json["broker"]["in_flight"][0]["operation_id"] = format!("op{RESERVED}").into();
    json["broker"]["in_flight"][0]["tier"] = "0".into();
    let escaped: String = RESERVED.chars().flat_map(|c| ['\\', c]).collect();
    let options = Options::new(Style::Telegram);
    let overview = render_value(Some(&json), View::Overview, &options);
    assert!(overview.starts_with(&format!("*svc {escaped} end*")), "{overview}");
    assert!(overview.contains(&format!("• op{escaped} ")), "{overview}");
    assert!(overview.contains(" Tier 0 · "), "tiers are words: {overview}");
    let mut views = vec![View::Overview, View::Resources, View::Health, View::Collection];
    views.extend(SectionName::ALL.iter().map(|&name| View::Section(name)));
    for view in views {
        check_markdown_v2(&render_value(Some(&json), view, &options));
    }
    // CommonMark stays CommonMark: `**` bold, `-` bullets, `.` and `!` left alone.
    let common = render_value(Some(&json), View::Overview, &Options::new(Style::Markdown));
    assert!(common.starts_with("**svc \\_\\*\\[\\]()\\~\\`\\>#+-=|{}.!\\\\ end**"), "{common}");
}

#[test]
fn a_hard_cut_leaves_valid_markdown_v2() {
    // One long line of escapes and bold labels: cut anywhere, the text still follows the rules.
    let mut json = serde_json::to_value(full()).unwrap();
    json["service"]["name"] = ".".repeat(250).into();
    for limit in 120..160 {
        let options = Options { limit: Some(limit), ..Options::new(Style::Telegram) };
        let text = render_value(Some(&json), View::Overview, &options);
        assert!(text.chars().count() <= limit, "{limit}: {text}");
        check_markdown_v2(&text);
        assert!(text.contains("characters left out\\)"), "{text}");
    }
}

#[test]
fn the_resources_view_counts_snapshots() {
    let text = render_text(Some(&full()), View::Resources, Style::Plain);
    let sequence = full().collection.sequence;
    assert!(text.contains(&format!("Snapshots: {sequence} since start")), "{text}");
}
