//! The combo's voices in plain code: a warm lead, an electric piano, a plucked bass, a small kit.
//!
//! What each voice is (its envelope, its length, the kit piece for a drum key) and the small
//! tools the voices share; `note` renders them. Tones are built from sine partials kept
//! below Nyquist, so they are band-limited; every tonal envelope starts and ends at zero,
//! so note edges never click.

use super::envelope::Adsr;
use std::sync::OnceLock;

const TABLE: usize = 4096;

pub(super) fn table() -> &'static [f32] {
    static T: OnceLock<Vec<f32>> = OnceLock::new();
    T.get_or_init(|| {
        (0..=TABLE)
            .map(|i| (i as f64 / TABLE as f64 * std::f64::consts::TAU).sin() as f32)
            .collect()
    })
}

/// sin(2π·phase) for a phase in cycles, by table lookup with linear interpolation.
#[inline(always)]
pub(super) fn sin_cycles(t: &[f32], phase: f32) -> f32 {
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
#[inline(always)]
pub(super) fn edge_env(i: usize, len: usize, attack: usize, release: usize) -> f32 {
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
#[derive(Clone, Debug)]
pub(super) struct Noise(pub(super) u32);

impl Noise {
    #[cfg(test)]
    pub(super) fn next(&mut self) -> f32 {
        (self.bits() as f32 / u32::MAX as f32) * 2.0 - 1.0
    }

    /// The next raw 32 bits.
    #[inline(always)]
    pub(super) fn bits(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }

    /// Raw bits as a sample in [-1, 1) (their top 24 bits, exact in an f32).
    #[inline(always)]
    pub(super) fn sample(bits: u32) -> f32 {
        // Below 2^24, so the signed conversion (one instruction in SIMD) is exact.
        (bits >> 8) as i32 as f32 * (2.0 / 16_777_216.0) - 1.0
    }
}
