//! One training run: the state the loop keeps between batches and epochs, and its steps.

use super::TrainConfig;
use super::TrainData;
use super::events::{After, EpochSummary, TrainControl, TrainEvent, TrainSummary, poll};
use super::kinds::{Snapshot, new_bundle, validation};
use crate::model::bundle::{Bundle, EpochRecord};
use crate::model::conditioned::net::BatchBuf;
use crate::model::exercise::fit::{
    BatchBuffers, BatchLoss, BatchOf, EpochStats, shuffled_pass, train_batch,
};
use crate::model::exercise::net::device;
use crate::model::optim::adam::{AdamSettings, AdamState};
use crate::model::optim::schedule::Schedule;
use crate::model::optim::schedule::{Plateau, PlateauState};
use burn::tensor::Device;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender};
use std::time::Instant;

/// Trains on `data`, continuing `resume` or a fresh bundle, and saves to `out`; `Err` says
/// why training failed.
pub(super) fn run(
    data: TrainData,
    config: TrainConfig,
    out: PathBuf,
    resume: Option<Bundle>,
    ctl: &Receiver<TrainControl>,
    ev: &Sender<TrainEvent>,
) -> Result<(), String> {
    if data.train_windows() == 0 {
        return Err("no training windows: the dataset is empty".into());
    }
    let bundle = bundle_for(&data, &config, &out, resume)?;
    let mut run = Run::start(data, config, out, bundle, ctl, ev);
    let mut rng = ChaCha8Rng::seed_from_u64(
        run.config
            .seed
            .wrapping_add(1)
            .wrapping_add(run.first_epoch as u64),
    );
    for epoch in run.first_epoch..=run.config.epochs {
        let Some((st, secs)) = run.train_epoch(epoch, &mut rng)? else {
            return run.finish(true);
        };
        if let After::Stop = run.after_epoch(epoch, &st, secs)? {
            return run.finish(true);
        }
    }
    run.finish(false)
}

/// The bundle to train: `resume` when it fits the data, else a fresh one.
fn bundle_for(
    data: &TrainData,
    config: &TrainConfig,
    out: &std::path::Path,
    resume: Option<Bundle>,
) -> Result<Bundle, String> {
    let mut bundle = match resume {
        Some(b) => {
            if b.meta.vocab != data.vocab {
                return Err(format!(
                    "{}: the bundle's vocabulary differs from this dataset's; train a new model",
                    out.display()
                ));
            }
            b
        }
        None => new_bundle(data, config)?,
    };
    if bundle.conditioned.is_some() != data.events.is_some() {
        return Err(format!(
            "{}: the bundle is a {} model; train it on material of its kind",
            out.display(),
            bundle.meta.kind
        ));
    }
    bundle.meta.bigram_baseline = data.bigram;
    bundle.meta.config.epochs = config.epochs;
    Ok(bundle)
}

/// Everything a run keeps from batch to batch and epoch to epoch.
struct Run<'a> {
    data: TrainData,
    config: TrainConfig,
    out: PathBuf,
    ctl: &'a Receiver<TrainControl>,
    ev: &'a Sender<TrainEvent>,
    bundle: Bundle,
    opt: AdamState,
    /// The optimiser's settings; the conditioned kind's plateau schedule moves the rate.
    settings: AdamSettings,
    plateau: Option<Plateau>,
    plateau_state: PlateauState,
    /// The weights and optimiser of the best validation epoch, when keeping the best.
    best: Option<(f64, Snapshot, AdamState)>,
    /// The epoch of the last checkpoint written.
    last_good: Option<usize>,
    save_now: bool,
    dev: Device,
    batch_size: usize,
    buf: BatchBuffers,
    cbuf: BatchBuf,
    first_epoch: usize,
    started: Instant,
}

impl<'a> Run<'a> {
    /// Takes the optimiser out of the bundle and reports `Started`.
    fn start(
        data: TrainData,
        config: TrainConfig,
        out: PathBuf,
        mut bundle: Bundle,
        ctl: &'a Receiver<TrainControl>,
        ev: &'a Sender<TrainEvent>,
    ) -> Run<'a> {
        let first_epoch = bundle.meta.history.len() + 1;
        let opt = bundle.adam.take().unwrap_or_default();
        let dev = device(config.backend, true);
        let _ = ev.send(TrainEvent::Started {
            first_epoch,
            epochs: config.epochs,
            params: bundle.params(),
            train_windows: data.train_windows(),
            val_windows: data.val_windows(),
        });
        let started = Instant::now();
        // The conditioned kind's schedule: a learning rate per epoch, cut on plateaus.
        let mut settings = config.adam.clone();
        let plateau = match config.schedule {
            Schedule::Plateau(p) => {
                settings.decay = 0.0;
                Some(p)
            }
            Schedule::PerUpdate => None,
        };
        let best = bundle
            .meta
            .history
            .iter()
            .filter_map(|r| r.val)
            .min_by(f64::total_cmp)
            .map(|v| (v, Snapshot::of(&bundle), opt.clone()));
        Run {
            batch_size: config.batch.max(1),
            buf: BatchBuffers::with_threads(config.threads),
            cbuf: BatchBuf::with_threads(config.threads),
            data,
            config,
            out,
            ctl,
            ev,
            bundle,
            opt,
            settings,
            plateau,
            plateau_state: PlateauState::default(),
            best,
            last_good: None,
            save_now: false,
            dev,
            first_epoch,
            started,
        }
    }

    /// One shuffled pass over the training windows: its figures and seconds, or `None` when
    /// stopped before its end.
    fn train_epoch(
        &mut self,
        epoch: usize,
        rng: &mut ChaCha8Rng,
    ) -> Result<Option<(EpochStats, f64)>, String> {
        let t0 = Instant::now();
        let mut failed: Option<String> = None;
        let (m, batch) = (self.data.train_windows(), self.batch_size);
        let st = shuffled_pass(m, batch, rng, &mut |of, rng| {
            let (b, go) = self.step(epoch, of, rng);
            let go = go.unwrap_or_else(|e| {
                failed = Some(e);
                false
            });
            (b, go)
        });
        if let Some(e) = failed {
            return Err(e);
        }
        if let Some(bi) = st.nonfinite_at {
            let kept = match self.last_good {
                Some(e) => format!(
                    "the checkpoint of epoch {e} in {} is kept",
                    self.out.display()
                ),
                None => "nothing was saved".into(),
            };
            return Err(format!(
                "the loss became NaN or infinite at epoch {epoch}, batch {bi}; {kept} \
                 (try a lower learning rate or gradient clipping)"
            ));
        }
        Ok(st.completed.then(|| (st, t0.elapsed().as_secs_f64())))
    }

    /// Trains one batch, reports it and obeys the controls that came meanwhile; says whether
    /// to go on, or why a checkpoint asked for could not be written.
    fn step(
        &mut self,
        epoch: usize,
        of: BatchOf<'_>,
        rng: &mut ChaCha8Rng,
    ) -> (BatchLoss, Result<bool, String>) {
        let b = self.train_batch(of.windows, rng);
        if !b.loss.is_finite() {
            return (b, Ok(false));
        }
        let _ = self.ev.send(TrainEvent::Batch {
            epoch,
            batch: of.number,
            batches: of.batches,
            loss: b.nats_per_token(),
        });
        let after = poll(self.ctl, self.ev, &mut self.save_now);
        // Before the first epoch ends the weights are still random: a save asked for now
        // waits for that epoch.
        if self.save_now && !self.bundle.meta.history.is_empty() {
            self.save_now = false;
            if let Err(e) = self.save(epoch.saturating_sub(1)) {
                return (b, Err(e));
            }
            self.last_good = Some(epoch.saturating_sub(1));
        }
        (b, Ok(!matches!(after, After::Stop)))
    }

    /// One optimiser step on the windows `idx`, for whichever kind the bundle is.
    fn train_batch(&mut self, idx: &[usize], rng: &mut ChaCha8Rng) -> BatchLoss {
        match (&mut self.bundle.conditioned, &self.data.events) {
            (Some(w), Some(ev)) => crate::model::conditioned::fit::train_batch(
                w,
                &mut self.opt,
                &self.settings,
                &ev.train,
                idx,
                &self.dev,
                self.config.engine,
                &mut self.cbuf,
                rng,
            ),
            _ => train_batch(
                &mut self.bundle.weights,
                &mut self.opt,
                &self.settings,
                &self.data.train,
                idx,
                &self.dev,
                self.config.engine,
                &mut self.buf,
            ),
        }
    }

    /// After a whole epoch: validation, the best epoch, the history, the `Epoch` event, the
    /// plateau schedule (which may stop early) and the periodic checkpoint.
    fn after_epoch(&mut self, epoch: usize, st: &EpochStats, secs: f64) -> Result<After, String> {
        let val = validation(&self.bundle, &self.data, &self.config);
        if let Some(v) = val.filter(|_| self.config.keep_best)
            && self.best.as_ref().is_none_or(|b| v < b.0)
        {
            self.best = Some((v, Snapshot::of(&self.bundle), self.opt.clone()));
        }
        self.bundle.meta.history.push(EpochRecord {
            epoch,
            train: st.nats_per_token,
            val,
            secs,
        });
        self.send_epoch(epoch, st, val, secs);
        if let (Some(p), Some(v)) = (self.plateau, val) {
            let (lr, stop) = self.plateau_state.after_epoch(&p, v, self.settings.lr);
            self.settings.lr = lr;
            if stop && epoch < self.config.epochs {
                // Early stopping: validation has not improved for `stop_after` epochs.
                return Ok(After::Stop);
            }
        }
        let every = self.config.checkpoint_every;
        if every > 0 && epoch.is_multiple_of(every) && epoch < self.config.epochs {
            self.save(epoch)?;
            self.last_good = Some(epoch);
        }
        Ok(After::Continue)
    }

    fn send_epoch(&self, epoch: usize, st: &EpochStats, val: Option<f64>, secs: f64) {
        let done = epoch + 1 - self.first_epoch;
        let elapsed = self.started.elapsed().as_secs_f64();
        let _ = self.ev.send(TrainEvent::Epoch(EpochSummary {
            epoch,
            epochs: self.config.epochs,
            train: st.nats_per_token,
            val,
            best_val: self.bundle.best_loss(),
            tokens_per_sec: st.targets as f64 / secs.max(1e-9),
            lr: self.opt.lr(&self.settings),
            elapsed_secs: elapsed,
            eta_secs: elapsed / done as f64 * (self.config.epochs - epoch) as f64,
        }));
    }

    /// Writes the bundle (with the best epoch's weights and optimiser when keeping the best)
    /// and reports the checkpoint as of `epoch`.
    fn save(&mut self, epoch: usize) -> Result<(), String> {
        let r = match self.best.as_ref().filter(|_| self.config.keep_best) {
            Some((_, w, o)) => {
                let mut b = self.bundle.clone();
                w.put(&mut b);
                b.adam = Some(o.clone());
                b.save(&self.out, true)
            }
            None => {
                self.bundle.adam = Some(self.opt.clone());
                let r = self.bundle.save(&self.out, true);
                self.bundle.adam = None;
                r
            }
        };
        r.map_err(|e| e.to_string())?;
        let _ = self.ev.send(TrainEvent::Checkpoint {
            path: self.out.clone(),
            epoch,
        });
        Ok(())
    }

    /// The last save and the `Finished` event.
    fn finish(mut self, stopped: bool) -> Result<(), String> {
        let epochs_done = self.bundle.meta.history.len();
        if epochs_done == 0 {
            return Err(format!(
                "stopped before the first epoch ended: nothing was saved to {} (a model \
                 needs at least one whole epoch)",
                self.out.display()
            ));
        }
        self.save(epochs_done)?;
        let _ = self.ev.send(TrainEvent::Finished(TrainSummary {
            epochs_done,
            stopped,
            final_train: self.bundle.meta.history.last().map(|r| r.train),
            best_val: self.bundle.best_loss(),
            bigram: self.data.bigram,
            path: self.out,
            elapsed_secs: self.started.elapsed().as_secs_f64(),
        }));
        Ok(())
    }
}
