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
}

/// Rows of (label, value) with the selected one highlighted while `active`.
pub struct SettingsList<'a> {
    pub rows: Vec<(String, String)>,
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
            selected: selected.index(),
            active: true,
            block,
            theme,
        }
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
        let rows: Vec<Row> = self
            .rows
            .into_iter()
            .map(|(k, v)| Row::new(vec![Cell::from(k), Cell::from(v)]))
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
