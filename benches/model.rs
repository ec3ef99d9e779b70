//! Training throughput on the exercise's and the conditioned kind's shapes, the fused
//! recurrence alone, each matrix kernel on the recurrence's product and in a whole host
//! training step, and generation latency for 50 tokens.

use criterion::{Criterion, criterion_group, criterion_main};
use improv::dataset::make_windows;
use improv::generate::{SampleOptions, sample_until};
use improv::model::BackendKind;
use improv::model::cpu::parallel::Parallel;
use improv::model::exercise::fit::{BatchScratch, epoch};
use improv::model::exercise::weights::Weights;
use improv::model::fit::Step;
use improv::model::optim::adam::{AdamSettings, AdamState};
use improv::model::{Engine, device};
use rand::SeedableRng;

fn model(c: &mut Criterion) {
    let mut g = c.benchmark_group("model");
    g.sample_size(10);
    train_epochs(&mut g);
    recurrence(&mut g);
    kernels(&mut g);
    host_step(&mut g);
    conditioned(&mut g);
    generation(&mut g);
    g.finish();
}

/// A training epoch of the exercise's shape on each backend and engine: 60 windows of 30
/// steps over 78 values, n_a 64, batch 32.
fn train_epochs(g: &mut Group) {
    let stream: Vec<u32> = (0..2000u32).map(|i| (i * 7 + i / 3) % 78).collect();
    let win = make_windows(&[stream], 30, 33, 78);
    for (backend, engine) in [
        (BackendKind::Flex, Engine::Host),
        (BackendKind::Flex, Engine::Fused),
        (BackendKind::Ndarray, Engine::Fused),
        (BackendKind::Flex, Engine::Reference),
    ] {
        let dev = device(backend, true);
        let mut w = Weights::init(78, 64, 0);
        let mut opt = AdamState::default();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let (settings, parallel) = (AdamSettings::default(), Parallel::new(1));
        let step = Step::new(&settings, &dev, engine, &parallel);
        let mut scratch = BatchScratch::default();
        g.bench_function(
            format!("train epoch, {} windows ({backend}, {engine})", win.m),
            |b| {
                b.iter(|| {
                    let all = &mut |_, _, _| true;
                    let pass = (&win, 32);
                    epoch(&mut w, &mut opt, &step, pass, &mut rng, &mut scratch, all).loss
                })
            },
        );
    }
}

/// The fused recurrence alone, forward and BPTT, on one batch of the exercise's shape.
fn recurrence(g: &mut Group) {
    let (t, b, a) = (30, 32, 64);
    let xp: Vec<f32> = (0..t * b * 4 * a)
        .map(|i| ((i % 97) as f32 - 48.0) * 0.01)
        .collect();
    let u: Vec<f32> = (0..a * 4 * a)
        .map(|i| ((i % 89) as f32 - 44.0) * 0.002)
        .collect();
    g.bench_function("recurrence forward + backward, one batch", |bench| {
        bench.iter(|| {
            let cache = improv::model::ops::lstm::forward(&xp, &u, b, t, a);
            improv::model::ops::lstm::backward(&cache, &cache.hs)
                .1
                .len()
        })
    });
}

/// Generation latency: 50 tokens from a fresh exercise network.
fn generation(g: &mut Group) {
    let w = Weights::init(78, 64, 0);
    let opts = SampleOptions {
        temperature: 1.0,
        top_k: 0,
        seed: 3,
    };
    g.sample_size(100);
    g.bench_function("generate 50 tokens", |b| {
        b.iter(|| sample_until(&w, &[], &opts, 50, &mut |_| false).len())
    });
}

type Group<'a> = criterion::BenchmarkGroup<'a, criterion::measurement::WallTime>;

/// One recurrence step's product at n_a 128 ([32, 128] · [128, 512]) and BPTT's weight
/// gradient ([128, 2048] · [2048, 512]) on every kernel this CPU can run.
fn kernels(g: &mut Group) {
    use improv::model::cpu::kernels::{Kernel, available, gemm_with};
    let (b, a, n) = (32, 128, 2048);
    let g4 = 4 * a;
    let h: Vec<f32> = (0..n * a)
        .map(|i| ((i % 97) as f32 - 48.0) * 0.01)
        .collect();
    let u: Vec<f32> = (0..a * g4)
        .map(|i| ((i % 89) as f32 - 44.0) * 0.002)
        .collect();
    let dz: Vec<f32> = (0..n * g4)
        .map(|i| ((i % 83) as f32 - 41.0) * 0.001)
        .collect();
    let mut z = vec![0.0f32; n * g4];
    let mut du = vec![0.0f32; a * g4];
    for kernel in [Kernel::Avx512, Kernel::Avx2, Kernel::Gemm]
        .into_iter()
        .filter(|&k| available(k))
    {
        g.bench_function(format!("recurrence step product ({kernel})"), |bench| {
            bench.iter(|| gemm_with(kernel, b, a, g4, &h, (a, 1), &u, (g4, 1), 1.0, &mut z, g4))
        });
        g.bench_function(format!("recurrent weight gradient ({kernel})"), |bench| {
            bench.iter(|| gemm_with(kernel, a, n, g4, &h, (1, a), &dz, (g4, 1), 0.0, &mut du, g4))
        });
    }
}

/// One training step of the exercise kind on the host (forward, BPTT, output layer and
/// Adam) with each matrix kernel this CPU can run, at the exercise's 78 values and at the
/// 450 of a real corpus's grammar, on one thread and on two.
fn host_step(g: &mut Group) {
    use improv::model::cpu::kernels::{self, Kernel, available};
    use improv::model::exercise::fit::train_batch;
    let best = kernels::active();
    for v in [78usize, 450] {
        let stream: Vec<u32> = (0..3000u32).map(|i| (i * 7 + i / 3) % v as u32).collect();
        let win = make_windows(&[stream], 30, 30, v);
        let idx: Vec<usize> = (0..32).collect();
        let settings = AdamSettings {
            clip: Some(5.0),
            ..AdamSettings::default()
        };
        let dev = device(BackendKind::Flex, true);
        let paths = [
            (Kernel::Avx512, 1),
            (Kernel::Avx2, 1),
            (Kernel::Gemm, 1),
            (best, 2),
        ];
        for (kernel, threads) in paths.into_iter().filter(|&(k, _)| available(k)) {
            kernels::prefer(kernel);
            let mut w = Weights::init(v, 64, 0);
            let mut opt = AdamState::default();
            let mut buf = BatchScratch::default();
            let parallel = Parallel::new(threads);
            let step = Step::new(&settings, &dev, Engine::Host, &parallel);
            let what =
                format!("host step, batch 32 of 30, {v} values ({kernel}, {threads} threads)");
            g.bench_function(what, |b| {
                b.iter(|| train_batch(&mut w, &mut opt, &step, (&win, &idx), &mut buf).loss)
            });
        }
        kernels::prefer(best);
    }
}

/// The conditioned kind at n_a 128 (the shape `improv bench speed` reports): one epoch of
/// 65 windows of 64 events, batch 32, on each backend.
fn conditioned(g: &mut Group) {
    use improv::model::conditioned::CondWeights;
    let (spec, data, settings) = improv::fixtures::conditioned_bench();
    for backend in [BackendKind::Flex, BackendKind::Ndarray] {
        let dev = device(backend, true);
        let mut w = CondWeights::init(spec, 0);
        let mut opt = AdamState::default();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let parallel = Parallel::new(1);
        let step = Step::new(&settings, &dev, Engine::Fused, &parallel);
        let mut scratch = improv::model::conditioned::net::BatchScratch::default();
        g.bench_function(format!("conditioned epoch, n_a 128 ({backend})"), |b| {
            b.iter(|| {
                let pass = (&data.train, 32);
                improv::model::conditioned::fit::epoch(
                    &mut w,
                    &mut opt,
                    &step,
                    pass,
                    &mut rng,
                    &mut scratch,
                )
            })
        });
    }
}

criterion_group!(benches, model);
criterion_main!(benches);
