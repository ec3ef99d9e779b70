//! The Jam tab's settings rows: its own (trade length, who starts, mode, count-in,
//! metronome, band, output buffer, MIDI in) and the Generate tab's rows it shares
//! (progression, tempo, model and decoding), which show and change the same settings.

use super::super::super::widgets::settings::Field;
use super::super::gen_settings::GenField;
use crate::jam::Who;
use crate::jam::answer::Mode;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JamField {
    /// A row of the Generate tab's settings.
    Gen(GenField),
    Bars,
    Starts,
    Mode,
    CountIn,
    Metronome,
    Comping,
    Bass,
    Drums,
    Sound,
    Buffer,
    MidiIn,
}

impl Field for JamField {
    const ALL: &'static [Self] = &[
        JamField::Gen(GenField::Progression),
        JamField::Gen(GenField::Tempo),
        JamField::Bars,
        JamField::Starts,
        JamField::Mode,
        JamField::Gen(GenField::Model),
        JamField::Gen(GenField::Temperature),
        JamField::Gen(GenField::TopP),
        JamField::Gen(GenField::Beam),
        JamField::Gen(GenField::Seed),
        JamField::CountIn,
        JamField::Metronome,
        JamField::Comping,
        JamField::Bass,
        JamField::Drums,
        JamField::Sound,
        JamField::Buffer,
        JamField::MidiIn,
    ];

    fn label(self) -> String {
        match self {
            JamField::Gen(g) => return g.label(),
            JamField::Bars => "trade",
            JamField::Starts => "who starts",
            JamField::Mode => "answer",
            JamField::CountIn => "count-in",
            JamField::Metronome => "metronome",
            JamField::Comping => "comping",
            JamField::Bass => "bass",
            JamField::Drums => "drums",
            JamField::Sound => "sound",
            JamField::Buffer => "out buffer",
            JamField::MidiIn => "MIDI in",
        }
        .into()
    }
}

/// The Jam tab's own settings.
#[derive(Clone, Debug, PartialEq)]
pub struct JamSettings {
    pub bars: u32,
    pub starts: Who,
    pub mode: Mode,
    pub count_in: bool,
    pub metronome: bool,
    pub mutes: crate::jam::BandMutes,
    /// The output device's buffer, in milliseconds.
    pub buffer_ms: u32,
    /// The MIDI input port, by name or number (None: the computer keyboard only).
    pub midi_in: Option<String>,
}

impl Default for JamSettings {
    fn default() -> Self {
        JamSettings {
            bars: 4,
            starts: Who::You,
            mode: Mode::Continue,
            count_in: true,
            metronome: false,
            mutes: Default::default(),
            buffer_ms: 20,
            midi_in: None,
        }
    }
}

/// Buffer sizes offered, in milliseconds.
const BUFFERS: [u32; 6] = [5, 10, 20, 30, 50, 100];
/// Buffer sizes the command line and the config file may ask for, in milliseconds.
pub const BUFFER_MS: std::ops::RangeInclusive<u32> = 5..=100;

fn on_off(b: bool) -> String {
    if b { "on".into() } else { "off".into() }
}

fn band(muted: bool) -> String {
    if muted {
        "muted".into()
    } else {
        "plays".into()
    }
}

impl JamSettings {
    /// The value of one of the tab's own rows (the shared rows are the Generate tab's).
    pub fn value(&self, f: JamField) -> String {
        match f {
            JamField::Bars => format!("{} bar{}", self.bars, if self.bars == 1 { "" } else { "s" }),
            JamField::Starts => match self.starts {
                Who::You => "you".into(),
                Who::Improv => "improv".into(),
            },
            JamField::Mode => self.mode.name().into(),
            JamField::CountIn => on_off(self.count_in),
            JamField::Metronome => on_off(self.metronome),
            JamField::Comping => band(self.mutes.comping),
            JamField::Bass => band(self.mutes.bass),
            JamField::Drums => band(self.mutes.drums),
            JamField::Buffer => format!("{} ms", self.buffer_ms),
            JamField::MidiIn => self.midi_in.clone().unwrap_or_else(|| "none".into()),
            JamField::Gen(_) | JamField::Sound => String::new(),
        }
    }

    /// Changes one of the tab's own rows by `d` steps (on/off rows toggle).
    pub fn adjust(&mut self, f: JamField, d: i64) {
        let cycle = |at: usize, n: usize| (at as i64 + d).rem_euclid(n as i64) as usize;
        match f {
            JamField::Bars => {
                let all = [1, 2, 4, 8];
                let at = all.iter().position(|&b| b == self.bars).unwrap_or(2);
                self.bars = all[(at as i64 + d).clamp(0, 3) as usize];
            }
            JamField::Starts => {
                self.starts = match self.starts {
                    Who::You => Who::Improv,
                    Who::Improv => Who::You,
                }
            }
            JamField::Mode => {
                let at = Mode::ALL.iter().position(|&m| m == self.mode).unwrap_or(0);
                self.mode = Mode::ALL[cycle(at, Mode::ALL.len())];
            }
            JamField::CountIn => self.count_in = !self.count_in,
            JamField::Metronome => self.metronome = !self.metronome,
            JamField::Comping => self.mutes.comping = !self.mutes.comping,
            JamField::Bass => self.mutes.bass = !self.mutes.bass,
            JamField::Drums => self.mutes.drums = !self.mutes.drums,
            JamField::Buffer => {
                // The next size offered (from a size set in the config file too).
                let cur = self.buffer_ms;
                self.buffer_ms = match d > 0 {
                    true => BUFFERS.into_iter().find(|&b| b > cur).unwrap_or(BUFFERS[5]),
                    false => BUFFERS
                        .into_iter()
                        .rev()
                        .find(|&b| b < cur)
                        .unwrap_or(BUFFERS[0]),
                };
            }
            JamField::Gen(_) | JamField::Sound | JamField::MidiIn => {}
        }
    }
}
