//! A slice's chord/beat features by group (`FeatureLayout::groups`: the chord, the next
//! chord, the place in the bar …). Whole feature rows are nearly all distinct, but each
//! group takes few distinct values in a slice (its tunes' chords, the bar's positions), so
//! each distinct value of each group is multiplied by its columns of the feature kernel
//! once, and an event's projection is the sum of its groups' rows. The gradients of those
//! products go back to the kernel and the bias the same way; all in buffers kept from
//! batch to batch.

use crate::model::cpu::fastmath::with_simd;
use crate::model::ops::conditioned_input::{add, axpy};
use crate::tokens::events::FeatureLayout;
use std::ops::Range;

/// The distinct values of a slice's feature groups and their projections.
#[derive(Default)]
pub(super) struct Features {
    /// The groups' column ranges.
    groups: Vec<Range<usize>>,
    /// Per event, per group: the row of `table` its value has [N, G].
    which: Vec<u32>,
    /// Each distinct value: its group and the first event with it.
    firsts: Vec<(u32, u32)>,
    /// An open-addressing table of indices into `firsts` (`EMPTY`: none).
    slots: Vec<u32>,
    /// Each distinct value times its group's columns of the feature kernel [U, 4A]; the
    /// first group's rows include the bias.
    table: Vec<f32>,
    /// The gradient of `table`, summed over the events that read each row.
    dtable: Vec<f32>,
}

const EMPTY: u32 = u32::MAX;

/// The group's entries hashed: each entry's bits times an odd constant of its column,
/// summed (no branch per entry, so the loop vectorizes), then mixed.
#[inline(always)]
fn hash(group: usize, part: &[f32]) -> usize {
    let sum = part.iter().enumerate().fold(0u32, |h, (c, v)| {
        let k = (c as u32).wrapping_mul(0x9e37_79b9) | 1;
        h.wrapping_add(v.to_bits().wrapping_mul(k))
    });
    let h = (u64::from(sum) ^ ((group as u64) << 32)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (h ^ (h >> 29)) as usize
}

/// The same entries, bit for bit (no early exit, so the loop vectorizes).
#[inline(always)]
fn same(a: &[f32], b: &[f32]) -> bool {
    a.iter()
        .zip(b)
        .fold(0u32, |d, (x, y)| d | (x.to_bits() ^ y.to_bits()))
        == 0
}

impl Features {
    /// Finds the distinct values of each group over the `n` rows of `feats` [N, F] and
    /// multiplies each by its columns of `w_f` [F, 4A] (the first group's adding `bias`);
    /// `dtable` is zeroed for the backward pass.
    pub fn build(&mut self, feats: &[f32], (w_f, bias): (&[f32], &[f32]), nf: usize, n: usize) {
        if self.groups.last().map(|g| g.end) != Some(nf) {
            self.groups = FeatureLayout::groups_of_width(nf);
        }
        let cap = (2 * n * self.groups.len()).max(2).next_power_of_two();
        self.slots.clear();
        self.slots.resize(cap, EMPTY);
        self.firsts.clear();
        self.which.clear();
        find_values(self, feats, nf, n);
        let rows = self.firsts.len() * bias.len();
        self.table.resize(rows, 0.0);
        self.dtable.clear();
        self.dtable.resize(rows, 0.0);
        project(self, feats, (w_f, bias), nf);
    }

    /// Event `row`'s input to the first layer's gates: its looked-up pitch and duration
    /// rows `ep` and `ed` and its groups' projections, summed into `z` [4A].
    pub fn input(&self, row: usize, (ep, ed): (&[f32], &[f32]), z: &mut [f32]) {
        with_simd!(input_generic(self, row, (ep, ed), z))
    }

    /// Adds event `row`'s gate gradients `dz` to its pitch and duration rows' gradients
    /// and to its groups' rows of `dtable`.
    pub fn scatter(&mut self, row: usize, dz: &[f32], (dp, dd): (&mut [f32], &mut [f32])) {
        with_simd!(scatter_generic(self, row, dz, (dp, dd)))
    }

    /// The gradients of the feature kernel and the bias from `dtable`, added to `dw_f` and
    /// `db`.
    pub fn backward(&self, feats: &[f32], nf: usize, dw_f: &mut [f32], db: &mut [f32]) {
        with_simd!(backward_generic(self, feats, nf, dw_f, db))
    }
}

/// The non-zero columns of event `r`'s feature row within `cols`, with their values.
fn nonzeros<'a>(
    feats: &'a [f32],
    nf: usize,
    cols: &Range<usize>,
    r: usize,
) -> impl Iterator<Item = (usize, f32)> + 'a {
    let (at, start) = (r * nf, cols.start);
    feats[at + cols.start..at + cols.end]
        .iter()
        .enumerate()
        .filter(|(_, v)| **v != 0.0)
        .map(move |(c, &v)| (start + c, v))
}

/// Each event's value of each group, found in the open-addressing table (`slots`, of a
/// power of two at least twice the values there can be) or added to it.
fn find_values(fs: &mut Features, feats: &[f32], nf: usize, n: usize) {
    with_simd!(find_values_generic(fs, feats, nf, n))
}

#[inline(always)]
fn find_values_generic(fs: &mut Features, feats: &[f32], nf: usize, n: usize) {
    let mask = fs.slots.len() - 1;
    for r in 0..n {
        let row = &feats[r * nf..(r + 1) * nf];
        for (g, cols) in fs.groups.iter().enumerate() {
            let part = &row[cols.clone()];
            let mut h = hash(g, part) & mask;
            loop {
                let u = fs.slots[h];
                if u == EMPTY {
                    fs.slots[h] = fs.firsts.len() as u32;
                    fs.which.push(fs.firsts.len() as u32);
                    fs.firsts.push((g as u32, r as u32));
                    break;
                }
                let (ug, ur) = fs.firsts[u as usize];
                let first = ur as usize * nf;
                if ug as usize == g && same(&feats[first + cols.start..first + cols.end], part) {
                    fs.which.push(u);
                    break;
                }
                h = (h + 1) & mask;
            }
        }
    }
}

fn project(fs: &mut Features, feats: &[f32], wb: (&[f32], &[f32]), nf: usize) {
    with_simd!(project_generic(fs, feats, wb, nf))
}

#[inline(always)]
fn project_generic(fs: &mut Features, feats: &[f32], (w_f, bias): (&[f32], &[f32]), nf: usize) {
    let g4 = bias.len();
    for (t, &(g, r)) in fs.table.chunks_exact_mut(g4).zip(&fs.firsts) {
        if g == 0 {
            t.copy_from_slice(bias);
        } else {
            t.fill(0.0);
        }
        for (f, v) in nonzeros(feats, nf, &fs.groups[g as usize], r as usize) {
            axpy(t, v, &w_f[f * g4..(f + 1) * g4]);
        }
    }
}

#[inline(always)]
fn input_generic(fs: &Features, row: usize, (ep, ed): (&[f32], &[f32]), z: &mut [f32]) {
    let g4 = z.len();
    let groups = fs.groups.len();
    let which = &fs.which[row * groups..(row + 1) * groups];
    let t = |k: usize| &fs.table[which[k] as usize * g4..][..g4];
    if let [_, _, _] = which {
        // V1's three groups: one pass over the gates.
        let (t0, t1, t2) = (t(0), t(1), t(2));
        let (ep, ed) = (&ep[..g4], &ed[..g4]);
        for j in 0..g4 {
            z[j] = ep[j] + ed[j] + t0[j] + t1[j] + t2[j];
        }
        return;
    }
    for (((z, p), d), t) in z.iter_mut().zip(ep).zip(ed).zip(t(0)) {
        *z = p + d + t;
    }
    for k in 1..groups {
        add(z, t(k));
    }
}

#[inline(always)]
fn scatter_generic(fs: &mut Features, row: usize, dz: &[f32], (dp, dd): (&mut [f32], &mut [f32])) {
    let g4 = dz.len();
    // One pass per row added to (a single pass over all five measured slower).
    add(dp, dz);
    add(dd, dz);
    let groups = fs.groups.len();
    for &u in &fs.which[row * groups..(row + 1) * groups] {
        add(&mut fs.dtable[u as usize * g4..][..g4], dz);
    }
}

#[inline(always)]
fn backward_generic(fs: &Features, feats: &[f32], nf: usize, dw_f: &mut [f32], db: &mut [f32]) {
    let g4 = db.len();
    for (d, &(g, r)) in fs.dtable.chunks_exact(g4).zip(&fs.firsts) {
        if g == 0 {
            add(db, d);
        }
        for (f, v) in nonzeros(feats, nf, &fs.groups[g as usize], r as usize) {
            axpy(&mut dw_f[f * g4..(f + 1) * g4], v, d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(i: usize) -> f32 {
        ((i * 37 % 101) as f32 - 50.0) * 0.01
    }

    /// Rows of `l`'s layout built from a few chords, next chords and bar positions (and
    /// in v2 a few places in the form), so whole rows repeat rarely and each group's
    /// values often.
    fn rows(l: FeatureLayout, n: usize) -> Vec<f32> {
        let mut feats = vec![0.0; n * l.len];
        for (r, row) in feats.chunks_exact_mut(l.len).enumerate() {
            row[l.chord + r % 5] = 1.0;
            row[l.chord + 12 + (r * 3) % 7] = 1.0;
            row[l.next_chord + (r / 2) % 4] = 1.0;
            row[l.beat + r % 4] = 1.0;
            row[l.bar_fraction] = (r % 4) as f32 * 0.25;
            row[l.sub_beat + (r / 4) % 3] = 1.0;
            if let Some(form) = l.form {
                row[form + 1 + r % 2] = 1.0;
            }
        }
        feats
    }

    #[test]
    fn grouped_projections_and_their_gradients_are_the_whole_rows_own() {
        // v1's three groups, and v2's five (the phrase's all zero: one value).
        for (l, values) in [
            (FeatureLayout::V1, 35 + 4 + 12),
            (FeatureLayout::V2, 35 + 4 + 12 + 2 + 1),
        ] {
            check_layout(l, values);
        }
    }

    fn check_layout(l: FeatureLayout, values: usize) {
        let (nf, g4, n) = (l.len, 8, 120);
        let feats = rows(l, n);
        let w_f: Vec<f32> = (0..nf * g4).map(value).collect();
        let bias: Vec<f32> = (0..g4).map(|i| value(i + 7)).collect();
        let (ep, ed): (Vec<f32>, Vec<f32>) = ((0..g4).map(value).collect(), vec![0.5; g4]);
        let mut fs = Features::default();
        fs.build(&feats, (&w_f, &bias), nf, n);
        // 120 distinct rows, but 35 chords, 4 next chords and 12 places in the bar.
        assert_eq!(fs.firsts.len(), values);
        let (mut dp, mut dd) = (vec![0.0; g4], vec![0.0; g4]);
        let (mut want_dw, mut want_db) = (vec![0.0f32; nf * g4], vec![0.0f32; g4]);
        for r in 0..n {
            let row = &feats[r * nf..(r + 1) * nf];
            let mut z = vec![0.0; g4];
            fs.input(r, (&ep, &ed), &mut z);
            let dz: Vec<f32> = (0..g4).map(|j| value(r * g4 + j + 3)).collect();
            for j in 0..g4 {
                let want = ep[j]
                    + ed[j]
                    + bias[j]
                    + (0..nf).map(|f| row[f] * w_f[f * g4 + j]).sum::<f32>();
                assert!((z[j] - want).abs() < 1e-5, "event {r}, gate {j}");
                want_db[j] += dz[j];
                for f in 0..nf {
                    want_dw[f * g4 + j] += row[f] * dz[j];
                }
            }
            fs.scatter(r, &dz, (&mut dp, &mut dd));
        }
        let (mut dw, mut db) = (vec![0.0; nf * g4], vec![0.0; g4]);
        fs.backward(&feats, nf, &mut dw, &mut db);
        assert!(crate::model::max_diff(&dw, &want_dw) < 1e-4);
        assert!(crate::model::max_diff(&db, &want_db) < 1e-4);
        assert!(
            crate::model::max_diff(&dp, &want_db) < 1e-4,
            "every event's dz"
        );
        // A second build with other rows starts afresh.
        fs.build(&feats[..nf], (&w_f, &bias), nf, 1);
        assert_eq!(fs.firsts.len(), l.groups().len());
    }
}
