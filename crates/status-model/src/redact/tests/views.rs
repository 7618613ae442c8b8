//! Every view is rendered from the redacted value.

use super::*;

/// The views render from the redacted value: a dropped field is in no view, and nothing else is
/// garbled.
#[test]
fn views_of_the_redacted_value_never_show_a_dropped_field() {
    use crate::render::{Options, Style, View, render_value};
    let snapshot = crate::fixture::full();
    let redactor = redactor(&["host.hostname", "notifier.oldest_pending_age_seconds"], &[]);
    let redacted = redactor.redact_snapshot(&snapshot).unwrap();
    let mut views = vec![View::Overview, View::Resources, View::Health, View::Collection];
    views.extend(crate::SectionName::ALL.iter().map(|&name| View::Section(name)));
    let options = Options { limit: None, ..Options::new(Style::Plain) };
    for view in views {
        let text = render_value(Some(&redacted.value), view, &options);
        assert!(!text.contains("bot-1"), "{view}: {text}");
        // (`messages.oldest_pending_at` is another field, kept.)
        assert!(!text.contains("oldest 2") && !text.contains("21m"), "{view}: {text}");
        assert!(!text.contains(REDACTED), "{view}: {text}");
    }
    // The unredacted views show both: the assertions above can fail.
    let open = serde_json::to_value(&snapshot).unwrap();
    let text = render_value(Some(&open), View::Overview, &options)
        + &render_value(Some(&open), View::Resources, &options);
    assert!(text.contains("bot-1") && text.contains("oldest 21m"), "{text}");
}

/// The corpus planted in every reason of a full snapshot: no secret in the JSON, the terse
/// projection or any text view; every name kept.
#[test]
fn the_corpus_leaves_no_secret_in_any_view_and_keeps_every_name() {
    use crate::render::{Options, Style, View, render_value};
    let mut value = crate::fixture::with_later_sections();
    value["health"] = serde_json::to_value(crate::fixture::full().health).unwrap();
    let reasons = corpus::SECRETS.iter().map(|(_, text)| *text).collect::<Vec<_>>();
    // Reasons in sections, in the collection report and in health messages.
    let channels = value["channels"].as_object_mut().unwrap();
    for (index, name) in corpus::NAMES.iter().enumerate() {
        channels.insert(
            (*name).to_owned(),
            json!({"connected": false, "since": null, "last_error": reasons[index % reasons.len()]}),
        );
    }
    for (index, report) in
        value["collection"]["sections"].as_object_mut().unwrap().values_mut().enumerate()
    {
        report["reason"] = json!(reasons[(index + 7) % reasons.len()]);
    }
    for (index, check) in value["health"]["checks"].as_array_mut().unwrap().iter_mut().enumerate() {
        check["message"] = json!(reasons[(index + 13) % reasons.len()]);
    }
    value["custom"] =
        json!({"db": {"note": reasons.join(" | "), "api_key": "AKIAIOSFODNN7EXAMPLE"}});
    Redactor::new(Redactor::default_drop(), Vec::new(), KEY).redact_snapshot_value(&mut value);
    let mut surfaces =
        vec![value.to_string(), serde_json::to_string(&crate::terse::terse_value(&value)).unwrap()];
    let options = Options { limit: None, ..Options::new(Style::Plain) };
    let mut views = vec![View::Overview, View::Resources, View::Health, View::Collection];
    views.extend(crate::SectionName::ALL.iter().map(|&name| View::Section(name)));
    for view in views {
        surfaces.push(render_value(Some(&value), view, &options));
    }
    for surface in &surfaces {
        for (secret, _) in corpus::SECRETS {
            assert!(!surface.contains(secret), "{secret} in {surface}");
        }
    }
    let json = &surfaces[0];
    let channels_view =
        render_value(Some(&value), View::Section(crate::SectionName::Channels), &options);
    for name in corpus::NAMES {
        assert!(json.contains(name), "{name} missing from the JSON");
        assert!(channels_view.contains(name), "{name} missing from the channels view");
    }
}
