//! The plain data each tab shows and edits: browser, dataset, training, generation, playback.

use super::jobs::{AudioStatus, Job};
use crate::dataset::{Baselines, Dataset, Stats};
use crate::generate::SoloStats;
use crate::model::bundle::Bundle;
use crate::music::{PPQ, PRESETS, Progression, Score, Tick};
use crate::synth::{Part, SynthSettings};
use crate::train::EpochSummary;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Chart,
    Midi,
    Wav,
}

pub enum Overlay {
    None,
    Help,
    ConfirmQuit,
    Confirm { prompt: String, job: Box<Job> },
    Input { purpose: Purpose, text: String },
}

impl PartialEq for Overlay {
    fn eq(&self, other: &Self) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }
}

#[derive(Clone, Debug)]
pub struct Entry {
    pub name: String,
    pub path: PathBuf,
    pub is_dir: bool,
}

/// A folder listing: sub-folders, then MIDI files. Read on the jobs thread; until it
/// arrives the browser shows `dir` with `reading` set.
pub struct Browser {
    pub dir: PathBuf,
    pub entries: Vec<Entry>,
    pub selected: usize,
    pub error: Option<String>,
    pub reading: bool,
}

impl Browser {
    /// A browser waiting for its listing.
    pub fn pending(dir: &Path) -> Browser {
        Browser {
            dir: dir.to_path_buf(),
            entries: Vec::new(),
            selected: 0,
            error: None,
            reading: true,
        }
    }

    /// Reads `dir` (the current folder when it is not one), selecting `select` if listed.
    pub fn read(dir: &Path, select: Option<&Path>) -> Browser {
        // Absolute, so Backspace can climb past the folder the studio started in.
        let dir = if dir.is_dir() { dir } else { Path::new(".") };
        let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        let mut entries = Vec::new();
        let mut error = None;
        match std::fs::read_dir(&dir) {
            Ok(rd) => {
                for e in rd.flatten() {
                    let path = e.path();
                    let name = e.file_name().to_string_lossy().into_owned();
                    let is_dir = path.is_dir();
                    let midi = crate::scorefile::is_score_file(&path);
                    if (is_dir && !name.starts_with('.')) || midi {
                        entries.push(Entry { name, path, is_dir });
                    }
                }
            }
            Err(e) => error = Some(format!("{}: {e}", dir.display())),
        }
        entries.sort_by(|a, b| b.is_dir.cmp(&a.is_dir).then(a.name.cmp(&b.name)));
        let selected = select
            .and_then(|s| entries.iter().position(|e| e.path == s))
            .unwrap_or(0);
        Browser {
            dir,
            entries,
            selected,
            error,
            reading: false,
        }
    }
}

/// The model bundles (folders holding a `bundle.json`) directly inside `dir`, sorted.
pub fn bundles_in(dir: &Path) -> Vec<PathBuf> {
    let mut bundles: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.join("bundle.json").is_file())
                .collect()
        })
        .unwrap_or_default();
    bundles.sort();
    bundles
}

#[derive(Default)]
pub struct DataState {
    pub dataset: Option<Arc<Dataset>>,
    pub stats: Option<Stats>,
    pub loading: Option<(usize, usize)>,
    pub paths: Vec<PathBuf>,
    pub file_sel: usize,
    /// Melody tracks the user chose, per file; files not listed use automatic detection.
    pub melody_for: BTreeMap<PathBuf, usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TrainSettings {
    pub epochs: usize,
    pub n_a: usize,
    pub tx: usize,
    pub batch: usize,
    pub lr: f64,
    pub seed: u64,
}

impl Default for TrainSettings {
    fn default() -> Self {
        TrainSettings {
            epochs: 20,
            n_a: 64,
            tx: 30,
            batch: 32,
            lr: 0.01,
            seed: 0,
        }
    }
}

impl TrainSettings {
    pub const FIELDS: usize = 6;

    pub fn rows(&self) -> [(&'static str, String); 6] {
        [
            ("epochs", self.epochs.to_string()),
            ("n_a", self.n_a.to_string()),
            ("Tx", self.tx.to_string()),
            ("batch", self.batch.to_string()),
            ("learning rate", format!("{}", self.lr)),
            ("seed", self.seed.to_string()),
        ]
    }

    pub fn adjust(&mut self, field: usize, d: i64) {
        let step = |v: usize, s: usize, lo: usize, hi: usize| {
            (v as i64 + d * s as i64).clamp(lo as i64, hi as i64) as usize
        };
        match field {
            0 => self.epochs = step(self.epochs, 5, 1, 5000),
            1 => self.n_a = step(self.n_a, 16, 16, 512),
            2 => self.tx = step(self.tx, 5, 5, 200),
            3 => self.batch = step(self.batch, 8, 8, 512),
            4 => self.lr = (self.lr * if d > 0 { 2.0 } else { 0.5 }).clamp(1e-4, 0.1),
            _ => self.seed = (self.seed as i64 + d).max(0) as u64,
        }
    }
}

pub struct TrainState {
    pub settings: TrainSettings,
    pub field: usize,
    pub log_scale: bool,
    pub models_dir: PathBuf,
    pub out: PathBuf,
    pub epochs_total: usize,
    pub epochs: Vec<EpochSummary>,
    /// (fractional epoch, smoothed batch loss).
    pub batches: Vec<(f64, f64)>,
    pub batch: (usize, usize),
    pub paused: bool,
    pub failed: Option<String>,
    pub baselines: Option<Baselines>,
}

impl Default for TrainState {
    fn default() -> Self {
        TrainState {
            settings: TrainSettings::default(),
            field: 0,
            log_scale: false,
            models_dir: PathBuf::from("models"),
            out: PathBuf::new(),
            epochs_total: 0,
            epochs: Vec::new(),
            batches: Vec::new(),
            batch: (0, 0),
            paused: false,
            failed: None,
            baselines: None,
        }
    }
}

pub struct Solo {
    pub score: Score,
    pub stats: SoloStats,
    pub saved: bool,
}

/// The piano roll's window: first tick shown and ticks per column.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RollView {
    pub from: Tick,
    pub ticks_per_col: Tick,
}

impl Default for RollView {
    fn default() -> Self {
        RollView {
            from: 0,
            ticks_per_col: PPQ / 4,
        }
    }
}

impl RollView {
    pub fn zoom(&mut self, zoom_in: bool) {
        self.ticks_per_col = if zoom_in {
            (self.ticks_per_col / 2).max(PPQ / 16)
        } else {
            (self.ticks_per_col * 2).min(PPQ * 2)
        };
    }
    pub fn scroll(&mut self, d: i64) {
        let bar = (PPQ * 4) as i64;
        self.from = (self.from as i64 + d * bar).max(0) as Tick;
    }
}

pub struct GenState {
    pub model: PathBuf,
    pub bundle: Option<Arc<Bundle>>,
    pub preset: usize,
    pub chart: Option<String>,
    /// Improvise over the changes of this MIDI file (the Dataset tab's selected file).
    pub file: Option<PathBuf>,
    pub choruses: usize,
    pub bpm: f64,
    pub temperature: f64,
    pub top_k: usize,
    pub seed: u64,
    pub field: usize,
    pub busy: bool,
    pub solo: Option<Solo>,
    pub roll: RollView,
}

impl GenState {
    pub const FIELDS: usize = 8;

    pub fn new(model: &Path) -> GenState {
        GenState {
            model: model.to_path_buf(),
            bundle: None,
            preset: 0,
            chart: None,
            file: None,
            choruses: 2,
            bpm: 140.0,
            temperature: 0.9,
            top_k: 0,
            seed: 1,
            field: 0,
            busy: false,
            solo: None,
            roll: RollView::default(),
        }
    }

    pub fn progression_name(&self) -> String {
        if let Some(f) = &self.file {
            let name = f.file_name().map_or_else(
                || f.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            return format!("changes of {name}");
        }
        match &self.chart {
            Some(c) => c.clone(),
            None => PRESETS.get(self.preset).map_or("-", |p| p.0).to_string(),
        }
    }

    pub fn progression(&self) -> Result<Progression, String> {
        Progression::from_arg(&self.progression_name()).map_err(|e| e.to_string())
    }

    /// Steps through the presets and, when given, the changes of `file` (after the last
    /// preset). A typed chart is left for the first preset or file in the direction of travel.
    pub fn cycle_progression(&mut self, d: i64, file: Option<&Path>) {
        // Positions: 0..presets are the presets, `presets` the file.
        let n = PRESETS.len() as i64 + i64::from(file.is_some());
        let at = if self.file.is_some() && file.is_some() {
            PRESETS.len() as i64
        } else if self.chart.is_some() && d > 0 {
            -1
        } else if self.chart.is_some() {
            n
        } else {
            self.preset as i64
        };
        let next = (at + d).rem_euclid(n);
        self.chart = None;
        if next == PRESETS.len() as i64 {
            self.file = file.map(Path::to_path_buf);
        } else {
            self.file = None;
            self.preset = next as usize;
        }
    }

    pub fn rows(&self) -> [(&'static str, String); Self::FIELDS] {
        [
            ("progression", self.progression_name()),
            ("choruses", self.choruses.to_string()),
            ("tempo", format!("{:.0} bpm", self.bpm)),
            ("temperature", format!("{:.2}", self.temperature)),
            (
                "top-k",
                if self.top_k == 0 {
                    "all".into()
                } else {
                    self.top_k.to_string()
                },
            ),
            ("seed", self.seed.to_string()),
            ("model ←→", self.model.display().to_string()),
            ("roll", "←→ scroll bars".into()),
        ]
    }

    pub fn adjust(&mut self, d: i64) {
        match self.field {
            0 => self.cycle_progression(d, None),
            1 => self.choruses = (self.choruses as i64 + d).clamp(1, 16) as usize,
            2 => self.bpm = (self.bpm + 10.0 * d as f64).clamp(40.0, 320.0),
            3 => {
                self.temperature = ((self.temperature + 0.1 * d as f64) * 10.0)
                    .round()
                    .clamp(0.0, 30.0)
                    / 10.0
            }
            4 => self.top_k = (self.top_k as i64 + d).clamp(0, 64) as usize,
            5 => self.seed = (self.seed as i64 + d).max(0) as u64,
            _ => {}
        }
    }
}

pub struct PlayState {
    pub score: Option<Score>,
    pub source: String,
    pub settings: SynthSettings,
    /// Playback tempo as a share of the written one.
    pub tempo_pct: u32,
    pub field: usize,
    pub duration: f64,
    pub status: AudioStatus,
}

impl Default for PlayState {
    fn default() -> Self {
        PlayState {
            score: None,
            source: String::new(),
            settings: SynthSettings::default(),
            tempo_pct: 100,
            field: 0,
            duration: 0.0,
            status: AudioStatus::default(),
        }
    }
}

impl PlayState {
    pub const FIELDS: usize = 6;
    const PARTS: [Part; 4] = [Part::Lead, Part::Chords, Part::Bass, Part::Drums];

    pub fn set_score(&mut self, score: Score, source: String) {
        self.score = Some(score);
        self.source = source;
    }

    /// The part of the selected mixer row.
    pub fn part(&self) -> Option<Part> {
        self.field
            .checked_sub(2)
            .and_then(|i| Self::PARTS.get(i).copied())
    }

    pub fn rows(&self) -> Vec<(String, String)> {
        let mut rows = vec![
            ("swing".to_string(), format!("{:.2}", self.settings.swing)),
            ("tempo".to_string(), format!("{}%", self.tempo_pct.max(1))),
        ];
        for p in Self::PARTS {
            let m = self.settings.mix(p);
            let name = format!("{p:?}").to_lowercase();
            let bar = "█".repeat((m.level * 10.0).round() as usize);
            rows.push((
                name,
                if m.mute {
                    "muted".into()
                } else {
                    format!("{bar:<10} {:.0}%", m.level * 100.0)
                },
            ));
        }
        rows
    }

    pub fn adjust(&mut self, d: i64) {
        match self.field {
            0 => self.settings.swing = (self.settings.swing + 0.02 * d as f64).clamp(0.5, 0.75),
            1 => self.tempo_pct = (self.tempo_pct.max(1) as i64 + 5 * d).clamp(25, 300) as u32,
            _ => {
                if let Some(p) = self.part() {
                    let m = self.settings.mix_mut(p);
                    m.level = (m.level + 0.1 * d as f32).clamp(0.0, 1.5);
                }
            }
        }
    }

    /// The score at the chosen tempo.
    pub fn scaled(&self, mut score: Score) -> Score {
        let k = self.tempo_pct.max(1) as f64 / 100.0;
        for t in &mut score.tempos {
            t.us_per_quarter = ((t.us_per_quarter as f64 / k) as u32).max(1);
        }
        score
    }
}
