//! The live progress line on stderr, on a terminal only: with `--quiet` a
//! passing run prints nothing until the summary, and with `--jobs` collections
//! finish out of sight while others run. The executor tells it what started
//! and finished as it happens ([`Watch`]); the console clears it before it
//! prints and draws it again after.

use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::event::{Live, Watch};

/// The progress line: what runs now (`--jobs`), or how many steps are done.
pub(crate) struct Progress {
    enabled: bool,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Collections running now, by path (`--jobs`).
    running: Vec<String>,
    /// Steps finished so far (one job).
    done: usize,
    /// The text shown last, drawn again after the console printed.
    shown: String,
}

impl Progress {
    /// A progress line on stderr when it is a terminal; otherwise it draws nothing.
    pub(crate) fn on_stderr() -> Progress {
        use std::io::IsTerminal as _;
        Progress {
            enabled: std::io::stderr().is_terminal(),
            state: Mutex::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// One more step is done (shown with `--quiet`, where nothing else moves).
    pub(crate) fn step_done(&self, collection: &str, step: &str) {
        let mut state = self.lock();
        state.done += 1;
        if state.running.is_empty() {
            state.shown = format!("{} steps done · {collection} / {step}", state.done);
            self.draw(&state.shown);
        }
    }

    /// Erases the line, so that the console can print.
    pub(crate) fn clear(&self) {
        if self.enabled {
            eprint!("\r\x1b[2K");
        }
    }

    /// Draws the last line again, after the console printed.
    pub(crate) fn redraw(&self) {
        let state = self.lock();
        if !state.shown.is_empty() {
            self.draw(&state.shown);
        }
    }

    fn draw(&self, text: &str) {
        if self.enabled {
            let end = text.char_indices().nth(100).map_or(text.len(), |(i, _)| i);
            eprint!("\r\x1b[2K{}", &text[..end]);
        }
    }
}

impl Watch for Progress {
    fn live(&self, notice: Live<'_>) {
        let mut state = self.lock();
        match notice {
            Live::Started(path) => state.running.push(path.to_owned()),
            Live::Finished(path) => state.running.retain(|p| p != path),
        }
        state.shown = format!("running {}: {}", state.running.len(), state.running.join(", "));
        self.draw(&state.shown);
    }
}
