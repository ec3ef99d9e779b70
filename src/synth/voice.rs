//! The combo's voices in plain code: a warm lead, an electric piano, a plucked bass, a small kit.
//!
//! Each voice renders one note into a mono buffer. Tones are built from sine partials (read
//! from a table) kept below Nyquist, so they are band-limited; every tonal envelope starts
//! and ends at zero, so note edges never click.

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
    /// Seconds a note sounds after its written end.
    pub fn release(self) -> f32 {
        match self {
            Voice::Lead => 0.08,
            Voice::EPiano => 0.12,
            Voice::Bass => 0.06,
            Voice::Kick => 0.0,
            Voice::Snare | Voice::Hat | Voice::Ride => 0.0,
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
            let (attack, release) = (ms(25.0), ms(70.0).min(len / 2).max(1));
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
                // Sustain sags a little after the attack, like breath.
                let body = 1.0 - 0.2 * (secs / 0.4).min(1.0);
                *o = amp * body * s / norm * edge_env(i, len, attack, release);
            }
        }
        Voice::EPiano => {
            // Two-operator FM with a decaying index: a bell-like attack that mellows.
            let (attack, release) = (ms(4.0), ms(100.0).min(len / 2).max(1));
            let idx_ok = freq * 3.0 < nyq;
            // Exponential decays as running products (one multiply per sample, no exp()).
            let (k_idx, k_amp) = ((-1.0 / (0.25 * sr)).exp(), (-1.0 / (1.6 * sr)).exp());
            let (mut idx_decay, mut decay) = (1.0f32, 1.0f32);
            for (i, o) in out.iter_mut().enumerate() {
                let p = freq * (i as f32 / sr);
                let index = if idx_ok { 0.2 + 1.3 * idx_decay } else { 0.0 };
                let modulator = sin_cycles(t, p);
                let s = sin_cycles(t, p + index * modulator / TAU);
                *o = amp * s * decay * edge_env(i, len, attack, release);
                idx_decay *= k_idx;
                decay *= k_amp;
            }
        }
        Voice::Bass => {
            let (attack, release) = (ms(6.0), ms(50.0).min(len / 2).max(1));
            let second = freq * 2.0 < nyq;
            let (k2, kd) = ((-1.0 / (0.15 * sr)).exp(), (-1.0 / (0.5 * sr)).exp());
            let (mut d2, mut dd) = (1.0f32, 1.0f32);
            for (i, o) in out.iter_mut().enumerate() {
                let p = freq * (i as f32 / sr);
                let mut s = sin_cycles(t, p);
                if second {
                    s += 0.3 * d2 * sin_cycles(t, 2.0 * p);
                }
                let decay = 0.35 + 0.65 * dd;
                *o = amp * s * decay * edge_env(i, len, attack, release) / 1.3;
                d2 *= k2;
                dd *= kd;
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
