//! The drum kit's voices (kick, snare, hat, ride): a swept sine and filtered noise.

use super::At;
use crate::synth::phasor::{Lanes, Phasor8, decay_lanes};
use crate::synth::voice::{Noise, Voice, edge_env};

#[derive(Clone, Debug)]
pub(super) struct Kick {
    phase: f32,
    sweep: f32,
    k_sweep: f32,
    decay: f32,
    k_decay: f32,
    release: usize,
}

/// Snare, hat and ride: filtered noise, with a snare's body or a ride's bell.
#[derive(Clone, Debug)]
pub(super) struct NoiseKit {
    noise: Noise,
    hp: f32,
    prev: f32,
    decay: Lanes,
    k: f32,
    /// The snare's 185 Hz body and its decay.
    body: Option<(Phasor8, Lanes, f32)>,
    /// The ride's two bell partials.
    bell: Option<(Phasor8, Phasor8)>,
    attack: usize,
    release: usize,
}

impl Kick {
    pub(super) fn new(sr: f32) -> Kick {
        let ms = |x: f32| ((x * sr / 1000.0) as usize).max(1);
        Kick {
            phase: 0.0,
            sweep: 1.0,
            k_sweep: (-1.0 / (0.04 * sr)).exp(),
            decay: 1.0,
            k_decay: (-1.0 / (0.12 * sr)).exp(),
            release: ms(20.0),
        }
    }
}

impl NoiseKit {
    pub(super) fn new(voice: Voice, sr: f32, seed: u32) -> NoiseKit {
        let (tau, hp) = match voice {
            Voice::Snare => (0.07, 0.3),
            Voice::Hat => (0.025, 0.85),
            _ => (0.35, 0.9),
        };
        let ms = |x: f32| ((x * sr / 1000.0) as usize).max(1);
        let k = (-1.0 / (tau * sr)).exp();
        let k_body = (-1.0 / (0.05 * sr)).exp();
        NoiseKit {
            noise: Noise(seed | 1),
            hp,
            prev: 0.0,
            decay: decay_lanes(1.0, k),
            k: decay_lanes(1.0, k)[7] * k,
            body: (voice == Voice::Snare).then(|| {
                let lanes = decay_lanes(1.0, k_body);
                (Phasor8::new(185.0 / sr), lanes, lanes[7] * k_body)
            }),
            bell: (voice == Voice::Ride)
                .then(|| (Phasor8::new(3_130.0 / sr), Phasor8::new(4_670.0 / sr))),
            attack: ms(1.0),
            release: ms(10.0),
        }
    }
}

/// sin(2π·x) for x in cycles (any size a kick's phase reaches), by a polynomial: x is
/// folded to a quarter cycle either side of zero, where Taylor to x¹¹ is within 1e-7.
#[inline(always)]
fn sin_turns(x: f32) -> f32 {
    let x = x - x.round();
    let x = if x > 0.25 {
        0.5 - x
    } else if x < -0.25 {
        -0.5 - x
    } else {
        x
    };
    let t = x * std::f32::consts::TAU;
    let t2 = t * t;
    const C: [f32; 5] = [
        -1.0 / 6.0,
        1.0 / 120.0,
        -1.0 / 5_040.0,
        1.0 / 362_880.0,
        -1.0 / 39_916_800.0,
    ];
    t * (1.0 + t2 * (C[0] + t2 * (C[1] + t2 * (C[2] + t2 * (C[3] + t2 * C[4])))))
}

impl Kick {
    #[inline(always)]
    pub(super) fn render(&mut self, out: &mut [f32], at: At) {
        let inv_sr = 1.0 / at.sr;
        let (mut ph, mut sw, mut dc) = (self.phase, self.sweep, self.decay);
        let (k_sweep, k_decay) = (self.k_sweep, self.k_decay);
        for (g, o) in out.chunks_exact_mut(8).enumerate() {
            // The pitch falls as it sounds: the phase is a running sum, sample by sample.
            let p: Lanes = std::array::from_fn(|_| {
                ph += (48.0 + 80.0 * sw) * inv_sr;
                sw *= k_sweep;
                ph
            });
            ph -= ph.floor();
            let edge = edges(at.i0 + 8 * g, at.len, 1, self.release);
            for j in 0..8 {
                o[j] = at.amp * sin_turns(p[j]) * dc * edge[j];
                dc *= k_decay;
            }
        }
        (self.phase, self.sweep, self.decay) = (ph, sw, dc);
    }
}

/// The edges of a kit piece at samples `i0..i0 + 8`: all 1 away from both ends.
#[inline(always)]
fn edges(i0: usize, len: usize, attack: usize, release: usize) -> Lanes {
    if i0 >= attack && i0 + 8 + release <= len {
        [1.0; 8]
    } else {
        std::array::from_fn(|j| edge_env(i0 + j, len, attack, release))
    }
}

impl NoiseKit {
    /// The next eight samples of high-passed noise (the generator is serial).
    #[inline(always)]
    fn noise8(nz: &mut Noise, pv: &mut f32, hp: f32) -> Lanes {
        let bits: [u32; 8] = std::array::from_fn(|_| nz.bits());
        let n: Lanes = std::array::from_fn(|j| Noise::sample(bits[j]));
        let out = std::array::from_fn(|j| n[j] - hp * if j == 0 { *pv } else { n[j - 1] });
        *pv = n[7];
        out
    }

    #[inline(always)]
    pub(super) fn render(&mut self, out: &mut [f32], at: At) {
        let (mut nz, mut pv, mut dc) = (self.noise.clone(), self.prev, self.decay);
        let (hp, k, attack, release) = (self.hp, self.k, self.attack, self.release);
        for (g, o) in out.chunks_exact_mut(8).enumerate() {
            let i0 = at.i0 + 8 * g;
            let n = Self::noise8(&mut nz, &mut pv, hp);
            let edge = edges(i0, at.len, attack, release);
            let s: Lanes = match (self.body.as_mut(), self.bell.as_mut()) {
                (Some((p, level, k_body)), _) => {
                    let (_, sin) = p.lanes(0);
                    p.advance8();
                    let s = std::array::from_fn(|j| n[j] * 0.6 + 0.5 * sin[j] * level[j]);
                    level.iter_mut().for_each(|l| *l *= *k_body);
                    s
                }
                (None, Some((a, b))) => {
                    let ((_, sa), (_, sb)) = (a.lanes(0), b.lanes(0));
                    a.advance8();
                    b.advance8();
                    std::array::from_fn(|j| 0.35 * n[j] * 0.6 + 0.25 * sa[j] + 0.2 * sb[j])
                }
                (None, None) => std::array::from_fn(|j| n[j] * 0.6),
            };
            for j in 0..8 {
                o[j] = at.amp * s[j] * dc[j] * edge[j];
                dc[j] *= k;
            }
        }
        (self.noise, self.prev, self.decay) = (nz, pv, dc);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_polynomial_sine_matches_sin_over_many_cycles() {
        for k in -20_000..20_000 {
            let x = k as f32 * 0.000_731;
            let want = (f64::from(x) * std::f64::consts::TAU).sin() as f32;
            assert!((sin_turns(x) - want).abs() < 2e-6, "{x}");
        }
    }
}
