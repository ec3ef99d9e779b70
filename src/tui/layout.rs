//! The screen's layout (tab bar, body, status bar), shared by drawing and by mouse clicks.

use ratatui::layout::{Constraint, Layout, Rect};

pub const MIN_W: u16 = 60;
pub const MIN_H: u16 = 18;
/// Rows of the tab bar and the status bar around a tab's body.
pub const BARS_H: u16 = 3;

/// The tab bar, body and status bar of a screen, or None when it is too small to use.
pub fn areas(screen: Rect) -> Option<(Rect, Rect, Rect)> {
    if screen.width < MIN_W || screen.height < MIN_H {
        return None;
    }
    let [top, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(BARS_H - 1),
    ])
    .areas(screen);
    Some((top, body, status))
}
