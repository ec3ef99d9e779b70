//! What a training run is asked for: the Train tab's settings rows, the kind of model to
//! train (exercise or conditioned) with its own hyper-parameters, and the `TrainConfig`
//! and event options the trainer is given.

use super::super::widgets::settings::Field;
use crate::dataset::ALL_KEYS;
use crate::dataset::events::EventOptions;
use crate::model::ModelKind;
use crate::model::optim::schedule::Plateau;
use crate::model::optim::schedule::Schedule;
use crate::train::TrainConfig;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrainField {
    Kind,
    Epochs,
    Units,
    Steps,
    Batch,
    LearningRate,
    Layers,
    Dropout,
    Keys,
    Seed,
}

impl Field for TrainField {
    const ALL: &'static [Self] = &[
        TrainField::Kind,
        TrainField::Epochs,
        TrainField::Units,
        TrainField::Steps,
        TrainField::Batch,
        TrainField::LearningRate,
        TrainField::Layers,
        TrainField::Dropout,
        TrainField::Keys,
        TrainField::Seed,
    ];

    fn label(self) -> String {
        match self {
            TrainField::Kind => "kind",
            TrainField::Epochs => "epochs",
            TrainField::Units => "n_a",
            TrainField::Steps => "Tx",
            TrainField::Batch => "batch",
            TrainField::LearningRate => "learning rate",
            TrainField::Layers => "layers",
            TrainField::Dropout => "dropout",
            TrainField::Keys => "all 12 keys",
            TrainField::Seed => "seed",
        }
        .into()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct TrainSettings {
    pub kind: ModelKind,
    pub epochs: usize,
    pub n_a: usize,
    pub tx: usize,
    pub batch: usize,
    pub lr: f64,
    /// Conditioned kind: LSTM layers (1 or 2) and the dropout between them.
    pub layers: usize,
    pub dropout: f32,
    /// Conditioned kind: the training pieces in all twelve keys.
    pub augment_keys: bool,
    pub seed: u64,
}

impl Default for TrainSettings {
    fn default() -> Self {
        TrainSettings {
            kind: ModelKind::Exercise,
            epochs: 20,
            n_a: 64,
            tx: 30,
            batch: 32,
            lr: 0.01,
            layers: 1,
            dropout: 0.0,
            augment_keys: false,
            seed: 0,
        }
    }
}

/// A kind's own starting points: learning rate and window length (as `improv train`).
fn kind_defaults(k: ModelKind) -> (f64, usize) {
    match k {
        ModelKind::Exercise => (0.01, 30),
        ModelKind::Conditioned => (0.003, 64),
    }
}

impl TrainSettings {
    pub fn value(&self, f: TrainField) -> String {
        let on = |b: bool| if b { "yes" } else { "no" }.to_string();
        match f {
            TrainField::Kind => self.kind.to_string(),
            TrainField::Epochs => self.epochs.to_string(),
            TrainField::Units => self.n_a.to_string(),
            TrainField::Steps => self.tx.to_string(),
            TrainField::Batch => self.batch.to_string(),
            TrainField::LearningRate => format!("{}", self.lr),
            TrainField::Layers => self.layers.to_string(),
            TrainField::Dropout => format!("{:.1}", self.dropout),
            TrainField::Keys => on(self.augment_keys),
            TrainField::Seed => self.seed.to_string(),
        }
    }

    /// Why `f` does nothing for the kind chosen (None: it applies).
    pub fn not_applying(&self, f: TrainField) -> Option<&'static str> {
        let cond = self.kind == ModelKind::Conditioned;
        match f {
            TrainField::Layers | TrainField::Keys if !cond => {
                Some("is for the conditioned kind (choose it on the kind row)")
            }
            TrainField::Dropout if !cond || self.layers < 2 => {
                Some("works between two layers of the conditioned kind")
            }
            _ => None,
        }
    }

    pub fn adjust(&mut self, f: TrainField, d: i64) {
        let step = |v: usize, s: usize, lo: usize, hi: usize| {
            (v as i64 + d * s as i64).clamp(lo as i64, hi as i64) as usize
        };
        match f {
            TrainField::Kind => self.set_kind(match self.kind {
                ModelKind::Exercise => ModelKind::Conditioned,
                ModelKind::Conditioned => ModelKind::Exercise,
            }),
            TrainField::Epochs => self.epochs = step(self.epochs, 5, 1, 5000),
            TrainField::Units => self.n_a = step(self.n_a, 16, 16, 512),
            TrainField::Steps => self.tx = step(self.tx, 5, 5, 200),
            TrainField::Batch => self.batch = step(self.batch, 8, 8, 512),
            TrainField::LearningRate => {
                self.lr = (self.lr * if d > 0 { 2.0 } else { 0.5 }).clamp(1e-4, 0.1)
            }
            TrainField::Layers => self.layers = step(self.layers, 1, 1, 2),
            TrainField::Dropout => {
                self.dropout = ((self.dropout + 0.1 * d as f32) * 10.0)
                    .round()
                    .clamp(0.0, 8.0)
                    / 10.0
            }
            TrainField::Keys => self.augment_keys = !self.augment_keys,
            TrainField::Seed => self.seed = (self.seed as i64 + d).max(0) as u64,
        }
    }

    /// Switches the kind; a learning rate or Tx left at the old kind's default takes the
    /// new kind's.
    pub fn set_kind(&mut self, k: ModelKind) {
        let (old_lr, old_tx) = kind_defaults(self.kind);
        let (lr, tx) = kind_defaults(k);
        if self.lr == old_lr {
            self.lr = lr;
        }
        if self.tx == old_tx {
            self.tx = tx;
        }
        self.kind = k;
    }

    /// The trainer's configuration (the conditioned kind's schedule as `improv train`'s).
    pub fn config(&self) -> TrainConfig {
        let cond = self.kind == ModelKind::Conditioned;
        let mut config = TrainConfig {
            epochs: self.epochs,
            n_a: self.n_a,
            batch: self.batch,
            seed: self.seed,
            kind: self.kind,
            layers: if cond { self.layers } else { 1 },
            dropout: if cond && self.layers > 1 {
                self.dropout
            } else {
                0.0
            },
            schedule: if cond {
                Schedule::Plateau(Plateau {
                    patience: 2,
                    stop_after: 8,
                    ..Plateau::default()
                })
            } else {
                Schedule::PerUpdate
            },
            ..TrainConfig::default()
        };
        config.adam.lr = self.lr;
        config
    }

    /// How the conditioned kind cuts its material.
    pub fn event_options(&self) -> EventOptions {
        EventOptions {
            tx: self.tx,
            stride: (self.tx / 2).max(1),
            augment_keys: if self.augment_keys {
                ALL_KEYS.to_vec()
            } else {
                Vec::new()
            },
            seed: self.seed,
            ..EventOptions::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kind_row_chooses_the_network_and_its_own_settings() {
        let mut s = TrainSettings::default();
        assert_eq!(s.config().kind, ModelKind::Exercise);
        assert!(s.not_applying(TrainField::Layers).is_some());
        s.adjust(TrainField::Kind, 1);
        assert_eq!(s.kind, ModelKind::Conditioned);
        assert_eq!((s.lr, s.tx), (0.003, 64), "the kind's own defaults");
        assert!(s.not_applying(TrainField::Dropout).is_some(), "one layer");
        s.adjust(TrainField::Layers, 1);
        s.adjust(TrainField::Dropout, 2);
        s.adjust(TrainField::Keys, 1);
        let c = s.config();
        assert_eq!(
            (c.kind, c.layers, c.dropout),
            (ModelKind::Conditioned, 2, 0.2)
        );
        assert!(matches!(c.schedule, Schedule::Plateau(_)));
        assert_eq!(s.event_options().augment_keys.len(), 12);
        assert_eq!(s.event_options().tx, 64);
        // Back to exercise: its defaults, and no layers or dropout in its config.
        s.adjust(TrainField::Kind, -1);
        let c = s.config();
        assert_eq!((c.kind, c.layers, c.dropout), (ModelKind::Exercise, 1, 0.0));
        assert_eq!((c.adam.lr, s.tx), (0.01, 30));
        assert_eq!(c.schedule, Schedule::PerUpdate);
    }
}
