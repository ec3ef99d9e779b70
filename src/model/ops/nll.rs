//! A dense output head with its softmax cross-entropy as one burn operation with a
//! hand-written backward pass: h · w + b, the softmax and the summed nats of the targets,
//! with no [N, V] logits tensor in the graph. Both kinds' heads use it.

use crate::model::cpu::kernels::gemm;
use crate::model::cpu::pool;
use crate::model::ops::xent::{host, ints, nll_backward, nll_in_place};
use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::{base::Checkpointer, strategy::CheckpointStrategy};
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::{FloatTensor, IntTensor};
#[allow(deprecated)] // burn-ndarray is offered on purpose beside burn-flex
use burn::backend::{Backend, Flex, NdArray, TensorMetadata, backend_extension};
use burn::tensor::TensorData;

pub use extension::NllBackend;

/// `NllBackend` in a module of its own: the code `backend_extension` writes for it names
/// burn-ndarray, and the allow on the module covers that code.
#[allow(deprecated)] // burn-ndarray is offered on purpose beside burn-flex
mod extension {
    use super::*;

    #[backend_extension(NdArray, Flex, Autodiff)]
    pub trait NllBackend: Backend {
        /// Summed nats (shape [1]) of `targets` [N] under softmax(`h` [N, A] · `w` [A, V] +
        /// `b` [1, V]). A target outside 0..V adds nothing and gets no gradient.
        fn dense_nll(
            h: FloatTensor<Self>,
            w: FloatTensor<Self>,
            b: FloatTensor<Self>,
            targets: IntTensor<Self>,
        ) -> FloatTensor<Self>;
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
        db.iter_mut().zip(row).for_each(|(s, x)| *s += x);
    }
    let mut dh = vec![0.0f32; n * a];
    // dh = d · wᵀ, w [A, V] read transposed.
    gemm(n, v, a, &d, (v, 1), &st.w, (1, v), 0.0, &mut dh, a);
    pool::give([d, st.h, st.w]);
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

/// The host backends run the head the same way.
macro_rules! host_nll_backend {
    ($($backend:ty),*) => {$(
        #[allow(deprecated)] // burn-ndarray is offered on purpose beside burn-flex
        impl NllBackend for $backend {
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

host_nll_backend!(NdArray, Flex);

impl<B: Backend, C: CheckpointStrategy> NllBackend for Autodiff<B, C> {
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
