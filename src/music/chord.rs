//! Chords: a root, its full set of tones (tensions and alterations kept), a slash bass; their
//! scales, names, and estimation from pitch classes. Reading symbols lives in `chord_parse`.

use super::pitch::PitchClass;
use name::best_quality;
use serde::{Deserialize, Serialize};

mod name;

/// A set of pitch classes as a 12-bit mask (bit 0 = C).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, Debug, Serialize, Deserialize)]
pub struct PcSet(pub u16);

impl PcSet {
    pub fn from_intervals(root: PitchClass, intervals: &[u8]) -> Self {
        let mut m = 0u16;
        for &i in intervals {
            m |= 1 << root.transpose(i as i32).index();
        }
        PcSet(m)
    }
    pub fn contains(self, pc: PitchClass) -> bool {
        self.0 & (1 << pc.index()) != 0
    }
    pub fn len(self) -> u32 {
        self.0.count_ones()
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn iter(self) -> impl Iterator<Item = PitchClass> {
        (0..12)
            .filter(move |i| self.0 & (1 << i) != 0)
            .map(PitchClass::new)
    }
}

/// The chord qualities improv names and estimates; a chord's tensions and alterations are
/// kept beside its quality (see [`Chord::shape`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub enum Quality {
    Maj,
    Min,
    Dom7,
    Maj7,
    Min7,
    HalfDim7,
    Dim7,
    Dim,
    Aug,
    Sus4,
    Dom7Sus4,
    Maj6,
    Min6,
    MinMaj7,
}

impl Quality {
    pub const ALL: [Quality; 14] = [
        Quality::Maj,
        Quality::Min,
        Quality::Dom7,
        Quality::Maj7,
        Quality::Min7,
        Quality::HalfDim7,
        Quality::Dim7,
        Quality::Dim,
        Quality::Aug,
        Quality::Sus4,
        Quality::Dom7Sus4,
        Quality::Maj6,
        Quality::Min6,
        Quality::MinMaj7,
    ];

    /// Semitones above the root of each chord tone.
    pub fn intervals(self) -> &'static [u8] {
        match self {
            Quality::Maj => &[0, 4, 7],
            Quality::Min => &[0, 3, 7],
            Quality::Dom7 => &[0, 4, 7, 10],
            Quality::Maj7 => &[0, 4, 7, 11],
            Quality::Min7 => &[0, 3, 7, 10],
            Quality::HalfDim7 => &[0, 3, 6, 10],
            Quality::Dim7 => &[0, 3, 6, 9],
            Quality::Dim => &[0, 3, 6],
            Quality::Aug => &[0, 4, 8],
            Quality::Sus4 => &[0, 5, 7],
            Quality::Dom7Sus4 => &[0, 5, 7, 10],
            Quality::Maj6 => &[0, 4, 7, 9],
            Quality::Min6 => &[0, 3, 7, 9],
            Quality::MinMaj7 => &[0, 3, 7, 11],
        }
    }

    /// The intervals as a mask relative to the root (bit i = i semitones up).
    pub fn shape(self) -> u16 {
        self.intervals().iter().fold(0, |m, &i| m | 1 << i)
    }

    /// The chord scale a jazz player would reach for first.
    pub fn scale_intervals(self) -> &'static [u8] {
        match self {
            Quality::Maj | Quality::Maj7 | Quality::Maj6 => &[0, 2, 4, 5, 7, 9, 11],
            Quality::Dom7 | Quality::Sus4 | Quality::Dom7Sus4 => &[0, 2, 4, 5, 7, 9, 10],
            Quality::Min | Quality::Min7 => &[0, 2, 3, 5, 7, 9, 10],
            Quality::Min6 | Quality::MinMaj7 => &[0, 2, 3, 5, 7, 9, 11],
            Quality::HalfDim7 => &[0, 1, 3, 5, 6, 8, 10],
            Quality::Dim7 | Quality::Dim => &[0, 2, 3, 5, 6, 8, 9, 11],
            Quality::Aug => &[0, 2, 4, 6, 8, 10],
        }
    }

    /// The suffix printed after the root.
    pub fn suffix(self) -> &'static str {
        match self {
            Quality::Maj => "",
            Quality::Min => "m",
            Quality::Dom7 => "7",
            Quality::Maj7 => "maj7",
            Quality::Min7 => "m7",
            Quality::HalfDim7 => "m7b5",
            Quality::Dim7 => "dim7",
            Quality::Dim => "dim",
            Quality::Aug => "aug",
            Quality::Sus4 => "sus4",
            Quality::Dom7Sus4 => "7sus4",
            Quality::Maj6 => "6",
            Quality::Min6 => "m6",
            Quality::MinMaj7 => "mMaj7",
        }
    }

    /// Whether the quality has a seventh (so natural 9, 11 and 13 fold into its name).
    pub fn has_seventh(self) -> bool {
        self.shape() & (1 << 10 | 1 << 11) != 0 && self != Quality::Dim7
    }

    /// The quality's fifth (perfect, diminished or augmented).
    fn fifth(self) -> u8 {
        self.intervals()[2]
    }
}

/// A chord symbol such as `Dm7`, `Bb7(b9,#11)`, `F#m7b5` or `C7/E`, with every tone it names.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Chord {
    pub root: PitchClass,
    /// The chord's tones relative to the root: bit i is the tone i semitones above it
    /// (bit 0, the root, is always set).
    shape: u16,
    /// A bass note other than the root (slash chord).
    pub bass: Option<PitchClass>,
}

impl Chord {
    pub fn new(root: PitchClass, quality: Quality) -> Self {
        Chord::from_shape(root, quality.shape(), None)
    }

    /// A chord from its tones relative to the root (bit i = i semitones up); the root is
    /// always included and a bass equal to the root is dropped.
    pub fn from_shape(root: PitchClass, shape: u16, bass: Option<PitchClass>) -> Self {
        Chord {
            root,
            shape: (shape & 0x0fff) | 1,
            bass: bass.filter(|b| *b != root),
        }
    }

    /// The tones relative to the root, as a mask (bit i = i semitones up).
    pub fn shape(self) -> u16 {
        self.shape
    }

    /// Every tone of the chord, tensions and alterations included.
    pub fn tones(self) -> PcSet {
        let r = self.root.index() as u32;
        let s = self.shape as u32;
        PcSet((((s << r) | (s >> (12 - r))) & 0x0fff) as u16)
    }

    /// The quality that names the chord best (its tensions aside).
    pub fn quality(self) -> Quality {
        best_quality(self.shape).0
    }

    /// The chord scale: the quality's scale with the chord's tensions and alterations in
    /// place of the degrees they alter (a `C7b9` has D♭, not D).
    pub fn scale(self) -> PcSet {
        let q = self.quality();
        let extra = self.shape & !q.shape();
        let fifth_gone = self.shape & (1 << q.fifth()) == 0;
        let mut scale = q.scale_intervals().iter().fold(0u16, |m, &i| m | 1 << i);
        for (t, replaces) in [(1, 2), (3, 2), (6, 5), (8, 9)] {
            if extra & (1 << t) != 0 {
                scale &= !(1 << replaces);
                if fifth_gone {
                    scale &= !(1 << q.fifth());
                }
            }
        }
        let rel = scale | self.shape;
        let r = self.root.index() as u32;
        let s = rel as u32;
        PcSet((((s << r) | (s >> (12 - r))) & 0x0fff) as u16)
    }

    /// The lowest note a bass player would play: the slash bass, else the root.
    pub fn bass_note(self) -> PitchClass {
        self.bass.unwrap_or(self.root)
    }

    pub fn transpose(self, semitones: i32) -> Self {
        Chord {
            root: self.root.transpose(semitones),
            shape: self.shape,
            bass: self.bass.map(|b| b.transpose(semitones)),
        }
    }

    /// Picks the chord whose template best explains a pitch-class weight profile; `bass`
    /// (the lowest sounding pitch class) favours roots. `None` when there is nothing to hear.
    pub fn estimate(weights: &[f32; 12], bass: Option<PitchClass>) -> Option<Chord> {
        let total: f32 = weights.iter().sum();
        if total <= 0.0 {
            return None;
        }
        let mut best: Option<(f32, Chord)> = None;
        for root in 0..12 {
            let root = PitchClass::new(root);
            for q in Quality::ALL {
                if matches!(q, Quality::Dom7Sus4 | Quality::MinMaj7) {
                    continue; // too rare to guess from notes alone
                }
                let chord = Chord::new(root, q);
                let tones = chord.tones();
                let mut score = 0.0;
                for (pc, &weight) in weights.iter().enumerate() {
                    let w = weight / total;
                    if tones.contains(PitchClass::new(pc as i32)) {
                        score += w;
                    } else {
                        score -= 0.6 * w;
                    }
                }
                // Each template tone that is not heard costs a little; simpler chords win ties.
                let missing = tones
                    .iter()
                    .filter(|pc| weights[pc.index() as usize] <= 0.0)
                    .count() as f32;
                score -= 0.12 * missing + 0.01 * tones.len() as f32;
                if weights[root.index() as usize] > 0.0 {
                    score += 0.05;
                }
                if bass == Some(root) {
                    score += 0.15;
                }
                if best.is_none_or(|(s, _)| score > s) {
                    best = Some((score, chord));
                }
            }
        }
        best.map(|(_, c)| c)
    }
}

/// The altered dominant: root, 3, b7, b9, #9, b5 (#11) and #5 (b13).
pub(crate) const ALTERED: u16 = 1 | 1 << 1 | 1 << 3 | 1 << 4 | 1 << 6 | 1 << 8 | 1 << 10;

#[cfg(test)]
mod tests;
