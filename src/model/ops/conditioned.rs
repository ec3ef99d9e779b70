//! The conditioned model's first LSTM layer as one burn operation with a hand-written
//! backward pass: its input (row lookups, the sparse chord/beat feature product, the bias)
//! and the recurrence. With the dense heads (`nll.rs`) it replaces about a dozen graph nodes
//! and their copies per batch.

use crate::model::cpu::pool;
use crate::model::ops::conditioned_input::{Inputs, layer_backward, layer_recurrence};
use crate::model::ops::lstm::Cache;
use crate::model::ops::xent::{host, ints};
use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::{base::Checkpointer, strategy::CheckpointStrategy};
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::{FloatTensor, IntTensor};
#[allow(deprecated)] // burn-ndarray is offered on purpose beside burn-flex
use burn::backend::{Backend, Flex, NdArray, TensorMetadata, backend_extension};
use burn::tensor::TensorData;

pub use extension::CondBackend;

/// `CondBackend` in a module of its own: the code `backend_extension` writes for it names
/// burn-ndarray, and the allow on the module covers that code.
#[allow(deprecated)] // burn-ndarray is offered on purpose beside burn-flex
mod extension {
    use super::*;

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
    }
}

/// What the first layer's backward pass needs.
#[derive(Clone, Debug)]
struct LayerState {
    cache: Cache<'static>,
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

/// The host backends run the layer the same way.
macro_rules! host_cond_backend {
    ($($backend:ty),*) => {$(
        #[allow(deprecated)] // burn-ndarray is offered on purpose beside burn-flex
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
}
