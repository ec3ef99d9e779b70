//! burn operations with hand-written backward passes: the fused LSTM recurrence, the
//! softmax cross-entropy, a dense head with its cross-entropy, and the conditioned model's
//! first layer.

pub mod conditioned;
pub mod conditioned_input;
pub mod lstm;
pub mod nll;
pub mod xent;

use crate::model::Engine;
use burn::backend::Dispatch;
use burn::tensor::activation::sigmoid;
use burn::tensor::{Device, Int, Tensor, TensorData};
use lstm::LstmBackend;

/// The hidden states [B, T, A] of the recurrence over the input projections `xp` [B, T, 4A]
/// (bias included): the fused operation, or the reference graph of burn ops per step.
pub fn recurrence(xp: Tensor<3>, u: Tensor<2>, engine: Engine) -> Tensor<3> {
    match engine {
        Engine::Host | Engine::Fused => Tensor::<3>::from_dispatch(
            <Dispatch as LstmBackend>::lstm_recurrence(xp.into_dispatch(), u.into_dispatch()),
        ),
        Engine::Reference => reference_recurrence(xp, u, None).0,
    }
}

/// The reference graph's recurrence from the initial hidden and cell states `start`
/// ([B, A] each, constant; None: zero): the hidden states [B, T, A] and the states after
/// the last step.
pub fn reference_recurrence(
    xp: Tensor<3>,
    u: Tensor<2>,
    start: Option<[Tensor<2>; 2]>,
) -> (Tensor<3>, [Tensor<2>; 2]) {
    let [b, tx, g4] = xp.dims();
    let a = g4 / 4;
    let dev = xp.device();
    let [mut h, mut c] =
        start.unwrap_or_else(|| [Tensor::zeros([b, a], &dev), Tensor::zeros([b, a], &dev)]);
    let mut hs = Vec::with_capacity(tx);
    for t in 0..tx {
        let z = xp.clone().narrow(1, t, 1).reshape([b, g4]) + h.matmul(u.clone());
        let i = sigmoid(z.clone().narrow(1, 0, a));
        let f = sigmoid(z.clone().narrow(1, a, a));
        let g = z.clone().narrow(1, 2 * a, a).tanh();
        let o = sigmoid(z.narrow(1, 3 * a, a));
        c = f * c + i * g;
        h = o * c.clone().tanh();
        hs.push(h.clone());
    }
    (Tensor::stack(hs, 1), [h, c])
}

/// The first value of a one-element tensor, as f64 (NaN when it cannot be read).
pub fn scalar(t: Tensor<1>) -> f64 {
    t.into_data()
        .try_to_vec::<f32>()
        .ok()
        .and_then(|v| v.first().copied())
        .map_or(f64::NAN, f64::from)
}

/// An integer tensor of the `n` values of `v`.
pub fn int_tensor(v: impl Iterator<Item = i64>, n: usize, dev: &Device) -> Tensor<1, Int> {
    Tensor::from_data(TensorData::new(v.collect::<Vec<_>>(), [n]), dev)
}
