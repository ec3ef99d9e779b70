//! The studio: a ratatui terminal UI over the same library the CLI uses. The UI thread
//! only draws and routes messages; loading, training, rendering and audio run elsewhere.

pub mod app;
pub mod config;
pub mod effect;
mod inbox;
mod jam_app;
pub mod jobs;
pub mod keymap;
pub mod layout;
pub mod listing;
pub mod overlay;
mod overlay_keys;
pub mod player;
pub mod tabs;
pub mod theme;
mod training;
pub mod view;
pub mod widgets;

#[cfg(test)]
mod tests;

use app::App;
use crossterm::event::{
    self, DisableMouseCapture, EnableMouseCapture, Event, KeyEventKind, KeyboardEnhancementFlags,
    MouseEventKind, PopKeyboardEnhancementFlags, PushKeyboardEnhancementFlags,
};
use crossterm::execute;
use ratatui::DefaultTerminal;
use std::path::PathBuf;
use std::time::Duration;

/// What the command line asked for; what it leaves out comes from the config file, then
/// from the defaults (`assets`, `models/default`).
pub struct TuiOptions {
    pub corpus: Option<PathBuf>,
    pub model: Option<PathBuf>,
    /// `--config FILE`; otherwise the platform's config directory.
    pub config: Option<PathBuf>,
    /// `--midi-in PORT`: the Jam tab's MIDI keyboard.
    pub midi_in: Option<String>,
    /// `--buffer-ms MS`: the Jam tab's output buffer.
    pub buffer_ms: Option<u32>,
}

/// How long to wait for a key before looking at the workers again: short while they are
/// busy (a playhead moves, a loss comes in), long when the studio is idle.
fn poll_wait(app: &App) -> Duration {
    let ms = if app.jam.midi_in() {
        4
    } else if app.jam.running() {
        15
    } else if app.busy() {
        40
    } else {
        250
    };
    Duration::from_millis(ms)
}

/// Runs the studio until the user quits. The terminal is restored on exit, on error and
/// on panic.
pub fn run(opts: TuiOptions) -> std::io::Result<()> {
    let mut terminal = ratatui::init();
    // ratatui's hook restores the screen; also release the mouse first.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(std::io::stdout(), PopKeyboardEnhancementFlags);
        let _ = execute!(std::io::stdout(), DisableMouseCapture);
        hook(info);
    }));
    let _ = execute!(std::io::stdout(), EnableMouseCapture);
    // Where the terminal reports key releases, the Jam tab's notes last while held.
    let releases = crossterm::terminal::supports_keyboard_enhancement().unwrap_or(false)
        && execute!(
            std::io::stdout(),
            PushKeyboardEnhancementFlags(KeyboardEnhancementFlags::REPORT_EVENT_TYPES)
        )
        .is_ok();
    let (config, problem) = config::load(opts.config.as_deref());
    let corpus = opts.corpus.or(config.corpus.clone());
    let model = opts.model.or(config.model.clone());
    let mut app = App::new(
        &corpus.unwrap_or_else(|| PathBuf::from("assets")),
        &model.unwrap_or_else(|| PathBuf::from("models/default")),
        true,
    );
    app.configure(&config);
    app.notice = problem;
    app.jam.releases = releases;
    app.jam.settings.midi_in = opts.midi_in;
    if let Some(ms) = opts.buffer_ms {
        app.jam.settings.buffer_ms = ms;
    }
    let result = event_loop(&mut terminal, &mut app);
    if releases {
        let _ = execute!(std::io::stdout(), PopKeyboardEnhancementFlags);
    }
    let _ = execute!(std::io::stdout(), DisableMouseCapture);
    ratatui::restore();
    result
}

/// Draws only when something changed: a key, a click, a resize, or news from a worker.
fn event_loop(terminal: &mut DefaultTerminal, app: &mut App) -> std::io::Result<()> {
    let mut dirty = true;
    while !app.quit {
        dirty |= app.tick();
        if dirty {
            terminal.draw(|f| {
                app.screen = f.area();
                view::draw(f, app)
            })?;
            dirty = false;
        }
        if event::poll(poll_wait(app))? {
            dirty |= on_event(app, event::read()?);
        }
    }
    Ok(())
}

/// Passes a terminal event on; true when it may have changed the screen.
fn on_event(app: &mut App, ev: Event) -> bool {
    match ev {
        Event::Key(k) if k.kind == KeyEventKind::Release => app.on_key_release(k),
        // A held piano key repeats: it is still the same note.
        Event::Key(k) if k.kind == KeyEventKind::Repeat && app.piano_key(k) => {}
        Event::Key(k) => app.on_key(k),
        Event::Mouse(m) => match m.kind {
            MouseEventKind::Down(_) => app.click(m.column, m.row),
            MouseEventKind::ScrollDown => app.wheel(true),
            MouseEventKind::ScrollUp => app.wheel(false),
            _ => return false,
        },
        Event::Resize(..) => {}
        _ => return false,
    }
    true
}
