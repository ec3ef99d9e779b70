//! Work the UI thread never does itself: loading, generating, rendering, writing files and
//! driving the audio device, each on a worker thread that answers over a channel.

use super::state::{Browser, bundles_in};
use crate::audio::Player;
use crate::dataset::{self, Dataset, DatasetOptions};
use crate::generate::{Changes, GenerateOptions, Generated, generate};
use crate::midi::export::write_file;
use crate::midi::import::ImportOptions;
use crate::model::bundle::Bundle;
use crate::music::Score;
use crate::scorefile::read_any;
use crate::synth::{SynthSettings, render, write_wav};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

pub enum Job {
    LoadDataset {
        paths: Vec<PathBuf>,
        opts: DatasetOptions,
    },
    LoadBundle(PathBuf),
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
        /// Read the changes (and tempo) from this MIDI file first.
        changes_from: Option<PathBuf>,
    },
    OpenScore(PathBuf),
    ExportMidi {
        score: Box<Score>,
        path: PathBuf,
        overwrite: bool,
    },
    ExportWav {
        score: Box<Score>,
        settings: SynthSettings,
        path: PathBuf,
        overwrite: bool,
    },
    /// Render and start playing from `from_secs`.
    Play {
        score: Box<Score>,
        settings: SynthSettings,
        from_secs: f64,
    },
}

pub enum Done {
    Progress(usize, usize),
    Dataset(Result<Box<Dataset>, String>),
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
    Message(String),
}

/// What the audio thread reports, read by the UI at every frame.
#[derive(Clone, Debug, Default)]
pub struct AudioStatus {
    pub position: f64,
    pub duration: f64,
    pub playing: bool,
    pub paused: bool,
    /// Set once when no device could be opened.
    pub no_device: Option<String>,
}

pub enum AudioCmd {
    Play(Vec<f32>, u32, f64),
    Pause,
    Resume,
    Stop,
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
        Job::LoadDataset { paths, opts } => {
            let d = done.clone();
            let mut progress = |a: usize, b: usize| {
                let _ = d.send(Done::Progress(a, b));
            };
            Done::Dataset(
                dataset::load(&paths, &opts, &mut progress)
                    .map(Box::new)
                    .map_err(|e| e.to_string()),
            )
        }
        Job::LoadBundle(path) => {
            let r = Bundle::load(&path).map(Arc::new).map_err(|e| e.to_string());
            Done::Bundle {
                path,
                result: r,
                switched: false,
            }
        }
        Job::ListDir { dir, select } => {
            Done::Listing(Box::new(Browser::read(&dir, select.as_deref())))
        }
        Job::NextBundle { dir, current, step } => {
            let bundles = bundles_in(&dir);
            if bundles.is_empty() {
                Done::Message(format!("no model bundles in {}", dir.display()))
            } else {
                let n = bundles.len() as i64;
                let next = match bundles.iter().position(|p| *p == current) {
                    Some(i) => (i as i64 + step).rem_euclid(n) as usize,
                    None => 0,
                };
                let path = bundles[next].clone();
                let r = Bundle::load(&path).map(Arc::new).map_err(|e| e.to_string());
                Done::Bundle {
                    path,
                    result: r,
                    switched: true,
                }
            }
        }
        Job::Generate {
            bundle,
            mut opts,
            changes_from,
        } => {
            let changes = match changes_from {
                Some(path) => path
                    .to_str()
                    .ok_or_else(|| format!("{}: the path is not valid UTF-8", path.display()))
                    .and_then(|p| Changes::from_arg(p).map_err(|e| e.to_string()))
                    .map(Some),
                None => Ok(None),
            };
            Done::Generated(changes.and_then(|c| {
                if let Some(c) = c {
                    opts.bpm = c.bpm.unwrap_or(opts.bpm);
                    opts.changes = c;
                }
                generate(&bundle, &opts)
                    .map(Box::new)
                    .map_err(|e| e.to_string())
            }))
        }
        Job::OpenScore(path) => {
            let r = read_any(&path, &ImportOptions::default())
                .map(|i| Box::new(i.score))
                .map_err(|e| e.to_string());
            Done::Score(path, r)
        }
        Job::ExportMidi {
            score,
            path,
            overwrite,
        } => Done::Exported(
            write_file(&score, &path, overwrite)
                .map(|_| path)
                .map_err(|e| e.to_string()),
        ),
        Job::ExportWav {
            score,
            settings,
            path,
            overwrite,
        } => {
            let samples = render(&score, &settings);
            Done::Exported(
                write_wav(&path, &samples, settings.sample_rate, overwrite)
                    .map(|_| path)
                    .map_err(|e| e.to_string()),
            )
        }
        Job::Play {
            score,
            settings,
            from_secs,
        } => {
            let samples = render(&score, &settings);
            let duration = samples.len() as f64 / 2.0 / settings.sample_rate as f64;
            let _ = audio.send(AudioCmd::Play(samples, settings.sample_rate, from_secs));
            Done::Playing { duration }
        }
    };
    let _ = done.send(msg);
}

/// Opens the device with stderr silenced: audio libraries print to it when there is no
/// device, which would scribble over the studio's screen.
fn open_quietly() -> Result<Player, String> {
    #[cfg(unix)]
    {
        // SAFETY: plain descriptor juggling on fd 2; restored before returning.
        unsafe {
            let saved = libc::dup(2);
            let null = libc::open(c"/dev/null".as_ptr(), libc::O_WRONLY);
            if saved >= 0 && null >= 0 {
                libc::dup2(null, 2);
            }
            let r = Player::open().map_err(|e| e.to_string());
            if saved >= 0 && null >= 0 {
                libc::dup2(saved, 2);
                libc::close(saved);
                libc::close(null);
            }
            r
        }
    }
    #[cfg(not(unix))]
    {
        Player::open().map_err(|e| e.to_string())
    }
}

fn audio_loop(
    rx: Receiver<AudioCmd>,
    status: Arc<Mutex<AudioStatus>>,
    with_audio: bool,
    done: Sender<Done>,
) {
    let mut player: Option<Player> = None;
    let mut tried = false;
    loop {
        let cmd = match rx.recv_timeout(std::time::Duration::from_millis(30)) {
            Ok(c) => Some(c),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => None,
            Err(_) => return,
        };
        if let Some(cmd) = cmd {
            if player.is_none() && !tried {
                tried = true;
                let opened = if with_audio {
                    open_quietly()
                } else {
                    Err("no audio output device (audio disabled)".into())
                };
                match opened {
                    Ok(p) => player = Some(p),
                    Err(e) => {
                        if let Ok(mut s) = status.lock() {
                            s.no_device = Some(e.clone());
                        }
                        let _ = done.send(Done::Message(e));
                    }
                }
            }
            if let Some(p) = player.as_mut() {
                match cmd {
                    AudioCmd::Play(samples, rate, from) => {
                        if let Err(e) = p.play(samples, rate, 2) {
                            let _ = done.send(Done::Message(e.to_string()));
                        } else if from > 0.0 {
                            let _ = p.seek(from);
                        }
                    }
                    AudioCmd::Pause => p.pause(),
                    AudioCmd::Resume => p.resume(),
                    AudioCmd::Stop => p.stop(),
                }
            }
        }
        if let (Some(p), Ok(mut s)) = (player.as_ref(), status.lock()) {
            s.position = p.position_secs();
            s.duration = p.duration_secs();
            s.paused = p.is_paused();
            s.playing = !p.is_finished();
        }
    }
}
