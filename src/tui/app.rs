//! The studio's state and how keys and background messages change it (no drawing here).

use super::jobs::{AudioCmd, Done, Job, Jobs};
use super::keymap::{Action, Tab, lookup};
use crate::dataset::DatasetOptions;
use crate::generate::{Changes, GenerateOptions, SampleOptions};
use crate::midi::import::TrackSelector;
use crate::model::bundle::TrainConfig;
use crate::music::{PPQ, PRESETS, Progression, Role};
use crate::train::{TrainControl, TrainData, TrainEvent, TrainerHandle, spawn_with};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use super::state::*;

pub struct App {
    pub tab: Tab,
    pub overlay: Overlay,
    pub quit: bool,
    pub message: String,
    pub browser: Browser,
    pub data: DataState,
    pub train: TrainState,
    pub generator: GenState,
    pub play: PlayState,
    pub jobs: Jobs,
    trainer: Option<TrainerHandle>,
}

impl App {
    pub fn new(corpus: &Path, model: &Path, with_audio: bool) -> App {
        let jobs = super::jobs::start(with_audio);
        let mut app = App {
            tab: Tab::Dataset,
            overlay: Overlay::None,
            quit: false,
            message: String::new(),
            browser: Browser::pending(corpus),
            data: DataState::default(),
            train: TrainState::default(),
            generator: GenState::new(model),
            play: PlayState::default(),
            jobs,
            trainer: None,
        };
        if let Some(dir) = model.parent().filter(|d| !d.as_os_str().is_empty()) {
            app.train.models_dir = dir.to_path_buf();
        }
        app.send(Job::ListDir {
            dir: corpus.to_path_buf(),
            select: None,
        });
        if corpus.exists() {
            app.load_dataset(vec![corpus.to_path_buf()]);
        }
        app.send(Job::LoadBundle(model.to_path_buf()));
        app
    }

    fn send(&mut self, job: Job) {
        if self.jobs.tx.send(job).is_err() {
            self.message = "the background worker has stopped".into();
        }
    }

    fn load_dataset(&mut self, paths: Vec<PathBuf>) {
        let opts = DatasetOptions {
            melody_for: self
                .data
                .melody_for
                .iter()
                .map(|(p, &i)| (p.clone(), TrackSelector::Index(i)))
                .collect(),
            tx: self.train.settings.tx,
            ..DatasetOptions::default()
        };
        self.data.loading = Some((0, 0));
        self.data.paths = paths.clone();
        self.send(Job::LoadDataset { paths, opts });
    }

    /// Cycles the selected file's melody track through automatic detection and each
    /// track with notes (drums excepted), then reloads the dataset with the choice.
    fn next_melody_track(&mut self) {
        let Some(fs) = self
            .data
            .dataset
            .as_ref()
            .and_then(|d| d.files.get(self.data.file_sel))
        else {
            self.message = "load a dataset first".into();
            return;
        };
        let candidates: Vec<usize> = fs
            .tracks
            .iter()
            .filter(|t| t.notes > 0 && t.role != Role::Drums)
            .map(|t| t.index)
            .collect();
        let path = fs.path.clone();
        let current = self.data.melody_for.get(&path).copied();
        let next = match current.and_then(|c| candidates.iter().position(|&i| i == c)) {
            None => candidates.first().copied(),
            Some(k) => candidates.get(k + 1).copied(),
        };
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        match next {
            Some(i) => {
                self.data.melody_for.insert(path, i);
                self.message = format!("{name}: melody is track {i}");
            }
            None => {
                self.data.melody_for.remove(&path);
                self.message = format!("{name}: melody track detected automatically");
            }
        }
        let keep = self.message.clone();
        self.load_dataset(self.data.paths.clone());
        self.message = keep;
    }

    pub fn training(&self) -> bool {
        self.trainer.is_some()
    }

    /// Handles everything the background threads sent since the last frame.
    pub fn tick(&mut self) {
        while let Ok(done) = self.jobs.rx.try_recv() {
            self.on_done(done);
        }
        let mut events = Vec::new();
        if let Some(t) = &self.trainer {
            while let Ok(e) = t.events.try_recv() {
                events.push(e);
            }
        }
        for e in events {
            self.on_train(e);
        }
        if let Ok(s) = self.jobs.audio_status.lock() {
            self.play.status = s.clone();
        }
    }

    fn on_done(&mut self, done: Done) {
        match done {
            Done::Progress(a, b) => self.data.loading = Some((a, b)),
            Done::Dataset(r) => {
                self.data.loading = None;
                match r {
                    Ok(ds) => {
                        let ds_files = ds.files.len();
                        self.message = format!(
                            "loaded {} files ({} skipped)",
                            ds.files.len(),
                            ds.failed.len()
                        );
                        self.data.stats = Some(ds.stats());
                        self.data.dataset = Some(Arc::new(*ds));
                        self.data.file_sel = self.data.file_sel.min(ds_files.saturating_sub(1));
                    }
                    Err(e) => self.message = e,
                }
            }
            Done::Listing(b) => self.browser = *b,
            Done::Bundle {
                path,
                result,
                switched,
            } => match result {
                Ok(b) => {
                    if switched {
                        self.message = format!("model {} loaded", path.display());
                    }
                    self.generator.bundle = Some(b);
                    self.generator.model = path;
                }
                Err(e) => self.message = e,
            },
            Done::Generated(r) => {
                self.generator.busy = false;
                match r {
                    Ok(g) => {
                        self.message = format!(
                            "{} notes over {} bars; {:.0}% chord tones",
                            g.stats.notes,
                            g.stats.bars,
                            g.stats.chord_tones * 100.0
                        );
                        self.generator.roll = RollView::default();
                        self.play
                            .set_score(g.score.clone(), "generated solo".into());
                        self.generator.solo = Some(Solo {
                            score: g.score,
                            stats: g.stats,
                            saved: false,
                        });
                    }
                    Err(e) => self.message = e,
                }
            }
            Done::Score(path, r) => match r {
                Ok(s) => {
                    self.play.set_score(*s, path.display().to_string());
                    self.tab = Tab::Play;
                }
                Err(e) => self.message = e,
            },
            Done::Exported(r) => match r {
                Ok(p) => {
                    self.message = format!("wrote {}", p.display());
                    if let Some(s) = self.generator.solo.as_mut() {
                        s.saved = true;
                    }
                }
                Err(e) => self.message = e,
            },
            Done::Playing { duration } => self.play.duration = duration,
            Done::Message(e) => self.message = e,
        }
    }

    fn on_train(&mut self, e: TrainEvent) {
        let t = &mut self.train;
        match e {
            TrainEvent::Started { epochs, .. } => {
                t.epochs_total = epochs;
                self.message = format!("training {} epochs into {}", epochs, t.out.display());
            }
            TrainEvent::Batch {
                epoch,
                batch,
                batches,
                loss,
            } => {
                t.batch = (batch, batches);
                let x = (epoch - 1) as f64 + batch as f64 / batches.max(1) as f64;
                let smooth = t.batches.last().map_or(loss, |p| 0.9 * p.1 + 0.1 * loss);
                t.batches.push((x, smooth));
            }
            TrainEvent::Epoch(s) => t.epochs.push(s),
            TrainEvent::Checkpoint { path, epoch } => {
                self.message = format!("checkpoint of epoch {epoch} saved to {}", path.display())
            }
            TrainEvent::Paused => t.paused = true,
            TrainEvent::Resumed => t.paused = false,
            TrainEvent::Finished(s) => {
                t.paused = false;
                self.message = format!(
                    "{} after {} epochs; model saved to {}",
                    if s.stopped { "stopped" } else { "finished" },
                    s.epochs_done,
                    s.path.display()
                );
                self.trainer = None;
                self.send(Job::LoadBundle(self.train.out.clone()));
            }
            TrainEvent::Failed(r) => {
                t.failed = Some(r.clone());
                self.message = r;
                self.trainer = None;
            }
        }
    }

    pub fn on_key(&mut self, key: KeyEvent) {
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            self.request_quit(true);
            return;
        }
        match std::mem::replace(&mut self.overlay, Overlay::None) {
            Overlay::None => {}
            Overlay::Help => {
                if !matches!(
                    key.code,
                    KeyCode::Esc | KeyCode::Char('?') | KeyCode::Char('q')
                ) {
                    self.overlay = Overlay::Help;
                }
                return;
            }
            Overlay::ConfirmQuit => {
                if matches!(key.code, KeyCode::Char('y') | KeyCode::Char('q')) {
                    self.shutdown();
                }
                return;
            }
            Overlay::Confirm { prompt, job } => {
                if key.code == KeyCode::Char('y') {
                    self.send(*job);
                } else if key.code != KeyCode::Esc && key.code != KeyCode::Char('n') {
                    self.overlay = Overlay::Confirm { prompt, job };
                }
                return;
            }
            Overlay::Input { purpose, mut text } => {
                match key.code {
                    KeyCode::Esc => {}
                    KeyCode::Enter => self.finish_input(purpose, text),
                    KeyCode::Backspace => {
                        text.pop();
                        self.overlay = Overlay::Input { purpose, text };
                    }
                    KeyCode::Char(c) => {
                        text.push(c);
                        self.overlay = Overlay::Input { purpose, text };
                    }
                    _ => self.overlay = Overlay::Input { purpose, text },
                }
                return;
            }
        }
        if key.code == KeyCode::Esc {
            return;
        }
        if let Some(action) = lookup(self.tab, key) {
            self.act(action);
        }
    }

    /// The mouse wheel: moves the selection (Dataset, Train, Play) or scrolls the piano roll
    /// by a bar (Generate). Overlays keep it out.
    pub fn wheel(&mut self, down: bool) {
        if self.overlay != Overlay::None {
            return;
        }
        match self.tab {
            Tab::Generate => self.generator.roll.scroll(if down { 1 } else { -1 }),
            _ => self.act(if down { Action::Down } else { Action::Up }),
        }
    }

    pub fn click(&mut self, col: u16, row: u16) {
        if row > 1 {
            return;
        }
        let mut x = 1u16;
        for tab in Tab::ALL {
            let w = tab.title().len() as u16 + 3;
            if col >= x && col < x + w {
                self.tab = tab;
            }
            x += w;
        }
    }

    fn request_quit(&mut self, force_ask: bool) {
        let unsaved = self.generator.solo.as_ref().is_some_and(|s| !s.saved);
        if self.training() || unsaved || (force_ask && self.overlay == Overlay::ConfirmQuit) {
            self.overlay = Overlay::ConfirmQuit;
        } else {
            self.shutdown();
        }
    }

    fn shutdown(&mut self) {
        if let Some(t) = self.trainer.take() {
            let _ = t.control.send(TrainControl::Stop);
            // Let it save: the thread finishes its batch and writes the bundle.
            let _ = t.thread.join();
        }
        let _ = self.jobs.audio.send(AudioCmd::Stop);
        self.quit = true;
    }

    fn act(&mut self, a: Action) {
        let n = Tab::ALL.len();
        match a {
            Action::Quit => self.request_quit(false),
            Action::Help => self.overlay = Overlay::Help,
            Action::NextTab => self.tab = Tab::ALL[(self.tab.index() + 1) % n],
            Action::PrevTab => self.tab = Tab::ALL[(self.tab.index() + n - 1) % n],
            Action::GoTab(t) => self.tab = t,
            _ => match self.tab {
                Tab::Dataset => self.act_dataset(a),
                Tab::Train => self.act_train(a),
                Tab::Generate => self.act_generate(a),
                Tab::Play => self.act_play(a),
            },
        }
    }

    fn act_dataset(&mut self, a: Action) {
        match a {
            Action::Up => self.browser.selected = self.browser.selected.saturating_sub(1),
            Action::Down => {
                self.browser.selected =
                    (self.browser.selected + 1).min(self.browser.entries.len().saturating_sub(1))
            }
            Action::Left => self.data.file_sel = self.data.file_sel.saturating_sub(1),
            Action::Right => {
                let n = self.data.dataset.as_ref().map_or(0, |d| d.files.len());
                self.data.file_sel = (self.data.file_sel + 1).min(n.saturating_sub(1));
            }
            Action::Back => {
                let here = self.browser.dir.clone();
                if let Some(parent) = here.parent() {
                    self.list_dir(parent.to_path_buf(), Some(here));
                }
            }
            Action::Enter => {
                if let Some(e) = self.browser.entries.get(self.browser.selected).cloned() {
                    if e.is_dir {
                        self.list_dir(e.path, None);
                    } else {
                        self.load_dataset(vec![e.path]);
                    }
                }
            }
            Action::LoadDir => self.load_dataset(vec![self.browser.dir.clone()]),
            Action::MelodyTrack => self.next_melody_track(),
            Action::PlayFile => {
                if let Some(e) = self.browser.entries.get(self.browser.selected).cloned()
                    && !e.is_dir
                {
                    self.send(Job::OpenScore(e.path));
                }
            }
            _ => {}
        }
    }

    fn act_train(&mut self, a: Action) {
        let s = &mut self.train.settings;
        match a {
            Action::Up => self.train.field = self.train.field.saturating_sub(1),
            Action::Down => {
                self.train.field = (self.train.field + 1).min(TrainSettings::FIELDS - 1)
            }
            Action::Left | Action::Right if self.trainer.is_none() => {
                s.adjust(self.train.field, if a == Action::Right { 1 } else { -1 })
            }
            Action::StartTrain => self.start_training(),
            Action::PauseTrain => {
                if let Some(t) = &self.trainer {
                    let c = if self.train.paused {
                        TrainControl::Resume
                    } else {
                        TrainControl::Pause
                    };
                    let _ = t.control.send(c);
                }
            }
            Action::StopTrain => {
                if let Some(t) = &self.trainer {
                    let _ = t.control.send(TrainControl::Stop);
                    if self.train.paused {
                        let _ = t.control.send(TrainControl::Resume);
                    }
                    self.message = "stopping: saving the model…".into();
                }
            }
            Action::SaveNow => {
                if let Some(t) = &self.trainer {
                    let _ = t.control.send(TrainControl::SaveNow);
                }
            }
            Action::LogScale => self.train.log_scale = !self.train.log_scale,
            _ => {}
        }
    }

    pub fn start_training(&mut self) {
        if self.trainer.is_some() {
            self.message = "training is already running".into();
            return;
        }
        let Some(ds) = self.data.dataset.clone() else {
            self.message = "load a dataset first (Dataset tab)".into();
            return;
        };
        if ds.options.tx != self.train.settings.tx {
            self.message = "Tx changed: reloading the dataset; press t again".into();
            self.load_dataset(self.data.paths.clone());
            return;
        }
        let s = &self.train.settings;
        let mut config = TrainConfig {
            epochs: s.epochs,
            n_a: s.n_a,
            batch: s.batch,
            seed: s.seed,
            ..TrainConfig::default()
        };
        config.adam.lr = s.lr;
        let out = next_free(&self.train.models_dir, "session");
        self.train = TrainState {
            settings: self.train.settings.clone(),
            field: self.train.field,
            log_scale: self.train.log_scale,
            models_dir: self.train.models_dir.clone(),
            baselines: self.data.stats.as_ref().map(|s| s.baselines.clone()),
            out: out.clone(),
            ..TrainState::default()
        };
        self.trainer = Some(spawn_with(
            move || TrainData::from_dataset(&ds),
            config,
            out,
            None,
        ));
    }

    fn act_generate(&mut self, a: Action) {
        match a {
            Action::Up => self.generator.field = self.generator.field.saturating_sub(1),
            Action::Down => {
                self.generator.field = (self.generator.field + 1).min(GenState::FIELDS - 1)
            }
            Action::Left | Action::Right => {
                let d = if a == Action::Right { 1 } else { -1 };
                if self.generator.field == GenState::FIELDS - 1 {
                    self.generator.roll.scroll(d);
                } else if self.generator.field == GenState::FIELDS - 2 {
                    self.next_model(d);
                } else if self.generator.field == 0 {
                    let file = self
                        .data
                        .dataset
                        .as_ref()
                        .and_then(|ds| ds.files.get(self.data.file_sel))
                        .map(|f| f.path.clone());
                    self.generator.cycle_progression(d, file.as_deref());
                } else {
                    self.generator.adjust(d);
                }
            }
            Action::ZoomIn => self.generator.roll.zoom(true),
            Action::ZoomOut => self.generator.roll.zoom(false),
            Action::EditChart => {
                self.overlay = Overlay::Input {
                    purpose: Purpose::Chart,
                    text: self.generator.chart.clone().unwrap_or_default(),
                }
            }
            Action::Generate => self.generate(),
            Action::ExportMidi | Action::ExportWav => self.ask_export(a == Action::ExportWav),
            Action::PlayPause => {
                self.tab = Tab::Play;
                self.act_play(Action::PlayPause);
            }
            _ => {}
        }
    }

    /// Loads the previous or next bundle found in the models folder (on the jobs thread).
    fn next_model(&mut self, step: i64) {
        self.message = format!("looking for models in {}", self.train.models_dir.display());
        self.send(Job::NextBundle {
            dir: self.train.models_dir.clone(),
            current: self.generator.model.clone(),
            step,
        });
    }

    /// Asks the jobs thread for a folder's listing; the old one stays until it arrives.
    fn list_dir(&mut self, dir: PathBuf, select: Option<PathBuf>) {
        self.browser.reading = true;
        self.send(Job::ListDir { dir, select });
    }

    pub fn generate(&mut self) {
        let Some(bundle) = self.generator.bundle.clone() else {
            self.message = format!("no model loaded ({})", self.generator.model.display());
            return;
        };
        // A file's changes are read on the jobs thread; presets and charts are parsed here.
        let (changes, changes_from) = match &self.generator.file {
            Some(f) => {
                let placeholder = Changes {
                    name: String::new(),
                    spans: Vec::new(),
                    bar_ticks: PPQ * 4,
                    bpm: None,
                };
                (placeholder, Some(f.clone()))
            }
            None => match self.generator.progression() {
                Ok(p) => (Changes::from_progression(&p), None),
                Err(e) => {
                    self.message = e;
                    return;
                }
            },
        };
        self.generator.busy = true;
        let opts = GenerateOptions {
            changes,
            choruses: self.generator.choruses,
            bpm: self.generator.bpm,
            sample: SampleOptions {
                temperature: self.generator.temperature,
                top_k: self.generator.top_k,
                seed: self.generator.seed,
            },
            primer: Vec::new(),
        };
        self.send(Job::Generate {
            bundle,
            opts,
            changes_from,
        });
    }

    fn ask_export(&mut self, wav: bool) {
        if self.play.score.is_none() {
            self.message = "nothing to export yet: generate a solo or open a file".into();
            return;
        }
        let stem = format!("improv-{}", self.generator.seed);
        self.overlay = Overlay::Input {
            purpose: if wav { Purpose::Wav } else { Purpose::Midi },
            text: format!("{stem}.{}", if wav { "wav" } else { "mid" }),
        };
    }

    fn finish_input(&mut self, purpose: Purpose, text: String) {
        match purpose {
            Purpose::Chart => match Progression::from_arg(&text) {
                Ok(_) => {
                    self.generator.chart = (!text.trim().is_empty()).then_some(text);
                    self.generator.file = None;
                }
                Err(e) => self.message = e.to_string(),
            },
            Purpose::Midi | Purpose::Wav => {
                let Some(score) = self.play.score.clone() else {
                    return;
                };
                let path = PathBuf::from(text.trim());
                let exists = path.exists();
                let job = if purpose == Purpose::Wav {
                    Job::ExportWav {
                        score: Box::new(score),
                        settings: self.play.settings.clone(),
                        path: path.clone(),
                        overwrite: exists,
                    }
                } else {
                    Job::ExportMidi {
                        score: Box::new(score),
                        path: path.clone(),
                        overwrite: exists,
                    }
                };
                if exists {
                    self.overlay = Overlay::Confirm {
                        prompt: format!("{} exists. Overwrite it? (y/n)", path.display()),
                        job: Box::new(job),
                    };
                } else {
                    self.send(job);
                }
            }
        }
    }

    fn act_play(&mut self, a: Action) {
        let st = self.play.status.clone();
        match a {
            Action::PlayPause => {
                if st.playing && !st.paused {
                    let _ = self.jobs.audio.send(AudioCmd::Pause);
                } else if st.playing && st.paused {
                    let _ = self.jobs.audio.send(AudioCmd::Resume);
                } else {
                    self.start_playback(0.0);
                }
            }
            Action::Stop => {
                let _ = self.jobs.audio.send(AudioCmd::Stop);
            }
            Action::BarBack | Action::BarForward => {
                if let Some(score) = &self.play.score {
                    let bar_secs = score.seconds_at(PPQ * 4);
                    let d = if a == Action::BarForward {
                        bar_secs
                    } else {
                        -bar_secs
                    };
                    let to = (st.position + d).max(0.0);
                    self.start_playback(to);
                }
            }
            Action::Up => self.play.field = self.play.field.saturating_sub(1),
            Action::Down => self.play.field = (self.play.field + 1).min(PlayState::FIELDS - 1),
            Action::Left | Action::Right => {
                self.play.adjust(if a == Action::Right { 1 } else { -1 })
            }
            Action::Mute => {
                if let Some(p) = self.play.part() {
                    let m = self.play.settings.mix_mut(p);
                    m.mute = !m.mute;
                }
            }
            Action::ExportMidi | Action::ExportWav => self.ask_export(a == Action::ExportWav),
            _ => {}
        }
    }

    fn start_playback(&mut self, from: f64) {
        let Some(score) = self.play.score.clone() else {
            self.message = "nothing to play: generate a solo or open a MIDI file".into();
            return;
        };
        if let Some(e) = &self.play.status.no_device {
            self.message = format!("{e}; press w to export a WAV instead");
            return;
        }
        self.send(Job::Play {
            score: Box::new(self.play.scaled(score)),
            settings: self.play.settings.clone(),
            from_secs: from,
        });
    }
}

/// `dir/stem-N` for the first N not taken.
fn next_free(dir: &Path, stem: &str) -> PathBuf {
    (1..)
        .map(|n| dir.join(format!("{stem}-{n}")))
        .find(|p| !p.exists())
        .unwrap_or_else(|| dir.join(stem))
}

/// Progression presets by name, for the Generate tab.
pub fn preset_names() -> Vec<&'static str> {
    PRESETS.iter().map(|p| p.0).collect()
}
