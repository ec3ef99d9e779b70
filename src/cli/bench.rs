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
            threads,
            json,
        } => exercise(dir, epochs, seed, (backend, engine, threads), json),
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
    let mut rows: Vec<(String, f64, String)> = Vec::new();

    // Training: 10 exercise epochs per run, each recurrence on each backend. Without the
    // exercise's data the other figures are still worth having.
    let trainings = if exercise_dir.is_dir() {
        5
    } else {
        eprintln!(
            "skipping training: no exercise data at {} (give it with --exercise DIR)",
            exercise_dir.display()
        );
        0
    };
    let cores = improv::model::parallel::cores();
    for (backend, engine, threads) in [
        (BackendKind::Flex, Engine::Host, 1),
        (BackendKind::Flex, Engine::Host, cores),
        (BackendKind::Flex, Engine::Fused, 1),
        (BackendKind::Ndarray, Engine::Fused, 1),
        (BackendKind::Flex, Engine::Reference, 1),
        (BackendKind::Ndarray, Engine::Reference, 1),
    ]
    .into_iter()
    .filter(|&(_, _, t)| t == 1 || cores > 1)
    .take(trainings + usize::from(cores > 1 && trainings > 0))
    {
        let opts = ExerciseOptions {
            epochs: 10,
            seed: 0,
            backend,
            engine,
            threads,
        };
        let mut times = Vec::new();
        for _ in 0..runs {
            times.push(run_exercise(&exercise_dir, &opts, &mut |_, _| {})?.wall_secs / 10.0);
        }
        rows.push((
            if threads == 1 {
                format!("train: exercise epoch ({backend}, {engine})")
            } else {
                format!("train: exercise epoch ({backend}, {engine}, {threads} threads)")
            },
            median(times) * 1e3,
            "ms".into(),
        ));
    }

    // Generation: 50 tokens with the bundled model's shape (78 values, n_a 64).
    {
        use improv::generate::{SampleOptions, sample_until};
        let w = improv::model::weights::Weights::init(78, 64, 0);
        let opts = SampleOptions {
            temperature: 1.0,
            top_k: 0,
            seed: 1,
        };
        let mut times = Vec::new();
        for _ in 0..runs {
            let t0 = std::time::Instant::now();
            for _ in 0..100 {
                std::hint::black_box(sample_until(&w, &[], &opts, 50, &mut |_| false));
            }
            times.push(t0.elapsed().as_secs_f64() / 100.0);
        }
        rows.push((
            "generate: 50 tokens".into(),
            median(times) * 1e3,
            "ms".into(),
        ));
    }

    conditioned_speed(runs, &mut rows);

    // Synth: a 32-bar, four-voice score, as a multiple of real time, streamed as an export
    // is: with the room (the default), dry, and through a SoundFont when one is installed.
    {
        use improv::synth::soundfont::{Font, find, search_dirs};
        use improv::synth::{Stream, SynthSettings};
        let score = improv::fixtures::combo_score(32);
        let room = SynthSettings::default();
        let dry = SynthSettings {
            room: 0.0,
            ..SynthSettings::default()
        };
        let font = find(&search_dirs())
            .first()
            .and_then(|p| Font::load(p).ok());
        let mut cases = vec![(
            "synth: 32 bars, real-time multiple".to_string(),
            &room,
            None,
        )];
        cases.push(("synth: 32 bars dry, real-time multiple".into(), &dry, None));
        if let Some(f) = &font {
            cases.push((
                format!("soundfont: 32 bars ({}), real-time", f.name()),
                &room,
                Some(f),
            ));
        }
        for (name, settings, font) in cases {
            let mut times = Vec::new();
            let mut buf = vec![0.0f32; 8192];
            // Seconds of audio the render makes: the score and its tail (the room's included).
            let mut audio_secs = score.duration_secs();
            for _ in 0..runs {
                let t0 = std::time::Instant::now();
                let (mut stream, _) = Stream::new(&score, settings, font);
                audio_secs = stream.total_frames() as f64 / f64::from(stream.sample_rate());
                while stream.fill(&mut buf) > 0 {
                    std::hint::black_box(&buf);
                }
                times.push(t0.elapsed().as_secs_f64());
            }
            rows.push((name, audio_secs / median(times), "x".into()));
        }
    }

    // MIDI import and tokenization of a 40,000-note file.
    {
        use improv::midi::import::{ImportOptions, parse_bytes};
        let bytes = improv::fixtures::big_midi(40_000);
        let mut notes = 0;
        let mut times = Vec::new();
        for _ in 0..runs {
            let t0 = std::time::Instant::now();
            if let Ok(imp) = parse_bytes(&bytes, &ImportOptions::default()) {
                notes = imp.score.note_count();
                std::hint::black_box(improv::tokens::encode(
                    improv::tokens::TokenizerKind::Grammar,
                    &imp.score,
                ));
            }
            times.push(t0.elapsed().as_secs_f64());
        }
        rows.push((
            format!("midi: import+tokenize {notes} notes"),
            notes as f64 / median(times) / 1e6,
            "M notes/s".into(),
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
            println!("{k:<42} {v:>12.3} {u}");
        }
    }
    Ok(())
}

/// CPU time of the calling thread, in seconds: on a busy machine, throughput per CPU
/// second is steadier than per wall-clock second.
fn thread_cpu_secs() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// The conditioned kind at n_a 128: training events per second (windows of 64 events,
/// batch 32, fused, one layer) and the time to decode a 32-bar chorus.
fn conditioned_speed(runs: usize, rows: &mut Vec<(String, f64, String)>) {
    use improv::decode::{Decoding, Sampling, decode_events};
    use improv::model::adam::AdamState;
    use improv::model::cond_bundle::CondMeta;
    use improv::model::cond_fit::epoch;
    use improv::model::conditioned::CondWeights;
    use improv::model::net::device;
    use rand::SeedableRng;

    // 520 bars of eighths: 65 windows of 64 events.
    let (spec, data, settings) = improv::fixtures::conditioned_bench();
    use improv::model::kernels::{self, Kernel};
    let best = kernels::active();
    // The best kernel on both backends, then the `gemm` crate's for comparison.
    let mut cases = vec![(BackendKind::Flex, best), (BackendKind::Ndarray, best)];
    if best != Kernel::Gemm {
        cases.push((BackendKind::Flex, Kernel::Gemm));
    }
    for (backend, kernel) in cases {
        kernels::prefer(kernel);
        let dev = device(backend, true);
        let (mut rates, mut cpu_rates) = (Vec::new(), Vec::new());
        // Like the PyTorch script, one epoch warms up and the next is timed.
        let mut w = CondWeights::init(spec, 0);
        let mut opt = AdamState::default();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let mut run = |w: &mut CondWeights, opt: &mut AdamState| {
            epoch(
                w,
                opt,
                &settings,
                &data.train,
                32,
                &mut rng,
                &dev,
                Engine::Fused,
            )
        };
        run(&mut w, &mut opt);
        for _ in 0..runs {
            let (t0, c0) = (std::time::Instant::now(), thread_cpu_secs());
            run(&mut w, &mut opt);
            let events = data.train.targets() as f64;
            rates.push(events / t0.elapsed().as_secs_f64());
            cpu_rates.push(events / (thread_cpu_secs() - c0).max(1e-9));
        }
        let what = format!("train: conditioned n_a 128 ({backend}, fused, {kernel})");
        rows.push((what.clone(), median(rates), "events/s".into()));
        rows.push((what, median(cpu_rates), "events/CPU-s".into()));
    }
    kernels::prefer(best);
    // Decoding speed depends on how many events a chorus takes: use the shipped model when
    // it is there, else a fresh one that prefers eighths.
    let (w, meta) =
        match improv::model::bundle::Bundle::load(std::path::Path::new("models/conditioned")) {
            Ok(improv::model::bundle::Bundle {
                conditioned: Some(w),
                meta,
                ..
            }) if meta.conditioned.is_some() => {
                let m = meta.conditioned.clone().expect("checked");
                (w, m)
            }
            _ => {
                let mut w = CondWeights::init(spec, 0);
                let dur_bias = spec.first_head() + 3;
                w.arrays[dur_bias][improv::tokens::events::dur_index(6)] = 4.0;
                (w, CondMeta::new(spec, data.register, false, false))
            }
        };
    let prog = improv::music::Progression::preset("rhythm-changes").expect("a preset");
    let bar = improv::music::PPQ * 4;
    let spans = prog.spans(bar, 1);
    let end = 32 * bar;
    for (label, d) in [
        ("sampled", Decoding::default()),
        (
            "beam 4",
            Decoding {
                beam: 4,
                ..Decoding::default()
            },
        ),
    ] {
        let s = Sampling {
            temperature: 1.0,
            top_k: 0,
            seed: 1,
        };
        let mut times = Vec::new();
        for _ in 0..runs {
            let t0 = std::time::Instant::now();
            std::hint::black_box(decode_events(&w, &meta, &spans, bar, end, &s, &d));
            times.push(t0.elapsed().as_secs_f64());
        }
        rows.push((
            format!("generate: conditioned 32 bars, {label}"),
            median(times) * 1e3,
            "ms".into(),
        ));
    }
}
