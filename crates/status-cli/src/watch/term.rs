//! The terminal while the view runs, through crossterm: raw mode, the alternate screen and a hidden
//! cursor, restored on the way out (also when dropped, so an error or a panic restores it too); and
//! the terminal's events (keys, resizes) read on a thread of their own.

use std::io::{IsTerminal, Stdout};

use crossterm::event::Event;
use crossterm::{cursor, execute, terminal};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::sync::mpsc;

/// The terminal in raw mode on the alternate screen. Restores it when it leaves or is dropped.
pub(super) struct Screen {
    terminal: Option<Terminal<CrosstermBackend<Stdout>>>,
    /// Raw mode is on and the alternate screen may be: restore on the way out.
    active: bool,
}

impl Screen {
    /// Puts the terminal in raw mode (keys arrive one by one, unechoed; Ctrl-C arrives as a key)
    /// and switches to the alternate screen with the cursor hidden.
    pub(super) fn enter() -> Result<Screen, String> {
        if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
            return Err("watch needs a terminal on stdin and stdout".to_owned());
        }
        terminal::enable_raw_mode()
            .map_err(|error| format!("cannot put the terminal in raw mode: {error}"))?;
        let mut stdout = std::io::stdout();
        // From here on, dropping `screen` restores the terminal.
        let mut screen = Screen { terminal: None, active: true };
        execute!(stdout, terminal::EnterAlternateScreen, cursor::Hide)
            .map_err(|error| format!("cannot write to the terminal: {error}"))?;
        let terminal = Terminal::new(CrosstermBackend::new(stdout))
            .map_err(|error| format!("cannot use the terminal: {error}"))?;
        screen.terminal = Some(terminal);
        Ok(screen)
    }

    /// Draws a frame (after adapting to the terminal's size, if it changed).
    pub(super) fn draw(
        &mut self,
        render: impl FnOnce(&mut ratatui::Frame<'_>),
    ) -> Result<(), String> {
        let Some(terminal) = self.terminal.as_mut() else { return Ok(()) };
        terminal
            .draw(render)
            .map(|_| ())
            .map_err(|error| format!("cannot write to the terminal: {error}"))
    }

    /// Restores the terminal as it was before [`Screen::enter`].
    pub(super) fn leave(mut self) -> Result<(), String> {
        self.restore()
    }

    fn restore(&mut self) -> Result<(), String> {
        if !std::mem::replace(&mut self.active, false) {
            return Ok(());
        }
        drop(self.terminal.take());
        let shown = execute!(std::io::stdout(), cursor::Show, terminal::LeaveAlternateScreen);
        terminal::disable_raw_mode()
            .map_err(|error| format!("cannot restore the terminal's settings: {error}"))?;
        shown.map_err(|error| format!("cannot write to the terminal: {error}"))
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let _ = self.restore();
    }
}

/// Reads the terminal's events on a thread of its own and sends each on. The channel closes when
/// reading fails. The thread is left blocked in `read` when the view ends; the process exits anyway.
pub(super) fn spawn_event_reader() -> mpsc::UnboundedReceiver<Event> {
    let (events, receiver) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        while let Ok(event) = crossterm::event::read() {
            if events.send(event).is_err() {
                return;
            }
        }
    });
    receiver
}
