//! The jazz model on burn: one-hot → LSTM → shared Dense softmax, with autodiff gradients.

use super::BackendKind;
use super::cond_ops::CondBackend;
use super::lstm::LstmBackend;
use super::weights::Weights;
use burn::backend::Dispatch;
use burn::tensor::activation::{log_softmax, sigmoid};
use burn::tensor::{Device, Int, Tensor, TensorData};

/// The burn device for a backend, with or without autodiff.
pub fn device(kind: BackendKind, autodiff: bool) -> Device {
    #[allow(deprecated)] // burn-ndarray is kept on purpose: both backends are offered
    let d = match kind {
        BackendKind::Flex => Device::flex(),
        BackendKind::Ndarray => Device::ndarray(),
    };
    if autodiff { d.autodiff() } else { d }
}

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

/// How the recurrence is computed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// The exercise kind's whole step by hand on the host, no graph (`model::host`); the
    /// conditioned kind runs its fused operations (as `Fused`).
    #[default]
    Host,
    /// The recurrence and the output layer as fused burn operations with hand-written
    /// backward passes (`model::lstm`, `model::cond_ops`), under burn's autodiff.
    Fused,
    /// A graph of burn ops per step: the tested reference.
    Reference,
}

impl std::str::FromStr for Engine {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "host" => Ok(Engine::Host),
            "fused" => Ok(Engine::Fused),
            "reference" => Ok(Engine::Reference),
            _ => Err(format!("unknown engine {s:?} (host, fused or reference)")),
        }
    }
}

impl std::fmt::Display for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Engine::Host => "host",
            Engine::Fused => "fused",
            Engine::Reference => "reference",
        })
    }
}

/// The hidden states [B, T, A] of the recurrence over the input projections `xp` [B, T, 4A]
/// (bias included): the fused operation, or the reference graph of burn ops per step.
pub(super) fn recurrence(xp: Tensor<3>, u: Tensor<2>, engine: Engine) -> Tensor<3> {
    match engine {
        Engine::Host | Engine::Fused => Tensor::<3>::from_dispatch(
            <Dispatch as LstmBackend>::lstm_recurrence(xp.into_dispatch(), u.into_dispatch()),
        ),
        Engine::Reference => {
            let [b, tx, g4] = xp.dims();
            let a = g4 / 4;
            let dev = xp.device();
            let mut h: Tensor<2> = Tensor::zeros([b, a], &dev);
            let mut c: Tensor<2> = Tensor::zeros([b, a], &dev);
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
            Tensor::stack(hs, 1)
        }
    }
}

/// The loss of a batch and the gradient of every parameter array (in `Weights` order).
pub struct BatchGrads {
    /// The exercise's loss: per-step batch-mean cross-entropy, summed over steps.
    pub loss: f64,
    /// Summed cross-entropy over all targets, and their number.
    pub total_nats: f64,
    pub targets: usize,
    pub grads: [Vec<f32>; 5],
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
) -> BatchGrads {
    let (v, a) = (w.n_values, w.n_a);
    let w_x = tensor2(&w.w_x, [v, 4 * a], dev).require_grad();
    let u = tensor2(&w.u, [a, 4 * a], dev).require_grad();
    let bias = tensor2(&w.b, [1, 4 * a], dev).require_grad();
    let w_y = tensor2(&w.w_y, [a, v], dev).require_grad();
    let b_y = tensor2(&w.b_y, [1, v], dev).require_grad();

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
    let xp = Tensor::cat(vec![w_x.clone(), Tensor::zeros([1, 4 * a], dev)], 0)
        .select(0, rows)
        .reshape([b, tx, 4 * a]);
    // Bias added once for all steps; the recurrence works on [B, T, ·] directly.
    let hs = recurrence(xp + bias.clone().reshape([1, 1, 4 * a]), u.clone(), engine);
    let h = hs.reshape([b * tx, a]);
    let nats = match engine {
        Engine::Host | Engine::Fused => {
            // The output layer, softmax and cross-entropy as one operation.
            let targets: Vec<i64> = y.iter().map(|&t| i64::from(t)).collect();
            let targets = Tensor::<1, Int>::from_data(TensorData::new(targets, [b * tx]), dev);
            Tensor::<1>::from_dispatch(<Dispatch as CondBackend>::dense_nll(
                h.into_dispatch(),
                w_y.clone().into_dispatch(),
                b_y.clone().into_dispatch(),
                targets.into_dispatch(),
            ))
        }
        Engine::Reference => {
            let logits = h.matmul(w_y.clone()) + b_y.clone();
            let logp = log_softmax(logits, 1);
            let yoh = one_hot(y, v, dev);
            (logp * yoh).sum().neg()
        }
    };
    let loss = nats.clone().div_scalar(b as f64);
    let total_nats = scalar(nats.clone());
    let grads = loss.backward();
    let grad = |t: &Tensor<2>| -> Vec<f32> {
        t.grad(&grads)
            .and_then(|g| g.into_data().try_to_vec::<f32>().ok())
            .unwrap_or_else(|| vec![0.0; t.dims()[0] * t.dims()[1]])
    };
    BatchGrads {
        loss: scalar(loss),
        total_nats,
        targets: y.iter().filter(|&&t| t >= 0 && (t as usize) < v).count(),
        grads: [grad(&w_x), grad(&u), grad(&bias), grad(&w_y), grad(&b_y)],
    }
}

fn scalar(t: Tensor<1>) -> f64 {
    t.into_data()
        .try_to_vec::<f32>()
        .ok()
        .and_then(|v| v.first().copied())
        .map_or(f64::NAN, |x| x as f64)
}
