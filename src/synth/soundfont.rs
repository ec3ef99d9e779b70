//! SoundFont voices: a score played through a General MIDI SoundFont with `rustysynth`.
//!
//! The score goes through the same schedule as a MIDI port gets (`schedule`), so programs,
//! channels, drums on channel 10, the tempo map, swing, and each part's level and mute are
//! honoured as with the built-in synth. Rendering streams a block at a time.

use super::plan::render_secs;
use super::schedule::{MidiMsg, Timed, schedule};
use super::{SynthSettings, limit};
use crate::music::Score;
use rustysynth::{SoundFont, Synthesizer, SynthesizerSettings};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum SoundFontError {
    #[error("{path}: cannot read the SoundFont ({reason})")]
    Read { path: PathBuf, reason: String },
    #[error("{path}: not a usable SoundFont ({reason})")]
    Bad { path: PathBuf, reason: String },
}

/// A SoundFont loaded once and shared by every render.
#[derive(Clone, Debug)]
pub struct Font {
    pub path: PathBuf,
    font: Arc<SoundFont>,
}

impl Font {
    pub fn load(path: &Path) -> Result<Font, SoundFontError> {
        let file = std::fs::File::open(path).map_err(|e| SoundFontError::Read {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        let mut reader = std::io::BufReader::new(file);
        let font = SoundFont::new(&mut reader).map_err(|e| SoundFontError::Bad {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        Ok(Font {
            path: path.to_path_buf(),
            font: Arc::new(font),
        })
    }

    /// A synthesizer playing this font at `sample_rate` (with its own reverb and chorus or
    /// dry).
    pub fn synthesizer(&self, sample_rate: u32, room: bool) -> Result<Synthesizer, SoundFontError> {
        let mut ss = SynthesizerSettings::new(sample_rate as i32);
        ss.enable_reverb_and_chorus = room;
        Synthesizer::new(&self.font, &ss).map_err(|e| SoundFontError::Bad {
            path: self.path.clone(),
            reason: e.to_string(),
        })
    }

    /// The file's name without its folder, for menus and messages.
    pub fn name(&self) -> String {
        self.path.file_name().map_or_else(
            || self.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    }
}

/// Where SoundFonts are usually installed, then the user's config directory.
pub fn search_dirs() -> Vec<PathBuf> {
    let mut dirs = vec![
        PathBuf::from("/usr/share/sounds/sf2"),
        PathBuf::from("/usr/share/soundfonts"),
    ];
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")));
    if let Some(c) = config {
        dirs.push(c.join("improv"));
    }
    dirs
}

/// The .sf2 files in `dirs`, each once (links to the same file count once), sorted by name.
pub fn find(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("sf2")))
            .collect();
        files.sort();
        for f in files {
            let real = std::fs::canonicalize(&f).unwrap_or_else(|_| f.clone());
            if real.is_file() && seen.insert(real) {
                out.push(f);
            }
        }
    }
    out
}

/// Frames rendered between looks at the schedule.
const BLOCK: usize = 64;
/// rustysynth's General MIDI mix is quiet (TimGM6mb: about -18 dB against improv's own):
/// this brings a band to the built-in synth's level; the limiter keeps the peaks in.
pub(super) const GAIN: f32 = 2.5;

/// Renders a score through a SoundFont block by block: call `fill` until it returns 0.
pub struct SoundFontRenderer {
    synth: Synthesizer,
    msgs: Vec<(usize, MidiMsg)>,
    next: usize,
    frame: usize,
    frames: usize,
    gain: f32,
    left: Vec<f32>,
    right: Vec<f32>,
    sr: u32,
}

impl SoundFontRenderer {
    pub fn new(
        font: &Font,
        score: &Score,
        settings: &SynthSettings,
    ) -> Result<SoundFontRenderer, SoundFontError> {
        let sr = settings.sample_rate.clamp(8_000, 192_000);
        let synth = font.synthesizer(sr, settings.room > 0.0)?;
        let msgs = schedule(score, settings)
            .into_iter()
            .map(|Timed { secs, msg }| ((secs * f64::from(sr)).round() as usize, msg))
            .collect();
        Ok(SoundFontRenderer {
            synth,
            msgs,
            next: 0,
            frame: 0,
            frames: (render_secs(score, settings) * f64::from(sr)).ceil() as usize,
            gain: GAIN * settings.master.clamp(0.0, 2.0),
            left: vec![0.0; BLOCK],
            right: vec![0.0; BLOCK],
            sr,
        })
    }

    pub fn total_frames(&self) -> usize {
        self.frames
    }

    pub fn position(&self) -> usize {
        self.frame
    }

    pub fn sample_rate(&self) -> u32 {
        self.sr
    }

    /// Writes the next interleaved stereo frames into `out`; returns how many (0 at the end).
    pub fn fill(&mut self, out: &mut [f32]) -> usize {
        let want = (out.len() / 2).min(self.frames - self.frame);
        let mut done = 0;
        while done < want {
            while let Some(&(_, msg)) = self.msgs.get(self.next).filter(|m| m.0 <= self.frame) {
                send(&mut self.synth, msg);
                self.next += 1;
            }
            // Render up to the next message (or a block), so notes start on time.
            let until = self.msgs.get(self.next).map_or(usize::MAX, |m| m.0);
            let n = (want - done).min(BLOCK).min(until - self.frame).max(1);
            self.synth.render(&mut self.left[..n], &mut self.right[..n]);
            for (k, f) in out[2 * done..2 * (done + n)]
                .chunks_exact_mut(2)
                .enumerate()
            {
                f[0] = limit(self.left[k] * self.gain);
                f[1] = limit(self.right[k] * self.gain);
            }
            self.frame += n;
            done += n;
        }
        done
    }
}

impl SoundFontRenderer {
    /// Continues from `frame`: set-up messages are replayed and the notes sounding there
    /// start again (from their attack).
    pub fn seek(&mut self, frame: usize) {
        self.synth.reset();
        let frame = frame.min(self.frames);
        let next = self.msgs.partition_point(|m| m.0 < frame);
        let mut sounding: Vec<MidiMsg> = Vec::new();
        for &(_, msg) in &self.msgs[..next] {
            match msg {
                MidiMsg::NoteOn { channel, key, .. } => {
                    sounding.retain(|m| !same_note(*m, channel, key));
                    sounding.push(msg);
                }
                MidiMsg::NoteOff { channel, key } => {
                    sounding.retain(|m| !same_note(*m, channel, key));
                }
                _ => send(&mut self.synth, msg),
            }
        }
        for msg in sounding {
            send(&mut self.synth, msg);
        }
        self.next = next;
        self.frame = frame;
    }
}

fn same_note(m: MidiMsg, ch: u8, k: u8) -> bool {
    matches!(m, MidiMsg::NoteOn { channel, key, .. } if channel == ch && key == k)
}

/// Sends one message to a synthesizer.
pub(super) fn send(synth: &mut Synthesizer, msg: MidiMsg) {
    let b = msg.bytes();
    let (status, d1, d2) = (b[0], b[1], b.get(2).copied().unwrap_or(0));
    synth.process_midi_message(
        i32::from(status & 0x0F),
        i32::from(status & 0xF0),
        i32::from(d1),
        i32::from(d2),
    );
}
