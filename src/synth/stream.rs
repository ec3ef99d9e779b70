//! One audio stream for export and playback, whichever voices play it: improv's own synth or
//! a SoundFont.

use super::soundfont::{Font, SoundFontRenderer};
use super::{Renderer, SynthSettings};
use crate::music::Score;

/// A render in progress: `fill` gives the next frames, `seek` jumps.
pub enum Stream {
    Builtin(Box<Renderer>),
    SoundFont(Box<SoundFontRenderer>),
}

impl Stream {
    /// The score through `font`, or the built-in synth without one. A font the synthesizer
    /// refuses falls back to the built-in synth, with the reason.
    pub fn new(
        score: &Score,
        settings: &SynthSettings,
        font: Option<&Font>,
    ) -> (Stream, Option<String>) {
        if let Some(f) = font {
            match SoundFontRenderer::new(f, score, settings) {
                Ok(r) => return (Stream::SoundFont(Box::new(r)), None),
                Err(e) => {
                    let why = format!("{e}; playing with the built-in synth");
                    return (
                        Stream::Builtin(Box::new(Renderer::new(score, settings))),
                        Some(why),
                    );
                }
            }
        }
        (
            Stream::Builtin(Box::new(Renderer::new(score, settings))),
            None,
        )
    }

    /// Writes the next interleaved stereo frames into `out`; returns how many (0 at the end).
    pub fn fill(&mut self, out: &mut [f32]) -> usize {
        match self {
            Stream::Builtin(r) => r.fill(out),
            Stream::SoundFont(r) => r.fill(out),
        }
    }

    pub fn seek(&mut self, frame: usize) {
        match self {
            Stream::Builtin(r) => r.seek(frame),
            Stream::SoundFont(r) => r.seek(frame),
        }
    }

    pub fn total_frames(&self) -> usize {
        match self {
            Stream::Builtin(r) => r.total_frames(),
            Stream::SoundFont(r) => r.total_frames(),
        }
    }

    pub fn position(&self) -> usize {
        match self {
            Stream::Builtin(r) => r.position(),
            Stream::SoundFont(r) => r.position(),
        }
    }

    pub fn sample_rate(&self) -> u32 {
        match self {
            Stream::Builtin(r) => r.sample_rate(),
            Stream::SoundFont(r) => r.sample_rate(),
        }
    }

    pub fn secs(&self) -> f64 {
        self.total_frames() as f64 / f64::from(self.sample_rate())
    }
}
