//! Model bundles: one directory with the weights (burnpack), optimiser state and metadata.
//!
//! Layout: `bundle.json` (format, versions, tokenizer, shapes, vocabulary, dataset
//! fingerprint, settings, history), `weights.bpk` (the five parameter arrays in burn's
//! record format) and, for bundles that can resume training, `adam_m.bpk`/`adam_v.bpk`.
//! A bundle is written to a temporary directory beside its destination and renamed into place.

use super::adam::{AdamSettings, AdamState};
use super::cond_bundle::{CondMeta, Schedule};
use super::conditioned::{CondWeights, Heads};
use super::weights::Weights;
use super::{BackendKind, ModelKind};
use crate::tokens::{TokenizerKind, Vocab};
use burn::module::{Module, Param};
use burn::store::ModuleRecord;
use burn::tensor::{Bytes, Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The bundle format this build writes and reads.
pub const FORMAT: &str = "improv-model";
pub const FORMAT_VERSION: u32 = 1;

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
    pub engine: super::net::Engine,
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
            engine: super::net::Engine::Host,
            kind: ModelKind::Exercise,
            layers: 1,
            dropout: 0.0,
            heads: Heads::Split,
            schedule: Schedule::PerUpdate,
            threads: 0,
        }
    }
}

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
    #[serde(default)]
    pub kind: ModelKind,
    /// The conditioned kind's shape, layout, vocabularies and register.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditioned: Option<CondMeta>,
}

#[derive(Clone, Debug)]
pub struct Bundle {
    pub meta: BundleMeta,
    /// The exercise kind's weights (empty in a conditioned bundle).
    pub weights: Weights,
    /// The conditioned kind's weights.
    pub conditioned: Option<CondWeights>,
    /// Present when the bundle can resume training.
    pub adam: Option<AdamState>,
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

/// The five parameter arrays as a burn module, so they save in burn's record format.
#[derive(Module, Debug)]
struct Arrays {
    w_x: Param<Tensor<2>>,
    u: Param<Tensor<2>>,
    b: Param<Tensor<1>>,
    w_y: Param<Tensor<2>>,
    b_y: Param<Tensor<1>>,
}

fn shapes(v: usize, a: usize) -> ([usize; 2], [usize; 2], usize, [usize; 2], usize) {
    ([v, 4 * a], [a, 4 * a], 4 * a, [a, v], v)
}

impl Arrays {
    fn from_vecs(arrays: [&Vec<f32>; 5], v: usize, a: usize, dev: &Device) -> Arrays {
        let (sx, su, sb, sy, sby) = shapes(v, a);
        let t2 = |d: &Vec<f32>, s: [usize; 2]| {
            Param::from_tensor(Tensor::from_data(TensorData::new(d.clone(), s), dev))
        };
        let t1 = |d: &Vec<f32>, n: usize| {
            Param::from_tensor(Tensor::from_data(TensorData::new(d.clone(), [n]), dev))
        };
        Arrays {
            w_x: t2(arrays[0], sx),
            u: t2(arrays[1], su),
            b: t1(arrays[2], sb),
            w_y: t2(arrays[3], sy),
            b_y: t1(arrays[4], sby),
        }
    }

    fn zeros(v: usize, a: usize, dev: &Device) -> Arrays {
        let (sx, su, sb, sy, sby) = shapes(v, a);
        let z = |n: usize| vec![0.0f32; n];
        Arrays::from_vecs(
            [
                &z(sx[0] * sx[1]),
                &z(su[0] * su[1]),
                &z(sb),
                &z(sy[0] * sy[1]),
                &z(sby),
            ],
            v,
            a,
            dev,
        )
    }

    fn into_vecs(self) -> Result<[Vec<f32>; 5], String> {
        let get2 = |p: Param<Tensor<2>>| p.val().into_data().try_to_vec::<f32>();
        let get1 = |p: Param<Tensor<1>>| p.val().into_data().try_to_vec::<f32>();
        let e = |e: burn::tensor::DataError| format!("{e:?}");
        Ok([
            get2(self.w_x).map_err(e)?,
            get2(self.u).map_err(e)?,
            get1(self.b).map_err(e)?,
            get2(self.w_y).map_err(e)?,
            get1(self.b_y).map_err(e)?,
        ])
    }
}

fn cpu() -> Device {
    Device::flex()
}

fn pack(arrays: [&Vec<f32>; 5], v: usize, a: usize) -> Result<Vec<u8>, String> {
    let bytes = Arrays::from_vecs(arrays, v, a, &cpu())
        .into_record()
        .into_bytes()
        .map_err(|e| e.to_string())?;
    Ok(bytes.to_vec())
}

fn unpack(bytes: Vec<u8>, v: usize, a: usize) -> Result<[Vec<f32>; 5], String> {
    let record =
        ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes)).map_err(|e| e.to_string())?;
    Arrays::zeros(v, a, &cpu())
        .try_load_record(record)
        .map_err(|e| e.to_string())?
        .into_vecs()
}

impl Bundle {
    /// A fresh bundle's metadata around new or trained weights.
    pub fn new(
        weights: Weights,
        tokenizer: TokenizerKind,
        tx: usize,
        vocab: Vocab,
        fingerprint: String,
        config: TrainConfig,
    ) -> Bundle {
        Bundle {
            meta: BundleMeta {
                format: FORMAT.into(),
                format_version: FORMAT_VERSION,
                improv_version: env!("CARGO_PKG_VERSION").into(),
                tokenizer,
                n_values: weights.n_values,
                n_a: weights.n_a,
                tx,
                vocab,
                fingerprint,
                config,
                history: Vec::new(),
                bigram_baseline: None,
                adam_updates: 0,
                kind: ModelKind::Exercise,
                conditioned: None,
            },
            weights,
            conditioned: None,
            adam: None,
        }
    }

    /// A conditioned bundle around new or trained weights.
    pub fn new_conditioned(
        weights: CondWeights,
        meta: CondMeta,
        tx: usize,
        fingerprint: String,
        config: TrainConfig,
    ) -> Bundle {
        let vocab = super::cond_bundle::pitch_vocab();
        let mut b = Bundle::new(
            Weights::empty(weights.spec.n_a),
            crate::tokens::TokenizerKind::Pitch,
            tx,
            vocab,
            fingerprint,
            config,
        );
        b.meta.n_values = b.meta.vocab.len();
        b.meta.kind = ModelKind::Conditioned;
        b.meta.config.kind = ModelKind::Conditioned;
        b.meta.conditioned = Some(meta);
        b.conditioned = Some(weights);
        b
    }

    /// Parameters of whichever network the bundle holds.
    pub fn params(&self) -> usize {
        self.conditioned
            .as_ref()
            .map_or(self.weights.params(), CondWeights::params)
    }

    /// The best validation loss so far (or training loss without validation).
    pub fn best_loss(&self) -> Option<f64> {
        self.meta
            .history
            .iter()
            .map(|r| r.val.unwrap_or(r.train))
            .min_by(f64::total_cmp)
    }

    /// Writes the bundle atomically; an existing bundle is replaced only with `overwrite`.
    pub fn save(&self, dir: &Path, overwrite: bool) -> Result<(), BundleError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| BundleError::Io { path, source }
        };
        if dir.exists() && !overwrite {
            return Err(BundleError::Exists(dir.to_path_buf()));
        }
        let parent = match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(io(&parent))?;
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "model".into());
        let tmp =
            crate::atomic::temp_dir_in(&parent, &format!(".{name}.tmp")).map_err(io(&parent))?;
        let mut meta = self.meta.clone();
        if self.conditioned.is_none() {
            meta.n_values = self.weights.n_values;
            meta.n_a = self.weights.n_a;
        }
        meta.adam_updates = self.adam.as_ref().map_or(0, |a| a.updates);
        let json = serde_json::to_vec_pretty(&meta).map_err(|e| BundleError::Corrupt {
            path: dir.to_path_buf(),
            reason: e.to_string(),
        })?;
        let write = |file: &str, bytes: &[u8]| -> Result<(), BundleError> {
            let p = tmp.path().join(file);
            std::fs::write(&p, bytes).map_err(io(&dir.join(file)))
        };
        let (v, a) = (self.weights.n_values, self.weights.n_a);
        let corrupt = |reason: String| BundleError::Corrupt {
            path: dir.to_path_buf(),
            reason,
        };
        let w = &self.weights;
        if let Some(cw) = &self.conditioned {
            use super::cond_bundle::pack;
            write("weights.bpk", &pack(&cw.arrays).map_err(corrupt)?)?;
            if let Some(adam) = self.adam.as_ref().filter(|s| s.m.len() == cw.arrays.len()) {
                write("adam_m.bpk", &pack(&adam.m).map_err(corrupt)?)?;
                write("adam_v.bpk", &pack(&adam.v).map_err(corrupt)?)?;
            }
        } else {
            write(
                "weights.bpk",
                &pack([&w.w_x, &w.u, &w.b, &w.w_y, &w.b_y], v, a).map_err(corrupt)?,
            )?;
        }
        if let Some(adam) = self
            .adam
            .as_ref()
            .filter(|s| s.m.len() == 5 && self.conditioned.is_none())
        {
            for (file, arrays) in [("adam_m.bpk", &adam.m), ("adam_v.bpk", &adam.v)] {
                let r: [&Vec<f32>; 5] =
                    [&arrays[0], &arrays[1], &arrays[2], &arrays[3], &arrays[4]];
                write(file, &pack(r, v, a).map_err(corrupt)?)?;
            }
        }
        write("bundle.json", &json)?;
        let staged = tmp.keep();
        if dir.exists() {
            let old = parent.join(format!(".{name}.old-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&old);
            std::fs::rename(dir, &old).map_err(io(dir))?;
            if let Err(e) = std::fs::rename(&staged, dir) {
                let _ = std::fs::rename(&old, dir);
                return Err(io(dir)(e));
            }
            let _ = std::fs::remove_dir_all(&old);
        } else {
            std::fs::rename(&staged, dir).map_err(io(dir))?;
        }
        Ok(())
    }

    /// Reads and checks a bundle: format, version, shapes, vocabulary, finite weights.
    pub fn load(dir: &Path) -> Result<Bundle, BundleError> {
        if !dir.is_dir() {
            return Err(BundleError::Missing(dir.to_path_buf()));
        }
        let meta_path = dir.join("bundle.json");
        if !meta_path.is_file() {
            return Err(BundleError::NotABundle(dir.to_path_buf()));
        }
        let corrupt = |path: &Path, reason: String| BundleError::Corrupt {
            path: path.to_path_buf(),
            reason,
        };
        let text = std::fs::read(&meta_path).map_err(|source| BundleError::Io {
            path: meta_path.clone(),
            source,
        })?;
        let value: serde_json::Value =
            serde_json::from_slice(&text).map_err(|e| corrupt(&meta_path, e.to_string()))?;
        let format = value.get("format").and_then(|f| f.as_str()).unwrap_or("");
        let version = value.get("format_version").and_then(|f| f.as_u64());
        if format != FORMAT || version != Some(FORMAT_VERSION as u64) {
            let found = match version {
                Some(v) if !format.is_empty() => format!("{format} v{v}"),
                _ => "no format field".into(),
            };
            return Err(BundleError::Incompatible {
                path: meta_path,
                found,
            });
        }
        let meta: BundleMeta =
            serde_json::from_value(value).map_err(|e| corrupt(&meta_path, e.to_string()))?;
        if meta.vocab.len() != meta.n_values {
            return Err(BundleError::VocabMismatch {
                path: meta_path,
                reason: format!(
                    "{} tokens in the vocabulary, but the model has {} outputs",
                    meta.vocab.len(),
                    meta.n_values
                ),
            });
        }
        if meta.n_a == 0 || meta.n_values == 0 || meta.tx == 0 {
            return Err(corrupt(
                &meta_path,
                "n_a, n_values and tx must be positive".into(),
            ));
        }
        if meta.kind == ModelKind::Conditioned {
            return super::cond_bundle::load_conditioned(dir, meta);
        }
        let (v, a) = (meta.n_values, meta.n_a);
        let read = |file: &str| -> Result<[Vec<f32>; 5], BundleError> {
            let p = dir.join(file);
            let bytes = std::fs::read(&p).map_err(|source| BundleError::Io {
                path: p.clone(),
                source,
            })?;
            unpack(bytes, v, a).map_err(|r| corrupt(&p, r))
        };
        let [w_x, u, b, w_y, b_y] = read("weights.bpk")?;
        let weights = Weights {
            n_values: v,
            n_a: a,
            w_x,
            u,
            b,
            w_y,
            b_y,
        };
        weights
            .check()
            .map_err(|r| corrupt(&dir.join("weights.bpk"), r))?;
        let adam = if dir.join("adam_m.bpk").is_file() && dir.join("adam_v.bpk").is_file() {
            Some(AdamState {
                updates: meta.adam_updates,
                m: read("adam_m.bpk")?.into(),
                v: read("adam_v.bpk")?.into(),
            })
        } else {
            None
        };
        Ok(Bundle {
            meta,
            weights,
            conditioned: None,
            adam,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle() -> Bundle {
        let vocab = Vocab::from_ordered(&["C,6", "S,3", "R,12"]);
        let mut b = Bundle::new(
            Weights::init(3, 4, 1),
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
            m: b.weights.clone().arrays_mut().map(|a| a.clone()).to_vec(),
            v: b.weights.clone().arrays_mut().map(|a| a.clone()).to_vec(),
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
        assert_eq!(back.weights, b.weights);
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
