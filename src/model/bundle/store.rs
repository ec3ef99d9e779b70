//! Writing a bundle's directory atomically and reading it back with every check.

use super::arrays::{pack, unpack};
use super::{Bundle, BundleError, BundleMeta, FORMAT, FORMAT_VERSION};
use crate::model::ModelKind;
use crate::model::conditioned::CondMeta;
use crate::model::exercise::weights::Weights;
use crate::model::net::Net;
use crate::model::optim::adam::AdamState;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Maps an I/O error to one naming `path`.
fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BundleError + use<> {
    let path = path.to_path_buf();
    move |source| BundleError::Io { path, source }
}

fn corrupt(path: &Path, reason: String) -> BundleError {
    BundleError::Corrupt {
        path: path.to_path_buf(),
        reason,
    }
}

impl Bundle {
    /// Writes the bundle atomically; an existing bundle is replaced only with `overwrite`.
    pub fn save(&self, dir: &Path, overwrite: bool) -> Result<(), BundleError> {
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
        self.write_files(dir, tmp.path())?;
        let staged = tmp.keep();
        replace_dir(
            &staged,
            dir,
            &parent.join(format!(".{name}.old-{}", std::process::id())),
        )
    }

    /// Writes the metadata and the arrays into `tmp`; errors name the file under `dir`.
    fn write_files(&self, dir: &Path, tmp: &Path) -> Result<(), BundleError> {
        let mut meta = self.meta.clone();
        if let Net::Exercise(w) = &self.net {
            meta.n_values = w.n_values;
            meta.n_a = w.n_a;
        }
        meta.adam_updates = self.adam.as_ref().map_or(0, |a| a.updates);
        let file = MetaOut {
            meta: &meta,
            kind: self.net.kind(),
            conditioned: self.net.conditioned().map(|c| &c.meta),
        };
        let json = serde_json::to_vec_pretty(&file).map_err(|e| corrupt(dir, e.to_string()))?;
        let write = |file: &str, bytes: &[u8]| -> Result<(), BundleError> {
            std::fs::write(tmp.join(file), bytes).map_err(io(&dir.join(file)))
        };
        let corrupt = |reason: String| corrupt(dir, reason);
        match &self.net {
            Net::Conditioned(c) => {
                use crate::model::bundle::conditioned::pack;
                let arrays = c.weights.arrays();
                write("weights.bpk", &pack(&arrays).map_err(corrupt)?)?;
                if let Some(adam) = self.adam.as_ref().filter(|s| s.m.len() == arrays.len()) {
                    write("adam_m.bpk", &pack(&adam.m).map_err(corrupt)?)?;
                    write("adam_v.bpk", &pack(&adam.v).map_err(corrupt)?)?;
                }
            }
            Net::Exercise(w) => {
                let (v, a) = (w.n_values, w.n_a);
                let arrays = [&w.w_x, &w.u, &w.b, &w.w_y, &w.b_y];
                write("weights.bpk", &pack(arrays, v, a).map_err(corrupt)?)?;
                if let Some(adam) = self.adam.as_ref().filter(|s| s.m.len() == 5) {
                    for (file, arrays) in [("adam_m.bpk", &adam.m), ("adam_v.bpk", &adam.v)] {
                        let r: [&Vec<f32>; 5] =
                            [&arrays[0], &arrays[1], &arrays[2], &arrays[3], &arrays[4]];
                        write(file, &pack(r, v, a).map_err(corrupt)?)?;
                    }
                }
            }
        }
        write("bundle.json", &json)
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
        let MetaIn {
            meta,
            kind,
            conditioned,
        } = read_meta(&meta_path)?;
        match kind {
            ModelKind::Conditioned => {
                crate::model::bundle::conditioned::load_conditioned(dir, meta, conditioned)
            }
            ModelKind::Exercise => load_exercise(dir, meta),
        }
    }
}

/// Moves the staged directory to `dir`, replacing what is there (kept aside at `old` until
/// the new one is in place, and put back if that fails).
fn replace_dir(staged: &Path, dir: &Path, old: &Path) -> Result<(), BundleError> {
    if dir.exists() {
        let _ = std::fs::remove_dir_all(old);
        std::fs::rename(dir, old).map_err(io(dir))?;
        if let Err(e) = std::fs::rename(staged, dir) {
            let _ = std::fs::rename(old, dir);
            return Err(io(dir)(e));
        }
        let _ = std::fs::remove_dir_all(old);
    } else {
        std::fs::rename(staged, dir).map_err(io(dir))?;
    }
    Ok(())
}

/// `bundle.json` as written: the metadata, then the network's kind and, for the conditioned
/// kind, its shape, layout, vocabularies and register.
#[derive(Serialize)]
struct MetaOut<'a> {
    #[serde(flatten)]
    meta: &'a BundleMeta,
    kind: ModelKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    conditioned: Option<&'a CondMeta>,
}

/// `bundle.json` as read (bundles from before kinds have no `kind`: they are exercise ones).
#[derive(Deserialize)]
struct MetaIn {
    #[serde(flatten)]
    meta: BundleMeta,
    #[serde(default)]
    kind: ModelKind,
    #[serde(default)]
    conditioned: Option<CondMeta>,
}

/// `bundle.json`, checked: this build's format and version, a vocabulary the size of the
/// outputs, positive shapes.
fn read_meta(meta_path: &Path) -> Result<MetaIn, BundleError> {
    let len = std::fs::metadata(meta_path).map_err(io(meta_path))?.len();
    super::limits::check_meta_len(len).map_err(|r| corrupt(meta_path, r))?;
    let text = super::limits::read_meta(meta_path).map_err(io(meta_path))?;
    let value: serde_json::Value =
        serde_json::from_slice(&text).map_err(|e| corrupt(meta_path, e.to_string()))?;
    let format = value.get("format").and_then(|f| f.as_str()).unwrap_or("");
    let version = value.get("format_version").and_then(|f| f.as_u64());
    if format != FORMAT || version != Some(FORMAT_VERSION as u64) {
        let found = match version {
            Some(v) if !format.is_empty() => format!("{format} v{v}"),
            _ => "no format field".into(),
        };
        return Err(BundleError::Incompatible {
            path: meta_path.to_path_buf(),
            found,
        });
    }
    let file: MetaIn =
        serde_json::from_value(value).map_err(|e| corrupt(meta_path, e.to_string()))?;
    let meta = &file.meta;
    super::limits::check_shape(meta.n_values, meta.n_a, meta.tx)
        .map_err(|r| corrupt(meta_path, r))?;
    if meta.vocab.len() != meta.n_values {
        return Err(BundleError::VocabMismatch {
            path: meta_path.to_path_buf(),
            reason: format!(
                "{} tokens in the vocabulary, but the model has {} outputs",
                meta.vocab.len(),
                meta.n_values
            ),
        });
    }
    if meta.n_a == 0 || meta.n_values == 0 || meta.tx == 0 {
        return Err(corrupt(
            meta_path,
            "n_a, n_values and tx must be positive".into(),
        ));
    }
    Ok(file)
}

/// The exercise kind's weights and, when both moment files are there, its Adam state.
fn load_exercise(dir: &Path, meta: BundleMeta) -> Result<Bundle, BundleError> {
    let (v, a) = (meta.n_values, meta.n_a);
    let (sx, su, sy) = ([v, 4 * a], [a, 4 * a], [a, v]);
    let lens = super::limits::lens(&[sx, su, [1, 4 * a], sy, [1, v]])
        .map_err(|r| corrupt(&dir.join("bundle.json"), r))?;
    let read = |file: &str| -> Result<[Vec<f32>; 5], BundleError> {
        let p = dir.join(file);
        let bytes = super::limits::read_weights(&p, &lens).map_err(|r| corrupt(&p, r))?;
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
        net: Net::Exercise(weights),
        adam,
    })
}
