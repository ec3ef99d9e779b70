//! The combo's voices in plain code: a warm lead, an electric piano, a plucked bass, a small kit.
//!
//! Each voice renders one note into a mono buffer. Tones are built from sine partials (read
//! from a table) kept below Nyquist, so they are band-limited; every tonal envelope starts
//! and ends at zero, so note edges never click.

use super::osc::{Adsr, OnePole, Osc, Wave};
use std::f32::consts::TAU;
use std::sync::OnceLock;

const TABLE: usize = 4096;

fn table() -> &'static [f32] {
    static T: OnceLock<Vec<f32>> = OnceLock::new();
    T.get_or_init(|| {
        (0..=TABLE)
            .map(|i| (i as f64 / TABLE as f64 * std::f64::consts::TAU).sin() as f32)
            .collect()
    })
}

/// sin(2π·phase) for a phase in cycles, by table lookup with linear interpolation.
#[inline]
fn sin_cycles(t: &[f32], phase: f32) -> f32 {
    let p = (phase - phase.floor()) * TABLE as f32;
    let i = p as usize;
    let f = p - i as f32;
    t[i] + (t[i + 1] - t[i]) * f
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Voice {
    Lead,
    EPiano,
    Bass,
    Kick,
    Snare,
    Hat,
    Ride,
}

impl Voice {
    /// The envelope of a tonal voice (drums ring for a fixed time instead).
    pub fn adsr(self) -> Adsr {
        let (attack, decay, sustain, release) = match self {
            // A breathy horn: quick swell, a slight sag, short release.
            Voice::Lead => (0.025, 0.4, 0.8, 0.08),
            // Electric piano: struck, then a long fall towards silence.
            Voice::EPiano => (0.004, 1.6, 0.0, 0.12),
            // Plucked bass: fast attack, settles to a round sustain.
            Voice::Bass => (0.006, 0.5, 0.35, 0.06),
            Voice::Kick | Voice::Snare | Voice::Hat | Voice::Ride => (0.001, 1.0, 1.0, 0.01),
        };
        Adsr {
            attack,
            decay,
            sustain,
            release,
        }
    }

    /// Seconds a note sounds after its written end.
    pub fn release(self) -> f32 {
        match self {
            Voice::Lead | Voice::EPiano | Voice::Bass => self.adsr().release,
            Voice::Kick | Voice::Snare | Voice::Hat | Voice::Ride => 0.0,
        }
    }

    /// Drum voices ring for a fixed time whatever the written length.
    pub fn fixed_len(self) -> Option<f32> {
        match self {
            Voice::Kick => Some(0.35),
            Voice::Snare => Some(0.25),
            Voice::Hat => Some(0.09),
            Voice::Ride => Some(0.7),
            _ => None,
        }
    }

    /// The kit piece for a General MIDI drum key.
    pub fn drum(key: u8) -> Voice {
        match key {
            35 | 36 => Voice::Kick,
            37..=40 => Voice::Snare,
            49 | 51 | 52 | 53 | 55 | 57 | 59 => Voice::Ride,
            _ => Voice::Hat,
        }
    }
}

/// Linear attack, hold, linear release to zero at `len`.
#[inline]
fn edge_env(i: usize, len: usize, attack: usize, release: usize) -> f32 {
    let a = if i < attack {
        i as f32 / attack as f32
    } else {
        1.0
    };
    let left = len.saturating_sub(i);
    let r = if left < release {
        left as f32 / release as f32
    } else {
        1.0
    };
    a * r
}

/// Deterministic white noise (xorshift).
struct Noise(u32);

impl Noise {
    #[inline]
    fn next(&mut self) -> f32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        (x as f32 / u32::MAX as f32) * 2.0 - 1.0
    }
}

/// Renders one note: `held` seconds of key-down, then the voice's release, into `out`
/// (which is cleared and sized by this call). `amp` is the peak level.
pub fn render_note(
    voice: Voice,
    freq: f32,
    amp: f32,
    held: f32,
    sr: f32,
    seed: u32,
    out: &mut Vec<f32>,
) {
    let len_secs = voice.fixed_len().unwrap_or(held + voice.release());
    let len = (len_secs * sr).max(1.0) as usize;
    out.clear();
    out.resize(len, 0.0);
    let t = table();
    let nyq = sr * 0.45;
    let ms = |x: f32| ((x * sr / 1000.0) as usize).max(1);
    match voice {
        Voice::Lead => {
            // Additive horn-like tone: partials fall off with their number; a gentle vibrato
            // fades in after 0.25 s.
            let partials: Vec<(f32, f32)> = [
                (1.0, 1.0),
                (2.0, 0.45),
                (3.0, 0.25),
                (4.0, 0.12),
                (5.0, 0.06),
            ]
            .into_iter()
            .filter(|(k, _)| freq * k < nyq)
            .collect();
            let norm: f32 = partials.iter().map(|p| p.1).sum();
            let mut env = voice.adsr().start(held, sr);
            let gains: Vec<f32> = partials.iter().map(|p| p.1).collect();
            let mut phase = 0.0f32;
            let mut vib = 1.0f32;
            for (i, o) in out.iter_mut().enumerate() {
                let secs = i as f32 / sr;
                if i % 32 == 0 {
                    // The vibrato moves slowly: update it every 32 samples.
                    let depth = ((secs - 0.25) / 0.3).clamp(0.0, 1.0) * 0.0025;
                    vib = 1.0 + depth * sin_cycles(t, secs * 5.2);
                }
                phase += freq * vib / sr;
                if phase >= 1.0 {
                    phase -= 1.0;
                }
                // Partials by the Chebyshev recurrence: sin((k+1)x) = 2cos(x)sin(kx) - sin((k-1)x).
                let (s1, c1) = (sin_cycles(t, phase), sin_cycles(t, phase + 0.25));
                let (mut prev, mut cur) = (0.0f32, s1);
                let mut s = 0.0;
                for &g in &gains {
                    s += g * cur;
                    let next = 2.0 * c1 * cur - prev;
                    prev = cur;
                    cur = next;
                }
                *o = amp * s / norm * env.tick();
            }
        }
        Voice::EPiano => {
            // Two-operator FM with a decaying index: a bell-like attack that mellows.
            let idx_ok = freq * 3.0 < nyq;
            let mut env = voice.adsr().start(held, sr);
            // The index decays as a running product (one multiply per sample, no exp()).
            let k_idx = (-1.0 / (0.25 * sr)).exp();
            let mut idx_decay = 1.0f32;
            for (i, o) in out.iter_mut().enumerate() {
                let p = freq * (i as f32 / sr);
                let index = if idx_ok { 0.2 + 1.3 * idx_decay } else { 0.0 };
                let modulator = sin_cycles(t, p);
                let s = sin_cycles(t, p + index * modulator / TAU);
                *o = amp * s * env.tick();
                idx_decay *= k_idx;
            }
        }
        Voice::Bass => {
            // A triangle with a little band-limited saw for bite, through a two-pole low-pass
            // whose cutoff falls after the pluck: round, with a soft attack edge.
            let mut env = voice.adsr().start(held, sr);
            let (mut tri, mut saw) = (Osc::new(Wave::Triangle), Osc::new(Wave::Saw));
            let (mut lp1, mut lp2) = (OnePole::default(), OnePole::default());
            let k = (-32.0 / (0.15 * sr)).exp();
            let mut bright = 1.0f32;
            for (i, o) in out.iter_mut().enumerate() {
                if i % 32 == 0 {
                    // The cutoff moves slowly: update it every 32 samples.
                    let cutoff = freq * (2.5 + 5.0 * bright);
                    lp1.set_cutoff(cutoff, sr);
                    lp2.set_cutoff(cutoff, sr);
                    bright *= k;
                }
                let x = tri.next(freq, sr) + 0.3 * saw.next(freq, sr);
                *o = amp * lp2.process(lp1.process(x)) * env.tick() / 1.2;
            }
        }
        Voice::Kick => {
            let mut phase = 0.0f32;
            for (i, o) in out.iter_mut().enumerate() {
                let secs = i as f32 / sr;
                let f = 48.0 + 80.0 * (-secs / 0.04).exp();
                phase += f / sr;
                *o = amp
                    * sin_cycles(t, phase)
                    * (-secs / 0.12).exp()
                    * edge_env(i, len, 1, ms(20.0));
            }
        }
        Voice::Snare | Voice::Hat | Voice::Ride => {
            let mut noise = Noise(seed | 1);
            let (tau, hp) = match voice {
                Voice::Snare => (0.07, 0.3),
                Voice::Hat => (0.025, 0.85),
                _ => (0.35, 0.9),
            };
            let mut prev = 0.0f32;
            let k = (-1.0 / (tau * sr)).exp();
            let mut decay = 1.0f32;
            for (i, o) in out.iter_mut().enumerate() {
                let secs = i as f32 / sr;
                let n = noise.next();
                // One-zero high-pass: brighter for hat and ride.
                let bright = n - hp * prev;
                prev = n;
                let mut s = bright * 0.6;
                if voice == Voice::Snare {
                    s += 0.5 * sin_cycles(t, 185.0 * secs) * (-secs / 0.05).exp();
                }
                if voice == Voice::Ride {
                    s = 0.35 * s
                        + 0.25 * sin_cycles(t, 3_130.0 * secs)
                        + 0.2 * sin_cycles(t, 4_670.0 * secs);
                }
                *o = amp * s * decay * edge_env(i, len, ms(1.0), ms(10.0));
                decay *= k;
            }
        }
    }
}
