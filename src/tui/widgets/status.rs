//! The two status lines: what runs in the background and the last message, then the keys
//! of the current tab (from the keymap, so rebound keys show as the user set them).

use super::super::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

pub struct StatusBar<'a> {
    /// Background work, e.g. "training epoch 3/20".
    pub busy: Vec<String>,
    /// A warning shown before the message (a bad config file).
    pub notice: Option<&'a str>,
    pub message: &'a str,
    /// (keys, what they do).
    pub hints: Vec<(String, &'static str)>,
    pub theme: &'a Theme,
}

impl Widget for StatusBar<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let gap = if self.busy.is_empty() { "" } else { "  " };
        let mut line1 = vec![
            Span::styled(self.busy.join(" · "), Theme::fg(self.theme.busy)),
            Span::raw(gap),
        ];
        match self.notice {
            Some(n) => line1.push(Span::styled(n.to_string(), self.theme.warning())),
            None => line1.push(Span::raw(self.message.to_string())),
        }
        let line1 = Line::from(line1);
        let keys: Vec<Span> = self
            .hints
            .into_iter()
            .flat_map(|(k, h)| {
                [
                    Span::styled(format!(" {k}"), self.theme.key()),
                    Span::raw(format!(" {h} ")),
                ]
            })
            .collect();
        Paragraph::new(vec![line1, Line::from(keys)]).render(area, buf);
    }
}
