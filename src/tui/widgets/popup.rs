//! Overlays drawn over the tabs: a boxed question or input line, and the key help (built
//! from the keymap, two columns when there is room).

use super::super::keymap::{Keymap, Scope, Tab};
use super::super::theme::Theme;
use super::{block, centered};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph, Widget, Wrap};

/// A 72×6 box in the middle of the screen.
pub struct Popup<'a> {
    pub title: &'a str,
    pub text: &'a str,
}

impl Widget for Popup<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let r = centered(area, 72, 6);
        Clear.render(r, buf);
        Paragraph::new(self.text.to_string())
            .wrap(Wrap { trim: false })
            .block(block(self.title))
            .render(r, buf);
    }
}

pub struct Help<'a> {
    pub keymap: &'a Keymap,
    pub tab: Tab,
    pub theme: &'a Theme,
}

impl Help<'_> {
    fn section(&self, scopes: &[(Scope, &'static str)]) -> Vec<Line<'static>> {
        let mut lines = Vec::new();
        for &(scope, name) in scopes {
            lines.push(Line::styled(name, self.theme.heading()));
            for (keys, help) in self.keymap.help_rows(scope) {
                lines.push(Line::from(format!("  {keys:<8} {help}")));
            }
        }
        lines
    }

    fn also(&self, lines: &mut Vec<Line<'static>>) {
        lines.push(Line::styled("Also", self.theme.heading()));
        lines.push(Line::from("  Ctrl-C   quit from anywhere"));
        lines.push(Line::from("  Esc      close this or any prompt"));
    }

    /// Everything in two columns: the global keys and the first tabs, then the rest.
    fn two_columns(&self) -> (Vec<Line<'static>>, Vec<Line<'static>>) {
        let left = self.section(&[
            (Scope::Global, "Everywhere"),
            (Scope::On(Tab::Dataset), "Dataset"),
            (Scope::On(Tab::Train), "Train"),
        ]);
        let mut right = self.section(&[
            (Scope::On(Tab::Generate), "Generate"),
            (Scope::On(Tab::Play), "Play"),
            (Scope::On(Tab::Jam), "Jam"),
        ]);
        self.also(&mut right);
        (left, right)
    }

    /// One column that starts with the current tab's keys, so the ones that matter now
    /// show even when the terminal cuts the list short.
    fn one_column(&self) -> Vec<Line<'static>> {
        let mut scopes = vec![
            (Scope::On(self.tab), self.tab.title()),
            (Scope::Global, "Everywhere"),
        ];
        scopes.extend(
            Tab::ALL
                .iter()
                .filter(|&&t| t != self.tab)
                .map(|&t| (Scope::On(t), t.title())),
        );
        let mut all = self.section(&scopes[..2]);
        self.also(&mut all);
        all.extend(self.section(&scopes[2..]));
        all
    }
}

impl Widget for Help<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let b = block("Keys (? or Esc to close)");
        if area.width >= 110 {
            let (left, right) = self.two_columns();
            let h = left.len().max(right.len()) as u16 + 2;
            let r = centered(area, 108, h.min(area.height));
            Clear.render(r, buf);
            let inner = b.inner(r);
            b.render(r, buf);
            let [a, c] =
                Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                    .areas(inner);
            Paragraph::new(left).render(a, buf);
            Paragraph::new(right).render(c, buf);
        } else {
            let all = self.one_column();
            let r = centered(area, 64, (all.len() as u16 + 2).min(area.height));
            Clear.render(r, buf);
            Paragraph::new(all).block(b).render(r, buf);
        }
    }
}
