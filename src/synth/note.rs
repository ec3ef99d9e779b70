//! One sounding note, rendered a block at a time with no allocation and no `sin` per sample.
//!
//! Steady tones come from rotating phasors (a complex multiply per sample, renormalized every
//! 32 samples); the lead's partials follow from the fundamental by the Chebyshev recurrence;
//! exponential decays are running products. The sound is the one of the note-at-a-time
//! renderer this replaced (see `reference` in the tests).

use super::osc::{Envelope, OnePole, Osc, Wave};
use super::phasor::{Phasor, cos_small, sin_small};
use super::voice::{Noise, Voice, edge_env, sin_cycles, table};
use std::f32::consts::TAU;

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
    rot: Phasor,
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
    rot: Phasor,
    index_on: bool,
    index_decay: f32,
    k_index: f32,
}

#[derive(Clone, Debug)]
struct Bass {
    env: Envelope,
    tri: Osc,
    saw: Osc,
    dt: f32,
    lp1: OnePole,
    lp2: OnePole,
    freq: f32,
    bright: f32,
    k: f32,
}

#[derive(Clone, Debug)]
struct Kick {
    phase: f32,
    sweep: f32,
    k_sweep: f32,
    decay: f32,
    k_decay: f32,
    release: usize,
}

/// Snare, hat and ride: filtered noise, with a snare's body or a ride's bell.
#[derive(Clone, Debug)]
struct NoiseKit {
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
            Voice::Lead => Tone::Lead(Lead::new(freq, amp, sr, env())),
            Voice::EPiano => Tone::EPiano(EPiano {
                env: env(),
                rot: Phasor::new(freq / sr),
                index_on: freq * 3.0 < nyq,
                index_decay: 1.0,
                k_index: (-1.0 / (0.25 * sr)).exp(),
            }),
            Voice::Bass => Tone::Bass(Bass {
                env: env(),
                tri: Osc::new(Wave::Triangle),
                saw: Osc::new(Wave::Saw),
                dt: (freq / sr).clamp(0.0, 0.5),
                lp1: OnePole::default(),
                lp2: OnePole::default(),
                freq,
                bright: 1.0,
                k: (-32.0 / (0.15 * sr)).exp(),
            }),
            Voice::Kick => Tone::Kick(Kick {
                phase: 0.0,
                sweep: 1.0,
                k_sweep: (-1.0 / (0.04 * sr)).exp(),
                decay: 1.0,
                k_decay: (-1.0 / (0.12 * sr)).exp(),
                release: ms(20.0),
            }),
            Voice::Snare | Voice::Hat | Voice::Ride => Tone::Noise(NoiseKit::new(voice, sr, seed)),
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
        let at = At {
            i0: self.i,
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
        self.i += n;
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
            rot: Phasor::new(freq / sr),
            gains,
            base: Phasor::new(freq / sr),
            w: TAU * freq / sr,
        }
    }
}

impl NoiseKit {
    fn new(voice: Voice, sr: f32, seed: u32) -> NoiseKit {
        let (tau, hp) = match voice {
            Voice::Snare => (0.07, 0.3),
            Voice::Hat => (0.025, 0.85),
            _ => (0.35, 0.9),
        };
        let ms = |x: f32| ((x * sr / 1000.0) as usize).max(1);
        NoiseKit {
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
}

impl EPiano {
    fn render(&mut self, out: &mut [f32], at: At) {
        let (mut e, mut p, mut decay, k) =
            (self.env.clone(), self.rot, self.index_decay, self.k_index);
        let (depth, floor) = if self.index_on {
            (1.3, 0.2)
        } else {
            (0.0, 0.0)
        };
        for o in out.iter_mut() {
            // sin(p + index·sin p), with sin p and cos p from the phasor.
            let x = (floor + depth * decay) * p.s;
            *o = at.amp * (p.s * cos_small(x) + p.c * sin_small(x)) * e.tick();
            decay *= k;
            p.advance();
        }
        p.renormalize();
        (self.env, self.rot, self.index_decay) = (e, p, decay);
    }
}

impl Bass {
    fn render(&mut self, out: &mut [f32], at: At) {
        let (mut e, mut t, mut s, mut f1, mut f2) = (
            self.env.clone(),
            self.tri.clone(),
            self.saw.clone(),
            self.lp1.clone(),
            self.lp2.clone(),
        );
        let (dt, gain) = (self.dt, at.amp * (1.0 / 1.2));
        for (j, o) in out.iter_mut().enumerate() {
            if (at.i0 + j).is_multiple_of(32) {
                // The cutoff falls after the pluck; it moves slowly, so every 32 samples.
                f1.set_cutoff(self.freq * (2.5 + 5.0 * self.bright), at.sr);
                f2.set_coefficient(f1.coefficient());
                self.bright *= self.k;
            }
            let x = t.step(dt) + 0.3 * s.step(dt);
            *o = gain * f2.process(f1.process(x)) * e.tick();
        }
        (self.env, self.tri, self.saw, self.lp1, self.lp2) = (e, t, s, f1, f2);
    }
}

impl Kick {
    fn render(&mut self, out: &mut [f32], at: At) {
        let t = table();
        let inv_sr = 1.0 / at.sr;
        let (mut ph, mut sw, mut dc) = (self.phase, self.sweep, self.decay);
        for (j, o) in out.iter_mut().enumerate() {
            ph += (48.0 + 80.0 * sw) * inv_sr;
            *o = at.amp * sin_cycles(t, ph) * dc * edge_env(at.i0 + j, at.len, 1, self.release);
            sw *= self.k_sweep;
            dc *= self.k_decay;
        }
        (self.phase, self.sweep, self.decay) = (ph - ph.floor(), sw, dc);
    }
}

impl NoiseKit {
    fn render(&mut self, out: &mut [f32], at: At) {
        let (mut nz, mut pv, mut dc) = (self.noise.clone(), self.prev, self.decay);
        let (hp, k, attack, release) = (self.hp, self.k, self.attack, self.release);
        let edge = |j: usize| edge_env(at.i0 + j, at.len, attack, release);
        match (self.body.as_mut(), self.bell.as_mut()) {
            (Some((p, level, k_body)), _) => {
                let (mut ph, mut lv) = (*p, *level);
                for (j, o) in out.iter_mut().enumerate() {
                    let n = nz.next();
                    let s = (n - hp * pv) * 0.6 + 0.5 * ph.s * lv;
                    pv = n;
                    ph.advance();
                    lv *= *k_body;
                    *o = at.amp * s * dc * edge(j);
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
                    *o = at.amp * s * dc * edge(j);
                    dc *= k;
                }
                pa.renormalize();
                pb.renormalize();
                (*a, *b) = (pa, pb);
            }
            (None, None) => {
                for (j, o) in out.iter_mut().enumerate() {
                    let n = nz.next();
                    *o = at.amp * (n - hp * pv) * 0.6 * dc * edge(j);
                    pv = n;
                    dc *= k;
                }
            }
        }
        (self.noise, self.prev, self.decay) = (nz, pv, dc);
    }
}

impl Lead {
    /// Five partials from one phasor, a vibrato that fades in after 0.25 s.
    fn render(&mut self, out: &mut [f32], at: At) {
        let t = table();
        let (mut e, mut p, g) = (self.env.clone(), self.rot, self.gains);
        for (j, o) in out.iter_mut().enumerate() {
            let i = at.i0 + j;
            if i.is_multiple_of(32) {
                // The vibrato moves slowly: update it every 32 samples.
                let secs = i as f32 / at.sr;
                let depth = ((secs - 0.25) / 0.3).clamp(0.0, 1.0) * 0.0025;
                p.set_step_plus(&self.base, self.w * depth * sin_cycles(t, secs * 5.2));
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
        (self.env, self.rot) = (e, p);
    }
}
