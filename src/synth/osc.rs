//! Building blocks of the voices: oscillators, an ADSR envelope and a low-pass filter.
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

/// Attack, decay, sustain, release. Times in seconds; `decay` is the time constant of the
/// fall from full level to `sustain`. The level rises linearly from zero and, once the key
/// is up, falls linearly to zero in `release`, so a note never starts or ends with a jump.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Adsr {
    pub attack: f32,
    pub decay: f32,
    pub sustain: f32,
    pub release: f32,
}

impl Adsr {
    /// The envelope of a note held for `held` seconds, sample by sample at rate `sr`.
    pub fn start(&self, held: f32, sr: f32) -> Envelope {
        let attack = (self.attack * sr).max(1.0) as usize;
        let release = (self.release * sr).max(1.0) as usize;
        let held = (held * sr).max(0.0) as usize;
        let k = (-1.0 / (f64::from(self.decay.max(1e-4)) * f64::from(sr))).exp();
        let mut e = Envelope {
            i: 0,
            attack,
            held,
            release,
            inv_attack: 1.0 / attack as f32,
            inv_release: 1.0 / release as f32,
            sustain: self.sustain,
            fall: 1.0,
            k: k as f32,
            from: 0.0,
            last: 0.0,
            fall8: [0.0; 8],
            k8: k.powi(8) as f32,
            gi: 0,
            key_up: 0.0,
        };
        e.fall8 = e.fall_from(0);
        // The level where the key goes up, where the release starts from.
        if held > 0 {
            let i = held - 1;
            let fall = k.powi(i.saturating_sub(attack).min(i32::MAX as usize) as i32) as f32;
            e.key_up = e.level(i, fall);
        }
        e
    }

    /// Samples the envelope lasts: the held time plus the release.
    pub fn len(&self, held: f32, sr: f32) -> usize {
        (held * sr).max(0.0) as usize + (self.release * sr).max(1.0) as usize
    }
}

/// A running ADSR: call `tick` once per sample, or `group` for the next eight (not both).
#[derive(Clone, Debug)]
pub struct Envelope {
    i: usize,
    attack: usize,
    held: usize,
    release: usize,
    inv_attack: f32,
    inv_release: f32,
    sustain: f32,
    /// (level − sustain) / (1 − sustain) during the decay, as a running product.
    fall: f32,
    k: f32,
    /// Level when the key went up.
    from: f32,
    last: f32,
    /// `fall` at each of the next eight samples (`group`), and the decay over eight.
    fall8: [f32; 8],
    k8: f32,
    /// The sample `group` is at.
    gi: usize,
    key_up: f32,
}

impl Envelope {
    #[inline(always)]
    pub fn tick(&mut self) -> f32 {
        let i = self.i;
        self.i += 1;
        let level = if i < self.held {
            if i < self.attack {
                i as f32 * self.inv_attack
            } else {
                let l = self.sustain + (1.0 - self.sustain) * self.fall;
                self.fall *= self.k;
                l
            }
        } else {
            if i == self.held {
                self.from = self.last;
            }
            let r = (i - self.held) as f32 * self.inv_release;
            if r >= 1.0 { 0.0 } else { self.from * (1.0 - r) }
        };
        self.last = level;
        level
    }

    /// The level at sample `i` given the decay's `fall` there (the release from `key_up`).
    #[inline(always)]
    fn level(&self, i: usize, fall: f32) -> f32 {
        if i < self.held {
            if i < self.attack {
                i as f32 * self.inv_attack
            } else {
                self.sustain + (1.0 - self.sustain) * fall
            }
        } else {
            let r = (i - self.held) as f32 * self.inv_release;
            (self.key_up * (1.0 - r)).max(0.0)
        }
    }

    /// `fall` at samples `i0..i0 + 8` (1 before the decay starts).
    fn fall_from(&self, i0: usize) -> [f32; 8] {
        let k = f64::from(self.k);
        std::array::from_fn(|j| {
            let n = (i0 + j).saturating_sub(self.attack).min(i32::MAX as usize);
            k.powi(n as i32) as f32
        })
    }

    /// The next eight levels.
    #[inline(always)]
    pub fn group(&mut self) -> [f32; 8] {
        let i0 = self.gi;
        self.gi += 8;
        let out: [f32; 8] = if i0 >= self.attack && i0 + 8 <= self.held {
            let (s, f) = (self.sustain, &self.fall8);
            std::array::from_fn(|j| s + (1.0 - s) * f[j])
        } else if i0 >= self.held + self.release {
            [0.0; 8]
        } else if i0 >= self.held {
            let (from, inv, base) = (self.key_up, self.inv_release, (i0 - self.held) as f32);
            std::array::from_fn(|j| (from * (1.0 - (base + j as f32) * inv)).max(0.0))
        } else {
            std::array::from_fn(|j| self.level(i0 + j, self.fall8[j]))
        };
        if i0 < self.attack {
            self.fall8 = self.fall_from(self.gi);
        } else {
            self.fall8.iter_mut().for_each(|f| *f *= self.k8);
            if self.fall8[0] < 1e-30 {
                // Keep the decayed level out of slow denormal numbers.
                self.fall8 = [0.0; 8];
            }
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
    fn adsr_rises_decays_holds_and_releases_to_zero_without_jumps() {
        let env = Adsr {
            attack: 0.01,
            decay: 0.05,
            sustain: 0.5,
            release: 0.02,
        };
        let held = 0.3;
        let n = env.len(held, SR);
        let mut e = env.start(held, SR);
        let x: Vec<f32> = (0..n + 100).map(|_| e.tick()).collect();
        assert_eq!(x[0], 0.0);
        let at = |s: f32| x[(s * SR) as usize];
        assert!((at(0.01) - 1.0).abs() < 0.01, "full level after the attack");
        assert!(
            (at(0.29) - 0.5).abs() < 0.01,
            "sustain while held: {}",
            at(0.29)
        );
        assert!(at(0.31) < 0.5 && at(0.31) > 0.0, "releasing");
        assert!(
            x[n - 1] < 0.01 && x[n..].iter().all(|&v| v == 0.0),
            "silent after"
        );
        let jump = x.windows(2).fold(0.0f32, |m, w| m.max((w[1] - w[0]).abs()));
        assert!(jump < 0.01, "largest step {jump}");
        // A note shorter than the attack releases from where it got to.
        let mut e = env.start(0.004, SR);
        let y: Vec<f32> = (0..env.len(0.004, SR)).map(|_| e.tick()).collect();
        let peak = y.iter().fold(0.0f32, |m, &v| m.max(v));
        assert!(peak > 0.3 && peak < 0.45, "peak {peak}");
    }

    #[test]
    fn eight_at_a_time_the_envelope_is_the_same() {
        for (attack, decay, sustain, release, held) in [
            (0.01, 0.05, 0.5, 0.02, 0.3),
            (0.004, 1.6, 0.0, 0.12, 0.0001),
            (0.025, 0.4, 0.8, 0.08, 0.02),
        ] {
            let env = Adsr {
                attack,
                decay,
                sustain,
                release,
            };
            let (mut one, mut eight) = (env.start(held, SR), env.start(held, SR));
            for _ in 0..(env.len(held, SR) / 8 + 4) {
                for v in eight.group() {
                    let want = one.tick();
                    assert!((v - want).abs() < 1e-4, "{v} vs {want}");
                }
            }
        }
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
