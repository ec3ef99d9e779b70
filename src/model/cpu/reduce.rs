//! What the host training steps do after their slices: the slices' gradients summed into the
//! first slice's, and Adam's update, each spread over the threads by parts of every array
//! (slices summed in order, so the results never depend on scheduling).

use crate::model::cpu::parallel::Parallel;
use crate::model::optim::adam::{AdamSettings, AdamState, sum_squares, update};
use std::ops::Range;

/// At most this many parts of the parameter arrays are combined and updated at once.
const MAX_PARTS: usize = 16;
/// At most this many parameter arrays (a two-layer conditioned network has 12).
pub const MAX_ARRAYS: usize = 12;

/// One part of each parameter array (or of its gradient or moments); unused entries empty.
type Arrays<'a> = [&'a mut [f32]; MAX_ARRAYS];

/// Part `i` of `t` near-equal contiguous parts of `0..n`.
fn part(n: usize, t: usize, i: usize) -> Range<usize> {
    i * n / t..(i + 1) * n / t
}

/// Each array cut into `t` parts (`part`): entry i holds part i of every array.
fn cut<'a>(arrays: impl IntoIterator<Item = &'a mut [f32]>, t: usize) -> [Arrays<'a>; MAX_PARTS] {
    let mut out: [Arrays<'a>; MAX_PARTS] = Default::default();
    for (k, arr) in arrays.into_iter().enumerate() {
        assert!(k < MAX_ARRAYS, "more than {MAX_ARRAYS} parameter arrays");
        let n = arr.len();
        let mut rest = arr;
        for (i, slot) in out.iter_mut().enumerate().take(t) {
            let (a, b) = std::mem::take(&mut rest).split_at_mut(part(n, t, i).len());
            slot[k] = a;
            rest = b;
        }
    }
    out
}

/// Adds the gradients `others(0..count)` of the other slices into `first`, each thread a
/// part of every array, and returns the norm of the sum (NaN or infinite when a gradient
/// is).
pub fn sum_slices<'g>(
    first: &mut [Vec<f32>],
    count: usize,
    others: &(dyn Fn(usize) -> &'g [Vec<f32>] + Sync),
    par: &Parallel,
) -> f64 {
    let t = par.threads().clamp(1, MAX_PARTS);
    let mut lens = [0usize; MAX_ARRAYS];
    lens.iter_mut()
        .zip(first.iter())
        .for_each(|(l, g)| *l = g.len());
    let arrays = first.len();
    let mut acc = cut(first.iter_mut().map(Vec::as_mut_slice), t).into_iter();
    let mut items: [(Arrays<'_>, f64); MAX_PARTS] =
        std::array::from_fn(|_| (acc.next().unwrap_or_default(), 0.0));
    par.each(&mut items[..t], &|i, (acc, sumsq)| {
        for (kk, acc) in acc.iter_mut().enumerate().take(arrays) {
            let r = part(lens[kk], t, i);
            for s in 0..count {
                let g = &others(s)[kk][r.clone()];
                acc.iter_mut().zip(g).for_each(|(a, g)| *a += g);
            }
            *sumsq += sum_squares(acc);
        }
    });
    items[..t].iter().map(|(_, s)| s).sum::<f64>().sqrt()
}

/// Adam's update of `params` from `grads` (whose norm is `norm`), each thread a part of
/// every array; false (and nothing changed) when the norm is NaN or infinite.
pub fn adam_parts<'w>(
    params: impl Iterator<Item = &'w mut Vec<f32>>,
    grads: &[Vec<f32>],
    norm: f64,
    (opt, settings): (&mut AdamState, &AdamSettings),
    par: &Parallel,
) -> bool {
    if !norm.is_finite() {
        return false;
    }
    let mut lens = [0usize; MAX_ARRAYS];
    lens.iter_mut().zip(grads).for_each(|(l, g)| *l = g.len());
    let c = opt.begin(settings, grads.iter().map(Vec::len), norm);
    let t = par.threads().clamp(1, MAX_PARTS);
    let mut wp = cut(params.map(Vec::as_mut_slice), t).into_iter();
    let mut mp = cut(opt.m.iter_mut().map(Vec::as_mut_slice), t).into_iter();
    let mut vp = cut(opt.v.iter_mut().map(Vec::as_mut_slice), t).into_iter();
    let mut items: [(Arrays<'_>, Arrays<'_>, Arrays<'_>); MAX_PARTS] = std::array::from_fn(|_| {
        (
            wp.next().unwrap_or_default(),
            mp.next().unwrap_or_default(),
            vp.next().unwrap_or_default(),
        )
    });
    par.each(&mut items[..t], &|i, (p, m, v)| {
        for kk in 0..grads.len() {
            let r = part(lens[kk], t, i);
            update(c, p[kk], m[kk], v[kk], &grads[kk][r]);
        }
    });
    true
}
