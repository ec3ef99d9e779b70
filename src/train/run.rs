//! One training run: the state the loop keeps between batches and epochs, and its steps,
//! for any network the trainer can train.

use super::TrainConfig;
use super::TrainData;
use super::events::{After, EpochSummary, TrainControl, TrainEvent, TrainSummary, poll};
use crate::model::ModelKind;
use crate::model::bundle::{Bundle, BundleMeta, EpochRecord};
use crate::model::conditioned::{CondSpec, CondWeights};
use crate::model::cpu::parallel::Parallel;
use crate::model::device;
use crate::model::fit::{BatchLoss, BatchOf, EpochStats, Step, Trainable, pass, shuffled_pass};
use crate::model::net::Net;
use crate::model::optim::adam::{AdamSettings, AdamState};
use crate::model::optim::schedule::{Plateau, PlateauState, Schedule};
use burn::tensor::Device;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender};
use std::time::Instant;

/// Where a run saves and whom it talks to.
pub(super) struct Link<'a> {
    pub out: PathBuf,
    pub ctl: &'a Receiver<TrainControl>,
    pub ev: &'a Sender<TrainEvent>,
}

/// Trains on `data`, continuing `resume` or a fresh bundle, and saves to `link.out`; `Err`
/// says why training failed.
pub(super) fn run(
    data: TrainData,
    config: TrainConfig,
    resume: Option<Bundle>,
    link: Link<'_>,
) -> Result<(), String> {
    if data.windows().0 == 0 {
        return Err("no training windows: the dataset is empty".into());
    }
    let mut config = config;
    config.carry = data.carried();
    if config.carry && config.engine == crate::model::Engine::Fused {
        return Err(crate::model::conditioned::net::FUSED_CANNOT_CARRY.into());
    }
    let Bundle { meta, net, adam } = bundle_for(&data, &config, &link.out, resume)?;
    let opt = adam.unwrap_or_default();
    match (net, &data) {
        (Net::Exercise(w), TrainData::Tokens(t)) => {
            Run::start(w, (&t.train, &t.val), meta, opt, config, link).epochs()
        }
        (Net::Conditioned(c), TrainData::Events(e)) => {
            Run::start(c, (&e.train, &e.val), meta, opt, config, link).epochs()
        }
        (net, _) => Err(format!(
            "{}: the bundle is a {} model; train it on material of its kind",
            link.out.display(),
            net.kind()
        )),
    }
}

/// The bundle to train: `resume` when it fits the data, else a fresh one.
fn bundle_for(
    data: &TrainData,
    config: &TrainConfig,
    out: &Path,
    resume: Option<Bundle>,
) -> Result<Bundle, String> {
    let mut bundle = match resume {
        Some(b) => {
            if b.meta.vocab != data.vocab() {
                return Err(format!(
                    "{}: the bundle's vocabulary differs from this dataset's; train a new model",
                    out.display()
                ));
            }
            b
        }
        None => new_bundle(data, config)?,
    };
    bundle.meta.bigram_baseline = data.bigram();
    bundle.meta.config.epochs = config.epochs;
    bundle.meta.config.carry = config.carry;
    Ok(bundle)
}

/// A fresh bundle for the data and settings.
fn new_bundle(data: &TrainData, config: &TrainConfig) -> Result<Bundle, String> {
    match data {
        TrainData::Tokens(_) if config.kind == ModelKind::Conditioned => {
            Err("the conditioned kind needs event data (TrainData::from_events)".into())
        }
        TrainData::Tokens(t) => Ok(Bundle::new(
            crate::model::exercise::weights::Weights::init(t.vocab.len(), config.n_a, config.seed),
            t.tokenizer,
            t.tx,
            t.vocab.clone(),
            t.fingerprint.clone(),
            config.clone(),
        )),
        TrainData::Events(ev) => {
            let layers = config.layers.clamp(1, 2);
            let spec = CondSpec::events(config.n_a, layers, config.dropout, config.heads)
                .with_layout(ev.options.layout);
            let augment = !ev.options.augment_keys.is_empty();
            let meta = crate::model::conditioned::CondMeta::new(
                spec,
                ev.register,
                augment,
                ev.options.blind,
            );
            Ok(Bundle::new_conditioned(
                CondWeights::init(spec, config.seed),
                meta,
                ev.options.tx,
                ev.fingerprint.clone(),
                config.clone(),
            ))
        }
    }
}

/// Everything a run keeps from batch to batch and epoch to epoch.
struct Run<'a, N: Trainable> {
    net: N,
    train: &'a N::Windows,
    val: &'a N::Windows,
    meta: BundleMeta,
    config: TrainConfig,
    link: Link<'a>,
    opt: AdamState,
    /// The optimiser's settings; the plateau schedule moves the rate.
    settings: AdamSettings,
    plateau: Option<Plateau>,
    plateau_state: PlateauState,
    /// The network and optimiser of the best validation epoch, when keeping the best.
    best: Option<(f64, N, AdamState)>,
    /// The epoch of the last checkpoint written.
    last_good: Option<usize>,
    save_now: bool,
    dev: Device,
    parallel: Parallel,
    scratch: N::Scratch,
    first_epoch: usize,
    started: Instant,
}

impl<'a, N: Trainable> Run<'a, N> {
    /// Reports `Started` and sets up the schedule and the threads.
    fn start(
        net: N,
        (train, val): (&'a N::Windows, &'a N::Windows),
        meta: BundleMeta,
        opt: AdamState,
        config: TrainConfig,
        link: Link<'a>,
    ) -> Run<'a, N> {
        let first_epoch = meta.history.len() + 1;
        let _ = link.ev.send(TrainEvent::Started {
            first_epoch,
            epochs: config.epochs,
            params: net.params(),
            train_windows: N::windows(train),
            val_windows: N::windows(val),
        });
        // The plateau schedule: a learning rate per epoch, cut on plateaus.
        let mut settings = config.adam.clone();
        let plateau = match config.schedule {
            Schedule::Plateau(p) => {
                settings.decay = 0.0;
                Some(p)
            }
            Schedule::PerUpdate => None,
        };
        let best = meta.best_val().map(|v| (v, net.clone(), opt.clone()));
        Run {
            dev: device(config.backend, true),
            parallel: Parallel::new(config.threads),
            scratch: N::Scratch::default(),
            net,
            train,
            val,
            meta,
            config,
            link,
            opt,
            settings,
            plateau,
            plateau_state: PlateauState::default(),
            best,
            last_good: None,
            save_now: false,
            first_epoch,
            started: Instant::now(),
        }
    }

    /// The epochs, until the last, a stop or a failure.
    fn epochs(mut self) -> Result<(), String> {
        let seed = self.config.seed.wrapping_add(1);
        let mut rng = ChaCha8Rng::seed_from_u64(seed.wrapping_add(self.first_epoch as u64));
        for epoch in self.first_epoch..=self.config.epochs {
            let Some((st, secs)) = self.train_epoch(epoch, &mut rng)? else {
                return self.finish(true);
            };
            if let After::Stop = self.after_epoch(epoch, &st, secs)? {
                return self.finish(true);
            }
        }
        self.finish(false)
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
        let (m, batch) = (N::windows(self.train), self.config.batch.max(1));
        let lanes = N::lanes(self.train, batch, rng);
        let mut step = |of: BatchOf<'_>, rng: &mut ChaCha8Rng| {
            let (b, go) = self.step(epoch, of, rng);
            let go = go.unwrap_or_else(|e| {
                failed = Some(e);
                false
            });
            (b, go)
        };
        let st = match &lanes {
            Some(l) => pass(l.iter().map(Vec::as_slice), m, rng, &mut step),
            None => shuffled_pass(m, batch, rng, &mut step),
        };
        if let Some(e) = failed {
            return Err(e);
        }
        if let Some(bi) = st.nonfinite_at {
            let kept = match self.last_good {
                Some(e) => format!(
                    "the checkpoint of epoch {e} in {} is kept",
                    self.link.out.display()
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
        let step = Step::new(
            &self.settings,
            &self.dev,
            self.config.engine,
            &self.parallel,
        );
        let batch = (self.train, of.windows);
        let b = (self.net).train_batch(&mut self.opt, &step, batch, &mut self.scratch, rng);
        if !b.loss.is_finite() {
            return (b, Ok(false));
        }
        let _ = self.link.ev.send(TrainEvent::Batch {
            epoch,
            batch: of.number,
            batches: of.batches,
            loss: b.nats_per_token(),
        });
        let after = poll(self.link.ctl, self.link.ev, &mut self.save_now);
        // Before the first epoch ends the weights are still random: a save asked for now
        // waits for that epoch.
        if self.save_now && !self.meta.history.is_empty() {
            self.save_now = false;
            if let Err(e) = self.save(epoch.saturating_sub(1)) {
                return (b, Err(e));
            }
            self.last_good = Some(epoch.saturating_sub(1));
        }
        (b, Ok(!matches!(after, After::Stop)))
    }

    /// After a whole epoch: validation, the best epoch, the history, the `Epoch` event, the
    /// plateau schedule (which may stop early) and the periodic checkpoint.
    fn after_epoch(&mut self, epoch: usize, st: &EpochStats, secs: f64) -> Result<After, String> {
        let val = self.net.validate(self.val, self.config.backend);
        if let Some(v) = val.filter(|_| self.config.keep_best)
            && self.best.as_ref().is_none_or(|b| v < b.0)
        {
            self.best = Some((v, self.net.clone(), self.opt.clone()));
        }
        self.meta.history.push(EpochRecord {
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
        let _ = self.link.ev.send(TrainEvent::Epoch(EpochSummary {
            epoch,
            epochs: self.config.epochs,
            train: st.nats_per_token,
            val,
            best_val: self.meta.best_loss(),
            tokens_per_sec: st.targets as f64 / secs.max(1e-9),
            lr: self.opt.lr(&self.settings),
            elapsed_secs: elapsed,
            eta_secs: elapsed / done as f64 * (self.config.epochs - epoch) as f64,
        }));
    }

    /// Writes the bundle (with the best epoch's network and optimiser when keeping the
    /// best) and reports the checkpoint as of `epoch`.
    fn save(&mut self, epoch: usize) -> Result<(), String> {
        let (net, opt) = match self.best.as_ref().filter(|_| self.config.keep_best) {
            Some((_, net, opt)) => (net, opt),
            None => (&self.net, &self.opt),
        };
        let bundle = Bundle {
            meta: self.meta.clone(),
            net: net.to_net(),
            adam: Some(opt.clone()),
        };
        bundle
            .save(&self.link.out, true)
            .map_err(|e| e.to_string())?;
        let _ = self.link.ev.send(TrainEvent::Checkpoint {
            path: self.link.out.clone(),
            epoch,
        });
        Ok(())
    }

    /// The last save and the `Finished` event.
    fn finish(mut self, stopped: bool) -> Result<(), String> {
        let epochs_done = self.meta.history.len();
        if epochs_done == 0 {
            return Err(format!(
                "stopped before the first epoch ended: nothing was saved to {} (a model \
                 needs at least one whole epoch)",
                self.link.out.display()
            ));
        }
        self.save(epochs_done)?;
        let _ = self.link.ev.send(TrainEvent::Finished(TrainSummary {
            epochs_done,
            stopped,
            final_train: self.meta.history.last().map(|r| r.train),
            best_val: self.meta.best_loss(),
            bigram: self.meta.bigram_baseline,
            path: self.link.out,
            elapsed_secs: self.started.elapsed().as_secs_f64(),
        }));
        Ok(())
    }
}
