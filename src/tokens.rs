//! Tokenizers: a melody as a sequence of tokens and back (the chord-aware grammar, or plain pitches).

pub mod events;
pub mod form;
pub mod grammar;
pub mod rhythm;
pub mod vocab;

pub use vocab::Vocab;

use crate::music::{Chord, ChordSpan, Note, Pitch, Score, Tick};
use grammar::GrammarToken;
use rand::SeedableRng;
use rhythm::{UNIT, format_units, melody_line, parse_units};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Which tokenizer turns melodies into tokens.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenizerKind {
    /// Chord-aware abstract melody: `CLASS,DURATION[,<LOW,HIGH>]`.
    #[default]
    Grammar,
    /// Absolute pitch and duration, for material without harmony.
    Pitch,
}

impl fmt::Display for TokenizerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TokenizerKind::Grammar => "grammar",
            TokenizerKind::Pitch => "pitch",
        })
    }
}

impl std::str::FromStr for TokenizerKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "grammar" => Ok(TokenizerKind::Grammar),
            "pitch" => Ok(TokenizerKind::Pitch),
            _ => Err(format!("unknown tokenizer {s:?} (grammar or pitch)")),
        }
    }
}

/// How a note relates to the chord under it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub enum NoteClass {
    /// A tone of the chord.
    Chord,
    /// A tone of the chord's scale.
    Scale,
    /// A half step from a chord tone.
    Approach,
    Other,
}

impl NoteClass {
    pub fn letter(self) -> char {
        match self {
            NoteClass::Chord => 'C',
            NoteClass::Scale => 'S',
            NoteClass::Approach => 'A',
            NoteClass::Other => 'X',
        }
    }
    pub fn from_letter(c: char) -> Option<Self> {
        Some(match c {
            'C' => NoteClass::Chord,
            'S' => NoteClass::Scale,
            'A' => NoteClass::Approach,
            'X' => NoteClass::Other,
            _ => return None,
        })
    }
}

/// The class of `pitch` over `chord` (every note is `Other` where no chord sounds).
pub fn classify(pitch: Pitch, chord: Option<&Chord>) -> NoteClass {
    let Some(chord) = chord else {
        return NoteClass::Other;
    };
    let pc = pitch.class();
    let tones = chord.tones();
    if tones.contains(pc) {
        NoteClass::Chord
    } else if chord.scale().contains(pc) {
        NoteClass::Scale
    } else if tones.contains(pc.transpose(1)) || tones.contains(pc.transpose(-1)) {
        NoteClass::Approach
    } else {
        NoteClass::Other
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TokenError {
    #[error("token {index} is not a {kind} token: {text:?}")]
    Unparseable {
        index: usize,
        kind: TokenizerKind,
        text: String,
    },
}

/// Where and how decoded notes are placed.
#[derive(Clone, Debug, PartialEq)]
pub struct DecodeOptions {
    pub start: Tick,
    pub seed: u64,
    /// Playable range, MIDI keys.
    pub low: u8,
    pub high: u8,
    pub velocity: u8,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            start: 0,
            seed: 0,
            low: 52,
            high: 84,
            velocity: 92,
        }
    }
}

/// The tokens of a score's melody (empty when it has none).
pub fn encode(kind: TokenizerKind, score: &Score) -> Vec<String> {
    let line = melody_line(score);
    match kind {
        TokenizerKind::Grammar => grammar::encode(&line, &score.chords)
            .iter()
            .map(|t| t.to_string())
            .collect(),
        TokenizerKind::Pitch => line
            .iter()
            .map(|s| match s.pitch {
                Some(p) => format!("P{},{}", p.key(), format_units(s.units)),
                None => format!("R,{}", format_units(s.units)),
            })
            .collect(),
    }
}

/// A token's length in beats, for either tokenizer.
pub fn token_beats(token: &str) -> Option<f64> {
    let dur = token.split(',').nth(1)?;
    parse_units(dur).map(|u| u as f64 / 12.0)
}

fn parse_pitch_token(t: &str) -> Option<(Option<Pitch>, u32)> {
    let (head, dur) = t.split_once(',')?;
    let units = parse_units(dur)?;
    if head == "R" {
        return Some((None, units));
    }
    let key: u8 = head.strip_prefix('P')?.parse().ok()?;
    Some((Some(Pitch::new(key)?), units))
}

/// Notes for `tokens`, laid from `opts.start` over `chords` (sorted by start).
pub fn decode(
    kind: TokenizerKind,
    tokens: &[String],
    chords: &[ChordSpan],
    opts: &DecodeOptions,
) -> Result<Vec<Note>, TokenError> {
    let bad = |index: usize, text: &str| TokenError::Unparseable {
        index,
        kind,
        text: text.to_string(),
    };
    let mut notes = Vec::new();
    let mut t = opts.start;
    let (low, high) = (opts.low.min(opts.high), opts.high.max(opts.low));
    let velocity = opts.velocity.clamp(1, 127);
    match kind {
        TokenizerKind::Pitch => {
            for (i, tok) in tokens.iter().enumerate() {
                let (pitch, units) = parse_pitch_token(tok).ok_or_else(|| bad(i, tok))?;
                if let Some(pitch) = pitch {
                    notes.push(Note {
                        start: t,
                        dur: units * UNIT,
                        pitch,
                        velocity,
                    });
                }
                t += units * UNIT;
            }
        }
        TokenizerKind::Grammar => {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(opts.seed);
            let mut prev: Option<Pitch> = None;
            let mut anchor = Pitch::clamped((low as i32 + high as i32) / 2);
            for (i, tok) in tokens.iter().enumerate() {
                let g: GrammarToken = tok.parse().map_err(|_| bad(i, tok))?;
                let dur = g.units * UNIT;
                if g.class.is_none() {
                    if g.units >= 12 {
                        prev = None;
                    }
                    t += dur;
                    continue;
                }
                let p = grammar::choose_pitch(&g, chords, t, prev, anchor, low, high, &mut rng);
                notes.push(Note {
                    start: t,
                    dur,
                    pitch: p,
                    velocity,
                });
                prev = Some(p);
                anchor = p;
                t += dur;
            }
        }
    }
    Ok(notes)
}

#[cfg(test)]
mod tests;
