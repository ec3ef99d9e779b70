//! Model bundles: one directory with the weights (burnpack), optimiser state and metadata.
//!
//! Layout: `bundle.json` (format, versions, tokenizer, shapes, vocabulary, dataset
//! fingerprint, settings, history), `weights.bpk` (the five parameter arrays in burn's
//! record format) and, for bundles that can resume training, `adam_m.bpk`/`adam_v.bpk`.
//! A bundle is written to a temporary directory beside its destination and renamed into place.

use super::ModelKind;
use crate::model::conditioned::{CondMeta, CondWeights};
use crate::model::exercise::weights::Weights;
use crate::model::net::{CondNet, Net};
use crate::model::optim::adam::AdamState;
use crate::tokens::{TokenizerKind, Vocab};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

mod arrays;
pub mod conditioned;
mod config;
pub mod limits;
mod store;

pub use config::TrainConfig;

/// The bundle format this build writes and reads.
pub const FORMAT: &str = "improv-model";
pub const FORMAT_VERSION: u32 = 1;

/// One finished epoch, as the history keeps it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    pub epoch: usize,
    /// Mean nats per training token.
    pub train: f64,
    /// Mean nats per validation token (None without a validation split).
    pub val: Option<f64>,
    pub secs: f64,
}

/// Everything but the arrays; stored as `bundle.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BundleMeta {
    pub format: String,
    pub format_version: u32,
    pub improv_version: String,
    pub tokenizer: TokenizerKind,
    pub n_values: usize,
    pub n_a: usize,
    pub tx: usize,
    pub vocab: Vocab,
    /// Fingerprint of the dataset the model was trained on.
    pub fingerprint: String,
    pub config: TrainConfig,
    pub history: Vec<EpochRecord>,
    /// The bigram baseline of the training data's validation split, for comparison.
    pub bigram_baseline: Option<f64>,
    /// Adam updates so far (the moments are in adam_m/adam_v.bpk).
    pub adam_updates: u64,
}

#[derive(Clone, Debug)]
pub struct Bundle {
    /// Everything but the network (the file adds its kind and, for the conditioned kind,
    /// its `CondMeta`).
    pub meta: BundleMeta,
    pub net: Net,
    /// Present when the bundle can resume training.
    pub adam: Option<AdamState>,
}

impl BundleMeta {
    /// The best validation loss so far (or training loss without validation).
    pub fn best_loss(&self) -> Option<f64> {
        self.history
            .iter()
            .map(|r| r.val.unwrap_or(r.train))
            .min_by(f64::total_cmp)
    }

    /// The best validation loss so far (None without validation).
    pub fn best_val(&self) -> Option<f64> {
        self.history
            .iter()
            .filter_map(|r| r.val)
            .min_by(f64::total_cmp)
    }

    /// A fresh bundle's metadata: no history, no optimiser updates.
    fn new(
        tokenizer: TokenizerKind,
        (n_values, n_a, tx): (usize, usize, usize),
        vocab: Vocab,
        fingerprint: String,
        config: TrainConfig,
    ) -> BundleMeta {
        BundleMeta {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            improv_version: env!("CARGO_PKG_VERSION").into(),
            tokenizer,
            n_values,
            n_a,
            tx,
            vocab,
            fingerprint,
            config,
            history: Vec::new(),
            bigram_baseline: None,
            adam_updates: 0,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("{0}: no model bundle there (no such directory)")]
    Missing(PathBuf),
    #[error("{0}: not a model bundle (no bundle.json)")]
    NotABundle(PathBuf),
    #[error("{path}: corrupt model bundle: {reason}")]
    Corrupt { path: PathBuf, reason: String },
    #[error(
        "{path}: made by an incompatible version ({found}); this build reads {FORMAT} v{FORMAT_VERSION}"
    )]
    Incompatible { path: PathBuf, found: String },
    #[error("{path}: vocabulary mismatch: {reason}")]
    VocabMismatch { path: PathBuf, reason: String },
    #[error("{0} already exists (use --force to replace it, or --resume to continue it)")]
    Exists(PathBuf),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Bundle {
    /// An exercise bundle around new or trained weights.
    pub fn new(
        weights: Weights,
        tokenizer: TokenizerKind,
        tx: usize,
        vocab: Vocab,
        fingerprint: String,
        config: TrainConfig,
    ) -> Bundle {
        let (n_values, n_a) = (weights.n_values, weights.n_a);
        let meta = BundleMeta::new(tokenizer, (n_values, n_a, tx), vocab, fingerprint, config);
        Bundle {
            meta,
            net: Net::Exercise(weights),
            adam: None,
        }
    }

    /// A conditioned bundle around new or trained weights.
    pub fn new_conditioned(
        weights: CondWeights,
        meta: CondMeta,
        tx: usize,
        fingerprint: String,
        mut config: TrainConfig,
    ) -> Bundle {
        let vocab = crate::model::conditioned::pitch_vocab();
        config.kind = ModelKind::Conditioned;
        // The spec is the one source of truth for the shape; the settings repeat it.
        let spec = &weights.spec;
        config.n_a = spec.n_a;
        config.layers = spec.layers;
        config.dropout = spec.dropout;
        config.heads = spec.heads;
        let shape = (vocab.len(), weights.spec.n_a, tx);
        let meta_all = BundleMeta::new(TokenizerKind::Pitch, shape, vocab, fingerprint, config);
        Bundle {
            meta: meta_all,
            net: Net::Conditioned(CondNet { weights, meta }),
            adam: None,
        }
    }

    /// Which network the bundle holds.
    pub fn kind(&self) -> ModelKind {
        self.net.kind()
    }

    /// Parameters of whichever network the bundle holds.
    pub fn params(&self) -> usize {
        self.net.params()
    }

    /// The best validation loss so far (or training loss without validation).
    pub fn best_loss(&self) -> Option<f64> {
        self.meta.best_loss()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle() -> Bundle {
        let vocab = Vocab::from_ordered(&["C,6", "S,3", "R,12"]);
        let w = Weights::init(3, 4, 1);
        let mut b = Bundle::new(
            w.clone(),
            TokenizerKind::Grammar,
            8,
            vocab,
            "abc".into(),
            TrainConfig::default(),
        );
        b.meta.history.push(EpochRecord {
            epoch: 1,
            train: 1.0,
            val: Some(1.1),
            secs: 0.1,
        });
        b.adam = Some(AdamState {
            updates: 7,
            m: w.clone().arrays_mut().map(|a| a.clone()).to_vec(),
            v: w.clone().arrays_mut().map(|a| a.clone()).to_vec(),
        });
        b.meta.adam_updates = 7;
        b
    }

    #[test]
    fn round_trips_weights_metadata_and_optimiser() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m");
        let b = bundle();
        b.save(&path, false).unwrap();
        let back = Bundle::load(&path).unwrap();
        assert_eq!(back.net, b.net);
        assert_eq!(back.meta, b.meta);
        assert_eq!(back.adam, b.adam);
        assert!(matches!(b.save(&path, false), Err(BundleError::Exists(_))));
        b.save(&path, true).unwrap();
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "temporary directories left behind");
    }

    #[test]
    fn bad_bundles_give_the_right_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m");
        assert!(matches!(Bundle::load(&path), Err(BundleError::Missing(_))));
        std::fs::create_dir(&path).unwrap();
        assert!(matches!(
            Bundle::load(&path),
            Err(BundleError::NotABundle(_))
        ));
        bundle().save(&path, true).unwrap();

        let wpath = path.join("weights.bpk");
        let good = std::fs::read(&wpath).unwrap();
        std::fs::write(&wpath, &good[..good.len() / 2]).unwrap();
        let e = Bundle::load(&path).unwrap_err();
        assert!(matches!(e, BundleError::Corrupt { .. }), "{e}");
        assert!(e.to_string().contains("weights.bpk"), "{e}");
        std::fs::write(&wpath, &good).unwrap();

        let jpath = path.join("bundle.json");
        let json = std::fs::read_to_string(&jpath).unwrap();
        std::fs::write(
            &jpath,
            json.replace("\"format_version\": 1", "\"format_version\": 99"),
        )
        .unwrap();
        assert!(matches!(
            Bundle::load(&path),
            Err(BundleError::Incompatible { .. })
        ));
        std::fs::write(&jpath, json.replace("\"n_values\": 3", "\"n_values\": 4")).unwrap();
        assert!(matches!(
            Bundle::load(&path),
            Err(BundleError::VocabMismatch { .. })
        ));
        std::fs::write(&jpath, "{ not json").unwrap();
        assert!(matches!(
            Bundle::load(&path),
            Err(BundleError::Corrupt { .. })
        ));
    }
}
