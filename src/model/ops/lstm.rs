//! The fused LSTM recurrence: every time step in one burn operation with a hand-written
//! backward pass (BPTT), the way cuDNN does it, instead of a graph of small per-step ops.
//!
//! The recurrence runs on the host (`forward_from` here; BPTT in `bptt`: `backward_sink`,
//! and `backward_streamed`, which both host training steps call directly). `LstmBackend`
//! is a burn backend extension over them (`op`):
//! NdArray and Flex run the forward recurrence, and the Autodiff implementation registers
//! a backward pass that runs BPTT from the gates and cell states the forward pass kept.
//! Matrix products go through `kernels` (register-tiled AVX-512 or AVX2 kernels where the
//! CPU has them, else the `gemm` crate).

use crate::model::cpu::fastmath::{MulAdd, with_simd};
use crate::model::cpu::kernels::{PackedB, gemm_packed};
use crate::model::cpu::pool;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, backend_extension};
use std::borrow::Cow;

pub use bptt::{InputSide, backward, backward_sink, backward_streamed};
pub use extension::LstmBackend;
use rows::cell_row;

mod bptt;
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

#[cfg(test)]
mod tests;
