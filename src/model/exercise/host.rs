//! The exercise network's whole training step on the host, with no graph: input lookup and
//! the fused recurrence, the output layer and softmax cross-entropy, and their backward
//! passes written out, into buffers kept from batch to batch (a warm step allocates
//! nothing). Each thread takes a contiguous slice of the batch; the slices' gradients are
//! added in slice order, so results never depend on scheduling. burn's autodiff graph of
//! the same network (`net::batch_grads`) is the reference it is tested against.

use crate::model::cpu::kernels::{gemm, transpose};
use crate::model::cpu::parallel::{Parallel, slice_iter};
use crate::model::cpu::pool::{self, Pool};
use crate::model::cpu::reduce::{adam_parts, sum_slices};
use crate::model::exercise::weights::Weights;
use crate::model::ops::lstm::{Cache, backward_streamed, forward_fill};
use crate::model::ops::xent::{nll_grad_cols, nll_in_place};
use crate::model::optim::adam::{AdamSettings, AdamState};

/// What one slice of a batch computed: gradients of the whole batch's loss from its windows.
#[derive(Default)]
struct SliceGrads {
    /// Gradients in `Weights` order: w_x, u, b, w_y, b_y.
    grads: [Vec<f32>; 5],
    total_nats: f64,
    targets: usize,
    /// Targets as the softmax reads them (kept to reuse the buffer).
    t64: Vec<i64>,
}

/// The buffers of host training steps: one slice's worth per thread.
#[derive(Default)]
pub struct HostStep {
    /// Each slice\'s scratch buffers.
    pools: Vec<Pool>,
    parts: Vec<SliceGrads>,
    bounds: Vec<(usize, usize)>,
    /// The norm of the last batch's gradient.
    norm: f64,
}

/// A batch's loss (the exercise's: batch-mean cross-entropy summed over steps), its summed
/// nats and its number of targets; the gradients stay in the step's buffers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepLoss {
    pub loss: f64,
    pub total_nats: f64,
    pub targets: usize,
}

impl HostStep {
    /// Gradients of the loss of `b` windows of `tx` steps (`x`, `y` [B·T], -1 for none)
    /// split over the threads of `par`. Read them with `grads`.
    pub fn run(
        &mut self,
        w: &Weights,
        x: &[i32],
        y: &[i32],
        b: usize,
        tx: usize,
        par: &Parallel,
    ) -> StepLoss {
        assert!(x.len() == b * tx && y.len() == b * tx, "x, y must be [B·T]");
        self.bounds.clear();
        self.bounds.extend(slice_iter(b, par.threads()));
        let k = self.bounds.len();
        self.parts.resize_with(k.max(1), SliceGrads::default);
        let scale = 1.0 / b.max(1) as f32;
        let bounds = &self.bounds[..];
        self.pools.resize_with(k, Pool::default);
        let pools = &self.pools[..];
        par.each(&mut self.parts[..k], &|i, part| {
            let (s, e) = bounds[i];
            let rows = s * tx..e * tx;
            // The slice's buffers stay with it, whichever thread runs it.
            pool::scoped(&pools[i], || {
                slice_grads(w, &x[rows.clone()], &y[rows], e - s, tx, scale, part)
            });
        });
        let (total_nats, targets) = self.parts[..k]
            .iter()
            .fold((0.0, 0), |(n, t), p| (n + p.total_nats, t + p.targets));
        self.norm = self.add_slices(k, par);
        StepLoss {
            loss: total_nats * f64::from(scale),
            total_nats,
            targets,
        }
    }

    /// Adds the gradients of slices 1..k into slice 0's and returns the norm of the sum.
    fn add_slices(&mut self, k: usize, par: &Parallel) -> f64 {
        let (first, rest) = self.parts.split_at_mut(1);
        let rest = &rest[..k.saturating_sub(1)];
        sum_slices(
            &mut first[0].grads,
            rest.len(),
            &|s| &rest[s].grads[..],
            par,
        )
    }

    /// Adam's update from the gradients of the last `run`, each thread a part of every
    /// array; false (and nothing changed) when a gradient is NaN or infinite.
    pub fn adam_step(
        &mut self,
        w: &mut Weights,
        opt: &mut AdamState,
        settings: &AdamSettings,
        par: &Parallel,
    ) -> bool {
        let g = &self.parts[0].grads;
        adam_parts(
            w.arrays_mut().into_iter(),
            g,
            self.norm,
            (opt, settings),
            par,
        )
    }

    /// The gradients of the last `run`, in `Weights` order.
    pub fn grads(&self) -> &[Vec<f32>; 5] {
        &self.parts[0].grads
    }
}

/// Resizes `v` to `len` and zeroes it, keeping its allocation.
fn zeroed(v: &mut Vec<f32>, len: usize) {
    v.clear();
    v.resize(len, 0.0);
}

/// The index a token selects: a row of w_x as an input, a class as a target (none for -1
/// or a value out of range: the empty input, no target).
fn input(i: i32, v: usize) -> Option<usize> {
    (i >= 0 && (i as usize) < v).then_some(i as usize)
}

/// The forward pass over `b` windows of `tx` steps: the recurrence's cache and the logits
/// [B·T, V] before the output bias.
fn forward_logits<'w>(w: &'w Weights, x: &[i32], b: usize, tx: usize) -> (Cache<'w>, Vec<f32>) {
    let (v, a) = (w.n_values, w.n_a);
    let (g4, n) = (4 * a, b * tx);
    // Each step's input projection (a row of w_x plus the bias) is written just before
    // the step reads it.
    let cache = forward_fill(
        pool::scratch(n * g4),
        &w.u,
        b,
        tx,
        a,
        |row, z| match input(x[row], v) {
            Some(i) => {
                let wr = &w.w_x[i * g4..(i + 1) * g4];
                z.iter_mut()
                    .zip(wr.iter().zip(&w.b))
                    .for_each(|(z, (p, q))| *z = p + q);
            }
            None => z.copy_from_slice(&w.b),
        },
    );
    let mut logits = pool::scratch(n * v);
    let (h, w_y) = (&cache.hs, &w.w_y);
    gemm(n, a, v, h, (a, 1), w_y, (v, 1), 0.0, &mut logits, v);
    (cache, logits)
}

/// Summed nats and the number of targets of `m` windows of `tx` steps (`y` -1 for none),
/// in batches: what `Weights::loss` computes step by step, for validation.
pub fn loss(w: &Weights, x: &[i32], y: &[i32], m: usize, tx: usize) -> (f64, usize) {
    const CHUNK: usize = 64;
    let (mut nats, mut count) = (0.0f64, 0usize);
    let mut t64 = Vec::new();
    for s in (0..m).step_by(CHUNK) {
        let b = CHUNK.min(m - s);
        let rows = s * tx..(s + b) * tx;
        let (cache, mut logits) = forward_logits(w, &x[rows.clone()], b, tx);
        for row in logits.chunks_exact_mut(w.n_values.max(1)) {
            row.iter_mut().zip(&w.b_y).for_each(|(l, b)| *l += b);
        }
        t64.clear();
        t64.extend(y[rows].iter().map(|&t| i64::from(t)));
        nats += f64::from(nll_in_place(&mut logits, &t64, w.n_values));
        count += y[s * tx..(s + b) * tx]
            .iter()
            .filter(|&&t| input(t, w.n_values).is_some())
            .count();
        cache.recycle();
        pool::give([logits]);
    }
    (nats, count)
}

/// One slice's forward and backward pass: `scale` is 1 / the whole batch's size.
#[allow(clippy::too_many_arguments)]
fn slice_grads(
    w: &Weights,
    x: &[i32],
    y: &[i32],
    b: usize,
    tx: usize,
    scale: f32,
    out: &mut SliceGrads,
) {
    let (v, a) = (w.n_values, w.n_a);
    let (g4, n) = (4 * a, b * tx);
    let (cache, mut probs) = forward_logits(w, x, b, tx);
    out.t64.clear();
    out.t64.extend(y.iter().map(|&t| i64::from(t)));
    // Forward and backward at once: d logits = scale · (softmax − onehot).
    let [dw_x, du, db, dw_y, db_y] = &mut out.grads;
    zeroed(db_y, v);
    let nats = nll_grad_cols(&mut probs, v, &w.b_y, &out.t64, scale, db_y);
    out.total_nats = f64::from(nats);
    out.targets = y.iter().filter(|&&t| input(t, v).is_some()).count();
    let d = probs;
    // dw_y = hᵀ·d [A, V], as its transpose dᵀ·h [V, A] (every tile full) turned round.
    let mut dwt = pool::scratch(v * a);
    gemm(v, n, a, &d, (1, v), &cache.hs, (a, 1), 0.0, &mut dwt, a);
    zeroed(dw_y, a * v);
    transpose(&dwt, a, dw_y);
    let mut dh = pool::scratch(n * a);
    // dh = d · w_yᵀ, w_y [A, V] read transposed.
    gemm(n, v, a, &d, (v, 1), &w.w_y, (1, v), 0.0, &mut dh, a);
    // BPTT; each row's gate gradients go to its input's row of w_x and to the bias.
    zeroed(dw_x, v * g4);
    zeroed(db, g4);
    let dus = backward_streamed(&cache, &dh, None, |row, dz| {
        db.iter_mut().zip(dz).for_each(|(s, g)| *s += g);
        if let Some(i) = input(x[row], v) {
            let r = &mut dw_x[i * g4..(i + 1) * g4];
            r.iter_mut().zip(dz).for_each(|(s, g)| *s += g);
        }
    });
    du.clear();
    du.extend_from_slice(&dus);
    cache.recycle();
    pool::give([d, dh, dus, dwt]);
}

#[cfg(test)]
mod tests;
