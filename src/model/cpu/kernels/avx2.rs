//! The AVX2+FMA kernel: 6×16 register tiles of 8-wide FMAs over packed panels of B, C's
//! edges masked.

use std::arch::x86_64::*;

use super::tiled::{Tile, Tiles};

/// 6 rows × 2 vectors = 12 accumulators of the 16 registers.
pub(super) struct Avx2;

impl Tiles for Avx2 {
    const NR: usize = 16;
    const LANES: usize = 8;
    type Masks = [__m256i; 2];

    unsafe fn masks(cols: usize) -> Self::Masks {
        // SAFETY: the caller vouches for AVX2.
        unsafe { std::array::from_fn(|v| lanes(cols.saturating_sub(8 * v))) }
    }

    unsafe fn tile(t: &Tile<Self::Masks>, rows: usize) {
        // SAFETY: forwarded from the caller.
        unsafe { dispatch(t, rows, t.cols.div_ceil(8).min(2)) }
    }
}

/// A mask with the first `left` (at most 8) of 8 lanes on.
#[target_feature(enable = "avx2,fma")]
fn lanes(left: usize) -> __m256i {
    let on = left.min(8) as i32;
    _mm256_cmpgt_epi32(
        _mm256_set1_epi32(on),
        _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
    )
}

#[target_feature(enable = "avx2,fma")]
unsafe fn dispatch(t: &Tile<[__m256i; 2]>, mr: usize, nv: usize) {
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
        if t.cols == 16 {
            full_tile_rows(t, mr);
            return;
        }
        match nv {
            2 => rows!(2),
            _ => rows!(1),
        }
    }
}

#[target_feature(enable = "avx2,fma")]
unsafe fn full_tile_rows(t: &Tile<[__m256i; 2]>, mr: usize) {
    // SAFETY: forwarded from the caller; the tile's 16 columns lie inside n.
    unsafe {
        match mr {
            6 => full_tile::<6>(t),
            5 => full_tile::<5>(t),
            4 => full_tile::<4>(t),
            3 => full_tile::<3>(t),
            2 => full_tile::<2>(t),
            _ => full_tile::<1>(t),
        }
    }
}

/// `tile` for a tile whose 16 columns all lie inside n: unmasked loads and stores.
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn full_tile<const R: usize>(t: &Tile<[__m256i; 2]>) {
    // SAFETY: every pointer stays in the tile the caller vouches for.
    unsafe {
        let mut acc = [[_mm256_setzero_ps(); 2]; R];
        if t.load_c {
            for (i, row) in acc.iter_mut().enumerate() {
                for (v, x) in row.iter_mut().enumerate() {
                    *x = _mm256_loadu_ps(t.c.add(i * t.ldc + 8 * v));
                }
            }
        }
        for p in 0..t.kc {
            let bp = t.b.add(p * t.ldb);
            let (b0, b1) = (_mm256_load_ps(bp), _mm256_load_ps(bp.add(8)));
            let ap = t.a.add(p * t.csa);
            for (i, row) in acc.iter_mut().enumerate() {
                let ai = _mm256_set1_ps(*ap.add(i * t.rsa));
                row[0] = _mm256_fmadd_ps(ai, b0, row[0]);
                row[1] = _mm256_fmadd_ps(ai, b1, row[1]);
            }
        }
        for (i, row) in acc.iter().enumerate() {
            for (v, x) in row.iter().enumerate() {
                _mm256_storeu_ps(t.c.add(i * t.ldc + 8 * v), *x);
            }
        }
    }
}

/// One MR×(8·NV) tile of C over `kc` steps of the depth, in registers.
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn tile<const R: usize, const NV: usize>(t: &Tile<[__m256i; 2]>) {
    // SAFETY: every pointer stays in the tile the caller vouches for; masked loads and
    // stores touch only the columns inside n.
    unsafe {
        let mut acc = [[_mm256_setzero_ps(); NV]; R];
        if t.load_c {
            for (i, row) in acc.iter_mut().enumerate() {
                for (v, x) in row.iter_mut().enumerate() {
                    *x = _mm256_maskload_ps(t.c.add(i * t.ldc + 8 * v), t.masks[v]);
                }
            }
        }
        for p in 0..t.kc {
            // The packed panel: aligned, zero past n.
            let bp = t.b.add(p * t.ldb);
            let bv: [__m256; NV] = std::array::from_fn(|v| _mm256_load_ps(bp.add(8 * v)));
            let ap = t.a.add(p * t.csa);
            for (i, row) in acc.iter_mut().enumerate() {
                let ai = _mm256_set1_ps(*ap.add(i * t.rsa));
                for (x, bj) in row.iter_mut().zip(&bv) {
                    *x = _mm256_fmadd_ps(ai, *bj, *x);
                }
            }
        }
        for (i, row) in acc.iter().enumerate() {
            for (v, x) in row.iter().enumerate() {
                _mm256_maskstore_ps(t.c.add(i * t.ldc + 8 * v), t.masks[v], *x);
            }
        }
    }
}
