//! `improv bench peak`: one core's measured FMA throughput, and beside it what each
//! training product and each kind's whole training step reach (GFLOP/s, share of peak).
//! Each figure is the best of its runs, timed in the thread's own CPU time: other work on
//! the machine only ever slows a run.

use super::train::thread_cpu_secs;
use improv::model::cpu::kernels::{self, Kernel};
use improv::model::cpu::peak;

/// One measured line: what, GFLOP/s, share of the peak.
struct Line {
    what: String,
    gflops: f64,
}

pub(super) fn peak(runs: usize, json: bool) -> anyhow::Result<()> {
    let (isa, before) = best_fma(runs);
    let mut lines = Vec::new();
    for kernel in [Kernel::Avx512, Kernel::Avx2, Kernel::Gemm] {
        if kernels::available(kernel) {
            products(kernel, runs, &mut lines);
        }
    }
    steps(runs, &mut lines)?;
    // Measured again after the products, the best of both: a core that was slow to reach
    // its speed at the start does not make the products look faster than its peak.
    let fma = before.max(best_fma(runs).1);
    if json {
        let rows: Vec<_> = lines
            .iter()
            .map(|l| serde_json::json!({"what": l.what, "gflops": l.gflops, "share": l.gflops / fma}))
            .collect();
        let out = serde_json::json!({"isa": isa.to_string(), "peak_gflops": fma, "rows": rows});
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!("one core's FMA peak ({isa}, {ACC_NOTE}): {fma:.1} GFLOP/s; best of {runs} runs");
    for l in lines {
        println!(
            "{:<58} {:>8.1} GFLOP/s {:>5.1}%",
            l.what,
            l.gflops,
            100.0 * l.gflops / fma
        );
    }
    Ok(())
}

const ACC_NOTE: &str = "register-only loop, 12 independent accumulators";

fn best_fma(runs: usize) -> (peak::FmaIsa, f64) {
    // About a tenth of a second a run on a current core.
    let (isa, _) = peak::fma_loop(1 << 16);
    let best = (0..runs.max(3) * 4)
        .map(|_| {
            let c0 = thread_cpu_secs();
            let (_, flops) = peak::fma_loop(1 << 20);
            flops / (thread_cpu_secs() - c0).max(1e-9) * 1e-9
        })
        .fold(0.0, f64::max);
    (isa, best)
}

/// Best GFLOP/s of `f` doing `flops` each call, over 4·`runs` runs of about 5 ms of CPU.
fn best_rate(runs: usize, flops: f64, f: &mut dyn FnMut()) -> f64 {
    f();
    let c0 = thread_cpu_secs();
    f();
    let reps = (0.005 / (thread_cpu_secs() - c0).max(1e-7)).clamp(1.0, 1e5) as usize;
    (0..runs * 4)
        .map(|_| {
            let c0 = thread_cpu_secs();
            (0..reps).for_each(|_| f());
            flops * reps as f64 / (thread_cpu_secs() - c0).max(1e-9) * 1e-9
        })
        .fold(0.0, f64::max)
}

/// Deterministic test values, small and of both signs.
fn fill(len: usize) -> Vec<f32> {
    (0..len)
        .map(|i| ((i * 37 % 101) as f32 - 50.0) * 0.01)
        .collect()
}

/// The flops of an m×k by k×n product.
fn flops(m: usize, k: usize, n: usize) -> f64 {
    2.0 * (m * k * n) as f64
}

/// Measures one product: what it is, its flops, and the call.
type Rate<'a> = dyn FnMut(String, f64, &mut dyn FnMut()) + 'a;

/// The conditioned kind's products at n_a 128, batch 32, windows of 64, as the training
/// step calls them (strides included), on `kernel`.
fn products(kernel: Kernel, runs: usize, lines: &mut Vec<Line>) {
    let spec = improv::model::conditioned::CondSpec::events(
        128,
        1,
        0.0,
        improv::model::conditioned::Heads::Split,
    );
    let (b, t, a) = (32usize, 64usize, spec.n_a);
    let hs = fill(b * t * a);
    let mut rate = |what: String, flops: f64, f: &mut dyn FnMut()| {
        let gflops = kernels::with(kernel, || best_rate(runs, flops, f));
        lines.push(Line {
            what: format!("{kernel:<6} {what}"),
            gflops,
        });
    };
    recurrent_products((b, t, a), &hs, &mut rate);
    // The heads' kernels side by side: one product each way for all of them.
    head_products((b * t, a, spec.head_sizes().iter().sum()), &hs, &mut rate);
}

/// The recurrence's products as the step makes them: a step forward and a step back (u
/// packed once, on the kernel measured, as each pass of the recurrence does for its steps),
/// the recurrent weights' gradient.
fn recurrent_products((b, t, a): (usize, usize, usize), hs: &[f32], rate: &mut Rate<'_>) {
    let (g, n) = (4 * a, b * t);
    let u = fill(a * g);
    let (mut z, dz) = (fill(n * g), fill(n * g));
    let mut dh = fill(b * a);
    let mut du = fill(a * g);
    let (mut up, mut ut) = (None, None);
    rate(
        format!("recurrent step h·u ({b}×{a}·{a}×{g})"),
        flops(b, a, g),
        &mut || {
            let up = up.get_or_insert_with(|| kernels::PackedB::new(a, g, &u, (g, 1)));
            kernels::gemm_packed(b, hs, (t * a, 1), up, 1.0, &mut z, t * g)
        },
    );
    rate(
        format!("BPTT step dz·uᵀ ({b}×{g}·{g}×{a})"),
        flops(b, g, a),
        &mut || {
            let ut = ut.get_or_insert_with(|| kernels::PackedB::new(g, a, &u, (1, g)));
            kernels::gemm_packed(b, &dz, (t * g, 1), ut, 0.0, &mut dh, a)
        },
    );
    rate(
        format!("recurrent-weight gradient ({a}×{n}·{n}×{g})"),
        flops(a, n, g),
        &mut || kernels::gemm(a, n, g, hs, (1, a), &dz, (g, 1), 0.0, &mut du, g),
    );
}

/// The heads' `v` outputs in all over `n` rows of `a` hidden values: forward and both gradients.
fn head_products((n, a, v): (usize, usize, usize), hs: &[f32], rate: &mut Rate<'_>) {
    let w = fill(a * v);
    let mut logits = fill(n * v);
    let d = fill(n * v);
    let mut dw = fill(a * v);
    let mut dhh = fill(n * a);
    rate(
        format!("heads forward ({n}×{a}·{a}×{v})"),
        flops(n, a, v),
        &mut || kernels::gemm(n, a, v, hs, (a, 1), &w, (v, 1), 0.0, &mut logits, v),
    );
    rate(
        format!("heads weight gradient, transposed ({v}×{n}·{n}×{a})"),
        flops(a, n, v),
        &mut || kernels::gemm(v, n, a, &d, (1, v), hs, (a, 1), 0.0, &mut dw, a),
    );
    rate(
        format!("heads input gradient ({n}×{v}·{v}×{a})"),
        flops(n, v, a),
        &mut || kernels::gemm(n, v, a, &d, (v, 1), &w, (1, v), 0.0, &mut dhh, a),
    );
}

/// Each kind's whole training step on one thread (forward, backward, Adam), its products'
/// flops counted analytically (`model::peak`).
fn steps(runs: usize, lines: &mut Vec<Line>) -> anyhow::Result<()> {
    use improv::model::cpu::parallel::Parallel;
    use improv::model::exercise::fit::{BatchScratch, train_batch};
    use improv::model::exercise::weights::Weights;
    use improv::model::fit::Step;
    use improv::model::optim::adam::{AdamSettings, AdamState};
    use improv::model::{BackendKind, Engine, device};
    let (v, a, t, b) = (78u32, 64usize, 30usize, 32usize);
    let stream: Vec<u32> = (0..4000u32).map(|i| (i * 7 + i / 3 + i / 11) % v).collect();
    let win = improv::dataset::make_windows(&[stream], t, t, v as usize);
    let idx: Vec<usize> = (0..b.min(win.m)).collect();
    let dev = device(BackendKind::Flex, true);
    let mut w = Weights::init(v as usize, a, 0);
    let mut opt = AdamState::default();
    let settings = AdamSettings::default();
    let parallel = Parallel::new(1);
    let step = Step::new(&settings, &dev, Engine::Host, &parallel);
    let mut buf = BatchScratch::default();
    let flops = peak::exercise_step_flops(idx.len(), t, a, v as usize);
    let gflops = best_rate(runs, flops, &mut || {
        train_batch(&mut w, &mut opt, &step, (&win, &idx[..]), &mut buf);
    });
    lines.push(Line {
        what: format!("exercise step, host (B {b}, T {t}, n_a {a}, {v} values)"),
        gflops,
    });
    for engine in [Engine::Host, Engine::Fused] {
        lines.push(conditioned_step(runs, engine));
    }
    Ok(())
}

/// The conditioned kind's epochs on `improv bench speed`'s data, one thread.
fn conditioned_step(runs: usize, engine: improv::model::Engine) -> Line {
    use improv::model::conditioned::CondWeights;
    use improv::model::conditioned::fit::epoch;
    use improv::model::conditioned::net::BatchScratch;
    use improv::model::cpu::parallel::Parallel;
    use improv::model::fit::Step;
    use improv::model::optim::adam::AdamState;
    use improv::model::{BackendKind, device};
    use rand::SeedableRng;
    let (spec, data, settings) = improv::fixtures::conditioned_bench();
    let dev = device(BackendKind::Flex, true);
    let mut w = CondWeights::init(spec, 0);
    let mut opt = AdamState::default();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let heads: usize = spec.head_sizes().iter().sum();
    let win = &data.train;
    let per_window = peak::conditioned_step_flops((1, win.tx), (spec.n_a, spec.layers), heads);
    let flops = per_window * win.m as f64;
    let parallel = Parallel::new(1);
    let step = Step::new(&settings, &dev, engine, &parallel);
    let mut scratch = BatchScratch::default();
    let gflops = best_rate(runs, flops, &mut || {
        epoch(&mut w, &mut opt, &step, (win, 32), &mut rng, &mut scratch);
    });
    Line {
        what: format!(
            "conditioned step, {engine} (B 32, T {}, n_a {}, {heads} classes)",
            win.tx, spec.n_a
        ),
        gflops,
    }
}
