//! `improv bench`: the exercise's fidelity run, and speed figures as medians of several runs.

use anyhow::Result;
use clap::{Args, Subcommand};
use improv::model::BackendKind;
use improv::model::exercise::{ExerciseOptions, run_exercise};
use improv::model::net::Engine;
use std::path::PathBuf;

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
        #[arg(default_value = "../shared/reference/exercise")]
        dir: PathBuf,
        #[arg(long, default_value_t = 100)]
        epochs: usize,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        #[arg(long, default_value = "flex")]
        backend: BackendKind,
        /// fused (one operation with hand-written BPTT) or reference (burn ops per step).
        #[arg(long, default_value = "fused")]
        engine: Engine,
        #[arg(long)]
        json: bool,
    },
    /// Speed of training, generation, the synth and MIDI import (medians of --runs).
    Speed {
        /// The exercise's data (for training throughput).
        #[arg(long, default_value = "../shared/reference/exercise")]
        exercise: PathBuf,
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
            json,
        } => exercise(dir, epochs, seed, backend, engine, json),
        BenchWhat::Speed {
            exercise,
            runs,
            json,
        } => speed(exercise, runs.max(1), json),
    }
}

fn exercise(
    dir: PathBuf,
    epochs: usize,
    seed: u64,
    backend: BackendKind,
    engine: Engine,
    json: bool,
) -> Result<()> {
    let opts = ExerciseOptions {
        epochs,
        seed,
        backend,
        engine,
    };
    let report = run_exercise(&dir, &opts, &mut |epoch, loss| {
        if !json {
            println!("epoch {epoch:>4}  loss {loss:.4}");
        }
    })?;
    if json {
        let out = serde_json::json!({
            "epochs": epochs, "seed": seed, "backend": backend.to_string(), "engine": engine.to_string(),
            "losses": report.losses, "wall_secs": report.wall_secs,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!(
            "{} epochs in {:.3} s ({} backend, {} recurrence); final loss {:.4}",
            epochs,
            report.wall_secs,
            backend,
            engine,
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
    let mut rows: Vec<(String, f64, String)> = Vec::new();

    // Training: 10 exercise epochs per run, each recurrence on each backend.
    for (backend, engine) in [
        (BackendKind::Flex, Engine::Fused),
        (BackendKind::Ndarray, Engine::Fused),
        (BackendKind::Flex, Engine::Reference),
        (BackendKind::Ndarray, Engine::Reference),
    ] {
        let opts = ExerciseOptions {
            epochs: 10,
            seed: 0,
            backend,
            engine,
        };
        let mut times = Vec::new();
        for _ in 0..runs {
            times.push(run_exercise(&exercise_dir, &opts, &mut |_, _| {})?.wall_secs / 10.0);
        }
        rows.push((
            format!("train: exercise epoch ({backend}, {engine})"),
            median(times) * 1e3,
            "ms".into(),
        ));
    }

    if json {
        let out: Vec<_> = rows
            .iter()
            .map(|(k, v, u)| serde_json::json!({"what": k, "median": v, "unit": u}))
            .collect();
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!("medians of {runs} runs");
        for (k, v, u) in rows {
            println!("{k:<34} {v:>14.3} {u}");
        }
    }
    Ok(())
}
