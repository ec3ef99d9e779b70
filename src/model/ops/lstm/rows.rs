//! One row and step of the LSTM recurrence, forward and back: the element-wise maths the
//! fused recurrence runs between its products.

use crate::model::cpu::cell::activate;
use crate::model::cpu::fastmath::{MulAdd, tanh_with};

/// One row and step of the forward pass: activates the gates `zr` [4A] in place and
/// writes the cell state, its tanh and the hidden state from the previous cell state.
#[inline(always)]
pub(super) fn cell_row<M: MulAdd>(
    zr: &mut [f32],
    c_prev: &[f32],
    c: &mut [f32],
    tc: &mut [f32],
    h: &mut [f32],
) {
    let a = c.len();
    activate::<M>(zr, a);
    // Equal lengths up front, so the loops run without bounds checks and vectorize.
    let (i, f, g, o) = (
        &zr[..a],
        &zr[a..2 * a],
        &zr[2 * a..3 * a],
        &zr[3 * a..4 * a],
    );
    let (c_prev, tc, h) = (&c_prev[..a], &mut tc[..a], &mut h[..a]);
    for j in 0..a {
        c[j] = f[j] * c_prev[j] + i[j] * g[j];
    }
    for j in 0..a {
        tc[j] = tanh_with::<M>(c[j]);
    }
    for j in 0..a {
        h[j] = o[j] * tc[j];
    }
}

/// One row and step of BPTT: the gate gradients `dz` [4A] from the activated gates `gz`
/// [4A], the previous cell state, tanh of the cell state, the hidden state's gradient from
/// above and from the next step; `dc` carries the cell's gradient to the previous step.
#[inline(always)]
pub(super) fn bptt_row(
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
