//! The driver both register-tiled kernels share (`avx512`, `avx2`): the depth in passes of
//! `KC`, B in panels as wide as a tile, and the rows in tiles of up to `MR` (a ragged end
//! split evenly: 8 rows as 4 + 4, not 6 + 2, since thin tiles waste most of their loads).
//! Each kernel supplies its tile width, its edge masks and its tile.

/// Depth of one pass: a panel of B this deep stays in L1.
const KC: usize = 128;
/// Rows of a tile.
const MR: usize = 6;

/// One tile's operands: `kc` steps of the depth from `a`/`b`, into `c`.
pub(super) struct Tile<M> {
    pub kc: usize,
    pub a: *const f32,
    pub rsa: usize,
    pub csa: usize,
    pub b: *const f32,
    pub ldb: usize,
    pub c: *mut f32,
    pub ldc: usize,
    /// The kernel's masks for the columns of this panel inside n.
    pub masks: M,
    /// Columns of this panel inside n (at most the tile's width).
    pub cols: usize,
    /// Add to C's values (a later pass, or beta 1) rather than overwrite them.
    pub load_c: bool,
}

/// A register-tiled kernel: its tile width, edge masks and tile.
pub(super) trait Tiles {
    /// Columns of a tile.
    const NR: usize;
    type Masks: Copy;

    /// The masks of a panel with `cols` columns inside n.
    ///
    /// # Safety
    /// The CPU has the kernel's instruction set.
    unsafe fn masks(cols: usize) -> Self::Masks;

    /// C's `rows` × `t.cols` tile.
    ///
    /// # Safety
    /// The CPU has the kernel's instruction set; every element of the tile is in bounds.
    unsafe fn tile(t: &Tile<Self::Masks>, rows: usize);
}

/// C = A·B (+ C when `acc`); B and C rows contiguous.
///
/// # Safety
/// The CPU has `K`'s instruction set; A's m×k, B's k×n and C's m×n elements at the given
/// strides are in bounds.
#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn gemm<K: Tiles>(
    m: usize,
    k: usize,
    n: usize,
    a: *const f32,
    (rsa, csa): (usize, usize),
    b: *const f32,
    ldb: usize,
    acc: bool,
    c: *mut f32,
    ldc: usize,
) {
    let mut p0 = 0;
    loop {
        let kc = KC.min(k - p0);
        for j0 in (0..n).step_by(K::NR) {
            let cols = (n - j0).min(K::NR);
            // SAFETY: the caller vouches for the instruction set.
            let masks = unsafe { K::masks(cols) };
            let mut i0 = 0;
            while i0 < m {
                let left = m - i0;
                let rows = if left > MR && left < 2 * MR {
                    left.div_ceil(2)
                } else {
                    MR.min(left)
                };
                // SAFETY: tiles stay inside the m×n / k×n ranges the caller vouches for.
                unsafe {
                    let t = Tile {
                        kc,
                        a: a.add(i0 * rsa + p0 * csa),
                        rsa,
                        csa,
                        b: b.add(p0 * ldb + j0),
                        ldb,
                        c: c.add(i0 * ldc + j0),
                        ldc,
                        masks,
                        cols,
                        load_c: acc || p0 > 0,
                    };
                    K::tile(&t, rows);
                }
                i0 += rows;
            }
        }
        p0 += kc;
        if p0 >= k {
            break;
        }
    }
}
