//! `improv train` and `improv generate`: train a model bundle, improvise with one.

use super::WriteArgs;
use super::data::{DataArgs, load};
use anyhow::{Result, bail};
use clap::Args;
use improv::dataset::events::{EventData, EventOptions};
use improv::model::Engine;
use improv::model::bundle::Bundle;
use improv::model::conditioned::Heads;
use improv::model::optim::schedule::Plateau;
use improv::model::optim::schedule::Schedule;
use improv::model::{BackendKind, ModelKind};
use improv::train::TrainConfig;
use improv::train::{TrainControl, TrainData, TrainEvent, spawn};
use std::path::PathBuf;

mod improvise;

pub use improvise::{GenerateArgs, generate};

#[derive(Args, Debug)]
pub struct TrainArgs {
    /// MIDI or MusicXML files or directories to learn from.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Where the model bundle goes (a directory).
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub data: DataArgs,
    #[arg(long, default_value_t = 60)]
    pub epochs: usize,
    /// LSTM hidden units.
    #[arg(long, default_value_t = 64)]
    pub n_a: usize,
    #[arg(long, default_value_t = 32)]
    pub batch: usize,
    /// Learning rate (default: 0.01 for the exercise kind, 0.003 for the conditioned).
    #[arg(long)]
    pub lr: Option<f64>,
    /// exercise (grammar tokens, the classic) or conditioned (hears chords and beats).
    #[arg(long, default_value = "exercise")]
    pub kind: ModelKind,
    /// Conditioned kind: LSTM layers (1 or 2).
    #[arg(long, default_value_t = 1)]
    pub layers: usize,
    /// Conditioned kind: dropout between the layers.
    #[arg(long, default_value_t = 0.0)]
    pub dropout: f32,
    /// Conditioned kind: split (a pitch head and a duration head) or joint (one head).
    #[arg(long, default_value = "split")]
    pub heads: Heads,
    /// Conditioned kind: zero the chord and beat inputs (the ablation's baseline).
    #[arg(long)]
    pub blind: bool,
    /// Conditioned kind: the inputs beside the previous event: v1 (chord, next chord, beat)
    /// or v2 (v1, and where the line is in the form and in its phrase).
    #[arg(long, default_value = "v1")]
    pub features: improv::tokens::events::FeatureLayout,
    /// Conditioned kind: carry the network's state from window to window through whole
    /// solos (truncated backpropagation through time): windows cut one after another
    /// (stride --tx), batched lane by lane (--batch lanes, each a run of whole solos), and
    /// validation runs each solo in one long pass. --carry=false: windows from a zero state.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true",
          value_name = "BOOL")]
    pub carry: Option<bool>,
    /// Conditioned kind: halve the learning rate after this many epochs without a better
    /// validation loss, and stop after four times as many.
    #[arg(long, default_value_t = 2)]
    pub patience: usize,
    /// Clip the gradient norm to this (0: no clipping).
    #[arg(long, default_value_t = 5.0)]
    pub clip: f32,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// flex (faster, default) or ndarray.
    #[arg(long, default_value = "flex")]
    pub backend: BackendKind,
    /// host (the exercise kind's whole step by hand, default), fused (fused burn operations
    /// with hand-written BPTT, as the conditioned kind always trains) or reference (burn ops
    /// per step).
    #[arg(long, default_value = "host")]
    pub engine: Engine,
    /// Training threads, each batch split between them (0 = one per core; the losses
    /// depend on the count only through float rounding).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Continue training the bundle at --out (its optimiser state included).
    #[arg(long)]
    pub resume: bool,
    /// Print one JSON event per line.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub write: WriteArgs,
}

pub fn train(a: TrainArgs) -> Result<()> {
    let lr = check(&a)?;
    let resume = if a.resume {
        Some(Bundle::load(&a.out)?)
    } else {
        if a.out.exists() && !a.write.force {
            bail!(
                "{} already exists (use --force to replace it, or --resume to continue it)",
                a.out.display()
            );
        }
        None
    };
    let (data, summary) = if a.kind == ModelKind::Conditioned {
        conditioned_data(&a)?
    } else {
        exercise_data(&a)?
    };
    let config = config(&a, lr, resume.as_ref())?;
    if !a.json {
        eprintln!("{summary}");
    }
    let handle = spawn(data, config, a.out.clone(), resume);
    let stop = handle.control.clone();
    super::interrupt::on_stop(move || {
        let _ = stop.send(TrainControl::Stop);
    });
    let bar = super::progress::bar("epoch", a.json);
    let mut result = Ok(());
    for ev in handle.events.iter() {
        if a.json {
            println!("{}", event_json(&ev));
        }
        if let TrainEvent::Failed(reason) = ev {
            result = Err(anyhow::anyhow!(reason));
        } else {
            show(&bar, &ev, a.json);
        }
    }
    bar.finish_and_clear();
    let _ = handle.thread.join();
    result
}

/// The settings in range; returns the learning rate (the kind's default unless given).
fn check(a: &TrainArgs) -> Result<f64> {
    anyhow::ensure!(a.epochs > 0, "--epochs must be at least 1");
    anyhow::ensure!(
        (1..=1024).contains(&a.n_a),
        "--n-a must be between 1 and 1024"
    );
    anyhow::ensure!(a.batch > 0, "--batch must be at least 1");
    let conditioned = a.kind == ModelKind::Conditioned;
    let lr = a.lr.unwrap_or(if conditioned { 0.003 } else { 0.01 });
    anyhow::ensure!(lr.is_finite() && lr > 0.0, "--lr must be a positive number");
    anyhow::ensure!((1..=2).contains(&a.layers), "--layers must be 1 or 2");
    anyhow::ensure!(
        (0.0..0.9).contains(&a.dropout),
        "--dropout must be at least 0 and below 0.9"
    );
    anyhow::ensure!(
        conditioned || !(a.blind || a.layers > 1 || a.carry == Some(true)),
        "--blind, --layers and --carry are for --kind conditioned"
    );
    anyhow::ensure!(
        !(carry(a) && a.engine == Engine::Fused),
        "--carry: {}",
        improv::model::conditioned::net::FUSED_CANNOT_CARRY
    );
    Ok(lr)
}

/// Whether the conditioned kind carries its state across windows (`--carry`, else the
/// default).
fn carry(a: &TrainArgs) -> bool {
    a.kind == ModelKind::Conditioned && a.carry.unwrap_or(improv::dataset::events::CARRY_BY_DEFAULT)
}

/// The exercise kind's windows, and a line saying what they are.
fn exercise_data(a: &TrainArgs) -> Result<(TrainData, String)> {
    let ds = load(&a.paths, &a.data, a.json)?;
    for f in &ds.failed {
        eprintln!("skipped {}: {}", f.path.display(), f.reason);
    }
    let st = ds.stats();
    let data = TrainData::from_dataset(&ds);
    let (train, val) = data.windows();
    let summary = format!(
        "{} files, {} tokens, vocabulary {}, {} training and {} validation windows; bigram baseline {:.3} nats/token",
        st.files, st.tokens, st.vocab_size, train, val, st.baselines.bigram
    );
    Ok((data, summary))
}

/// The run's settings from the arguments (a resumed bundle keeps its size).
fn config(a: &TrainArgs, lr: f64, resume: Option<&Bundle>) -> Result<TrainConfig> {
    let conditioned = a.kind == ModelKind::Conditioned;
    let mut config = TrainConfig {
        epochs: a.epochs,
        n_a: a.n_a,
        batch: a.batch,
        seed: a.seed,
        backend: a.backend,
        engine: a.engine,
        kind: a.kind,
        layers: a.layers,
        dropout: a.dropout,
        heads: a.heads,
        threads: a.threads,
        schedule: if conditioned {
            Schedule::Plateau(Plateau {
                patience: a.patience.max(1),
                stop_after: 4 * a.patience.max(1),
                ..Plateau::default()
            })
        } else {
            Schedule::PerUpdate
        },
        ..TrainConfig::default()
    };
    config.adam.lr = lr;
    config.adam.clip = (a.clip > 0.0).then_some(a.clip);
    if let Some(b) = resume {
        config.n_a = b.meta.n_a;
        anyhow::ensure!(
            b.meta.history.len() < a.epochs,
            "{} has already trained {} epochs; ask for more with --epochs",
            a.out.display(),
            b.meta.history.len()
        );
    }
    Ok(config)
}

/// A training event on the progress bar, or as a line above it (not with --json).
fn show(bar: &indicatif::ProgressBar, ev: &TrainEvent, json: bool) {
    match ev {
        TrainEvent::Batch {
            epoch,
            batch,
            batches,
            loss,
        } => {
            bar.set_prefix(format!("epoch {epoch:>4}"));
            bar.set_length(*batches as u64);
            bar.set_position(*batch as u64);
            bar.set_message(format!("loss {loss:.3}"));
        }
        TrainEvent::Epoch(s) if !json => {
            bar.suspend(|| {
                println!(
                    "epoch {:>4}/{}  train {:.4}  val {}  {:.0} tokens/s  lr {:.5}  eta {:.0}s",
                    s.epoch,
                    s.epochs,
                    s.train,
                    s.val.map_or("-".into(), |v| format!("{v:.4}")),
                    s.tokens_per_sec,
                    s.lr,
                    s.eta_secs
                )
            });
        }
        TrainEvent::Finished(s) if !json => {
            println!(
                "{} after {} epochs in {:.1}s; best validation {} (bigram baseline {}); saved to {}",
                if s.stopped { "stopped" } else { "finished" },
                s.epochs_done,
                s.elapsed_secs,
                s.best_val.map_or("-".into(), |v| format!("{v:.4}")),
                s.bigram.map_or("-".into(), |v| format!("{v:.4}")),
                s.path.display()
            );
        }
        _ => {}
    }
}

/// The conditioned kind's material, and a line saying what it is.
fn conditioned_data(a: &TrainArgs) -> Result<(TrainData, String)> {
    let opts = EventOptions {
        tx: a.data.tx,
        stride: (a.data.tx / 2).max(1),
        augment_keys: a.data.augment_keys.clone().map(|k| k.0).unwrap_or_default(),
        blind: a.blind,
        layout: a.features,
        carry: carry(a),
        seed: a.seed,
        ..EventOptions::default()
    };
    let import = improv::midi::import::ImportOptions {
        melody_track: a.data.melody_track.as_deref().map(super::track_selector),
    };
    let (ev, failed) = EventData::load(&a.paths, &opts, &import)?;
    for f in &failed {
        eprintln!("skipped {}: {}", f.path.display(), f.reason);
    }
    let summary = format!(
        "{} training events{}, {} validation events; {} training and {} validation windows of {}{}; register {}–{}",
        ev.train_events,
        if ev.options.augment_keys.is_empty() {
            ""
        } else {
            " (keys augmented)"
        },
        ev.val_events,
        ev.train.m,
        ev.val.m,
        ev.options.tx,
        if ev.options.carry {
            " carrying the state through whole solos"
        } else {
            ""
        },
        ev.register.low(),
        ev.register.high()
    );
    Ok((TrainData::from_events(ev), summary))
}

fn event_json(ev: &TrainEvent) -> serde_json::Value {
    use serde_json::json;
    match ev {
        TrainEvent::Started {
            first_epoch,
            epochs,
            params,
            train_windows,
            val_windows,
        } => json!({"event": "started", "first_epoch": first_epoch, "epochs": epochs,
            "params": params, "train_windows": train_windows, "val_windows": val_windows}),
        TrainEvent::Batch {
            epoch,
            batch,
            batches,
            loss,
        } => {
            json!({"event": "batch", "epoch": epoch, "batch": batch, "batches": batches, "loss": loss})
        }
        TrainEvent::Epoch(s) => json!({"event": "epoch", "epoch": s.epoch, "epochs": s.epochs,
            "train": s.train, "val": s.val, "best_val": s.best_val, "tokens_per_sec": s.tokens_per_sec,
            "lr": s.lr, "elapsed_secs": s.elapsed_secs, "eta_secs": s.eta_secs}),
        TrainEvent::Checkpoint { path, epoch } => {
            json!({"event": "checkpoint", "path": path, "epoch": epoch})
        }
        TrainEvent::Paused => json!({"event": "paused"}),
        TrainEvent::Resumed => json!({"event": "resumed"}),
        TrainEvent::Finished(s) => json!({"event": "finished", "epochs_done": s.epochs_done,
            "stopped": s.stopped, "final_train": s.final_train, "best_val": s.best_val,
            "bigram": s.bigram, "path": s.path, "elapsed_secs": s.elapsed_secs}),
        TrainEvent::Failed(r) => json!({"event": "failed", "reason": r}),
    }
}
