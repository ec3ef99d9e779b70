//! The Trainer: trains on its own thread, obeys `TrainControl`, reports `TrainEvent`s.
//!
//! It owns the weights and the optimiser. Stopping saves the bundle; a NaN or infinite loss
//! stops with `Failed` and keeps the last good checkpoint; a panic inside training becomes a
//! `Failed` event instead of a dead thread.

use crate::dataset::{Dataset, Split, Windows};
use crate::model::adam::AdamState;
use crate::model::bundle::{Bundle, EpochRecord, TrainConfig};
use crate::model::cond_bundle::Schedule;
use crate::model::cond_data::EventData;
use crate::model::cond_fit::PlateauState;
use crate::model::cond_net::BatchBuf;
use crate::model::fit::{BatchBuffers, BatchLoss, shuffled_pass, train_batch};
use crate::model::net::device;
use crate::model::weights::Weights;
use crate::tokens::{TokenizerKind, Vocab};
use rand::SeedableRng;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
use std::thread::JoinHandle;
use std::time::Instant;

mod kinds;
use kinds::{Snapshot, new_bundle, validation};

/// The training material, detached from the files it came from.
#[derive(Clone, Debug)]
pub struct TrainData {
    pub train: Windows,
    pub val: Windows,
    pub vocab: Vocab,
    pub tokenizer: TokenizerKind,
    pub tx: usize,
    pub fingerprint: String,
    pub bigram: Option<f64>,
    /// The conditioned kind's events (then `train`/`val` are empty).
    pub events: Option<EventData>,
}

impl TrainData {
    pub fn from_dataset(ds: &Dataset) -> TrainData {
        let stats_bigram = (!ds.streams(Split::Val).is_empty()).then(|| {
            crate::dataset::baselines(
                ds.streams(Split::Train),
                ds.streams(Split::Val),
                ds.vocab.len(),
            )
            .bigram
        });
        TrainData {
            train: ds.windows(Split::Train),
            val: ds.windows(Split::Val),
            vocab: ds.vocab.clone(),
            tokenizer: ds.options.tokenizer,
            tx: ds.options.tx,
            fingerprint: ds.fingerprint(),
            bigram: stats_bigram,
            events: None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrainControl {
    Pause,
    Resume,
    /// Stop after the current batch and save.
    Stop,
    /// Write a checkpoint after the current batch.
    SaveNow,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EpochSummary {
    pub epoch: usize,
    pub epochs: usize,
    /// Mean nats per token.
    pub train: f64,
    pub val: Option<f64>,
    pub best_val: Option<f64>,
    pub tokens_per_sec: f64,
    pub lr: f64,
    pub elapsed_secs: f64,
    pub eta_secs: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TrainSummary {
    pub epochs_done: usize,
    /// True when stopped before the last epoch.
    pub stopped: bool,
    pub final_train: Option<f64>,
    pub best_val: Option<f64>,
    pub bigram: Option<f64>,
    pub path: PathBuf,
    pub elapsed_secs: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TrainEvent {
    Started {
        first_epoch: usize,
        epochs: usize,
        params: usize,
        train_windows: usize,
        val_windows: usize,
    },
    Batch {
        epoch: usize,
        batch: usize,
        batches: usize,
        /// Mean nats per token in this batch.
        loss: f64,
    },
    Epoch(EpochSummary),
    Checkpoint {
        path: PathBuf,
        epoch: usize,
    },
    Paused,
    Resumed,
    Finished(TrainSummary),
    Failed(String),
}

/// The UI's side of a running trainer.
pub struct TrainerHandle {
    pub control: Sender<TrainControl>,
    pub events: Receiver<TrainEvent>,
    pub thread: JoinHandle<()>,
}

/// Starts training on a new thread; `resume` continues a saved bundle (weights, optimiser,
/// history). The bundle is written to `out` at checkpoints, on stop and at the end.
pub fn spawn(
    data: TrainData,
    config: TrainConfig,
    out: PathBuf,
    resume: Option<Bundle>,
) -> TrainerHandle {
    spawn_with(move || data, config, out, resume)
}

/// Like [`spawn`], but the training data is built by `make` on the trainer thread, so a
/// caller that must not block (the studio's UI thread) hands over only a closure.
pub fn spawn_with(
    make: impl FnOnce() -> TrainData + Send + 'static,
    config: TrainConfig,
    out: PathBuf,
    resume: Option<Bundle>,
) -> TrainerHandle {
    let (ctl_tx, ctl_rx) = channel();
    let (ev_tx, ev_rx) = channel();
    let thread = std::thread::Builder::new()
        .name("trainer".into())
        .spawn(move || {
            let events = ev_tx.clone();
            let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                run(make(), config, out, resume, &ctl_rx, &ev_tx)
            }));
            let failure = match run {
                Ok(Ok(())) => None,
                Ok(Err(reason)) => Some(reason),
                Err(panic) => Some(format!(
                    "training crashed: {}",
                    panic
                        .downcast_ref::<String>()
                        .map(String::as_str)
                        .or_else(|| panic.downcast_ref::<&str>().copied())
                        .unwrap_or("unknown panic")
                )),
            };
            if let Some(reason) = failure {
                let _ = events.send(TrainEvent::Failed(reason));
            }
        })
        .expect("spawning the trainer thread");
    TrainerHandle {
        control: ctl_tx,
        events: ev_rx,
        thread,
    }
}

enum After {
    Continue,
    Stop,
}

/// Handles pending controls; blocks while paused.
fn poll(ctl: &Receiver<TrainControl>, ev: &Sender<TrainEvent>, save_now: &mut bool) -> After {
    let mut paused = false;
    loop {
        let msg = if paused {
            match ctl.recv() {
                Ok(m) => m,
                Err(_) => return After::Stop,
            }
        } else {
            match ctl.try_recv() {
                Ok(m) => m,
                Err(TryRecvError::Empty) => return After::Continue,
                Err(TryRecvError::Disconnected) => return After::Continue,
            }
        };
        match msg {
            TrainControl::Pause if !paused => {
                paused = true;
                let _ = ev.send(TrainEvent::Paused);
            }
            TrainControl::Resume if paused => {
                paused = false;
                let _ = ev.send(TrainEvent::Resumed);
            }
            TrainControl::Stop => return After::Stop,
            TrainControl::SaveNow => *save_now = true,
            _ => {}
        }
    }
}

/// Mean nats per validation token, in plain Rust (no graph needed).
pub fn validation_loss(w: &Weights, val: &Windows) -> Option<f64> {
    if val.m == 0 {
        return None;
    }
    let (nats, n) = crate::model::host::loss(w, &val.x, &val.y, val.m, val.tx);
    (n > 0).then(|| nats / n as f64)
}

fn run(
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
        None => new_bundle(&data, &config)?,
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
    let first_epoch = bundle.meta.history.len() + 1;
    let mut opt = bundle.adam.take().unwrap_or_default();
    let dev = device(config.backend, true);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(
        config.seed.wrapping_add(1).wrapping_add(first_epoch as u64),
    );
    let _ = ev.send(TrainEvent::Started {
        first_epoch,
        epochs: config.epochs,
        params: bundle.params(),
        train_windows: data.train_windows(),
        val_windows: data.val_windows(),
    });
    let started = Instant::now();
    let batch = config.batch.max(1);
    let mut buf = BatchBuffers::with_threads(config.threads);
    let mut cbuf = BatchBuf::with_threads(config.threads);
    // The conditioned kind's schedule: a learning rate per epoch, cut on plateaus.
    let mut settings = config.adam.clone();
    let plateau = match config.schedule {
        Schedule::Plateau(p) => {
            settings.decay = 0.0;
            Some(p)
        }
        Schedule::PerUpdate => None,
    };
    let mut plateau_state = PlateauState::default();
    let mut save_now = false;
    let mut stopped = false;
    let mut last_good: Option<usize> = None;

    // The weights and optimiser of the best validation epoch, when keeping the best.
    let mut best: Option<(f64, Snapshot, AdamState)> = bundle
        .meta
        .history
        .iter()
        .filter_map(|r| r.val)
        .min_by(f64::total_cmp)
        .map(|v| (v, Snapshot::of(&bundle), opt.clone()));
    let save = |bundle: &mut Bundle,
                opt: &AdamState,
                best: &Option<(f64, Snapshot, AdamState)>,
                epoch: usize|
     -> Result<(), String> {
        let r = match best.as_ref().filter(|_| config.keep_best) {
            Some((_, w, o)) => {
                let mut b = bundle.clone();
                w.put(&mut b);
                b.adam = Some(o.clone());
                b.save(&out, true)
            }
            None => {
                bundle.adam = Some(opt.clone());
                let r = bundle.save(&out, true);
                bundle.adam = None;
                r
            }
        };
        r.map_err(|e| e.to_string())?;
        let _ = ev.send(TrainEvent::Checkpoint {
            path: out.clone(),
            epoch,
        });
        Ok(())
    };

    let mut epoch = first_epoch;
    'epochs: while epoch <= config.epochs {
        let t0 = Instant::now();
        let mut failed: Option<String> = None;
        let st = shuffled_pass(data.train_windows(), batch, &mut rng, &mut |of, rng| {
            let b: BatchLoss = match (&mut bundle.conditioned, &data.events) {
                (Some(w), Some(ev)) => crate::model::cond_fit::train_batch(
                    w,
                    &mut opt,
                    &settings,
                    &ev.train,
                    of.windows,
                    &dev,
                    config.engine,
                    &mut cbuf,
                    rng,
                ),
                _ => train_batch(
                    &mut bundle.weights,
                    &mut opt,
                    &settings,
                    &data.train,
                    of.windows,
                    &dev,
                    config.engine,
                    &mut buf,
                ),
            };
            if !b.loss.is_finite() {
                return (b, false);
            }
            let _ = ev.send(TrainEvent::Batch {
                epoch,
                batch: of.number,
                batches: of.batches,
                loss: b.nats_per_token(),
            });
            let after = poll(ctl, ev, &mut save_now);
            if save_now {
                save_now = false;
                match save(&mut bundle, &opt, &best, epoch.saturating_sub(1)) {
                    Ok(()) => last_good = Some(epoch.saturating_sub(1)),
                    Err(e) => {
                        failed = Some(e);
                        return (b, false);
                    }
                }
            }
            (b, !matches!(after, After::Stop))
        });
        if let Some(e) = failed {
            return Err(e);
        }
        if let Some(bi) = st.nonfinite_at {
            let kept = match last_good {
                Some(e) => format!("the checkpoint of epoch {e} in {} is kept", out.display()),
                None => "nothing was saved".into(),
            };
            return Err(format!(
                "the loss became NaN or infinite at epoch {epoch}, batch {bi}; {kept} \
                 (try a lower learning rate or gradient clipping)"
            ));
        }
        if !st.completed {
            stopped = true;
            break 'epochs;
        }
        let secs = t0.elapsed().as_secs_f64();
        let train = st.nats_per_token;
        let val = validation(&bundle, &data, &config);
        if let Some(v) = val.filter(|_| config.keep_best)
            && best.as_ref().is_none_or(|b| v < b.0)
        {
            best = Some((v, Snapshot::of(&bundle), opt.clone()));
        }
        bundle.meta.history.push(EpochRecord {
            epoch,
            train,
            val,
            secs,
        });
        let done = epoch + 1 - first_epoch;
        let elapsed = started.elapsed().as_secs_f64();
        let _ = ev.send(TrainEvent::Epoch(EpochSummary {
            epoch,
            epochs: config.epochs,
            train,
            val,
            best_val: bundle.best_loss(),
            tokens_per_sec: st.targets as f64 / secs.max(1e-9),
            lr: opt.lr(&settings),
            elapsed_secs: elapsed,
            eta_secs: elapsed / done as f64 * (config.epochs - epoch) as f64,
        }));
        if let (Some(p), Some(v)) = (plateau, val) {
            let (lr, stop) = plateau_state.after_epoch(&p, v, settings.lr);
            settings.lr = lr;
            if stop && epoch < config.epochs {
                // Early stopping: validation has not improved for `stop_after` epochs.
                stopped = true;
                break 'epochs;
            }
        }
        let every = config.checkpoint_every;
        if every > 0 && epoch % every == 0 && epoch < config.epochs {
            save(&mut bundle, &opt, &best, epoch)?;
            last_good = Some(epoch);
        }
        epoch += 1;
    }
    let epochs_done = bundle.meta.history.len();
    save(&mut bundle, &opt, &best, epochs_done)?;
    let _ = ev.send(TrainEvent::Finished(TrainSummary {
        epochs_done,
        stopped,
        final_train: bundle.meta.history.last().map(|r| r.train),
        best_val: bundle.best_loss(),
        bigram: data.bigram,
        path: out,
        elapsed_secs: started.elapsed().as_secs_f64(),
    }));
    Ok(())
}
