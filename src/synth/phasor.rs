//! Oscillators without `sin` per sample: a rotating phasor (also read eight samples at a
//! time, in lanes), and sine and cosine of small angles.

/// Eight samples, one a lane: the unit the voices compute in (it maps onto SIMD registers).
pub(super) type Lanes = [f32; 8];

/// `k^j` for lanes j = 0..8: a running exponential decay read eight samples at a time.
pub(super) fn decay_lanes(from: f32, k: f32) -> Lanes {
    std::array::from_fn(|j| (f64::from(from) * f64::from(k).powi(j as i32)) as f32)
}

/// cos + i·sin of a phase that advances by a fixed step each sample.
#[derive(Clone, Copy, Debug)]
pub(super) struct Phasor {
    #[cfg_attr(not(test), allow(dead_code))]
    pub(super) c: f32,
    #[cfg_attr(not(test), allow(dead_code))]
    pub(super) s: f32,
    rc: f32,
    rs: f32,
}

impl Phasor {
    pub(super) fn new(cycles_per_sample: f32) -> Phasor {
        let mut p = Phasor {
            c: 1.0,
            s: 0.0,
            rc: 1.0,
            rs: 0.0,
        };
        p.set_step(cycles_per_sample);
        p
    }

    pub(super) fn set_step(&mut self, cycles_per_sample: f32) {
        let w = std::f64::consts::TAU * f64::from(cycles_per_sample);
        self.rc = w.cos() as f32;
        self.rs = w.sin() as f32;
    }

    /// Steps by `base`'s step plus `extra` radians (|extra| small, as a vibrato's).
    pub(super) fn set_step_plus(&mut self, base: &Phasor, extra: f32) {
        let (c, s) = (1.0 - 0.5 * extra * extra, extra);
        self.rc = base.rc * c - base.rs * s;
        self.rs = base.rs * c + base.rc * s;
    }

    /// The rotation applied each sample.
    pub(super) fn rotation(&self) -> (f32, f32) {
        (self.rc, self.rs)
    }

    #[cfg(test)]
    pub(super) fn advance(&mut self) {
        let c = self.c * self.rc - self.s * self.rs;
        self.s = self.s * self.rc + self.c * self.rs;
        self.c = c;
    }

    /// Pulls the magnitude back to 1 (rounding drifts it by about 1e-7 a step).
    #[cfg(test)]
    pub(super) fn renormalize(&mut self) {
        let g = 1.5 - 0.5 * (self.c * self.c + self.s * self.s);
        self.c *= g;
        self.s *= g;
    }
}

/// A phasor read eight samples at a time: `lanes` gives the phase at each of the next eight
/// samples (a complex multiply per lane, no recurrence between them), `advance8` moves on.
#[derive(Clone, Copy, Debug)]
pub(super) struct Phasor8 {
    pub(super) c: f32,
    pub(super) s: f32,
    /// The rotation to the power 0..=8.
    pc: [f32; 9],
    ps: [f32; 9],
    /// Steps taken (their count modulo 256).
    n: u8,
}

impl Phasor8 {
    pub(super) fn new(cycles_per_sample: f32) -> Phasor8 {
        let w = std::f64::consts::TAU * f64::from(cycles_per_sample);
        Phasor8 {
            c: 1.0,
            s: 0.0,
            pc: std::array::from_fn(|j| (w * j as f64).cos() as f32),
            ps: std::array::from_fn(|j| (w * j as f64).sin() as f32),
            n: 0,
        }
    }

    /// Rotates by (`rc`, `rs`) a sample from now on (its powers by repeated products).
    pub(super) fn set_rotation(&mut self, rc: f32, rs: f32) {
        for j in 1..9 {
            let (c, s) = (self.pc[j - 1], self.ps[j - 1]);
            self.pc[j] = c * rc - s * rs;
            self.ps[j] = s * rc + c * rs;
        }
    }

    /// Cosines and sines `shift`..`shift + 8` samples on (shift 0 or 1).
    #[inline(always)]
    pub(super) fn lanes(&self, shift: usize) -> (Lanes, Lanes) {
        let (pc, ps) = (&self.pc[shift..shift + 8], &self.ps[shift..shift + 8]);
        let c = std::array::from_fn(|j| self.c * pc[j] - self.s * ps[j]);
        let s = std::array::from_fn(|j| self.s * pc[j] + self.c * ps[j]);
        (c, s)
    }

    /// Moves eight samples on, keeping the magnitude at 1 (rounding drifts it by about
    /// 1e-7 a step: pulled back every fourth step).
    #[inline(always)]
    pub(super) fn advance8(&mut self) {
        let (rc, rs) = (self.pc[8], self.ps[8]);
        let c = self.c * rc - self.s * rs;
        let s = self.s * rc + self.c * rs;
        self.n = self.n.wrapping_add(1);
        let g = if self.n & 3 == 0 {
            1.5 - 0.5 * (c * c + s * s)
        } else {
            1.0
        };
        (self.c, self.s) = (c * g, s * g);
    }
}

/// sin(x) for |x| ≤ 1.5, the largest FM index (Taylor to x⁹ in Horner form, error below
/// 3e-6): the FM piano's modulated carrier.
#[inline(always)]
pub(super) fn sin_small(x: f32) -> f32 {
    const C: [f32; 4] = [-1.0 / 6.0, 1.0 / 120.0, -1.0 / 5_040.0, 1.0 / 362_880.0];
    let x2 = x * x;
    x * (1.0 + x2 * (C[0] + x2 * (C[1] + x2 * (C[2] + x2 * C[3]))))
}

/// cos(x) for |x| ≤ 1.5 (Taylor to x¹⁰, error below 1e-6).
#[inline(always)]
pub(super) fn cos_small(x: f32) -> f32 {
    const C: [f32; 5] = [
        -0.5,
        1.0 / 24.0,
        -1.0 / 720.0,
        1.0 / 40_320.0,
        -1.0 / 3_628_800.0,
    ];
    let x2 = x * x;
    1.0 + x2 * (C[0] + x2 * (C[1] + x2 * (C[2] + x2 * (C[3] + x2 * C[4]))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_small_angle_sine_and_cosine_are_exact_enough() {
        for k in -150..=150 {
            let x = k as f32 / 100.0;
            assert!((sin_small(x) - x.sin()).abs() < 3e-6, "sin {x}");
            assert!((cos_small(x) - x.cos()).abs() < 1e-6, "cos {x}");
        }
    }

    #[test]
    fn eight_lanes_follow_the_one_sample_phasor() {
        let step = 1_234.5 / 48_000.0;
        let (mut one, mut eight) = (Phasor::new(step), Phasor8::new(step));
        for _ in 0..600 {
            let (c, s) = eight.lanes(0);
            eight.advance8();
            for j in 0..8 {
                assert!((c[j] - one.c).abs() < 1e-4 && (s[j] - one.s).abs() < 1e-4);
                one.advance();
            }
            one.renormalize();
        }
    }

    #[test]
    fn a_phasor_stays_on_the_unit_circle_and_in_tune() {
        let mut p = Phasor::new(440.0 / 48_000.0);
        for i in 1..=48_000 {
            p.advance();
            if i % 32 == 0 {
                p.renormalize();
            }
        }
        // 440 whole cycles in a second: back at phase 0.
        assert!(
            (p.c - 1.0).abs() < 1e-3 && p.s.abs() < 1e-2,
            "{} {}",
            p.c,
            p.s
        );
        assert!((p.c * p.c + p.s * p.s - 1.0).abs() < 1e-5);
    }
}
