//! The piano roll: pitches down the side with note names, bars and beats across, chord
//! symbols above their bars, the solo coloured by grammar class, and a playhead.

use super::super::theme::Theme;
use crate::music::{PPQ, Pitch, Role, Score, Tick};
use crate::tokens::classify;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::widgets::Widget;

/// The piano roll's window: first tick shown and ticks per column.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RollView {
    pub from: Tick,
    pub ticks_per_col: Tick,
}

impl Default for RollView {
    fn default() -> Self {
        RollView {
            from: 0,
            ticks_per_col: PPQ / 4,
        }
    }
}

impl RollView {
    pub fn zoom(&mut self, zoom_in: bool) {
        self.ticks_per_col = if zoom_in {
            (self.ticks_per_col / 2).max(PPQ / 16)
        } else {
            (self.ticks_per_col * 2).min(PPQ * 2)
        };
    }
    pub fn scroll(&mut self, d: i64) {
        let bar = (PPQ * 4) as i64;
        self.from = (self.from as i64 + d * bar).max(0) as Tick;
    }
}

pub struct PianoRoll<'a> {
    pub score: &'a Score,
    pub view: RollView,
    /// The tick under the playhead, when playing.
    pub playhead: Option<Tick>,
    /// The user's notes (the Jam tab), drawn in one colour beside the melody.
    pub yours: &'a [crate::music::Note],
    pub theme: &'a Theme,
}

/// Width of the note-name column.
const GUTTER: u16 = 5;

/// Where the roll's rows and columns fall: the top row's key, and the column of a tick.
struct Geometry {
    area: Rect,
    rows: u16,
    cols: u16,
    top: u8,
    from: Tick,
    tpc: Tick,
}

impl Geometry {
    fn col_of(&self, t: Tick) -> Option<u16> {
        (t >= self.from && (t - self.from) / self.tpc < self.cols as Tick)
            .then(|| ((t - self.from) / self.tpc) as u16)
    }
    fn key_at(&self, row: u16) -> i32 {
        self.top as i32 - row as i32
    }
    fn x(&self, col: u16) -> u16 {
        self.area.x + GUTTER + col
    }
    fn y(&self, row: u16) -> u16 {
        self.area.y + 2 + row
    }
}

impl Widget for PianoRoll<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width <= GUTTER + 2 || area.height < 4 {
            return;
        }
        let Some(melody) = self.score.tracks.iter().find(|t| t.role == Role::Melody) else {
            buf.set_string(area.x, area.y, "no melody", Style::default());
            return;
        };
        let rows = area.height - 2; // chord row and bar-number row
        let all = melody.notes.iter().chain(self.yours);
        let (lo, hi) = all.fold((127u8, 0u8), |(lo, hi), n| {
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
        let g = Geometry {
            area,
            rows,
            cols: area.width - GUTTER,
            top,
            from: self.view.from,
            tpc: self.view.ticks_per_col.max(1),
        };
        self.grid(&g, buf);
        self.key_names(&g, buf);
        self.chords(&g, buf);
        self.notes(&g, &melody.notes, buf, None);
        self.notes(&g, self.yours, buf, Some(self.theme.bar));
        if let Some(col) = self.playhead.and_then(|t| g.col_of(t)) {
            for r in 0..rows {
                buf[(g.x(col), g.y(r))].set_style(Style::default().bg(self.theme.playhead));
            }
        }
    }
}

impl PianoRoll<'_> {
    /// Bar lines with their numbers, and a dot on every beat.
    fn grid(&self, g: &Geometry, buf: &mut Buffer) {
        let bar = PPQ * 4;
        let style = Theme::fg(self.theme.grid);
        for c in 0..g.cols {
            let t = g.from + c as Tick * g.tpc;
            let (ch, is_line) = if t % bar < g.tpc {
                ('│', true)
            } else if t % PPQ < g.tpc {
                ('·', false)
            } else {
                continue;
            };
            if is_line {
                buf.set_string(g.x(c), g.area.y + 1, format!("{}", t / bar + 1), style);
            }
            for r in (0..g.rows).filter(|r| is_line || r % 2 == 0) {
                buf[(g.x(c), g.y(r))].set_char(ch).set_style(style);
            }
        }
    }

    /// Note names: every C, and the top and bottom rows.
    fn key_names(&self, g: &Geometry, buf: &mut Buffer) {
        for r in 0..g.rows {
            let key = g.key_at(r);
            let Some(p) = u8::try_from(key).ok().and_then(Pitch::new) else {
                continue;
            };
            if key % 12 == 0 || r == 0 || r == g.rows - 1 {
                let name = format!("{:<4}", p.to_string());
                buf.set_string(g.area.x, g.y(r), name, Theme::fg(self.theme.key_names));
            }
        }
    }

    /// Chord symbols above their bars.
    fn chords(&self, g: &Geometry, buf: &mut Buffer) {
        for c in &self.score.chords {
            if let Some(col) = g.col_of(c.start.max(g.from)) {
                let room = (g.cols - col) as usize;
                let name: String = c.chord.to_string().chars().take(room).collect();
                let style = Theme::fg(self.theme.chord_symbols);
                buf.set_string(g.x(col), g.area.y, name, style);
            }
        }
    }

    /// Each note as a bar as long as it lasts, in its class colour (or `colour`); a
    /// half-block marks where it starts, so repeated notes stay apart; notes of a restated
    /// figure are underlined in the theme's `restated` colour.
    fn notes(
        &self,
        g: &Geometry,
        notes: &[crate::music::Note],
        buf: &mut Buffer,
        colour: Option<ratatui::style::Color>,
    ) {
        let restated = crate::judge::motif::restated(notes);
        for (n, again) in notes.iter().zip(restated) {
            let row = g.key_at(0) - n.pitch.key() as i32;
            if row < 0 || row >= g.rows as i32 || n.end() <= g.from {
                continue;
            }
            let class = classify(n.pitch, self.score.chord_at(n.start).map(|c| &c.chord));
            let style = Style::default().bg(colour.unwrap_or(self.theme.class(class)));
            let style = if again {
                style
                    .fg(self.theme.restated)
                    .add_modifier(Modifier::UNDERLINED)
            } else {
                style.fg(self.theme.note_fg)
            };
            let Some(c0) = g.col_of(n.start.max(g.from)) else {
                continue;
            };
            let c1 = g
                .col_of(n.end().saturating_sub(1))
                .unwrap_or(g.cols - 1)
                .max(c0);
            for c in c0..=c1 {
                let starts_here = c == c0 && n.start >= g.from;
                buf[(g.x(c), g.y(row as u16))]
                    .set_char(if starts_here { '▌' } else { ' ' })
                    .set_style(style);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::music::{Chord, ChordSpan, Note, PitchClass, Quality, Track};
    use ratatui::style::Color;

    /// A bar of C major 7: a half note C4, then a quarter D4.
    fn score() -> Score {
        let mut s = Score::new("t", 120.0);
        let mut t = Track::new("solo", Role::Melody, 0, 0);
        for (start, dur, key) in [(0, 2 * PPQ, 60), (2 * PPQ, PPQ, 62)] {
            t.notes.push(Note {
                start,
                dur,
                pitch: Pitch::new(key).unwrap(),
                velocity: 90,
            });
        }
        s.tracks.push(t);
        s.chords.push(ChordSpan {
            start: 0,
            dur: 4 * PPQ,
            chord: Chord::new(PitchClass::new(0), Quality::Maj7),
        });
        s
    }

    fn render(score: &Score, area: Rect, playhead: Option<Tick>) -> Buffer {
        let mut buf = Buffer::filled(area, ratatui::buffer::Cell::new("x"));
        let view = RollView {
            from: 0,
            ticks_per_col: PPQ / 2,
        };
        let theme = Theme::DARK;
        PianoRoll {
            score,
            view,
            playhead,
            yours: &[],
            theme: &theme,
        }
        .render(area, &mut buf);
        buf
    }

    #[test]
    fn notes_are_bars_as_long_as_they_last_in_their_class_colour() {
        let s = score();
        let area = Rect::new(0, 0, 13, 5);
        let mut buf = render(&s, area, None);
        let name = |k: u8| format!("{:<4}x", Pitch::new(k).unwrap().to_string());
        let chord = s.chords[0].chord.to_string();
        let theme = Theme::DARK;
        // C4 is a chord tone of Cmaj7, D4 a scale tone.
        assert_eq!(buf[(5, 4)].bg, theme.chord_tone);
        assert_eq!(buf[(8, 4)].bg, theme.chord_tone);
        assert_eq!(buf[(9, 2)].bg, theme.scale_tone);
        assert_eq!(buf[(10, 2)].bg, theme.scale_tone);
        assert_ne!(buf[(11, 2)].bg, theme.scale_tone, "the quarter note ends");
        buf.set_style(area, Style::reset());
        let expected = Buffer::with_lines([
            format!("xxxxx{chord:x<8}"),
            "xxxxx1xxxxxxx".to_string(),
            format!("{}│x·x▌ ·x", name(62)),
            "xxxxx│xxxxxxx".to_string(),
            format!("{}▌   ·x·x", name(60)),
        ]);
        assert_eq!(buf, expected);
    }

    #[test]
    fn the_playhead_is_a_column_in_its_colour() {
        let s = score();
        let buf = render(&s, Rect::new(0, 0, 13, 5), Some(3 * PPQ));
        for y in 2..5 {
            assert_eq!(buf[(11, y)].bg, Color::White);
        }
    }

    #[test]
    fn tiny_areas_draw_nothing_and_never_panic() {
        let s = score();
        for w in 0..=8 {
            for h in 0..=4 {
                let area = Rect::new(0, 0, w, h);
                let buf = render(&s, area, Some(0));
                if w <= GUTTER + 2 || h < 4 {
                    assert!(buf.content.iter().all(|c| c.symbol() == "x"), "{w}x{h}");
                }
            }
        }
    }
}
