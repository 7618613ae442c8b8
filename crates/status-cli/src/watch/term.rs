//! The terminal: raw mode and the alternate screen while the view runs, restored on the way out
//! (also when dropped, so an error or a panic restores it too); its size; and keys read from stdin.

use std::io::{Read, Write};

use rustix::termios::{self, OptionalActions, Termios};
use tokio::sync::mpsc;

/// Switches to the alternate screen and hides the cursor.
const ENTER: &str = "\x1b[?1049h\x1b[?25l";
/// Shows the cursor and switches back to the normal screen, whose contents reappear.
const LEAVE: &str = "\x1b[?25h\x1b[?1049l";

/// The terminal while the view runs. Restores the saved settings when it leaves or is dropped.
pub(super) struct Terminal {
    saved: Option<Termios>,
}

impl Terminal {
    /// Puts the terminal on stdin in raw mode (keys arrive one by one, unechoed; Ctrl-C arrives as
    /// a key, byte 3) and switches stdout to the alternate screen.
    pub(super) fn enter() -> Result<Terminal, String> {
        let stdin = std::io::stdin();
        if !termios::isatty(&stdin) || !termios::isatty(std::io::stdout()) {
            return Err("watch needs a terminal on stdin and stdout".to_owned());
        }
        let saved = termios::tcgetattr(&stdin)
            .map_err(|error| format!("cannot read the terminal's settings: {error}"))?;
        let mut raw = saved.clone();
        raw.make_raw();
        termios::tcsetattr(&stdin, OptionalActions::Now, &raw)
            .map_err(|error| format!("cannot put the terminal in raw mode: {error}"))?;
        let terminal = Terminal { saved: Some(saved) };
        write_out(ENTER).map_err(|error| format!("cannot write to the terminal: {error}"))?;
        Ok(terminal)
    }

    /// Rows and columns; 24 × 80 when the terminal does not say.
    pub(super) fn size(&self) -> (usize, usize) {
        match termios::tcgetwinsize(std::io::stdout()) {
            Ok(size) if size.ws_row > 0 && size.ws_col > 0 => {
                (usize::from(size.ws_row), usize::from(size.ws_col))
            }
            _ => (24, 80),
        }
    }

    /// Writes a whole frame at once.
    pub(super) fn draw(&mut self, frame: &str) -> Result<(), String> {
        write_out(frame).map_err(|error| format!("cannot write to the terminal: {error}"))
    }

    /// Restores the terminal as it was before [`Terminal::enter`].
    pub(super) fn leave(mut self) -> Result<(), String> {
        self.restore()
    }

    fn restore(&mut self) -> Result<(), String> {
        let Some(saved) = self.saved.take() else { return Ok(()) };
        let shown = write_out(LEAVE);
        termios::tcsetattr(std::io::stdin(), OptionalActions::Now, &saved)
            .map_err(|error| format!("cannot restore the terminal's settings: {error}"))?;
        shown.map_err(|error| format!("cannot write to the terminal: {error}"))
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = self.restore();
    }
}

fn write_out(text: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()
}

/// Reads stdin byte by byte on a thread of its own and sends each byte on. The channel closes when
/// stdin does. The thread is left blocked in `read` when the view ends; the process exits anyway.
pub(super) fn spawn_key_reader() -> mpsc::UnboundedReceiver<u8> {
    let (keys, receiver) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        let mut byte = [0u8; 1];
        while let Ok(1) = stdin.read(&mut byte) {
            if keys.send(byte[0]).is_err() {
                return;
            }
        }
    });
    receiver
}
