//! The training material of either kind, detached from the files it came from: token
//! windows for the exercise's network, events for the conditioned one.

use crate::dataset::events::EventData;
use crate::dataset::{Dataset, Split, Windows};
use crate::model::ModelKind;
use crate::tokens::{TokenizerKind, Vocab};

/// What a network is trained on (made once per run, so the variants' sizes do not matter).
#[derive(Clone, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum TrainData {
    /// The exercise kind: windows of tokens over a vocabulary.
    Tokens(TokenData),
    /// The conditioned kind: events with their chord and beat features.
    Events(EventData),
}

/// Token windows and what a bundle keeps of where they came from.
#[derive(Clone, Debug)]
pub struct TokenData {
    pub train: Windows,
    pub val: Windows,
    pub vocab: Vocab,
    pub tokenizer: TokenizerKind,
    pub tx: usize,
    pub fingerprint: String,
    /// The bigram baseline of the validation split, for comparison.
    pub bigram: Option<f64>,
}

impl TrainData {
    /// The exercise kind's material from a dataset.
    pub fn from_dataset(ds: &Dataset) -> TrainData {
        let bigram = (!ds.streams(Split::Val).is_empty()).then(|| {
            crate::dataset::baselines(
                ds.streams(Split::Train),
                ds.streams(Split::Val),
                ds.vocab.len(),
            )
            .bigram
        });
        TrainData::Tokens(TokenData {
            train: ds.windows(Split::Train),
            val: ds.windows(Split::Val),
            vocab: ds.vocab.clone(),
            tokenizer: ds.options.tokenizer,
            tx: ds.options.tx,
            fingerprint: ds.fingerprint(),
            bigram,
        })
    }

    /// The conditioned kind's material.
    pub fn from_events(ev: EventData) -> TrainData {
        TrainData::Events(ev)
    }

    /// The kind of network this material trains.
    pub fn kind(&self) -> ModelKind {
        match self {
            TrainData::Tokens(_) => ModelKind::Exercise,
            TrainData::Events(_) => ModelKind::Conditioned,
        }
    }

    /// The vocabulary a bundle trained on it keeps (the pitch tokens for events).
    pub fn vocab(&self) -> Vocab {
        match self {
            TrainData::Tokens(t) => t.vocab.clone(),
            TrainData::Events(_) => crate::model::conditioned::pitch_vocab(),
        }
    }

    pub fn tx(&self) -> usize {
        match self {
            TrainData::Tokens(t) => t.tx,
            TrainData::Events(e) => e.options.tx,
        }
    }

    pub fn fingerprint(&self) -> &str {
        match self {
            TrainData::Tokens(t) => &t.fingerprint,
            TrainData::Events(e) => &e.fingerprint,
        }
    }

    pub fn bigram(&self) -> Option<f64> {
        match self {
            TrainData::Tokens(t) => t.bigram,
            TrainData::Events(_) => None,
        }
    }

    /// Whether the windows carry the network's state from one to the next
    /// (`EventOptions::carry`).
    pub fn carried(&self) -> bool {
        matches!(self, TrainData::Events(e) if e.train.carried())
    }

    /// Training and validation windows.
    pub fn windows(&self) -> (usize, usize) {
        match self {
            TrainData::Tokens(t) => (t.train.m, t.val.m),
            TrainData::Events(e) => (e.train.m, e.val.m),
        }
    }
}
