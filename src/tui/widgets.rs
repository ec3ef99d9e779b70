//! Pieces the tabs share: boxes, the settings list, the piano roll, the loss chart, the tab
//! and status bars, popups, and the row arithmetic that clicks and drawing both use.

pub mod corpus;
pub mod loss_chart;
pub mod piano_roll;
pub mod popup;
pub mod settings;
pub mod status;
pub mod tab_bar;

use ratatui::layout::{Position, Rect};
use ratatui::widgets::{Block, Borders};

/// A bordered box with a title.
pub fn block(title: impl Into<String>) -> Block<'static> {
    Block::default().borders(Borders::ALL).title(title.into())
}

/// The first row shown of a list of one-line items `height` rows tall, so that `selected`
/// is visible (as ratatui scrolls a list drawn with a fresh state).
pub fn list_offset(selected: usize, height: u16) -> usize {
    let h = height.max(1) as usize;
    (selected + 1).saturating_sub(h)
}

/// The item under (`col`, `row`) of a list drawn in `area` from item `offset` on.
pub fn item_at(area: Rect, offset: usize, col: u16, row: u16) -> Option<usize> {
    area.contains(Position::new(col, row))
        .then(|| offset + (row - area.y) as usize)
}

/// A `w`×`h` rectangle in the middle of `area` (cut to fit).
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_scrolls_just_enough_to_show_the_selection() {
        assert_eq!(list_offset(0, 5), 0);
        assert_eq!(list_offset(4, 5), 0);
        assert_eq!(list_offset(5, 5), 1);
        assert_eq!(list_offset(9, 0), 9);
        let area = Rect::new(2, 3, 10, 4);
        assert_eq!(item_at(area, 1, 2, 3), Some(1));
        assert_eq!(item_at(area, 1, 11, 6), Some(4));
        assert_eq!(item_at(area, 1, 12, 6), None);
        assert_eq!(item_at(area, 1, 5, 7), None);
    }
}
