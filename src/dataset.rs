//! Corpus of Scores → token streams → training windows, the train/validation split, stats.

use crate::midi::import::{ChordSource, ImportOptions, TrackInfo, TrackSelector};
use crate::music::{Register, Score};
use crate::scorefile::{is_score_file, read_any};
use crate::tokens::{self, TokenizerKind, Vocab};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Training windows as token indices. `x[i * tx + t]` is the input at step t of window i and
/// `y[i * tx + t]` its target; `-1` means "no token": an all-zero input vector (the
/// exercise's first step) or a target that adds no loss.
#[derive(Clone, Debug, PartialEq)]
pub struct Windows {
    pub m: usize,
    pub tx: usize,
    pub n_values: usize,
    pub x: Vec<i32>,
    pub y: Vec<i32>,
}

impl Windows {
    /// Targets that count (not -1).
    pub fn targets(&self) -> usize {
        self.y.iter().filter(|&&v| v >= 0).count()
    }
}

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

/// Validation cross-entropy of simple predictors, nats per token.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Baselines {
    pub uniform: f64,
    pub unigram: f64,
    pub bigram: f64,
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

fn build(
    named: Vec<(FileSummary, Score)>,
    mut failed: Vec<FailedFile>,
    opts: &DatasetOptions,
) -> Result<Dataset, DatasetError> {
    let mut files = Vec::new();
    let mut streams: Vec<Vec<String>> = Vec::new();
    // Per kept file, its transposed copies (training only).
    let mut shifted: Vec<Vec<Vec<String>>> = Vec::new();
    for (mut summary, score) in named {
        let toks = tokens::encode(opts.tokenizer, &score);
        let notes = score.melody().map_or(0, |m| m.notes.len());
        if notes == 0 || toks.is_empty() {
            failed.push(FailedFile {
                path: summary.path,
                reason: if score.note_count() == 0 {
                    // A damaged file often reads as empty: say why.
                    match summary.warnings.iter().find(|w| w.contains("damaged")) {
                        Some(w) => format!("no notes ({w})"),
                        None => "no notes".into(),
                    }
                } else {
                    "no melody track found".into()
                },
            });
            continue;
        }
        summary.notes = notes;
        summary.register = score.melody().and_then(|m| Register::of(&m.notes));
        summary.tokens = toks.len();
        shifted.push(
            opts.augment_keys
                .iter()
                .filter(|&&k| k != 0)
                .map(|&k| tokens::encode(opts.tokenizer, &score.transposed(k)))
                .filter(|t| !t.is_empty())
                .collect(),
        );
        summary.chords = score
            .chords
            .iter()
            .take(16)
            .map(|c| c.chord.to_string())
            .collect();
        files.push(summary);
        streams.push(toks);
    }
    if files.is_empty() {
        return Err(DatasetError::NoData { failed });
    }
    let vocab = Vocab::from_streams(
        streams
            .iter()
            .chain(shifted.iter().flatten())
            .map(Vec::as_slice),
    );
    let index = |s: &Vec<String>| -> Vec<u32> {
        s.iter()
            .filter_map(|t| vocab.index_of(t))
            .map(|i| i as u32)
            .collect()
    };
    let idx: Vec<Vec<u32>> = streams.iter().map(index).collect();
    let shifted: Vec<Vec<Vec<u32>>> = shifted
        .iter()
        .map(|copies| copies.iter().map(index).collect())
        .collect();
    let (train, val) = split(idx, shifted, opts);
    Ok(Dataset {
        files,
        failed,
        vocab,
        options: opts.clone(),
        train,
        val,
    })
}

/// By file when there are five or more (a seeded choice), else the tail of every stream.
/// A file's transposed copies go where the file goes, and only into training (for the tail
/// split, only their heads): validation stays in the keys the players played in.
fn split(
    streams: Vec<Vec<u32>>,
    shifted: Vec<Vec<Vec<u32>>>,
    opts: &DatasetOptions,
) -> (Vec<Vec<u32>>, Vec<Vec<u32>>) {
    let frac = opts.val_fraction.clamp(0.0, 0.5);
    let (mut train, mut val) = (Vec::new(), Vec::new());
    if frac == 0.0 {
        for (s, copies) in streams.into_iter().zip(shifted) {
            train.push(s);
            train.extend(copies);
        }
        return (train, val);
    }
    if streams.len() >= 5 {
        let n_val = ((streams.len() as f64 * frac).round() as usize).max(1);
        let mut order: Vec<usize> = (0..streams.len()).collect();
        order.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(opts.seed));
        let val_set: Vec<usize> = order[..n_val].to_vec();
        for (i, (s, copies)) in streams.into_iter().zip(shifted).enumerate() {
            if val_set.contains(&i) {
                val.push(s);
            } else {
                train.push(s);
                train.extend(copies);
            }
        }
    } else {
        let head = |s: &[u32]| s.len() - ((s.len() as f64 * frac).round() as usize).min(s.len());
        for (s, copies) in streams.into_iter().zip(shifted) {
            let cut = head(&s);
            val.push(s[cut..].to_vec());
            train.push(s[..cut].to_vec());
            train.extend(copies.iter().map(|c| c[..head(c)].to_vec()));
        }
    }
    (train, val)
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

pub fn make_windows(streams: &[Vec<u32>], tx: usize, stride: usize, n_values: usize) -> Windows {
    let mut w = Windows {
        m: 0,
        tx,
        n_values,
        x: Vec::new(),
        y: Vec::new(),
    };
    for s in streams.iter().filter(|s| !s.is_empty()) {
        let last = s.len().saturating_sub(tx);
        let mut start = 0;
        loop {
            for t in 0..tx {
                let x = if t == 0 { None } else { s.get(start + t - 1) };
                w.x.push(x.map_or(-1, |&v| v as i32));
                w.y.push(s.get(start + t).map_or(-1, |&v| v as i32));
            }
            w.m += 1;
            if start >= last {
                break;
            }
            start = (start + stride).min(last);
        }
    }
    w
}

/// Uniform, add-k unigram and add-k bigram cross-entropy on the validation tokens (on the
/// training tokens when there is no validation split).
pub fn baselines(train: &[Vec<u32>], val: &[Vec<u32>], v: usize) -> Baselines {
    let v = v.max(1);
    let k = 0.5;
    let mut uni = vec![0f64; v];
    let mut bi = std::collections::HashMap::<(u32, u32), f64>::new();
    for s in train {
        for (i, &t) in s.iter().enumerate() {
            uni[t as usize] += 1.0;
            if i > 0 {
                *bi.entry((s[i - 1], t)).or_default() += 1.0;
            }
        }
    }
    let total: f64 = uni.iter().sum();
    let p_uni = |t: u32| (uni[t as usize] + k) / (total + k * v as f64);
    let eval = if val.iter().any(|s| !s.is_empty()) {
        val
    } else {
        train
    };
    let (mut n, mut h_uni, mut h_bi) = (0f64, 0f64, 0f64);
    for s in eval {
        for (i, &t) in s.iter().enumerate() {
            n += 1.0;
            h_uni -= p_uni(t).ln();
            let p = if i == 0 {
                p_uni(t)
            } else {
                let prev = s[i - 1];
                (bi.get(&(prev, t)).copied().unwrap_or(0.0) + k)
                    / (uni[prev as usize] + k * v as f64)
            };
            h_bi -= p.ln();
        }
    }
    let n = n.max(1.0);
    Baselines {
        uniform: (v as f64).ln(),
        unigram: h_uni / n,
        bigram: h_bi / n,
    }
}

/// The exercise's own windows, quirks included: X[:,0] is the zero vector and the last
/// target is never set, so 29 inputs predict 29 targets.
pub fn exercise_windows(
    corpus: &[String],
    values: &[String],
    starts: &[usize],
    tx: usize,
) -> Windows {
    let vocab = Vocab::from_ordered(values);
    let idx = |t: &String| vocab.index_of(t).map_or(-1, |i| i as i32);
    let mut w = Windows {
        m: starts.len(),
        tx,
        n_values: values.len(),
        x: vec![-1; starts.len() * tx],
        y: vec![-1; starts.len() * tx],
    };
    for (i, &s) in starts.iter().enumerate() {
        for j in 1..tx {
            if let Some(tok) = corpus.get(s + j) {
                w.x[i * tx + j] = idx(tok);
                w.y[i * tx + j - 1] = idx(tok);
            }
        }
    }
    w
}

#[cfg(test)]
#[path = "dataset_tests.rs"]
mod tests;
