//! Starting a training run from the studio: the exercise kind trains on the loaded dataset's
//! windows; the conditioned kind first has the jobs thread read the files as events. Either
//! way the trainer runs on its own thread and writes a new bundle, never over an old one.

use super::app::App;
use super::effect::Effect;
use super::jobs::Job;
use super::keymap::Action;
use crate::dataset::events::EventData;
use crate::model::ModelKind;
use crate::train::{TrainData, spawn, spawn_with};
use std::path::{Path, PathBuf};

impl App {
    pub fn start_training(&mut self) {
        if self.trainer.is_some() || self.train.preparing {
            self.message = "training is already running".into();
            return;
        }
        let Some(ds) = self.dataset.dataset.clone() else {
            self.message = "load a dataset first (Dataset tab)".into();
            return;
        };
        if self.train.settings.kind == ModelKind::Conditioned {
            self.train.preparing = true;
            self.message = "reading the dataset's files as events for the conditioned kind".into();
            let job = Job::LoadEvents {
                paths: self.dataset.paths.clone(),
                melody_for: ds.options.melody_for.clone(),
                opts: self.train.settings.event_options(),
            };
            self.send(job);
            return;
        }
        if ds.options.tx != self.train.settings.tx {
            let again = self.keymap.label(Action::StartTrain);
            self.message = format!("Tx changed: reloading the dataset; press {again} again");
            self.apply(Effect::LoadDataset(self.dataset.paths.clone()));
            return;
        }
        let out = next_free(&self.train.models_dir, "session");
        let baselines = self.dataset.stats.as_ref().map(|s| s.baselines.clone());
        self.train.start(out.clone(), baselines);
        let config = self.train.settings.config();
        self.trainer = Some(spawn_with(
            move || TrainData::from_dataset(&ds),
            config,
            out,
            None,
        ));
    }

    /// The events for a conditioned run arrived: its trainer starts (or the reason shows).
    pub(super) fn events_loaded(&mut self, r: Result<Box<EventData>, String>) {
        self.train.preparing = false;
        let ev = match r {
            Ok(ev) if ev.train.m > 0 => ev,
            Ok(_) => {
                self.message = format!(
                    "the dataset's melodies are shorter than one window of Tx {}",
                    self.train.settings.tx
                );
                return;
            }
            Err(e) => {
                self.message = e;
                return;
            }
        };
        let out = next_free(&self.train.models_dir, "session-conditioned");
        // The dataset's baselines are per grammar token, not per event: none to draw.
        self.train.start(out.clone(), None);
        let config = self.train.settings.config();
        self.trainer = Some(spawn(TrainData::from_events(*ev), config, out, None));
    }
}

/// `dir/stem-N` for the first N not taken.
fn next_free(dir: &Path, stem: &str) -> PathBuf {
    (1..)
        .map(|n| dir.join(format!("{stem}-{n}")))
        .find(|p| !p.exists())
        .unwrap_or_else(|| dir.join(stem))
}
