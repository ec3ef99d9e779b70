//! Pitches and pitch classes: exact newtypes over MIDI key numbers, with names.

use serde::{Deserialize, Serialize};
use std::fmt;

const SHARP_NAMES: [&str; 12] = [
    "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B",
];
const FLAT_NAMES: [&str; 12] = [
    "C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B",
];
/// How jazz charts usually spell notes: flats, except F#.
const JAZZ_NAMES: [&str; 12] = [
    "C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B",
];

/// A pitch class, 0 (C) to 11 (B).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub struct PitchClass(u8);

impl PitchClass {
    /// Any integer, wrapped into 0..12.
    pub fn new(pc: i32) -> Self {
        PitchClass(pc.rem_euclid(12) as u8)
    }
    pub fn index(self) -> u8 {
        self.0
    }
    /// Moved up by `semitones` (negative moves down), wrapping.
    pub fn transpose(self, semitones: i32) -> Self {
        PitchClass::new(self.0 as i32 + semitones)
    }
    /// Semitones up from `self` to `other`, 0..12.
    pub fn interval_to(self, other: PitchClass) -> u8 {
        (other.0 as i32 - self.0 as i32).rem_euclid(12) as u8
    }
    /// The name with sharps (`C#`).
    pub fn name(self) -> &'static str {
        SHARP_NAMES[self.0 as usize]
    }
    /// The name with flats (`Db`), as jazz charts usually spell roots.
    pub fn flat_name(self) -> &'static str {
        FLAT_NAMES[self.0 as usize]
    }
    /// The name a jazz chart would use for a note: flats, except F# (`Bb`, `Eb`, `F#`).
    pub fn jazz_name(self) -> &'static str {
        JAZZ_NAMES[self.0 as usize]
    }
    /// Parses a note name at the start of `s` (`C`, `F#`, `Bb`, `Ebb`, `E♭`), returning the
    /// pitch class and the number of bytes read.
    pub fn parse_prefix(s: &str) -> Option<(PitchClass, usize)> {
        let mut chars = s.char_indices();
        let (_, letter) = chars.next()?;
        let base = match letter.to_ascii_uppercase() {
            'C' => 0,
            'D' => 2,
            'E' => 4,
            'F' => 5,
            'G' => 7,
            'A' => 9,
            'B' => 11,
            _ => return None,
        };
        if !letter.is_ascii_uppercase() {
            return None;
        }
        let mut pc = base;
        let mut used = letter.len_utf8();
        for (i, c) in chars {
            match c {
                '#' | '♯' => pc += 1,
                'b' | '♭' => pc -= 1,
                _ => break,
            }
            used = i + c.len_utf8();
        }
        Some((PitchClass::new(pc), used))
    }
}

impl fmt::Display for PitchClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for PitchClass {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match PitchClass::parse_prefix(s.trim()) {
            Some((pc, n)) if n == s.trim().len() => Ok(pc),
            _ => Err(format!("not a note name: {s:?}")),
        }
    }
}

/// A MIDI pitch, 0..=127; middle C (60) is `C4`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub struct Pitch(u8);

impl Pitch {
    pub const MIDDLE_C: Pitch = Pitch(60);
    pub const A4: Pitch = Pitch(69);

    /// `None` above 127.
    pub fn new(key: u8) -> Option<Self> {
        (key <= 127).then_some(Pitch(key))
    }
    /// Clamped into 0..=127.
    pub fn clamped(key: i32) -> Self {
        Pitch(key.clamp(0, 127) as u8)
    }
    pub fn from_parts(pc: PitchClass, octave: i32) -> Option<Self> {
        let key = (octave + 1) * 12 + pc.index() as i32;
        (0..=127).contains(&key).then_some(Pitch(key as u8))
    }
    pub fn key(self) -> u8 {
        self.0
    }
    pub fn class(self) -> PitchClass {
        PitchClass::new(self.0 as i32)
    }
    /// Scientific octave: C4 is middle C, so MIDI 0 is octave -1.
    pub fn octave(self) -> i32 {
        self.0 as i32 / 12 - 1
    }
    pub fn transpose(self, semitones: i32) -> Option<Self> {
        let k = self.0 as i32 + semitones;
        (0..=127).contains(&k).then_some(Pitch(k as u8))
    }
    /// Frequency in Hz, equal temperament, A4 = 440 Hz.
    pub fn freq(self) -> f64 {
        440.0 * 2f64.powf((self.0 as f64 - 69.0) / 12.0)
    }
    /// Name with octave as a jazz chart spells it, e.g. `C4`, `Bb3`, `F#5`.
    pub fn name(self) -> String {
        format!("{}{}", self.class().jazz_name(), self.octave())
    }
}

impl fmt::Display for Pitch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.class().jazz_name(), self.octave())
    }
}

impl std::str::FromStr for Pitch {
    type Err = String;
    /// `C4`, `Bb3`, `F#-1`, or a bare MIDI number `60`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if let Ok(n) = s.parse::<u8>() {
            return Pitch::new(n).ok_or_else(|| format!("MIDI pitch {n} is above 127"));
        }
        let (pc, used) =
            PitchClass::parse_prefix(s).ok_or_else(|| format!("not a pitch: {s:?}"))?;
        let octave: i32 = s[used..]
            .parse()
            .map_err(|_| format!("pitch {s:?} has no octave number"))?;
        Pitch::from_parts(pc, octave).ok_or_else(|| format!("pitch {s:?} is outside MIDI range"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_octaves() {
        assert_eq!(Pitch::MIDDLE_C.name(), "C4");
        assert_eq!(Pitch::new(61).unwrap().name(), "Db4");
        assert_eq!(Pitch::new(70).unwrap().to_string(), "Bb4");
        assert_eq!(Pitch::new(66).unwrap().to_string(), "F#4");
        assert_eq!(Pitch::new(0).unwrap().name(), "C-1");
        assert_eq!(Pitch::new(127).unwrap().name(), "G9");
        assert!(Pitch::new(128).is_none());
    }

    #[test]
    fn parse_round_trips_every_pitch() {
        for k in 0..=127u8 {
            let p = Pitch::new(k).unwrap();
            assert_eq!(p.name().parse::<Pitch>().unwrap(), p);
        }
        assert_eq!("Bb3".parse::<Pitch>().unwrap().key(), 58);
        assert_eq!("E♭4".parse::<Pitch>().unwrap().key(), 63);
        assert!("H4".parse::<Pitch>().is_err());
        assert!("C".parse::<Pitch>().is_err());
        assert!("G10".parse::<Pitch>().is_err());
    }

    #[test]
    fn a4_is_440() {
        assert!((Pitch::A4.freq() - 440.0).abs() < 1e-9);
        assert!((Pitch::new(81).unwrap().freq() - 880.0).abs() < 1e-9);
    }

    #[test]
    fn pitch_class_arithmetic() {
        let c = PitchClass::new(0);
        assert_eq!(c.transpose(-1).name(), "B");
        assert_eq!(PitchClass::new(10).flat_name(), "Bb");
        assert_eq!(c.interval_to(PitchClass::new(7)), 7);
        assert_eq!(PitchClass::new(7).interval_to(c), 5);
        assert_eq!("Cb".parse::<PitchClass>().unwrap(), PitchClass::new(11));
        assert!("c".parse::<PitchClass>().is_err());
    }
}
