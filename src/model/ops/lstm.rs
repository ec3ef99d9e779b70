//! The fused LSTM recurrence: every time step in one burn operation with a hand-written
//! backward pass (BPTT), the way cuDNN does it, instead of a graph of small per-step ops.
//!
//! The recurrence runs on the host (`forward_from`, `backward_sink`; both host training
//! steps call them directly). `LstmBackend` is a burn backend extension over them (`op`):
//! NdArray and Flex run the forward recurrence, and the Autodiff implementation registers
//! a backward pass that runs BPTT from the gates and cell states the forward pass kept.
//! Matrix products go through `kernels` (register-tiled AVX-512 or AVX2 kernels where the
//! CPU has them, else the `gemm` crate).

use crate::model::cpu::fastmath::{MulAdd, with_simd};
use crate::model::cpu::kernels::{PASS_ROWS, PackedB, gemm_packed, gemm_rows};
use crate::model::cpu::pool;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, backend_extension};
use std::borrow::Cow;

pub use extension::LstmBackend;
use rows::{bptt_row, cell_row};

mod op;
mod rows;

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
pub struct Cache<'u> {
    pub t: usize,
    pub b: usize,
    pub a: usize,
    /// The recurrent kernel the pass ran with: borrowed from the caller's weights (a host
    /// step, which keeps them), or a copy the cache owns (`owned`: a burn operation's
    /// backward pass, which runs later).
    pub u: Cow<'u, [f32]>,
    /// Activated gates [B, T, 4A].
    pub gates: Vec<f32>,
    /// Cell states, their tanh, and hidden states [B, T, A].
    pub cs: Vec<f32>,
    pub tcs: Vec<f32>,
    pub hs: Vec<f32>,
    /// The initial hidden and cell states [B, A] each (empty: zero). They get no gradient:
    /// a window carried on from the one before is cut from it (truncated BPTT).
    pub h0: Vec<f32>,
    pub c0: Vec<f32>,
}

impl Cache<'_> {
    /// Gives the buffers back to the pool for the next step.
    pub fn recycle(self) {
        if let Cow::Owned(u) = self.u {
            pool::give([u]);
        }
        pool::give([self.gates, self.cs, self.tcs, self.hs, self.h0, self.c0]);
    }

    /// The same cache owning a copy of its recurrent kernel, to outlive the caller's.
    pub fn owned(self) -> Cache<'static> {
        Cache {
            u: Cow::Owned(pool::copy_of(&self.u)),
            ..self
        }
    }

    /// The hidden and cell states of row `r` after its last step ([A] each).
    pub fn last(&self, r: usize) -> (&[f32], &[f32]) {
        let (a, at) = (self.a, (r * self.t + self.t - 1) * self.a);
        (&self.hs[at..at + a], &self.cs[at..at + a])
    }
}

/// The forward recurrence on the host: `xp` [B, T, 4A], `u` [A, 4A].
pub fn forward<'u>(xp: &[f32], u: &'u [f32], b: usize, t: usize, a: usize) -> Cache<'u> {
    forward_owned(xp.to_vec(), u, b, t, a)
}

/// The forward recurrence over input projections the caller has already written into
/// `gates` [B, T, 4A]: they become the activated gates of the cache, with no copy.
pub fn forward_owned<'u>(gates: Vec<f32>, u: &'u [f32], b: usize, t: usize, a: usize) -> Cache<'u> {
    forward_fill(gates, u, b, t, a, |_, _| {})
}

/// The forward recurrence where `fill(row, z)` first writes each row's input projection
/// into its slice of `gates` [B, T, 4A], step by step just before the step needs it (so
/// the projections are still in cache when the step's product adds to them).
pub fn forward_fill<'u, F: FnMut(usize, &mut [f32])>(
    gates: Vec<f32>,
    u: &'u [f32],
    b: usize,
    t: usize,
    a: usize,
    fill: F,
) -> Cache<'u> {
    forward_from(gates, u, (b, t, a), None, fill)
}

/// `forward_fill` from the initial hidden and cell states `start` ([B, A] each; None:
/// zero), which the cache keeps (and gives back to the pool when recycled).
pub fn forward_from<'u, F: FnMut(usize, &mut [f32])>(
    gates: Vec<f32>,
    u: &'u [f32],
    (b, t, a): (usize, usize, usize),
    start: Option<[Vec<f32>; 2]>,
    fill: F,
) -> Cache<'u> {
    with_simd!(fused forward_generic(gates, u, (b, t, a), start, fill))
}

/// The initial state [h0, c0], each [B, A] or both empty (zero).
fn initial_state(start: Option<[Vec<f32>; 2]>, b: usize, a: usize) -> [Vec<f32>; 2] {
    let [h0, c0] = start.unwrap_or_default();
    assert!(
        h0.len() == c0.len() && [0, b * a].contains(&h0.len()),
        "h0, c0: [B, A]"
    );
    [h0, c0]
}

#[inline(always)]
fn forward_generic<'u, M: MulAdd, F: FnMut(usize, &mut [f32])>(
    _: M,
    mut gates: Vec<f32>,
    u: &'u [f32],
    (b, t, a): (usize, usize, usize),
    start: Option<[Vec<f32>; 2]>,
    mut fill: F,
) -> Cache<'u> {
    let g4 = 4 * a;
    assert_eq!(gates.len(), b * t * g4, "xp must be [B, T, 4A]");
    assert_eq!(u.len(), a * g4, "u must be [A, 4A]");
    let [h0, c0] = initial_state(start, b, a);
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
        // z[:, s] += h[:, s-1] · u (h0 · u at s = 0, if any), every row of the batch at once.
        let (h, ld) = if s > 0 {
            (&hs[(s - 1) * a..], t * a)
        } else {
            (&h0[..], a)
        };
        if !h.is_empty() {
            gemm_packed(b, h, (ld, 1), &up, 1.0, &mut gates[s * g4..], t * g4);
        }
        for r in 0..b {
            let row = r * t + s;
            let base = row * a;
            let (done, rest) = cs.split_at_mut(base);
            cell_row::<M>(
                &mut gates[row * g4..(row + 1) * g4],
                c_before(done, (s, r, t), &c0, &zeros),
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
        u: Cow::Borrowed(u),
        gates,
        cs,
        tcs,
        hs,
        h0,
        c0,
    }
}

/// Row `r`'s cell state before step `s` of `t`: the one before it in `cs` [B, T, A] (at
/// least up to it), or at the first step the initial one (`c0`; `zeros` [A] when empty).
#[inline(always)]
fn c_before<'a>(
    cs: &'a [f32],
    (s, r, t): (usize, usize, usize),
    c0: &'a [f32],
    zeros: &'a [f32],
) -> &'a [f32] {
    let a = zeros.len();
    match (s, c0.is_empty()) {
        (0, true) => zeros,
        (0, false) => &c0[r * a..(r + 1) * a],
        _ => &cs[(r * t + s - 1) * a..(r * t + s) * a],
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
    backward_any(cache, dhs, true, sink)
}

/// BPTT whose gate gradients go only to `sink(row, dz)`: none is kept past the steps
/// whose products need it, so they are written into a few steps' worth of rows (each
/// step's rows side by side, for its product) instead of [B, T, 4A]. Returns du.
pub fn backward_streamed<F: FnMut(usize, &[f32])>(cache: &Cache, dhs: &[f32], sink: F) -> Vec<f32> {
    backward_any(cache, dhs, false, sink).1
}

fn backward_any<F: FnMut(usize, &[f32])>(
    cache: &Cache,
    dhs: &[f32],
    keep: bool,
    sink: F,
) -> (Vec<f32>, Vec<f32>) {
    with_simd!(backward_generic(cache, dhs, keep, sink))
}

/// Where BPTT writes each row's gate gradients: every row and step [B, T, 4A] (`keep`),
/// or a ring of `steps` steps [steps, B, 4A] that each step's rows overwrite.
#[derive(Clone, Copy)]
struct GateRows {
    b: usize,
    t: usize,
    g4: usize,
    /// Steps in the ring (0: every row kept).
    steps: usize,
}

impl GateRows {
    fn new((b, t, g4): (usize, usize, usize), keep: bool) -> GateRows {
        // A pass holds at most GATHER rows, from at most ⌈GATHER / B⌉ + 1 steps, and the
        // step being written is one more.
        let steps = if keep {
            0
        } else {
            t.min(GATHER.div_ceil(b.max(1)) + 2)
        };
        GateRows { b, t, g4, steps }
    }

    fn len(&self) -> usize {
        self.b * self.g4 * if self.steps == 0 { self.t } else { self.steps }
    }

    /// The offset of row `r`'s gate gradients at step `s`.
    fn at(&self, r: usize, s: usize) -> usize {
        self.g4
            * if self.steps == 0 {
                r * self.t + s
            } else {
                (s % self.steps) * self.b + r
            }
    }

    /// The distance between two rows of one step.
    fn row_stride(&self) -> usize {
        self.g4 * if self.steps == 0 { self.t } else { 1 }
    }
}

#[inline(always)]
fn backward_generic<F: FnMut(usize, &[f32])>(
    cache: &Cache,
    dhs: &[f32],
    keep: bool,
    mut sink: F,
) -> (Vec<f32>, Vec<f32>) {
    let (t, b, a) = (cache.t, cache.b, cache.a);
    let g4 = 4 * a;
    let rows = GateRows::new((b, t, g4), keep);
    // Every element of dxp is written before it is read.
    let mut dxp = pool::scratch(rows.len());
    let mut dh_next = pool::zeros(b * a);
    let mut dc_next = pool::zeros(b * a);
    // uᵀ packed once, from u as it is, for the t - 1 steps' products.
    let ut = PackedB::new(g4, a, &cache.u, (1, g4));
    let zeros = pool::zeros(a);
    // du = Σ h_prevᵀ · dz over every row and step, a pass of rows at a time as soon as
    // their dz are computed (still in cache); rows whose h_prev is zero add nothing.
    let mut du = pool::scratch(a * g4);
    let mut pending = [(0usize, 0usize); GATHER];
    let (mut held, mut passes) = (0, 0);
    for s in (0..t).rev() {
        for r in 0..b {
            let row = r * t + s;
            let base = row * a;
            let at = rows.at(r, s);
            bptt_row(
                &cache.gates[row * g4..(row + 1) * g4],
                c_before(&cache.cs, (s, r, t), &cache.c0, &zeros),
                &cache.tcs[base..base + a],
                &dhs[base..base + a],
                &dh_next[r * a..(r + 1) * a],
                &mut dc_next[r * a..(r + 1) * a],
                &mut dxp[at..at + g4],
            );
            sink(row, &dxp[at..at + g4]);
        }
        if s > 0 {
            // dh_next = dz[:, s] · uᵀ   ([B, 4A] · [4A, A])
            let step = &dxp[rows.at(0, s)..];
            gemm_packed(b, step, (rows.row_stride(), 1), &ut, 0.0, &mut dh_next, a);
        }
        for r in (0..b).filter(|_| s > 0 || !cache.h0.is_empty()) {
            if held == GATHER {
                recurrent_pass(cache, &dxp, &pending, passes, &mut du);
                (held, passes) = (0, passes + 1);
            }
            pending[held] = (r * t + s, rows.at(r, s));
            held += 1;
        }
    }
    if held > 0 || passes == 0 {
        recurrent_pass(cache, &dxp, &pending[..held], passes, &mut du);
    }
    pool::give([dh_next, dc_next, zeros]);
    if !keep {
        pool::give([std::mem::take(&mut dxp)]);
    }
    (dxp, du)
}

/// Rows of a pass of du's product: as many as a pass of the register-tiled kernels.
const GATHER: usize = PASS_ROWS;

/// One pass of du = Σ_rows h_prevᵀ · dz: the hidden state before each of `rows` (the
/// initial one at s = 0) against its gate gradients in `dxp` (each row's with their
/// offset there), added to `du` after the first pass.
fn recurrent_pass(
    cache: &Cache,
    dxp: &[f32],
    rows: &[(usize, usize)],
    passes: usize,
    du: &mut [f32],
) {
    let (t, a) = (cache.t, cache.a);
    let g4 = 4 * a;
    let mut h_prev: [&[f32]; GATHER] = [&[]; GATHER];
    let mut dz: [&[f32]; GATHER] = [&[]; GATHER];
    for (k, &(row, at)) in rows.iter().enumerate() {
        let (r, s) = (row / t, row % t);
        h_prev[k] = if s > 0 {
            &cache.hs[(row - 1) * a..row * a]
        } else {
            &cache.h0[r * a..(r + 1) * a]
        };
        dz[k] = &dxp[at..at + g4];
    }
    let beta = if passes > 0 { 1.0 } else { 0.0 };
    let n = rows.len();
    gemm_rows((a, g4), &h_prev[..n], &dz[..n], beta, du, g4);
}

#[cfg(test)]
mod tests;
