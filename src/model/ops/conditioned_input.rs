//! The host side of the conditioned model's first layer: the batch's distinct chord/beat
//! feature rows, and the layer's forward and backward passes around the fused recurrence
//! (row lookups and feature projections written and collected step by step).

use crate::model::cpu::fastmath::with_simd;
use crate::model::cpu::pool;
use crate::model::ops::lstm::{self, Cache};
use std::collections::HashMap;

/// Rows of a mostly-zero matrix: row `r`'s entries are `col[start[r]..start[r + 1]]` with
/// values `val[…]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sparse {
    pub start: Vec<usize>,
    pub col: Vec<usize>,
    pub val: Vec<f32>,
}

impl Sparse {
    /// The distinct rows of `x` [N, F] (first appearance first), and which of them each
    /// row of `x` is. Music repeats its chords and beat positions, so a batch holds far
    /// fewer distinct feature rows than events, and each is multiplied out once.
    pub fn distinct_rows(x: &[f32], f: usize) -> (Sparse, Vec<usize>) {
        let mut s = Sparse {
            start: vec![0],
            ..Sparse::default()
        };
        let mut seen: HashMap<Vec<u64>, usize> = HashMap::new();
        let mut key: Vec<u64> = Vec::new();
        let mut which = Vec::with_capacity(x.len() / f.max(1));
        for row in x.chunks(f.max(1)) {
            key.clear();
            key.extend(
                row.iter()
                    .enumerate()
                    .filter(|(_, v)| **v != 0.0)
                    .map(|(c, v)| ((c as u64) << 32) | u64::from(v.to_bits())),
            );
            if let Some(&u) = seen.get(key.as_slice()) {
                which.push(u);
                continue;
            }
            let u = s.start.len() - 1;
            for &k in &key {
                s.col.push((k >> 32) as usize);
                s.val.push(f32::from_bits(k as u32));
            }
            s.start.push(s.col.len());
            seen.insert(key.clone(), u);
            which.push(u);
        }
        (s, which)
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.start.len() - 1
    }

    fn row(&self, r: usize) -> impl Iterator<Item = (usize, f32)> + '_ {
        let span = self.start[r]..self.start[r + 1];
        self.col[span.clone()]
            .iter()
            .copied()
            .zip(self.val[span].iter().copied())
    }
}

/// The first layer's inputs: per row the two lookups and which distinct feature row it has.
#[derive(Clone, Debug)]
pub struct Inputs {
    pub prev_p: Vec<usize>,
    pub prev_d: Vec<usize>,
    /// The distinct feature rows, sparse.
    pub feats: Sparse,
    /// Per row, its feature row in `feats`.
    pub pattern: Vec<usize>,
    /// Rows of e_p, e_d and w_f.
    pub sizes: [usize; 3],
}

impl Inputs {
    /// Checks every index against its table, so the kernels can index freely.
    pub fn new(prev_p: &[i64], prev_d: &[i64], feats: &[f32], sizes: [usize; 3]) -> Inputs {
        let (feats, pattern) = Sparse::distinct_rows(feats, sizes[2]);
        let idx = |v: &[i64], n: usize, what: &str| -> Vec<usize> {
            v.iter()
                .map(|&i| {
                    assert!(
                        i >= 0 && (i as usize) < n,
                        "cond_lstm: {what} row {i} of {n}"
                    );
                    i as usize
                })
                .collect()
        };
        assert_eq!(
            pattern.len(),
            prev_p.len(),
            "cond_lstm: one feature row per event"
        );
        Inputs {
            prev_p: idx(prev_p, sizes[0], "pitch"),
            prev_d: idx(prev_d, sizes[1], "duration"),
            feats,
            pattern,
            sizes,
        }
    }
}

#[inline(always)]
pub(crate) fn axpy(y: &mut [f32], k: f32, x: &[f32]) {
    for (yj, xj) in y.iter_mut().zip(x) {
        *yj += k * xj;
    }
}

#[inline(always)]
pub(crate) fn add(y: &mut [f32], x: &[f32]) {
    for (yj, xj) in y.iter_mut().zip(x) {
        *yj += xj;
    }
}

/// Each distinct feature row times w_f, plus the bias [distinct rows, 4A].
fn feature_table(w_f: &[f32], bias: &[f32], inp: &Inputs, g4: usize) -> Vec<f32> {
    with_simd!(feature_table_generic(w_f, bias, inp, g4))
}

#[inline(always)]
fn feature_table_generic(w_f: &[f32], bias: &[f32], inp: &Inputs, g4: usize) -> Vec<f32> {
    let mut fp = pool::scratch(inp.feats.rows() * g4);
    for (u, fu) in fp.chunks_exact_mut(g4).enumerate() {
        fu.copy_from_slice(bias);
        for (f, v) in inp.feats.row(u) {
            axpy(fu, v, &w_f[f * g4..(f + 1) * g4]);
        }
    }
    fp
}

/// The first layer's forward pass: each row's input projection (two looked-up rows and
/// its feature row's projection) is written as the recurrence reaches its step.
pub fn layer_recurrence(
    tables: [&[f32]; 5],
    inp: &Inputs,
    b: usize,
    t: usize,
    a: usize,
) -> Cache<'static> {
    let [e_p, e_d, w_f, bias, u] = tables;
    let g4 = 4 * a;
    let fp = feature_table(w_f, bias, inp, g4);
    let fill = |row: usize, z: &mut [f32]| {
        let (p, d, f) = (inp.prev_p[row], inp.prev_d[row], inp.pattern[row]);
        let ep = &e_p[p * g4..(p + 1) * g4];
        let ed = &e_d[d * g4..(d + 1) * g4];
        let fu = &fp[f * g4..(f + 1) * g4];
        let z = &mut z[..g4];
        for j in 0..g4 {
            z[j] = ep[j] + ed[j] + fu[j];
        }
    };
    // Every element is written (by `fill`) before it is read.
    let cache = lstm::forward_fill(pool::scratch(b * t * g4), u, b, t, a, fill);
    pool::give([fp]);
    // An operation's state: its backward pass runs after the caller's kernel is gone.
    cache.owned()
}

/// The first layer's backward pass: BPTT, with each row's gate gradients added to its
/// looked-up rows and its feature row as they come; then the gradients of e_p, e_d,
/// w_f, the bias and u.
pub fn layer_backward(cache: &Cache, dhs: &[f32], inp: &Inputs) -> [Vec<f32>; 5] {
    let [np, nd, nf] = inp.sizes;
    let g4 = 4 * cache.a;
    let (mut de_p, mut de_d) = (vec![0.0f32; np * g4], vec![0.0f32; nd * g4]);
    // The gradient of each distinct feature row's projection, summed over its events.
    let mut dfp = pool::zeros(inp.feats.rows() * g4);
    let sink = |row: usize, dz: &[f32]| {
        let (p, d, f) = (inp.prev_p[row], inp.prev_d[row], inp.pattern[row]);
        add(&mut de_p[p * g4..(p + 1) * g4], dz);
        add(&mut de_d[d * g4..(d + 1) * g4], dz);
        add(&mut dfp[f * g4..(f + 1) * g4], dz);
    };
    let (dz, du) = lstm::backward_sink(cache, dhs, sink);
    pool::give([dz]);
    let (dw_f, db) = feature_backward(&dfp, inp, nf, g4);
    pool::give([dfp]);
    [de_p, de_d, dw_f, db, du]
}

/// Gradients of w_f and the bias from those of the distinct feature rows' projections.
fn feature_backward(dfp: &[f32], inp: &Inputs, nf: usize, g4: usize) -> (Vec<f32>, Vec<f32>) {
    with_simd!(feature_backward_generic(dfp, inp, nf, g4))
}

#[inline(always)]
fn feature_backward_generic(
    dfp: &[f32],
    inp: &Inputs,
    nf: usize,
    g4: usize,
) -> (Vec<f32>, Vec<f32>) {
    let (mut dw_f, mut db) = (vec![0.0f32; nf * g4], vec![0.0f32; g4]);
    for (u, du) in dfp.chunks_exact(g4).enumerate() {
        add(&mut db, du);
        for (f, v) in inp.feats.row(u) {
            axpy(&mut dw_f[f * g4..(f + 1) * g4], v, du);
        }
    }
    (dw_f, db)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_rows_are_kept_once_in_order_of_appearance() {
        let x = [
            0.0, 2.0, 0.0, //
            0.5, 0.0, 1.0, //
            0.0, 2.0, 0.0, //
            0.0, 0.0, 0.0, //
            0.5, 0.0, 1.0,
        ];
        let (s, which) = Sparse::distinct_rows(&x, 3);
        assert_eq!(which, vec![0, 1, 0, 2, 1]);
        assert_eq!(s.rows(), 3);
        assert_eq!(s.row(0).collect::<Vec<_>>(), vec![(1, 2.0)]);
        assert_eq!(s.row(1).collect::<Vec<_>>(), vec![(0, 0.5), (2, 1.0)]);
        assert_eq!(s.row(2).count(), 0, "an all-zero row has no entries");
    }
}
