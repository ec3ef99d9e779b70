//! Oscillators without `sin` per sample: a rotating phasor, and sine and cosine of small angles.

/// cos + i·sin of a phase that advances by a fixed step each sample.
#[derive(Clone, Copy, Debug)]
pub(super) struct Phasor {
    pub(super) c: f32,
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

    #[inline]
    pub(super) fn advance(&mut self) {
        let c = self.c * self.rc - self.s * self.rs;
        self.s = self.s * self.rc + self.c * self.rs;
        self.c = c;
    }

    /// Pulls the magnitude back to 1 (rounding drifts it by about 1e-7 a step).
    pub(super) fn renormalize(&mut self) {
        let g = 1.5 - 0.5 * (self.c * self.c + self.s * self.s);
        self.c *= g;
        self.s *= g;
    }
}

/// sin(x) for |x| ≤ 1.5, the largest FM index (Taylor to x⁹ in Horner form, error below
/// 3e-6): the FM piano's modulated carrier.
#[inline]
pub(super) fn sin_small(x: f32) -> f32 {
    const C: [f32; 4] = [-1.0 / 6.0, 1.0 / 120.0, -1.0 / 5_040.0, 1.0 / 362_880.0];
    let x2 = x * x;
    x * (1.0 + x2 * (C[0] + x2 * (C[1] + x2 * (C[2] + x2 * C[3]))))
}

/// cos(x) for |x| ≤ 1.5 (Taylor to x¹⁰, error below 1e-6).
#[inline]
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
