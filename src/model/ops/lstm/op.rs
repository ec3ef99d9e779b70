//! The recurrence as a burn operation: NdArray and Flex run it on the host, and the
//! Autodiff implementation registers `LstmBackward`, which runs BPTT from the gates and
//! cell states the forward pass kept.

use super::{Cache, LstmBackend, backward, forward_owned};
use crate::model::cpu::pool;
use crate::model::ops::xent::host;
use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::{base::Checkpointer, strategy::CheckpointStrategy};
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;
#[allow(deprecated)] // burn-ndarray is offered on purpose beside burn-flex
use burn::backend::{Backend, Flex, NdArray, TensorMetadata};
use burn::tensor::TensorData;

fn dims(xp: &[usize], u: &[usize]) -> (usize, usize, usize) {
    assert!(
        xp.len() == 3 && u.len() == 2,
        "lstm_recurrence: xp [B,T,4A], u [A,4A]"
    );
    let a = u[0];
    assert!(
        xp[2] == 4 * a && u[1] == 4 * a,
        "lstm_recurrence: shapes {xp:?} and {u:?} disagree"
    );
    (xp[0], xp[1], a)
}

fn host_forward<B: Backend>(
    xp: FloatTensor<B>,
    u: FloatTensor<B>,
) -> (Cache<'static>, FloatTensor<B>) {
    let device = xp.device();
    let (xv, xs) = host::<B>(xp);
    let (uv, us) = host::<B>(u);
    let (b, t, a) = dims(&xs, &us);
    // The operation's backward pass runs later: its cache keeps a copy of the kernel.
    let cache = forward_owned(xv, &uv, b, t, a).owned();
    pool::give([uv]);
    let out = B::float_from_data(TensorData::new(cache.hs.clone(), [b, t, a]), &device);
    (cache, out)
}

#[allow(deprecated)] // burn-ndarray is offered on purpose beside burn-flex
impl LstmBackend for NdArray {
    fn lstm_recurrence(xp: FloatTensor<Self>, u: FloatTensor<Self>) -> FloatTensor<Self> {
        let (cache, out) = host_forward::<Self>(xp, u);
        cache.recycle();
        out
    }
}

impl LstmBackend for Flex {
    fn lstm_recurrence(xp: FloatTensor<Self>, u: FloatTensor<Self>) -> FloatTensor<Self> {
        let (cache, out) = host_forward::<Self>(xp, u);
        cache.recycle();
        out
    }
}

#[derive(Debug)]
struct LstmBackward;

impl<B: Backend> Backward<B, 2> for LstmBackward {
    type State = (Cache<'static>, <FloatTensor<B> as TensorMetadata>::Device);

    fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_xp, node_u] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let (cache, device) = ops.state;
        let (dhs, _) = host::<B>(grad);
        let (dxp, du) = backward(&cache, &dhs);
        let (t, b, a) = (cache.t, cache.b, cache.a);
        cache.recycle();
        pool::give([dhs]);
        if let Some(node) = node_xp {
            grads.register::<B>(
                node.id,
                B::float_from_data(TensorData::new(dxp, [b, t, 4 * a]), &device),
            );
        }
        if let Some(node) = node_u {
            grads.register::<B>(
                node.id,
                B::float_from_data(TensorData::new(du, [a, 4 * a]), &device),
            );
        }
    }
}

impl<B: Backend, C: CheckpointStrategy> LstmBackend for Autodiff<B, C> {
    fn lstm_recurrence(xp: FloatTensor<Self>, u: FloatTensor<Self>) -> FloatTensor<Self> {
        match LstmBackward
            .prepare::<C>([xp.node(), u.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let device = xp.primitive().device();
                let (cache, out) = host_forward::<B>(xp.into_primitive(), u.into_primitive());
                prep.finish((cache, device), out)
            }
            OpsKind::UnTracked(prep) => {
                let (cache, out) = host_forward::<B>(xp.into_primitive(), u.into_primitive());
                cache.recycle();
                prep.finish(out)
            }
        }
    }
}
