//! Softmax cross-entropy as one burn operation with its own backward pass, and reading CPU
//! tensors back to the host for the fused operations.
//!
//! Built from burn ops, the loss is log_softmax, a one-hot product and a sum: four graph
//! nodes, a [N, V] one-hot tensor and a libm `exp` per logit. Fused, the forward pass
//! keeps the softmax it computed and the backward pass is `g · (softmax − onehot)`.

use crate::model::cpu::fastmath::{MulAdd, exp_with, with_simd};
use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::{base::Checkpointer, strategy::CheckpointStrategy};
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::{FloatTensor, IntTensor};
#[allow(deprecated)] // burn-ndarray is offered on purpose beside burn-flex
use burn::backend::{Backend, Flex, NdArray, TensorMetadata, backend_extension};
use burn::tensor::{TensorData, read_sync};

pub use extension::XentBackend;

/// `XentBackend` in a module of its own: the code `backend_extension` writes for it names
/// burn-ndarray, and the allow on the module covers that code.
#[allow(deprecated)] // burn-ndarray is offered on purpose beside burn-flex
mod extension {
    use super::*;

    #[backend_extension(NdArray, Flex, Autodiff)]
    pub trait XentBackend: Backend {
        /// The summed negative log-likelihood in nats (shape [1]) of `targets` [N] under
        /// softmax(`logits` [N, V]). A target outside 0..V adds nothing and gets no gradient.
        fn softmax_nll(logits: FloatTensor<Self>, targets: IntTensor<Self>) -> FloatTensor<Self>;
    }
}

/// The host side: total nats and the softmax of every row (zero rows for skipped targets).
pub fn nll_forward(logits: &[f32], targets: &[i64], v: usize) -> (f32, Vec<f32>) {
    let mut probs = logits.to_vec();
    let total = nll_in_place(&mut probs, targets, v);
    (total, probs)
}

/// Sum in eight lanes, so the loop vectorizes (a single running sum cannot, as float
/// addition does not reassociate).
#[inline(always)]
fn sum8(xs: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let chunks = xs.chunks_exact(8);
    let rest: f32 = chunks.remainder().iter().sum();
    for c in chunks {
        for k in 0..8 {
            acc[k] += c[k];
        }
    }
    acc.iter().sum::<f32>() + rest
}

#[inline(always)]
fn max8(xs: &[f32]) -> f32 {
    let mut acc = [f32::NEG_INFINITY; 8];
    let chunks = xs.chunks_exact(8);
    let rest = chunks
        .remainder()
        .iter()
        .copied()
        .fold(f32::NEG_INFINITY, f32::max);
    for c in chunks {
        for k in 0..8 {
            acc[k] = acc[k].max(c[k]);
        }
    }
    acc.iter().copied().fold(rest, f32::max)
}

/// One row of logits `p` turned into exp(p − max p) in place: returns their sum and the
/// nats of target `t` under the softmax.
#[inline(always)]
fn exp_row<M: MulAdd>(p: &mut [f32], t: usize) -> (f32, f32) {
    let m = max8(p);
    let lt = p[t];
    for pj in p.iter_mut() {
        *pj = exp_with::<M>(*pj - m);
    }
    let s = sum8(p);
    (s, s.ln() + m - lt)
}

/// Total nats of `targets` under softmax(`x` [N, V]), turning `x` into the softmax in place
/// (zero rows for skipped targets).
pub fn nll_in_place(x: &mut [f32], targets: &[i64], v: usize) -> f32 {
    with_simd!(fused nll_in_place_generic(x, targets, v))
}

#[inline(always)]
fn nll_in_place_generic<M: MulAdd>(_: M, x: &mut [f32], targets: &[i64], v: usize) -> f32 {
    assert_eq!(x.len(), targets.len() * v, "logits must be [N, V]");
    let mut total = 0.0f64;
    for (r, &t) in targets.iter().enumerate() {
        let p = &mut x[r * v..(r + 1) * v];
        if t < 0 || t as usize >= v {
            p.fill(0.0);
            continue;
        }
        let (s, nats) = exp_row::<M>(p, t as usize);
        let inv = 1.0 / s;
        p.iter_mut().for_each(|x| *x *= inv);
        total += f64::from(nats);
    }
    total as f32
}

/// Total nats of `targets` under softmax(`x` + `bias`), over the first V = `bias.len()`
/// columns of N rows `ld` apart (`x` the logits without the bias: [N, V] with `ld` = V, or
/// one head's columns among several heads' side by side, from its first column), turning
/// them into the gradient of `g` · nats with respect to the logits, g · (softmax −
/// onehot), and adding its rows into `col_sums` [V] (the bias's gradient): forward and
/// backward in one pass per row.
pub fn nll_grad_cols(
    x: &mut [f32],
    ld: usize,
    bias: &[f32],
    targets: &[i64],
    g: f32,
    col_sums: &mut [f32],
) -> f32 {
    let (v, n) = (bias.len(), targets.len());
    assert!(
        v <= ld && (n == 0 || x.len() >= (n - 1) * ld + v),
        "logits must be N rows of V columns, ld apart"
    );
    with_simd!(fused nll_grad_generic(x, ld, bias, targets, g, col_sums))
}

#[inline(always)]
fn nll_grad_generic<M: MulAdd>(
    _: M,
    x: &mut [f32],
    ld: usize,
    bias: &[f32],
    targets: &[i64],
    g: f32,
    col_sums: &mut [f32],
) -> f32 {
    let v = bias.len();
    let col_sums = &mut col_sums[..v];
    let mut total = 0.0f64;
    for (r, &t) in targets.iter().enumerate() {
        let p = &mut x[r * ld..r * ld + v];
        if t < 0 || t as usize >= v {
            p.fill(0.0);
            continue;
        }
        add_bias(p, bias);
        let (s, nats) = exp_row::<M>(p, t as usize);
        let k = g / s;
        for (pj, c) in p.iter_mut().zip(col_sums.iter_mut()) {
            *pj *= k;
            *c += *pj;
        }
        p[t as usize] -= g;
        col_sums[t as usize] -= g;
        total += f64::from(nats);
    }
    total as f32
}

#[inline(always)]
fn add_bias(p: &mut [f32], bias: &[f32]) {
    p.iter_mut().zip(bias).for_each(|(p, b)| *p += b);
}

/// d logits = g · (softmax − onehot), in place on `probs`.
pub fn nll_backward(mut probs: Vec<f32>, targets: &[i64], v: usize, g: f32) -> Vec<f32> {
    for (r, &t) in targets.iter().enumerate() {
        let p = &mut probs[r * v..(r + 1) * v];
        if t >= 0 && (t as usize) < v {
            p[t as usize] -= 1.0;
        }
        p.iter_mut().for_each(|x| *x *= g);
    }
    probs
}

/// A CPU tensor's values and shape, on the host (shared by the fused operations).
pub(crate) fn host<B: Backend>(t: FloatTensor<B>) -> (Vec<f32>, Vec<usize>) {
    let data = read_sync(B::float_into_data(t)).expect("reading a CPU tensor cannot fail");
    let shape = data.shape().to_vec();
    // Takes the tensor's own buffer when it can, instead of copying it.
    let v = data
        .convert::<f32>()
        .try_into_vec::<f32>()
        .expect("an f32 tensor converts to f32");
    (v, shape)
}

pub(crate) fn ints<B: Backend>(t: IntTensor<B>) -> Vec<i64> {
    read_sync(B::int_into_data(t))
        .expect("reading a CPU tensor cannot fail")
        .convert::<i64>()
        .try_into_vec::<i64>()
        .expect("an integer tensor converts to i64")
}

struct Forward {
    probs: Vec<f32>,
    targets: Vec<i64>,
    v: usize,
}

fn host_forward<B: Backend>(
    logits: FloatTensor<B>,
    targets: IntTensor<B>,
) -> (Forward, FloatTensor<B>) {
    let device = logits.device();
    let (mut x, shape) = host::<B>(logits);
    let targets = ints::<B>(targets);
    assert!(
        shape.len() == 2 && shape[0] == targets.len(),
        "softmax_nll: logits {shape:?} and {} targets disagree",
        targets.len()
    );
    let v = shape[1];
    let total = nll_in_place(&mut x, &targets, v);
    let out = B::float_from_data(TensorData::new(vec![total], [1]), &device);
    (
        Forward {
            probs: x,
            targets,
            v,
        },
        out,
    )
}

#[allow(deprecated)] // burn-ndarray is offered on purpose beside burn-flex
impl XentBackend for NdArray {
    fn softmax_nll(logits: FloatTensor<Self>, targets: IntTensor<Self>) -> FloatTensor<Self> {
        host_forward::<Self>(logits, targets).1
    }
}

impl XentBackend for Flex {
    fn softmax_nll(logits: FloatTensor<Self>, targets: IntTensor<Self>) -> FloatTensor<Self> {
        host_forward::<Self>(logits, targets).1
    }
}

#[derive(Debug)]
struct XentBackward;

impl<B: Backend> Backward<B, 1> for XentBackward {
    type State = (
        Vec<f32>,
        Vec<i64>,
        usize,
        <FloatTensor<B> as TensorMetadata>::Device,
    );

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let (probs, targets, v, device) = ops.state;
        let Some(node) = node else { return };
        let g = host::<B>(grad).0.first().copied().unwrap_or(0.0);
        let n = targets.len();
        let d = nll_backward(probs, &targets, v, g);
        grads.register::<B>(
            node.id,
            B::float_from_data(TensorData::new(d, [n, v]), &device),
        );
    }
}

impl<B: Backend, C: CheckpointStrategy> XentBackend for Autodiff<B, C> {
    fn softmax_nll(logits: FloatTensor<Self>, targets: IntTensor<Self>) -> FloatTensor<Self> {
        match XentBackward
            .prepare::<C>([logits.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let device = logits.primitive().device();
                let (fw, out) = host_forward::<B>(logits.into_primitive(), targets);
                prep.finish((fw.probs, fw.targets, fw.v, device), out)
            }
            OpsKind::UnTracked(prep) => {
                prep.finish(host_forward::<B>(logits.into_primitive(), targets).1)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nll_matches_a_direct_log_softmax_and_its_gradient_sums_to_zero() {
        let v = 5;
        let logits: Vec<f32> = (0..3 * v)
            .map(|i| ((i * 7) % 11) as f32 * 0.4 - 2.0)
            .collect();
        let targets = [2i64, -1, 4];
        let (total, probs) = nll_forward(&logits, &targets, v);
        let mut want = 0.0f64;
        for (r, &t) in targets.iter().enumerate() {
            if t < 0 {
                continue;
            }
            let row = &logits[r * v..(r + 1) * v];
            let lse = row.iter().map(|&x| f64::from(x).exp()).sum::<f64>().ln();
            want += lse - f64::from(row[t as usize]);
        }
        assert!((f64::from(total) - want).abs() < 1e-5, "{total} vs {want}");
        let d = nll_backward(probs, &targets, v, 2.0);
        assert!(
            d[v..2 * v].iter().all(|&x| x == 0.0),
            "skipped row has no gradient"
        );
        for r in [0, 2] {
            let s: f32 = d[r * v..(r + 1) * v].iter().sum();
            assert!(s.abs() < 1e-5, "row {r} sums to {s}");
        }
        assert!(d[2] < 0.0 && d[0] > 0.0, "the target's logit is pushed up");
    }

    #[test]
    fn one_head_s_columns_among_two_give_what_the_head_alone_does() {
        // Two heads of 6 and 3 classes side by side, 4 rows 9 apart.
        let (v0, v1, n) = (6usize, 3usize, 4usize);
        let ld = v0 + v1;
        let joined: Vec<f32> = (0..n * ld)
            .map(|i| ((i * 5) % 13) as f32 * 0.3 - 1.5)
            .collect();
        let bias0: Vec<f32> = (0..v0).map(|i| i as f32 * 0.1).collect();
        let bias1 = [0.2f32, -0.1, 0.05];
        let t0 = [1i64, 5, -1, 0];
        let t1 = [2i64, 0, 1, -1];
        let mut x = joined.clone();
        let (mut c0, mut c1) = (vec![0.0; v0], vec![0.0; v1]);
        let n0 = nll_grad_cols(&mut x, ld, &bias0, &t0, 0.5, &mut c0);
        // The first head's call leaves the second head's columns alone.
        for r in 0..n {
            assert_eq!(
                x[r * ld + v0..(r + 1) * ld],
                joined[r * ld + v0..(r + 1) * ld]
            );
        }
        let n1 = nll_grad_cols(&mut x[v0..], ld, &bias1, &t1, 0.5, &mut c1);
        for (v, at, bias, t, nats, cols) in [
            (v0, 0, &bias0[..], &t0, n0, &c0),
            (v1, v0, &bias1[..], &t1, n1, &c1),
        ] {
            let mut alone: Vec<f32> = (0..n)
                .flat_map(|r| joined[r * ld + at..r * ld + at + v].to_vec())
                .collect();
            let mut cols_alone = vec![0.0; v];
            let nats_alone = nll_grad_cols(&mut alone, v, bias, t, 0.5, &mut cols_alone);
            assert_eq!(nats, nats_alone);
            assert_eq!(cols, &cols_alone);
            for r in 0..n {
                assert_eq!(x[r * ld + at..r * ld + at + v], alone[r * v..(r + 1) * v]);
            }
            // Against the definition: 0.5 · (softmax(logits + bias) − onehot), rows of no
            // target zero.
            for (r, &tr) in t.iter().enumerate() {
                let row: Vec<f64> = (0..v)
                    .map(|c| f64::from(joined[r * ld + at + c] + bias[c]))
                    .collect();
                let z: f64 = row.iter().map(|l| l.exp()).sum();
                for c in 0..v {
                    let want = if tr < 0 {
                        0.0
                    } else {
                        0.5 * (row[c].exp() / z - if c as i64 == tr { 1.0 } else { 0.0 })
                    };
                    assert!(
                        (f64::from(alone[r * v + c]) - want).abs() < 1e-6,
                        "row {r}, class {c}"
                    );
                }
            }
        }
    }
}
