//! One sounding note, rendered eight samples at a time with no allocation and no `sin`.
//!
//! Each voice computes groups of eight samples in lanes (which the compiler maps onto SIMD
//! registers): tones come from phasors read eight samples ahead (a complex multiply per lane),
//! the lead's partials follow from the fundamental by the Chebyshev recurrence, exponential
//! decays are running products eight samples apart. Only what is truly serial (the bass's
//! filters, the noise generator) runs sample by sample. A note hands out any number of
//! samples: the rest of a group waits for the next call. The sound is the one of the
//! note-at-a-time renderer this replaced (see `reference` in the tests).

use super::envelope::Envelope;
use super::osc::{OnePole, saw};
use super::phasor::{Lanes, Phasor, Phasor8, cos_small, decay_lanes, sin_small};
use super::voice::{Voice, sin_cycles, table};
use kit::{Kick, NoiseKit};
use std::f32::consts::TAU;

mod kit;

#[derive(Clone, Debug)]
enum Tone {
    Lead(Lead),
    EPiano(EPiano),
    Bass(Bass),
    Kick(Kick),
    Noise(NoiseKit),
}

#[derive(Clone, Debug)]
struct Lead {
    env: Envelope,
    rot: Phasor8,
    /// Partial levels × amp / their sum; zero above Nyquist.
    gains: [f32; 5],
    /// The rotation of the fundamental without vibrato.
    base: Phasor,
    /// Radians a sample the fundamental advances.
    w: f32,
}

#[derive(Clone, Debug)]
struct EPiano {
    env: Envelope,
    rot: Phasor8,
    index_on: bool,
    index_decay: Lanes,
    k_index: f32,
}

#[derive(Clone, Debug)]
struct Bass {
    env: Envelope,
    /// The triangle's and the saw's phase (they run together), in cycles.
    phase: f32,
    dt: f32,
    lp1: OnePole,
    lp2: OnePole,
    freq: f32,
    bright: f32,
    k: f32,
}

/// Where a note is: the sample it is at, its length, level and sample rate.
#[derive(Clone, Copy, Debug)]
struct At {
    i0: usize,
    len: usize,
    amp: f32,
    sr: f32,
}

/// A note from its first sample to its last: `render` continues where it stopped.
#[derive(Clone, Debug)]
pub struct Sounding {
    /// Samples handed out.
    i: usize,
    /// Samples computed (whole groups of eight).
    g: usize,
    len: usize,
    amp: f32,
    sr: f32,
    tone: Tone,
    /// The computed group's samples not yet handed out (its last `carried`).
    carry: Lanes,
    carried: usize,
}

impl Sounding {
    /// `held` seconds of key-down then the voice's release; `amp` is the peak level.
    pub fn new(voice: Voice, freq: f32, amp: f32, held: f32, sr: f32, seed: u32) -> Sounding {
        let len_secs = voice.fixed_len().unwrap_or(held + voice.release());
        let len = (len_secs * sr).max(1.0) as usize;
        let nyq = sr * 0.45;
        let env = || voice.adsr().start(held, sr);
        let tone = match voice {
            Voice::Lead => Tone::Lead(Lead::new(freq, amp, sr, env())),
            Voice::EPiano => {
                let k = (-1.0 / (0.25 * sr)).exp();
                Tone::EPiano(EPiano {
                    env: env(),
                    rot: Phasor8::new(freq / sr),
                    index_on: freq * 3.0 < nyq,
                    index_decay: decay_lanes(1.0, k),
                    k_index: decay_lanes(1.0, k)[7] * k,
                })
            }
            Voice::Bass => Tone::Bass(Bass {
                env: env(),
                phase: 0.0,
                dt: (freq / sr).clamp(0.0, 0.5),
                lp1: OnePole::default(),
                lp2: OnePole::default(),
                freq,
                bright: 1.0,
                k: (-32.0 / (0.15 * sr)).exp(),
            }),
            Voice::Kick => Tone::Kick(Kick::new(sr)),
            Voice::Snare | Voice::Hat | Voice::Ride => Tone::Noise(NoiseKit::new(voice, sr, seed)),
        };
        Sounding {
            i: 0,
            g: 0,
            len,
            amp,
            sr,
            tone,
            carry: [0.0; 8],
            carried: 0,
        }
    }

    /// Samples left to render.
    pub fn remaining(&self) -> usize {
        self.len - self.i
    }

    /// Overwrites `out` with the next `out.len()` samples (at most `remaining()`).
    #[inline(always)]
    pub fn render(&mut self, out: &mut [f32]) {
        let n = out.len().min(self.remaining());
        let out = &mut out[..n];
        let c = self.carried.min(n);
        out[..c].copy_from_slice(&self.carry[8 - self.carried..8 - self.carried + c]);
        self.carried -= c;
        let whole = (n - c) / 8 * 8;
        self.groups(&mut out[c..c + whole]);
        let rest = n - c - whole;
        if rest > 0 {
            let mut g = [0.0f32; 8];
            self.groups(&mut g);
            out[c + whole..].copy_from_slice(&g[..rest]);
            self.carry = g;
            self.carried = 8 - rest;
        }
        self.i += n;
    }

    /// Computes whole groups of eight samples into `out` (its length a multiple of eight).
    #[inline(always)]
    fn groups(&mut self, out: &mut [f32]) {
        let at = At {
            i0: self.g,
            len: self.len,
            amp: self.amp,
            sr: self.sr,
        };
        // Each loop works on copies of the state held in registers, written back after.
        match &mut self.tone {
            Tone::Lead(v) => v.render(out, at),
            Tone::EPiano(v) => v.render(out, at),
            Tone::Bass(v) => v.render(out, at),
            Tone::Kick(v) => v.render(out, at),
            Tone::Noise(v) => v.render(out, at),
        }
        self.g += out.len();
    }
}

impl Lead {
    fn new(freq: f32, amp: f32, sr: f32, env: Envelope) -> Lead {
        let levels = [1.0f32, 0.45, 0.25, 0.12, 0.06];
        let mut gains = [0.0f32; 5];
        for (k, &l) in levels.iter().enumerate() {
            if freq * ((k + 1) as f32) < sr * 0.45 {
                gains[k] = l;
            }
        }
        let norm: f32 = gains.iter().sum();
        gains.iter_mut().for_each(|g| *g *= amp / norm.max(1e-9));
        Lead {
            env,
            rot: Phasor8::new(freq / sr),
            gains,
            base: Phasor::new(freq / sr),
            w: TAU * freq / sr,
        }
    }
}

impl EPiano {
    #[inline(always)]
    fn render(&mut self, out: &mut [f32], at: At) {
        let (mut e, mut p, mut decay, k) =
            (self.env.clone(), self.rot, self.index_decay, self.k_index);
        let (depth, floor) = if self.index_on {
            (1.3, 0.2)
        } else {
            (0.0, 0.0)
        };
        for o in out.chunks_exact_mut(8) {
            // sin(p + index·sin p), with sin p and cos p from the phasor.
            let (c, s) = p.lanes(0);
            p.advance8();
            let env = e.group();
            for j in 0..8 {
                let x = (floor + depth * decay[j]) * s[j];
                o[j] = at.amp * (s[j] * cos_small(x) + c[j] * sin_small(x)) * env[j];
                decay[j] *= k;
            }
            if decay[0] < 1e-30 {
                // Keep the spent index out of slow denormal numbers.
                decay = [0.0; 8];
            }
        }
        (self.env, self.rot, self.index_decay) = (e, p, decay);
    }
}

impl Bass {
    #[inline(always)]
    fn render(&mut self, out: &mut [f32], at: At) {
        let (mut e, mut ph, mut f1, mut f2) = (
            self.env.clone(),
            self.phase,
            self.lp1.clone(),
            self.lp2.clone(),
        );
        let (dt, gain) = (self.dt, at.amp * (1.0 / 1.2));
        for (g, o) in out.chunks_exact_mut(8).enumerate() {
            if (at.i0 + 8 * g).is_multiple_of(32) {
                // The cutoff falls after the pluck; it moves slowly, so every 32 samples.
                f1.set_cutoff(self.freq * (2.5 + 5.0 * self.bright), at.sr);
                f2.set_coefficient(f1.coefficient());
                self.bright *= self.k;
            }
            let env = e.group();
            let p: Lanes = std::array::from_fn(|_| {
                let p = ph;
                ph += dt;
                if ph >= 1.0 {
                    ph -= 1.0;
                }
                p
            });
            // A triangle and a little band-limited saw.
            let x: Lanes = std::array::from_fn(|j| {
                let tri = 1.0 - 4.0 * (p[j] - 0.5).abs();
                tri + 0.3 * saw(p[j], dt)
            });
            // The filters are recurrences: sample by sample.
            for j in 0..8 {
                o[j] = gain * f2.process(f1.process(x[j])) * env[j];
            }
        }
        (self.env, self.phase, self.lp1, self.lp2) = (e, ph, f1, f2);
    }
}

impl Lead {
    /// Five partials from one phasor, a vibrato that fades in after 0.25 s.
    #[inline(always)]
    fn render(&mut self, out: &mut [f32], at: At) {
        let t = table();
        let (mut e, mut p, g) = (self.env.clone(), self.rot, self.gains);
        for (gi, o) in out.chunks_exact_mut(8).enumerate() {
            let i = at.i0 + 8 * gi;
            if i.is_multiple_of(32) {
                // The vibrato moves slowly: update it every 32 samples.
                let secs = i as f32 / at.sr;
                let depth = ((secs - 0.25) / 0.3).clamp(0.0, 1.0) * 0.0025;
                let mut rot = self.base;
                rot.set_step_plus(&self.base, self.w * depth * sin_cycles(t, secs * 5.2));
                let (rc, rs) = rot.rotation();
                p.set_rotation(rc, rs);
            }
            // Each sample advances, then sounds.
            let (c, s1) = p.lanes(1);
            p.advance8();
            let env = e.group();
            for j in 0..8 {
                // Partials by the Chebyshev recurrence: sin((k+1)x) = 2cos(x)sin(kx) - sin((k-1)x).
                let c2 = 2.0 * c[j];
                let s2 = c2 * s1[j];
                let s3 = c2 * s2 - s1[j];
                let s4 = c2 * s3 - s2;
                let s5 = c2 * s4 - s3;
                let s = g[0] * s1[j] + g[1] * s2 + g[2] * s3 + g[3] * s4 + g[4] * s5;
                o[j] = s * env[j];
            }
        }
        (self.env, self.rot) = (e, p);
    }
}
