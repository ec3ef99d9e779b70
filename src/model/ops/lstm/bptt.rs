//! BPTT on the host: the gate gradients of each step from the gradient of the hidden
//! states, the recurrent kernel's gradient summed a pass of rows at a time as they come,
//! and for a layer with a dense input (`InputSide`) its input kernel's gradient and its
//! input's gradient the same way. Callers that only sink the gate gradients get them in a
//! ring of a few steps instead of [B, T, 4A] (`backward_streamed`).

use super::rows::bptt_row;
use super::{Cache, c_before};
use crate::model::cpu::fastmath::with_simd;
use crate::model::cpu::kernels::{PASS_ROWS, PackedB, gemm_packed, gemm_rows};
use crate::model::cpu::pool;

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
    backward_any(cache, dhs, (true, None), sink)
}

/// BPTT whose gate gradients go only to `sink(row, dz)` and, for a layer with a dense
/// input, into its input's gradients (`input`): none is kept past the steps whose products
/// need it, so they are written into a few steps' worth of rows (each step's rows side by
/// side, for its products) instead of [B, T, 4A]. Returns du.
pub fn backward_streamed<F: FnMut(usize, &[f32])>(
    cache: &Cache,
    dhs: &[f32],
    input: Option<InputSide>,
    sink: F,
) -> Vec<f32> {
    backward_any(cache, dhs, (false, input), sink).1
}

/// A layer's dense input, whose gradients BPTT takes as it goes: the input rows `x`
/// [B, T, I] and the input kernel `w` [I, 4A]; dw = Σ xᵀ·dz is written into `dw` [I, 4A]
/// and dx = dz·wᵀ into `dx` [B, T, I].
pub struct InputSide<'a> {
    pub x: &'a [f32],
    pub w: &'a [f32],
    pub dw: &'a mut [f32],
    pub dx: &'a mut [f32],
}

fn backward_any<F: FnMut(usize, &[f32])>(
    cache: &Cache,
    dhs: &[f32],
    (keep, input): (bool, Option<InputSide>),
    sink: F,
) -> (Vec<f32>, Vec<f32>) {
    with_simd!(backward_generic(cache, dhs, (keep, input), sink))
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
    (keep, input): (bool, Option<InputSide>),
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
    let mut queue = Queue::default();
    let mut inputs = input.map(|x| Inputs::new(x, g4));
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
        let step = &dxp[rows.at(0, s)..];
        if s > 0 {
            // dh_next = dz[:, s] · uᵀ   ([B, 4A] · [4A, A])
            gemm_packed(b, step, (rows.row_stride(), 1), &ut, 0.0, &mut dh_next, a);
        }
        if let Some(inputs) = inputs.as_mut() {
            inputs.step((&dxp, step), (s, t, b), &rows);
        }
        for r in (0..b).filter(|_| s > 0 || !cache.h0.is_empty()) {
            let pass = |p: &[_], first| recurrent_pass(cache, &dxp, p, first, &mut du);
            queue.push((r * t + s, rows.at(r, s)), pass);
        }
    }
    queue.finish(|p, first| recurrent_pass(cache, &dxp, p, first, &mut du));
    if let Some(inputs) = inputs {
        inputs.finish(&dxp);
    }
    pool::give([dh_next, dc_next, zeros]);
    if !keep {
        pool::give([std::mem::take(&mut dxp)]);
    }
    (dxp, du)
}

/// Rows of a pass of du's product: as many as a pass of the register-tiled kernels.
const GATHER: usize = PASS_ROWS;

/// Rows waiting for the next pass of a weight gradient Σ xᵀ·dz, each as (where its x row
/// is, where its gate gradients are), a pass of up to `GATHER` at a time.
struct Queue {
    pending: [(usize, usize); GATHER],
    held: usize,
    passes: usize,
}

impl Default for Queue {
    fn default() -> Queue {
        Queue {
            pending: [(0, 0); GATHER],
            held: 0,
            passes: 0,
        }
    }
}

impl Queue {
    /// Queues a row, first running `pass(rows, first)` over the queued ones when full.
    fn push(&mut self, row: (usize, usize), pass: impl FnOnce(&[(usize, usize)], bool)) {
        if self.held == GATHER {
            pass(&self.pending, self.passes == 0);
            (self.held, self.passes) = (0, self.passes + 1);
        }
        self.pending[self.held] = row;
        self.held += 1;
    }

    /// The last pass; with no rows at all, one pass over none (which zeroes the sum).
    fn finish(&mut self, pass: impl FnOnce(&[(usize, usize)], bool)) {
        if self.held > 0 || self.passes == 0 {
            pass(&self.pending[..self.held], self.passes == 0);
        }
    }
}

/// One pass of a weight gradient Σ xᵀ·dz over the queued `rows`: `x_row(key)` the x row
/// (`m` long) of each row's key, its gate gradients at their offset in `dxp`; written into
/// `out` [m, 4A] on the `first` pass, added to it after.
fn weight_pass<'x>(
    rows: &[(usize, usize)],
    x_row: impl Fn(usize) -> &'x [f32],
    (dxp, g4): (&[f32], usize),
    (m, first): (usize, bool),
    out: &mut [f32],
) {
    let mut xs: [&[f32]; GATHER] = [&[]; GATHER];
    let mut dz: [&[f32]; GATHER] = [&[]; GATHER];
    for (k, &(key, at)) in rows.iter().enumerate() {
        xs[k] = x_row(key);
        dz[k] = &dxp[at..at + g4];
    }
    let beta = if first { 0.0 } else { 1.0 };
    let n = rows.len();
    gemm_rows((m, g4), &xs[..n], &dz[..n], beta, out, g4);
}

/// One pass of du = Σ h_prevᵀ · dz: the hidden state before each queued row (its key; the
/// initial state at s = 0).
fn recurrent_pass(
    cache: &Cache,
    dxp: &[f32],
    rows: &[(usize, usize)],
    first: bool,
    du: &mut [f32],
) {
    let (t, a) = (cache.t, cache.a);
    let h_prev = |row: usize| {
        let (r, s) = (row / t, row % t);
        if s > 0 {
            &cache.hs[(row - 1) * a..row * a]
        } else {
            &cache.h0[r * a..(r + 1) * a]
        }
    };
    weight_pass(rows, h_prev, (dxp, 4 * a), (a, first), du);
}

/// What BPTT keeps for a layer's dense input: the input and its gradients' places, its
/// kernel read transposed (packed once), and the rows waiting for the next pass of the
/// kernel's gradient.
struct Inputs<'a> {
    side: InputSide<'a>,
    wt: PackedB,
    queue: Queue,
    /// Width of an input row.
    width: usize,
}

impl<'a> Inputs<'a> {
    fn new(side: InputSide<'a>, g4: usize) -> Inputs<'a> {
        let width = side.w.len() / g4.max(1);
        Inputs {
            wt: PackedB::new(g4, width, side.w, (1, g4)),
            side,
            queue: Queue::default(),
            width,
        }
    }

    /// Step `s`'s gate gradients (`step`, the step's rows of `dxp`): dx for its rows now,
    /// and its rows queued for the kernel's gradient.
    fn step(
        &mut self,
        (dxp, step): (&[f32], &[f32]),
        (s, t, b): (usize, usize, usize),
        rows: &GateRows,
    ) {
        let i = self.width;
        let dx = &mut self.side.dx[s * i..];
        gemm_packed(b, step, (rows.row_stride(), 1), &self.wt, 0.0, dx, t * i);
        let (x, dw) = (self.side.x, &mut *self.side.dw);
        for r in 0..b {
            let pass = |p: &[_], first| input_pass(x, i, (dxp, p), first, dw);
            self.queue.push(((r * t + s) * i, rows.at(r, s)), pass);
        }
    }

    /// The last pass (or dw zeroed, with no rows at all).
    fn finish(mut self, dxp: &[f32]) {
        let (x, i, dw) = (self.side.x, self.width, self.side.dw);
        self.queue
            .finish(|p, first| input_pass(x, i, (dxp, p), first, dw));
    }
}

/// One pass of dw = Σ xᵀ · dz: each queued row's input row (its key, where it starts in `x`,
/// rows `i` wide).
fn input_pass(
    x: &[f32],
    i: usize,
    (dxp, rows): (&[f32], &[(usize, usize)]),
    first: bool,
    dw: &mut [f32],
) {
    let g4 = dw.len() / i.max(1);
    weight_pass(rows, |at| &x[at..at + i], (dxp, g4), (i, first), dw);
}
