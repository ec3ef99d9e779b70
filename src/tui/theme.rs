//! Every colour of the studio in one place: a dark and a light theme, each colour
//! overridable by name from the config file.

use crate::tokens::NoteClass;
use ratatui::style::{Color, Modifier, Style};

/// The colours the studio draws with. Names (the field names) are what the config file uses.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Theme {
    /// Selected row of a list or settings box (text on background).
    pub selection_fg: Color,
    pub selection_bg: Color,
    /// The highlighted row of a table the user is not moving in (the file list).
    pub row_bg: Color,
    pub heading: Color,
    pub error: Color,
    pub warning: Color,
    pub busy: Color,
    pub key_fg: Color,
    pub key_bg: Color,
    pub bar: Color,
    pub bar_value_fg: Color,
    pub chart_batch: Color,
    pub chart_train: Color,
    pub chart_val: Color,
    pub chart_bigram: Color,
    pub chart_unigram: Color,
    pub chord_tone: Color,
    pub scale_tone: Color,
    pub approach_tone: Color,
    pub other_tone: Color,
    pub note_fg: Color,
    pub grid: Color,
    pub key_names: Color,
    pub chord_symbols: Color,
    pub playhead: Color,
    /// Notes of a restated figure (underlined, in this colour).
    pub restated: Color,
    /// Settings that do not apply to the loaded model or the chosen decoding.
    pub dimmed: Color,
}

impl Default for Theme {
    fn default() -> Self {
        Theme::DARK
    }
}

impl Theme {
    pub const DARK: Theme = Theme {
        selection_fg: Color::Black,
        selection_bg: Color::Yellow,
        row_bg: Color::DarkGray,
        heading: Color::Yellow,
        error: Color::Red,
        warning: Color::Yellow,
        busy: Color::Yellow,
        key_fg: Color::Black,
        key_bg: Color::Gray,
        bar: Color::Cyan,
        bar_value_fg: Color::Black,
        chart_batch: Color::DarkGray,
        chart_train: Color::Cyan,
        chart_val: Color::Yellow,
        chart_bigram: Color::Red,
        chart_unigram: Color::Magenta,
        chord_tone: Color::Green,
        scale_tone: Color::Cyan,
        approach_tone: Color::Yellow,
        other_tone: Color::Red,
        note_fg: Color::Black,
        grid: Color::DarkGray,
        key_names: Color::Gray,
        chord_symbols: Color::Magenta,
        playhead: Color::White,
        restated: Color::White,
        dimmed: Color::DarkGray,
    };

    /// For terminals with a light background: darker accents, a dark playhead.
    pub const LIGHT: Theme = Theme {
        selection_fg: Color::White,
        selection_bg: Color::Blue,
        row_bg: Color::Gray,
        heading: Color::Blue,
        error: Color::Red,
        warning: Color::Rgb(160, 90, 0),
        busy: Color::Blue,
        key_fg: Color::White,
        key_bg: Color::DarkGray,
        bar: Color::Blue,
        bar_value_fg: Color::White,
        chart_batch: Color::Gray,
        chart_train: Color::Blue,
        chart_val: Color::Rgb(160, 90, 0),
        chart_bigram: Color::Red,
        chart_unigram: Color::Magenta,
        chord_tone: Color::Green,
        scale_tone: Color::Cyan,
        approach_tone: Color::Yellow,
        other_tone: Color::LightRed,
        note_fg: Color::Black,
        grid: Color::Gray,
        key_names: Color::DarkGray,
        chord_symbols: Color::Magenta,
        playhead: Color::Black,
        restated: Color::Blue,
        dimmed: Color::Gray,
    };

    /// Every colour by its config name.
    pub fn colors_mut(&mut self) -> [(&'static str, &mut Color); 27] {
        [
            ("selection_fg", &mut self.selection_fg),
            ("selection_bg", &mut self.selection_bg),
            ("row_bg", &mut self.row_bg),
            ("heading", &mut self.heading),
            ("error", &mut self.error),
            ("warning", &mut self.warning),
            ("busy", &mut self.busy),
            ("key_fg", &mut self.key_fg),
            ("key_bg", &mut self.key_bg),
            ("bar", &mut self.bar),
            ("bar_value_fg", &mut self.bar_value_fg),
            ("chart_batch", &mut self.chart_batch),
            ("chart_train", &mut self.chart_train),
            ("chart_val", &mut self.chart_val),
            ("chart_bigram", &mut self.chart_bigram),
            ("chart_unigram", &mut self.chart_unigram),
            ("chord_tone", &mut self.chord_tone),
            ("scale_tone", &mut self.scale_tone),
            ("approach_tone", &mut self.approach_tone),
            ("other_tone", &mut self.other_tone),
            ("note_fg", &mut self.note_fg),
            ("grid", &mut self.grid),
            ("key_names", &mut self.key_names),
            ("chord_symbols", &mut self.chord_symbols),
            ("playhead", &mut self.playhead),
            ("restated", &mut self.restated),
            ("dimmed", &mut self.dimmed),
        ]
    }

    pub fn selected(&self) -> Style {
        Style::default().fg(self.selection_fg).bg(self.selection_bg)
    }

    /// A settings row that does not apply now.
    pub fn dimmed(&self) -> Style {
        Style::default().fg(self.dimmed)
    }

    pub fn row(&self) -> Style {
        Style::default().bg(self.row_bg)
    }

    pub fn heading(&self) -> Style {
        Style::default()
            .fg(self.heading)
            .add_modifier(Modifier::BOLD)
    }

    pub fn header() -> Style {
        Style::default().add_modifier(Modifier::BOLD)
    }

    pub fn error(&self) -> Style {
        Style::default().fg(self.error)
    }

    pub fn warning(&self) -> Style {
        Style::default().fg(self.warning)
    }

    pub fn key(&self) -> Style {
        Style::default().fg(self.key_fg).bg(self.key_bg)
    }

    pub fn fg(c: Color) -> Style {
        Style::default().fg(c)
    }

    /// The colour of a note of grammar class `c` on the piano roll and in its legend.
    pub fn class(&self, c: NoteClass) -> Color {
        match c {
            NoteClass::Chord => self.chord_tone,
            NoteClass::Scale => self.scale_tone,
            NoteClass::Approach => self.approach_tone,
            _ => self.other_tone,
        }
    }
}
