//! The chord-aware grammar: `CLASS,DURATION[,<LOW,HIGH>]`, after Impro-Visor's abstract melodies.

use super::rhythm::{Step, format_units, parse_units};
use super::{NoteClass, classify};
use crate::music::{ChordSpan, Pitch, Tick};
use rand::Rng;
use std::fmt;

/// Interval buckets (semitones from the previous note) a note's bounds can name.
const BUCKETS: [(i8, i8); 13] = [
    (-24, -13),
    (-12, -8),
    (-7, -5),
    (-4, -3),
    (-2, -1),
    (0, 0),
    (1, 2),
    (3, 4),
    (5, 7),
    (8, 12),
    (13, 24),
    (-48, -25),
    (25, 48),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GrammarToken {
    /// `None` for a rest.
    pub class: Option<NoteClass>,
    pub units: u32,
    /// Semitone range of the move from the previous note; `None` at a phrase start.
    pub bounds: Option<(i8, i8)>,
}

fn bucket(interval: i32) -> (i8, i8) {
    BUCKETS
        .iter()
        .copied()
        .find(|&(lo, hi)| (lo as i32..=hi as i32).contains(&interval))
        .unwrap_or(if interval < 0 {
            BUCKETS[11]
        } else {
            BUCKETS[12]
        })
}

impl fmt::Display for GrammarToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.class.map(NoteClass::letter).unwrap_or('R');
        write!(f, "{c},{}", format_units(self.units))?;
        if let Some((lo, hi)) = self.bounds {
            write!(f, ",<{lo},{hi}>")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for GrammarToken {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("not a grammar token: {s:?}");
        let mut parts = s.splitn(3, ',');
        let class = match parts.next().ok_or_else(bad)? {
            "R" => None,
            c => Some(
                c.chars()
                    .next()
                    .and_then(NoteClass::from_letter)
                    .filter(|_| c.len() == 1)
                    .ok_or_else(bad)?,
            ),
        };
        let units = parse_units(parts.next().ok_or_else(bad)?).ok_or_else(bad)?;
        let bounds = match parts.next() {
            None => None,
            Some(b) => {
                let inner = b
                    .strip_prefix('<')
                    .and_then(|b| b.strip_suffix('>'))
                    .ok_or_else(bad)?;
                let (lo, hi) = inner.split_once(',').ok_or_else(bad)?;
                let lo: i8 = lo.trim().parse().map_err(|_| bad())?;
                let hi: i8 = hi.trim().parse().map_err(|_| bad())?;
                if lo > hi || class.is_none() {
                    return Err(bad());
                }
                Some((lo, hi))
            }
        };
        Ok(GrammarToken {
            class,
            units,
            bounds,
        })
    }
}

/// Tokens for a melody line over its chords.
pub fn encode(line: &[Step], chords: &[ChordSpan]) -> Vec<GrammarToken> {
    let mut prev: Option<Pitch> = None;
    let mut out = Vec::with_capacity(line.len());
    for s in line {
        match s.pitch {
            None => {
                out.push(GrammarToken {
                    class: None,
                    units: s.units,
                    bounds: None,
                });
                // A rest of a beat or more starts a new phrase.
                if s.units >= 12 {
                    prev = None;
                }
            }
            Some(p) => {
                let chord = chord_at(chords, s.start).map(|c| &c.chord);
                let bounds = prev.map(|q| bucket(p.key() as i32 - q.key() as i32));
                out.push(GrammarToken {
                    class: Some(classify(p, chord)),
                    units: s.units,
                    bounds,
                });
                prev = Some(p);
            }
        }
    }
    out
}

pub(crate) fn chord_at(chords: &[ChordSpan], tick: Tick) -> Option<&ChordSpan> {
    let i = chords.partition_point(|c| c.start <= tick);
    chords[..i].last().filter(|c| c.end() > tick)
}

/// Picks a concrete pitch for a token: of its class over the chord sounding at `tick`,
/// inside its bounds from `prev`, inside `low..=high`; the search widens when nothing fits.
#[allow(clippy::too_many_arguments)]
pub fn choose_pitch(
    tok: &GrammarToken,
    chords: &[ChordSpan],
    tick: Tick,
    prev: Option<Pitch>,
    anchor: Pitch,
    low: u8,
    high: u8,
    rng: &mut impl Rng,
) -> Pitch {
    let chord = chord_at(chords, tick).map(|c| &c.chord);
    let want = tok.class.unwrap_or(NoteClass::Other);
    let fits = |k: u8| chord.is_none() || Pitch::new(k).is_some_and(|p| classify(p, chord) == want);
    let (lo, hi) = match (tok.bounds, prev) {
        (Some((a, b)), Some(p)) => (p.key() as i32 + a as i32, p.key() as i32 + b as i32),
        // A phrase start lands within a fifth of where the line last was.
        _ => (anchor.key() as i32 - 7, anchor.key() as i32 + 7),
    };
    let in_range = |k: i32| k >= low as i32 && k <= high as i32;
    let cands: Vec<u8> = (lo..=hi)
        .filter(|&k| in_range(k))
        .map(|k| k as u8)
        .filter(|&k| fits(k))
        .collect();
    if !cands.is_empty() {
        return Pitch::clamped(cands[rng.random_range(0..cands.len())] as i32);
    }
    // Nothing fits: the pitch of the right class nearest the middle of the bounds.
    let mid = (lo + hi) / 2;
    let best = (low..=high)
        .filter(|&k| fits(k))
        .min_by_key(|&k| (k as i32 - mid).abs())
        .map(|k| k as i32)
        .unwrap_or(mid.clamp(low as i32, high as i32));
    Pitch::clamped(best)
}
