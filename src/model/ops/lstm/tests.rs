//! Tests of the fused LSTM recurrence: against the reference graph, on every kernel.

use crate::model::BackendKind;
use crate::model::exercise::net::batch_grads;
use crate::model::exercise::weights::Weights;
use crate::model::{Engine, device};
use rand::{Rng, SeedableRng};

#[test]
fn fused_recurrence_matches_the_reference_graph_forward_and_backward() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
    let (v, a, b, tx) = (11, 7, 5, 6);
    let mut w = Weights::init(v, a, 4);
    // Random biases too, so every gate path is exercised.
    w.b.iter_mut()
        .for_each(|x| *x = rng.random_range(-0.5..0.5));
    w.b_y
        .iter_mut()
        .for_each(|x| *x = rng.random_range(-0.5..0.5));
    let x: Vec<i32> = (0..b * tx)
        .map(|i| {
            if i % tx == 0 {
                -1
            } else {
                rng.random_range(0..v as i32)
            }
        })
        .collect();
    let y: Vec<i32> = (0..b * tx)
        .map(|i| {
            if i % 9 == 4 {
                -1
            } else {
                rng.random_range(0..v as i32)
            }
        })
        .collect();
    for backend in [BackendKind::Flex, BackendKind::Ndarray] {
        let dev = device(backend, true);
        let fused = batch_grads(&w, &x, &y, b, tx, &dev, Engine::Fused);
        let reference = batch_grads(&w, &x, &y, b, tx, &dev, Engine::Reference);
        assert!(
            (fused.loss - reference.loss).abs() < 1e-5,
            "{} vs {}",
            fused.loss,
            reference.loss
        );
        for (k, (f, r)) in fused.grads.iter().zip(&reference.grads).enumerate() {
            assert_eq!(f.len(), r.len());
            let worst = crate::model::max_diff(f, r);
            assert!(worst < 1e-5, "{backend}: gradient {k} differs by {worst}");
            assert!(r.iter().any(|&g| g != 0.0), "gradient {k} is all zero");
        }
    }
}

#[test]
#[allow(clippy::needless_range_loop)] // indices mirror the [T, B, ·] layout
fn forward_matches_the_plain_step() {
    let w = Weights::init(4, 3, 2);
    let (t, b, a) = (5, 2, 3);
    let xs = [[0usize, 2, 1, 3, 0], [1, 1, 2, 0, 3]];
    let mut xp = vec![0.0f32; t * b * 4 * a];
    for s in 0..t {
        for r in 0..b {
            let row = &w.w_x[xs[r][s] * 4 * a..(xs[r][s] + 1) * 4 * a];
            for j in 0..4 * a {
                xp[(s * b + r) * 4 * a + j] = row[j] + w.b[j];
            }
        }
    }
    // The test built xp step-major; lay it out batch-major.
    let mut bt = vec![0.0f32; xp.len()];
    for s in 0..t {
        for r in 0..b {
            let (from, to) = ((s * b + r) * 4 * a, (r * t + s) * 4 * a);
            bt[to..to + 4 * a].copy_from_slice(&xp[from..from + 4 * a]);
        }
    }
    let cache = super::forward(&bt, &w.u, b, t, a);
    for r in 0..b {
        let (mut h, mut c, mut z) = (vec![0.0; a], vec![0.0; a], Vec::new());
        for s in 0..t {
            w.step(Some(xs[r][s]), &mut h, &mut c, &mut z);
            for j in 0..a {
                assert!((cache.hs[(r * t + s) * a + j] - h[j]).abs() < 1e-6);
            }
        }
    }
}

#[test]
fn streamed_bptt_gives_what_the_kept_one_does() {
    // Batches smaller and larger than a pass of du, windows shorter and longer than the
    // ring, with and without an initial state.
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    for (b, t, a, start) in [(1, 150, 3, false), (3, 9, 4, true), (200, 4, 2, true)] {
        let g4 = 4 * a;
        let mut fill =
            |n: usize| -> Vec<f32> { (0..n).map(|_| rng.random_range(-1.0..1.0)).collect() };
        let (xp, u, dhs) = (fill(b * t * g4), fill(a * g4), fill(b * t * a));
        let init = start.then(|| [fill(b * a), fill(b * a)]);
        let cache = super::forward_from(xp, &u, (b, t, a), init, |_, _| {});
        let mut seen = vec![0.0f32; b * t * g4];
        let (dxp, du) = super::backward_sink(&cache, &dhs, |_, _| {});
        let streamed = super::backward_streamed(&cache, &dhs, None, |row, dz| {
            seen[row * g4..(row + 1) * g4].copy_from_slice(dz);
        });
        assert_eq!(streamed, du, "b {b}, t {t}: du");
        assert_eq!(seen, dxp, "b {b}, t {t}: the rows the sink saw");
        assert!(du.iter().any(|&g| g != 0.0));
    }
}

#[test]
fn streamed_bptt_takes_a_dense_input_s_gradients_as_products_would() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    for (b, t, a, i) in [(1, 150, 3, 2), (3, 9, 4, 5), (200, 4, 2, 3)] {
        let g4 = 4 * a;
        let mut fill =
            |n: usize| -> Vec<f32> { (0..n).map(|_| rng.random_range(-1.0..1.0)).collect() };
        let (xp, u, dhs) = (fill(b * t * g4), fill(a * g4), fill(b * t * a));
        let (x, w) = (fill(b * t * i), fill(i * g4));
        let cache = super::forward(&xp, &u, b, t, a);
        let (dxp, du) = super::backward_sink(&cache, &dhs, |_, _| {});
        let n = b * t;
        let mut want_dw = vec![0.0f32; i * g4];
        let mut want_dx = vec![0.0f32; n * i];
        for row in 0..n {
            for k in 0..i {
                for j in 0..g4 {
                    want_dw[k * g4 + j] += x[row * i + k] * dxp[row * g4 + j];
                    want_dx[row * i + k] += dxp[row * g4 + j] * w[k * g4 + j];
                }
            }
        }
        let (mut dw, mut dx) = (vec![f32::NAN; i * g4], vec![f32::NAN; n * i]);
        let side = super::InputSide {
            x: &x,
            w: &w,
            dw: &mut dw,
            dx: &mut dx,
        };
        let streamed = super::backward_streamed(&cache, &dhs, Some(side), |_, _| {});
        assert_eq!(streamed, du, "b {b}, t {t}: du");
        let (ew, ex) = (
            crate::model::max_diff(&dw, &want_dw),
            crate::model::max_diff(&dx, &want_dx),
        );
        assert!(
            ew < 1e-4 && ex < 1e-4,
            "b {b}, t {t}: dw off by {ew}, dx by {ex}"
        );
    }
}
