//! The judge: improvises over the changes of real solos and holds the model's lines against
//! the players' (harmony, density, register, MGEval-style histograms, copied phrases).

mod copies;
mod figures;
pub mod motif;
mod musdr;

pub use copies::{longest_copied, longest_shared};
pub use figures::{Figures, Take, Tally, entropy, overlap};
pub use motif::MotifFigures;
pub use musdr::{
    OVER_BOUND_MARGIN, SoloMeans, grooving_similarity, over_bound, pc_entropy, register_span,
};

use crate::dataset::midi_files;
use crate::generate::decode::Decoding;
use crate::generate::{Changes, GenerateError, GenerateOptions, SampleOptions, generate_with};
use crate::midi::import::ImportOptions;
use crate::model::bundle::Bundle;
use crate::music::Score;
use crate::scorefile::read_any as read_file;
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug)]
pub struct JudgeOptions {
    /// Times through each file's changes (1: once, as the players did).
    pub choruses: usize,
    /// One solo per seed over every file.
    pub seeds: Vec<u64>,
    pub temperature: f64,
    pub top_k: usize,
    /// Top-p, beam search, register: the decoding of conditioned models.
    pub decoding: Decoding,
    /// Changes to improvise over instead of each file's own (`judge --progression`): the
    /// model plays as many choruses of them as the player's solo has bars.
    pub changes: Option<Changes>,
}

impl Default for JudgeOptions {
    fn default() -> Self {
        JudgeOptions {
            choruses: 1,
            seeds: vec![1, 2, 3],
            temperature: crate::generate::TEMPERATURE,
            top_k: 0,
            decoding: Decoding::default(),
            changes: None,
        }
    }
}

/// The model's figures, and how its lines compare with the players'.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ModelFigures {
    #[serde(flatten)]
    pub figures: Figures,
    /// Overlap of the melodic-interval histograms with the players' (1 = the same).
    pub interval_overlap: f64,
    /// Overlap of the onset-position-in-bar histograms with the players'.
    pub onset_overlap: f64,
    /// The longest run of intervals copied from the training corpus (with `--corpus`).
    pub longest_copied: Option<usize>,
    /// The corpus's own longest run shared between two different files.
    pub corpus_longest_repeat: Option<usize>,
    /// The model plays chord tones more than 5 points more often than the players: lines
    /// bound to the chords.
    pub over_bound: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct FileReport {
    pub path: PathBuf,
    pub players: Figures,
    pub model: ModelFigures,
}

#[derive(Clone, Debug, Serialize)]
pub struct Overall {
    pub players: Figures,
    pub model: ModelFigures,
}

#[derive(Clone, Debug, Serialize)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub files: Vec<FileReport>,
    pub overall: Overall,
    pub skipped: Vec<Skipped>,
    /// What the readers said about the files judged (damage, tempos, length), per file.
    pub warnings: Vec<Skipped>,
}

#[derive(Debug, thiserror::Error)]
pub enum JudgeError {
    #[error(transparent)]
    Files(#[from] crate::dataset::DatasetError),
    #[error(transparent)]
    Generate(#[from] GenerateError),
    #[error("no file with a melody and chord changes to judge{}", list(.0))]
    Nothing(Vec<Skipped>),
}

fn list(skipped: &[Skipped]) -> String {
    skipped
        .iter()
        .take(3)
        .map(|s| format!("; {}: {}", s.path.display(), s.reason))
        .collect()
}

/// Reads a solo with chords: the melody and the changes it was played over, and what the
/// reader warned of.
fn read_solo(path: &Path) -> Result<(Score, Vec<String>), String> {
    let imp = read_file(path, &ImportOptions::default()).map_err(|e| e.reason())?;
    let score = imp.score;
    if score.melody().is_none_or(|m| m.notes.is_empty()) {
        return Err("no melody".into());
    }
    if score.chords.is_empty() {
        return Err("no chord changes".into());
    }
    Ok((score, imp.warnings))
}

/// The interval sequences of the training corpus's melodies (unreadable files are skipped:
/// they cannot have been learned from).
pub fn corpus_intervals(paths: &[PathBuf]) -> Result<Vec<Vec<i8>>, JudgeError> {
    Ok(midi_files(paths)?
        .iter()
        .filter_map(|p| read_file(p, &ImportOptions::default()).ok())
        .map(|imp| Take::of_melody(&imp.score).intervals())
        .filter(|v| !v.is_empty())
        .collect())
}

/// Judges `bundle` over every solo with chords in `paths`; `corpus`, when given, is the
/// training corpus for the originality figures.
pub fn judge(
    bundle: &Bundle,
    paths: &[PathBuf],
    corpus: Option<&[Vec<i8>]>,
    opts: &JudgeOptions,
) -> Result<Report, JudgeError> {
    let corpus_repeat = corpus.map(longest_shared);
    let (mut players_all, mut model_all) = (Tally::default(), Tally::default());
    let mut longest_all: Option<usize> = None;
    let mut files = Vec::new();
    let (mut skipped, mut warnings) = (Vec::new(), Vec::new());
    for path in midi_files(paths)? {
        let score = match read_solo(&path) {
            Ok((s, said)) => {
                let p = &path;
                warnings.extend(said.into_iter().map(|reason| Skipped {
                    path: p.clone(),
                    reason,
                }));
                s
            }
            Err(reason) => {
                skipped.push(Skipped { path, reason });
                continue;
            }
        };
        let players = Take::of_melody(&score);
        if let Some(reason) = players.not_a_solo() {
            skipped.push(Skipped { path, reason });
            continue;
        }
        let mut p = Tally::default();
        p.add(&players);
        let (m, longest) = model_takes(bundle, (&score, &path), corpus, opts, &mut model_all)?;
        players_all.add(&players);
        if let Some(l) = longest {
            longest_all = Some(longest_all.unwrap_or(0).max(l));
        }
        files.push(FileReport {
            path,
            players: p.figures(),
            model: compare(&m, &p, longest, corpus_repeat),
        });
    }
    if files.is_empty() {
        return Err(JudgeError::Nothing(skipped));
    }
    Ok(Report {
        files,
        overall: Overall {
            players: players_all.figures(),
            model: compare(&model_all, &players_all, longest_all, corpus_repeat),
        },
        skipped,
        warnings,
    })
}

/// The model's takes over one solo's changes, one per seed, tallied (also into `all`), and
/// the longest run of intervals they copy from `corpus`, when given.
fn model_takes(
    bundle: &Bundle,
    (score, path): (&Score, &Path),
    corpus: Option<&[Vec<i8>]>,
    opts: &JudgeOptions,
    all: &mut Tally,
) -> Result<(Tally, Option<usize>), JudgeError> {
    let mut m = Tally::default();
    let mut longest: Option<usize> = None;
    for &seed in &opts.seeds {
        let take = improvise(bundle, score, path, seed, opts)?;
        if let Some(c) = corpus {
            let l = longest_copied(&take.intervals(), c);
            longest = Some(longest.unwrap_or(0).max(l));
        }
        m.add(&take);
        all.add(&take);
    }
    Ok((m, longest))
}

fn compare(
    model: &Tally,
    players: &Tally,
    longest_copied: Option<usize>,
    corpus_longest_repeat: Option<usize>,
) -> ModelFigures {
    let figures = model.figures();
    let over_bound = over_bound(figures.chord_tone_rate, players.figures().chord_tone_rate);
    ModelFigures {
        figures,
        over_bound,
        interval_overlap: model.interval_overlap(players),
        onset_overlap: model.onset_overlap(players),
        longest_copied,
        corpus_longest_repeat,
    }
}

/// One model solo over a file's own changes (same form, tempo and meter), or over the
/// changes given instead, for as many bars as the player's solo.
fn improvise(
    bundle: &Bundle,
    score: &Score,
    path: &Path,
    seed: u64,
    opts: &JudgeOptions,
) -> Result<Take, GenerateError> {
    let form_bars = Take::of_melody(score).bars;
    let (changes, choruses) = match &opts.changes {
        Some(c) => {
            let chart_bars = c.bars().max(1);
            (c.clone(), form_bars.div_ceil(chart_bars).max(1))
        }
        None => (
            Changes {
                name: path
                    .file_stem()
                    .map_or_else(String::new, |s| s.to_string_lossy().into_owned()),
                spans: score.chords.clone(),
                bar_ticks: score.time_sig_at(0).bar_ticks(),
                bpm: Some(score.bpm()),
            },
            opts.choruses.max(1),
        ),
    };
    let g = generate_with(
        bundle,
        &GenerateOptions {
            changes,
            choruses,
            bpm: score.bpm(),
            sample: SampleOptions {
                temperature: opts.temperature,
                top_k: opts.top_k,
                seed,
            },
            primer: Vec::new(),
        },
        &opts.decoding,
    )?;
    let mut take = Take::of_melody(&g.score);
    match &opts.changes {
        Some(c) => take.bars = c.bars().max(1) * choruses,
        None => {
            take.time_sigs = score.time_sigs.clone();
            take.bars = form_bars * choruses;
        }
    }
    Ok(take)
}

#[cfg(test)]
mod tests;
