//! The streaming renderer: a score becomes audio a block at a time, in bounded memory.
//!
//! Notes start at their exact frame inside a block; each sounding note renders into a small
//! mono buffer that is panned into the stereo block; the master gain and a soft limiter
//! finish the block. Nothing is allocated per sample or per block once playing.

use super::note::Sounding;
use super::reverb::Reverb;
use super::{Event, SynthSettings, events, freq, limit, pan, voice_level};
use crate::music::Score;

/// Frames rendered per block.
pub const BLOCK: usize = 256;

struct Start {
    frame: usize,
    event: Event,
    amp: f32,
}

struct Playing {
    note: Sounding,
    /// Where in the current block the note begins (0 once it has begun).
    offset: usize,
    gl: f32,
    gr: f32,
}

/// Renders a score block by block: call `fill` until it returns 0.
pub struct Renderer {
    sr: f32,
    starts: Vec<Start>,
    next: usize,
    playing: Vec<Playing>,
    frame: usize,
    frames: usize,
    master: f32,
    room: Option<Reverb>,
    mono: Vec<f32>,
    mix: Vec<f32>,
}

impl Renderer {
    pub fn new(score: &Score, settings: &SynthSettings) -> Renderer {
        let sr = settings.sample_rate.clamp(8_000, 192_000) as f32;
        let frames = (super::plan::render_secs(score, settings) * sr as f64).ceil();
        let mut starts: Vec<Start> = events(score, settings)
            .into_iter()
            .filter_map(|event| {
                let gain = settings.mix(event.part).gain();
                let vel = event.velocity.clamp(1, 127) as f32 / 127.0;
                let amp = voice_level(event.voice).0 * gain * (0.35 + 0.65 * vel);
                let frame = (event.start * sr as f64).round() as usize;
                (gain > 0.0).then_some(Start { frame, event, amp })
            })
            .collect();
        // Stable: notes starting together keep the score's order (the mix is the same).
        starts.sort_by_key(|s| s.frame);
        Renderer {
            sr,
            starts,
            next: 0,
            playing: Vec::with_capacity(256),
            frame: 0,
            frames: frames as usize,
            master: settings.master.clamp(0.0, 2.0),
            room: (settings.room > 0.0).then(|| Reverb::new(sr, settings.room)),
            mono: vec![0.0; BLOCK],
            mix: vec![0.0; 2 * BLOCK],
        }
    }

    /// Frames in the whole render (the score, its tail and the room's).
    pub fn total_frames(&self) -> usize {
        self.frames
    }

    /// Frames rendered so far.
    pub fn position(&self) -> usize {
        self.frame
    }

    pub fn sample_rate(&self) -> u32 {
        self.sr as u32
    }

    /// Writes the next interleaved stereo frames into `out` (as many as fit, up to the end);
    /// returns how many frames were written, 0 once the render is over.
    pub fn fill(&mut self, out: &mut [f32]) -> usize {
        let want = (out.len() / 2).min(self.frames - self.frame);
        let mut done = 0;
        while done < want {
            let n = (want - done).min(BLOCK);
            self.block(n);
            out[2 * done..2 * (done + n)].copy_from_slice(&self.mix[..2 * n]);
            done += n;
        }
        done
    }

    /// Continues from `frame`: the notes sounding there resume where they are; the room
    /// starts empty.
    pub fn seek(&mut self, frame: usize) {
        let frame = frame.min(self.frames);
        self.playing.clear();
        self.next = self.starts.partition_point(|s| s.frame < frame);
        for s in &self.starts[..self.next] {
            let e = &s.event;
            let mut note =
                Sounding::new(e.voice, freq(e.key), s.amp, e.held as f32, self.sr, e.seed);
            let mut skip = frame - s.frame;
            if note.remaining() <= skip {
                continue;
            }
            while skip > 0 {
                let k = skip.min(BLOCK);
                note.render(&mut self.mono[..k]);
                skip -= k;
            }
            let (gl, gr) = pan(voice_level(e.voice).1);
            self.playing.push(Playing {
                note,
                offset: 0,
                gl,
                gr,
            });
        }
        if let Some(room) = &mut self.room {
            *room = Reverb::new(self.sr, room.level());
        }
        self.frame = frame;
    }

    /// Renders the next `n` (≤ BLOCK) frames into `self.mix`.
    fn block(&mut self, n: usize) {
        let end = self.frame + n;
        while let Some(s) = self.starts.get(self.next).filter(|s| s.frame < end) {
            let e = &s.event;
            let (gl, gr) = pan(voice_level(e.voice).1);
            let note = Sounding::new(e.voice, freq(e.key), s.amp, e.held as f32, self.sr, e.seed);
            let offset = s.frame.saturating_sub(self.frame);
            self.playing.push(Playing {
                note,
                offset,
                gl,
                gr,
            });
            self.next += 1;
        }
        let mix = &mut self.mix[..2 * n];
        mix.fill(0.0);
        for p in &mut self.playing {
            let m = (n - p.offset).min(p.note.remaining());
            let mono = &mut self.mono[..m];
            p.note.render(mono);
            let dst = &mut mix[2 * p.offset..2 * (p.offset + m)];
            for (d, &v) in dst.chunks_exact_mut(2).zip(mono.iter()) {
                d[0] += v * p.gl;
                d[1] += v * p.gr;
            }
            p.offset = 0;
        }
        self.playing.retain(|p| p.note.remaining() > 0);
        if let Some(room) = &mut self.room {
            room.process(mix);
        }
        for x in mix.iter_mut() {
            *x = limit(*x * self.master);
        }
        self.frame = end;
    }
}
