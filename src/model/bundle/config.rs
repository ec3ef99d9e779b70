//! The settings a training run used, kept in every bundle's `bundle.json` (the trainer's
//! `TrainConfig`).

use crate::model::Engine;
use crate::model::conditioned::Heads;
use crate::model::optim::adam::AdamSettings;
use crate::model::optim::schedule::Schedule;
use crate::model::{BackendKind, ModelKind};
use serde::{Deserialize, Serialize};

/// The settings a training run used (and a resumed run keeps).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    pub epochs: usize,
    pub n_a: usize,
    pub batch: usize,
    pub seed: u64,
    pub adam: AdamSettings,
    pub backend: BackendKind,
    /// Save a checkpoint every this many epochs (0: only at the end).
    pub checkpoint_every: usize,
    /// Save the weights of the epoch with the best validation loss (early stopping's
    /// choice) rather than the last epoch's; the history keeps every epoch.
    #[serde(default)]
    pub keep_best: bool,
    /// The fused recurrence (default) or the per-step reference graph.
    #[serde(default)]
    pub engine: Engine,
    /// Which network to train (bundles from before kinds are exercise bundles).
    #[serde(default)]
    pub kind: ModelKind,
    /// LSTM layers (the conditioned kind may have 2).
    #[serde(default = "one")]
    pub layers: usize,
    /// Dropout between layers.
    #[serde(default)]
    pub dropout: f32,
    #[serde(default)]
    pub heads: Heads,
    #[serde(default)]
    pub schedule: Schedule,
    /// Training threads, each batch split between them (0: one per
    /// core). Results depend on the count, never on scheduling.
    #[serde(default)]
    pub threads: usize,
    /// The conditioned kind: each window carried on from the state its piece's previous
    /// window ended in (truncated BPTT through whole pieces), lane by lane, and validation
    /// ran each piece in one long pass. Set by the trainer from its windows
    /// (`EventOptions::carry`); bundles from before it did not.
    #[serde(default)]
    pub carry: bool,
}

fn one() -> usize {
    1
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            epochs: 60,
            n_a: 64,
            batch: 32,
            seed: 0,
            adam: AdamSettings {
                clip: Some(5.0),
                ..AdamSettings::default()
            },
            backend: BackendKind::default(),
            checkpoint_every: 5,
            keep_best: true,
            engine: Engine::Host,
            kind: ModelKind::Exercise,
            layers: 1,
            dropout: 0.0,
            heads: Heads::Split,
            schedule: Schedule::PerUpdate,
            threads: 0,
            carry: false,
        }
    }
}
