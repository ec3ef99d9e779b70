//! Sums of outer products of row pairs gathered from anywhere: a weight's gradient summed
//! from its inputs and its outputs' gradients as they are computed, a pass of rows at a
//! time, without first copying them into matrices.

use super::tiled;
#[cfg(target_arch = "x86_64")]
use super::{Kernel, active, available, avx2, avx512};
use super::{assert_operand, crate_gemm, nothing_to_do};
use crate::model::cpu::pool;

/// C (m×n) = Σ_k `a_rows[k]`ᵀ ⊗ `b_rows[k]` + beta·C (beta 0 or 1): the sum of the outer
/// products of row pairs gathered from anywhere (each A row m long, each B row n long),
/// as a weight's gradient sums its inputs against its outputs' gradients. Callers hand
/// over the pairs as they are computed, while they are in cache, rather than gathering
/// them into matrices first.
pub fn gemm_rows(
    (m, n): (usize, usize),
    a_rows: &[&[f32]],
    b_rows: &[&[f32]],
    beta: f32,
    c: &mut [f32],
    rsc: usize,
) {
    if nothing_to_do((m, n), beta) {
        return;
    }
    assert_eq!(a_rows.len(), b_rows.len(), "gemm_rows: one A row per B row");
    assert!(
        a_rows.iter().all(|r| r.len() >= m),
        "gemm_rows: an A row too short"
    );
    assert!(
        b_rows.iter().all(|r| r.len() >= n),
        "gemm_rows: a B row too short"
    );
    assert_operand("C", c.len(), (rsc, 1), (m, n));
    if a_rows.is_empty() {
        if beta == 0.0 {
            c.chunks_mut(rsc).for_each(|r| r[..n].fill(0.0));
        }
        return;
    }
    #[cfg(target_arch = "x86_64")]
    {
        let kernel = active();
        let own: Option<RowsKernel> = match kernel {
            Kernel::Avx512 => Some(tiled::gemm_rows::<avx512::Avx512>),
            Kernel::Avx2 => Some(tiled::gemm_rows::<avx2::Avx2>),
            Kernel::Gemm => None,
        };
        if let Some(own) = own.filter(|_| available(kernel)) {
            // SAFETY: the CPU runs this kernel; the rows' lengths and C's extent are
            // asserted above.
            unsafe { own((m, n), a_rows, b_rows, beta != 0.0, c.as_mut_ptr(), rsc) };
            return;
        }
    }
    // The `gemm` crate's: the pairs gathered into two matrices, a pass at a time.
    let k = a_rows.len();
    let mut a = pool::scratch(k * m);
    let mut b = pool::scratch(k * n);
    for ((ra, rb), (da, db)) in a_rows
        .iter()
        .zip(b_rows)
        .zip(a.chunks_exact_mut(m).zip(b.chunks_exact_mut(n)))
    {
        da.copy_from_slice(&ra[..m]);
        db.copy_from_slice(&rb[..n]);
    }
    // SAFETY: A is k×m read transposed, B k×n, C m×n at rsc (asserted above).
    unsafe { crate_gemm(m, k, n, &a, (1, m), &b, (n, 1), beta, c, rsc) };
    pool::give([a, b]);
}

/// Row pairs `gemm_rows` takes in one pass of the register-tiled kernels: callers that
/// gather pairs as they come hand them over this many at a time.
pub const PASS_ROWS: usize = tiled::KC;

/// The register-tiled kernels' sum of outer products (`tiled::gemm_rows`).
#[cfg(target_arch = "x86_64")]
type RowsKernel = unsafe fn((usize, usize), &[&[f32]], &[&[f32]], bool, *mut f32, usize);
