//! improv's own synth: render a Score (solo, comping, bass, drums, ride) to stereo PCM.
//!
//! `render` is pure and deterministic: the same Score and settings give the same samples.
//! The output lasts the score plus a short tail (the last notes' release and the ride's
//! ring), and a soft limiter keeps every sample inside full scale.

pub mod envelope;
pub mod live;
mod note;
pub mod osc;
mod phasor;
pub mod plan;
#[cfg(test)]
mod reference;
pub mod render;
pub mod reverb;
pub mod schedule;
pub mod soundfont;
pub mod stream;
pub mod voice;
pub mod wav;

use crate::music::{PPQ, Role, Score, Tick};
pub use render::Renderer;
use serde::{Deserialize, Serialize};
pub use stream::Stream;
use voice::Voice;
pub use wav::{SynthError, write_wav, write_wav_with};

/// Seconds rendered after the score's last tick.
pub const TAIL_SECS: f64 = 1.0;

/// Level and mute of one part of the band.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Mix {
    pub level: f32,
    pub mute: bool,
}

impl Mix {
    fn gain(self) -> f32 {
        if self.mute {
            0.0
        } else {
            self.level.clamp(0.0, 2.0)
        }
    }
}

impl Default for Mix {
    fn default() -> Self {
        Mix {
            level: 1.0,
            mute: false,
        }
    }
}

/// The parts the mixer knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Lead,
    Chords,
    Bass,
    Drums,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SynthSettings {
    pub sample_rate: u32,
    /// Where the second eighth of each beat falls: 0.5 straight, 0.66 swung (triplet feel).
    pub swing: f64,
    /// Add a ride cymbal pattern in time over the chord changes.
    pub ride: bool,
    /// Play the score's drum tracks.
    pub drums: bool,
    pub lead: Mix,
    pub chords: Mix,
    pub bass: Mix,
    pub kit: Mix,
    pub master: f32,
    /// How much room the band plays in: 0 dry, 1 a wet hall (Freeverb's wet level).
    #[serde(default = "default_room")]
    pub room: f32,
}

fn default_room() -> f32 {
    ROOM
}

/// The room's level by default: a modest room, not a hall.
pub const ROOM: f32 = 0.12;

impl Default for SynthSettings {
    fn default() -> Self {
        SynthSettings {
            sample_rate: 48_000,
            swing: 0.62,
            ride: true,
            drums: true,
            lead: Mix::default(),
            chords: Mix::default(),
            bass: Mix::default(),
            kit: Mix::default(),
            master: 0.9,
            room: ROOM,
        }
    }
}

impl SynthSettings {
    pub fn mix(&self, part: Part) -> Mix {
        match part {
            Part::Lead => self.lead,
            Part::Chords => self.chords,
            Part::Bass => self.bass,
            Part::Drums => self.kit,
        }
    }

    pub fn mix_mut(&mut self, part: Part) -> &mut Mix {
        match part {
            Part::Lead => &mut self.lead,
            Part::Chords => &mut self.chords,
            Part::Bass => &mut self.bass,
            Part::Drums => &mut self.kit,
        }
    }
}

/// The voice and mixer part for a track's note.
pub fn voice_for(role: Role, program: u8, channel: u8, key: u8) -> (Voice, Part) {
    if role == Role::Drums || channel == 9 {
        return (Voice::drum(key), Part::Drums);
    }
    match role {
        Role::Melody => (Voice::Lead, Part::Lead),
        Role::Chords => (Voice::EPiano, Part::Chords),
        Role::Bass => (Voice::Bass, Part::Bass),
        _ => match program {
            0..=15 => (Voice::EPiano, Part::Chords),
            32..=39 => (Voice::Bass, Part::Bass),
            _ => (Voice::Lead, Part::Lead),
        },
    }
}

/// Moves off-beat eighths later (or earlier) by the swing ratio, keeping beats fixed.
pub fn swing_tick(tick: Tick, swing: f64) -> Tick {
    let r = swing.clamp(0.3, 0.8);
    if (r - 0.5).abs() < 1e-9 {
        return tick;
    }
    let beat = tick / PPQ * PPQ;
    let p = (tick - beat) as f64;
    let half = PPQ as f64 / 2.0;
    let split = r * PPQ as f64;
    let q = if p < half {
        p * split / half
    } else {
        split + (p - half) * (PPQ as f64 - split) / half
    };
    beat + q.round() as Tick
}

fn freq(key: u8) -> f32 {
    440.0 * 2f32.powf((key as f32 - 69.0) / 12.0)
}

/// Stereo gains for a pan position in [-1, 1] (equal power).
fn pan(p: f32) -> (f32, f32) {
    let a = (p.clamp(-1.0, 1.0) + 1.0) * std::f32::consts::FRAC_PI_4;
    (a.cos(), a.sin())
}

/// Level and pan position of each voice in the mix.
fn voice_level(voice: Voice) -> (f32, f32) {
    match voice {
        Voice::Lead => (0.42, 0.15),
        Voice::EPiano => (0.16, -0.35),
        Voice::Bass => (0.5, 0.0),
        Voice::Ride => (0.12, 0.35),
        Voice::Hat => (0.12, 0.25),
        Voice::Snare => (0.2, 0.1),
        Voice::Kick => (0.35, 0.0),
    }
}

struct Event {
    voice: Voice,
    part: Part,
    start: f64,
    held: f64,
    key: u8,
    velocity: u8,
    seed: u32,
}

fn events(score: &Score, s: &SynthSettings) -> Vec<Event> {
    let mut out = Vec::new();
    let secs = |t: Tick| score.seconds_at(swing_tick(t, s.swing));
    for (ti, track) in score.tracks.iter().enumerate() {
        for (ni, n) in track.notes.iter().enumerate() {
            let (voice, part) = voice_for(track.role, track.program, track.channel, n.pitch.key());
            if part == Part::Drums && !s.drums {
                continue;
            }
            let start = secs(n.start);
            out.push(Event {
                voice,
                part,
                start,
                held: (secs(n.end()) - start).max(0.01),
                key: n.pitch.key(),
                velocity: n.velocity,
                seed: (ti as u32).wrapping_mul(0x9E37_79B9) ^ (ni as u32).wrapping_mul(0x85EB_CA6B),
            });
        }
    }
    if s.ride && !score.chords.is_empty() {
        // "Ding, ding-a ding": every beat, plus the swung eighth before beats 2 and 4.
        let end = score.chords.iter().map(|c| c.end()).max().unwrap_or(0);
        let mut beat = 0;
        let mut k = 0u32;
        while beat < end {
            let n_in_bar = (beat / PPQ) % 4;
            let mut hits = vec![(beat, 70u8)];
            if n_in_bar == 1 || n_in_bar == 3 {
                hits.push((beat + PPQ / 2, 55));
            }
            for (t, vel) in hits {
                k += 1;
                out.push(Event {
                    voice: Voice::Ride,
                    part: Part::Drums,
                    start: secs(t),
                    held: 0.1,
                    key: 51,
                    velocity: vel,
                    seed: k.wrapping_mul(0x2545_F491),
                });
            }
            beat += PPQ;
        }
    }
    out
}

/// Where the limiter starts to bend.
const LIMIT_KNEE: f32 = 0.8;

/// Soft knee limiter: transparent below 0.8, then bends smoothly toward (never past) 0.99.
#[inline]
fn limit(x: f32) -> f32 {
    const KNEE: f32 = LIMIT_KNEE;
    const CEIL: f32 = 0.99;
    let a = x.abs();
    if a <= KNEE {
        x
    } else {
        let over = (a - KNEE) / (CEIL - KNEE);
        x.signum() * (KNEE + (CEIL - KNEE) * over.tanh())
    }
}

/// Interleaved stereo samples of the whole score at `settings.sample_rate` (held in memory:
/// for long scores use a `Renderer` and take the audio a block at a time).
pub fn render(score: &Score, settings: &SynthSettings) -> Vec<f32> {
    let mut r = Renderer::new(score, settings);
    let mut out = vec![0.0f32; r.total_frames() * 2];
    r.fill(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swing_moves_only_the_off_beat() {
        assert_eq!(swing_tick(0, 0.66), 0);
        assert_eq!(swing_tick(PPQ, 0.66), PPQ);
        assert_eq!(swing_tick(PPQ / 2, 0.5), PPQ / 2);
        assert_eq!(swing_tick(PPQ / 2, 2.0 / 3.0), PPQ * 2 / 3);
        assert!(swing_tick(PPQ / 4, 2.0 / 3.0) > PPQ / 4);
    }

    #[test]
    fn limiter_never_reaches_full_scale() {
        for x in [0.0f32, 0.5, 0.8, 1.0, 3.0, 100.0, -50.0] {
            let y = limit(x);
            assert!(y.abs() < 1.0 && y.signum() == x.signum() || x == 0.0);
        }
        assert_eq!(limit(0.5), 0.5);
    }
}
