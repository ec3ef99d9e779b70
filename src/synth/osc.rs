//! Building blocks of the voices: oscillators and a low-pass filter.
//!
//! Saw and square are band-limited with PolyBLEP (each jump is smoothed by a two-sample
//! polynomial residual, which removes most of the aliasing a naive waveform folds back
//! below Nyquist). The triangle has no jumps and its harmonics fall as 1/k², so it is used
//! as is: its aliasing stays below -50 dB for notes under 1 kHz.

use std::f32::consts::TAU;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wave {
    Sine,
    Saw,
    Square,
    Triangle,
}

/// The PolyBLEP residual at phase `t` (cycles) for a jump of +2 at phase 0, step `dt`.
#[inline(always)]
fn blep(t: f32, dt: f32) -> f32 {
    if t < dt {
        let x = t / dt;
        2.0 * x - x * x - 1.0
    } else if t > 1.0 - dt {
        let x = (t - 1.0) / dt;
        x * x + 2.0 * x + 1.0
    } else {
        0.0
    }
}

/// A PolyBLEP saw at phase `p` (cycles) stepping `dt` a sample.
#[inline(always)]
pub fn saw(p: f32, dt: f32) -> f32 {
    (2.0 * p - 1.0) - blep(p, dt)
}

/// A free-running oscillator of one waveform, peak level 1.
#[derive(Clone, Debug)]
pub struct Osc {
    pub wave: Wave,
    phase: f32,
}

impl Osc {
    pub fn new(wave: Wave) -> Osc {
        Osc { wave, phase: 0.0 }
    }

    /// The next sample at `freq` Hz for sample rate `sr`.
    #[inline]
    pub fn next(&mut self, freq: f32, sr: f32) -> f32 {
        self.step((freq / sr).clamp(0.0, 0.5))
    }

    /// The next sample, advancing the phase by `dt` cycles (at most 0.5).
    #[inline(always)]
    pub fn step(&mut self, dt: f32) -> f32 {
        let p = self.phase;
        let out = match self.wave {
            Wave::Sine => (TAU * p).sin(),
            Wave::Saw => saw(p, dt),
            Wave::Square => {
                let naive = if p < 0.5 { 1.0 } else { -1.0 };
                let q = if p < 0.5 { p + 0.5 } else { p - 0.5 };
                naive + blep(p, dt) - blep(q, dt)
            }
            Wave::Triangle => 1.0 - 4.0 * (p - 0.5).abs(),
        };
        self.phase += dt;
        if self.phase >= 1.0 {
            self.phase -= 1.0;
        }
        out
    }
}

/// A one-pole low-pass filter; cascade two for a 12 dB/octave slope.
#[derive(Clone, Debug, Default)]
pub struct OnePole {
    y: f32,
    a: f32,
}

impl OnePole {
    /// Sets the cutoff in Hz for sample rate `sr`.
    pub fn set_cutoff(&mut self, hz: f32, sr: f32) {
        self.a = 1.0 - (-TAU * hz.clamp(1.0, sr * 0.45) / sr).exp();
    }

    /// The smoothing coefficient `set_cutoff` chose (to share it with a second stage).
    pub fn coefficient(&self) -> f32 {
        self.a
    }

    pub fn set_coefficient(&mut self, a: f32) {
        self.a = a;
    }

    #[inline(always)]
    pub fn process(&mut self, x: f32) -> f32 {
        self.y += self.a * (x - self.y);
        self.y
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SR: f32 = 48_000.0;

    fn wave(w: Wave, freq: f32, n: usize) -> Vec<f32> {
        let mut o = Osc::new(w);
        (0..n).map(|_| o.next(freq, SR)).collect()
    }

    /// Amplitude of the component at `f` Hz (a single DFT bin over whole periods).
    fn amp(x: &[f32], f: f32) -> f32 {
        crate::fixtures::tone_amplitude(x, f64::from(f), f64::from(SR), false) as f32
    }

    #[test]
    fn each_waveform_has_its_harmonic_series() {
        // 750 Hz: 64 samples a period, 48,000 samples = 750 whole periods.
        let f = 750.0;
        let saw = wave(Wave::Saw, f, 48_000);
        let sq = wave(Wave::Square, f, 48_000);
        let tri = wave(Wave::Triangle, f, 48_000);
        let sine = wave(Wave::Sine, f, 48_000);
        let pi = std::f32::consts::PI;
        // Fourier series: saw 2/(πk), square 4/(πk) odd k only, triangle 8/(π²k²) odd k.
        for (k, want) in [(1.0, 2.0 / pi), (2.0, 1.0 / pi), (3.0, 2.0 / (3.0 * pi))] {
            let got = amp(&saw, f * k);
            assert!(
                (got - want).abs() < 0.02 * want + 0.003,
                "saw k={k}: {got} vs {want}"
            );
        }
        assert!((amp(&sq, f) - 4.0 / pi).abs() < 0.03);
        assert!((amp(&sq, 3.0 * f) - 4.0 / (3.0 * pi)).abs() < 0.02);
        assert!(amp(&sq, 2.0 * f) < 0.005, "a square has no even harmonics");
        assert!((amp(&tri, f) - 8.0 / (pi * pi)).abs() < 0.01);
        assert!((amp(&tri, 3.0 * f) - 8.0 / (9.0 * pi * pi)).abs() < 0.01);
        assert!((amp(&sine, f) - 1.0).abs() < 1e-3);
        assert!(amp(&sine, 2.0 * f) < 1e-3);
        for (name, x) in [("saw", &saw), ("square", &sq), ("triangle", &tri)] {
            let peak = x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            assert!(peak <= 1.05, "{name} peak {peak}");
        }
    }

    #[test]
    fn polyblep_folds_back_far_less_than_a_naive_saw() {
        // At 5 kHz, harmonics 6, 7 and 8 (30, 35, 40 kHz) fold back to 18, 13 and 8 kHz,
        // between the true harmonics. A naive saw puts 2/(πk) there; PolyBLEP must cut it
        // several times over.
        let f = 5_000.0;
        let blep = wave(Wave::Saw, f, 48_000);
        let naive: Vec<f32> = (0..48_000)
            .map(|i| {
                let p = (i as f32 * f / SR).fract();
                2.0 * p - 1.0
            })
            .collect();
        for alias in [18_000.0, 13_000.0, 8_000.0] {
            let (a, b) = (amp(&blep, alias), amp(&naive, alias));
            assert!(
                a < b / 3.0,
                "alias at {alias} Hz: {a} with PolyBLEP, {b} naive"
            );
        }
        assert!(
            (amp(&blep, f) - amp(&naive, f)).abs() < 0.05,
            "the fundamental stays"
        );
    }

    #[test]
    fn the_low_pass_passes_lows_and_cuts_highs() {
        let run = |f: f32| {
            let mut lp = OnePole::default();
            lp.set_cutoff(500.0, SR);
            let x: Vec<f32> = wave(Wave::Sine, f, 48_000)
                .into_iter()
                .map(|v| lp.process(v))
                .collect();
            amp(&x[24_000..], f)
        };
        assert!(run(100.0) > 0.95);
        assert!(run(5_000.0) < 0.12);
    }
}
