//! The piano roll: pitches down the side with note names, bars and beats across, chord
//! symbols above their bars, the solo coloured by grammar class, and a playhead.

use super::state::RollView;
use crate::music::{PPQ, Pitch, Role, Score, Tick};
use crate::tokens::{NoteClass, classify};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::widgets::Widget;

pub struct PianoRoll<'a> {
    pub score: &'a Score,
    pub view: RollView,
    /// The tick under the playhead, when playing.
    pub playhead: Option<Tick>,
}

pub fn class_color(c: NoteClass) -> Color {
    match c {
        NoteClass::Chord => Color::Green,
        NoteClass::Scale => Color::Cyan,
        NoteClass::Approach => Color::Yellow,
        _ => Color::Red,
    }
}

impl Widget for PianoRoll<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        const GUTTER: u16 = 5;
        if area.width <= GUTTER + 2 || area.height < 4 {
            return;
        }
        let Some(melody) = self.score.tracks.iter().find(|t| t.role == Role::Melody) else {
            buf.set_string(area.x, area.y, "no melody", Style::default());
            return;
        };
        let rows = area.height - 2; // chord row and bar-number row
        let cols = area.width - GUTTER;
        let tpc = self.view.ticks_per_col.max(1);
        let from = self.view.from;
        let (lo, hi) = melody.notes.iter().fold((127u8, 0u8), |(lo, hi), n| {
            (lo.min(n.pitch.key()), hi.max(n.pitch.key()))
        });
        let (lo, hi) = if lo > hi { (60, 72) } else { (lo, hi) };
        // Centre the used range in the rows available.
        let span = (hi - lo) as u16 + 1;
        let top = if span >= rows {
            hi
        } else {
            (hi as u16 + (rows - span) / 2).min(127) as u8
        };
        let key_at = |row: u16| top as i32 - row as i32;
        let col_of = |t: Tick| -> Option<u16> {
            (t >= from && (t - from) / tpc < cols as Tick).then(|| ((t - from) / tpc) as u16)
        };
        let bar = PPQ * 4;
        let grid = Style::default().fg(Color::DarkGray);
        // Grid: bar lines and beat ticks.
        for c in 0..cols {
            let t = from + c as Tick * tpc;
            let x = area.x + GUTTER + c;
            let (ch, is_line) = if t % bar < tpc {
                ('│', true)
            } else if t % PPQ < tpc {
                ('·', false)
            } else {
                (' ', false)
            };
            if is_line {
                buf.set_string(x, area.y + 1, format!("{}", t / bar + 1), grid);
            }
            for r in 0..rows {
                if ch != ' ' && (is_line || r % 2 == 0) {
                    buf[(x, area.y + 2 + r)].set_char(ch).set_style(grid);
                }
            }
        }
        // Note names: every C, and the top and bottom rows.
        for r in 0..rows {
            let key = key_at(r);
            if !(0..=127).contains(&key) {
                continue;
            }
            let Some(p) = Pitch::new(key as u8) else {
                continue;
            };
            if key % 12 == 0 || r == 0 || r == rows - 1 {
                buf.set_string(
                    area.x,
                    area.y + 2 + r,
                    format!("{:<4}", p.to_string()),
                    Style::default().fg(Color::Gray),
                );
            }
        }
        // Chord symbols above their bars.
        for c in &self.score.chords {
            if let Some(col) = col_of(c.start.max(from)) {
                let room = (cols - col) as usize;
                let name: String = c.chord.to_string().chars().take(room).collect();
                buf.set_string(
                    area.x + GUTTER + col,
                    area.y,
                    name,
                    Style::default().fg(Color::Magenta),
                );
            }
        }
        // Notes.
        for n in &melody.notes {
            let row = top as i32 - n.pitch.key() as i32;
            if row < 0 || row >= rows as i32 || n.end() <= from {
                continue;
            }
            let class = classify(n.pitch, self.score.chord_at(n.start).map(|c| &c.chord));
            let style = Style::default().bg(class_color(class)).fg(Color::Black);
            let start = n.start.max(from);
            let Some(c0) = col_of(start) else { continue };
            let c1 = col_of(n.end().saturating_sub(1))
                .unwrap_or(cols - 1)
                .max(c0);
            for c in c0..=c1 {
                let cell = &mut buf[(area.x + GUTTER + c, area.y + 2 + row as u16)];
                cell.set_char(if c == c0 { '▌' } else { ' ' })
                    .set_style(style);
            }
        }
        if let Some(col) = self.playhead.and_then(col_of) {
            for r in 0..rows {
                buf[(area.x + GUTTER + col, area.y + 2 + r)]
                    .set_style(Style::default().bg(Color::White));
            }
        }
    }
}
