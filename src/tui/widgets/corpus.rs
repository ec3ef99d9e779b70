//! The corpus figures of the Dataset tab: the statistics box and the most frequent tokens.

use super::super::theme::Theme;
use super::block;
use crate::dataset::Stats;
use ratatui::buffer::Buffer;
use ratatui::layout::{Direction, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Bar, BarChart, BarGroup, Paragraph, Widget};

/// Short lines (under 30 columns), so the box reads whole on an 80-column terminal.
pub fn stats_box(s: &Stats, tx: usize, area: Rect, buf: &mut Buffer) {
    let plural = if s.files == 1 { "" } else { "s" };
    let text = vec![
        Line::from(format!(
            "{} file{plural}, {} notes, Tx {tx}",
            s.files, s.notes
        )),
        Line::from(format!("{} tokens, vocabulary {}", s.tokens, s.vocab_size)),
        Line::from(format!(
            "windows: {} train, {} val",
            s.train_windows, s.val_windows
        )),
        Line::from(format!(
            "val nats/token: uniform {:.3}",
            s.baselines.uniform
        )),
        Line::from(format!(
            "unigram {:.3}  bigram {:.3}",
            s.baselines.unigram, s.baselines.bigram
        )),
    ];
    Paragraph::new(text)
        .block(block("Statistics"))
        .render(area, buf);
}

/// Horizontal bars, one token per row, so labels show in full where there is room; in
/// a narrow box they are cut (with …) to leave room for the bar and its count.
pub fn token_bars(s: &Stats, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let room = (area.width.saturating_sub(2) as usize)
        .saturating_sub(8)
        .max(4);
    let data: Vec<Bar> = s
        .top_tokens
        .iter()
        .take(area.height.saturating_sub(2).max(1) as usize)
        .map(|(t, c)| {
            let label = if t.chars().count() > room {
                let cut: String = t.chars().take(room - 1).collect();
                format!("{cut}…")
            } else {
                t.clone()
            };
            Bar::default()
                .value(*c)
                .text_value(c.to_string())
                .label(Line::from(label))
        })
        .collect();
    BarChart::default()
        .block(block("Most frequent tokens"))
        .direction(Direction::Horizontal)
        .bar_width(1)
        .bar_gap(0)
        .bar_style(Theme::fg(theme.bar))
        .value_style(Theme::fg(theme.bar_value_fg).bg(theme.bar))
        .data(BarGroup::default().bars(&data))
        .render(area, buf);
}
