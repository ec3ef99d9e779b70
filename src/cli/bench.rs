//! `improv bench`: the exercise's fidelity run, and speed figures as medians of several runs.

use anyhow::Result;
use clap::{Args, Subcommand};
use exercise::{ExerciseOptions, run_exercise};
use improv::model::BackendKind;
use improv::model::Engine;
use std::path::PathBuf;

mod exercise;
mod peak;
mod play;
mod trade;
mod train;

/// What `improv bench speed` prints: what was measured, its median, the unit.
type Rows = Vec<(String, f64, String)>;

#[derive(Args, Debug)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub what: BenchWhat,
}

#[derive(Subcommand, Debug)]
pub enum BenchWhat {
    /// Train the exercise's model on its own token data and print every epoch's loss.
    Exercise {
        /// The exercise's data: corpus.txt, values.txt, windows.txt.
        #[arg(default_value = "reference/exercise")]
        dir: PathBuf,
        #[arg(long, default_value_t = 100)]
        epochs: usize,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        #[arg(long, default_value = "flex")]
        backend: BackendKind,
        /// host (the whole step by hand), fused (fused burn operations with hand-written
        /// BPTT) or reference (burn ops per step).
        #[arg(long, default_value = "host")]
        engine: Engine,
        /// Training threads: each batch split between them (0: one per core).
        #[arg(long, default_value_t = 1)]
        threads: usize,
        #[arg(long)]
        json: bool,
    },
    /// Speed of training, generation, the synth and MIDI import (medians of --runs).
    Speed {
        /// The exercise's data (for training throughput).
        #[arg(long, default_value = "reference/exercise")]
        exercise: PathBuf,
        #[arg(long, default_value_t = 5)]
        runs: usize,
        #[arg(long)]
        json: bool,
    },
    /// One core's measured FMA peak beside each training product's and each kind's
    /// training step's GFLOP/s (best of --runs).
    Peak {
        #[arg(long, default_value_t = 5)]
        runs: usize,
        #[arg(long)]
        json: bool,
    },
}

pub fn bench(args: BenchArgs) -> Result<()> {
    match args.what {
        BenchWhat::Exercise {
            dir,
            epochs,
            seed,
            backend,
            engine,
            threads,
            json,
        } => exercise(dir, epochs, seed, (backend, engine, threads), json),
        BenchWhat::Speed {
            exercise,
            runs,
            json,
        } => speed(exercise, runs.max(1), json),
        BenchWhat::Peak { runs, json } => peak::peak(runs.max(1), json),
    }
}

fn exercise(
    dir: PathBuf,
    epochs: usize,
    seed: u64,
    (backend, engine, threads): (BackendKind, Engine, usize),
    json: bool,
) -> Result<()> {
    let opts = ExerciseOptions {
        epochs,
        seed,
        backend,
        engine,
        threads,
    };
    let report = run_exercise(&dir, &opts, &mut |epoch, loss| {
        if !json {
            println!("epoch {epoch:>4}  loss {loss:.4}");
        }
    })?;
    if json {
        let out = serde_json::json!({
            "epochs": epochs, "seed": seed, "backend": backend.to_string(), "engine": engine.to_string(), "threads": threads,
            "losses": report.losses, "wall_secs": report.wall_secs,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!(
            "{} epochs in {:.3} s ({} backend, {} recurrence, {} thread{}); final loss {:.4}",
            epochs,
            report.wall_secs,
            backend,
            engine,
            threads,
            if threads == 1 { "" } else { "s" },
            report.losses.last().copied().unwrap_or(f64::NAN)
        );
    }
    Ok(())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn speed(exercise_dir: PathBuf, runs: usize, json: bool) -> Result<()> {
    let mut rows = Rows::new();
    train::exercise(&exercise_dir, runs, &mut rows)?;
    train::vocabulary(runs, &mut rows);
    play::generation(runs, &mut rows);
    train::conditioned(runs, &mut rows);
    play::conditioned_decoding(runs, &mut rows);
    trade::answer(runs, &mut rows);
    play::synth(runs, &mut rows);
    play::midi(runs, &mut rows);
    if json {
        let out: Vec<_> = rows
            .iter()
            .map(|(k, v, u)| serde_json::json!({"what": k, "median": v, "unit": u}))
            .collect();
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!("medians of {runs} runs");
        for (k, v, u) in rows {
            println!("{k:<42} {v:>12.3} {u}");
        }
    }
    Ok(())
}
