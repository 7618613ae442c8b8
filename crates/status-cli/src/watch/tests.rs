//! Keys and the header.

use crossterm::event::{KeyEventState, KeyModifiers};

use super::*;

fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
    KeyEvent { code, modifiers, kind: KeyEventKind::Press, state: KeyEventState::NONE }
}

#[test]
fn keys_quit_scroll_switch_and_help() {
    let plain = |code| action(key(code, KeyModifiers::NONE), false);
    assert_eq!(plain(KeyCode::Char('q')), Some(Action::Quit));
    assert_eq!(action(key(KeyCode::Char('c'), KeyModifiers::CONTROL), false), Some(Action::Quit));
    assert_eq!(plain(KeyCode::Char('c')), Some(Action::Show(View::Collection)));
    assert_eq!(plain(KeyCode::PageDown), Some(Action::Scroll(Move::PageDown)));
    assert_eq!(plain(KeyCode::Home), Some(Action::Scroll(Move::Home)));
    assert_eq!(plain(KeyCode::End), Some(Action::Scroll(Move::End)));
    assert_eq!(plain(KeyCode::Up), Some(Action::Scroll(Move::Up)));
    assert_eq!(plain(KeyCode::Char('?')), Some(Action::Help));
    assert_eq!(plain(KeyCode::Esc), None);
    assert_eq!(action(key(KeyCode::Esc, KeyModifiers::NONE), true), Some(Action::CloseHelp));
    let released =
        KeyEvent { kind: KeyEventKind::Release, ..key(KeyCode::Char('q'), KeyModifiers::NONE) };
    assert_eq!(action(released, false), None);
}

#[test]
fn the_header_names_the_service_and_its_health() {
    let snapshot = serde_json::json!({
        "service": {"name": "agent-host"},
        "health": {"status": "warn"},
        "collection": {"taken_at": "2020-01-01T00:00:00Z"},
    });
    let reading: Reading = Ok(Some(snapshot.clone()));
    let header =
        header("http://x", View::Overview, Duration::from_secs(2), Some(&reading), Some(&snapshot));
    assert_eq!(header.service.as_deref(), Some("agent-host"));
    assert_eq!(header.health.as_deref(), Some("warn"));
    assert!(header.state.starts_with("snapshot ") && !header.error, "{}", header.state);
    let failed: Reading = Err("unauthorized: x".into());
    let header = header_for_error(&failed, &snapshot);
    assert!(header.error && header.state.contains("unauthorized"), "{}", header.state);
    assert_eq!(header.service.as_deref(), Some("agent-host"), "the last good snapshot's name");
}

fn header_for_error(reading: &Reading, latest: &Value) -> Header {
    header("http://x", View::Health, Duration::from_secs(2), Some(reading), Some(latest))
}
