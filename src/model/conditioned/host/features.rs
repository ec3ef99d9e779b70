//! A slice's distinct chord/beat feature rows (music repeats its chords and beat positions,
//! so a slice holds far fewer of them than events), each multiplied by the feature kernel
//! once, and the gradients of those products taken back to the kernel and the bias; all in
//! buffers kept from batch to batch.

use crate::model::cpu::fastmath::with_simd;
use crate::model::ops::conditioned_input::{add, axpy};

/// The distinct feature rows of a slice and their projections.
#[derive(Default)]
pub(super) struct Features {
    /// Per event of the slice, its distinct feature row.
    pub which: Vec<u32>,
    /// The first event with each distinct feature row.
    firsts: Vec<usize>,
    /// An open-addressing table of indices into `firsts` (`EMPTY`: none).
    slots: Vec<u32>,
    /// Each distinct row times the feature kernel, plus the bias [U, 4A].
    pub table: Vec<f32>,
    /// The gradient of `table`, summed over the events that read each row.
    pub dtable: Vec<f32>,
}

const EMPTY: u32 = u32::MAX;

/// The row's bits hashed (FNV-1a over the non-zero entries).
fn hash(row: &[f32]) -> usize {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (c, v) in row.iter().enumerate().filter(|(_, v)| **v != 0.0) {
        for x in [c as u64, u64::from(v.to_bits())] {
            h = (h ^ x).wrapping_mul(0x0100_0000_01b3);
        }
    }
    h as usize
}

/// The same row: equal non-zero entries in the same places.
fn same(a: &[f32], b: &[f32]) -> bool {
    a.iter().zip(b).all(|(x, y)| x == y)
}

impl Features {
    /// Finds the distinct rows of `feats` [N, F] and multiplies each by `w_f` [F, 4A],
    /// adding `bias`; `dtable` is zeroed for the backward pass.
    pub fn build(&mut self, feats: &[f32], (w_f, bias): (&[f32], &[f32]), nf: usize) {
        let n = feats.len() / nf.max(1);
        let cap = (2 * n).next_power_of_two();
        self.slots.clear();
        self.slots.resize(cap, EMPTY);
        self.firsts.clear();
        self.which.clear();
        let row = |r: usize| &feats[r * nf..(r + 1) * nf];
        for r in 0..n {
            let mut h = hash(row(r)) & (cap - 1);
            loop {
                let u = self.slots[h];
                if u == EMPTY {
                    self.slots[h] = self.firsts.len() as u32;
                    self.which.push(self.firsts.len() as u32);
                    self.firsts.push(r);
                    break;
                }
                if same(row(r), row(self.firsts[u as usize])) {
                    self.which.push(u);
                    break;
                }
                h = (h + 1) & (cap - 1);
            }
        }
        let g4 = bias.len();
        let rows = self.firsts.len() * g4;
        self.table.resize(rows, 0.0);
        self.dtable.clear();
        self.dtable.resize(rows, 0.0);
        project(self, feats, (w_f, bias), nf);
    }

    /// The gradients of the feature kernel and the bias from `dtable`, added to `dw_f` and
    /// `db`.
    pub fn backward(&self, feats: &[f32], nf: usize, dw_f: &mut [f32], db: &mut [f32]) {
        with_simd!(backward_generic(self, feats, nf, dw_f, db))
    }
}

fn project(fs: &mut Features, feats: &[f32], wb: (&[f32], &[f32]), nf: usize) {
    with_simd!(project_generic(fs, feats, wb, nf))
}

#[inline(always)]
fn project_generic(fs: &mut Features, feats: &[f32], (w_f, bias): (&[f32], &[f32]), nf: usize) {
    let g4 = bias.len();
    for (t, &r) in fs.table.chunks_exact_mut(g4).zip(&fs.firsts) {
        t.copy_from_slice(bias);
        for (f, &v) in feats[r * nf..(r + 1) * nf].iter().enumerate() {
            if v != 0.0 {
                axpy(t, v, &w_f[f * g4..(f + 1) * g4]);
            }
        }
    }
}

#[inline(always)]
fn backward_generic(fs: &Features, feats: &[f32], nf: usize, dw_f: &mut [f32], db: &mut [f32]) {
    let g4 = db.len();
    for (d, &r) in fs.dtable.chunks_exact(g4).zip(&fs.firsts) {
        add(db, d);
        for (f, &v) in feats[r * nf..(r + 1) * nf].iter().enumerate() {
            if v != 0.0 {
                axpy(&mut dw_f[f * g4..(f + 1) * g4], v, d);
            }
        }
    }
}
