//! The Play tab: what plays the music (the built-in synth, a SoundFont or a MIDI port), the
//! mixer and tempo, the transport with its position, and a piano roll that follows the
//! playhead. Synthesis, the device and the MIDI port live on the audio thread.

use super::super::effect::Effect;
use super::super::keymap::Action;
use super::super::player::{AudioCmd, AudioStatus, SoundSource};
use super::super::theme::Theme;
use super::super::widgets::piano_roll::{PianoRoll, RollView};
use super::super::widgets::settings::{Field, SettingsList};
use super::super::widgets::{block, item_at, list_offset};
use super::direction;
use crate::music::{PPQ, Role, Score, Tick};
use crate::synth::{Part, SynthSettings};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Gauge, Paragraph, Widget, Wrap};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlayField {
    Sound,
    Swing,
    Tempo,
    Level(Part),
}

impl Field for PlayField {
    const ALL: &'static [Self] = &[
        PlayField::Sound,
        PlayField::Swing,
        PlayField::Tempo,
        PlayField::Level(Part::Lead),
        PlayField::Level(Part::Chords),
        PlayField::Level(Part::Bass),
        PlayField::Level(Part::Drums),
    ];

    fn label(self) -> String {
        match self {
            PlayField::Sound => "sound".into(),
            PlayField::Swing => "swing".into(),
            PlayField::Tempo => "tempo".into(),
            PlayField::Level(p) => format!("{p:?}").to_lowercase(),
        }
    }
}

pub struct PlayTab {
    pub score: Option<Score>,
    /// Where the score came from ("generated solo" or its file).
    pub source: String,
    pub settings: SynthSettings,
    /// What plays the music.
    pub sound: SoundSource,
    /// Playback tempo as a share of the written one.
    pub tempo_pct: u32,
    pub field: PlayField,
    pub duration: f64,
    pub status: AudioStatus,
    pub theme: Theme,
}

impl Default for PlayTab {
    fn default() -> Self {
        PlayTab {
            score: None,
            source: String::new(),
            settings: SynthSettings::default(),
            sound: SoundSource::Builtin,
            tempo_pct: 100,
            field: PlayField::Sound,
            duration: 0.0,
            status: AudioStatus::default(),
            theme: Theme::default(),
        }
    }
}

impl PlayTab {
    pub fn set_score(&mut self, score: Score, source: String) {
        self.score = Some(score);
        self.source = source;
    }

    pub fn value(&self, f: PlayField) -> String {
        match f {
            PlayField::Sound => match (&self.sound, &self.status.no_midi) {
                (SoundSource::Builtin, Some(_)) => "built-in, no MIDI".into(),
                (s, _) => s.label(),
            },
            PlayField::Swing => format!("{:.2}", self.settings.swing),
            PlayField::Tempo => format!("{}%", self.tempo_pct.max(1)),
            PlayField::Level(p) => {
                let m = self.settings.mix(p);
                let bar = "█".repeat((m.level * 10.0).round() as usize);
                match m.mute {
                    true => "muted".into(),
                    false => format!("{bar:<10} {:.0}%", m.level * 100.0),
                }
            }
        }
    }

    pub fn adjust(&mut self, f: PlayField, d: i64) {
        match f {
            PlayField::Sound => self.sound = self.next_sound(d),
            PlayField::Swing => {
                self.settings.swing = (self.settings.swing + 0.02 * d as f64).clamp(0.5, 0.75)
            }
            PlayField::Tempo => {
                self.tempo_pct = (self.tempo_pct.max(1) as i64 + 5 * d).clamp(25, 300) as u32
            }
            PlayField::Level(p) => {
                let m = self.settings.mix_mut(p);
                m.level = (m.level + 0.1 * d as f32).clamp(0.0, 1.5);
            }
        }
    }

    /// Why the sound row has nothing but the built-in synth to offer, in one line (None:
    /// a SoundFont or a MIDI port was found).
    pub fn only_builtin(&self) -> Option<String> {
        if !self.status.sources.is_empty() {
            return None;
        }
        let midi = match self.status.no_midi {
            Some(_) => "no MIDI system",
            None => "no MIDI output port",
        };
        Some(format!(
            "only the built-in synth: no .sf2 SoundFont in /usr/share/sounds/sf2 or \
             ~/.config/improv, {midi}"
        ))
    }

    /// The sound source `d` places on among the built-in synth and those found.
    fn next_sound(&self, d: i64) -> SoundSource {
        let mut all = vec![SoundSource::Builtin];
        all.extend(self.status.sources.iter().cloned());
        let at = all.iter().position(|s| *s == self.sound).unwrap_or(0) as i64;
        all.swap_remove((at + d).rem_euclid(all.len() as i64) as usize)
    }

    /// The score at the chosen tempo.
    pub fn scaled(&self, mut score: Score) -> Score {
        let k = self.tempo_pct.max(1) as f64 / 100.0;
        for t in &mut score.tempos {
            t.us_per_quarter = ((t.us_per_quarter as f64 / k) as u32).max(1);
        }
        score
    }

    /// The score's tick under the playhead, while something plays.
    pub fn playhead(&self) -> Option<Tick> {
        let s = self.score.as_ref()?;
        self.status.playing.then(|| self.tick_now(s))
    }

    fn tick_now(&self, s: &Score) -> Tick {
        s.tick_at(self.status.position * self.tempo_pct.max(1) as f64 / 100.0)
    }

    pub fn on_action(&mut self, a: Action) -> Effect {
        let st = &self.status;
        match a {
            Action::PlayPause if st.playing && !st.paused => Effect::Audio(AudioCmd::Pause),
            Action::PlayPause if st.playing => Effect::Audio(AudioCmd::Resume),
            Action::PlayPause => Effect::Play(0.0),
            Action::Stop => Effect::Audio(AudioCmd::Stop),
            Action::BarBack | Action::BarForward => match &self.score {
                Some(score) => {
                    let bar = score.seconds_at(PPQ * 4) * direction(a == Action::BarForward) as f64;
                    Effect::Play((st.position + bar).max(0.0))
                }
                None => Effect::None,
            },
            Action::Up => self.select(self.field.step(-1)),
            Action::Down => self.select(self.field.step(1)),
            Action::Left | Action::Right => match self.only_builtin() {
                Some(why) if self.field == PlayField::Sound => Effect::Message(why),
                _ => {
                    self.adjust(self.field, direction(a == Action::Right));
                    Effect::None
                }
            },
            Action::Mute => {
                if let PlayField::Level(p) = self.field {
                    let m = self.settings.mix_mut(p);
                    m.mute = !m.mute;
                }
                Effect::None
            }
            Action::ExportMidi | Action::ExportWav => Effect::AskExport {
                wav: a == Action::ExportWav,
            },
            _ => Effect::None,
        }
    }

    fn select(&mut self, f: PlayField) -> Effect {
        self.field = f;
        Effect::None
    }

    /// A click on a mixer row selects it.
    pub fn click(&mut self, area: Rect, col: u16, row: u16) {
        let (mixer, ..) = areas(area);
        let inner = block("").inner(mixer);
        let off = list_offset(self.field.index(), inner.height);
        if let Some(f) = item_at(inner, off, col, row).and_then(PlayField::at) {
            self.field = f;
        }
    }
}

/// Mixer, transport, position gauge, piano roll.
fn areas(area: Rect) -> (Rect, Rect, Rect, Rect) {
    let [left, right] =
        Layout::horizontal([Constraint::Length(36), Constraint::Min(20)]).areas(area);
    let [mixer, transport] =
        Layout::vertical([Constraint::Length(9), Constraint::Min(3)]).areas(left);
    let [pos, roll] = Layout::vertical([Constraint::Length(3), Constraint::Min(4)]).areas(right);
    (mixer, transport, pos, roll)
}

impl Widget for &PlayTab {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (mixer, transport, pos, roll) = areas(area);
        let b = block("Sound and mixer (←→, m mute)");
        SettingsList::of(|f| self.value(f), self.field, b, &self.theme).render(mixer, buf);
        Paragraph::new(self.transport_lines())
            .wrap(Wrap { trim: true })
            .block(block("Transport"))
            .render(transport, buf);
        self.draw_position(pos, buf);
        let b = block("Piano roll");
        let inner = b.inner(roll);
        b.render(roll, buf);
        self.draw_roll(inner, buf);
    }
}

impl PlayTab {
    fn transport_lines(&self) -> Vec<Line<'static>> {
        let st = &self.status;
        let mut lines = vec![Line::from(match self.source.is_empty() {
            true => "nothing loaded".to_string(),
            false => self.source.clone(),
        })];
        let midi = matches!(self.sound, SoundSource::Midi(_));
        if let Some(why) = st.no_device.as_ref().filter(|_| !midi) {
            let e = format!("no audio output device ({why})");
            lines.push(Line::styled(e, self.theme.error()));
            lines.push(Line::from("w exports a WAV file instead"));
        } else {
            lines.push(Line::from(match (st.playing, st.paused) {
                (true, false) => "playing (space pause, x stop, [ ] bars)",
                (true, true) => "paused (space resumes)",
                _ => "space plays",
            }));
        }
        if let Some(s) = &self.score {
            lines.push(Line::from(format!(
                "{} notes, {:.0} bpm, {} tracks",
                s.note_count(),
                s.bpm(),
                s.tracks.len()
            )));
            for t in &s.tracks {
                lines.push(Line::from(format!("  {:<7} {}", t.role.label(), t.name)));
            }
        }
        lines
    }

    fn draw_position(&self, area: Rect, buf: &mut Buffer) {
        let st = &self.status;
        let ratio = if st.duration > 0.0 {
            st.position / st.duration
        } else {
            0.0
        };
        let bar_now = self
            .score
            .as_ref()
            .map_or(0, |s| self.tick_now(s) / (PPQ * 4) + 1);
        // Before anything plays (or with no device), the score's own length.
        let total = if st.duration > 0.0 {
            st.duration
        } else {
            self.score.as_ref().map_or(0.0, |s| {
                s.duration_secs() * 100.0 / self.tempo_pct.max(1) as f64
            })
        };
        Gauge::default()
            .block(block("Position"))
            .ratio(ratio.clamp(0.0, 1.0))
            .label(format!("bar {bar_now}  {:.1}/{total:.1}s", st.position))
            .render(area, buf);
    }

    /// The roll follows the playhead a bar at a time.
    fn draw_roll(&self, area: Rect, buf: &mut Buffer) {
        let Some(s) = &self.score else { return };
        if !s.tracks.iter().any(|t| t.role == Role::Melody) {
            return;
        }
        let tick = self.tick_now(s);
        let cols = area.width.saturating_sub(5) as u32;
        let bar = PPQ * 4;
        let from = match self.status.playing {
            true => tick.saturating_sub(cols * (PPQ / 4) / 4) / bar * bar,
            false => 0,
        };
        PianoRoll {
            yours: &[],
            score: s,
            view: RollView {
                from,
                ticks_per_col: PPQ / 4,
            },
            playhead: self.status.playing.then_some(tick),
            theme: &self.theme,
        }
        .render(area, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sound_row_cycles_through_the_built_in_synth_and_what_was_found() {
        let mut tab = PlayTab::default();
        assert_eq!(tab.field, PlayField::Sound);
        assert_eq!(tab.value(PlayField::Sound), "built-in synth");
        let font = SoundSource::SoundFont("/fonts/GM.sf2".into());
        let port = SoundSource::Midi("Synth 1".into());
        tab.status.sources = vec![font.clone(), port.clone()];
        tab.on_action(Action::Right);
        assert_eq!(tab.sound, font);
        assert_eq!(tab.value(PlayField::Sound), "GM.sf2");
        tab.on_action(Action::Right);
        assert_eq!(tab.sound, port);
        tab.on_action(Action::Right);
        assert_eq!(tab.sound, SoundSource::Builtin);
        tab.on_action(Action::Left);
        assert_eq!(tab.sound, port);
    }

    #[test]
    fn without_a_midi_system_the_row_says_so_and_keeps_the_built_in_synth() {
        let mut tab = PlayTab::default();
        tab.status.no_midi = Some("no MIDI system here".into());
        let Effect::Message(why) = tab.on_action(Action::Right) else {
            panic!("a line saying why nothing else plays");
        };
        assert!(why.contains("no .sf2 SoundFont") && why.contains("no MIDI system"));
        assert_eq!(tab.sound, SoundSource::Builtin);
        assert_eq!(tab.value(PlayField::Sound), "built-in, no MIDI");
    }
}
