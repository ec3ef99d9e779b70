//! The chord changes a solo is improvised over: from a preset, a typed chart, an iReal Pro
//! chart or the library (through the one resolver), or the chords of a MIDI or MusicXML file.

use super::GenerateError;
use crate::midi::import::ImportOptions;
use crate::music::{ChordSpan, Progression, Tick};
use crate::scorefile::{SCORE_EXTENSIONS, read_any};
use std::path::Path;

/// Chord changes to play over: a preset, a chart, or the chords of a MIDI file.
#[derive(Clone, Debug, PartialEq)]
pub struct Changes {
    pub name: String,
    /// One chorus of changes.
    pub spans: Vec<ChordSpan>,
    pub bar_ticks: Tick,
    /// The file's tempo, when the changes came from one.
    pub bpm: Option<f64>,
}

impl Changes {
    /// A preset name, a chart (`"| Dm7 G7 | Cmaj7 |"`), a path to a MIDI or MusicXML file, an
    /// iReal Pro link or a file of them, or a title in the chart library.
    pub fn from_arg(arg: &str) -> Result<Changes, GenerateError> {
        Changes::from_arg_noted(arg).map(|(c, _)| c)
    }

    /// As `from_arg`, with what the file's reader warned of (damage, tempos, length) or what
    /// a chart's reader could not read or had to decide.
    pub fn from_arg_noted(arg: &str) -> Result<(Changes, Vec<String>), GenerateError> {
        let path = Path::new(arg);
        let is_file = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| SCORE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()));
        if is_file {
            let imp = read_any(path, &ImportOptions::default())?;
            let score = imp.score;
            if score.chords.is_empty() {
                return Err(GenerateError::NoChanges(path.to_path_buf()));
            }
            return Ok((
                Changes {
                    name: path
                        .file_stem()
                        .map_or(arg.to_string(), |s| s.to_string_lossy().into_owned()),
                    bar_ticks: score.time_sig_at(0).bar_ticks(),
                    bpm: Some(score.bpm()),
                    spans: score.chords,
                },
                imp.warnings,
            ));
        }
        let dir = crate::charts::config_dir();
        let p = crate::charts::resolve(arg, dir.as_deref())?;
        let notes = p
            .meta
            .as_ref()
            .map(|m| m.unread.iter().chain(&m.notes).cloned().collect())
            .unwrap_or_default();
        Ok((Changes::from_progression(&p), notes))
    }

    pub fn from_progression(p: &Progression) -> Changes {
        let bar_ticks = p.bar_ticks();
        Changes {
            name: p.name.clone(),
            spans: p.spans(bar_ticks, 1),
            bar_ticks,
            bpm: p.meta.as_ref().and_then(|m| m.bpm).map(f64::from),
        }
    }

    /// Bars in one chorus.
    pub fn bars(&self) -> usize {
        let len = self.spans.last().map_or(0, |s| s.end());
        len.div_ceil(self.bar_ticks.max(1)) as usize
    }

    /// `choruses` times through.
    pub fn repeat(&self, choruses: usize) -> Vec<ChordSpan> {
        let len = self.spans.last().map_or(0, |s| s.end());
        let len = len.div_ceil(self.bar_ticks.max(1)) * self.bar_ticks;
        (0..choruses as u32)
            .flat_map(|k| {
                self.spans.iter().map(move |s| ChordSpan {
                    start: s.start + k * len,
                    ..*s
                })
            })
            .collect()
    }
}
