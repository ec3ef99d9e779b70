//! Training throughput on the exercise's shape, the fused recurrence alone, and generation
//! latency for 50 tokens.

use criterion::{Criterion, criterion_group, criterion_main};
use improv::dataset::make_windows;
use improv::generate::{SampleOptions, sample_until};
use improv::model::BackendKind;
use improv::model::adam::{AdamSettings, AdamState};
use improv::model::fit::epoch;
use improv::model::net::{Engine, device};
use improv::model::weights::Weights;
use rand::SeedableRng;

fn model(c: &mut Criterion) {
    // The exercise's shape: 60 windows of 30 steps over 78 values, n_a 64, batch 32.
    let stream: Vec<u32> = (0..2000u32).map(|i| (i * 7 + i / 3) % 78).collect();
    let win = make_windows(&[stream], 30, 33, 78);
    let mut g = c.benchmark_group("model");
    g.sample_size(10);
    for (backend, engine) in [
        (BackendKind::Flex, Engine::Fused),
        (BackendKind::Ndarray, Engine::Fused),
        (BackendKind::Flex, Engine::Reference),
    ] {
        let dev = device(backend, true);
        let mut w = Weights::init(78, 64, 0);
        let mut opt = AdamState::default();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        g.bench_function(
            format!("train epoch, {} windows ({backend}, {engine})", win.m),
            |b| {
                b.iter(|| {
                    epoch(
                        &mut w,
                        &mut opt,
                        &AdamSettings::default(),
                        &win,
                        32,
                        &mut rng,
                        &dev,
                        engine,
                        &mut |_, _, _| true,
                    )
                    .loss
                })
            },
        );
    }
    // The fused recurrence alone, forward and BPTT, on one batch of the exercise's shape.
    {
        let (t, b, a) = (30, 32, 64);
        let xp: Vec<f32> = (0..t * b * 4 * a)
            .map(|i| ((i % 97) as f32 - 48.0) * 0.01)
            .collect();
        let u: Vec<f32> = (0..a * 4 * a)
            .map(|i| ((i % 89) as f32 - 44.0) * 0.002)
            .collect();
        g.bench_function("recurrence forward + backward, one batch", |bench| {
            bench.iter(|| {
                let cache = improv::model::lstm::forward(&xp, &u, b, t, a);
                improv::model::lstm::backward(&cache, &cache.hs).1.len()
            })
        });
    }
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
    g.finish();
}

criterion_group!(benches, model);
criterion_main!(benches);
