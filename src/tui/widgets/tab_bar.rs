//! The tab titles across the top. Drawing and mouse clicks use the same layout, so a click
//! lands on the title it is over.

use super::super::keymap::Tab;
use super::super::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::widgets::Widget;

const DIVIDER: &str = "│";

pub struct TabBar<'a> {
    pub selected: Tab,
    pub theme: &'a Theme,
}

fn title(i: usize, tab: Tab) -> String {
    format!(" {} {} ", i + 1, tab.title())
}

/// Each tab's title area in a bar drawn in `area` (cut at its right edge).
pub fn areas(area: Rect) -> Vec<(Tab, Rect)> {
    let mut x = area.x;
    let right = area.x.saturating_add(area.width);
    let mut out = Vec::new();
    for (i, tab) in Tab::ALL.into_iter().enumerate() {
        let w = (title(i, tab).chars().count() as u16).min(right.saturating_sub(x));
        out.push((tab, Rect::new(x, area.y, w, area.height.min(1))));
        x = x
            .saturating_add(w + DIVIDER.chars().count() as u16)
            .min(right);
    }
    out
}

/// The tab whose title is at (`col`, `row`) in a bar drawn in `area`.
pub fn hit(area: Rect, col: u16, row: u16) -> Option<Tab> {
    areas(area)
        .into_iter()
        .find(|(_, r)| r.contains(Position::new(col, row)))
        .map(|(t, _)| t)
}

impl Widget for TabBar<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let spots = areas(area);
        for (i, &(tab, r)) in spots.iter().enumerate() {
            let style = if tab == self.selected {
                self.theme.heading()
            } else {
                Style::default()
            };
            buf.set_stringn(r.x, r.y, title(i, tab), r.width as usize, style);
            let end = r.x + r.width;
            if i + 1 < spots.len() && end < area.x + area.width {
                buf.set_string(end, r.y, DIVIDER, Style::default());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_click_anywhere_on_a_title_selects_that_tab() {
        let area = Rect::new(0, 0, 80, 1);
        let mut buf = Buffer::empty(area);
        let theme = Theme::DARK;
        TabBar {
            selected: Tab::Dataset,
            theme: &theme,
        }
        .render(area, &mut buf);
        let line: String = (0..80).map(|x| buf[(x, 0)].symbol().to_string()).collect();
        for tab in Tab::ALL {
            let name = tab.title();
            let start = line.find(name).unwrap();
            let start = line[..start].chars().count() as u16;
            let end = start + name.len() as u16 - 1;
            assert_eq!(hit(area, start, 0), Some(tab), "{name} start in {line:?}");
            assert_eq!(hit(area, end, 0), Some(tab), "{name} end in {line:?}");
        }
        let divider = line.find(DIVIDER).unwrap();
        let divider = line[..divider].chars().count() as u16;
        assert_eq!(hit(area, divider, 0), None);
        assert_eq!(hit(area, 79, 0), None);
        assert_eq!(hit(area, 3, 1), None, "below the bar");
    }
}
