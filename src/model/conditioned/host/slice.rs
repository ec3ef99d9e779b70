//! One slice of a batch through the conditioned network and back: the forward passes, the
//! heads' products with softmax cross-entropy and its gradient fused, and BPTT through each
//! layer with the gate gradients added to the looked-up rows as they come.

use super::features::Features;
use crate::model::conditioned::net::Batch;
use crate::model::conditioned::{CondWeights, Head, Heads, Layer};
use crate::model::cpu::kernels::{gemm, transpose};
use crate::model::cpu::pool;
use crate::model::ops::conditioned_input::add;
use crate::model::ops::lstm::{Cache, InputSide, backward_streamed, forward_from};
use crate::model::ops::xent::nll_grad_cols;
use std::borrow::Cow;

/// What every slice of a batch reads.
pub(super) struct Shared<'a> {
    pub w: &'a CondWeights,
    /// 1 / the whole batch's number of events: the loss is their mean.
    pub scale: f32,
}

/// What one slice computed: gradients of the whole batch's loss from its windows.
#[derive(Default)]
pub(super) struct SliceGrads {
    /// Gradients in `CondWeights::arrays` order.
    pub grads: Vec<Vec<f32>>,
    pub total_nats: f64,
    /// Each window's state after its last step [b, L, 2, A] (per layer h then c).
    pub last: Vec<f32>,
    /// Each head's targets (-1: none), kept to reuse the buffers.
    targets: [Vec<i64>; 2],
    features: Features,
}

/// One slice's forward and backward pass; `mask` is its part of the dropout mask.
pub(super) fn slice_grads(sh: &Shared, batch: &Batch, mask: Option<&[f32]>, out: &mut SliceGrads) {
    let w = sh.w;
    let (b, tx, a) = (batch.b, batch.tx, w.spec.n_a);
    let n = b * tx;
    zero_grads(w, &mut out.grads);
    fill_targets(w, batch, &mut out.targets);
    let fs = &mut out.features;
    fs.build(batch.feats, (&w.feat, &w.bias), w.spec.n_feat, n);
    let first = first_forward(w, batch, fs);
    let second = w.second.as_ref().map(|l| {
        let start = start(batch, 1, w.spec.layers, a);
        second_forward(l, (&first.hs, start), mask, (b, tx, a))
    });
    keep_last(&first, second.as_ref().map(|(_, c)| c), &mut out.last);
    let top = second.as_ref().map_or(&first.hs, |(_, c)| &c.hs);
    let mut dh = pool::scratch(n * a);
    let head0 = w.spec.first_head();
    out.total_nats = heads(sh, top, &out.targets, &mut out.grads[head0..], &mut dh);
    if let Some((x, cache)) = second {
        let mut dh1 = pool::scratch(n * a);
        let input = w.second.as_ref().map_or(&[][..], |l| &l.input[..]);
        let layer = (&cache, &x[..], input);
        second_backward(layer, &dh, mask, &mut out.grads[5..8], &mut dh1);
        cache.recycle();
        pool::give([x, std::mem::replace(&mut dh, dh1)]);
    }
    first_backward(
        (w, batch),
        &mut out.features,
        &first,
        &dh,
        &mut out.grads[..5],
    );
    first.recycle();
    pool::give([dh]);
}

/// `grads` shaped like the weights' arrays, all zero.
fn zero_grads(w: &CondWeights, grads: &mut Vec<Vec<f32>>) {
    grads.resize_with(w.arrays_iter().count(), Vec::new);
    for (g, p) in grads.iter_mut().zip(w.arrays_iter()) {
        g.clear();
        g.resize(p.len(), 0.0);
    }
}

/// Each head's targets: pitch and duration, or the joint class (-1 when either is none).
fn fill_targets(w: &CondWeights, batch: &Batch, t: &mut [Vec<i64>; 2]) {
    t.iter_mut().for_each(Vec::clear);
    let [tp, td] = t;
    match w.spec.heads {
        Heads::Split => {
            tp.extend(batch.y_p.iter().map(|&p| i64::from(p)));
            td.extend(batch.y_d.iter().map(|&d| i64::from(d)));
        }
        Heads::Joint => {
            let n_dur = w.spec.n_dur as i64;
            tp.extend(batch.y_p.iter().zip(batch.y_d).map(|(&p, &d)| {
                if p < 0 || d < 0 {
                    -1
                } else {
                    i64::from(p) * n_dur + i64::from(d)
                }
            }));
        }
    }
}

/// The rows of the pitch and duration tables row `row` of the batch looks up (an index
/// out of range reads the nearest row, as the fused operation's does).
#[inline(always)]
fn lookups(w: &CondWeights, batch: &Batch, row: usize) -> (usize, usize) {
    let clamp = |i: i32, hi: usize| (i.max(0) as usize).min(hi);
    (
        clamp(batch.prev_p[row], w.spec.n_pitch),
        clamp(batch.prev_d[row], w.spec.n_dur),
    )
}

/// Layer `layer`'s initial hidden and cell states [b, A] each, from the batch's (None:
/// zero).
fn start(batch: &Batch, layer: usize, layers: usize, a: usize) -> Option<[Vec<f32>; 2]> {
    let init = batch.init?;
    let [mut h, mut c] = [pool::scratch(batch.b * a), pool::scratch(batch.b * a)];
    for (r, st) in init.chunks_exact(layers * 2 * a).enumerate() {
        let at = layer * 2 * a;
        h[r * a..(r + 1) * a].copy_from_slice(&st[at..at + a]);
        c[r * a..(r + 1) * a].copy_from_slice(&st[at + a..at + 2 * a]);
    }
    Some([h, c])
}

/// Each window's state after its last step, per layer h then c, into `last` [b, L, 2, A].
fn keep_last(first: &Cache, second: Option<&Cache>, last: &mut Vec<f32>) {
    last.clear();
    for r in 0..first.b {
        for cache in std::iter::once(first).chain(second) {
            let (h, c) = cache.last(r);
            last.extend_from_slice(h);
            last.extend_from_slice(c);
        }
    }
}

/// The first layer's forward pass: each row's gates start as its two looked-up rows and
/// its feature row's projection (bias included), written just before the step reads them.
fn first_forward<'w>(w: &'w CondWeights, batch: &Batch, fs: &Features) -> Cache<'w> {
    let a = w.spec.n_a;
    let g4 = 4 * a;
    let gates = pool::scratch(batch.b * batch.tx * g4);
    let (dims, start) = ((batch.b, batch.tx, a), start(batch, 0, w.spec.layers, a));
    forward_from(gates, &w.recurrent, dims, start, |row, z| {
        let (p, d) = lookups(w, batch, row);
        let rows = (&w.pitch[p * g4..(p + 1) * g4], &w.dur[d * g4..(d + 1) * g4]);
        fs.input(row, rows, &mut z[..g4]);
    })
}

/// The second layer's input (the first layer's outputs [N, A] with dropout applied) and
/// its forward pass from its initial states `start`.
fn second_forward<'l>(
    l: &'l Layer,
    (h1, start): (&[f32], Option<[Vec<f32>; 2]>),
    mask: Option<&[f32]>,
    (b, tx, a): (usize, usize, usize),
) -> (Vec<f32>, Cache<'l>) {
    let (n, g4) = (b * tx, 4 * a);
    let mut x = pool::copy_of(h1);
    if let Some(m) = mask {
        x.iter_mut().zip(m).for_each(|(x, m)| *x *= m);
    }
    let mut gates = pool::scratch(n * g4);
    for row in gates.chunks_exact_mut(g4) {
        row.copy_from_slice(&l.bias);
    }
    gemm(n, a, g4, &x, (a, 1), &l.input, (g4, 1), 1.0, &mut gates, g4);
    let cache = forward_from(gates, &l.recurrent, (b, tx, a), start, |_, _| {});
    (x, cache)
}

/// Every head's forward and backward pass at once over the top layer's outputs `h`
/// [N, A]: returns the summed nats, writes the heads' gradients into `grads` (kernel, bias
/// per head) and the gradient of `h` into `dh`. The heads' kernels sit side by side [A, V]
/// (V their classes in all), so each of the three products is one product over all of
/// them: a 13-class duration head alone fills a fraction of a tile's vectors.
fn heads(
    sh: &Shared,
    h: &[f32],
    targets: &[Vec<i64>; 2],
    grads: &mut [Vec<f32>],
    dh: &mut [f32],
) -> f64 {
    let a = sh.w.spec.n_a;
    let n = h.len() / a.max(1);
    let hs = &sh.w.heads[..];
    let v: usize = hs.iter().map(|h| h.bias.len()).sum();
    let kernel = side_by_side(hs, a, v);
    let mut d = pool::scratch(n * v);
    gemm(n, a, v, h, (a, 1), &kernel, (v, 1), 0.0, &mut d, v);
    let (mut nats, mut at) = (0.0, 0);
    for ((head, t), g) in hs.iter().zip(targets).zip(grads.chunks_exact_mut(2)) {
        let x = &mut d[at..];
        let col_sums = &mut g[1];
        nats += f64::from(nll_grad_cols(x, v, &head.bias, t, sh.scale, col_sums));
        at += head.bias.len();
    }
    if let [dk, _] = grads {
        gemm(a, n, v, h, (1, a), &d, (v, 1), 0.0, dk, v);
    } else {
        // Its transpose dᵀ·h [V, A], whose tiles are all full (as hᵀ·d's 11 columns
        // past 64 are not), then each head's rows of it into its kernel's gradient.
        let mut dkt = pool::scratch(v * a);
        gemm(v, n, a, &d, (1, v), h, (a, 1), 0.0, &mut dkt, a);
        transpose_into(&dkt, a, grads.iter_mut().step_by(2));
        pool::give([dkt]);
    }
    // dh = d · kernelᵀ, the kernel [A, V] read transposed.
    gemm(n, v, a, &d, (v, 1), &kernel, (1, v), 0.0, dh, a);
    if let Cow::Owned(k) = kernel {
        pool::give([k]);
    }
    pool::give([d]);
    nats
}

/// The heads' kernels [A, ·] side by side [A, V]: the one kernel itself when there is
/// only one head.
fn side_by_side(hs: &[Head], a: usize, v: usize) -> Cow<'_, [f32]> {
    if let [one] = hs {
        return Cow::Borrowed(&one.kernel);
    }
    let mut joined = pool::scratch(a * v);
    for (r, out) in joined.chunks_exact_mut(v).enumerate() {
        let mut at = 0;
        for head in hs {
            let w = head.bias.len();
            out[at..at + w].copy_from_slice(&head.kernel[r * w..(r + 1) * w]);
            at += w;
        }
    }
    Cow::Owned(joined)
}

/// The rows of `t` [V, a], transposed, into the matrices [a, ·] it stacks, in order.
fn transpose_into<'g>(t: &[f32], a: usize, parts: impl Iterator<Item = &'g mut Vec<f32>>) {
    let mut at = 0;
    for p in parts {
        let end = at + p.len();
        transpose(&t[at..end], a, p);
        at = end;
    }
}

/// The second layer's backward pass from the gradient `dh` of its outputs, given its cache,
/// its input `x` and its input kernel [A, 4A]: its gradients into `grads` (input kernel,
/// recurrent kernel, bias) and the gradient of the first layer's outputs (dropout applied)
/// into `dh1`.
fn second_backward(
    (cache, x, input): (&Cache, &[f32], &[f32]),
    dh: &[f32],
    mask: Option<&[f32]>,
    grads: &mut [Vec<f32>],
    dh1: &mut [f32],
) {
    let [dw_in, du, db] = grads else {
        unreachable!("a layer has three arrays")
    };
    let side = InputSide {
        x,
        w: input,
        dw: dw_in,
        dx: dh1,
    };
    let dus = backward_streamed(cache, dh, Some(side), |_, dz| add(db, dz));
    du.copy_from_slice(&dus);
    if let Some(m) = mask {
        dh1.iter_mut().zip(m).for_each(|(d, m)| *d *= m);
    }
    pool::give([dus]);
}

/// The first layer's backward pass: BPTT, with each row's gate gradients added to its
/// looked-up rows and its feature row's as they come; then the feature kernel's and the
/// bias's gradients from the feature rows'.
fn first_backward(
    (w, batch): (&CondWeights, &Batch),
    fs: &mut Features,
    cache: &Cache,
    dh: &[f32],
    grads: &mut [Vec<f32>],
) {
    let [dp, dd, df, db, du] = grads else {
        unreachable!("the first layer has five arrays")
    };
    let g4 = 4 * w.spec.n_a;
    let dus = backward_streamed(cache, dh, None, |row, dz| {
        let (p, d) = lookups(w, batch, row);
        let rows = (&mut dp[p * g4..(p + 1) * g4], &mut dd[d * g4..(d + 1) * g4]);
        fs.scatter(row, dz, rows);
    });
    fs.backward(batch.feats, w.spec.n_feat, df, db);
    du.copy_from_slice(&dus);
    pool::give([dus]);
}
