//! The studio's state: the four tabs, the overlay and the workers, and how keys and mouse
//! reach them. The tabs change themselves and return effects; `apply` carries those out.

use super::config::Config;
use super::effect::Effect;
use super::jobs::{Job, Jobs};
use super::keymap::{Action, Keymap, Tab};
use super::overlay::{Overlay, Purpose};
use super::overlay_keys;
use super::player::SoundSource;
use super::tabs::{DatasetTab, GenerateTab, JamTab, PlayTab, TrainTab, direction};
use super::theme::Theme;
use crate::train::{TrainControl, TrainerHandle};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use std::path::{Path, PathBuf};

pub struct App {
    pub tab: Tab,
    pub overlay: Overlay,
    pub quit: bool,
    pub message: String,
    /// A warning that stays on the status line until the next key (a bad config file).
    pub notice: Option<String>,
    pub dataset: DatasetTab,
    pub train: TrainTab,
    pub generate: GenerateTab,
    pub play: PlayTab,
    pub jam: JamTab,
    pub jobs: Jobs,
    pub keymap: Keymap,
    pub theme: Theme,
    /// The terminal's size at the last frame (clicks are placed in it).
    pub screen: Rect,
    pub(super) trainer: Option<TrainerHandle>,
}

impl App {
    pub fn new(corpus: &Path, model: &Path, with_audio: bool) -> App {
        let jobs = super::jobs::start(with_audio);
        let mut app = App {
            tab: Tab::Dataset,
            overlay: Overlay::None,
            quit: false,
            message: String::new(),
            notice: None,
            dataset: DatasetTab::new(corpus),
            train: TrainTab::default(),
            generate: GenerateTab::new(model),
            play: PlayTab::default(),
            jam: JamTab::default(),
            jobs,
            keymap: Keymap::default(),
            theme: Theme::default(),
            screen: Rect::new(0, 0, 80, 24),
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
            app.apply(Effect::LoadDataset(vec![corpus.to_path_buf()]));
        }
        app.send(Job::LoadBundle(model.to_path_buf()));
        app.send(Job::LoadCharts);
        app
    }

    /// Applies a config file's keys, theme and generation settings.
    pub fn configure(&mut self, c: &Config) {
        self.keymap = c.keymap.clone();
        self.set_theme(c.theme);
        self.generate.settings = c.generate.clone();
        self.jam.settings.buffer_ms = c.jam_buffer_ms;
    }

    /// Colours every tab draws with.
    pub fn set_theme(&mut self, theme: Theme) {
        self.theme = theme;
        self.dataset.theme = theme;
        self.train.theme = theme;
        self.generate.theme = theme;
        self.play.theme = theme;
        self.jam.theme = theme;
    }

    pub(super) fn send(&mut self, job: Job) {
        if self.jobs.tx.send(job).is_err() {
            self.message = "the background worker has stopped".into();
        }
    }

    pub fn training(&self) -> bool {
        self.trainer.is_some()
    }

    /// True while something in the background will report soon (the UI polls faster).
    pub fn busy(&self) -> bool {
        self.training()
            || self.dataset.loading.is_some()
            || self.dataset.browser.reading
            || self.generate.busy
            || self.train.preparing
            || self.play.status.playing
            || self.jam.running()
    }

    pub fn on_key(&mut self, key: KeyEvent) {
        self.notice = None;
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            self.request_quit(true);
            return;
        }
        if self.overlay != Overlay::None {
            let keys = |a: Action| {
                let b = self.keymap.bindings.iter().filter(move |b| b.action == a);
                b.flat_map(|b| b.keys.iter().copied()).collect::<Vec<_>>()
            };
            let (help, quit) = (keys(Action::Help), keys(Action::Quit));
            let open = std::mem::replace(&mut self.overlay, Overlay::None);
            let (stays, effect) = overlay_keys::on_key(open, key, &help, &quit);
            self.overlay = stays;
            self.apply(effect);
            return;
        }
        if key.code == KeyCode::Esc || self.jam_key(key) {
            return;
        }
        if let Some(action) = self.keymap.lookup(self.tab, key) {
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
            Tab::Generate => self.generate.roll.scroll(direction(down)),
            _ => self.act(if down { Action::Down } else { Action::Up }),
        }
    }

    /// A click at (`col`, `row`) of the screen: a tab title selects its tab, a list row
    /// its item. Placed with the same layout that draws the frame.
    pub fn click(&mut self, col: u16, row: u16) {
        if self.overlay != Overlay::None {
            return;
        }
        let Some((top, body, _)) = super::layout::areas(self.screen) else {
            return;
        };
        if let Some(t) = super::widgets::tab_bar::hit(top, col, row) {
            self.tab = t;
            return;
        }
        match self.tab {
            Tab::Dataset => self.dataset.click(body, col, row),
            Tab::Train => self.train.click(body, col, row),
            Tab::Generate => self.generate.click(body, col, row),
            Tab::Play => self.play.click(body, col, row),
            Tab::Jam => self.jam.click(body, col, row),
        }
    }

    fn request_quit(&mut self, force_ask: bool) {
        let unsaved = self.generate.solo.as_ref().is_some_and(|s| !s.saved);
        if self.training() || unsaved || (force_ask && self.overlay == Overlay::ConfirmQuit) {
            self.overlay = Overlay::ConfirmQuit;
        } else {
            self.shutdown();
        }
    }

    /// The synth settings a WAV is written with: the Play tab's, except that a Jam
    /// session's swing and drums are already in its notes.
    fn export_settings(&self) -> crate::synth::SynthSettings {
        let mut s = self.play.settings.clone();
        if self.tab == Tab::Jam {
            s.swing = 0.5;
            s.ride = false;
        }
        s
    }

    fn shutdown(&mut self) {
        let _ = self.jam.stop();
        if let Some(t) = self.trainer.take() {
            let _ = t.control.send(TrainControl::Stop);
            // Let it save: the thread finishes its batch and writes the bundle.
            let _ = t.thread.join();
        }
        super::player::stop_and_wait(&self.jobs.audio);
        self.quit = true;
    }

    fn act(&mut self, a: Action) {
        let n = Tab::ALL.len();
        let effect = match a {
            Action::Quit => {
                self.request_quit(false);
                Effect::None
            }
            Action::Help => Effect::Overlay(Overlay::Help),
            Action::NextTab => Effect::GoTab(Tab::ALL[(self.tab.index() + 1) % n]),
            Action::PrevTab => Effect::GoTab(Tab::ALL[(self.tab.index() + n - 1) % n]),
            Action::GoTab(t) => Effect::GoTab(t),
            _ => match self.tab {
                Tab::Dataset => self.dataset.on_action(a),
                Tab::Train => self.train.on_action(a),
                Tab::Generate => {
                    let file = self.dataset.selected_file().map(|f| f.path.clone());
                    self.generate.on_action(a, file.as_deref())
                }
                Tab::Play => self.play.on_action(a),
                Tab::Jam => {
                    let file = self.dataset.selected_file().map(|f| f.path.clone());
                    let (g, p) = (&mut self.generate, &mut self.play);
                    self.jam.on_action(a, g, p, file.as_deref())
                }
            },
        };
        self.apply(effect);
    }

    /// Carries out what a tab or an overlay asked for.
    pub fn apply(&mut self, effect: Effect) {
        match effect {
            Effect::None => {}
            Effect::Many(all) => all.into_iter().for_each(|e| self.apply(e)),
            Effect::Message(m) => self.message = m,
            Effect::Job(job) => self.send(job),
            Effect::Audio(cmd) => {
                let _ = self.jobs.audio.send(cmd);
            }
            Effect::Overlay(o) => self.overlay = o,
            Effect::GoTab(t) => self.tab = t,
            Effect::Act(a) => self.act(a),
            Effect::LoadDataset(paths) => {
                let job = self.dataset.load(paths, self.train.settings.tx);
                self.send(job);
            }
            Effect::StartTraining => self.start_training(),
            Effect::Train(c) => {
                if let Some(t) = &self.trainer {
                    let _ = t.control.send(c);
                }
            }
            Effect::NextModel(step) => self.next_model(step),
            Effect::Generate => self.start_generating(),
            Effect::AskExport { wav } => self.ask_export(wav),
            Effect::Play(from) => self.start_playback(from),
            Effect::Input(purpose, text) => self.finish_input(purpose, text),
            Effect::StartJam => self.start_jam(),
            Effect::SaveSolos => self.save_solos(),
            Effect::NextMidiIn(d) => self.next_midi_in(d),
            Effect::Quit => self.shutdown(),
        }
    }

    /// Loads the previous or next bundle found in the models folder (on the jobs thread).
    fn next_model(&mut self, step: i64) {
        self.message = format!("looking for models in {}", self.train.models_dir.display());
        self.send(Job::NextBundle {
            dir: self.train.models_dir.clone(),
            current: self.generate.model.clone(),
            step,
        });
    }

    pub fn start_generating(&mut self) {
        match self.generate.job() {
            Ok(job) => {
                self.generate.busy = true;
                self.send(job);
            }
            Err(e) => self.message = e,
        }
    }

    /// What `e` and `w` export: the Jam session on the Jam tab, else what Play holds.
    fn exported(&self) -> Option<crate::music::Score> {
        match self.tab {
            Tab::Jam => self.jam.score(),
            _ => self.play.score.clone(),
        }
    }

    fn ask_export(&mut self, wav: bool) {
        if self.exported().is_none() {
            self.message = match self.tab {
                Tab::Jam => "nothing to export yet: Space starts a session".into(),
                _ => "nothing to export yet: generate a solo or open a file".into(),
            };
            return;
        }
        let stem = match self.tab {
            Tab::Jam => "improv-jam".to_string(),
            _ => format!("improv-{}", self.generate.settings.seed),
        };
        self.overlay = Overlay::Input {
            purpose: if wav { Purpose::Wav } else { Purpose::Midi },
            text: format!("{stem}.{}", if wav { "wav" } else { "mid" }),
        };
    }

    fn finish_input(&mut self, purpose: Purpose, text: String) {
        if purpose == Purpose::Chart {
            if let Err(e) = self.generate.set_chart(text) {
                self.message = e;
            }
            return;
        }
        let Some(score) = self.exported() else {
            return;
        };
        let path = PathBuf::from(text.trim());
        let exists = path.exists();
        let job = match purpose {
            Purpose::Wav => Job::ExportWav {
                score: Box::new(score),
                settings: self.export_settings(),
                font: match &self.play.sound {
                    SoundSource::SoundFont(p) => Some(p.clone()),
                    _ => None,
                },
                path: path.clone(),
                overwrite: exists,
            },
            _ => Job::ExportMidi {
                score: Box::new(score),
                path: path.clone(),
                overwrite: exists,
            },
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

    fn start_playback(&mut self, from: f64) {
        let Some(score) = self.play.score.clone() else {
            self.message = "nothing to play: generate a solo or open a MIDI file".into();
            return;
        };
        let midi = matches!(self.play.sound, super::player::SoundSource::Midi(_));
        if let Some(why) = self.play.status.no_device.as_ref().filter(|_| !midi) {
            let wav = self.keymap.label(Action::ExportWav);
            self.message = format!("no audio output device ({why}); press {wav} to export a WAV");
            return;
        }
        self.send(Job::Play {
            score: Box::new(self.play.scaled(score)),
            settings: self.play.settings.clone(),
            source: self.play.sound.clone(),
            from_secs: from,
        });
    }
}
