//! Building a dataset: scores to token streams, the vocabulary, the train/validation split.

use super::{Dataset, DatasetError, DatasetOptions, FailedFile, FileSummary};
use crate::music::{Register, Score};
use crate::tokens::{self, Vocab};
use rand::SeedableRng;
use rand::seq::SliceRandom;

pub(super) fn build(
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
                reason: no_melody_reason(&summary, &score),
                path: summary.path,
            });
            continue;
        }
        summarize_kept(&mut summary, &score, notes, toks.len());
        shifted.push(transposed_streams(&score, opts));
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
    let idx: Vec<Vec<u32>> = streams.iter().map(|s| index(&vocab, s)).collect();
    let shifted: Vec<Vec<Vec<u32>>> = shifted
        .iter()
        .map(|copies| copies.iter().map(|s| index(&vocab, s)).collect())
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

/// Why a file gave no melody: no notes at all (saying so when the file was damaged) or
/// no melody track among its notes.
fn no_melody_reason(summary: &FileSummary, score: &Score) -> String {
    if score.note_count() == 0 {
        // A damaged file often reads as empty: say why.
        match summary.warnings.iter().find(|w| w.contains("damaged")) {
            Some(w) => format!("no notes ({w})"),
            None => "no notes".into(),
        }
    } else {
        "no melody track found".into()
    }
}

/// Fills in what the summary of a kept file says about its melody.
fn summarize_kept(summary: &mut FileSummary, score: &Score, notes: usize, tokens: usize) {
    summary.notes = notes;
    summary.register = score.melody().and_then(|m| Register::of(&m.notes));
    summary.tokens = tokens;
    summary.chords = score
        .chords
        .iter()
        .take(16)
        .map(|c| c.chord.to_string())
        .collect();
}

/// The token streams of the score's transpositions into the other keys asked for.
fn transposed_streams(score: &Score, opts: &DatasetOptions) -> Vec<Vec<String>> {
    opts.augment_keys
        .iter()
        .filter(|&&k| k != 0)
        .map(|&k| tokens::encode(opts.tokenizer, &score.transposed(k)))
        .filter(|t| !t.is_empty())
        .collect()
}

/// A stream's tokens as vocabulary indices (tokens not in it dropped).
fn index(vocab: &Vocab, s: &[String]) -> Vec<u32> {
    s.iter()
        .filter_map(|t| vocab.index_of(t))
        .map(|i| i as u32)
        .collect()
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
