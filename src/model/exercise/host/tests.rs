//! Tests of the host training step: against burn's gradients, on one thread and several.

use super::*;
use crate::model::BackendKind;
use crate::model::exercise::net::batch_grads;
use crate::model::{Engine, device};
use rand::{Rng, SeedableRng};

fn case(v: usize, a: usize, b: usize, tx: usize) -> (Weights, Vec<i32>, Vec<i32>) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let mut w = Weights::init(v, a, 2);
    w.b.iter_mut()
        .for_each(|x| *x = rng.random_range(-0.5..0.5));
    w.b_y
        .iter_mut()
        .for_each(|x| *x = rng.random_range(-0.5..0.5));
    let x = (0..b * tx)
        .map(|i| {
            if i % tx == 0 {
                -1
            } else {
                rng.random_range(0..v as i32)
            }
        })
        .collect();
    let y = (0..b * tx)
        .map(|i| {
            if i % 11 == 3 {
                -1
            } else {
                rng.random_range(0..v as i32)
            }
        })
        .collect();
    (w, x, y)
}

#[test]
fn the_host_step_matches_the_reference_graph_on_every_path_and_thread_count() {
    use crate::model::cpu::fastmath::{capped, simd_level};
    use crate::model::cpu::kernels::{Kernel, best, runnable, with};
    // Odd sizes, so every kernel edge and an uneven split are exercised.
    let (v, a, b, tx) = (13, 9, 7, 6);
    let (w, x, y) = case(v, a, b, tx);
    let dev = device(BackendKind::Flex, true);
    let r = batch_grads(&w, &x, &y, b, tx, &dev, Engine::Reference);
    // Each matrix kernel and each width of the element-wise loops, on this thread;
    // then the best path on two and three threads.
    let mut paths: Vec<(Kernel, u8, usize)> = Vec::new();
    if simd_level() < 2 {
        eprintln!("skipped: this CPU has no AVX-512 for the element-wise loops");
    }
    for kernel in runnable() {
        for level in (0..=simd_level()).rev() {
            paths.push((kernel, level, 1));
        }
    }
    paths.extend([(best(), 2, 2), (best(), 2, 3)]);
    for (kernel, level, threads) in paths {
        let mut step = HostStep::default();
        let par = Parallel::new(threads);
        let got = with(kernel, || {
            capped(level, || step.run(&w, &x, &y, b, tx, &par))
        });
        assert!((got.loss - r.loss).abs() < 1e-5 * r.loss.abs().max(1.0));
        assert!((got.total_nats - r.total_nats).abs() < 1e-4 * r.total_nats.max(1.0));
        assert_eq!(got.targets, r.targets);
        for (k, (g, q)) in step.grads().iter().zip(&r.grads).enumerate() {
            assert_eq!(g.len(), q.len(), "gradient {k}");
            let worst = crate::model::max_diff(g, q);
            assert!(
                worst < 1e-5,
                "{threads} threads: gradient {k} off by {worst}"
            );
            assert!(q.iter().any(|&g| g != 0.0), "gradient {k} is all zero");
        }
    }
}

#[test]
fn the_threaded_adam_step_is_adam_s_own_step() {
    let (w, x, y) = case(13, 9, 7, 6);
    // A low clip, so the clipping factor is in play.
    let s = AdamSettings {
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
            step.run(&w2, &x, &y, 7, 6, &par);
            let g = step.grads().clone();
            let mut w1 = w2.clone();
            assert!(o1.step_if_finite(&s, &mut w1.arrays_mut(), &g));
            assert!(step.adam_step(&mut w2, &mut o2, &s, &par));
            let moved = (w1.u[3] - w.u[3]).abs();
            assert!(moved > 0.0);
            for (p, q) in w1.arrays_mut().iter().zip(w2.clone().arrays_mut()) {
                for (p, q) in p.iter().zip(q.iter()) {
                    assert!((p - q).abs() <= 1e-6 * p.abs().max(1.0), "{p} vs {q}");
                }
            }
        }
        assert_eq!(o2.updates, 2);
    }
}

#[test]
fn a_nan_weight_stops_the_update() {
    let (mut w, x, y) = case(11, 8, 6, 5);
    w.w_y[4] = f32::NAN;
    let par = Parallel::new(2);
    let mut step = HostStep::default();
    let mut opt = AdamState::default();
    let before = w.clone();
    step.run(&w, &x, &y, 6, 5, &par);
    assert!(!step.adam_step(&mut w, &mut opt, &AdamSettings::default(), &par));
    assert_eq!(opt.updates, 0);
    assert!(w.u == before.u && w.w_x == before.w_x);
}

#[test]
fn batched_loss_matches_the_step_by_step_forward_pass() {
    // 70 windows: one full chunk of 64 and a ragged one.
    let (w, x, y) = case(12, 10, 70, 4);
    let (nats, n) = loss(&w, &x, &y, 70, 4);
    let (want, want_n) = w.loss(&x, &y, 70, 4);
    assert_eq!(n, want_n);
    assert!((nats - want).abs() < 1e-4 * want, "{nats} vs {want}");
}

#[test]
fn a_step_gives_the_same_bits_every_run_and_after_a_larger_batch() {
    let (w, x, y) = case(11, 8, 6, 5);
    let par = Parallel::new(2);
    let mut step = HostStep::default();
    let first = step.run(&w, &x, &y, 6, 5, &par);
    let grads = step.grads().clone();
    // A smaller batch in between leaves nothing behind in the reused buffers.
    step.run(&w, &x[..10], &y[..10], 2, 5, &par);
    let again = step.run(&w, &x, &y, 6, 5, &par);
    assert_eq!(first.loss.to_bits(), again.loss.to_bits());
    assert_eq!(&grads, step.grads());
}
