//! The musical vocabulary every other module speaks: pitches, chords, scores, progressions.

pub mod bounds;
pub mod chart_meta;
pub mod chord;
mod chord_parse;
pub mod ireal;
pub mod pitch;
pub mod progression;
pub mod score;

pub use bounds::{MAX_BPM, MIN_BPM};
pub use chart_meta::ChartMeta;
pub use chord::{Chord, PcSet, Quality};
pub use chord_parse::{ChordSymbolError, parse_symbol};
pub use pitch::{Pitch, PitchClass};
pub use progression::{MAX_FORM_BARS, PRESETS, Progression, ProgressionError};
pub use score::{ChordSpan, Note, PPQ, Register, Role, Score, Tempo, Tick, TimeSig, Track};
