//! Corpus of Scores → token streams → training windows, the train/validation split, stats.

mod build;
pub mod events;
mod windows;

pub use windows::{Baselines, Windows, baselines, exercise_windows, make_windows};

use crate::midi::import::{ChordSource, ImportOptions, TrackInfo, TrackSelector};
use crate::music::{Register, Score};
use crate::scorefile::{is_score_file, read_any};
use crate::tokens::{TokenizerKind, Vocab};
use build::build;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug)]
pub struct DatasetOptions {
    pub tokenizer: TokenizerKind,
    /// Steps per window.
    pub tx: usize,
    /// Tokens between the starts of neighbouring windows.
    pub stride: usize,
    /// Share held out for validation.
    pub val_fraction: f64,
    /// The melody track of every file, unless `melody_for` names one for that file.
    pub melody_track: Option<TrackSelector>,
    /// Per-file choices of the melody track, keyed by the path as listed in the dataset.
    pub melody_for: BTreeMap<PathBuf, TrackSelector>,
    /// Transpositions (semitones) added to the training split, besides the original key:
    /// [`ALL_KEYS`] for every key. Validation always stays in the original key.
    pub augment_keys: Vec<i32>,
    pub seed: u64,
}

/// Every key: the shifts that keep each solo closest to where it was played (-5..=6).
pub const ALL_KEYS: [i32; 12] = [-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6];

/// Reads `--augment-keys`: `all` (every key) or semitone shifts such as `-2,0,3`.
pub fn parse_key_set(s: &str) -> Result<Vec<i32>, String> {
    if s.trim().eq_ignore_ascii_case("all") {
        return Ok(ALL_KEYS.to_vec());
    }
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let k: i32 = part
            .parse()
            .map_err(|_| format!("{part:?} is not a transposition in semitones (-11..=11)"))?;
        if !(-11..=11).contains(&k) {
            return Err(format!(
                "{k} is not a transposition in semitones (-11..=11)"
            ));
        }
        if !out.contains(&k) {
            out.push(k);
        }
    }
    if out.is_empty() {
        return Err("no keys given: use all or shifts such as -2,0,3".into());
    }
    Ok(out)
}

impl Default for DatasetOptions {
    fn default() -> Self {
        DatasetOptions {
            tokenizer: TokenizerKind::Grammar,
            tx: 30,
            stride: 4,
            val_fraction: 0.1,
            melody_track: None,
            melody_for: BTreeMap::new(),
            augment_keys: Vec::new(),
            seed: 0,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct FileSummary {
    pub path: PathBuf,
    pub tracks: Vec<TrackInfo>,
    pub chord_source: ChordSource,
    /// The first chord symbols found, in order.
    pub chords: Vec<String>,
    /// Chord symbols in the file that could not be read (each once).
    pub unparsed_chords: Vec<String>,
    /// Melody notes.
    pub notes: usize,
    /// The melody's lowest, median and highest pitch.
    pub register: Option<Register>,
    pub tokens: usize,
    pub warnings: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct FailedFile {
    pub path: PathBuf,
    pub reason: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    #[error("{0}: no such file or directory")]
    Missing(PathBuf),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no usable melody in {} file(s){}", .failed.len(), summarize(.failed))]
    NoData { failed: Vec<FailedFile> },
}

fn summarize(failed: &[FailedFile]) -> String {
    failed
        .iter()
        .take(3)
        .map(|f| format!("; {}: {}", f.path.display(), f.reason))
        .collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    Train,
    Val,
}

#[derive(Clone, Debug, Serialize)]
pub struct Stats {
    pub files: usize,
    pub failed: usize,
    pub notes: usize,
    pub tokens: usize,
    pub vocab_size: usize,
    pub top_tokens: Vec<(String, u64)>,
    pub train_windows: usize,
    pub val_windows: usize,
    pub baselines: Baselines,
}

#[derive(Clone, Debug)]
pub struct Dataset {
    pub files: Vec<FileSummary>,
    pub failed: Vec<FailedFile>,
    pub vocab: Vocab,
    pub options: DatasetOptions,
    train: Vec<Vec<u32>>,
    val: Vec<Vec<u32>>,
}

/// Every MIDI or MusicXML file named or found (recursively) under the paths, sorted per directory.
pub fn midi_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, DatasetError> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut out)?;
        } else if p.exists() {
            out.push(p.clone());
        } else {
            return Err(DatasetError::Missing(p.clone()));
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), DatasetError> {
    let io = |source| DatasetError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out)?;
        } else if is_score_file(&p) {
            out.push(p);
        }
    }
    Ok(())
}

/// Loads files and directories; a bad file is listed in `failed` and skipped.
pub fn load(
    paths: &[PathBuf],
    opts: &DatasetOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Dataset, DatasetError> {
    let files = midi_files(paths)?;
    let mut scores = Vec::new();
    let mut failed = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let import = ImportOptions {
            melody_track: opts
                .melody_for
                .get(f)
                .or(opts.melody_track.as_ref())
                .cloned(),
        };
        match read_any(f, &import) {
            Ok(imp) => scores.push((f.clone(), imp)),
            Err(e) => failed.push(FailedFile {
                path: f.clone(),
                reason: e.reason(),
            }),
        }
        progress(i + 1, files.len());
    }
    let named = scores
        .into_iter()
        .map(|(p, imp)| {
            let summary = FileSummary {
                path: p,
                tracks: imp.tracks,
                chord_source: imp.chord_source,
                chords: Vec::new(),
                unparsed_chords: imp.unparsed_chords,
                notes: 0,
                register: None,
                tokens: 0,
                warnings: imp.warnings,
            };
            (summary, imp.score)
        })
        .collect();
    build(named, failed, opts)
}

/// A dataset from scores already in memory (named for the summaries).
pub fn from_scores(
    named: Vec<(String, Score)>,
    opts: &DatasetOptions,
) -> Result<Dataset, DatasetError> {
    let named = named
        .into_iter()
        .map(|(name, score)| {
            let summary = FileSummary {
                path: PathBuf::from(name),
                tracks: Vec::new(),
                chord_source: ChordSource::Markers,
                chords: Vec::new(),
                unparsed_chords: Vec::new(),
                notes: 0,
                register: None,
                tokens: 0,
                warnings: Vec::new(),
            };
            (summary, score)
        })
        .collect();
    build(named, Vec::new(), opts)
}

impl Dataset {
    pub fn streams(&self, split: Split) -> &[Vec<u32>] {
        match split {
            Split::Train => &self.train,
            Split::Val => &self.val,
        }
    }

    /// Windows of `tx` steps every `stride` tokens: x[0] is the zero input, x[t] the token
    /// before y[t]; a stream shorter than a window gives one padded with -1.
    pub fn windows(&self, split: Split) -> Windows {
        make_windows(
            self.streams(split),
            self.options.tx,
            self.options.stride.max(1),
            self.vocab.len(),
        )
    }

    pub fn fingerprint(&self) -> String {
        let mut h: u64 = 0xcbf29ce484222325;
        let mut eat = |bytes: &[u8]| {
            for b in bytes {
                h ^= *b as u64;
                h = h.wrapping_mul(0x100000001b3);
            }
        };
        eat(self.options.tokenizer.to_string().as_bytes());
        eat(&(self.options.tx as u64).to_le_bytes());
        for s in self.train.iter().chain(&self.val) {
            for &i in s {
                eat(self.vocab.token(i as usize).unwrap_or("").as_bytes());
                eat(b"\n");
            }
            eat(b"\x00");
        }
        format!("{h:016x}")
    }

    pub fn stats(&self) -> Stats {
        Stats {
            files: self.files.len(),
            failed: self.failed.len(),
            notes: self.files.iter().map(|f| f.notes).sum(),
            tokens: self.files.iter().map(|f| f.tokens).sum(),
            vocab_size: self.vocab.len(),
            top_tokens: self
                .vocab
                .top(12)
                .into_iter()
                .map(|(t, c)| (t.to_string(), c))
                .collect(),
            train_windows: self.windows(Split::Train).m,
            val_windows: self.windows(Split::Val).m,
            baselines: baselines(&self.train, &self.val, self.vocab.len()),
        }
    }
}

#[cfg(test)]
mod tests;
