//! The Train tab's loss chart: smoothed batch losses, train and validation per epoch, and the
//! unigram and bigram baselines as flat lines, optionally on a log scale.

use super::super::theme::Theme;
use super::block;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::symbols::Marker;
use ratatui::text::Span;
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Widget};

pub struct LossChart<'a> {
    /// (epoch, train loss, validation loss).
    pub epochs: Vec<(f64, f64, Option<f64>)>,
    /// (fractional epoch, smoothed batch loss).
    pub batches: &'a [(f64, f64)],
    pub unigram: Option<f64>,
    pub bigram: Option<f64>,
    pub x_max: f64,
    pub log_scale: bool,
    /// What one loss value is per: "token" (exercise) or "event" (conditioned).
    pub per: &'static str,
    pub theme: &'a Theme,
}

/// The points of every series, on the chart's scale.
struct Series {
    batch: Vec<(f64, f64)>,
    train: Vec<(f64, f64)>,
    val: Vec<(f64, f64)>,
    bigram: Vec<(f64, f64)>,
    unigram: Vec<(f64, f64)>,
}

impl LossChart<'_> {
    fn tr(&self, v: f64) -> f64 {
        if self.log_scale { v.max(1e-6).ln() } else { v }
    }

    fn series(&self) -> Series {
        let flat = |v: Option<f64>| {
            v.map(|v| vec![(0.0, self.tr(v)), (self.x_max, self.tr(v))])
                .unwrap_or_default()
        };
        Series {
            batch: self.batches.iter().map(|&(x, y)| (x, self.tr(y))).collect(),
            train: self.epochs.iter().map(|e| (e.0, self.tr(e.1))).collect(),
            val: self
                .epochs
                .iter()
                .filter_map(|e| e.2.map(|v| (e.0, self.tr(v))))
                .collect(),
            bigram: flat(self.bigram),
            unigram: flat(self.unigram),
        }
    }

    fn y_bounds(s: &Series) -> (f64, f64) {
        let ys = [&s.batch, &s.train, &s.val, &s.bigram, &s.unigram]
            .into_iter()
            .flatten()
            .map(|p| p.1);
        let (lo, hi) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| {
            (lo.min(y), hi.max(y))
        });
        if lo.is_finite() {
            (lo.min(hi - 0.1) * 0.95, hi * 1.05)
        } else {
            (0.0, 5.0)
        }
    }
}

fn line<'a>(name: &'a str, data: &'a [(f64, f64)], color: Color, marker: Marker) -> Dataset<'a> {
    Dataset::default()
        .name(name)
        .marker(marker)
        .graph_type(GraphType::Line)
        .style(Theme::fg(color))
        .data(data)
}

impl Widget for LossChart<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let s = self.series();
        let (y_min, y_max) = Self::y_bounds(&s);
        let t = self.theme;
        let datasets = vec![
            line("batch (smoothed)", &s.batch, t.chart_batch, Marker::Braille)
                .graph_type(GraphType::Scatter),
            line("train", &s.train, t.chart_train, Marker::Braille),
            line("validation", &s.val, t.chart_val, Marker::Braille),
            line("bigram baseline", &s.bigram, t.chart_bigram, Marker::Dot),
            line("unigram baseline", &s.unigram, t.chart_unigram, Marker::Dot),
        ];
        let fmt = |v: f64| format!("{:.2}", if self.log_scale { v.exp() } else { v });
        let x_max = self.x_max;
        let title = if self.log_scale {
            format!("Loss, nats/{} (log scale; L toggles)", self.per)
        } else {
            format!("Loss, nats/{} (L: log scale)", self.per)
        };
        let x_labels = vec![
            Span::raw("0"),
            Span::raw(format!("{:.0}", x_max / 2.0)),
            Span::raw(format!("{x_max:.0}")),
        ];
        let y_labels = vec![
            Span::raw(fmt(y_min)),
            Span::raw(fmt((y_min + y_max) / 2.0)),
            Span::raw(fmt(y_max)),
        ];
        Chart::new(datasets)
            .block(block(title))
            .x_axis(
                Axis::default()
                    .title("epoch")
                    .bounds([0.0, x_max])
                    .labels(x_labels),
            )
            .y_axis(
                Axis::default()
                    .title("loss")
                    .bounds([y_min, y_max])
                    .labels(y_labels),
            )
            .render(area, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiny_areas_never_panic() {
        let theme = Theme::DARK;
        let batches = [(0.5, 3.0), (1.0, 2.5)];
        for w in 0..=3 {
            for h in 0..=3 {
                let area = Rect::new(0, 0, w, h);
                let mut buf = Buffer::empty(area);
                LossChart {
                    epochs: vec![(1.0, 2.4, Some(2.6))],
                    batches: &batches,
                    unigram: Some(3.5),
                    bigram: Some(2.9),
                    x_max: 5.0,
                    log_scale: w % 2 == 0,
                    per: "token",
                    theme: &theme,
                }
                .render(area, &mut buf);
            }
        }
    }
}
