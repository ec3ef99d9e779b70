//! The ADSR envelope every voice shapes its notes with, a sample or eight at a time.

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

#[cfg(test)]
mod tests {
    use super::*;

    const SR: f32 = 48_000.0;

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
}
