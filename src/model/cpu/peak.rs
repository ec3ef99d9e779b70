//! The machine's limit for the products: one core's measured FMA throughput (a loop of
//! independent fused multiply-adds in registers, with the widest vectors the CPU has), and
//! the multiply-add counts of each model's training step, to hold measured speeds against it.

use std::time::Instant;

/// Which vectors the FMA loop used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FmaIsa {
    /// 16 lanes (AVX-512F).
    Avx512,
    /// 8 lanes (AVX2 with FMA).
    Avx2,
    /// Scalar `mul_add` (no vector FMA found): a floor, not a peak.
    Scalar,
}

impl std::fmt::Display for FmaIsa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FmaIsa::Avx512 => "AVX-512",
            FmaIsa::Avx2 => "AVX2+FMA",
            FmaIsa::Scalar => "scalar",
        })
    }
}

/// The widest FMA this CPU runs.
pub fn fma_isa() -> FmaIsa {
    #[cfg(target_arch = "x86_64")]
    {
        if is_x86_feature_detected!("avx512f") {
            return FmaIsa::Avx512;
        }
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            return FmaIsa::Avx2;
        }
    }
    FmaIsa::Scalar
}

/// Seconds of CPU this thread has used (wall-clock seconds where the system has no
/// per-thread clock): time another program took the core from it is not counted.
pub fn thread_cpu_secs() -> f64 {
    #[cfg(unix)]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: clock_gettime writes the timespec it is given.
        if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } == 0 {
            return ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9;
        }
    }
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_secs_f64()
}

/// GFLOP/s of `iters` rounds of the FMA loop on this thread (wall-clock), with the ISA
/// it used.
pub fn fma_gflops(iters: u64) -> (FmaIsa, f64) {
    let t0 = Instant::now();
    let (isa, flops) = fma_loop(iters);
    (isa, flops / t0.elapsed().as_secs_f64().max(1e-9) * 1e-9)
}

/// Runs `iters` rounds of the FMA loop on the widest vectors, and returns them with the
/// flops done (each FMA two).
pub fn fma_loop(iters: u64) -> (FmaIsa, f64) {
    let isa = fma_isa();
    let flops = match isa {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the CPU has AVX-512F (checked by `fma_isa`).
        FmaIsa::Avx512 => unsafe { x86::fma512(iters) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the CPU has AVX2 and FMA (checked by `fma_isa`).
        FmaIsa::Avx2 => unsafe { x86::fma256(iters) },
        _ => scalar(iters),
    };
    (isa, flops)
}

/// Independent accumulators: enough to cover the FMA latency (4 cycles) on two FMA ports.
const ACC: usize = 12;

fn scalar(iters: u64) -> f64 {
    let (x, y) = (
        std::hint::black_box(0.999_f32),
        std::hint::black_box(1e-7_f32),
    );
    let mut acc = [0.5f32; ACC];
    for _ in 0..iters {
        for a in &mut acc {
            *a = a.mul_add(x, y);
        }
    }
    std::hint::black_box(acc);
    iters as f64 * ACC as f64 * 2.0
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::ACC;
    use std::arch::x86_64::*;

    /// # Safety
    /// The CPU has AVX-512F.
    #[target_feature(enable = "avx512f")]
    pub unsafe fn fma512(iters: u64) -> f64 {
        let x = _mm512_set1_ps(std::hint::black_box(0.999));
        let y = _mm512_set1_ps(std::hint::black_box(1e-7));
        let mut acc = [_mm512_set1_ps(0.5); ACC];
        for _ in 0..iters {
            for a in &mut acc {
                *a = _mm512_fmadd_ps(*a, x, y);
            }
        }
        std::hint::black_box(acc);
        iters as f64 * (ACC * 16 * 2) as f64
    }

    /// # Safety
    /// The CPU has AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn fma256(iters: u64) -> f64 {
        let x = _mm256_set1_ps(std::hint::black_box(0.999));
        let y = _mm256_set1_ps(std::hint::black_box(1e-7));
        let mut acc = [_mm256_set1_ps(0.5); ACC];
        for _ in 0..iters {
            for a in &mut acc {
                *a = _mm256_fmadd_ps(*a, x, y);
            }
        }
        std::hint::black_box(acc);
        iters as f64 * (ACC * 8 * 2) as f64
    }
}

/// Flops of the matrix products of one exercise training step (batch `b`, `t` steps,
/// `a` hidden units, `v` values): the recurrence forward and back (t - 1 steps each), the
/// recurrent kernel's gradient (every step), the output layer and its two gradients. The
/// one-hot input is a lookup; elementwise work is not counted.
pub fn exercise_step_flops(b: usize, t: usize, a: usize, v: usize) -> f64 {
    let (b, t, a, v) = (b as f64, t as f64, a as f64, v as f64);
    let g = 4.0 * a;
    let recurrence = 2.0 * b * a * g * (2.0 * (t - 1.0).max(0.0) + t);
    let output = 3.0 * 2.0 * b * t * a * v;
    recurrence + output
}

/// Flops of the products of one conditioned training step: per layer the recurrence as in
/// `exercise_step_flops`, a second layer's input product with its two gradients, and the
/// heads (`heads` classes in all) with theirs. Lookups, the few distinct feature rows'
/// products and elementwise work are not counted.
pub fn conditioned_step_flops(
    (b, t): (usize, usize),
    (a, layers): (usize, usize),
    heads: usize,
) -> f64 {
    let (bf, tf, af) = (b as f64, t as f64, a as f64);
    let g = 4.0 * af;
    let per_layer = 2.0 * bf * af * g * (2.0 * (tf - 1.0).max(0.0) + tf);
    let second_input = 3.0 * 2.0 * bf * tf * af * g * (layers.saturating_sub(1)) as f64;
    let output = 3.0 * 2.0 * bf * tf * af * heads as f64;
    per_layer * layers as f64 + second_input + output
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fma_loop_reports_a_positive_rate_on_the_widest_vectors() {
        let (isa, g) = fma_gflops(10_000);
        assert!(g > 0.0 && g.is_finite());
        #[cfg(target_arch = "x86_64")]
        if is_x86_feature_detected!("avx512f") {
            assert_eq!(isa, FmaIsa::Avx512);
        }
        let _ = isa;
    }

    #[test]
    fn step_flops_count_each_product_once() {
        // One window of two steps, one unit, one value: forward step 2·4, back 2·4, du
        // 2·4·2, output 3·2·2.
        assert_eq!(exercise_step_flops(1, 2, 1, 1), 8.0 + 8.0 + 16.0 + 12.0);
        // A one-layer conditioned step without features is the exercise's with its heads.
        let c = conditioned_step_flops((32, 64), (128, 1), 90);
        assert_eq!(c, exercise_step_flops(32, 64, 128, 90));
        let two = conditioned_step_flops((32, 64), (128, 2), 90);
        let layer = exercise_step_flops(32, 64, 128, 0);
        assert_eq!(two - c, layer + 3.0 * 2.0 * 32.0 * 64.0 * 128.0 * 512.0);
    }
}
