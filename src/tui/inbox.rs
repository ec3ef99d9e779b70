//! What the background threads send back (worker results, trainer events, the audio
//! position), taken in once per loop; `tick` says whether the screen needs redrawing.

use super::app::App;
use super::jobs::{Done, Job};
use super::keymap::{Action, Tab};
use super::tabs::generate::Solo;
use super::widgets::piano_roll::RollView;
use crate::generate::Generated;

impl App {
    /// Handles everything the background threads sent since the last call; true when
    /// anything changed what the studio shows.
    pub fn tick(&mut self) -> bool {
        let mut changed = false;
        while let Ok(done) = self.jobs.rx.try_recv() {
            self.on_done(done);
            changed = true;
        }
        let events: Vec<_> = match &self.trainer {
            Some(t) => t.events.try_iter().collect(),
            None => Vec::new(),
        };
        for e in events {
            changed = true;
            if let Some(m) = self.train.on_event(e) {
                self.message = m;
            }
            if !self.train.running
                && self.trainer.take().is_some()
                && self.train.run.failed.is_none()
            {
                self.send(Job::LoadBundle(self.train.run.out.clone()));
            }
        }
        let status = self.jobs.audio_status.lock().map(|s| s.clone()).ok();
        if let Some(s) = status
            && s != self.play.status
        {
            if s.no_device.is_some() && self.play.status.no_device.is_none() {
                let wav = self.keymap.label(Action::ExportWav);
                self.message = format!("no audio output device: press {wav} to export a WAV");
            }
            self.play.status = s;
            changed = true;
        }
        changed |= self.jam_tick();
        self.generate.playhead = self
            .play
            .playhead()
            .filter(|_| self.generate.solo.is_some());
        changed
    }

    fn on_done(&mut self, done: Done) {
        match done {
            Done::Progress(a, b) => self.dataset.loading = Some((a, b)),
            Done::Dataset(r) => self.message = self.dataset.loaded(r),
            Done::Events(r) => self.events_loaded(r),
            Done::Listing(b) => self.dataset.browser = *b,
            Done::Bundle {
                path,
                result,
                switched,
            } => match result {
                Ok(b) => {
                    if switched {
                        self.message = format!("model {} loaded", path.display());
                    }
                    self.generate.bundle = Some(b);
                    self.generate.model = path;
                }
                Err(e) => self.message = e,
            },
            Done::Generated(r) => {
                self.generate.busy = false;
                match r {
                    Ok(g) => self.take_solo(*g),
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
                    if let Some(s) = self.generate.solo.as_mut() {
                        s.saved = true;
                    }
                }
                Err(e) => self.message = e,
            },
            Done::Playing { duration } => self.play.duration = duration,
            Done::JamChanges(r) => self.start_jam_over(r),
            Done::Message(e) => self.message = e,
            Done::Charts(Ok((lib, charts))) => {
                self.generate.library = Some(lib);
                self.generate.charts = charts;
            }
            Done::Charts(Err(e)) => self.message = format!("chart library: {e}"),
        }
    }

    /// A new solo: shown on the roll from its start, and loaded into Play.
    fn take_solo(&mut self, g: Generated) {
        self.message = format!(
            "{} notes over {} bars; {:.0}% chord tones",
            g.stats.notes,
            g.stats.bars,
            g.stats.chord_tones * 100.0
        );
        self.generate.roll = RollView::default();
        self.play
            .set_score(g.score.clone(), "generated solo".into());
        self.generate.solo = Some(Solo {
            score: g.score,
            stats: g.stats,
            saved: false,
        });
    }
}
