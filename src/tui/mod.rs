//! The studio: a ratatui terminal UI over the same library the CLI uses. The UI thread
//! only draws and routes messages; loading, training, rendering and audio run elsewhere.

pub mod app;
pub mod jobs;
pub mod keymap;
pub mod piano_roll;
pub mod state;
pub mod tabs;
pub mod view;

#[cfg(test)]
mod tests;

use app::App;
use crossterm::event::{
    self, DisableMouseCapture, EnableMouseCapture, Event, KeyEventKind, MouseEventKind,
};
use crossterm::execute;
use std::path::PathBuf;
use std::time::Duration;

pub struct TuiOptions {
    pub corpus: PathBuf,
    pub model: PathBuf,
}

/// Runs the studio until the user quits. The terminal is restored on exit, on error and
/// on panic.
pub fn run(opts: TuiOptions) -> std::io::Result<()> {
    let mut terminal = ratatui::init();
    // ratatui's hook restores the screen; also release the mouse first.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(std::io::stdout(), DisableMouseCapture);
        hook(info);
    }));
    let _ = execute!(std::io::stdout(), EnableMouseCapture);
    let mut app = App::new(&opts.corpus, &opts.model, true);
    let result = (|| -> std::io::Result<()> {
        while !app.quit {
            app.tick();
            terminal.draw(|f| view::draw(f, &app))?;
            if event::poll(Duration::from_millis(50))? {
                match event::read()? {
                    Event::Key(k) if k.kind != KeyEventKind::Release => app.on_key(k),
                    Event::Mouse(m) => match m.kind {
                        MouseEventKind::Down(_) => app.click(m.column, m.row),
                        MouseEventKind::ScrollDown => app.wheel(true),
                        MouseEventKind::ScrollUp => app.wheel(false),
                        _ => {}
                    },
                    _ => {}
                }
            }
        }
        Ok(())
    })();
    let _ = execute!(std::io::stdout(), DisableMouseCapture);
    ratatui::restore();
    result
}
