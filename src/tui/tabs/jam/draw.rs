//! Drawing the Jam tab: its settings (with the rows it shares), the session's figures, the
//! computer keyboard's piano, and the roll of the current and coming turns.

use super::super::generate::GenerateTab;
use super::super::play::{PlayField, PlayTab};
use super::JamTab;
use super::fields::JamField;
use super::live::RATE;
use crate::audio::{live_latency_ms, period_frames};
use crate::jam::Plan;
use crate::music::{Note, PPQ, Pitch, Role, Score, Tick, Track};
use crate::tui::layout::BARS_H;
use crate::tui::player::SoundSource;
use crate::tui::widgets::block;
use crate::tui::widgets::piano_roll::{PianoRoll, RollView};
use crate::tui::widgets::settings::{Field, SettingsList};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget, Wrap};

/// The smallest body the tab can be used in.
pub const MIN_BODY: (u16, u16) = (70, 18);

/// The Jam tab with the tabs whose rows it shares.
pub struct JamView<'a> {
    pub tab: &'a JamTab,
    pub gen_tab: &'a GenerateTab,
    pub play: &'a PlayTab,
}

/// Settings, session figures, keyboard, roll.
pub fn areas(area: Rect) -> (Rect, Rect, Rect, Rect) {
    let [left, right] =
        Layout::horizontal([Constraint::Length(36), Constraint::Min(20)]).areas(area);
    let rows = JamField::ALL.len() as u16 + 2;
    let height = rows.min(area.height * 3 / 5).max(8);
    let [settings, info] =
        Layout::vertical([Constraint::Length(height), Constraint::Min(3)]).areas(left);
    let [keys, roll] = Layout::vertical([Constraint::Length(6), Constraint::Min(4)]).areas(right);
    (settings, info, keys, roll)
}

impl Widget for JamView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width < MIN_BODY.0 || area.height < MIN_BODY.1 {
            // The terminal's size, not the body's: the tab and status bars are around it.
            let msg = format!(
                "The Jam tab needs a {}×{} terminal (this one is {}×{}).",
                MIN_BODY.0,
                MIN_BODY.1 + BARS_H,
                area.width,
                area.height + BARS_H
            );
            Paragraph::new(msg)
                .wrap(Wrap { trim: true })
                .render(area, buf);
            return;
        }
        let (settings, info, keys, roll) = areas(area);
        let t = self.tab;
        let m = self.gen_tab.loaded();
        let g = &self.gen_tab.settings;
        let value = |f: JamField| match f {
            JamField::Gen(gf) => g.value(gf, &self.gen_tab.model, m),
            JamField::Sound => self.play.value(PlayField::Sound),
            f => t.settings.value(f),
        };
        let live = |f: JamField| match f {
            JamField::Gen(gf) => g.not_applying(gf, m).is_none(),
            _ => true,
        };
        SettingsList::of(value, t.field, block("Jam (↑↓ ←→, Space)"), &t.theme)
            .live(live)
            .render(settings, buf);
        Paragraph::new(self.info_lines())
            .wrap(Wrap { trim: true })
            .block(block("Session"))
            .render(info, buf);
        Paragraph::new(keyboard_lines(t))
            .block(block(keys_title(t, keys.width.saturating_sub(2))))
            .render(keys, buf);
        let b = block(format!("Turns: {}", g.progression_name()));
        let inner = b.inner(roll);
        b.render(roll, buf);
        self.draw_roll(inner, buf);
    }
}

/// How long a key takes to be heard: measured from the stream while a session plays,
/// expected from the buffer asked for before.
fn out_line(t: &JamTab) -> String {
    let buffer = t.settings.buffer_ms;
    match &t.output {
        Some(o) if o.silent.is_some() => "out: none (silent, on a timer)".into(),
        Some(o) => match (o.latency_ms, &o.sound) {
            (Some(ms), SoundSource::Midi(_)) => format!("out {ms:.0} ms (MIDI port, timer)"),
            (Some(ms), _) => format!("out {ms:.0} ms ({buffer} ms buffer)"),
            (None, _) => "out: the system chose the buffer".into(),
        },
        None => {
            let ms = live_latency_ms(period_frames(buffer, RATE), RATE, RATE);
            format!("out {ms:.0} ms expected ({buffer} ms buffer)")
        }
    }
}

/// What a key's note lasts, in as many words as `width` holds.
fn keys_title(t: &JamTab, width: u16) -> &'static str {
    let (long, short) = match t.releases {
        true => (
            "Keyboard: a note lasts while its key is held",
            "Keyboard: notes last while held",
        ),
        false => (
            "Keyboard: a note lasts until the next key or a beat (no key releases here)",
            "Keyboard: a note ends at the next key/beat",
        ),
    };
    if long.chars().count() <= usize::from(width) {
        long
    } else {
        short
    }
}

/// The two rows of the computer keyboard's piano, black keys above white ones.
fn keyboard_lines(t: &JamTab) -> Vec<Line<'static>> {
    let name = |k: i32| {
        u8::try_from(k)
            .ok()
            .and_then(Pitch::new)
            .map_or("--".into(), |p| p.to_string())
    };
    vec![
        Line::from("       2   3       5   6   7    [ ] octave"),
        Line::from(format!(
            "{:<4}  q   w   e   r   t   y   u   i",
            name(t.low_c + 12)
        )),
        Line::from("       s   d       g   h   j"),
        Line::from(format!(
            "{:<4}  z   x   c   v   b   n   m   ,",
            name(t.low_c)
        )),
    ]
}

impl JamView<'_> {
    fn info_lines(&self) -> Vec<Line<'static>> {
        let t = self.tab;
        let mut lines = Vec::new();
        match &t.run {
            Some(r) => lines.push(Line::from(r.status())),
            None => lines.push(Line::from(format!(
                "Space: a bar of count-in, then {}-bar turns",
                t.settings.bars
            ))),
        }
        lines.push(Line::from(match t.compute_figures() {
            Some((med, worst)) => format!("answer: {med:.0} ms median, {worst:.0} worst"),
            None => "answer: not computed yet".into(),
        }));
        lines.push(Line::from(out_line(t)));
        if let Some(o) = t.output.as_ref().filter(|o| o.sound != self.play.sound) {
            let s = format!("sound: {} instead", o.sound.label());
            lines.push(Line::styled(s, t.theme.warning()));
        }
        if self.gen_tab.bundle.is_none() {
            lines.push(Line::styled(
                "no model loaded: improv rests",
                t.theme.warning(),
            ));
        }
        if let Some(late) = t.run.as_ref().and_then(|r| r.session.late.clone()) {
            lines.push(Line::styled(late, t.theme.warning()));
        }
        if let Some(p) = &t.problem {
            lines.push(Line::styled(p.clone(), t.theme.error()));
        }
        lines
    }

    /// The current turn and the coming one: chords, improv's notes by class, yours in one
    /// colour, the playhead.
    fn draw_roll(&self, area: Rect, buf: &mut Buffer) {
        let t = self.tab;
        let (plan, tick, improv, yours) = match (&t.run, &t.last) {
            (Some(r), _) => {
                let s = &r.session;
                let now = r.clock.now();
                let notes: Vec<Note> = s.answers.iter().flat_map(|a| a.notes.clone()).collect();
                (s.plan.clone(), Some(r.tick_now()), notes, s.your_notes(now))
            }
            (None, Some((s, _))) => {
                let notes: Vec<Note> = s.answers.iter().flat_map(|a| a.notes.clone()).collect();
                (s.plan.clone(), None, notes, s.played.clone())
            }
            _ => match t.idle_plan(&self.gen_tab.settings) {
                Some(p) => (p, None, Vec::new(), Vec::new()),
                None => return,
            },
        };
        let len = plan.bars * plan.bar_ticks();
        let from = plan.turn_at(tick.unwrap_or(0).max(0) as Tick).start;
        let to = from + 2 * len;
        let mut score = Score::new("jam", plan.bpm);
        score.chords = plan.chords_between(from, to);
        let mut m = Track::new("improv", Role::Melody, 0, 66);
        m.notes = within(&improv, from, to);
        score.tracks.push(m);
        let yours = within(&yours, from, to);
        let cols = area.width.saturating_sub(5).max(1) as Tick;
        PianoRoll {
            score: &score,
            view: RollView {
                from,
                ticks_per_col: (2 * len).div_ceil(cols).max(PPQ / 16),
            },
            playhead: tick.filter(|&k| k >= 0).map(|k| k as Tick),
            yours: &yours,
            theme: &t.theme,
        }
        .render(area, buf);
    }
}

fn within(notes: &[Note], from: Tick, to: Tick) -> Vec<Note> {
    notes
        .iter()
        .filter(|n| n.end() > from && n.start < to)
        .copied()
        .collect()
}

impl JamTab {
    /// The plan the settings make now, for drawing before a session (a file's changes are
    /// read when the session starts).
    pub fn idle_plan(&self, g: &super::super::gen_settings::GenSettings) -> Option<Plan> {
        let (opts, file) = g.options().ok()?;
        if file.is_some() {
            return None;
        }
        Some(self.plan(g, opts.changes))
    }
}
