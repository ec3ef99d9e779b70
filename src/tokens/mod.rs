//! Tokenizers: a melody as a sequence of tokens and back (the chord-aware grammar, or plain pitches).
//! (Contract stub: the tokens module fills in encode/decode; `TokenizerKind` and `Vocab` keep their API.)

pub mod vocab;

pub use vocab::Vocab;

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
