//! Tests of the conditioned host step: against the fused burn operations' gradients on every
//! kernel path and thread count, Adam, and whole epochs beside the fused path's.

use super::*;
use crate::dataset::events::EventWindows;
use crate::model::conditioned::fit::epoch;
use crate::model::conditioned::net::{BatchScratch, batch_grads, dropout_mask};
use crate::model::conditioned::{CondSpec, Heads};
use crate::model::fit::Step;
use crate::model::{BackendKind, Engine, device};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn spec(layers: usize, heads: Heads, dropout: f32) -> CondSpec {
    CondSpec {
        n_a: 9,
        layers,
        dropout,
        heads,
        n_pitch: 5,
        n_dur: 3,
        // The V1 layout's width: the host step projects its groups one by one.
        n_feat: crate::tokens::events::FeatureLayout::V1.len,
    }
}

/// `m` windows of `tx` random events: every kind of index (the start rows, and an out of
/// range one the lookups clamp), sparse features with values other than 1, and a few
/// padding targets.
fn windows(rng: &mut ChaCha8Rng, s: &CondSpec, m: usize, tx: usize) -> EventWindows {
    let n = m * tx;
    let mut w = EventWindows {
        m,
        tx,
        prev_p: (0..n)
            .map(|_| rng.random_range(-1..=s.n_pitch as i32))
            .collect(),
        prev_d: (0..n)
            .map(|_| rng.random_range(0..=s.n_dur as i32 + 1))
            .collect(),
        feats: (0..n * s.n_feat)
            .map(|_| match rng.random_range(0..10) {
                0..4 => 1.0,
                4 => rng.random_range(-1.0..1.0),
                _ => 0.0,
            })
            .collect(),
        y_p: (0..n)
            .map(|_| rng.random_range(0..s.n_pitch as i32))
            .collect(),
        y_d: (0..n)
            .map(|_| rng.random_range(0..s.n_dur as i32))
            .collect(),
        starts: Vec::new(),
    };
    for i in (0..n).filter(|i| i % 11 == 4) {
        w.y_p[i] = -1;
        w.y_d[i] = -1;
    }
    // A pitch with no duration: the joint head skips it, the split heads do not.
    w.y_d[n / 2] = -1;
    w
}

/// Weights with random biases everywhere, so every gate path is exercised.
fn weights(s: CondSpec, rng: &mut ChaCha8Rng) -> CondWeights {
    let mut w = CondWeights::init(s, 2);
    for a in w.arrays_mut() {
        a.iter_mut().for_each(|x| *x += rng.random_range(-0.3..0.3));
    }
    w
}

/// The largest difference, relative to the reference's largest value where that is over 1.
fn rel_diff(got: &[f32], want: &[f32]) -> f32 {
    let scale = want.iter().fold(1.0f32, |m, x| m.max(x.abs()));
    crate::model::max_diff(got, want) / scale
}

#[test]
fn the_host_step_matches_the_fused_operations_on_every_shape_path_and_thread_count() {
    use crate::model::cpu::fastmath::{capped, simd_level};
    use crate::model::cpu::kernels::{Kernel, available, with};
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    let dev = device(BackendKind::Flex, true);
    let mut paths: Vec<(Kernel, u8, usize)> = Vec::new();
    for kernel in [Kernel::Avx512, Kernel::Gemm]
        .into_iter()
        .filter(|&k| available(k))
    {
        for level in (0..=simd_level()).rev() {
            paths.push((kernel, level, 1));
        }
    }
    paths.extend([(Kernel::Avx512, 2, 2), (Kernel::Avx512, 2, 3)]);
    for (layers, heads, dropout) in [
        (1, Heads::Split, 0.0),
        (1, Heads::Joint, 0.0),
        (2, Heads::Split, 0.0),
        (2, Heads::Split, 0.4),
        (2, Heads::Joint, 0.4),
    ] {
        let s = spec(layers, heads, dropout);
        let w = weights(s, &mut rng);
        // Seven windows of six: odd sizes, an uneven split over threads.
        let win = windows(&mut rng, &s, 7, 6);
        let mut buf = BatchScratch::default();
        let batch = buf.gather(&win, &[3, 0, 6, 1, 5, 2, 4]);
        let mask = dropout_mask(&w, 42, &mut rng);
        assert_eq!(mask.is_some(), dropout > 0.0);
        let r = batch_grads(&w, &batch, &dev, Engine::Fused, mask.as_deref());
        let case = format!("{layers} layers, {heads:?}, dropout {dropout}");
        for &(kernel, level, threads) in &paths {
            let mut step = HostStep::default();
            let par = Parallel::new(threads);
            let got = with(kernel, || {
                capped(level, || step.run(&w, &batch, mask.as_deref(), &par))
            });
            let at = format!("{case}, {kernel}, level {level}, {threads} threads");
            assert!((got.loss - r.loss).abs() < 1e-5 * r.loss.max(1.0), "{at}");
            assert!(
                (got.total_nats - r.total_nats).abs() < 1e-5 * r.total_nats,
                "{at}"
            );
            assert_eq!(got.targets, r.targets);
            assert_eq!(step.grads().len(), r.grads.len());
            for (k, (g, q)) in step.grads().iter().zip(&r.grads).enumerate() {
                let worst = rel_diff(g, q);
                assert!(worst < 1e-5, "{at}: gradient {k} off by {worst}");
                assert!(
                    q.iter().any(|&g| g != 0.0),
                    "{at}: gradient {k} is all zero"
                );
            }
        }
    }
}

#[test]
fn the_threaded_adam_step_is_adam_s_own_step() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let s = spec(2, Heads::Split, 0.0);
    let w = weights(s, &mut rng);
    let win = windows(&mut rng, &s, 5, 4);
    let mut buf = BatchScratch::default();
    let batch = buf.gather(&win, &[0, 1, 2, 3, 4]);
    // A low clip, so the clipping factor is in play.
    let settings = AdamSettings {
        clip: Some(0.05),
        ..AdamSettings::default()
    };
    for threads in [1, 2, 3] {
        let par = Parallel::new(threads);
        let mut step = HostStep::default();
        let (mut o1, mut o2) = (AdamState::default(), AdamState::default());
        let mut w2 = w.clone();
        // Two updates, so the moments count too.
        for _ in 0..2 {
            step.run(&w2, &batch, None, &par);
            let g = step.grads().to_vec();
            let mut w1 = w2.clone();
            assert!(o1.step_if_finite(&settings, &mut w1.arrays_mut(), &g));
            assert!(step.adam_step(&mut w2, &mut o2, &settings, &par));
            assert!((w1.recurrent[3] - w.recurrent[3]).abs() > 0.0);
            for (p, q) in w1.arrays().iter().zip(w2.arrays()) {
                for (p, q) in p.iter().zip(q.iter()) {
                    assert!((p - q).abs() <= 1e-6 * p.abs().max(1.0), "{p} vs {q}");
                }
            }
        }
        assert_eq!(o2.updates, 2);
    }
}

#[test]
fn a_nan_weight_stops_the_update_and_a_step_repeats_bit_for_bit() {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let s = spec(1, Heads::Joint, 0.0);
    let mut w = weights(s, &mut rng);
    let win = windows(&mut rng, &s, 6, 5);
    let mut buf = BatchScratch::default();
    let par = Parallel::new(2);
    let mut step = HostStep::default();
    let first = step.run(&w, &buf.gather(&win, &[0, 1, 2, 3, 4, 5]), None, &par);
    let grads = step.grads().to_vec();
    // A smaller batch in between leaves nothing behind in the reused buffers.
    step.run(&w, &buf.gather(&win, &[4, 5]), None, &par);
    let again = step.run(&w, &buf.gather(&win, &[0, 1, 2, 3, 4, 5]), None, &par);
    assert_eq!(first.loss.to_bits(), again.loss.to_bits());
    assert_eq!(grads, step.grads());
    w.heads[0].kernel[4] = f32::NAN;
    let before = w.clone();
    let mut opt = AdamState::default();
    step.run(&w, &buf.gather(&win, &[0, 1, 2]), None, &par);
    assert!(!step.adam_step(&mut w, &mut opt, &AdamSettings::default(), &par));
    assert_eq!(opt.updates, 0);
    assert!(w.recurrent == before.recurrent && w.pitch == before.pitch);
}

/// Mean nats per event of each of `epochs` epochs of `engine` on `threads` threads.
fn epoch_losses(s: CondSpec, engine: Engine, threads: usize, epochs: usize) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(6);
    let mut w = weights(s, &mut rng);
    let win = windows(&mut rng, &s, 24, 8);
    train_epochs(&mut w, (&win, 5), (engine, threads), epochs, 7)
}

/// Mean nats per event of each of `epochs` epochs over `win` in batches of `batch`, on
/// `engine` with `threads` threads, the batches drawn with `seed`.
fn train_epochs(
    w: &mut CondWeights,
    (win, batch): (&EventWindows, usize),
    (engine, threads): (Engine, usize),
    epochs: usize,
    seed: u64,
) -> Vec<f64> {
    let settings = AdamSettings {
        clip: Some(1.0),
        ..AdamSettings::default()
    };
    let (dev, par) = (device(BackendKind::Flex, true), Parallel::new(threads));
    let step = Step::new(&settings, &dev, engine, &par);
    let (mut opt, mut scratch) = (AdamState::default(), BatchScratch::default());
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..epochs)
        .map(|_| epoch(w, &mut opt, &step, (win, batch), &mut rng, &mut scratch))
        .collect()
}

#[test]
fn epochs_on_the_host_match_the_fused_path_epoch_by_epoch() {
    // Dropout draws the same masks from the same stream on both paths.
    for s in [spec(1, Heads::Split, 0.0), spec(2, Heads::Joint, 0.3)] {
        for threads in [1, 2] {
            let host = epoch_losses(s, Engine::Host, threads, 6);
            let fused = epoch_losses(s, Engine::Fused, threads, 6);
            assert!(host[5] < host[0] - 0.05, "it learns: {host:?}");
            for (e, (h, f)) in host.iter().zip(&fused).enumerate() {
                assert!((h - f).abs() < 1e-5 * f, "epoch {e}: {h} vs {f}");
            }
        }
    }
}

/// Each window's initial state [B, L, 2, A], none of it zero.
fn initial_states(rng: &mut ChaCha8Rng, s: &CondSpec, b: usize) -> Vec<f32> {
    (0..b * s.state_len())
        .map(|_| rng.random_range(0.05..0.9) * if rng.random_bool(0.5) { -1.0 } else { 1.0 })
        .collect()
}

#[test]
fn from_a_carried_state_the_host_step_matches_the_reference_graph() {
    use crate::model::conditioned::net::{Batch, batch_grads_carried};
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let dev = device(BackendKind::Flex, true);
    for (layers, heads, dropout) in [
        (1, Heads::Split, 0.0),
        (2, Heads::Split, 0.4),
        (2, Heads::Joint, 0.0),
    ] {
        let s = spec(layers, heads, dropout);
        let w = weights(s, &mut rng);
        let win = windows(&mut rng, &s, 5, 6);
        let init = initial_states(&mut rng, &s, 5);
        let mut buf = BatchScratch::default();
        let zero = buf.gather(&win, &[4, 0, 2, 1, 3]);
        let batch = Batch {
            init: Some(&init),
            ..zero
        };
        let mask = dropout_mask(&w, 30, &mut rng);
        let (r, last) = batch_grads_carried(&w, &batch, &dev, Engine::Reference, mask.as_deref());
        let last = last.expect("the reference graph gives its states");
        let from_zero = batch_grads(&w, &zero, &dev, Engine::Reference, mask.as_deref());
        let case = format!("{layers} layers, {heads:?}, dropout {dropout}");
        for threads in [1, 2] {
            let mut step = HostStep::default();
            let got = step.run(&w, &batch, mask.as_deref(), &Parallel::new(threads));
            let at = format!("{case}, {threads} threads");
            assert!(
                (got.total_nats - r.total_nats).abs() < 1e-5 * r.total_nats,
                "{at}"
            );
            assert!(
                (from_zero.total_nats - r.total_nats).abs() > 1e-3,
                "{at}: no difference"
            );
            for (k, (g, q)) in step.grads().iter().zip(&r.grads).enumerate() {
                let worst = rel_diff(g, q);
                assert!(worst < 1e-5, "{at}: gradient {k} off by {worst}");
            }
            let worst = crate::model::max_diff(step.last_state(), &last);
            assert!(worst < 1e-5, "{at}: final states off by {worst}");
        }
        // Only the recurrent kernels' gradients reach back to the initial state.
        let recurrent = [4].into_iter().chain((layers > 1).then_some(6));
        for k in recurrent {
            let moved = crate::model::max_diff(&r.grads[k], &from_zero.grads[k]);
            assert!(
                moved > 1e-6,
                "{case}: recurrent gradient {k} ignores the state"
            );
        }
    }
}

/// Mean nats per event of `epochs` epochs of `engine` over windows that carry their state:
/// pieces of 3, 2, 1 and 4 windows in 2 lanes.
fn carried_epochs(s: CondSpec, engine: Engine, threads: usize, epochs: usize) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(16);
    let mut w = weights(s, &mut rng);
    let mut win = windows(&mut rng, &s, 10, 5);
    win.starts = [1, 0, 0, 1, 0, 1, 1, 0, 0, 0].map(|v| v == 1).to_vec();
    train_epochs(&mut w, (&win, 2), (engine, threads), epochs, 17)
}

#[test]
fn carried_epochs_on_the_host_match_the_reference_graph_and_the_fused_engine_refuses() {
    for s in [spec(1, Heads::Split, 0.0), spec(2, Heads::Joint, 0.3)] {
        let reference = carried_epochs(s, Engine::Reference, 1, 3);
        for threads in [1, 2] {
            let host = carried_epochs(s, Engine::Host, threads, 3);
            assert!(host[2] < host[0], "it learns: {host:?}");
            for (e, (h, r)) in host.iter().zip(&reference).enumerate() {
                assert!((h - r).abs() < 1e-5 * r, "epoch {e}: {h} vs {r}");
            }
        }
        let fused = std::panic::catch_unwind(|| carried_epochs(s, Engine::Fused, 1, 1));
        let why = fused.expect_err("the fused engine cannot carry the state");
        let why = why.downcast_ref::<String>().map_or("", String::as_str);
        assert!(why.contains("cannot carry"), "{why}");
    }
}
