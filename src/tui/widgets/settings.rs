//! A tab's settings as an enum of fields, and the list that shows them. Adding a setting is
//! adding a variant: its label, value and adjustment live beside the others in one impl.

use super::super::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Block, Cell, Row, StatefulWidget, Table, TableState, Widget};

/// The fields of one settings box, in the order they are listed.
pub trait Field: Copy + PartialEq + Sized + 'static {
    const ALL: &'static [Self];

    fn label(self) -> String;

    fn index(self) -> usize {
        Self::ALL.iter().position(|&f| f == self).unwrap_or(0)
    }

    /// The field `d` rows on (stopping at the ends).
    fn step(self, d: i64) -> Self {
        let i = (self.index() as i64 + d).clamp(0, Self::ALL.len() as i64 - 1);
        Self::ALL[i as usize]
    }

    fn at(i: usize) -> Option<Self> {
        Self::ALL.get(i).copied()
    }

    /// The field `d` rows on among those for which `live` holds (the dimmed rows are
    /// stepped over); itself when there is none that way.
    fn step_live(self, d: i64, live: impl Fn(Self) -> bool) -> Self {
        let mut i = self.index() as i64;
        let mut left = d.abs();
        let mut at = self;
        while left > 0 {
            i += d.signum();
            match usize::try_from(i).ok().and_then(Self::at) {
                Some(f) if live(f) => {
                    at = f;
                    left -= 1;
                }
                Some(_) => {}
                None => break,
            }
        }
        at
    }
}

/// Rows of (label, value) with the selected one highlighted while `active`.
pub struct SettingsList<'a> {
    pub rows: Vec<(String, String)>,
    /// Rows that do not apply now (drawn dimmed).
    pub dimmed: Vec<bool>,
    pub selected: usize,
    pub active: bool,
    pub block: Block<'a>,
    pub theme: &'a Theme,
}

impl<'a> SettingsList<'a> {
    /// The list of `F`'s fields with their values.
    pub fn of<F: Field>(
        value: impl Fn(F) -> String,
        selected: F,
        block: Block<'a>,
        theme: &'a Theme,
    ) -> Self {
        SettingsList {
            rows: F::ALL.iter().map(|&f| (f.label(), value(f))).collect(),
            dimmed: vec![false; F::ALL.len()],
            selected: selected.index(),
            active: true,
            block,
            theme,
        }
    }

    /// Dims the rows of the fields for which `live` is false.
    pub fn live<F: Field>(mut self, live: impl Fn(F) -> bool) -> Self {
        self.dimmed = F::ALL.iter().map(|&f| !live(f)).collect();
        self
    }

    pub fn active(mut self, active: bool) -> Self {
        self.active = active;
        self
    }
}

impl Widget for SettingsList<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let inner = self.block.inner(area);
        let offset = super::list_offset(self.selected, inner.height);
        let dim = self.theme.dimmed();
        let rows: Vec<Row> = self
            .rows
            .into_iter()
            .zip(self.dimmed.iter().chain(std::iter::repeat(&false)))
            .map(|((k, v), &d)| {
                let row = Row::new(vec![Cell::from(k), Cell::from(v)]);
                if d { row.style(dim) } else { row }
            })
            .collect();
        let mut state = TableState::default().with_offset(offset);
        let mut table =
            Table::new(rows, [Constraint::Length(14), Constraint::Min(6)]).block(self.block);
        if self.active {
            state.select(Some(self.selected));
            table = table.row_highlight_style(self.theme.selected());
        }
        StatefulWidget::render(table, area, buf, &mut state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq)]
    enum F {
        A,
        B,
        C,
        D,
    }
    impl Field for F {
        const ALL: &'static [Self] = &[F::A, F::B, F::C, F::D];
        fn label(self) -> String {
            format!("{self:?}")
        }
    }

    #[test]
    fn stepping_passes_over_dimmed_rows_and_stops_at_the_ends() {
        let live = |f: F| f != F::B && f != F::C;
        assert_eq!(F::A.step_live(1, live), F::D);
        assert_eq!(F::D.step_live(-1, live), F::A);
        assert_eq!(F::D.step_live(1, live), F::D);
        assert_eq!(F::A.step_live(-1, live), F::A);
        // From a dimmed row (the model changed under it) to the next live one.
        assert_eq!(F::B.step_live(1, live), F::D);
        assert_eq!(F::A.step_live(2, |_| true), F::C);
    }
}
