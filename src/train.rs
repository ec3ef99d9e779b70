//! The Trainer: trains on its own thread, obeys `TrainControl`, reports `TrainEvent`s.
//!
//! It owns the weights and the optimiser. Stopping saves the bundle; a NaN or infinite loss
//! stops with `Failed` and keeps the last good checkpoint; a panic inside training becomes a
//! `Failed` event instead of a dead thread.

use crate::model::bundle::Bundle;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;

mod data;
mod events;
mod run;
pub use crate::model::bundle::TrainConfig;
pub use data::{TokenData, TrainData};
pub use events::{EpochSummary, TrainControl, TrainEvent, TrainSummary};
use run::run;

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
                let link = run::Link {
                    out,
                    ctl: &ctl_rx,
                    ev: &ev_tx,
                };
                run(make(), config, resume, link)
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
