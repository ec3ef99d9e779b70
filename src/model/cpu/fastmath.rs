//! exp, sigmoid and tanh in plain arithmetic, accurate to a few ulp, so hot loops vectorize.

/// e^x to about 2 ulp: range reduction by ln 2 and a degree-6 polynomial. Plain arithmetic
/// (no libm call), so loops over it vectorize.
#[inline(always)]
pub fn exp_fast(x: f32) -> f32 {
    let x = x.clamp(-87.0, 88.0);
    // Round to nearest by the 1.5·2^23 trick (no libm call, so it vectorizes).
    const SHIFT: f32 = 12_582_912.0;
    let t = x * std::f32::consts::LOG2_E + SHIFT;
    let n = t - SHIFT;
    // The same integer read from t's mantissa bits: integer arithmetic that vectorizes,
    // where `n as i32` would be a scalar, saturating conversion per element.
    let ni = (t.to_bits() as i32).wrapping_sub(SHIFT.to_bits() as i32);
    let r = x - n * 0.693_145_75 - n * 1.428_606_8e-6;
    let p = 1.0
        + r * (1.0
            + r * (0.5
                + r * (0.166_666_67
                    + r * (0.041_666_668 + r * (0.008_333_334 + r * 0.001_388_889)))));
    p * f32::from_bits(((ni + 127) as u32) << 23)
}

#[inline(always)]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp_fast(-x))
}

#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    2.0 / (1.0 + exp_fast(-2.0 * x)) - 1.0
}

/// Calls `$generic` (an `#[inline(always)]` function) compiled for AVX-512 when the CPU
/// has AVX-512F, else for AVX2 and FMA when it has those, so its element-wise loops use
/// 16- or 8-wide vectors; for the baseline target otherwise. Element-wise results are the
/// same on every path (no contraction into FMA, and explicit lanes for sums). Use it as a
/// function's whole body: it returns from the caller.
macro_rules! with_simd {
    ($generic:ident($($arg:expr),*)) => {{
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
                return unsafe { wide(|| $generic($($arg),*)) };
            }
            if $crate::model::cpu::fastmath::simd_level() == 1 {
                // SAFETY: the CPU supports the features `fast` is compiled for.
                return unsafe { fast(|| $generic($($arg),*)) };
            }
        }
        $generic($($arg),*)
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

    #[test]
    fn exp_sigmoid_and_tanh_agree_with_libm_to_a_few_ulp() {
        let mut worst = 0.0f64;
        let mut x = -87.0f32;
        while x < 88.0 {
            let want = f64::from(x).exp();
            let rel = ((f64::from(exp_fast(x)) - want) / want).abs();
            worst = worst.max(rel);
            assert!((f64::from(sigmoid(x)) - 1.0 / (1.0 + (-f64::from(x)).exp())).abs() < 1e-6);
            assert!(
                (f64::from(tanh(x)) - f64::from(x).tanh()).abs() < 2e-6,
                "tanh({x})"
            );
            x += 0.0137;
        }
        assert!(worst < 5e-7, "exp relative error {worst}");
        // Out of range: clamped, finite, never NaN.
        assert!(exp_fast(-1000.0) >= 0.0 && exp_fast(-1000.0) < 1e-37);
        assert!(exp_fast(1000.0).is_finite());
        assert!((0.0..1e-30).contains(&sigmoid(-1000.0)));
        assert_eq!(sigmoid(1000.0), 1.0);
        assert_eq!(tanh(1000.0), 1.0);
        assert_eq!(tanh(-1000.0), -1.0);
    }
}
