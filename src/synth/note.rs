//! One sounding note, rendered a block at a time with no allocation and no `sin` per sample.
//!
//! Steady tones come from rotating phasors (a complex multiply per sample, renormalized every
//! 32 samples); the lead's partials follow from the fundamental by the Chebyshev recurrence;
//! exponential decays are running products. The sound is the one of the note-at-a-time
//! renderer this replaced (see `reference` in the tests).

use super::osc::{Envelope, OnePole, Osc, Wave};
use super::voice::{Noise, Voice, edge_env, sin_cycles, table};
use std::f32::consts::TAU;

/// cos + i·sin of a phase that advances by a fixed step each sample.
#[derive(Clone, Copy, Debug)]
struct Phasor {
    c: f32,
    s: f32,
    rc: f32,
    rs: f32,
}

impl Phasor {
    fn new(cycles_per_sample: f32) -> Phasor {
        let mut p = Phasor {
            c: 1.0,
            s: 0.0,
            rc: 1.0,
            rs: 0.0,
        };
        p.set_step(cycles_per_sample);
        p
    }

    fn set_step(&mut self, cycles_per_sample: f32) {
        let w = std::f64::consts::TAU * f64::from(cycles_per_sample);
        self.rc = w.cos() as f32;
        self.rs = w.sin() as f32;
    }

    /// Steps by `base`'s step plus `extra` radians (|extra| small, as a vibrato's).
    fn set_step_plus(&mut self, base: &Phasor, extra: f32) {
        let (c, s) = (1.0 - 0.5 * extra * extra, extra);
        self.rc = base.rc * c - base.rs * s;
        self.rs = base.rs * c + base.rc * s;
    }

    #[inline]
    fn advance(&mut self) {
        let c = self.c * self.rc - self.s * self.rs;
        self.s = self.s * self.rc + self.c * self.rs;
        self.c = c;
    }

    /// Pulls the magnitude back to 1 (rounding drifts it by about 1e-7 a step).
    fn renormalize(&mut self) {
        let g = 1.5 - 0.5 * (self.c * self.c + self.s * self.s);
        self.c *= g;
        self.s *= g;
    }
}

/// sin(x) for |x| ≤ 1.5, the largest FM index (Taylor to x⁹ in Horner form, error below
/// 3e-6): the FM piano's modulated carrier.
#[inline]
fn sin_small(x: f32) -> f32 {
    const C: [f32; 4] = [-1.0 / 6.0, 1.0 / 120.0, -1.0 / 5_040.0, 1.0 / 362_880.0];
    let x2 = x * x;
    x * (1.0 + x2 * (C[0] + x2 * (C[1] + x2 * (C[2] + x2 * C[3]))))
}

/// cos(x) for |x| ≤ 1.5 (Taylor to x¹⁰, error below 1e-6).
#[inline]
fn cos_small(x: f32) -> f32 {
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

#[derive(Clone, Debug)]
enum Tone {
    Lead {
        env: Envelope,
        rot: Phasor,
        /// Partial levels × amp / their sum; zero above Nyquist.
        gains: [f32; 5],
        /// The rotation of the fundamental without vibrato.
        base: Phasor,
        /// Radians a sample the fundamental advances.
        w: f32,
    },
    EPiano {
        env: Envelope,
        rot: Phasor,
        index_on: bool,
        index_decay: f32,
        k_index: f32,
    },
    Bass {
        env: Envelope,
        tri: Osc,
        saw: Osc,
        dt: f32,
        lp1: OnePole,
        lp2: OnePole,
        freq: f32,
        bright: f32,
        k: f32,
    },
    Kick {
        phase: f32,
        sweep: f32,
        k_sweep: f32,
        decay: f32,
        k_decay: f32,
        release: usize,
    },
    Noise {
        noise: Noise,
        hp: f32,
        prev: f32,
        decay: f32,
        k: f32,
        /// The snare's 185 Hz body and its decay.
        body: Option<(Phasor, f32, f32)>,
        /// The ride's two bell partials.
        bell: Option<(Phasor, Phasor)>,
        attack: usize,
        release: usize,
    },
}

/// A note from its first sample to its last: `render` continues where it stopped.
#[derive(Clone, Debug)]
pub struct Sounding {
    i: usize,
    len: usize,
    amp: f32,
    sr: f32,
    tone: Tone,
}

impl Sounding {
    /// `held` seconds of key-down then the voice's release; `amp` is the peak level.
    pub fn new(voice: Voice, freq: f32, amp: f32, held: f32, sr: f32, seed: u32) -> Sounding {
        let len_secs = voice.fixed_len().unwrap_or(held + voice.release());
        let len = (len_secs * sr).max(1.0) as usize;
        let nyq = sr * 0.45;
        let ms = |x: f32| ((x * sr / 1000.0) as usize).max(1);
        let env = || voice.adsr().start(held, sr);
        let tone = match voice {
            Voice::Lead => {
                let levels = [1.0f32, 0.45, 0.25, 0.12, 0.06];
                let mut gains = [0.0f32; 5];
                for (k, &l) in levels.iter().enumerate() {
                    if freq * ((k + 1) as f32) < nyq {
                        gains[k] = l;
                    }
                }
                let norm: f32 = gains.iter().sum();
                gains.iter_mut().for_each(|g| *g *= amp / norm.max(1e-9));
                Tone::Lead {
                    env: env(),
                    rot: Phasor::new(freq / sr),
                    gains,
                    base: Phasor::new(freq / sr),
                    w: TAU * freq / sr,
                }
            }
            Voice::EPiano => Tone::EPiano {
                env: env(),
                rot: Phasor::new(freq / sr),
                index_on: freq * 3.0 < nyq,
                index_decay: 1.0,
                k_index: (-1.0 / (0.25 * sr)).exp(),
            },
            Voice::Bass => Tone::Bass {
                env: env(),
                tri: Osc::new(Wave::Triangle),
                saw: Osc::new(Wave::Saw),
                dt: (freq / sr).clamp(0.0, 0.5),
                lp1: OnePole::default(),
                lp2: OnePole::default(),
                freq,
                bright: 1.0,
                k: (-32.0 / (0.15 * sr)).exp(),
            },
            Voice::Kick => Tone::Kick {
                phase: 0.0,
                sweep: 1.0,
                k_sweep: (-1.0 / (0.04 * sr)).exp(),
                decay: 1.0,
                k_decay: (-1.0 / (0.12 * sr)).exp(),
                release: ms(20.0),
            },
            Voice::Snare | Voice::Hat | Voice::Ride => {
                let (tau, hp) = match voice {
                    Voice::Snare => (0.07, 0.3),
                    Voice::Hat => (0.025, 0.85),
                    _ => (0.35, 0.9),
                };
                Tone::Noise {
                    noise: Noise(seed | 1),
                    hp,
                    prev: 0.0,
                    decay: 1.0,
                    k: (-1.0 / (tau * sr)).exp(),
                    body: (voice == Voice::Snare)
                        .then(|| (Phasor::new(185.0 / sr), 1.0, (-1.0 / (0.05 * sr)).exp())),
                    bell: (voice == Voice::Ride)
                        .then(|| (Phasor::new(3_130.0 / sr), Phasor::new(4_670.0 / sr))),
                    attack: ms(1.0),
                    release: ms(10.0),
                }
            }
        };
        Sounding {
            i: 0,
            len,
            amp,
            sr,
            tone,
        }
    }

    /// Samples left to render.
    pub fn remaining(&self) -> usize {
        self.len - self.i
    }

    /// Overwrites `out` with the next `out.len()` samples (at most `remaining()`).
    pub fn render(&mut self, out: &mut [f32]) {
        let n = out.len().min(self.remaining());
        let out = &mut out[..n];
        let (i0, len, amp, sr) = (self.i, self.len, self.amp, self.sr);
        // Each loop works on copies of the state held in registers, written back after.
        match &mut self.tone {
            Tone::Lead {
                env,
                rot,
                gains,
                base,
                w,
            } => lead(out, i0, sr, env, rot, gains, (base, *w)),
            Tone::EPiano {
                env,
                rot,
                index_on,
                index_decay,
                k_index,
            } => {
                let (mut e, mut p, mut decay, k) = (env.clone(), *rot, *index_decay, *k_index);
                let (depth, floor) = if *index_on { (1.3, 0.2) } else { (0.0, 0.0) };
                for o in out.iter_mut() {
                    // sin(p + index·sin p), with sin p and cos p from the phasor.
                    let x = (floor + depth * decay) * p.s;
                    *o = amp * (p.s * cos_small(x) + p.c * sin_small(x)) * e.tick();
                    decay *= k;
                    p.advance();
                }
                p.renormalize();
                (*env, *rot, *index_decay) = (e, p, decay);
            }
            Tone::Bass {
                env,
                tri,
                saw,
                dt,
                lp1,
                lp2,
                freq,
                bright,
                k,
            } => {
                let (mut e, mut t, mut s, mut f1, mut f2) = (
                    env.clone(),
                    tri.clone(),
                    saw.clone(),
                    lp1.clone(),
                    lp2.clone(),
                );
                let (dt, gain) = (*dt, amp * (1.0 / 1.2));
                for (j, o) in out.iter_mut().enumerate() {
                    if (i0 + j).is_multiple_of(32) {
                        // The cutoff falls after the pluck; it moves slowly, so every 32 samples.
                        f1.set_cutoff(*freq * (2.5 + 5.0 * *bright), sr);
                        f2.set_coefficient(f1.coefficient());
                        *bright *= *k;
                    }
                    let x = t.step(dt) + 0.3 * s.step(dt);
                    *o = gain * f2.process(f1.process(x)) * e.tick();
                }
                (*env, *tri, *saw, *lp1, *lp2) = (e, t, s, f1, f2);
            }
            Tone::Kick {
                phase,
                sweep,
                k_sweep,
                decay,
                k_decay,
                release,
            } => {
                let t = table();
                let inv_sr = 1.0 / sr;
                let (mut ph, mut sw, mut dc) = (*phase, *sweep, *decay);
                for (j, o) in out.iter_mut().enumerate() {
                    ph += (48.0 + 80.0 * sw) * inv_sr;
                    *o = amp * sin_cycles(t, ph) * dc * edge_env(i0 + j, len, 1, *release);
                    sw *= *k_sweep;
                    dc *= *k_decay;
                }
                (*phase, *sweep, *decay) = (ph - ph.floor(), sw, dc);
            }
            Tone::Noise {
                noise,
                hp,
                prev,
                decay,
                k,
                body,
                bell,
                attack,
                release,
            } => {
                let (mut nz, mut pv, mut dc) = (noise.clone(), *prev, *decay);
                let (hp, k, attack, release) = (*hp, *k, *attack, *release);
                match (body.as_mut(), bell.as_mut()) {
                    (Some((p, level, k_body)), _) => {
                        let (mut ph, mut lv) = (*p, *level);
                        for (j, o) in out.iter_mut().enumerate() {
                            let n = nz.next();
                            let s = (n - hp * pv) * 0.6 + 0.5 * ph.s * lv;
                            pv = n;
                            ph.advance();
                            lv *= *k_body;
                            *o = amp * s * dc * edge_env(i0 + j, len, attack, release);
                            dc *= k;
                        }
                        ph.renormalize();
                        (*p, *level) = (ph, lv);
                    }
                    (None, Some((a, b))) => {
                        let (mut pa, mut pb) = (*a, *b);
                        for (j, o) in out.iter_mut().enumerate() {
                            let n = nz.next();
                            let s = 0.35 * (n - hp * pv) * 0.6 + 0.25 * pa.s + 0.2 * pb.s;
                            pv = n;
                            pa.advance();
                            pb.advance();
                            *o = amp * s * dc * edge_env(i0 + j, len, attack, release);
                            dc *= k;
                        }
                        pa.renormalize();
                        pb.renormalize();
                        (*a, *b) = (pa, pb);
                    }
                    (None, None) => {
                        for (j, o) in out.iter_mut().enumerate() {
                            let n = nz.next();
                            let s = (n - hp * pv) * 0.6;
                            pv = n;
                            *o = amp * s * dc * edge_env(i0 + j, len, attack, release);
                            dc *= k;
                        }
                    }
                }
                (*noise, *prev, *decay) = (nz, pv, dc);
            }
        }
        self.i += n;
    }
}

/// The lead: five partials from one phasor, a vibrato that fades in after 0.25 s.
fn lead(
    out: &mut [f32],
    i0: usize,
    sr: f32,
    env: &mut Envelope,
    rot: &mut Phasor,
    gains: &[f32; 5],
    (base, w): (&Phasor, f32),
) {
    let t = table();
    let (mut e, mut p, g) = (env.clone(), *rot, *gains);
    for (j, o) in out.iter_mut().enumerate() {
        let i = i0 + j;
        if i.is_multiple_of(32) {
            // The vibrato moves slowly: update it every 32 samples.
            let secs = i as f32 / sr;
            let depth = ((secs - 0.25) / 0.3).clamp(0.0, 1.0) * 0.0025;
            p.set_step_plus(base, w * depth * sin_cycles(t, secs * 5.2));
            p.renormalize();
        }
        p.advance();
        // Partials by the Chebyshev recurrence: sin((k+1)x) = 2cos(x)sin(kx) - sin((k-1)x).
        let (s1, c2) = (p.s, 2.0 * p.c);
        let s2 = c2 * s1;
        let s3 = c2 * s2 - s1;
        let s4 = c2 * s3 - s2;
        let s5 = c2 * s4 - s3;
        let s = g[0] * s1 + g[1] * s2 + g[2] * s3 + g[3] * s4 + g[4] * s5;
        *o = s * e.tick();
    }
    (*env, *rot) = (e, p);
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
