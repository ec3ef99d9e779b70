//! What a conditioned network needs beside its weights: its shape, the feature layout, the
//! pitch and duration vocabularies and the training corpus's register (kept in `bundle.json`).

use crate::dataset::events::Register;
use crate::model::conditioned::CondSpec;
use crate::tokens::Vocab;
use crate::tokens::events::{FeatureLayout, HIGH, LOW};
use crate::tokens::rhythm::{LENGTHS, format_units};
use serde::{Deserialize, Serialize};

/// The conditioned kind's part of `bundle.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CondMeta {
    pub spec: CondSpec,
    pub layout: FeatureLayout,
    /// Pitch classes: 0 = rest, then MIDI keys `low..=high`.
    pub low: u8,
    pub high: u8,
    /// Duration classes in grid units (1/12 beat).
    pub durations: Vec<u32>,
    /// The training corpus's register: decoding's default.
    pub register: Register,
    pub augment_keys: bool,
    /// Trained with the chord and beat features zeroed (the ablation's model).
    #[serde(default)]
    pub blind: bool,
}

impl CondMeta {
    pub fn new(spec: CondSpec, register: Register, augment_keys: bool, blind: bool) -> CondMeta {
        CondMeta {
            spec,
            layout: FeatureLayout::ALL
                .iter()
                .map(|l| l.1)
                .find(|l| l.len == spec.n_feat)
                .unwrap_or(FeatureLayout::V1),
            low: LOW,
            high: HIGH,
            durations: LENGTHS.to_vec(),
            register,
            augment_keys,
            blind,
        }
    }

    /// Whether this build's encoding is the one the bundle was trained with.
    pub fn check(&self) -> Result<(), String> {
        if !FeatureLayout::ALL.iter().any(|l| l.1 == self.layout)
            || self.low != LOW
            || self.high != HIGH
            || self.durations != LENGTHS
            || self.spec.n_feat != self.layout.len
            || self.spec.n_pitch != (HIGH - LOW) as usize + 2
            || self.spec.n_dur != LENGTHS.len()
        {
            return Err(
                "the conditioned model's feature layout or vocabulary differs from \
                        this build's"
                    .into(),
            );
        }
        Ok(())
    }
}

/// The pitch vocabulary as tokens (`R`, `P36` …), stored as the bundle's vocabulary.
pub fn pitch_vocab() -> Vocab {
    let mut t = vec!["R".to_string()];
    t.extend((LOW..=HIGH).map(|k| format!("P{k}")));
    Vocab::from_ordered(&t)
}

/// The duration vocabulary as tokens (`4.000` … `0.083`).
pub fn duration_vocab() -> Vocab {
    let t: Vec<String> = LENGTHS.iter().map(|&u| format_units(u)).collect();
    Vocab::from_ordered(&t)
}
