//! Work the UI thread never does itself: loading, generating, rendering, writing files and
//! driving the audio device, each on a worker thread that answers over a channel.

mod output;

use super::listing::{Browser, bundles_in};
use super::player::{AudioCmd, AudioStatus, Report, SoundSource, audio_loop};
use crate::dataset::events::{EventData, EventOptions};
use crate::dataset::{self, Dataset, DatasetOptions, midi_files};
use crate::generate::decode::Decoding;
use crate::generate::{Changes, GenerateOptions, Generated, generate_with};
use crate::midi::import::ImportOptions;
use crate::midi::import::TrackSelector;
use crate::model::bundle::Bundle;
use crate::music::Score;
use crate::scorefile::read_any;
use crate::synth::SynthSettings;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

pub enum Job {
    LoadDataset {
        paths: Vec<PathBuf>,
        opts: DatasetOptions,
    },
    LoadBundle(PathBuf),
    /// Read the files as the conditioned model's events (with the user's melody tracks).
    LoadEvents {
        paths: Vec<PathBuf>,
        melody_for: BTreeMap<PathBuf, TrackSelector>,
        opts: EventOptions,
    },
    /// List a folder for the Dataset browser, selecting `select` when it is there.
    ListDir {
        dir: PathBuf,
        select: Option<PathBuf>,
    },
    /// Load the bundle `step` places after `current` among those in `dir`.
    NextBundle {
        dir: PathBuf,
        current: PathBuf,
        step: i64,
    },
    Generate {
        bundle: Arc<Bundle>,
        opts: GenerateOptions,
        /// How a conditioned model decodes (an exercise model samples by `opts`).
        decoding: Decoding,
        /// Read the changes (and tempo) from this MIDI file first.
        changes_from: Option<PathBuf>,
    },
    OpenScore(PathBuf),
    /// Read the chart library in the config folder.
    LoadCharts,
    ExportMidi {
        score: Box<Score>,
        path: PathBuf,
        overwrite: bool,
    },
    ExportWav {
        score: Box<Score>,
        settings: SynthSettings,
        /// The SoundFont chosen on the Play tab (None: the built-in synth).
        font: Option<PathBuf>,
        path: PathBuf,
        overwrite: bool,
    },
    /// Read the chord changes of a file for a Jam session.
    JamChanges(PathBuf),
    /// Write the user's turns of a Jam session as solo files into `dir`.
    SaveSolos {
        plan: Box<crate::jam::Plan>,
        played: Vec<crate::music::Note>,
        end: crate::music::Tick,
        dir: PathBuf,
    },
    /// Start playing from `from_secs` through `source` (synthesized as it plays).
    Play {
        score: Box<Score>,
        settings: SynthSettings,
        source: SoundSource,
        from_secs: f64,
    },
}

pub enum Done {
    Progress(usize, usize),
    Dataset(Result<Box<Dataset>, String>),
    Events(Result<Box<EventData>, String>),
    Listing(Box<Browser>),
    /// A loaded bundle; `switched` when the user asked for another one (not at start-up).
    Bundle {
        path: PathBuf,
        result: Result<Arc<Bundle>, String>,
        switched: bool,
    },
    Generated(Result<Box<Generated>, String>),
    Score(PathBuf, Result<Box<Score>, String>),
    Exported(Result<PathBuf, String>),
    Playing {
        duration: f64,
    },
    /// A file's changes for the Jam session waiting to start.
    JamChanges(Result<Changes, String>),
    Message(String),
    /// The chart library and its charts, read.
    Charts(Result<(crate::charts::Library, Vec<crate::music::Progression>), String>),
}

pub struct Jobs {
    pub tx: Sender<Job>,
    pub rx: Receiver<Done>,
    pub audio: Sender<AudioCmd>,
    pub audio_status: Arc<Mutex<AudioStatus>>,
}

/// Starts the worker and audio threads.
pub fn start(with_audio: bool) -> Jobs {
    let (tx, jobs) = channel::<Job>();
    let (done_tx, rx) = channel::<Done>();
    let (audio, audio_rx) = channel::<AudioCmd>();
    let audio_status = Arc::new(Mutex::new(AudioStatus::default()));
    let status = audio_status.clone();
    let audio_tx = audio.clone();
    let done = done_tx.clone();
    std::thread::Builder::new()
        .name("jobs".into())
        .spawn(move || {
            for job in jobs {
                let d = done.clone();
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    run(job, &d, &audio_tx)
                }));
                if result.is_err() {
                    let _ = d.send(Done::Message("a background job failed unexpectedly".into()));
                }
            }
        })
        .expect("spawning the jobs thread");
    std::thread::Builder::new()
        .name("audio".into())
        .spawn(move || audio_loop(audio_rx, status, with_audio, done_tx))
        .expect("spawning the audio thread");
    Jobs {
        tx,
        rx,
        audio,
        audio_status,
    }
}

fn run(job: Job, done: &Sender<Done>, audio: &Sender<AudioCmd>) {
    let msg = match job {
        Job::LoadDataset { paths, opts } => load_dataset(&paths, &opts, done),
        Job::LoadEvents {
            paths,
            melody_for,
            opts,
        } => Done::Events(load_events(&paths, &melody_for, &opts)),
        Job::LoadBundle(path) => Done::Bundle {
            result: load_bundle(&path),
            path,
            switched: false,
        },
        Job::ListDir { dir, select } => {
            Done::Listing(Box::new(Browser::read(&dir, select.as_deref())))
        }
        Job::NextBundle { dir, current, step } => next_bundle(&dir, &current, step),
        Job::Generate {
            bundle,
            opts,
            decoding,
            changes_from,
        } => Done::Generated(generate_over(&bundle, opts, &decoding, changes_from)),
        Job::OpenScore(path) => open_score(path),
        Job::LoadCharts => Done::Charts(load_charts()),
        Job::JamChanges(path) => Done::JamChanges(changes_of(&path)),
        Job::ExportMidi { .. }
        | Job::ExportWav { .. }
        | Job::SaveSolos { .. }
        | Job::Play { .. } => output::run(job, audio),
    };
    let _ = done.send(msg);
}

/// The changes (and tempo) of a score file or chart.
fn changes_of(path: &Path) -> Result<Changes, String> {
    path.to_str()
        .ok_or_else(|| format!("{}: the path is not valid UTF-8", path.display()))
        .and_then(|p| Changes::from_arg(p).map_err(|e| e.to_string()))
}

fn load_charts() -> Result<(crate::charts::Library, Vec<crate::music::Progression>), String> {
    let dir = crate::charts::config_dir().ok_or("no config folder for the chart library")?;
    let lib = crate::charts::Library::open(&dir).map_err(|e| e.to_string())?;
    let charts = lib.progressions();
    Ok((lib, charts))
}

fn open_score(path: PathBuf) -> Done {
    let r = read_any(&path, &ImportOptions::default())
        .map(|i| Box::new(i.score))
        .map_err(|e| e.to_string());
    Done::Score(path, r)
}

/// The dataset, reporting each file read.
fn load_dataset(paths: &[PathBuf], opts: &DatasetOptions, done: &Sender<Done>) -> Done {
    let mut progress = |a: usize, b: usize| {
        let _ = done.send(Done::Progress(a, b));
    };
    Done::Dataset(
        dataset::load(paths, opts, &mut progress)
            .map(Box::new)
            .map_err(|e| e.to_string()),
    )
}

/// The files' melodies as events for the conditioned model; files without one are left out.
fn load_events(
    paths: &[PathBuf],
    melody_for: &BTreeMap<PathBuf, TrackSelector>,
    opts: &EventOptions,
) -> Result<Box<EventData>, String> {
    let mut named = Vec::new();
    for f in midi_files(paths).map_err(|e| e.to_string())? {
        let import = ImportOptions {
            melody_track: melody_for.get(&f).cloned(),
        };
        if let Ok(imp) = read_any(&f, &import)
            && imp.score.melody().is_some_and(|m| !m.notes.is_empty())
        {
            named.push((f.display().to_string(), imp.score));
        }
    }
    if named.is_empty() {
        return Err("no file of the dataset has a melody to train on".into());
    }
    Ok(Box::new(EventData::from_scores(named, opts)))
}

fn load_bundle(path: &Path) -> Result<Arc<Bundle>, String> {
    Bundle::load(path).map(Arc::new).map_err(|e| e.to_string())
}

/// The bundle `step` places after `current` among those in `dir`.
fn next_bundle(dir: &Path, current: &Path, step: i64) -> Done {
    let bundles = bundles_in(dir);
    if bundles.is_empty() {
        return Done::Message(format!("no model bundles in {}", dir.display()));
    }
    let n = bundles.len() as i64;
    let next = match bundles.iter().position(|p| p == current) {
        Some(i) => (i as i64 + step).rem_euclid(n) as usize,
        None => 0,
    };
    let path = bundles[next].clone();
    Done::Bundle {
        result: load_bundle(&path),
        path,
        switched: true,
    }
}

/// Generates over the options' changes, or over those (and the tempo) of a MIDI file.
fn generate_over(
    bundle: &Bundle,
    mut opts: GenerateOptions,
    decoding: &Decoding,
    changes_from: Option<PathBuf>,
) -> Result<Box<Generated>, String> {
    if let Some(path) = changes_from {
        let c = changes_of(&path)?;
        opts.bpm = c.bpm.unwrap_or(opts.bpm);
        opts.changes = c;
    }
    generate_with(bundle, &opts, decoding)
        .map(Box::new)
        .map_err(|e| e.to_string())
}

impl Report for Sender<Done> {
    fn report(&self, message: String) {
        let _ = self.send(Done::Message(message));
    }
}
