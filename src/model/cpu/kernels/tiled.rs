//! The driver both register-tiled kernels share (`avx512`, `avx2`): the depth in passes of
//! `KC`; each pass's rows of B packed into panels as wide as a tile (zero-padded, 64-byte
//! aligned, so the tiles load them whole from L1), unless the caller packed B once for many
//! products (`pack::PackedB`); A's rows in blocks of `MC`, packed into slivers of up to
//! `MR` rows when more than one panel reads them; the rows in tiles of up to `MR` (a ragged
//! end split evenly: 8 rows as 4 + 4, not 6 + 2, since thin tiles waste most of their
//! loads). Each kernel supplies its tile width, its edge masks and its tile.

use super::pack::{Aligned, pack_a, pack_b, pack_b_rows, packed_width, panel_width, worth_packing};
use std::cell::RefCell;

/// Depth of one pass: a packed panel of B this deep stays in L1.
pub(super) const KC: usize = 128;
/// Rows of a tile (unless the kernel's `height` says otherwise for a narrow panel).
pub(super) const MR: usize = 6;
/// Rows of a block of A packed at once (a multiple of `MR`: only the last block is ragged).
const MC: usize = 96;

/// One tile's operands: `kc` steps of the depth from `a` and the packed panel `b`, into `c`.
pub(super) struct Tile<M> {
    pub kc: usize,
    pub a: *const f32,
    pub rsa: usize,
    pub csa: usize,
    /// `kc` rows of the panel's width (`ldb`), 64-byte aligned, zero past n.
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
    /// Lanes of a vector: a narrow last panel is packed this many columns at a time.
    const LANES: usize;
    type Masks: Copy;

    /// Rows of a tile over a panel with `cols` columns inside n: `MR`, or more for a panel
    /// so narrow that `MR` rows would hold too few accumulators to hide the FMA latency.
    fn height(_cols: usize) -> usize {
        MR
    }

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

/// Where B comes from: its elements at their strides, or packed beforehand for every pass.
#[derive(Clone, Copy)]
pub(super) enum BSource {
    Raw {
        b: *const f32,
        rsb: usize,
        csb: usize,
    },
    /// `pack::pack_all`'s layout for this kernel's width.
    Packed(*const f32),
}

thread_local! {
    /// This thread's packed panels of B and slivers of A, kept from product to product.
    static PACKS: RefCell<(Aligned, Aligned)> = const {
        RefCell::new((Aligned::new(), Aligned::new()))
    };
}

/// Grows this thread's packing buffers to hold a pass of B up to `n` columns wide and a
/// block of A (or a pass of `gemm_rows`' A rows up to n / 4 long: the hidden states
/// against n gates), so its first products allocate nothing (a training worker calls it
/// as it starts).
pub(super) fn reserve(n: usize) {
    PACKS.with_borrow_mut(|(bbuf, abuf)| {
        bbuf.ptr(n.div_ceil(64) * 64 * KC);
        abuf.ptr(MC.max(n / 4) * KC);
    });
}

/// The rows of the tile that starts `left` rows before the end of its block, in tiles of
/// up to `mr` rows.
#[inline]
fn tile_rows(left: usize, mr: usize) -> usize {
    if left > mr && left < 2 * mr {
        left.div_ceil(2)
    } else {
        mr.min(left)
    }
}

/// C = A·B (+ C when `acc`); C's rows contiguous.
///
/// # Safety
/// The CPU has `K`'s instruction set; A's m×k, B's k×n and C's m×n elements at the given
/// strides are in bounds (a packed B holds k×n).
#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn gemm<K: Tiles>(
    m: usize,
    k: usize,
    n: usize,
    a: *const f32,
    (rsa, csa): (usize, usize),
    b: BSource,
    acc: bool,
    c: *mut f32,
    ldc: usize,
) {
    let panels = n.div_ceil(K::NR);
    let width = packed_width(n, (K::NR, K::LANES));
    passes(k, |p0, kc, bbuf, abuf| {
        // SAFETY: the caller vouches for B's extent; the buffers are sized here.
        let b = unsafe {
            match b {
                BSource::Raw { b, rsb, csb } => {
                    let dst = bbuf.ptr(kc * width);
                    let tile = (K::NR, K::LANES);
                    pack_b(b.add(p0 * rsb), (rsb, csb), (kc, n), tile, dst);
                    dst as *const f32
                }
                BSource::Packed(b) => b.add(p0 * width),
            }
        };
        let acc = acc || p0 > 0;
        let pass = Pass { kc, acc, b, panels };
        // A's block packed where it is spread out and more than one panel reads it.
        let repack = (panels > 1).then_some(abuf);
        // SAFETY: forwarded from the caller.
        unsafe {
            blocks::<K>(
                &pass,
                (m, n),
                (a.add(p0 * csa), (rsa, csa)),
                (c, ldc),
                repack,
            )
        }
    });
}

/// C (m×n) = Σ_k `a_rows[k]`ᵀ ⊗ `b_rows[k]` (+ C when `acc`): a sum of outer products of
/// row pairs gathered from anywhere (each `a_rows[k]` m long, each `b_rows[k]` n long),
/// in passes of up to `KC` pairs: the pairs' rows packed as a pass of B and a block of A.
///
/// # Safety
/// The CPU has `K`'s instruction set; C's m×n elements at `ldc` are in bounds; every row
/// holds at least m (A) or n (B) values.
pub(super) unsafe fn gemm_rows<K: Tiles>(
    (m, n): (usize, usize),
    a_rows: &[&[f32]],
    b_rows: &[&[f32]],
    acc: bool,
    c: *mut f32,
    ldc: usize,
) {
    let panels = n.div_ceil(K::NR);
    passes(a_rows.len(), |p0, kc, bbuf, abuf| {
        let b = bbuf.ptr(kc * packed_width(n, (K::NR, K::LANES)));
        let a = abuf.ptr(m * kc);
        // SAFETY: the buffers are sized here; the caller vouches for the rows and C.
        unsafe {
            pack_b_rows(&b_rows[p0..p0 + kc], n, (K::NR, K::LANES), b);
            for (k, row) in a_rows[p0..p0 + kc].iter().enumerate() {
                std::ptr::copy_nonoverlapping(row.as_ptr(), a.add(k * m), m);
            }
            let acc = acc || p0 > 0;
            let pass = Pass { kc, acc, b, panels };
            // A is packed already: each pair's row side by side.
            blocks::<K>(&pass, (m, n), (a, (1, m)), (c, ldc), None);
        }
    });
}

/// `pass(p0, kc, bbuf, abuf)` for each pass of up to `KC` steps of a depth `k` (one pass,
/// of none, when k is 0), with this thread's packing buffers for B and A.
fn passes(k: usize, mut pass: impl FnMut(usize, usize, &mut Aligned, &mut Aligned)) {
    PACKS.with_borrow_mut(|(bbuf, abuf)| {
        let mut p0 = 0;
        loop {
            let kc = KC.min(k - p0);
            pass(p0, kc, bbuf, abuf);
            p0 += kc;
            if p0 >= k {
                break;
            }
        }
    });
}

/// The pass's product for A's rows (at `a`, the pass's first step, and its strides) in
/// blocks of `MC`, each copied into `repack` first when it is spread out in memory.
///
/// # Safety
/// As `gemm`'s.
unsafe fn blocks<K: Tiles>(
    pass: &Pass,
    (m, n): (usize, usize),
    (a, (rsa, csa)): (*const f32, (usize, usize)),
    (c, ldc): (*mut f32, usize),
    mut repack: Option<&mut Aligned>,
) {
    for i0 in (0..m).step_by(MC) {
        let mc = MC.min(m - i0);
        // SAFETY: forwarded from the caller.
        unsafe {
            let a = a.add(i0 * rsa);
            let c = c.add(i0 * ldc);
            let (a, sa) = match repack.as_deref_mut() {
                Some(buf) if worth_packing((rsa, csa), (mc, pass.kc)) => {
                    let dst = buf.ptr(mc * pass.kc);
                    (dst as *const f32, pack_a(a, (rsa, csa), (mc, pass.kc), dst))
                }
                _ => (a, (rsa, csa)),
            };
            block::<K>(pass, (mc, n), (a, sa), (c, ldc));
        }
    }
}

/// One pass over the depth: its depth, whether C is added to, B's packed panels.
struct Pass {
    kc: usize,
    acc: bool,
    b: *const f32,
    panels: usize,
}

/// One block of `mc` rows of A (at its place and strides, packed or not) times every panel
/// of the pass.
///
/// # Safety
/// As `gemm`'s.
#[inline(always)]
unsafe fn block<K: Tiles>(
    pass: &Pass,
    (mc, n): (usize, usize),
    (a, (rsa, csa)): (*const f32, (usize, usize)),
    (c, ldc): (*mut f32, usize),
) {
    for jp in 0..pass.panels {
        let j0 = jp * K::NR;
        let cols = (n - j0).min(K::NR);
        // SAFETY: the caller vouches for the instruction set and the extents.
        unsafe {
            let masks = K::masks(cols);
            let b = pass.b.add(jp * pass.kc * K::NR);
            let mr = K::height(cols);
            let mut i = 0;
            while i < mc {
                let rows = tile_rows(mc - i, mr);
                let t = Tile {
                    kc: pass.kc,
                    a: a.add(i * rsa),
                    rsa,
                    csa,
                    b,
                    ldb: panel_width(cols, (K::NR, K::LANES)),
                    c: c.add(i * ldc + j0),
                    ldc,
                    masks,
                    cols,
                    load_c: pass.acc,
                };
                K::tile(&t, rows);
                i += rows;
            }
        }
    }
}
