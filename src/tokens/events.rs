//! Melody events for the conditioned model: each note or rest as a pitch and a grid duration,
//! and what sounds around its onset (chord, next chord, place in the bar) as input features.

use super::rhythm::{LENGTHS, UNIT, melody_line};
use crate::music::{Chord, ChordSpan, PPQ, Pitch, Score, Tick, TimeSig};
use serde::{Deserialize, Serialize};

/// The lowest and highest MIDI keys the pitch vocabulary holds; notes outside fold in by octaves.
pub const LOW: u8 = 36;
pub const HIGH: u8 = 96;
/// Pitch classes of the output: 0 is a rest, `1 + key - LOW` a note.
pub const N_PITCH: usize = (HIGH - LOW) as usize + 2;
/// Duration classes: the grid's single-token lengths, longest first (`rhythm::LENGTHS`).
pub const N_DUR: usize = LENGTHS.len();

/// Distances to the next chord, in beats: at most 0.5, 1, 2, 4, 8, more.
const DIST_BUCKETS: [f64; 5] = [0.5, 1.0, 2.0, 4.0, 8.0];

/// Where each group of features sits in the input vector.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureLayout {
    /// Chord at the onset: root one-hot (12), tones relative to the root (12), absolute
    /// chroma (12), "no chord" (1).
    pub chord: usize,
    /// The next chord, laid out the same way.
    pub next_chord: usize,
    /// Distance to the next chord, one-hot over buckets (6).
    pub distance: usize,
    /// Beat of the bar, one-hot 0..7 (the last slot holds beats 8 and later) (8).
    pub beat: usize,
    /// Position in the bar as a fraction (1).
    pub bar_fraction: usize,
    /// Position inside the beat in grid units, one-hot 0..11 (12).
    pub sub_beat: usize,
    /// V2: place in the form (`form::Form`): fraction of the chorus (1), bar of its
    /// four-bar group one-hot (4), chorus number one-hot 0..3, the last slot for later ones
    /// (4).
    #[serde(default)]
    pub form: Option<usize>,
    /// V2: the phrase so far (`form::LineState`): beats since it began, one-hot over
    /// none (a phrase break), ≤1, ≤2, ≤4, ≤8, ≤16, more (7); its notes, one-hot over none,
    /// ≤2, ≤4, ≤8, ≤16, more (6).
    #[serde(default)]
    pub line: Option<usize>,
    pub len: usize,
}

const CHORD_WIDTH: usize = 37;

impl FeatureLayout {
    pub const V1: FeatureLayout = FeatureLayout {
        chord: 0,
        next_chord: CHORD_WIDTH,
        distance: 2 * CHORD_WIDTH,
        beat: 2 * CHORD_WIDTH + 6,
        bar_fraction: 2 * CHORD_WIDTH + 14,
        sub_beat: 2 * CHORD_WIDTH + 15,
        form: None,
        line: None,
        len: 2 * CHORD_WIDTH + 27,
    };

    /// V1 and where the line is in the form and in its phrase.
    pub const V2: FeatureLayout = FeatureLayout {
        form: Some(FeatureLayout::V1.len),
        line: Some(FeatureLayout::V1.len + super::form::FORM_WIDTH),
        len: FeatureLayout::V1.len + super::form::FORM_WIDTH + super::form::LINE_WIDTH,
        ..FeatureLayout::V1
    };

    /// The layouts this build reads, by name.
    pub const ALL: [(&'static str, FeatureLayout); 2] =
        [("v1", FeatureLayout::V1), ("v2", FeatureLayout::V2)];

    /// The column ranges whose entries come and go together: the chord, the next chord,
    /// the place in the bar, and V2's form and phrase. A batch holds few distinct values
    /// of each where its whole rows are nearly all distinct, so training multiplies each
    /// group's distinct values by the feature kernel once.
    pub fn groups(&self) -> Vec<std::ops::Range<usize>> {
        let mut cuts = vec![0, self.next_chord, self.distance];
        cuts.extend(self.form);
        cuts.extend(self.line);
        cuts.push(self.len);
        cuts.windows(2).map(|c| c[0]..c[1]).collect()
    }

    /// The groups of feature rows `n_feat` wide: its layout's, else the whole row as one.
    pub fn groups_of_width(n_feat: usize) -> Vec<std::ops::Range<usize>> {
        FeatureLayout::ALL
            .iter()
            .find(|(_, l)| l.len == n_feat)
            .map_or_else(|| std::iter::once(0..n_feat).collect(), |(_, l)| l.groups())
    }

    pub fn name(&self) -> &'static str {
        FeatureLayout::ALL
            .iter()
            .find(|(_, l)| l == self)
            .map_or("unknown", |(n, _)| n)
    }
}

impl std::str::FromStr for FeatureLayout {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FeatureLayout::ALL
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(s))
            .map(|(_, l)| *l)
            .ok_or_else(|| format!("unknown feature layout {s:?} (v1 or v2)"))
    }
}

impl Default for FeatureLayout {
    fn default() -> Self {
        FeatureLayout::V1
    }
}

/// Number of features per step in the current layout.
pub const N_FEAT: usize = FeatureLayout::V1.len;

/// One melody event: a note (`Some(key)`) or a rest, `units` grid units long from `start`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    pub pitch: Option<u8>,
    pub start: Tick,
    pub units: u32,
}

/// The output class of a pitch (0 = rest); keys outside LOW..=HIGH fold in by octaves.
pub fn pitch_index(pitch: Option<u8>) -> usize {
    match pitch {
        None => 0,
        Some(k) => {
            let mut k = k as i32;
            while k < LOW as i32 {
                k += 12;
            }
            while k > HIGH as i32 {
                k -= 12;
            }
            1 + (k - LOW as i32) as usize
        }
    }
}

/// The key of a pitch class (`None` for the rest).
pub fn pitch_of(index: usize) -> Option<u8> {
    (index > 0 && index < N_PITCH).then(|| LOW + (index - 1) as u8)
}

/// The duration class of a grid length (the nearest single-token length).
pub fn dur_index(units: u32) -> usize {
    (0..N_DUR)
        .min_by_key(|&i| (LENGTHS[i] as i64 - units as i64).abs())
        .unwrap_or(0)
}

pub fn units_of(index: usize) -> u32 {
    LENGTHS.get(index).copied().unwrap_or(UNIT)
}

/// A score's melody as events.
pub fn encode(score: &Score) -> Vec<Event> {
    melody_line(score)
        .into_iter()
        .map(|s| Event {
            pitch: s.pitch.map(Pitch::key),
            start: s.start,
            units: s.units,
        })
        .collect()
}

/// The harmony and meter of a piece, asked at any tick: what the network is told each step.
#[derive(Clone, Debug, PartialEq)]
pub struct Clock {
    /// Sorted, non-overlapping.
    pub chords: Vec<ChordSpan>,
    /// Sorted by tick, the first at 0; meter changes fall on bar lines.
    pub time_sigs: Vec<TimeSig>,
}

impl Clock {
    pub fn of_score(score: &Score) -> Clock {
        Clock {
            chords: score.chords.clone(),
            time_sigs: if score.time_sigs.is_empty() {
                Score::new("", 120.0).time_sigs
            } else {
                score.time_sigs.clone()
            },
        }
    }

    /// Chord spans in a constant meter whose bar is `bar_ticks` long.
    pub fn new(chords: Vec<ChordSpan>, bar_ticks: Tick) -> Clock {
        let (num, den) = if bar_ticks.is_multiple_of(PPQ) {
            ((bar_ticks / PPQ).clamp(1, 32), 4)
        } else {
            ((bar_ticks / (PPQ / 2)).clamp(1, 32), 8)
        };
        Clock {
            chords,
            time_sigs: vec![TimeSig {
                tick: 0,
                num: num as u8,
                den,
            }],
        }
    }

    /// The chord sounding at `tick`.
    pub fn chord_at(&self, tick: Tick) -> Option<Chord> {
        let i = self.chords.partition_point(|c| c.start <= tick);
        self.chords[..i]
            .last()
            .filter(|c| c.end() > tick)
            .map(|c| c.chord)
    }

    /// The next chord change after `tick` and how many ticks away it is.
    fn next_chord(&self, tick: Tick) -> Option<(Chord, Tick)> {
        let i = self.chords.partition_point(|c| c.start <= tick);
        self.chords.get(i).map(|c| (c.chord, c.start - tick))
    }

    /// (beat of the bar, ticks into the beat, fraction of the bar) at `tick`.
    pub fn position(&self, tick: Tick) -> (usize, Tick, f32) {
        let i = self.time_sigs.partition_point(|t| t.tick <= tick).max(1);
        let ts = self.time_sigs[i - 1];
        let bar = ts.bar_ticks().max(1);
        let beat = (PPQ * 4 / ts.den.max(1) as u32).max(1);
        let in_bar = (tick - ts.tick.min(tick)) % bar;
        (
            (in_bar / beat) as usize,
            in_bar % beat,
            in_bar as f32 / bar as f32,
        )
    }

    /// Whether `tick` falls on a beat.
    pub fn on_beat(&self, tick: Tick) -> bool {
        self.position(tick).1 == 0
    }

    /// V1's features of an event starting at `tick`, written into `out` (at least N_FEAT
    /// long; the whole of `out` is cleared first, so later groups start from zero).
    pub fn features(&self, tick: Tick, out: &mut [f32]) {
        let l = FeatureLayout::V1;
        out.iter_mut().for_each(|v| *v = 0.0);
        chord_features(self.chord_at(tick), &mut out[l.chord..l.next_chord]);
        let next = self.next_chord(tick);
        chord_features(next.map(|n| n.0), &mut out[l.next_chord..l.distance]);
        let beats = next.map_or(f64::INFINITY, |n| n.1 as f64 / PPQ as f64);
        let bucket = DIST_BUCKETS
            .iter()
            .position(|&b| beats <= b)
            .unwrap_or(DIST_BUCKETS.len());
        out[l.distance + bucket] = 1.0;
        let (beat, into, frac) = self.position(tick);
        out[l.beat + beat.min(7)] = 1.0;
        out[l.bar_fraction] = frac;
        out[l.sub_beat + ((into / UNIT) as usize).min(11)] = 1.0;
    }
}

fn chord_features(chord: Option<Chord>, out: &mut [f32]) {
    let Some(c) = chord else {
        out[36] = 1.0;
        return;
    };
    let root = c.root.index() as usize;
    out[root] = 1.0;
    for pc in c.tones().iter() {
        out[12 + c.root.interval_to(pc) as usize] = 1.0;
        out[24 + pc.index() as usize] = 1.0;
    }
}

/// The score moved by `semitones`: melody, chords (other tracks are left alone).
pub fn transpose(score: &Score, semitones: i32) -> Score {
    let mut s = score.clone();
    if let Some(m) = s
        .tracks
        .iter_mut()
        .find(|t| t.role == crate::music::Role::Melody)
    {
        for n in &mut m.notes {
            n.pitch = Pitch::clamped(n.pitch.key() as i32 + semitones);
        }
    }
    for c in &mut s.chords {
        c.chord = c.chord.transpose(semitones);
    }
    s
}

/// Key augmentation: the score in all twelve keys (shifts -5..=6, the original first).
pub fn augment_keys(score: &Score) -> Vec<Score> {
    std::iter::once(0)
        .chain((-5..=6).filter(|&k| k != 0))
        .map(|k| transpose(score, k))
        .collect()
}

#[cfg(test)]
mod tests;
