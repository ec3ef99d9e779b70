//! What passes between a trainer and its caller: controls in, events and summaries out.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, TryRecvError};

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

/// Whether training goes on.
pub(super) enum After {
    Continue,
    Stop,
}

/// Handles pending controls; blocks while paused.
pub(super) fn poll(
    ctl: &Receiver<TrainControl>,
    ev: &Sender<TrainEvent>,
    save_now: &mut bool,
) -> After {
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
