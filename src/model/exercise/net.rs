//! The exercise network on burn: input rows looked up → LSTM → shared Dense softmax, with
//! autodiff gradients (the tested reference of the host step).

use crate::model::Engine;
use crate::model::exercise::weights::Weights;
use crate::model::grads::Grads;
use crate::model::ops::nll::NllBackend;
use crate::model::ops::{recurrence, scalar};
use burn::backend::Dispatch;
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Gradients, Int, Tensor, TensorData};

fn tensor2(v: &[f32], shape: [usize; 2], dev: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new(v.to_vec(), shape), dev)
}

/// One-hot rows for indices (`-1` and out-of-range give a zero row).
fn one_hot(idx: &[i32], n: usize, dev: &Device) -> Tensor<2> {
    let mut v = vec![0.0f32; idx.len() * n];
    for (r, &i) in idx.iter().enumerate() {
        if i >= 0 && (i as usize) < n {
            v[r * n + i as usize] = 1.0;
        }
    }
    tensor2(&v, [idx.len(), n], dev)
}

/// Forward and backward over `b` windows of `tx` steps on an autodiff device. The input
/// projection of all steps is one matmul, each step one matmul for all four gates, and the
/// output layer one matmul over all steps.
pub fn batch_grads(
    w: &Weights,
    x: &[i32],
    y: &[i32],
    b: usize,
    tx: usize,
    dev: &Device,
    engine: Engine,
) -> Grads<[Vec<f32>; 5]> {
    let (v, a) = (w.n_values, w.n_a);
    let p = Params::new(w, dev);
    let xp = input_projection(&p.w_x, x, b, tx, dev);
    // Bias added once for all steps; the recurrence works on [B, T, ·] directly.
    let hs = recurrence(
        xp + p.bias.clone().reshape([1, 1, 4 * a]),
        p.u.clone(),
        engine,
    );
    let nats = output_nats(hs.reshape([b * tx, a]), &p, y, dev, engine);
    let loss = nats.clone().div_scalar(b as f64);
    let total_nats = scalar(nats);
    let grads = loss.backward();
    Grads {
        loss: scalar(loss),
        total_nats,
        targets: y.iter().filter(|&&t| t >= 0 && (t as usize) < v).count(),
        grads: p.grads(&grads),
    }
}

/// The five parameter arrays as tensors that keep their gradients, in `Weights` order.
struct Params {
    w_x: Tensor<2>,
    u: Tensor<2>,
    bias: Tensor<2>,
    w_y: Tensor<2>,
    b_y: Tensor<2>,
}

impl Params {
    fn new(w: &Weights, dev: &Device) -> Params {
        let (v, a) = (w.n_values, w.n_a);
        Params {
            w_x: tensor2(&w.w_x, [v, 4 * a], dev).require_grad(),
            u: tensor2(&w.u, [a, 4 * a], dev).require_grad(),
            bias: tensor2(&w.b, [1, 4 * a], dev).require_grad(),
            w_y: tensor2(&w.w_y, [a, v], dev).require_grad(),
            b_y: tensor2(&w.b_y, [1, v], dev).require_grad(),
        }
    }

    /// The gradient of every array (zeros for one the loss does not reach).
    fn grads(&self, grads: &Gradients) -> [Vec<f32>; 5] {
        let grad = |t: &Tensor<2>| -> Vec<f32> {
            t.grad(grads)
                .and_then(|g| g.into_data().try_to_vec::<f32>().ok())
                .unwrap_or_else(|| vec![0.0; t.dims()[0] * t.dims()[1]])
        };
        [
            grad(&self.w_x),
            grad(&self.u),
            grad(&self.bias),
            grad(&self.w_y),
            grad(&self.b_y),
        ]
    }
}

/// The input projections [B, T, 4A] of the windows' inputs `x`, bias not included.
fn input_projection(w_x: &Tensor<2>, x: &[i32], b: usize, tx: usize, dev: &Device) -> Tensor<3> {
    let [v, g4] = w_x.dims();
    // A one-hot input times w_x is a row of w_x: look the rows up (a zero row stands for
    // the empty input), so neither pass multiplies by the one-hot matrix.
    let rows: Vec<i64> = x
        .iter()
        .map(|&i| {
            if i >= 0 && (i as usize) < v {
                i as i64
            } else {
                v as i64
            }
        })
        .collect();
    let rows = Tensor::<1, Int>::from_data(TensorData::new(rows, [b * tx]), dev);
    Tensor::cat(vec![w_x.clone(), Tensor::zeros([1, g4], dev)], 0)
        .select(0, rows)
        .reshape([b, tx, g4])
}

/// Summed cross-entropy of the hidden states `h` [B·T, A] against the targets `y`.
fn output_nats(h: Tensor<2>, p: &Params, y: &[i32], dev: &Device, engine: Engine) -> Tensor<1> {
    match engine {
        Engine::Host | Engine::Fused => {
            // The output layer, softmax and cross-entropy as one operation.
            let n = h.dims()[0];
            let targets: Vec<i64> = y.iter().map(|&t| i64::from(t)).collect();
            let targets = Tensor::<1, Int>::from_data(TensorData::new(targets, [n]), dev);
            Tensor::<1>::from_dispatch(<Dispatch as NllBackend>::dense_nll(
                h.into_dispatch(),
                p.w_y.clone().into_dispatch(),
                p.b_y.clone().into_dispatch(),
                targets.into_dispatch(),
            ))
        }
        Engine::Reference => {
            let logits = h.matmul(p.w_y.clone()) + p.b_y.clone();
            let logp = log_softmax(logits, 1);
            let yoh = one_hot(y, p.b_y.dims()[1], dev);
            (logp * yoh).sum().neg()
        }
    }
}
