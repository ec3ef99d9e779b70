//! Which network a bundle holds: one type the trainer, the generator, the bundle store and
//! the judge use, so the kind is known in one place.

use crate::model::ModelKind;
use crate::model::conditioned::{CondMeta, CondWeights};
use crate::model::exercise::weights::Weights;

/// The network a bundle holds.
#[derive(Clone, Debug, PartialEq)]
#[allow(clippy::large_enum_variant)] // one per bundle: its size does not matter
pub enum Net {
    /// The exercise's: grammar tokens in and out, chords applied when decoding.
    Exercise(Weights),
    /// Pitch and duration events, hearing the chord, the next chord and the beat each step.
    Conditioned(CondNet),
}

/// The conditioned network: its weights and what decoding needs to know of its training.
#[derive(Clone, Debug, PartialEq)]
pub struct CondNet {
    pub weights: CondWeights,
    pub meta: CondMeta,
}

impl Net {
    pub fn kind(&self) -> ModelKind {
        match self {
            Net::Exercise(_) => ModelKind::Exercise,
            Net::Conditioned(_) => ModelKind::Conditioned,
        }
    }

    pub fn params(&self) -> usize {
        match self {
            Net::Exercise(w) => w.params(),
            Net::Conditioned(c) => c.weights.params(),
        }
    }

    /// Checks the arrays against the network's shape and for NaN.
    pub fn check(&self) -> Result<(), String> {
        match self {
            Net::Exercise(w) => w.check(),
            Net::Conditioned(c) => c.weights.check(),
        }
    }

    /// The conditioned network, when that is the kind.
    pub fn conditioned(&self) -> Option<&CondNet> {
        match self {
            Net::Conditioned(c) => Some(c),
            Net::Exercise(_) => None,
        }
    }
}
