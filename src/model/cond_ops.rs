//! The conditioned model's fused operations, each one burn operation with a hand-written
//! backward pass: the first LSTM layer with its input (row lookups, the sparse chord/beat
//! feature product, the bias, the recurrence), and a dense output head with its softmax
//! cross-entropy. Together they replace about a dozen graph nodes and their copies per batch.

#![allow(deprecated)] // burn-ndarray is offered on purpose beside burn-flex

use super::fastmath::with_simd;
use super::lstm::{self, Cache, gemm, host, transpose};
use super::pool;
use super::xent::{ints, nll_backward, nll_in_place};
use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::{base::Checkpointer, strategy::CheckpointStrategy};
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::{FloatTensor, IntTensor};
use burn::backend::{Backend, Flex, NdArray, TensorMetadata, backend_extension};
use burn::tensor::TensorData;
use std::collections::HashMap;

#[backend_extension(NdArray, Flex, Autodiff)]
pub trait CondBackend: Backend {
    /// Hidden states [B, T, A] of an LSTM layer (zero initial state, gates i, f, c, o) whose
    /// input projection at row (r, s) is `e_p[prev_p[r, s]] + e_d[prev_d[r, s]] +
    /// feats[r, s] · w_f + bias`: `e_p` [P, 4A], `e_d` [D, 4A], `w_f` [F, 4A], `bias`
    /// [1, 4A], `u` [A, 4A], `prev_p` and `prev_d` [B, T] row indices, `feats` [B, T, F]
    /// (constant: it gets no gradient).
    #[allow(clippy::too_many_arguments)]
    fn cond_lstm(
        e_p: FloatTensor<Self>,
        e_d: FloatTensor<Self>,
        w_f: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        u: FloatTensor<Self>,
        prev_p: IntTensor<Self>,
        prev_d: IntTensor<Self>,
        feats: FloatTensor<Self>,
    ) -> FloatTensor<Self>;

    /// Summed nats (shape [1]) of `targets` [N] under softmax(`h` [N, A] · `w` [A, V] +
    /// `b` [1, V]). A target outside 0..V adds nothing and gets no gradient.
    fn dense_nll(
        h: FloatTensor<Self>,
        w: FloatTensor<Self>,
        b: FloatTensor<Self>,
        targets: IntTensor<Self>,
    ) -> FloatTensor<Self>;
}

/// Rows of a mostly-zero matrix: row `r`'s entries are `col[start[r]..start[r + 1]]` with
/// values `val[…]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sparse {
    pub start: Vec<usize>,
    pub col: Vec<usize>,
    pub val: Vec<f32>,
}

impl Sparse {
    /// The distinct rows of `x` [N, F] (first appearance first), and which of them each
    /// row of `x` is. Music repeats its chords and beat positions, so a batch holds far
    /// fewer distinct feature rows than events, and each is multiplied out once.
    pub fn distinct_rows(x: &[f32], f: usize) -> (Sparse, Vec<usize>) {
        let mut s = Sparse {
            start: vec![0],
            ..Sparse::default()
        };
        let mut seen: HashMap<Vec<u64>, usize> = HashMap::new();
        let mut key: Vec<u64> = Vec::new();
        let mut which = Vec::with_capacity(x.len() / f.max(1));
        for row in x.chunks(f.max(1)) {
            key.clear();
            key.extend(
                row.iter()
                    .enumerate()
                    .filter(|(_, v)| **v != 0.0)
                    .map(|(c, v)| ((c as u64) << 32) | u64::from(v.to_bits())),
            );
            if let Some(&u) = seen.get(key.as_slice()) {
                which.push(u);
                continue;
            }
            let u = s.start.len() - 1;
            for &k in &key {
                s.col.push((k >> 32) as usize);
                s.val.push(f32::from_bits(k as u32));
            }
            s.start.push(s.col.len());
            seen.insert(key.clone(), u);
            which.push(u);
        }
        (s, which)
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.start.len() - 1
    }

    fn row(&self, r: usize) -> impl Iterator<Item = (usize, f32)> + '_ {
        let span = self.start[r]..self.start[r + 1];
        self.col[span.clone()]
            .iter()
            .copied()
            .zip(self.val[span].iter().copied())
    }
}

/// The first layer's inputs: per row the two lookups and which distinct feature row it has.
#[derive(Clone, Debug)]
pub struct Inputs {
    pub prev_p: Vec<usize>,
    pub prev_d: Vec<usize>,
    /// The distinct feature rows, sparse.
    pub feats: Sparse,
    /// Per row, its feature row in `feats`.
    pub pattern: Vec<usize>,
    /// Rows of e_p, e_d and w_f.
    pub sizes: [usize; 3],
}

impl Inputs {
    /// Checks every index against its table, so the kernels can index freely.
    fn new(prev_p: &[i64], prev_d: &[i64], feats: &[f32], sizes: [usize; 3]) -> Inputs {
        let (feats, pattern) = Sparse::distinct_rows(feats, sizes[2]);
        let idx = |v: &[i64], n: usize, what: &str| -> Vec<usize> {
            v.iter()
                .map(|&i| {
                    assert!(
                        i >= 0 && (i as usize) < n,
                        "cond_lstm: {what} row {i} of {n}"
                    );
                    i as usize
                })
                .collect()
        };
        assert_eq!(
            pattern.len(),
            prev_p.len(),
            "cond_lstm: one feature row per event"
        );
        Inputs {
            prev_p: idx(prev_p, sizes[0], "pitch"),
            prev_d: idx(prev_d, sizes[1], "duration"),
            feats,
            pattern,
            sizes,
        }
    }
}

#[inline(always)]
fn axpy(y: &mut [f32], k: f32, x: &[f32]) {
    for (yj, xj) in y.iter_mut().zip(x) {
        *yj += k * xj;
    }
}

#[inline(always)]
fn add(y: &mut [f32], x: &[f32]) {
    for (yj, xj) in y.iter_mut().zip(x) {
        *yj += xj;
    }
}

/// Each distinct feature row times w_f, plus the bias [distinct rows, 4A].
fn feature_table(w_f: &[f32], bias: &[f32], inp: &Inputs, g4: usize) -> Vec<f32> {
    with_simd!(feature_table_generic(w_f, bias, inp, g4))
}

#[inline(always)]
fn feature_table_generic(w_f: &[f32], bias: &[f32], inp: &Inputs, g4: usize) -> Vec<f32> {
    let mut fp = pool::scratch(inp.feats.rows() * g4);
    for (u, fu) in fp.chunks_exact_mut(g4).enumerate() {
        fu.copy_from_slice(bias);
        for (f, v) in inp.feats.row(u) {
            axpy(fu, v, &w_f[f * g4..(f + 1) * g4]);
        }
    }
    fp
}

/// The first layer's forward pass: each row's input projection (two looked-up rows and
/// its feature row's projection) is written as the recurrence reaches its step.
fn layer_recurrence(tables: [&[f32]; 5], inp: &Inputs, b: usize, t: usize, a: usize) -> Cache {
    let [e_p, e_d, w_f, bias, u] = tables;
    let g4 = 4 * a;
    let fp = feature_table(w_f, bias, inp, g4);
    let fill = |row: usize, z: &mut [f32]| {
        let (p, d, f) = (inp.prev_p[row], inp.prev_d[row], inp.pattern[row]);
        let ep = &e_p[p * g4..(p + 1) * g4];
        let ed = &e_d[d * g4..(d + 1) * g4];
        let fu = &fp[f * g4..(f + 1) * g4];
        let z = &mut z[..g4];
        for j in 0..g4 {
            z[j] = ep[j] + ed[j] + fu[j];
        }
    };
    // Every element is written (by `fill`) before it is read.
    let cache = lstm::forward_fill(pool::scratch(b * t * g4), u, b, t, a, fill);
    pool::give([fp]);
    cache
}

/// The first layer's backward pass: BPTT, with each row's gate gradients added to its
/// looked-up rows and its feature row as they come; then the gradients of e_p, e_d,
/// w_f, the bias and u.
fn layer_backward(cache: &Cache, dhs: &[f32], inp: &Inputs) -> [Vec<f32>; 5] {
    let [np, nd, nf] = inp.sizes;
    let g4 = 4 * cache.a;
    let (mut de_p, mut de_d) = (vec![0.0f32; np * g4], vec![0.0f32; nd * g4]);
    // The gradient of each distinct feature row's projection, summed over its events.
    let mut dfp = pool::zeros(inp.feats.rows() * g4);
    let sink = |row: usize, dz: &[f32]| {
        let (p, d, f) = (inp.prev_p[row], inp.prev_d[row], inp.pattern[row]);
        add(&mut de_p[p * g4..(p + 1) * g4], dz);
        add(&mut de_d[d * g4..(d + 1) * g4], dz);
        add(&mut dfp[f * g4..(f + 1) * g4], dz);
    };
    let (dz, du) = lstm::backward_sink(cache, dhs, sink);
    pool::give([dz]);
    let (dw_f, db) = feature_backward(&dfp, inp, nf, g4);
    pool::give([dfp]);
    [de_p, de_d, dw_f, db, du]
}

/// Gradients of w_f and the bias from those of the distinct feature rows' projections.
fn feature_backward(dfp: &[f32], inp: &Inputs, nf: usize, g4: usize) -> (Vec<f32>, Vec<f32>) {
    with_simd!(feature_backward_generic(dfp, inp, nf, g4))
}

#[inline(always)]
fn feature_backward_generic(
    dfp: &[f32],
    inp: &Inputs,
    nf: usize,
    g4: usize,
) -> (Vec<f32>, Vec<f32>) {
    let (mut dw_f, mut db) = (vec![0.0f32; nf * g4], vec![0.0f32; g4]);
    for (u, du) in dfp.chunks_exact(g4).enumerate() {
        add(&mut db, du);
        for (f, v) in inp.feats.row(u) {
            axpy(&mut dw_f[f * g4..(f + 1) * g4], v, du);
        }
    }
    (dw_f, db)
}

/// What the first layer's backward pass needs.
#[derive(Clone, Debug)]
struct LayerState {
    cache: Cache,
    inputs: Inputs,
}

fn layer_forward<B: Backend>(
    tables: [FloatTensor<B>; 5],
    prev_p: IntTensor<B>,
    prev_d: IntTensor<B>,
    feats: FloatTensor<B>,
) -> (LayerState, FloatTensor<B>) {
    let device = tables[0].device();
    let [e_p, e_d, w_f, bias, u] = tables.map(host::<B>);
    let (fv, fs) = host::<B>(feats);
    assert!(
        fs.len() == 3 && u.1.len() == 2,
        "cond_lstm: feats [B,T,F], u [A,4A]"
    );
    let (b, t, a) = (fs[0], fs[1], u.1[0]);
    let g4 = 4 * a;
    for (x, what) in [(&e_p, "e_p"), (&e_d, "e_d"), (&w_f, "w_f"), (&bias, "bias")] {
        assert!(
            x.1.len() == 2 && x.1[1] == g4,
            "cond_lstm: {what} {:?}",
            x.1
        );
    }
    assert!(w_f.1[0] == fs[2] && bias.1[0] == 1 && u.1[1] == g4);
    let (pp, pd) = (ints::<B>(prev_p), ints::<B>(prev_d));
    assert!(
        pp.len() == b * t && pd.len() == b * t,
        "cond_lstm: indices [B,T]"
    );
    let sizes = [e_p.1[0], e_d.1[0], w_f.1[0]];
    let inputs = Inputs::new(&pp, &pd, &fv, sizes);
    let cache = layer_recurrence([&e_p.0, &e_d.0, &w_f.0, &bias.0, &u.0], &inputs, b, t, a);
    pool::give([e_p.0, e_d.0, w_f.0, bias.0, u.0, fv]);
    let out = B::float_from_data(TensorData::new(cache.hs.clone(), [b, t, a]), &device);
    (LayerState { cache, inputs }, out)
}

impl CondBackend for NdArray {
    fn cond_lstm(
        e_p: FloatTensor<Self>,
        e_d: FloatTensor<Self>,
        w_f: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        u: FloatTensor<Self>,
        prev_p: IntTensor<Self>,
        prev_d: IntTensor<Self>,
        feats: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        layer_forward::<Self>([e_p, e_d, w_f, bias, u], prev_p, prev_d, feats).1
    }

    fn dense_nll(
        h: FloatTensor<Self>,
        w: FloatTensor<Self>,
        b: FloatTensor<Self>,
        targets: IntTensor<Self>,
    ) -> FloatTensor<Self> {
        head_forward::<Self>(h, w, b, targets, false).1
    }
}

impl CondBackend for Flex {
    fn cond_lstm(
        e_p: FloatTensor<Self>,
        e_d: FloatTensor<Self>,
        w_f: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        u: FloatTensor<Self>,
        prev_p: IntTensor<Self>,
        prev_d: IntTensor<Self>,
        feats: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        layer_forward::<Self>([e_p, e_d, w_f, bias, u], prev_p, prev_d, feats).1
    }

    fn dense_nll(
        h: FloatTensor<Self>,
        w: FloatTensor<Self>,
        b: FloatTensor<Self>,
        targets: IntTensor<Self>,
    ) -> FloatTensor<Self> {
        head_forward::<Self>(h, w, b, targets, false).1
    }
}

#[derive(Debug)]
struct LayerBackward;

impl<B: Backend> Backward<B, 5> for LayerBackward {
    type State = (LayerState, <FloatTensor<B> as TensorMetadata>::Device);

    fn backward(self, ops: Ops<Self::State, 5>, grads: &mut Gradients, _: &mut Checkpointer) {
        let grad = grads.consume::<B>(&ops.node);
        let (st, device) = ops.state;
        let (dhs, _) = host::<B>(grad);
        let [de_p, de_d, dw_f, db, du] = layer_backward(&st.cache, &dhs, &st.inputs);
        let (g4, a) = (4 * st.cache.a, st.cache.a);
        st.cache.recycle();
        pool::give([dhs]);
        let [np, nd, nf] = st.inputs.sizes;
        let out = [
            (de_p, [np, g4]),
            (de_d, [nd, g4]),
            (dw_f, [nf, g4]),
            (db, [1, g4]),
            (du, [a, g4]),
        ];
        for (node, (g, shape)) in ops.parents.into_iter().zip(out) {
            if let Some(node) = node {
                let t = B::float_from_data(TensorData::new(g, shape), &device);
                grads.register::<B>(node.id, t);
            }
        }
    }
}

/// What a head's backward pass needs: its input, kernel, softmax and targets.
#[derive(Clone, Debug)]
struct HeadState {
    h: Vec<f32>,
    w: Vec<f32>,
    probs: Vec<f32>,
    targets: Vec<i64>,
    a: usize,
    v: usize,
}

fn head_forward<B: Backend>(
    h: FloatTensor<B>,
    w: FloatTensor<B>,
    b: FloatTensor<B>,
    targets: IntTensor<B>,
    keep: bool,
) -> (Option<HeadState>, FloatTensor<B>) {
    let device = h.device();
    let ((h, hs), (w, ws), (b, bs)) = (host::<B>(h), host::<B>(w), host::<B>(b));
    let targets = ints::<B>(targets);
    assert!(
        hs.len() == 2 && ws.len() == 2 && hs[1] == ws[0] && bs == [1, ws[1]],
        "dense_nll: h {hs:?}, w {ws:?}, b {bs:?} disagree"
    );
    let (n, a, v) = (hs[0], hs[1], ws[1]);
    assert_eq!(targets.len(), n, "dense_nll: one target per row");
    let mut logits = pool::scratch(n * v);
    for row in logits.chunks_exact_mut(v.max(1)) {
        row.copy_from_slice(&b);
    }
    gemm(n, a, v, &h, (a, 1), &w, (v, 1), 1.0, &mut logits, v);
    let total = nll_in_place(&mut logits, &targets, v);
    let out = B::float_from_data(TensorData::new(vec![total], [1]), &device);
    let state = if keep {
        Some(HeadState {
            h,
            w,
            probs: logits,
            targets,
            a,
            v,
        })
    } else {
        pool::give([h, w, logits]);
        None
    };
    (state, out)
}

/// Gradients of h, w and b from the head's state and the gradient `g` of its nats.
fn head_backward(st: HeadState, g: f32) -> [Vec<f32>; 3] {
    let (a, v, n) = (st.a, st.v, st.targets.len());
    let d = nll_backward(st.probs, &st.targets, v, g);
    let mut dw = vec![0.0f32; a * v];
    gemm(a, n, v, &st.h, (1, a), &d, (v, 1), 0.0, &mut dw, v);
    let mut db = vec![0.0f32; v];
    for row in d.chunks_exact(v.max(1)) {
        add(&mut db, row);
    }
    let mut dh = vec![0.0f32; n * a];
    let wt = transpose(&st.w, a, v);
    gemm(n, v, a, &d, (v, 1), &wt, (a, 1), 0.0, &mut dh, a);
    pool::give([wt, d, st.h, st.w]);
    [dh, dw, db]
}

#[derive(Debug)]
struct HeadBackward;

impl<B: Backend> Backward<B, 3> for HeadBackward {
    type State = (HeadState, <FloatTensor<B> as TensorMetadata>::Device);

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let grad = grads.consume::<B>(&ops.node);
        let (st, device) = ops.state;
        let g = host::<B>(grad).0.first().copied().unwrap_or(0.0);
        let (n, a, v) = (st.targets.len(), st.a, st.v);
        let out = head_backward(st, g);
        let shapes = [[n, a], [a, v], [1, v]];
        for ((node, g), shape) in ops.parents.into_iter().zip(out).zip(shapes) {
            if let Some(node) = node {
                let t = B::float_from_data(TensorData::new(g, shape), &device);
                grads.register::<B>(node.id, t);
            }
        }
    }
}

impl<B: Backend, C: CheckpointStrategy> CondBackend for Autodiff<B, C> {
    fn cond_lstm(
        e_p: FloatTensor<Self>,
        e_d: FloatTensor<Self>,
        w_f: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        u: FloatTensor<Self>,
        prev_p: IntTensor<Self>,
        prev_d: IntTensor<Self>,
        feats: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        let nodes = [e_p.node(), e_d.node(), w_f.node(), bias.node(), u.node()];
        let device = e_p.primitive().device();
        let tables = [e_p, e_d, w_f, bias, u].map(|t| t.into_primitive());
        let feats = feats.into_primitive();
        match LayerBackward.prepare::<C>(nodes).compute_bound().stateful() {
            OpsKind::Tracked(prep) => {
                let (st, out) = layer_forward::<B>(tables, prev_p, prev_d, feats);
                prep.finish((st, device), out)
            }
            OpsKind::UnTracked(prep) => {
                prep.finish(layer_forward::<B>(tables, prev_p, prev_d, feats).1)
            }
        }
    }

    fn dense_nll(
        h: FloatTensor<Self>,
        w: FloatTensor<Self>,
        b: FloatTensor<Self>,
        targets: IntTensor<Self>,
    ) -> FloatTensor<Self> {
        let nodes = [h.node(), w.node(), b.node()];
        let device = h.primitive().device();
        let (h, w, b) = (h.into_primitive(), w.into_primitive(), b.into_primitive());
        match HeadBackward.prepare::<C>(nodes).compute_bound().stateful() {
            OpsKind::Tracked(prep) => {
                let (st, out) = head_forward::<B>(h, w, b, targets, true);
                let st = st.expect("kept for the backward pass");
                prep.finish((st, device), out)
            }
            OpsKind::UnTracked(prep) => prep.finish(head_forward::<B>(h, w, b, targets, false).1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_rows_are_kept_once_in_order_of_appearance() {
        let x = [
            0.0, 2.0, 0.0, //
            0.5, 0.0, 1.0, //
            0.0, 2.0, 0.0, //
            0.0, 0.0, 0.0, //
            0.5, 0.0, 1.0,
        ];
        let (s, which) = Sparse::distinct_rows(&x, 3);
        assert_eq!(which, vec![0, 1, 0, 2, 1]);
        assert_eq!(s.rows(), 3);
        assert_eq!(s.row(0).collect::<Vec<_>>(), vec![(1, 2.0)]);
        assert_eq!(s.row(1).collect::<Vec<_>>(), vec![(0, 0.5), (2, 1.0)]);
        assert_eq!(s.row(2).count(), 0, "an all-zero row has no entries");
    }
}
