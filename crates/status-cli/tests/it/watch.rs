//! `status-cli watch` in a real terminal: tmux runs it against a real `status-cli serve`; the test
//! reads the screen with `capture-pane`, changes the host's state (an operation starts in its
//! database), sees the changed value highlighted, scrolls, opens the help, quits with `q` or Ctrl-C
//! and checks that the terminal is back: normal screen, cursor shown, canonical mode and echo on.
//! Each test runs a tmux server of its own (`-S`, a socket in a temporary directory) and kills it.
//! Without tmux the tests are skipped with a note, unless `CI=true`, where they fail naming it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::BIN;
use super::example::{ago, example, sqlite};

#[expect(clippy::print_stderr, reason = "a skipped test says why")]
fn skipped(reason: &str) {
    eprintln!("skipped: {reason}");
}

/// A tmux server of its own (private socket), killed when dropped.
struct Tmux {
    /// The server's socket, in a directory of its own (`-S`): tmux leaves its socket file behind
    /// when the server is killed, and under `-L` that file stayed in `/tmp/tmux-<uid>/` for good.
    socket: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Tmux {
    /// A server with one 120 × 40 window running `sh`; `None` (the test skipped) without tmux.
    fn start(name: &str) -> Option<Tmux> {
        Tmux::sized(name, 120, 40)
    }

    /// A server with one `cols` × `rows` window running `sh`; `None` without tmux.
    fn sized(name: &str, cols: u16, rows: u16) -> Option<Tmux> {
        if Command::new("tmux").arg("-V").output().is_err() {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "tmux is needed for the watch tests and is not installed"
            );
            skipped("tmux is not installed (the watch tests need it)");
            return None;
        }
        let dir =
            tempfile::Builder::new().prefix(&format!("status-watch-{name}-")).tempdir().unwrap();
        let tmux = Tmux { socket: dir.path().join("tmux"), _dir: dir };
        let (cols, rows) = (cols.to_string(), rows.to_string());
        tmux.run(&["-f", "/dev/null", "new-session", "-d", "-x", &cols, "-y", &rows, "sh"]);
        // The window keeps its size whatever clients attach.
        tmux.run(&["set-option", "-g", "window-size", "manual"]);
        Some(tmux)
    }

    fn run(&self, args: &[&str]) -> String {
        let output = Command::new("tmux").arg("-S").arg(&self.socket).args(args).output().unwrap();
        assert!(
            output.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// The screen's text; with `-e`, with its escape sequences.
    fn screen(&self, escapes: bool) -> String {
        if escapes {
            self.run(&["capture-pane", "-p", "-e"])
        } else {
            self.run(&["capture-pane", "-p"])
        }
    }

    /// Waits up to `seconds` for `found` to hold on the screen; the screen when it does.
    #[track_caller]
    fn wait_for(
        &self,
        escapes: bool,
        seconds: u64,
        what: &str,
        found: impl Fn(&str) -> bool,
    ) -> String {
        // Polled every 100 ms (capture-pane itself takes a few ms more).
        for attempt in 0.. {
            let screen = self.screen(escapes);
            if found(&screen) {
                return screen;
            }
            assert!(attempt < seconds * 10, "no {what} within {seconds}s; the screen:\n{screen}");
            std::thread::sleep(Duration::from_millis(100));
        }
        unreachable!("the loop returns or fails")
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").arg("-S").arg(&self.socket).arg("kill-server").output();
    }
}

/// A `status-cli serve` child on a free port; stopped with SIGTERM when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(config: &str) -> Server {
        let mut child = Command::new(BIN)
            .args(["serve", "--config", config, "--bind", "127.0.0.1:0", "--interval", "5s"])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        let url = loop {
            line.clear();
            assert!(stderr.read_line(&mut line).unwrap() > 0, "server exited before listening");
            if let Some(rest) = line.split("http://").nth(1) {
                break format!("http://{}", rest.split('/').next().unwrap());
            }
        };
        // Keep draining the server's log so it never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
        Server { child, url }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let pid = rustix::process::Pid::from_raw(i32::try_from(self.child.id()).unwrap()).unwrap();
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
        let _ = self.child.wait();
    }
}

/// Types the watch command into the shell, followed by what shows the exit status and the terminal
/// modes once it returns.
fn start_watch(tmux: &Tmux, url: &str) {
    let command = format!(
        "{BIN} watch --url {url} --interval 300ms; echo EXITED:$?; \
         stty -a | tr ' ;' '\\n\\n' | grep -x -E -- '-?(icanon|echo)' | tr '\\n' ' '; echo END\"\"MARK"
    );
    tmux.run(&["send-keys", &command, "Enter"]);
}

/// After the watch ended: the shell's screen is back with a clean exit and the terminal restored.
#[track_caller]
fn check_restored(tmux: &Tmux) {
    // The marker is split in the typed command, so only the shell's output matches it.
    let screen = tmux.wait_for(false, 10, "exit", |s| s.contains("ENDMARK"));
    // The typed command may wrap at a narrow width, or have scrolled up after a resize: read it
    // with wrapped lines joined, and the history.
    let screen = format!("{screen}\n{}", tmux.run(&["capture-pane", "-p", "-J", "-S", "-100"]));
    assert!(screen.contains("EXITED:0"), "{screen}");
    assert!(screen.contains("icanon echo ENDMARK"), "canonical mode and echo are back: {screen}");
    assert!(screen.contains("watch --url"), "the normal screen with the typed command is back");
    assert_eq!(tmux.run(&["display", "-p", "#{alternate_on} #{cursor_flag}"]).trim(), "0 1");
}

#[test]
fn watch_highlights_a_change_and_restores_the_terminal_on_q() {
    status_testkit::require_tools!("tmux", "sqlite3");
    let example = example(5, 0);
    let server = Server::start(example.config().to_str().unwrap());
    let Some(tmux) = Tmux::start("q") else { return };
    start_watch(&tmux, &server.url);

    let screen = tmux.wait_for(false, 20, "overview", |s| s.contains("In flight: 0"));
    let header = screen.lines().next().unwrap();
    assert!(header.trim_start().starts_with("status-cli "), "the service's name first: {screen}");
    assert!(header.contains("overview · snapshot "), "{screen}");
    assert!(screen.contains("Outbox: 2 pending"), "{screen}");
    assert_eq!(tmux.run(&["display", "-p", "#{alternate_on} #{cursor_flag}"]).trim(), "1 0");

    sqlite(
        &example.ops_db(),
        &format!(
            "INSERT INTO execution_log (operation_id, timestamp, capability, action, status) \
             VALUES ('run-new', '{}', 'shell', 'run', 'in_progress');",
            ago(1)
        ),
    );
    // Reverse video on the new count only: tmux writes it back as `ESC[7m1`, then a reset or the
    // end of the line.
    let highlighted = |s: &str| {
        s.lines()
            .filter_map(|line| line.split_once("In flight: \x1b[7m1"))
            .any(|(_, after)| after.is_empty() || after.starts_with('\x1b'))
    };
    let screen = tmux.wait_for(true, 20, "highlighted count", highlighted);
    assert!(screen.contains("run-new shell__run"), "{screen}");
    assert!(!screen.contains("\x1b[7mOutbox"), "unchanged lines are not highlighted: {screen}");

    tmux.run(&["send-keys", "q"]);
    check_restored(&tmux);
}

#[test]
fn ctrl_c_also_quits_and_restores_the_terminal() {
    status_testkit::require_tools!("tmux", "sqlite3");
    let example = example(1, 1);
    let server = Server::start(example.config().to_str().unwrap());
    let Some(tmux) = Tmux::start("ctrl-c") else { return };
    start_watch(&tmux, &server.url);
    tmux.wait_for(false, 20, "overview", |s| s.contains("In flight: 1"));
    tmux.run(&["send-keys", "r"]);
    tmux.wait_for(false, 10, "resources view", |s| s.contains("Memory: "));
    tmux.run(&["send-keys", "C-c"]);
    check_restored(&tmux);
}

/// The last non-empty row: the footer.
fn footer(screen: &str) -> &str {
    screen.lines().rfind(|line| !line.trim().is_empty()).unwrap_or("")
}

/// `(first, last, total)` from a footer `lines 1–10 of 25 …`; the whole view fits when it says
/// `25 lines`.
fn range(footer: &str) -> (usize, usize, usize) {
    if let Some(rest) = footer.strip_prefix("lines ") {
        let (span, rest) = rest.split_once(" of ").unwrap();
        let (first, last) = span.split_once('–').unwrap();
        let total = rest.split(' ').next().unwrap();
        return (first.parse().unwrap(), last.parse().unwrap(), total.parse().unwrap());
    }
    let total: usize = footer.split(' ').next().unwrap().parse().unwrap();
    (1, total, total)
}

/// At `cols` × `rows`: the header with the service's name on the first row, PgDn until the view's
/// last lines show (the header still first), `?` for the help, `q` back to a clean prompt.
fn scroll_help_quit(name: &str, cols: u16, rows: u16) {
    let example = example(5, 3);
    let server = Server::start(example.config().to_str().unwrap());
    let Some(tmux) = Tmux::sized(name, cols, rows) else { return };
    start_watch(&tmux, &server.url);
    let screen = tmux.wait_for(false, 20, "overview", |s| s.contains("In flight: 3"));
    let lines: Vec<&str> = screen.lines().collect();
    assert_eq!(lines.len(), usize::from(rows), "{screen}");
    assert!(lines[0].trim_start().starts_with("status-cli "), "{screen}");
    for line in &lines {
        assert!(unicode_width::UnicodeWidthStr::width(*line) <= usize::from(cols), "{line}");
    }
    let (first, mut last, total) = range(footer(&screen));
    assert_eq!(first, 1, "{screen}");
    assert!(total > 5, "{screen}");
    if rows == 12 {
        assert!(last < total, "the overview is longer than 60 × 12: {screen}");
    }
    let mut presses = 0;
    while last < total {
        tmux.run(&["send-keys", "NPage"]);
        presses += 1;
        let before = last;
        let screen = tmux.wait_for(false, 10, "the next page", |s| range(footer(s)).1 > before);
        let (first, now, _) = range(footer(&screen));
        assert_eq!(first, (now + 1).saturating_sub(usize::from(rows) - 2), "{screen}");
        assert!(screen.lines().next().unwrap().trim_start().starts_with("status-cli "), "{screen}");
        last = now;
        assert!(presses < 20, "PgDn does not reach the end: {screen}");
    }
    // The end of the view: its last line shows, right under the lines before it.
    let screen = tmux.screen(false);
    let (first, last, _) = range(footer(&screen));
    let rows_shown: Vec<&str> = screen.lines().collect();
    assert!(!rows_shown[last - first + 1].trim().is_empty(), "{screen}");
    assert!(
        rows_shown[last - first + 2..usize::from(rows) - 1].iter().all(|r| r.trim().is_empty())
    );

    tmux.run(&["send-keys", "?"]);
    tmux.wait_for(false, 10, "help", |s| s.contains("scroll a page") && s.contains("quit"));
    tmux.run(&["send-keys", "Escape"]);
    tmux.wait_for(false, 10, "help closed", |s| !s.contains("scroll a page"));
    // A resize redraws at the new size, the header still first and the footer on the last row.
    let (small_cols, small_rows) = if rows == 12 { (200, 50) } else { (60, 12) };
    let (c, r) = (small_cols.to_string(), small_rows.to_string());
    tmux.run(&["resize-window", "-x", &c, "-y", &r]);
    let screen = tmux.wait_for(false, 10, "the new size", |s| {
        s.lines().count() == small_rows
            && s.lines().last().is_some_and(|l| l.contains("lines") || l.contains("? help"))
    });
    assert!(screen.lines().next().unwrap().trim_start().starts_with("status-cli "), "{screen}");
    tmux.run(&["send-keys", "q"]);
    check_restored(&tmux);
    let screen = tmux.screen(true);
    assert!(!screen.contains("? help"), "nothing of the view is left: {screen}");
    assert!(!screen.contains("\x1b[?"), "no raw escape sequences on the screen: {screen:?}");
}

#[test]
fn watch_at_60_by_12_scrolls_helps_and_quits_cleanly() {
    scroll_help_quit("small", 60, 12);
}

#[test]
fn watch_at_200_by_50_scrolls_helps_and_quits_cleanly() {
    scroll_help_quit("large", 200, 50);
}
