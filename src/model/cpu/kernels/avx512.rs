//! The AVX-512F kernel: 6×64 register tiles of 16-wide FMAs over packed panels of B, C's
//! edges masked; 12×16 tiles over panels of at most 16 columns (a 13-class head), where 6
//! rows would be only 6 accumulators, too few to keep both FMA units busy.

use std::arch::x86_64::*;

use super::tiled::{MR, Tile, Tiles};

/// 6 rows × 4 vectors = 24 accumulators of the 32 registers.
pub(super) struct Avx512;

/// Rows of a tile one vector wide: 12 accumulators, enough for two FMA units' latency.
const NARROW: usize = 12;

impl Tiles for Avx512 {
    const NR: usize = 64;
    const LANES: usize = 16;
    type Masks = [__mmask16; 4];

    fn height(cols: usize) -> usize {
        if cols <= 16 { NARROW } else { MR }
    }

    unsafe fn masks(cols: usize) -> Self::Masks {
        std::array::from_fn(|v| {
            let left = cols.saturating_sub(16 * v).min(16);
            ((1u32 << left) - 1) as __mmask16
        })
    }

    unsafe fn tile(t: &Tile<Self::Masks>, rows: usize) {
        // SAFETY: forwarded from the caller.
        unsafe { dispatch(t, rows, t.cols.div_ceil(16).min(4)) }
    }
}

#[target_feature(enable = "avx512f")]
unsafe fn dispatch(t: &Tile<[__mmask16; 4]>, mr: usize, nv: usize) {
    macro_rules! rows {
        ($nv:literal) => {
            match mr {
                6 => tile::<6, $nv>(t),
                5 => tile::<5, $nv>(t),
                4 => tile::<4, $nv>(t),
                3 => tile::<3, $nv>(t),
                2 => tile::<2, $nv>(t),
                _ => tile::<1, $nv>(t),
            }
        };
    }
    // SAFETY: forwarded from the caller.
    unsafe {
        match (nv, mr) {
            (4, _) => rows!(4),
            (3, _) => rows!(3),
            (2, _) => rows!(2),
            (_, 12) => tile::<12, 1>(t),
            (_, 11) => tile::<11, 1>(t),
            (_, 10) => tile::<10, 1>(t),
            (_, 9) => tile::<9, 1>(t),
            (_, 8) => tile::<8, 1>(t),
            (_, 7) => tile::<7, 1>(t),
            _ => rows!(1),
        }
    }
}

/// One MR×(16·NV) tile of C over `kc` steps of the depth, in registers.
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn tile<const R: usize, const NV: usize>(t: &Tile<[__mmask16; 4]>) {
    // SAFETY: every pointer stays in the tile the caller vouches for; masked loads and
    // stores touch only the columns inside n.
    unsafe {
        let mut acc = [[_mm512_setzero_ps(); NV]; R];
        if t.load_c {
            for (i, row) in acc.iter_mut().enumerate() {
                for (v, x) in row.iter_mut().enumerate() {
                    *x = _mm512_maskz_loadu_ps(t.masks[v], t.c.add(i * t.ldc + 16 * v));
                }
            }
        }
        for p in 0..t.kc {
            // The packed panel: aligned, zero past n.
            let bp = t.b.add(p * t.ldb);
            let bv: [__m512; NV] = std::array::from_fn(|v| _mm512_load_ps(bp.add(16 * v)));
            let ap = t.a.add(p * t.csa);
            for (i, row) in acc.iter_mut().enumerate() {
                let ai = _mm512_set1_ps(*ap.add(i * t.rsa));
                for (x, bj) in row.iter_mut().zip(&bv) {
                    *x = _mm512_fmadd_ps(ai, *bj, *x);
                }
            }
        }
        for (i, row) in acc.iter().enumerate() {
            for (v, x) in row.iter().enumerate() {
                _mm512_mask_storeu_ps(t.c.add(i * t.ldc + 16 * v), t.masks[v], *x);
            }
        }
    }
}
