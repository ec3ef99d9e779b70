//! The conditioned model's fused operations, each one burn operation with a hand-written
//! backward pass: the first LSTM layer with its input (row lookups, the sparse chord/beat
//! feature product, the bias, the recurrence), and a dense output head with its softmax
//! cross-entropy. Together they replace about a dozen graph nodes and their copies per batch.

#![allow(deprecated)] // burn-ndarray is offered on purpose beside burn-flex

use crate::model::cpu::pool;
use crate::model::ops::conditioned_input::{Inputs, add, layer_backward, layer_recurrence};
use crate::model::ops::lstm::{Cache, gemm, transpose};
use crate::model::ops::xent::{host, ints, nll_backward, nll_in_place};
use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::{base::Checkpointer, strategy::CheckpointStrategy};
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::{FloatTensor, IntTensor};
use burn::backend::{Backend, Flex, NdArray, TensorMetadata, backend_extension};
use burn::tensor::TensorData;

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

/// The host backends run both operations the same way.
macro_rules! host_cond_backend {
    ($($backend:ty),*) => {$(
        impl CondBackend for $backend {
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
    )*};
}

host_cond_backend!(NdArray, Flex);

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
