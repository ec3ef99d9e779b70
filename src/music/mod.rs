//! The musical vocabulary every other module speaks: pitches, chords, scores, progressions.

pub mod chord;
pub mod pitch;
pub mod progression;
pub mod score;

pub use chord::{Chord, PcSet, Quality};
pub use pitch::{Pitch, PitchClass};
pub use progression::{PRESETS, Progression, ProgressionError};
pub use score::{ChordSpan, Note, PPQ, Role, Score, Tempo, Tick, TimeSig, Track};
