//! `improv bench speed`'s training rows: the exercise's epochs on each engine and backend,
//! the throughput of a real corpus's vocabulary size, and the conditioned kind.

use super::exercise::{ExerciseOptions, run_exercise};
use super::{Rows, median};
use improv::model::BackendKind;
use improv::model::Engine;
use std::path::Path;

/// 10 exercise epochs per run, each engine on each backend (and every core for the host
/// step). Without the exercise's data the other figures are still worth having.
pub(super) fn exercise(exercise_dir: &Path, runs: usize, rows: &mut Rows) -> anyhow::Result<()> {
    let trainings = if exercise_dir.is_dir() {
        5
    } else {
        eprintln!(
            "skipping training: no exercise data at {} (give it with --exercise DIR)",
            exercise_dir.display()
        );
        0
    };
    let cores = improv::model::cpu::parallel::cores();
    for (backend, engine, threads) in [
        (BackendKind::Flex, Engine::Host, 1),
        (BackendKind::Flex, Engine::Host, cores),
        (BackendKind::Flex, Engine::Host, 0),
        (BackendKind::Flex, Engine::Fused, 1),
        (BackendKind::Ndarray, Engine::Fused, 1),
        (BackendKind::Flex, Engine::Reference, 1),
        (BackendKind::Ndarray, Engine::Reference, 1),
    ]
    .into_iter()
    .filter(|&(_, _, t)| t == 1 || cores > 1)
    .take(trainings + 2 * usize::from(cores > 1 && trainings > 0))
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
            times.push(run_exercise(exercise_dir, &opts, &mut |_, _| {})?.wall_secs / 10.0);
        }
        rows.push((
            match threads {
                0 => format!("train: exercise epoch ({backend}, {engine}, default threads)"),
                1 => format!("train: exercise epoch ({backend}, {engine})"),
                _ => format!("train: exercise epoch ({backend}, {engine}, {threads} threads)"),
            },
            median(times) * 1e3,
            "ms".into(),
        ));
    }
    if trainings > 0 && cores > 1 {
        busy_core(exercise_dir, runs, cores, rows)?;
    }
    Ok(())
}

/// The host step's exercise epoch on one thread, on every core, and at the default count
/// (every core while the workers measure faster) while another thread keeps one core busy
/// (as another program would): the default must never be slower than one thread.
fn busy_core(
    exercise_dir: &Path,
    runs: usize,
    cores: usize,
    rows: &mut Rows,
) -> anyhow::Result<()> {
    let busy = Busy::start();
    for threads in [1, cores, 0] {
        let opts = ExerciseOptions {
            epochs: 10,
            seed: 0,
            backend: BackendKind::Flex,
            engine: Engine::Host,
            threads,
        };
        let mut times = Vec::new();
        for _ in 0..runs {
            times.push(run_exercise(exercise_dir, &opts, &mut |_, _| {})?.wall_secs / 10.0);
        }
        let count = match threads {
            0 => "default threads".to_string(),
            1 => "1 thread".to_string(),
            n => format!("{n} threads"),
        };
        let what = format!("train: exercise epoch (host, {count}, one core busy)");
        rows.push((what, median(times) * 1e3, "ms".into()));
    }
    drop(busy);
    Ok(())
}

/// A thread that keeps one core busy until dropped.
struct Busy {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Busy {
    fn start() -> Busy {
        use std::sync::atomic::Ordering;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = std::sync::Arc::clone(&stop);
        let handle = std::thread::spawn(move || {
            let mut x = 1u64;
            while !flag.load(Ordering::Relaxed) {
                x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
            }
        });
        Busy {
            stop,
            handle: Some(handle),
        }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// Tokens per second over a grammar vocabulary of 450 values, the size real corpora give
/// (the exercise has 78): the output layer and softmax grow with it. The exercise kind's
/// shape otherwise (n_a 64, windows of 30, batch 32, clipping at 5), one thread and every core.
pub(super) fn vocabulary(runs: usize, rows: &mut Rows) {
    use improv::model::cpu::parallel::Parallel;
    use improv::model::device;
    use improv::model::exercise::fit::{BatchScratch, epoch};
    use improv::model::exercise::weights::Weights;
    use improv::model::fit::Step;
    use improv::model::optim::adam::{AdamSettings, AdamState};
    use rand::SeedableRng;
    let v = 450u32;
    // 320 windows: ten batches an epoch, every value in use.
    let stream: Vec<u32> = (0..9700u32).map(|i| (i * 7 + i / 3 + i / 11) % v).collect();
    let win = improv::dataset::make_windows(&[stream], 30, 30, v as usize);
    let settings = AdamSettings {
        clip: Some(5.0),
        ..AdamSettings::default()
    };
    let dev = device(BackendKind::Flex, true);
    let cores = improv::model::cpu::parallel::cores();
    for threads in [1, cores].into_iter().filter(|&t| t == 1 || cores > 1) {
        let mut w = Weights::init(v as usize, 64, 0);
        let mut opt = AdamState::default();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let mut scratch = BatchScratch::default();
        let parallel = Parallel::new(threads);
        let step = Step::new(&settings, &dev, Engine::Host, &parallel);
        let mut rates = Vec::new();
        // One epoch warms up; each run times three.
        for r in 0..=runs {
            let t0 = std::time::Instant::now();
            let mut tokens = 0;
            for _ in 0..if r == 0 { 1 } else { 3 } {
                let pass = (&win, 32);
                let all = &mut |_, _, _| true;
                tokens += epoch(&mut w, &mut opt, &step, pass, &mut rng, &mut scratch, all).targets;
            }
            if r > 0 {
                rates.push(tokens as f64 / t0.elapsed().as_secs_f64());
            }
        }
        let what = format!(
            "train: {v}-value vocabulary ({threads} thread{})",
            if threads == 1 { "" } else { "s" }
        );
        rows.push((what, median(rates), "tokens/s".into()));
    }
}

/// CPU time of the calling thread, in seconds: on a busy machine, throughput per CPU
/// second is steadier than per wall-clock second.
pub(super) use improv::model::cpu::peak::thread_cpu_secs;

/// The conditioned kind at n_a 128: training events per second (windows of 64 events,
/// batch 32, one layer), the host step and the fused operations on one thread and two, then
/// the `gemm` crate's kernel and the other backend.
pub(super) fn conditioned(runs: usize, rows: &mut Rows) {
    use improv::model::cpu::kernels::{self, Kernel};
    use improv::model::device;

    // 520 bars of eighths: 65 windows of 64 events.
    let (spec, data, settings) = improv::fixtures::conditioned_bench();
    let best = kernels::active();
    let two = improv::model::cpu::parallel::cores() > 1;
    let mut cases = Vec::new();
    for engine in [Engine::Host, Engine::Fused] {
        cases.push((engine, BackendKind::Flex, best, 1));
        if two {
            cases.push((engine, BackendKind::Flex, best, 2));
        }
    }
    if best != Kernel::Gemm {
        cases.push((Engine::Host, BackendKind::Flex, Kernel::Gemm, 1));
    }
    cases.push((Engine::Fused, BackendKind::Ndarray, best, 1));
    for (engine, backend, kernel, threads) in cases {
        kernels::prefer(kernel);
        let dev = device(backend, true);
        let data = (spec, &data, &settings);
        let (rates, cpu_rates) = conditioned_rates(runs, data, (&dev, engine), threads);
        let on = match engine {
            Engine::Host => format!("host, {kernel}"),
            _ => format!("{engine}, {backend}, {kernel}"),
        };
        if threads > 1 {
            let what = format!("train: conditioned n_a 128 ({on}, {threads} threads)");
            rows.push((what, median(rates), "events/s".into()));
            continue;
        }
        let what = format!("train: conditioned n_a 128 ({on})");
        rows.push((what.clone(), median(rates), "events/s".into()));
        rows.push((what, median(cpu_rates), "events/CPU-s".into()));
    }
    kernels::prefer(best);
    // The host step over feature rows as varied as real solos' (the set above repeats its
    // rows every chorus, which whole-row reuse already exploited).
    let (spec, data, settings) = improv::fixtures::conditioned_bench_varied();
    let dev = device(BackendKind::Flex, true);
    let (rates, _) = conditioned_rates(runs, (spec, &data, &settings), (&dev, Engine::Host), 1);
    let what = format!("train: conditioned n_a 128 (host, {best}, varied rhythm and changes)");
    rows.push((what, median(rates), "events/s".into()));
}

/// Events per second and per CPU second of the calling thread, one epoch at a time (like
/// the PyTorch script, one epoch warms up first).
fn conditioned_rates(
    runs: usize,
    (spec, data, settings): (
        improv::model::conditioned::CondSpec,
        &improv::dataset::events::EventData,
        &improv::model::optim::adam::AdamSettings,
    ),
    (dev, engine): (&burn::tensor::Device, Engine),
    threads: usize,
) -> (Vec<f64>, Vec<f64>) {
    use improv::model::conditioned::CondWeights;
    use improv::model::conditioned::fit::epoch;
    use improv::model::conditioned::net::BatchScratch;
    use improv::model::cpu::parallel::Parallel;
    use improv::model::fit::Step;
    use improv::model::optim::adam::AdamState;
    use rand::SeedableRng;
    let (mut rates, mut cpu_rates) = (Vec::new(), Vec::new());
    let mut w = CondWeights::init(spec, 0);
    let mut opt = AdamState::default();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let parallel = Parallel::new(threads);
    let step = Step::new(settings, dev, engine, &parallel);
    let mut scratch = BatchScratch::default();
    let mut run = |w: &mut CondWeights, opt: &mut AdamState| {
        epoch(w, opt, &step, (&data.train, 32), &mut rng, &mut scratch)
    };
    run(&mut w, &mut opt);
    for _ in 0..runs {
        let (t0, c0) = (std::time::Instant::now(), thread_cpu_secs());
        run(&mut w, &mut opt);
        let events = data.train.targets() as f64;
        rates.push(events / t0.elapsed().as_secs_f64());
        cpu_rates.push(events / (thread_cpu_secs() - c0).max(1e-9));
    }
    (rates, cpu_rates)
}
