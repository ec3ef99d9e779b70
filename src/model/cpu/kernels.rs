//! Matrix products for the recurrences and output layers of both models, with the kernel
//! chosen at run time: an AVX-512 register-tiled kernel where the CPU has AVX-512F, else the
//! `gemm` crate (its own AVX2/FMA microkernels where present, portable code elsewhere).

use std::sync::atomic::{AtomicU8, Ordering};

/// Which code computes a product.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// 6×64 tiles of 16-wide FMAs (AVX-512F), with masked edges.
    Avx512,
    /// The `gemm` crate: AVX2/FMA microkernels where the CPU has them, portable otherwise.
    Gemm,
}

impl std::fmt::Display for Kernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Kernel::Avx512 => "avx512",
            Kernel::Gemm => "gemm",
        })
    }
}

/// 0: the best the CPU has; 1: force `Kernel::Gemm`.
static FORCE: AtomicU8 = AtomicU8::new(0);

/// Whether this CPU can run `k`.
pub fn available(k: Kernel) -> bool {
    match k {
        Kernel::Gemm => true,
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx512 => is_x86_feature_detected!("avx512f"),
        #[cfg(not(target_arch = "x86_64"))]
        Kernel::Avx512 => false,
    }
}

/// The kernel products use now: the best the CPU has, unless `prefer` or the environment
/// variable `IMPROV_KERNEL=gemm` asks for the `gemm` crate's.
pub fn active() -> Kernel {
    static ENV: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let env_gemm = *ENV.get_or_init(|| std::env::var("IMPROV_KERNEL").is_ok_and(|v| v == "gemm"));
    let local_gemm = LOCAL.with(std::cell::Cell::get);
    if FORCE.load(Ordering::Relaxed) == 0 && !env_gemm && !local_gemm && available(Kernel::Avx512) {
        Kernel::Avx512
    } else {
        Kernel::Gemm
    }
}

thread_local! {
    /// This thread uses `Kernel::Gemm` (see `with`).
    static LOCAL: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with this thread's products on `k` (`Avx512` only where the CPU has it): tests
/// compare the paths without touching other threads.
pub fn with<R>(k: Kernel, f: impl FnOnce() -> R) -> R {
    let before = LOCAL.with(|c| c.replace(k == Kernel::Gemm));
    let r = f();
    LOCAL.with(|c| c.set(before));
    r
}

/// Chooses the kernel for every later product (for benchmarks): `Avx512` only takes effect
/// where the CPU has it.
pub fn prefer(k: Kernel) {
    FORCE.store(u8::from(k == Kernel::Gemm), Ordering::Relaxed);
}

/// C (m×n) = op(A)·op(B) + beta·C (beta 0 or 1), each operand described by its row and
/// column strides, with the active kernel.
#[allow(clippy::too_many_arguments)]
pub fn gemm(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    sa: (usize, usize),
    b: &[f32],
    sb: (usize, usize),
    beta: f32,
    c: &mut [f32],
    rsc: usize,
) {
    gemm_with(active(), m, k, n, a, sa, b, sb, beta, c, rsc)
}

/// `gemm` with a chosen kernel (tests compare them); `Avx512` where the CPU lacks it, or
/// with a B whose rows are not contiguous, falls back to `Gemm`.
#[allow(clippy::too_many_arguments)]
pub fn gemm_with(
    kernel: Kernel,
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    (rsa, csa): (usize, usize),
    b: &[f32],
    (rsb, csb): (usize, usize),
    beta: f32,
    c: &mut [f32],
    rsc: usize,
) {
    if m == 0 || n == 0 {
        return;
    }
    assert!(beta == 0.0 || beta == 1.0, "gemm: beta is 0 or 1");
    assert_fits(
        (m, k, n),
        (a.len(), (rsa, csa)),
        (b.len(), (rsb, csb)),
        (c.len(), rsc),
    );
    #[cfg(target_arch = "x86_64")]
    if kernel == Kernel::Avx512 && csb == 1 && available(Kernel::Avx512) {
        // SAFETY: the CPU has AVX-512F, and the asserts above keep every element the
        // kernel reads or writes inside the three slices.
        unsafe {
            avx512::gemm(
                m,
                k,
                n,
                a.as_ptr(),
                (rsa, csa),
                b.as_ptr(),
                rsb,
                beta != 0.0,
                c.as_mut_ptr(),
                rsc,
            )
        };
        return;
    }
    // SAFETY: as above.
    unsafe { crate_gemm(m, k, n, a, (rsa, csa), b, (rsb, csb), beta, c, rsc) }
}

/// Panics unless every element of A (m×k), B (k×n) and C (m×n) at the given strides lies
/// inside its slice (lengths given): what the unsafe kernels rely on.
fn assert_fits(
    (m, k, n): (usize, usize, usize),
    (la, (rsa, csa)): (usize, (usize, usize)),
    (lb, (rsb, csb)): (usize, (usize, usize)),
    (lc, rsc): (usize, usize),
) {
    let last = |rs: usize, cs: usize, r: usize, cl: usize| (r - 1) * rs + (cl - 1) * cs;
    assert!(k == 0 || last(rsa, csa, m, k) < la, "gemm: A too small");
    assert!(k == 0 || last(rsb, csb, k, n) < lb, "gemm: B too small");
    assert!(last(rsc, 1, m, n) < lc, "gemm: C too small");
}

/// The `gemm` crate's product.
///
/// # Safety
/// As `assert_fits` checks.
#[allow(clippy::too_many_arguments)]
unsafe fn crate_gemm(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    (rsa, csa): (usize, usize),
    b: &[f32],
    (rsb, csb): (usize, usize),
    beta: f32,
    c: &mut [f32],
    rsc: usize,
) {
    // SAFETY: the caller vouches for the bounds.
    unsafe {
        // gemm computes dst = alpha·dst + beta·lhs·rhs, reading dst only when asked.
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            1,
            rsc as isize,
            beta != 0.0,
            a.as_ptr(),
            csa as isize,
            rsa as isize,
            b.as_ptr(),
            csb as isize,
            rsb as isize,
            beta,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    /// Depth of one pass: a 64-column panel of B this deep (32 KiB) stays in L1.
    const KC: usize = 128;
    /// Rows of a tile: 6 rows × 4 vectors = 24 accumulators of the 32 registers.
    const MR: usize = 6;

    /// C = A·B (+ C when `acc`); B and C rows contiguous.
    ///
    /// # Safety
    /// The CPU has AVX-512F; A's m×k, B's k×n and C's m×n elements at the given strides
    /// are in bounds.
    #[allow(clippy::too_many_arguments)]
    #[target_feature(enable = "avx512f")]
    pub unsafe fn gemm(
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
            let load_c = acc || p0 > 0;
            for j0 in (0..n).step_by(64) {
                let nv = (n - j0).div_ceil(16).min(4);
                let masks: [__mmask16; 4] = std::array::from_fn(|v| {
                    let left = (n - j0).saturating_sub(16 * v).min(16);
                    ((1u32 << left) - 1) as __mmask16
                });
                let mut i0 = 0;
                while i0 < m {
                    // Split a ragged end evenly (8 rows as 4 + 4, not 6 + 2): thin tiles
                    // waste most of their loads.
                    let left = m - i0;
                    let mr = if left > MR && left < 2 * MR {
                        left.div_ceil(2)
                    } else {
                        MR.min(left)
                    };
                    // SAFETY: tiles stay inside the m×n / k×n ranges the caller vouches for.
                    unsafe {
                        let ap = a.add(i0 * rsa + p0 * csa);
                        let bp = b.add(p0 * ldb + j0);
                        let cp = c.add(i0 * ldc + j0);
                        let t = Tile {
                            kc,
                            a: ap,
                            rsa,
                            csa,
                            b: bp,
                            ldb,
                            c: cp,
                            ldc,
                            masks,
                            load_c,
                        };
                        dispatch(&t, mr, nv);
                    }
                    i0 += mr;
                }
            }
            p0 += kc;
            if p0 >= k {
                break;
            }
        }
    }

    struct Tile {
        kc: usize,
        a: *const f32,
        rsa: usize,
        csa: usize,
        b: *const f32,
        ldb: usize,
        c: *mut f32,
        ldc: usize,
        masks: [__mmask16; 4],
        load_c: bool,
    }

    #[target_feature(enable = "avx512f")]
    unsafe fn dispatch(t: &Tile, mr: usize, nv: usize) {
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
            match nv {
                4 => rows!(4),
                3 => rows!(3),
                2 => rows!(2),
                _ => rows!(1),
            }
        }
    }

    /// One MR×(16·NV) tile of C over `kc` steps of the depth, in registers.
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn tile<const R: usize, const NV: usize>(t: &Tile) {
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
                let bp = t.b.add(p * t.ldb);
                let bv: [__m512; NV] =
                    std::array::from_fn(|v| _mm512_maskz_loadu_ps(t.masks[v], bp.add(16 * v)));
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// The product by the definition, in f64.
    #[allow(clippy::too_many_arguments)]
    fn naive(
        m: usize,
        k: usize,
        n: usize,
        a: &[f32],
        (rsa, csa): (usize, usize),
        b: &[f32],
        (rsb, csb): (usize, usize),
        c: &mut [f32],
        rsc: usize,
        beta: f32,
    ) {
        for i in 0..m {
            for j in 0..n {
                let mut s = f64::from(beta * c[i * rsc + j]);
                for p in 0..k {
                    s += f64::from(a[i * rsa + p * csa]) * f64::from(b[p * rsb + j * csb]);
                }
                c[i * rsc + j] = s as f32;
            }
        }
    }

    #[test]
    fn every_kernel_matches_the_definition_on_edges_strides_and_depths() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
        let kernels = [Kernel::Avx512, Kernel::Gemm];
        // The recurrence's, BPTT's and the heads' shapes, and ragged edges and depths.
        let shapes = [
            (32, 128, 512),
            (7, 64, 256),
            (1, 3, 13),
            (13, 300, 78),
            (128, 130, 47),
            (5, 0, 20),
        ];
        for kernel in kernels.into_iter().filter(|&k| available(k)) {
            for &(m, k, n) in &shapes {
                for (transposed_a, beta) in [(false, 0.0), (true, 1.0)] {
                    let a: Vec<f32> = (0..m * k).map(|_| rng.random_range(-1.0..1.0)).collect();
                    let b: Vec<f32> = (0..k * n + 5)
                        .map(|_| rng.random_range(-1.0..1.0))
                        .collect();
                    let sa = if transposed_a { (1, m) } else { (k, 1) };
                    let rsc = n + 3;
                    let c0: Vec<f32> = (0..m * rsc).map(|_| rng.random_range(-1.0..1.0)).collect();
                    let (mut got, mut want) = (c0.clone(), c0);
                    gemm_with(kernel, m, k, n, &a, sa, &b, (n, 1), beta, &mut got, rsc);
                    naive(m, k, n, &a, sa, &b, (n, 1), &mut want, rsc, beta);
                    let worst = crate::model::max_diff(&got, &want);
                    let tol = 1e-5 * (k as f32).max(1.0).sqrt();
                    assert!(worst < tol, "{kernel} {m}x{k}x{n}: off by {worst}");
                }
            }
        }
    }
}
