//! The fused LSTM recurrence: every time step in one burn operation with a hand-written
//! backward pass (BPTT), the way cuDNN does it, instead of a graph of small per-step ops.
//!
//! `LstmBackend` is a burn backend extension: NdArray and Flex run the forward recurrence
//! on the host, and the Autodiff implementation registers `LstmBackward`, which runs BPTT
//! from the gates and cell states the forward pass kept. Matrix products go through
//! `kernels::gemm` (AVX-512 where the CPU has it, else the `gemm` crate).

use crate::model::cpu::fastmath::{sigmoid, tanh, with_simd};
use crate::model::cpu::kernels::{PackedB, gemm, gemm_packed};
use crate::model::cpu::pool;
use crate::model::ops::xent::host;
use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::{base::Checkpointer, strategy::CheckpointStrategy};
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;
#[allow(deprecated)] // burn-ndarray is offered on purpose beside burn-flex
use burn::backend::{Backend, Flex, NdArray, TensorMetadata, backend_extension};
use burn::tensor::TensorData;

pub use extension::LstmBackend;

/// `LstmBackend` in a module of its own: the code `backend_extension` writes for it names
/// burn-ndarray, and the allow on the module covers that code.
#[allow(deprecated)] // burn-ndarray is offered on purpose beside burn-flex
mod extension {
    use super::*;

    #[backend_extension(NdArray, Flex, Autodiff)]
    pub trait LstmBackend: Backend {
        /// Hidden states [B, T, A] of the recurrence over `xp` [B, T, 4A] (input projections,
        /// bias included; gates in Keras order i, f, c, o) with recurrent kernel `u` [A, 4A],
        /// from a zero initial state.
        fn lstm_recurrence(xp: FloatTensor<Self>, u: FloatTensor<Self>) -> FloatTensor<Self>;
    }
}

/// What the backward pass needs from the forward pass. Arrays are batch-major like the
/// model's windows: row `r`, step `s` of a [B, T, ·] array starts at `(r * T + s) * width`.
#[derive(Clone, Debug)]
pub struct Cache {
    pub t: usize,
    pub b: usize,
    pub a: usize,
    pub u: Vec<f32>,
    /// Activated gates [B, T, 4A].
    pub gates: Vec<f32>,
    /// Cell states, their tanh, and hidden states [B, T, A].
    pub cs: Vec<f32>,
    pub tcs: Vec<f32>,
    pub hs: Vec<f32>,
}

impl Cache {
    /// Gives the buffers back to the pool for the next step.
    pub fn recycle(self) {
        pool::give([self.u, self.gates, self.cs, self.tcs, self.hs]);
    }
}

/// The forward recurrence on the host: `xp` [B, T, 4A], `u` [A, 4A].
pub fn forward(xp: &[f32], u: &[f32], b: usize, t: usize, a: usize) -> Cache {
    forward_owned(xp.to_vec(), u, b, t, a)
}

/// The forward recurrence over input projections the caller has already written into
/// `gates` [B, T, 4A]: they become the activated gates of the cache, with no copy.
pub fn forward_owned(gates: Vec<f32>, u: &[f32], b: usize, t: usize, a: usize) -> Cache {
    forward_fill(gates, u, b, t, a, |_, _| {})
}

/// The forward recurrence where `fill(row, z)` first writes each row's input projection
/// into its slice of `gates` [B, T, 4A], step by step just before the step needs it (so
/// the projections are still in cache when the step's product adds to them).
pub fn forward_fill<F: FnMut(usize, &mut [f32])>(
    gates: Vec<f32>,
    u: &[f32],
    b: usize,
    t: usize,
    a: usize,
    fill: F,
) -> Cache {
    with_simd!(forward_generic(gates, u, b, t, a, fill))
}

#[inline(always)]
fn forward_generic<F: FnMut(usize, &mut [f32])>(
    mut gates: Vec<f32>,
    u: &[f32],
    b: usize,
    t: usize,
    a: usize,
    mut fill: F,
) -> Cache {
    let g4 = 4 * a;
    assert_eq!(gates.len(), b * t * g4, "xp must be [B, T, 4A]");
    assert_eq!(u.len(), a * g4, "u must be [A, 4A]");
    // Every element of these is written before it is read.
    let mut cs = pool::scratch(b * t * a);
    let mut tcs = pool::scratch(b * t * a);
    let mut hs = pool::scratch(b * t * a);
    let zeros = pool::zeros(a);
    // u packed once for the t - 1 steps' products.
    let up = PackedB::new(a, g4, u, (g4, 1));
    for s in 0..t {
        for r in 0..b {
            let row = r * t + s;
            fill(row, &mut gates[row * g4..(row + 1) * g4]);
        }
        if s > 0 {
            // z[:, s] += h[:, s-1] · u, every row of the batch at once.
            let (h, z) = (&hs[(s - 1) * a..], &mut gates[s * g4..]);
            gemm_packed(b, h, (t * a, 1), &up, 1.0, z, t * g4);
        }
        for r in 0..b {
            let row = r * t + s;
            let base = row * a;
            let (done, rest) = cs.split_at_mut(base);
            let c_prev: &[f32] = if s > 0 { &done[base - a..] } else { &zeros };
            cell_row(
                &mut gates[row * g4..(row + 1) * g4],
                c_prev,
                &mut rest[..a],
                &mut tcs[base..base + a],
                &mut hs[base..base + a],
            );
        }
    }
    pool::give([zeros]);
    Cache {
        t,
        b,
        a,
        u: pool::copy_of(u),
        gates,
        cs,
        tcs,
        hs,
    }
}

/// One row and step of the forward pass: activates the gates `zr` [4A] in place and
/// writes the cell state, its tanh and the hidden state from the previous cell state.
#[inline(always)]
fn cell_row(zr: &mut [f32], c_prev: &[f32], c: &mut [f32], tc: &mut [f32], h: &mut [f32]) {
    let a = c.len();
    let (ifg, o) = zr.split_at_mut(3 * a);
    let (if_, g) = ifg.split_at_mut(2 * a);
    if_.iter_mut().for_each(|v| *v = sigmoid(*v));
    g.iter_mut().for_each(|v| *v = tanh(*v));
    o.iter_mut().for_each(|v| *v = sigmoid(*v));
    // Equal lengths up front, so the loops run without bounds checks and vectorize.
    let (i, f, g, o) = (&if_[..a], &if_[a..2 * a], &g[..a], &o[..a]);
    let (c_prev, tc, h) = (&c_prev[..a], &mut tc[..a], &mut h[..a]);
    for j in 0..a {
        c[j] = f[j] * c_prev[j] + i[j] * g[j];
    }
    for j in 0..a {
        tc[j] = tanh(c[j]);
    }
    for j in 0..a {
        h[j] = o[j] * tc[j];
    }
}

/// BPTT: gradients of xp [B, T, 4A] and u [A, 4A] from the gradient of the hidden states.
pub fn backward(cache: &Cache, dhs: &[f32]) -> (Vec<f32>, Vec<f32>) {
    backward_sink(cache, dhs, |_, _| {})
}

/// BPTT that also hands each row's gate gradients to `sink(row, dz)` as soon as they are
/// computed (while they are in cache).
pub fn backward_sink<F: FnMut(usize, &[f32])>(
    cache: &Cache,
    dhs: &[f32],
    sink: F,
) -> (Vec<f32>, Vec<f32>) {
    with_simd!(backward_generic(cache, dhs, sink))
}

#[inline(always)]
fn backward_generic<F: FnMut(usize, &[f32])>(
    cache: &Cache,
    dhs: &[f32],
    mut sink: F,
) -> (Vec<f32>, Vec<f32>) {
    let (t, b, a) = (cache.t, cache.b, cache.a);
    let g4 = 4 * a;
    // Every element of dxp is written before it is read.
    let mut dxp = pool::scratch(b * t * g4);
    let mut dh_next = pool::zeros(b * a);
    let mut dc_next = pool::zeros(b * a);
    // uᵀ packed once, from u as it is, for the t - 1 steps' products.
    let ut = PackedB::new(g4, a, &cache.u, (1, g4));
    let zeros = pool::zeros(a);
    for s in (0..t).rev() {
        for r in 0..b {
            let row = r * t + s;
            let base = row * a;
            let c_prev = if s > 0 {
                &cache.cs[base - a..base]
            } else {
                &zeros[..]
            };
            bptt_row(
                &cache.gates[row * g4..(row + 1) * g4],
                c_prev,
                &cache.tcs[base..base + a],
                &dhs[base..base + a],
                &dh_next[r * a..(r + 1) * a],
                &mut dc_next[r * a..(r + 1) * a],
                &mut dxp[row * g4..(row + 1) * g4],
            );
            sink(row, &dxp[row * g4..(row + 1) * g4]);
        }
        if s > 0 {
            // dh_next = dz[:, s] · uᵀ   ([B, 4A] · [4A, A])
            gemm_packed(b, &dxp[s * g4..], (t * g4, 1), &ut, 0.0, &mut dh_next, a);
        }
    }
    let du = recurrent_grad(cache, &dxp);
    pool::give([dh_next, dc_next, zeros]);
    (dxp, du)
}

/// du = Σ_s h[:, s-1]ᵀ · dz[:, s]: one product over every row and step at once
/// ([A, B·T] · [B·T, 4A]) against the hidden states shifted one step (zero at s = 0).
fn recurrent_grad(cache: &Cache, dxp: &[f32]) -> Vec<f32> {
    let (t, b, a) = (cache.t, cache.b, cache.a);
    let g4 = 4 * a;
    let mut du = pool::zeros(a * g4);
    let mut h_prev = pool::zeros(b * t * a);
    for r in (0..b).filter(|_| t > 0) {
        let rows = r * t * a..(r + 1) * t * a;
        h_prev[rows.start + a..rows.end].copy_from_slice(&cache.hs[rows.start..rows.end - a]);
    }
    gemm(
        a,
        b * t,
        g4,
        &h_prev,
        (1, a),
        dxp,
        (g4, 1),
        0.0,
        &mut du,
        g4,
    );
    pool::give([h_prev]);
    du
}

/// One row and step of BPTT: the gate gradients `dz` [4A] from the activated gates `gz`
/// [4A], the previous cell state, tanh of the cell state, the hidden state's gradient from
/// above and from the next step; `dc` carries the cell's gradient to the previous step.
#[inline(always)]
fn bptt_row(
    gz: &[f32],
    c_prev: &[f32],
    tc: &[f32],
    dh_up: &[f32],
    dh_next: &[f32],
    dc: &mut [f32],
    dz: &mut [f32],
) {
    let a = tc.len();
    // Equal lengths up front, so the loop runs without bounds checks and vectorizes.
    let (gi, gf, gg, go) = (
        &gz[..a],
        &gz[a..2 * a],
        &gz[2 * a..3 * a],
        &gz[3 * a..4 * a],
    );
    let (c_prev, dh_up, dh_next, dc) = (&c_prev[..a], &dh_up[..a], &dh_next[..a], &mut dc[..a]);
    let (dzi, rest) = dz[..4 * a].split_at_mut(a);
    let (dzf, rest) = rest.split_at_mut(a);
    let (dzg, dzo) = rest.split_at_mut(a);
    for j in 0..a {
        let (i, f, g, o) = (gi[j], gf[j], gg[j], go[j]);
        let dh = dh_up[j] + dh_next[j];
        let d = dc[j] + dh * o * (1.0 - tc[j] * tc[j]);
        dc[j] = d * f;
        dzi[j] = d * g * i * (1.0 - i);
        dzf[j] = d * c_prev[j] * f * (1.0 - f);
        dzg[j] = d * i * (1.0 - g * g);
        dzo[j] = dh * tc[j] * o * (1.0 - o);
    }
}

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

fn host_forward<B: Backend>(xp: FloatTensor<B>, u: FloatTensor<B>) -> (Cache, FloatTensor<B>) {
    let device = xp.device();
    let (xv, xs) = host::<B>(xp);
    let (uv, us) = host::<B>(u);
    let (b, t, a) = dims(&xs, &us);
    let cache = forward_owned(xv, &uv, b, t, a);
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
    type State = (Cache, <FloatTensor<B> as TensorMetadata>::Device);

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

#[cfg(test)]
mod tests;
