//! Matrix products for the recurrences and output layers of both models, with the kernel
//! chosen at run time: a register-tiled kernel of our own where the CPU has AVX-512F or
//! AVX2+FMA (packing its operands into buffers each thread keeps, so neither allocates once
//! warm), else the `gemm` crate's portable code. Either operand may be read transposed (any
//! strides), and a B read by many products is packed once (`PackedB`, `gemm_packed`).

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

/// Grows this thread's packing buffers for products up to `n` columns wide, so that a
/// thread's first products allocate nothing.
pub fn reserve(n: usize) {
    tiled::reserve(n);
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

/// `t` [r, c] transposed into `out` [c, r] (r = t.len() / c). A weight gradient Xᵀ·D
/// whose D has a narrow last panel (78 values are 64 + 14 columns) runs faster as its
/// transpose Dᵀ·X, every tile full, and this turns it round.
pub fn transpose(t: &[f32], c: usize, out: &mut [f32]) {
    let r = t.len() / c.max(1);
    assert!(out.len() == r * c, "out must be [c, r]");
    for (i, row) in t.chunks_exact(c.max(1)).enumerate() {
        for (j, &x) in row.iter().enumerate() {
            out[j * r + i] = x;
        }
    }
}

/// `gemm` with a chosen kernel (tests compare them); a kernel the CPU lacks falls back to
/// `Gemm`.
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
    if nothing_to_do((m, n), beta) {
        return;
    }
    assert_fits(
        (m, k, n),
        (a.len(), (rsa, csa)),
        (b.len(), (rsb, csb)),
        (c.len(), rsc),
    );
    #[cfg(target_arch = "x86_64")]
    if let Some(own) = own_kernel(kernel).filter(|_| available(kernel)) {
        let b = tiled::BSource::Raw {
            b: b.as_ptr(),
            rsb,
            csb,
        };
        // SAFETY: the CPU runs this kernel (checked above), and the asserts above keep
        // every element it reads or writes inside the three slices.
        unsafe { run_own(own, (m, k, n), (a, (rsa, csa)), b, beta, (c, rsc)) };
        return;
    }
    // SAFETY: as above.
    unsafe { crate_gemm(m, k, n, a, (rsa, csa), b, (rsb, csb), beta, c, rsc) }
}

/// C (m×n) = op(A)·B + beta·C (beta 0 or 1) with a B packed beforehand (k×n), on the kernel
/// it was packed for.
pub fn gemm_packed(
    m: usize,
    a: &[f32],
    (rsa, csa): (usize, usize),
    b: &PackedB,
    beta: f32,
    c: &mut [f32],
    rsc: usize,
) {
    let (k, n) = (b.k, b.n);
    if nothing_to_do((m, n), beta) {
        return;
    }
    assert_operand("A", a.len(), (rsa, csa), (m, k));
    assert_operand("C", c.len(), (rsc, 1), (m, n));
    let data = b.data();
    #[cfg(target_arch = "x86_64")]
    if let Some(own) = own_kernel(b.kernel) {
        let b = tiled::BSource::Packed(data.as_ptr());
        // SAFETY: the kernel was active, so the CPU runs it; A and C fit (asserted above)
        // and the packed B holds k×n in this kernel's layout.
        unsafe { run_own(own, (m, k, n), (a, (rsa, csa)), b, beta, (c, rsc)) };
        return;
    }
    // SAFETY: A and C fit (asserted above); the `gemm` crate's layout is B row-major.
    unsafe { crate_gemm(m, k, n, a, (rsa, csa), data, (n, 1), beta, c, rsc) }
}

/// The register-tiled kernels' product (`tiled::gemm` over a kernel's tiles).
#[cfg(target_arch = "x86_64")]
type OwnKernel = unsafe fn(
    usize,
    usize,
    usize,
    *const f32,
    (usize, usize),
    tiled::BSource,
    bool,
    *mut f32,
    usize,
);

/// `own` over A (at its strides), B (from `b`) and C (rows `rsc` apart), adding to C
/// when `beta` is 1.
///
/// # Safety
/// The CPU runs `own`'s instruction set; A's m×k and C's m×n elements lie in their
/// slices, and `b` holds k×n.
#[cfg(target_arch = "x86_64")]
unsafe fn run_own(
    own: OwnKernel,
    (m, k, n): (usize, usize, usize),
    (a, sa): (&[f32], (usize, usize)),
    b: tiled::BSource,
    beta: f32,
    (c, rsc): (&mut [f32], usize),
) {
    // SAFETY: forwarded from the caller.
    unsafe { own(m, k, n, a.as_ptr(), sa, b, beta != 0.0, c.as_mut_ptr(), rsc) }
}

/// The kernel of our own behind `k` (`None`: the `gemm` crate's).
#[cfg(target_arch = "x86_64")]
fn own_kernel(k: Kernel) -> Option<OwnKernel> {
    match k {
        Kernel::Avx512 => Some(tiled::gemm::<avx512::Avx512>),
        Kernel::Avx2 => Some(tiled::gemm::<avx2::Avx2>),
        Kernel::Gemm => None,
    }
}

/// The width of `k`'s tiles, the panels B is packed in, and of its vectors (`None`: the
/// `gemm` crate's, which reads B as it is).
fn tile_width(k: Kernel) -> Option<(usize, usize)> {
    #[cfg(target_arch = "x86_64")]
    {
        use tiled::Tiles;
        match k {
            Kernel::Avx512 => Some((avx512::Avx512::NR, avx512::Avx512::LANES)),
            Kernel::Avx2 => Some((avx2::Avx2::NR, avx2::Avx2::LANES)),
            Kernel::Gemm => None,
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = k;
        None
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

/// Whether a product m×n wide has nothing to compute; panics unless beta is 0 or 1.
fn nothing_to_do((m, n): (usize, usize), beta: f32) -> bool {
    assert!(beta == 0.0 || beta == 1.0, "gemm: beta is 0 or 1");
    m == 0 || n == 0
}

/// Panics unless every element of A (m×k), B (k×n) and C (m×n) at the given strides lies
/// inside its slice (lengths given): what the unsafe kernels rely on.
fn assert_fits(
    (m, k, n): (usize, usize, usize),
    (la, sa): (usize, (usize, usize)),
    (lb, sb): (usize, (usize, usize)),
    (lc, rsc): (usize, usize),
) {
    assert_operand("A", la, sa, (m, k));
    assert_operand("B", lb, sb, (k, n));
    assert_operand("C", lc, (rsc, 1), (m, n));
}

/// Panics unless the last of `rows`×`cols` elements at strides (`rs`, `cs`) lies inside a
/// slice of `len`.
fn assert_operand(name: &str, len: usize, (rs, cs): (usize, usize), (rows, cols): (usize, usize)) {
    if rows > 0 && cols > 0 {
        let last = (rows - 1) * rs + (cols - 1) * cs;
        assert!(last < len, "gemm: {name} too small");
    }
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
mod pack;
mod rows;
mod tiled;

pub use pack::PackedB;
pub use rows::{PASS_ROWS, gemm_rows};

#[cfg(test)]
mod tests;
