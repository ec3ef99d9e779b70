//! One chord-symbol parser for lead sheets, iReal charts, the Weimar Jazz Database and
//! MusicXML `<harmony>` kinds: root, quality, extensions, alterations, slash bass, "no chord";
//! and chords as text (`FromStr`, JSON).

use super::chord::Chord;
use super::pitch::PitchClass;
use reader::Reader;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

mod reader;

/// Why a chord symbol could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChordSymbolError {
    #[error("not a chord symbol: {0:?}")]
    NoRoot(String),
    #[error("cannot read {part:?} in chord symbol {symbol:?}")]
    Unreadable { symbol: String, part: String },
    #[error("{0:?} means no chord here")]
    NoChord(String),
}

/// MusicXML `<kind>` values and the symbol suffix each one means.
const MUSICXML_KINDS: &[(&str, &str)] = &[
    ("major-seventh", "maj7"),
    ("minor-seventh", "m7"),
    ("diminished-seventh", "dim7"),
    ("augmented-seventh", "+7"),
    ("half-diminished", "m7b5"),
    ("major-minor", "mMaj7"),
    ("major-sixth", "6"),
    ("minor-sixth", "m6"),
    ("dominant-ninth", "9"),
    ("major-ninth", "maj9"),
    ("minor-ninth", "m9"),
    ("dominant-11th", "11"),
    ("major-11th", "maj11"),
    ("minor-11th", "m11"),
    ("dominant-13th", "13"),
    ("major-13th", "maj13"),
    ("minor-13th", "m13"),
    ("suspended-second", "sus2"),
    ("suspended-fourth", "sus4"),
    ("dominant-seventh", "7"),
    ("dominant", "7"),
    ("augmented", "+"),
    ("diminished", "dim"),
    ("major", ""),
    ("minor", "m"),
    ("power", "5"),
    ("pedal", "(no3,no5)"),
    ("Neapolitan", ""),
    ("Italian", "7(no5)"),
    ("French", "7b5"),
    ("German", "7"),
    ("Tristan", "m7b5"),
];

/// Parses a chord symbol. `Ok(None)` is "no chord" (`NC`, `N.C.`, iReal's `n`, MusicXML's
/// kind `none`).
pub fn parse_symbol(text: &str) -> Result<Option<Chord>, ChordSymbolError> {
    let s = text.trim();
    if is_no_chord(s) {
        return Ok(None);
    }
    let (root, used) =
        PitchClass::parse_prefix(s).ok_or_else(|| ChordSymbolError::NoRoot(s.to_string()))?;
    let rest = &s[used..];
    // A slash followed by a whole note name is a bass note; `6/9` is not.
    let (desc, bass) = match rest.rfind('/') {
        Some(i) => match PitchClass::parse_prefix(rest[i + 1..].trim()) {
            Some((b, n)) if n == rest[i + 1..].trim().len() => (&rest[..i], Some(b)),
            _ => (rest, None),
        },
        None => (rest, None),
    };
    let desc = normalize(desc.trim());
    let desc = match musicxml_kind(&desc) {
        Some(Some(expanded)) => expanded,
        Some(None) => return Ok(None),
        None => desc,
    };
    let shape = Reader::new(&desc)
        .read()
        .map_err(|part| ChordSymbolError::Unreadable {
            symbol: s.to_string(),
            part,
        })?;
    Ok(Some(Chord::from_shape(root, shape, bass)))
}

fn is_no_chord(s: &str) -> bool {
    let k: String = s
        .chars()
        .filter(|c| !matches!(c, '.' | ' ' | '(' | ')'))
        .collect::<String>()
        .to_ascii_uppercase();
    matches!(k.as_str(), "NC" | "NOCHORD" | "N" | "NONE")
}

/// Unicode spellings to the ASCII ones the reader knows.
fn normalize(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'Δ' | '△' | '∆' => '^',
            'ø' | 'Ø' => 'h',
            '°' | 'º' => 'o',
            '♭' => 'b',
            '♯' => '#',
            '−' | '–' => '-',
            _ => c,
        })
        .collect()
}

/// `Some(Some(suffix))` for a MusicXML kind (with its degrees after it), `Some(None)` for
/// the kind `none`.
fn musicxml_kind(desc: &str) -> Option<Option<String>> {
    let boundary = |rest: &str| rest.is_empty() || rest.starts_with('(');
    if let Some(rest) = desc.strip_prefix("none")
        && boundary(rest)
    {
        return Some(None);
    }
    MUSICXML_KINDS.iter().find_map(|(kind, suffix)| {
        let rest = desc.strip_prefix(kind)?;
        boundary(rest).then(|| Some(format!("{suffix}{rest}")))
    })
}

impl std::str::FromStr for Chord {
    type Err = ChordSymbolError;
    /// A chord symbol; "no chord" (`NC`, `N.C.`) is an error here: use [`parse_symbol`]
    /// where it may appear.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_symbol(s)?.ok_or_else(|| ChordSymbolError::NoChord(s.trim().to_string()))
    }
}

/// Chords travel as their symbols (`"Bb7(b9,#11)"`) in JSON.
impl Serialize for Chord {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Chord {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}
