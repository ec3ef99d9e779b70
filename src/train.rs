//! The Trainer: trains on its own thread, obeys `TrainControl`, reports `TrainEvent`s.
//!
//! It owns the weights and the optimiser. Stopping saves the bundle; a NaN or infinite loss
//! stops with `Failed` and keeps the last good checkpoint; a panic inside training becomes a
//! `Failed` event instead of a dead thread.

use crate::dataset::events::EventData;
use crate::dataset::{Dataset, Split, Windows};
use crate::model::bundle::Bundle;
use crate::model::exercise::weights::Weights;
use crate::tokens::{TokenizerKind, Vocab};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;

mod events;
mod kinds;
mod run;
pub use crate::model::bundle::TrainConfig;
pub use events::{EpochSummary, TrainControl, TrainEvent, TrainSummary};
use run::run;

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

/// Mean nats per validation token, in plain Rust (no graph needed).
pub fn validation_loss(w: &Weights, val: &Windows) -> Option<f64> {
    if val.m == 0 {
        return None;
    }
    let (nats, n) = crate::model::exercise::host::loss(w, &val.x, &val.y, val.m, val.tx);
    (n > 0).then(|| nats / n as f64)
}
