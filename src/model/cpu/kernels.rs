//! Matrix products for the recurrences and output layers of both models, with the kernel
//! chosen at run time: a register-tiled kernel of our own where the CPU has AVX-512F or
//! AVX2+FMA (neither allocates), else the `gemm` crate's portable code.

use std::sync::atomic::{AtomicU8, Ordering};

/// Which code computes a product.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// 6×64 tiles of 16-wide FMAs (AVX-512F), with masked edges.
    Avx512,
    /// 6×16 tiles of 8-wide FMAs (AVX2+FMA), with masked edges.
    Avx2,
    /// The `gemm` crate: AVX2/FMA microkernels where the CPU has them, portable otherwise.
    Gemm,
}

impl std::fmt::Display for Kernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Kernel::Avx512 => "avx512",
            Kernel::Avx2 => "avx2",
            Kernel::Gemm => "gemm",
        })
    }
}

/// 0: the best the CPU has; else the code (`Kernel::code`) of the kernel asked for.
static FORCE: AtomicU8 = AtomicU8::new(0);

impl Kernel {
    const ALL: [Kernel; 3] = [Kernel::Avx512, Kernel::Avx2, Kernel::Gemm];

    fn code(self) -> u8 {
        match self {
            Kernel::Avx512 => 1,
            Kernel::Avx2 => 2,
            Kernel::Gemm => 3,
        }
    }

    fn of_code(c: u8) -> Option<Kernel> {
        Kernel::ALL.into_iter().find(|k| k.code() == c)
    }
}

/// Whether this CPU can run `k`.
pub fn available(k: Kernel) -> bool {
    match k {
        Kernel::Gemm => true,
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx512 => is_x86_feature_detected!("avx512f"),
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx2 => is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma"),
        #[cfg(not(target_arch = "x86_64"))]
        Kernel::Avx512 | Kernel::Avx2 => false,
    }
}

/// The kernel products use now: this thread's (`with`), else the one `prefer` chose, else
/// the one the environment variable `IMPROV_KERNEL` (avx512, avx2 or gemm) names, else the
/// best the CPU has; one the CPU cannot run gives way to the best it can.
pub fn active() -> Kernel {
    static ENV: std::sync::OnceLock<Option<Kernel>> = std::sync::OnceLock::new();
    let env = *ENV.get_or_init(|| {
        let v = std::env::var("IMPROV_KERNEL").ok()?;
        Kernel::ALL.into_iter().find(|k| k.to_string() == v)
    });
    LOCAL
        .with(std::cell::Cell::get)
        .or_else(|| Kernel::of_code(FORCE.load(Ordering::Relaxed)))
        .or(env)
        .filter(|&k| available(k))
        .unwrap_or_else(best)
}

/// The fastest kernel this CPU runs.
pub fn best() -> Kernel {
    Kernel::ALL
        .into_iter()
        .find(|&k| available(k))
        .unwrap_or(Kernel::Gemm)
}

thread_local! {
    /// The kernel this thread's products use (see `with`).
    static LOCAL: std::cell::Cell<Option<Kernel>> = const { std::cell::Cell::new(None) };
}

/// Runs `f` with this thread's products on `k` (where the CPU can run it): tests compare
/// the paths without touching other threads.
pub fn with<R>(k: Kernel, f: impl FnOnce() -> R) -> R {
    let before = LOCAL.with(|c| c.replace(Some(k)));
    let r = f();
    LOCAL.with(|c| c.set(before));
    r
}

/// Chooses the kernel for every later product (for benchmarks), where the CPU can run it.
pub fn prefer(k: Kernel) {
    FORCE.store(k.code(), Ordering::Relaxed);
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

/// `gemm` with a chosen kernel (tests compare them); a kernel the CPU lacks, or a B whose
/// rows are not contiguous, falls back to `Gemm`.
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
    if let Some(own) = own_kernel(kernel).filter(|_| csb == 1 && available(kernel)) {
        // SAFETY: the CPU runs this kernel (checked above), and the asserts above keep
        // every element it reads or writes inside the three slices.
        unsafe {
            own(
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

/// The register-tiled kernels' product (`tiled::gemm` over a kernel's tiles).
#[cfg(target_arch = "x86_64")]
type OwnKernel = unsafe fn(
    usize,
    usize,
    usize,
    *const f32,
    (usize, usize),
    *const f32,
    usize,
    bool,
    *mut f32,
    usize,
);

/// The kernel of our own behind `k` (`None`: the `gemm` crate's).
#[cfg(target_arch = "x86_64")]
fn own_kernel(k: Kernel) -> Option<OwnKernel> {
    match k {
        Kernel::Avx512 => Some(tiled::gemm::<avx512::Avx512>),
        Kernel::Avx2 => Some(tiled::gemm::<avx2::Avx2>),
        Kernel::Gemm => None,
    }
}

/// `x` [r, c] as [c, r], so products by its transpose read contiguous rows.
pub fn transpose(x: &[f32], r: usize, c: usize) -> Vec<f32> {
    let mut t = crate::model::cpu::pool::scratch(r * c);
    transpose_into(x, r, c, &mut t);
    t
}

/// `x` [r, c] transposed into `out` [c, r].
pub fn transpose_into(x: &[f32], r: usize, c: usize, out: &mut [f32]) {
    for (i, row) in x.chunks_exact(c.max(1)).enumerate() {
        for (j, &v) in row.iter().enumerate() {
            out[j * r + i] = v;
        }
    }
}

/// The kernels this CPU can run, for tests: each one it cannot is named on stderr, so a test
/// that covers less than it would elsewhere says so.
#[cfg(test)]
pub(crate) fn runnable() -> Vec<Kernel> {
    for k in Kernel::ALL.into_iter().filter(|&k| !available(k)) {
        eprintln!("skipped: this CPU cannot run the {k} kernel");
    }
    Kernel::ALL.into_iter().filter(|&k| available(k)).collect()
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
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
#[cfg(target_arch = "x86_64")]
mod tiled;

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
        // The recurrence's, BPTT's and the heads' shapes, and ragged edges and depths.
        let shapes = [
            (32, 128, 512),
            (7, 64, 256),
            (1, 3, 13),
            (13, 300, 78),
            (128, 130, 47),
            (5, 0, 20),
        ];
        for kernel in runnable() {
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
