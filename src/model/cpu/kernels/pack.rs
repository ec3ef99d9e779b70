//! Packing for the register-tiled kernels: B's rows into panels as wide as a tile (each
//! `kc` rows of the tile's width, zero-padded past n, 64-byte aligned), A's rows into
//! slivers of a tile's rows (each step of the depth's values side by side), from any
//! strides: a transposed operand packs straight from its untransposed layout. `PackedB`
//! packs a B once for many products (the recurrence's kernel, read at every step).

use super::tiled::KC;
use super::{Kernel, active, assert_operand, tile_width};

/// A buffer whose usable part starts on a 64-byte boundary; it only grows.
pub(super) struct Aligned {
    v: Vec<f32>,
}

/// Floats in 64 bytes.
const LINE: usize = 16;

/// The first element of `v` on a 64-byte boundary.
fn aligned_start(v: &[f32]) -> usize {
    v.as_ptr().align_offset(64).min(LINE - 1)
}

impl Aligned {
    pub const fn new() -> Aligned {
        Aligned { v: Vec::new() }
    }

    /// Room for `len` floats, 64-byte aligned (what was there is left as it was).
    pub fn ptr(&mut self, len: usize) -> *mut f32 {
        if self.v.len() < len + LINE {
            self.v.resize(len + LINE, 0.0);
        }
        let off = aligned_start(&self.v);
        // SAFETY: `off + len` lies inside `v`.
        unsafe { self.v.as_mut_ptr().add(off) }
    }

    /// The aligned part (after `ptr`).
    fn aligned(&self) -> &[f32] {
        &self.v[aligned_start(&self.v)..]
    }
}

/// Columns a packed panel holds for `cols` columns of B: a tile's `nr`, or for the
/// narrower last panel its columns rounded up to whole vectors of `lanes` (a 13-class
/// head's panel is one vector wide, not four).
pub(super) fn panel_width(cols: usize, (nr, lanes): (usize, usize)) -> usize {
    if cols >= nr {
        nr
    } else {
        cols.div_ceil(lanes) * lanes
    }
}

/// Packed values per row of B n columns wide: every panel's width.
pub(super) fn packed_width(n: usize, (nr, lanes): (usize, usize)) -> usize {
    n / nr * nr + panel_width(n % nr, (nr, lanes))
}

/// `kc` rows × n columns of B (at `src`, strides `rsb`, `csb`) into panels of `nr` columns
/// (the last `panel_width` wide): panel `jp` at `dst + jp·kc·nr`, row p of it at
/// `+ p·width`, zero past n.
///
/// # Safety
/// B's kc×n elements lie in bounds, and `dst` has room for kc rows of `packed_width`.
pub(super) unsafe fn pack_b(
    src: *const f32,
    (rsb, csb): (usize, usize),
    (kc, n): (usize, usize),
    tile: (usize, usize),
    dst: *mut f32,
) {
    let nr = tile.0;
    for (jp, j0) in (0..n).step_by(nr).enumerate() {
        let cols = (n - j0).min(nr);
        let w = panel_width(cols, tile);
        // SAFETY: the caller vouches for the extents.
        unsafe {
            let d = std::slice::from_raw_parts_mut(dst.add(jp * kc * nr), kc * w);
            if csb == 1 {
                for (p, row) in d.chunks_exact_mut(w).enumerate() {
                    let s = std::slice::from_raw_parts(src.add(p * rsb + j0), cols);
                    row[..cols].copy_from_slice(s);
                    row[cols..].fill(0.0);
                }
                continue;
            }
            if cols < w {
                d.chunks_exact_mut(w).for_each(|row| row[cols..].fill(0.0));
            }
            for jj in 0..cols {
                let s = src.add((j0 + jj) * csb);
                for p in 0..kc {
                    *d.get_unchecked_mut(p * w + jj) = *s.add(p * rsb);
                }
            }
        }
    }
}

/// `rows.len()` rows of B, each at least n long, into panels as `pack_b` lays them out.
///
/// # Safety
/// `dst` has room for `rows.len()` rows of `packed_width`.
pub(super) unsafe fn pack_b_rows(rows: &[&[f32]], n: usize, tile: (usize, usize), dst: *mut f32) {
    let (kc, nr) = (rows.len(), tile.0);
    for (jp, j0) in (0..n).step_by(nr).enumerate() {
        let cols = (n - j0).min(nr);
        let w = panel_width(cols, tile);
        // SAFETY: the caller vouches for the room.
        let d = unsafe { std::slice::from_raw_parts_mut(dst.add(jp * kc * nr), kc * w) };
        for (row, src) in d.chunks_exact_mut(w).zip(rows) {
            row[..cols].copy_from_slice(&src[j0..j0 + cols]);
            row[cols..].fill(0.0);
        }
    }
}

/// Whether a block of A (`mc` × `kc` at strides `rsa`, `csa`) is spread out enough in
/// memory to be worth packing: rows far apart (a batch's rows at one step of a window) fall
/// into the same few sets of L1 and evict each other between panels.
pub(super) fn worth_packing((rsa, csa): (usize, usize), (mc, kc): (usize, usize)) -> bool {
    let span = (mc.max(1) - 1) * rsa + (kc.max(1) - 1) * csa;
    span > 2 * mc * kc
}

/// `mc` rows × `kc` steps of A (strides `rsa`, `csa`) copied together into `dst`, keeping
/// its orientation (rows or columns copied whole); returns the copy's strides.
///
/// # Safety
/// A's mc×kc elements lie in bounds, and `dst` has room for mc·kc.
pub(super) unsafe fn pack_a(
    src: *const f32,
    (rsa, csa): (usize, usize),
    (mc, kc): (usize, usize),
    dst: *mut f32,
) -> (usize, usize) {
    // SAFETY: the caller vouches for the extents.
    unsafe {
        let d = std::slice::from_raw_parts_mut(dst, mc * kc);
        if rsa == 1 {
            for (p, col) in d.chunks_exact_mut(mc).enumerate() {
                col.copy_from_slice(std::slice::from_raw_parts(src.add(p * csa), mc));
            }
            return (1, mc);
        }
        for (r, row) in d.chunks_exact_mut(kc).enumerate() {
            if csa == 1 {
                row.copy_from_slice(std::slice::from_raw_parts(src.add(r * rsa), kc));
            } else {
                for (p, x) in row.iter_mut().enumerate() {
                    *x = *src.add(r * rsa + p * csa);
                }
            }
        }
    }
    (kc, 1)
}

/// A B (k×n) packed once for many products by the same matrix (`super::gemm_packed`), in
/// the layout of the kernel active when it was packed: for the register-tiled kernels every
/// pass's panels, for the `gemm` crate's a contiguous row-major copy. Its buffer comes from
/// the scratch pool and goes back to it when it is dropped.
pub struct PackedB {
    pub(super) kernel: Kernel,
    pub(super) k: usize,
    pub(super) n: usize,
    buf: Aligned,
}

impl PackedB {
    /// `b` (k×n at strides `rsb`, `csb`) packed for the active kernel.
    pub fn new(k: usize, n: usize, b: &[f32], (rsb, csb): (usize, usize)) -> PackedB {
        assert_operand("B", b.len(), (rsb, csb), (k, n));
        let kernel = active();
        // The `gemm` crate's layout is one panel of n columns and one pass.
        let tile = tile_width(kernel).unwrap_or((n.max(1), 1));
        let width = packed_width(n, tile);
        let pass = tile_width(kernel).map_or(k.max(1), |_| KC);
        // From the scratch pool (the slice's own, in a training step), given back on drop.
        let mut buf = Aligned {
            v: crate::model::cpu::pool::scratch(k * width + LINE),
        };
        let dst = buf.ptr(k * width);
        for p0 in (0..k).step_by(pass) {
            let kc = pass.min(k - p0);
            // SAFETY: B's k×n elements are in bounds (checked above); `buf` has room for
            // every pass's panels, each pass's after the previous one's.
            unsafe {
                let src = b.as_ptr().add(p0 * rsb);
                pack_b(src, (rsb, csb), (kc, n), tile, dst.add(p0 * width));
            }
        }
        PackedB { kernel, k, n, buf }
    }

    /// The packed values.
    pub(super) fn data(&self) -> &[f32] {
        self.buf.aligned()
    }
}

impl Drop for PackedB {
    fn drop(&mut self) {
        let buf = std::mem::replace(&mut self.buf, Aligned::new());
        crate::model::cpu::pool::give([buf.v]);
    }
}
