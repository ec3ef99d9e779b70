//! `improv train` and `improv generate`: train a model bundle, improvise with one.

use super::WriteArgs;
use super::data::{DataArgs, load};
use anyhow::{Context, Result, bail};
use clap::Args;
use improv::generate::{Changes, GenerateOptions, SampleOptions, generate_with as improvise};
use improv::midi::export::write_file;
use improv::model::bundle::{Bundle, TrainConfig};
use improv::model::cond_bundle::Schedule;
use improv::model::cond_data::{EventData, EventOptions};
use improv::model::cond_fit::Plateau;
use improv::model::conditioned::Heads;
use improv::model::net::Engine;
use improv::model::{BackendKind, ModelKind};
use improv::train::{TrainControl, TrainData, TrainEvent, spawn};
use std::path::PathBuf;

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
    /// with hand-written BPTT; the conditioned kind's host) or reference (burn ops per step).
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
        conditioned || !(a.blind || a.layers > 1),
        "--blind and --layers are for --kind conditioned"
    );
    let resume = if a.resume {
        let b = Bundle::load(&a.out)?;
        Some(b)
    } else {
        if a.out.exists() && !a.write.force {
            bail!(
                "{} already exists (use --force to replace it, or --resume to continue it)",
                a.out.display()
            );
        }
        None
    };
    let (data, summary) = if conditioned {
        conditioned_data(&a)?
    } else {
        let ds = load(&a.paths, &a.data, a.json)?;
        for f in &ds.failed {
            eprintln!("skipped {}: {}", f.path.display(), f.reason);
        }
        let st = ds.stats();
        let data = TrainData::from_dataset(&ds);
        let summary = format!(
            "{} files, {} tokens, vocabulary {}, {} training and {} validation windows; bigram baseline {:.3} nats/token",
            st.files, st.tokens, st.vocab_size, data.train.m, data.val.m, st.baselines.bigram
        );
        (data, summary)
    };
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
    if let Some(b) = &resume {
        config.n_a = b.meta.n_a;
        anyhow::ensure!(
            b.meta.history.len() < a.epochs,
            "{} has already trained {} epochs; ask for more with --epochs",
            a.out.display(),
            b.meta.history.len()
        );
    }
    if !a.json {
        eprintln!("{summary}");
    }
    let handle = spawn(data, config, a.out.clone(), resume);
    let stop = handle.control.clone();
    let _ = ctrlc::set_handler(move || {
        let _ = stop.send(TrainControl::Stop);
    });
    let bar = super::progress::bar("epoch", a.json);
    let mut result = Ok(());
    for ev in handle.events.iter() {
        if a.json {
            println!("{}", event_json(&ev));
        }
        match ev {
            TrainEvent::Batch {
                epoch,
                batch,
                batches,
                loss,
            } => {
                bar.set_prefix(format!("epoch {epoch:>4}"));
                bar.set_length(batches as u64);
                bar.set_position(batch as u64);
                bar.set_message(format!("loss {loss:.3}"));
            }
            TrainEvent::Epoch(s) if !a.json => {
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
            TrainEvent::Finished(s) if !a.json => {
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
            TrainEvent::Failed(reason) => result = Err(anyhow::anyhow!(reason)),
            _ => {}
        }
    }
    bar.finish_and_clear();
    let _ = handle.thread.join();
    result
}

/// The conditioned kind's material, and a line saying what it is.
fn conditioned_data(a: &TrainArgs) -> Result<(TrainData, String)> {
    let opts = EventOptions {
        tx: a.data.tx,
        stride: (a.data.tx / 2).max(1),
        augment_keys: a.data.augment_keys.clone().map(|k| k.0).unwrap_or_default(),
        blind: a.blind,
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
        "{} training events{}, {} validation events; {} training and {} validation windows of {}; register {}–{}",
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

#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// The model bundle.
    #[arg(long, default_value = "models/default")]
    pub model: PathBuf,
    /// A preset (blues-f, blues-bb, minor-blues, rhythm-changes, ii-v-i, ii-v-i-cycle,
    /// autumn, aaba-eb, ballad), a chart like "| Dm7 G7 | Cmaj7 | % |", or a MIDI or MusicXML file.
    #[arg(long, default_value = "blues-f")]
    pub progression: String,
    #[arg(long, default_value_t = 2)]
    pub choruses: usize,
    /// Tempo (default: the file's, or 140).
    #[arg(long)]
    pub bpm: Option<f64>,
    /// 0 = always the most likely token (argmax).
    #[arg(long, default_value_t = 0.9)]
    pub temperature: f64,
    /// Sample among the k most likely tokens only (0 = all).
    #[arg(long, default_value_t = 0)]
    pub top_k: usize,
    #[command(flatten)]
    pub decoding: super::decoding::DecodingArgs,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Tokens to start the solo with, space-separated (e.g. "C,6 S,3").
    #[arg(long, conflicts_with = "primer_from")]
    pub primer: Option<String>,
    /// Start the solo with the first tokens of this MIDI or MusicXML file's melody.
    #[arg(long)]
    pub primer_from: Option<PathBuf>,
    /// How many tokens --primer-from takes.
    #[arg(long, default_value_t = 8)]
    pub primer_len: usize,
    /// The MIDI file to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Also render the audio to this WAV file.
    #[arg(long)]
    pub wav: Option<PathBuf>,
    /// Print what was made as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub sound: super::sound::SoundArgs,
    #[command(flatten)]
    pub write: WriteArgs,
}

/// The first `n` tokens of a file's melody that the model knows.
fn primer_from(bundle: &Bundle, path: &std::path::Path, n: usize) -> Result<Vec<String>> {
    let imp = improv::scorefile::read_any(path, &Default::default())?;
    let toks: Vec<String> = improv::tokens::encode(bundle.meta.tokenizer, &imp.score)
        .into_iter()
        .filter(|t| bundle.meta.vocab.index_of(t).is_some())
        .take(n)
        .collect();
    anyhow::ensure!(
        !toks.is_empty(),
        "{}: no melody tokens the model knows to start from",
        path.display()
    );
    Ok(toks)
}

pub fn generate(a: GenerateArgs) -> Result<()> {
    anyhow::ensure!(
        (1..=64).contains(&a.choruses),
        "--choruses must be between 1 and 64"
    );
    anyhow::ensure!(
        a.temperature.is_finite() && a.temperature >= 0.0,
        "--temperature must be 0 or more"
    );
    let bpm = a.bpm.unwrap_or(0.0);
    anyhow::ensure!(
        a.bpm.is_none() || (20.0..=400.0).contains(&bpm),
        "--bpm must be between 20 and 400"
    );
    for p in std::iter::once(&a.out).chain(a.wav.as_ref()) {
        if p.exists() && !a.write.force {
            bail!("{} already exists (use --force to overwrite)", p.display());
        }
    }
    let bundle = Bundle::load(&a.model)?;
    let changes = Changes::from_arg(&a.progression)?;
    let opts = GenerateOptions {
        bpm: a.bpm.or(changes.bpm).unwrap_or(140.0),
        changes,
        choruses: a.choruses,
        sample: SampleOptions {
            temperature: a.temperature,
            top_k: a.top_k,
            seed: a.seed,
        },
        primer: match (&a.primer, &a.primer_from) {
            (Some(p), _) => p.split_whitespace().map(str::to_string).collect(),
            (None, Some(path)) => primer_from(&bundle, path, a.primer_len)?,
            (None, None) => Vec::new(),
        },
    };
    let decoding = a.decoding.decoding(&bundle)?;
    let g = improvise(&bundle, &opts, &decoding)?;
    write_file(&g.score, &a.out, a.write.force)?;
    if let Some(wav) = &a.wav {
        super::sound::write_wav_for(&g.score, wav, &a.sound, a.write.force)
            .with_context(|| format!("rendering {}", wav.display()))?;
    }
    if a.json {
        let out = serde_json::json!({
            "midi": a.out,
            "wav": a.wav,
            "progression": opts.changes.name,
            "bpm": opts.bpm,
            "stats": g.stats,
            "tokens": g.tokens,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        let s = &g.stats;
        println!(
            "{} bars over {} at {} bpm: {} notes ({:.1} per bar), {:.0}% chord tones, {:.0}% scale tones, range {}–{}",
            s.bars,
            opts.changes.name,
            // A file's tempo comes in microseconds per beat: 112.00006 reads as 112.
            (opts.bpm * 10.0).round() / 10.0,
            s.notes,
            s.notes_per_bar,
            s.chord_tones * 100.0,
            s.scale_tones * 100.0,
            s.lowest.as_deref().unwrap_or("-"),
            s.highest.as_deref().unwrap_or("-"),
        );
        println!("wrote {}", a.out.display());
        if let Some(w) = &a.wav {
            println!("wrote {}", w.display());
        }
    }
    Ok(())
}
