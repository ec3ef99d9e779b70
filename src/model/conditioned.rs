//! The conditioned network: it hears the chord, the next chord and the beat at every step
//! and predicts the pitch and duration of the next event.

mod batch;
pub mod fit;
pub mod host;
pub mod long_pass;
pub mod meta;
pub mod net;
pub mod weights;

#[cfg(test)]
mod tests;

pub use meta::{CondMeta, duration_vocab, pitch_vocab};
pub use weights::*;
