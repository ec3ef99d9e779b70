//! exp, sigmoid and tanh in plain arithmetic, accurate to a few ulp, so hot loops vectorize.

/// How the polynomials' multiply-adds round. The AVX2 and AVX-512 paths fuse them (one
/// rounding, one instruction); the baseline path, which has no FMA instruction (where
/// `f32::mul_add` is a slow library call), multiplies and then adds. `with_simd!(fused …)`
/// hands the generic function the right one for its path.
pub trait MulAdd: Copy {
    /// a·b + c.
    fn madd(a: f32, b: f32, c: f32) -> f32;
}

/// a·b + c with one rounding (an FMA instruction on the SIMD paths).
#[derive(Clone, Copy, Debug)]
pub struct Fused;

/// a·b then + c, two roundings (any CPU).
#[derive(Clone, Copy, Debug)]
pub struct Separate;

impl MulAdd for Fused {
    #[inline(always)]
    fn madd(a: f32, b: f32, c: f32) -> f32 {
        a.mul_add(b, c)
    }
}

impl MulAdd for Separate {
    #[inline(always)]
    fn madd(a: f32, b: f32, c: f32) -> f32 {
        a * b + c
    }
}

/// e^x to about 2 ulp: range reduction by ln 2 and a degree-6 polynomial. Plain arithmetic
/// (no libm call), so loops over it vectorize; `M` says whether its multiply-adds fuse.
#[inline(always)]
pub fn exp_with<M: MulAdd>(x: f32) -> f32 {
    let x = x.clamp(-87.0, 88.0);
    // Round to nearest by the 1.5·2^23 trick (no libm call, so it vectorizes).
    const SHIFT: f32 = 12_582_912.0;
    let t = M::madd(x, std::f32::consts::LOG2_E, SHIFT);
    let n = t - SHIFT;
    // The same integer read from t's mantissa bits: integer arithmetic that vectorizes,
    // where `n as i32` would be a scalar, saturating conversion per element.
    let ni = (t.to_bits() as i32).wrapping_sub(SHIFT.to_bits() as i32);
    let r = M::madd(n, -0.693_145_75, x);
    let r = M::madd(n, -1.428_606_8e-6, r);
    let mut p = 0.001_388_889;
    for c in [0.008_333_334, 0.041_666_668, 0.166_666_67, 0.5, 1.0, 1.0] {
        p = M::madd(r, p, c);
    }
    p * f32::from_bits(((ni + 127) as u32) << 23)
}

/// e^x, multiply-adds rounded separately (for code outside `with_simd!`).
#[inline(always)]
pub fn exp_fast(x: f32) -> f32 {
    exp_with::<Separate>(x)
}

#[inline(always)]
pub fn sigmoid_with<M: MulAdd>(x: f32) -> f32 {
    1.0 / (1.0 + exp_with::<M>(-x))
}

#[inline(always)]
pub fn tanh_with<M: MulAdd>(x: f32) -> f32 {
    2.0 / (1.0 + exp_with::<M>(-2.0 * x)) - 1.0
}

/// Calls `$generic` (an `#[inline(always)]` function) compiled for AVX-512 when the CPU
/// has AVX-512F, else for AVX2 and FMA when it has those, so its element-wise loops use
/// 16- or 8-wide vectors; for the baseline target otherwise. Element-wise results are the
/// same on both SIMD paths (no contraction into FMA, explicit lanes for sums). With
/// `fused` first, `$generic` takes a `MulAdd` as its first argument: `Fused` on the SIMD
/// paths, `Separate` on the baseline. Use it as a function's whole body: it returns from
/// the caller.
macro_rules! with_simd {
    (fused $generic:ident($($arg:expr),*)) => {
        $crate::model::cpu::fastmath::with_simd!(@paths
            $generic($crate::model::cpu::fastmath::Fused, $($arg),*),
            $generic($crate::model::cpu::fastmath::Separate, $($arg),*))
    };
    ($generic:ident($($arg:expr),*)) => {
        $crate::model::cpu::fastmath::with_simd!(@paths
            $generic($($arg),*), $generic($($arg),*))
    };
    (@paths $simd:expr, $plain:expr) => {{
        #[cfg(target_arch = "x86_64")]
        {
            #[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")]
            unsafe fn wide<R>(f: impl FnOnce() -> R) -> R {
                f()
            }
            #[target_feature(enable = "avx2,fma")]
            unsafe fn fast<R>(f: impl FnOnce() -> R) -> R {
                f()
            }
            if $crate::model::cpu::fastmath::simd_level() == 2 {
                // SAFETY: the CPU supports the features `wide` is compiled for.
                return unsafe { wide(|| $simd) };
            }
            if $crate::model::cpu::fastmath::simd_level() == 1 {
                // SAFETY: the CPU supports the features `fast` is compiled for.
                return unsafe { fast(|| $simd) };
            }
        }
        $plain
    }};
}
pub(crate) use with_simd;

thread_local! {
    /// A cap on this thread's level (`capped`), for tests that compare the paths.
    static CAP: std::cell::Cell<u8> = const { std::cell::Cell::new(u8::MAX) };
}

/// Runs `f` on this thread with the element-wise loops capped at `level` (0, 1 or 2).
pub fn capped<R>(level: u8, f: impl FnOnce() -> R) -> R {
    let before = CAP.with(|c| c.replace(level));
    let r = f();
    CAP.with(|c| c.set(before));
    r
}

/// 2: AVX-512 (F, VL, BW, DQ) with AVX2 and FMA; 1: AVX2 and FMA; 0: neither. `IMPROV_KERNEL=
/// gemm` or `=avx2` caps it at 1 (to compare paths), and so does `capped` on one thread.
pub fn simd_level() -> u8 {
    machine_level().min(CAP.with(std::cell::Cell::get))
}

fn machine_level() -> u8 {
    static LEVEL: std::sync::OnceLock<u8> = std::sync::OnceLock::new();
    *LEVEL.get_or_init(|| {
        #[cfg(target_arch = "x86_64")]
        {
            let avx2 = is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma");
            let avx512 = avx2
                && is_x86_feature_detected!("avx512f")
                && is_x86_feature_detected!("avx512vl")
                && is_x86_feature_detected!("avx512bw")
                && is_x86_feature_detected!("avx512dq");
            let capped = std::env::var("IMPROV_KERNEL").is_ok_and(|v| v == "gemm" || v == "avx2");
            u8::from(avx2) + u8::from(avx512 && !capped)
        }
        #[cfg(not(target_arch = "x86_64"))]
        0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agrees_with_libm<M: MulAdd>() {
        let mut worst = 0.0f64;
        let mut x = -87.0f32;
        while x < 88.0 {
            let want = f64::from(x).exp();
            let rel = ((f64::from(exp_with::<M>(x)) - want) / want).abs();
            worst = worst.max(rel);
            let sig = 1.0 / (1.0 + (-f64::from(x)).exp());
            assert!((f64::from(sigmoid_with::<M>(x)) - sig).abs() < 1e-6);
            assert!(
                (f64::from(tanh_with::<M>(x)) - f64::from(x).tanh()).abs() < 2e-6,
                "tanh({x})"
            );
            x += 0.0137;
        }
        assert!(worst < 5e-7, "exp relative error {worst}");
        // Out of range: clamped, finite, never NaN.
        assert!(exp_with::<M>(-1000.0) >= 0.0 && exp_with::<M>(-1000.0) < 1e-37);
        assert!(exp_with::<M>(1000.0).is_finite());
        assert!((0.0..1e-30).contains(&sigmoid_with::<M>(-1000.0)));
        assert_eq!(sigmoid_with::<M>(1000.0), 1.0);
        assert_eq!(tanh_with::<M>(1000.0), 1.0);
        assert_eq!(tanh_with::<M>(-1000.0), -1.0);
    }

    #[test]
    fn exp_sigmoid_and_tanh_agree_with_libm_to_a_few_ulp() {
        agrees_with_libm::<Separate>();
        agrees_with_libm::<Fused>();
    }
}
