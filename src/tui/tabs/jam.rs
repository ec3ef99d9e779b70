//! The Jam tab: trading with improv live. The band loops the form on the live mixer, the
//! computer keyboard (or a MIDI keyboard) is a piano heard at once, and improv answers each
//! turn, computed on a thread of its own during the call's last beat.

mod draw;
pub mod fields;
mod live;

use super::super::effect::Effect;
use super::super::keymap::Action;
use super::super::player::{AudioCmd, LiveOut};
use super::super::theme::Theme;
use super::super::widgets::settings::Field;
use super::super::widgets::{block, item_at, list_offset};
use super::direction;
use super::gen_settings::{GenSettings, Loaded};
use super::generate::{GenField, GenerateTab};
use super::play::{PlayField, PlayTab};
use crate::generate::{Changes, SampleOptions};
use crate::jam::Plan;
use crate::jam::Session;
use crate::jam::answer::AnswerSettings;
use crate::music::{Score, Tick};
pub use draw::JamView;
pub use fields::{BUFFER_MS, JamField, JamSettings};
pub use live::Running;
use ratatui::layout::Rect;
use std::path::Path;

/// The piano's lowest C at the start (C4).
const LOW_C: i32 = 60;

pub struct JamTab {
    pub settings: JamSettings,
    pub field: JamField,
    /// The session playing now.
    pub run: Option<Running>,
    /// The last session and where it ended, kept for export after it stops.
    pub last: Option<(Session, Tick)>,
    /// The piano's lowest C (moved by octaves).
    pub low_c: i32,
    /// True when the terminal reports key releases (notes last while held).
    pub releases: bool,
    /// Milliseconds each answer took to compute.
    pub compute_ms: Vec<f64>,
    /// The output of the live mixer, as the audio thread reports it.
    pub output: Option<LiveOut>,
    /// A problem worth a line on the tab (no model, no MIDI system, a port gone).
    pub problem: Option<String>,
    /// Where the second eighth of a beat falls (the Play tab's swing when a session starts).
    pub swing: f64,
    pub theme: Theme,
}

impl Default for JamTab {
    fn default() -> Self {
        JamTab {
            settings: JamSettings::default(),
            field: JamField::Gen(GenField::Progression),
            run: None,
            last: None,
            low_c: LOW_C,
            releases: false,
            compute_ms: Vec::new(),
            output: None,
            problem: None,
            swing: crate::synth::SynthSettings::default().swing,
            theme: Theme::default(),
        }
    }
}

impl JamTab {
    pub fn running(&self) -> bool {
        self.run.is_some()
    }

    /// True while a MIDI keyboard plays into the session (its notes are taken often).
    pub fn midi_in(&self) -> bool {
        self.run.as_ref().is_some_and(Running::has_midi)
    }

    /// A key or action on the tab; `gen` and `play` hold the rows it shares with them.
    pub fn on_action(
        &mut self,
        a: Action,
        gen_tab: &mut GenerateTab,
        play: &mut PlayTab,
        file: Option<&Path>,
    ) -> Effect {
        match a {
            Action::Up | Action::Down => {
                self.field = self.field.step(direction(a == Action::Down));
            }
            Action::Left | Action::Right => {
                return self.adjust(direction(a == Action::Right), gen_tab, play, file);
            }
            Action::PlayPause if self.running() => return self.stop(),
            Action::PlayPause => return Effect::StartJam,
            Action::OctaveDown | Action::OctaveUp => {
                let d = if a == Action::OctaveUp { 12 } else { -12 };
                self.low_c = (self.low_c + d).clamp(24, 96);
            }
            Action::ExportMidi | Action::ExportWav => {
                return Effect::AskExport {
                    wav: a == Action::ExportWav,
                };
            }
            Action::SaveSolos => return Effect::SaveSolos,
            _ => {}
        }
        Effect::None
    }

    fn adjust(
        &mut self,
        d: i64,
        gen_tab: &mut GenerateTab,
        play: &mut PlayTab,
        file: Option<&Path>,
    ) -> Effect {
        let f = self.field;
        let band = matches!(f, JamField::Comping | JamField::Bass | JamField::Drums);
        if self.running() && !band {
            return Effect::Message("stop the session (Space) to change this".into());
        }
        match f {
            JamField::Gen(GenField::Model) => return Effect::NextModel(d),
            JamField::Gen(GenField::Progression) => {
                gen_tab.settings.cycle_progression(d, file, &gen_tab.charts)
            }
            JamField::Gen(g) => {
                let m = gen_tab.loaded();
                if let Some(why) = gen_tab.settings.not_applying(g, m) {
                    return Effect::Message(format!("{} {why}", g.label()));
                }
                gen_tab.settings.adjust(g, d, m);
            }
            JamField::Sound => match play.only_builtin() {
                Some(why) => return Effect::Message(why),
                None => play.adjust(PlayField::Sound, d),
            },
            JamField::MidiIn => return Effect::NextMidiIn(d),
            _ => self.settings.adjust(f, d),
        }
        if band && let Some(r) = &mut self.run {
            r.mute(self.settings.mutes);
        }
        Effect::None
    }

    /// Stops the session (kept for export) and the mixer.
    pub fn stop(&mut self) -> Effect {
        if let Some(mut r) = self.run.take() {
            let end = r.finish();
            self.last = Some((r.session, end));
        }
        Effect::Audio(AudioCmd::Stop)
    }

    /// The session (playing or last played) as a score, for export.
    pub fn score(&self) -> Option<Score> {
        match (&self.run, &self.last) {
            (Some(r), _) => Some(r.score()),
            (None, Some((s, end))) => Some(crate::jam::record::session_score(s, *end)),
            _ => None,
        }
    }

    /// The session the settings make over `changes` (the Generate tab's progression,
    /// tempo and seed; the Play tab's swing).
    pub fn plan(&self, g: &GenSettings, changes: Changes) -> Plan {
        let s = &self.settings;
        Plan {
            changes,
            bpm: g.bpm,
            sample_rate: live::RATE,
            bars: s.bars,
            starts: s.starts,
            count_in: s.count_in,
            metronome: s.metronome,
            swing: self.swing,
            mutes: s.mutes,
            seed: g.seed,
        }
    }

    /// How answers are computed: the mode and the Generate tab's sampling and decoding.
    pub fn answer_settings(&self, g: &GenSettings, m: Loaded) -> AnswerSettings {
        AnswerSettings {
            mode: self.settings.mode,
            sample: SampleOptions {
                temperature: g.temperature,
                top_k: g.top_k,
                seed: g.seed,
            },
            decoding: g.decoding(m),
        }
    }

    /// A click on a settings row selects it.
    pub fn click(&mut self, area: Rect, col: u16, row: u16) {
        let settings = draw::areas(area).0;
        let inner = block("").inner(settings);
        let off = list_offset(self.field.index(), inner.height);
        if let Some(f) = item_at(inner, off, col, row).and_then(JamField::at) {
            self.field = f;
        }
    }

    /// The key of a piano key `semitones` above the piano's lowest C.
    pub fn key_of(&self, semitones: i32) -> Option<u8> {
        u8::try_from(self.low_c + semitones)
            .ok()
            .filter(|&k| k <= 127)
    }

    /// Median and worst answer compute times so far, in milliseconds.
    pub fn compute_figures(&self) -> Option<(f64, f64)> {
        let mut v = self.compute_ms.clone();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        Some((v[v.len() / 2], v[v.len() - 1]))
    }
}
