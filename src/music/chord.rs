//! Chord symbols: parse and print, their tones and scales, and estimation from pitch classes.

use super::pitch::PitchClass;
use serde::{Deserialize, Serialize};
use std::fmt;

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

/// The chord qualities improv knows; extensions (9, 11, 13, alterations) fold into these.
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

    fn from_suffix(s: &str) -> Option<Quality> {
        let s = s.trim_start_matches(':');
        Some(match s {
            "" | "M" | "maj" | "major" | "add9" | "add2" => Quality::Maj,
            "m" | "-" | "min" | "mi" | "minor" | "madd9" => Quality::Min,
            "7" | "9" | "11" | "13" | "7b9" | "7#9" | "7#11" | "7b13" | "7alt" | "alt" | "7b5"
            | "7#5" | "9#11" | "13b9" | "13#11" | "7b9b13" | "dom7" | "dom" => Quality::Dom7,
            "maj7" | "M7" | "Maj7" | "ma7" | "Δ" | "Δ7" | "^7" | "^" | "maj9" | "M9" | "maj13"
            | "maj7#11" | "Δ9" => Quality::Maj7,
            "m7" | "-7" | "min7" | "mi7" | "m9" | "-9" | "m11" | "-11" | "m13" | "min9" => {
                Quality::Min7
            }
            "m7b5" | "-7b5" | "ø" | "ø7" | "min7b5" | "mi7b5" | "h7" | "h" => Quality::HalfDim7,
            "dim7" | "o7" | "°7" => Quality::Dim7,
            "dim" | "o" | "°" => Quality::Dim,
            "aug" | "+" | "+5" | "#5" | "aug7" | "+7" => Quality::Aug,
            "sus4" | "sus" | "sus2" => Quality::Sus4,
            "7sus4" | "7sus" | "9sus4" | "9sus" | "13sus" | "13sus4" => Quality::Dom7Sus4,
            "6" | "69" | "6/9" | "M6" | "maj6" => Quality::Maj6,
            "m6" | "-6" | "min6" | "m69" | "-69" => Quality::Min6,
            "mMaj7" | "m(maj7)" | "mM7" | "-Δ7" | "-^7" | "minmaj7" | "m^7" | "-maj7" => {
                Quality::MinMaj7
            }
            _ => return None,
        })
    }
}

/// A chord symbol such as `Dm7`, `Bb7`, `F#m7b5` or `C7/E`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct Chord {
    pub root: PitchClass,
    pub quality: Quality,
    /// A bass note other than the root (slash chord).
    pub bass: Option<PitchClass>,
}

/// Root names as jazz charts spell them.
const ROOT_NAMES: [&str; 12] = [
    "C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B",
];

impl Chord {
    pub fn new(root: PitchClass, quality: Quality) -> Self {
        Chord {
            root,
            quality,
            bass: None,
        }
    }
    pub fn tones(self) -> PcSet {
        PcSet::from_intervals(self.root, self.quality.intervals())
    }
    pub fn scale(self) -> PcSet {
        PcSet::from_intervals(self.root, self.quality.scale_intervals())
    }
    /// The lowest note a bass player would play: the slash bass, else the root.
    pub fn bass_note(self) -> PitchClass {
        self.bass.unwrap_or(self.root)
    }
    pub fn transpose(self, semitones: i32) -> Self {
        Chord {
            root: self.root.transpose(semitones),
            quality: self.quality,
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

impl fmt::Display for Chord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}",
            ROOT_NAMES[self.root.index() as usize],
            self.quality.suffix()
        )?;
        if let Some(b) = self.bass {
            write!(f, "/{}", ROOT_NAMES[b.index() as usize])?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Chord {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let (root, used) =
            PitchClass::parse_prefix(t).ok_or_else(|| format!("not a chord symbol: {s:?}"))?;
        let rest = &t[used..];
        // A slash followed by a note name is a bass note; `6/9` is not.
        let (suffix, bass) = match rest.rfind('/') {
            Some(i) => match PitchClass::parse_prefix(&rest[i + 1..]) {
                Some((b, n)) if n == rest.len() - i - 1 => (&rest[..i], Some(b)),
                _ => (rest, None),
            },
            None => (rest, None),
        };
        let suffix = suffix
            .strip_prefix('(')
            .and_then(|s| s.strip_suffix(')'))
            .unwrap_or(suffix);
        let quality = Quality::from_suffix(suffix)
            .ok_or_else(|| format!("unknown chord quality {suffix:?} in {s:?}"))?;
        Ok(Chord {
            root,
            quality,
            bass: bass.filter(|b| *b != root),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Chord {
        s.parse().unwrap()
    }

    #[test]
    fn parses_common_symbols() {
        assert_eq!(c("Dm7"), Chord::new(PitchClass::new(2), Quality::Min7));
        assert_eq!(c("Bb7").root, PitchClass::new(10));
        assert_eq!(c("F#m7b5").quality, Quality::HalfDim7);
        assert_eq!(c("Ebmaj7").quality, Quality::Maj7);
        assert_eq!(c("CΔ7").quality, Quality::Maj7);
        assert_eq!(c("G13").quality, Quality::Dom7);
        assert_eq!(c("Bø").quality, Quality::HalfDim7);
        assert_eq!(c("C6/9").quality, Quality::Maj6);
        assert_eq!(c("C6/9").bass, None);
        assert_eq!(c("C7/E").bass, Some(PitchClass::new(4)));
        assert_eq!(c("Am(maj7)").quality, Quality::MinMaj7);
        assert!("Hm7".parse::<Chord>().is_err());
        assert!("Cxyz".parse::<Chord>().is_err());
        assert!("".parse::<Chord>().is_err());
    }

    #[test]
    fn display_round_trips_every_root_and_quality() {
        for r in 0..12 {
            for q in Quality::ALL {
                let ch = Chord::new(PitchClass::new(r), q);
                assert_eq!(ch.to_string().parse::<Chord>().unwrap(), ch, "{ch}");
            }
        }
        assert_eq!(c("C7/E").to_string(), "C7/E");
    }

    #[test]
    fn tones_and_scales() {
        let g7 = c("G7");
        let names: Vec<_> = g7.tones().iter().map(|p| p.name()).collect();
        assert_eq!(names, ["D", "F", "G", "B"]);
        assert!(g7.scale().contains(PitchClass::new(9))); // A, the 9th
        assert!(!g7.scale().contains(PitchClass::new(1)));
        assert_eq!(c("Cdim7").scale().len(), 8);
        for q in Quality::ALL {
            let ch = Chord::new(PitchClass::new(3), q);
            // Every chord tone lies in its scale.
            assert_eq!(ch.tones().0 & !ch.scale().0, 0, "{ch}");
        }
    }

    #[test]
    fn estimates_chords_from_their_own_tones() {
        for r in 0..12 {
            for q in [
                Quality::Maj,
                Quality::Min,
                Quality::Dom7,
                Quality::Maj7,
                Quality::Min7,
                Quality::HalfDim7,
                Quality::Aug,
                Quality::Sus4,
            ] {
                let ch = Chord::new(PitchClass::new(r), q);
                let mut w = [0.0; 12];
                for pc in ch.tones().iter() {
                    w[pc.index() as usize] = 1.0;
                }
                assert_eq!(Chord::estimate(&w, Some(ch.root)), Some(ch), "{ch}");
            }
        }
        assert_eq!(Chord::estimate(&[0.0; 12], None), None);
    }
}
