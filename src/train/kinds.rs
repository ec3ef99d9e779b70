//! What differs between the two model kinds inside the one training loop: their material,
//! a fresh bundle, validation, and the snapshot of the best epoch's weights.

use super::TrainConfig;
use super::{TrainData, validation_loss};
use crate::dataset::Windows;
use crate::dataset::events::EventData;
use crate::model::ModelKind;
use crate::model::bundle::Bundle;
use crate::model::bundle::conditioned::CondMeta;
use crate::model::conditioned::net::windows_nats;
use crate::model::conditioned::{CondSpec, CondWeights};
use crate::model::exercise::net::device;
use crate::model::exercise::weights::Weights;
use crate::tokens::TokenizerKind;
use crate::tokens::events::N_PITCH;

impl TrainData {
    /// Material for the conditioned kind.
    pub fn from_events(ev: EventData) -> TrainData {
        let empty = |tx| Windows {
            m: 0,
            tx,
            n_values: N_PITCH,
            x: Vec::new(),
            y: Vec::new(),
        };
        TrainData {
            train: empty(ev.options.tx),
            val: empty(ev.options.tx),
            vocab: crate::model::bundle::conditioned::pitch_vocab(),
            tokenizer: TokenizerKind::Pitch,
            tx: ev.options.tx,
            fingerprint: ev.fingerprint.clone(),
            bigram: None,
            events: Some(ev),
        }
    }

    /// Training windows of whichever kind the data is for.
    pub(super) fn train_windows(&self) -> usize {
        self.events.as_ref().map_or(self.train.m, |e| e.train.m)
    }
    pub(super) fn val_windows(&self) -> usize {
        self.events.as_ref().map_or(self.val.m, |e| e.val.m)
    }
}

/// The weights of either kind, as the trainer keeps the best epoch's.
#[derive(Clone)]
pub(super) enum Snapshot {
    Exercise(Weights),
    Conditioned(CondWeights),
}

impl Snapshot {
    pub(super) fn of(b: &Bundle) -> Snapshot {
        match &b.conditioned {
            Some(c) => Snapshot::Conditioned(c.clone()),
            None => Snapshot::Exercise(b.weights.clone()),
        }
    }
    pub(super) fn put(&self, b: &mut Bundle) {
        match self {
            Snapshot::Conditioned(c) => b.conditioned = Some(c.clone()),
            Snapshot::Exercise(w) => b.weights = w.clone(),
        }
    }
}

/// Mean nats per validation event (summed over the pitch and duration heads).
pub(super) fn validation(b: &Bundle, data: &TrainData, config: &TrainConfig) -> Option<f64> {
    match (&b.conditioned, &data.events) {
        (Some(w), Some(ev)) => {
            if ev.val.m == 0 {
                return None;
            }
            let (nats, n) = windows_nats(w, &ev.val, 64, &device(config.backend, false));
            (n > 0).then(|| nats / n as f64)
        }
        _ => validation_loss(&b.weights, &data.val),
    }
}

/// A fresh bundle for the data and settings.
pub(super) fn new_bundle(data: &TrainData, config: &TrainConfig) -> Result<Bundle, String> {
    let Some(ev) = data.events.as_ref() else {
        if config.kind == ModelKind::Conditioned {
            return Err("the conditioned kind needs event data (TrainData::from_events)".into());
        }
        return Ok(Bundle::new(
            Weights::init(data.vocab.len(), config.n_a, config.seed),
            data.tokenizer,
            data.tx,
            data.vocab.clone(),
            data.fingerprint.clone(),
            config.clone(),
        ));
    };
    let layers = config.layers.clamp(1, 2);
    let spec = CondSpec::events(config.n_a, layers, config.dropout, config.heads);
    let mut config = config.clone();
    config.kind = ModelKind::Conditioned;
    let meta = CondMeta::new(
        spec,
        ev.register,
        !ev.options.augment_keys.is_empty(),
        ev.options.blind,
    );
    Ok(Bundle::new_conditioned(
        CondWeights::init(spec, config.seed),
        meta,
        data.tx,
        data.fingerprint.clone(),
        config,
    ))
}
