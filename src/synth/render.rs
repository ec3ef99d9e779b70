//! The streaming renderer: a score becomes audio a block at a time, in bounded memory.
//!
//! Notes start at their exact frame inside a block; each sounding note renders into a small
//! mono buffer that is panned into the block's left and right buffers; the room, the master
//! gain and a soft limiter finish the block. `fill` hands the blocks out in any sizes.
//! Nothing is allocated per sample or per block once playing.

use super::note::Sounding;
use super::reverb::Reverb;
use super::{Event, LIMIT_KNEE, SynthSettings, events, freq, limit, pan, voice_level};
use crate::music::Score;

/// Frames rendered per block (even, a multiple of eight, at most twice the room's steps).
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
    left: Vec<f32>,
    right: Vec<f32>,
    /// The last block, interleaved: `ready` frames, of which `read` are handed out.
    mix: Vec<f32>,
    ready: usize,
    read: usize,
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
            left: vec![0.0; BLOCK],
            right: vec![0.0; BLOCK],
            mix: vec![0.0; 2 * BLOCK],
            ready: 0,
            read: 0,
        }
    }

    /// Frames in the whole render (the score, its tail and the room's).
    pub fn total_frames(&self) -> usize {
        self.frames
    }

    /// Frames handed out so far.
    pub fn position(&self) -> usize {
        self.frame - (self.ready - self.read)
    }

    pub fn sample_rate(&self) -> u32 {
        self.sr as u32
    }

    /// Writes the next interleaved stereo frames into `out` (as many as fit, up to the end);
    /// returns how many frames were written, 0 once the render is over.
    pub fn fill(&mut self, out: &mut [f32]) -> usize {
        let want = (out.len() / 2).min(self.frames - self.position());
        let mut done = 0;
        while done < want {
            if self.read == self.ready {
                self.block();
            }
            let k = (self.ready - self.read).min(want - done);
            out[2 * done..2 * (done + k)]
                .copy_from_slice(&self.mix[2 * self.read..2 * (self.read + k)]);
            self.read += k;
            done += k;
        }
        done
    }

    /// Continues from `frame`: the notes sounding there resume where they are; the room
    /// starts empty.
    pub fn seek(&mut self, frame: usize) {
        let frame = frame.min(self.frames);
        // Blocks keep their places: start at the one holding `frame`, skip up to it.
        let start = frame / BLOCK * BLOCK;
        self.playing.clear();
        self.next = self.starts.partition_point(|s| s.frame < start);
        for s in &self.starts[..self.next] {
            let e = &s.event;
            let mut note =
                Sounding::new(e.voice, freq(e.key), s.amp, e.held as f32, self.sr, e.seed);
            let mut skip = start - s.frame;
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
        self.frame = start;
        self.block();
        self.read = frame - start;
    }

    /// Renders the next block into `self.mix`, in AVX2's wider lanes where the CPU has them
    /// (the same arithmetic, so the same samples, only faster).
    fn block(&mut self) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            unsafe { self.block_avx2() };
            return;
        }
        self.block_any();
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn block_avx2(&mut self) {
        self.block_any();
    }

    #[inline(always)]
    fn block_any(&mut self) {
        let n = BLOCK;
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
        let (left, right) = (&mut self.left[..n], &mut self.right[..n]);
        left.fill(0.0);
        right.fill(0.0);
        for p in &mut self.playing {
            let m = (n - p.offset).min(p.note.remaining());
            let mono = &mut self.mono[..m];
            p.note.render(mono);
            let (l, r) = (
                &mut left[p.offset..p.offset + m],
                &mut right[p.offset..p.offset + m],
            );
            for ((l, r), &v) in l.iter_mut().zip(r.iter_mut()).zip(mono.iter()) {
                *l += v * p.gl;
                *r += v * p.gr;
            }
            p.offset = 0;
        }
        self.playing.retain(|p| p.note.remaining() > 0);
        if let Some(room) = &mut self.room {
            room.process(left, right);
        }
        let master = self.master;
        let peak = left
            .iter()
            .chain(right.iter())
            .fold(0.0f32, |m, x| m.max(x.abs()));
        let mix = &mut self.mix[..2 * n];
        if peak * master <= LIMIT_KNEE {
            // Below the limiter's knee it passes the sound unchanged.
            for ((f, &l), &r) in mix.chunks_exact_mut(2).zip(left.iter()).zip(right.iter()) {
                f[0] = l * master;
                f[1] = r * master;
            }
        } else {
            for ((f, &l), &r) in mix.chunks_exact_mut(2).zip(left.iter()).zip(right.iter()) {
                f[0] = limit(l * master);
                f[1] = limit(r * master);
            }
        }
        self.frame = end;
        self.ready = n;
        self.read = 0;
    }
}
