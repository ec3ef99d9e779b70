//! The live mixer: notes arrive over a channel while it plays (the band ahead of time, the
//! user's keys at once) and its own count of frames handed out is the session's clock.
//!
//! Scheduled notes start at their exact frame; pressed notes start at the next block and
//! sound until released (then fade over a short release). Nothing here knows a device:
//! `fill` is called by whatever plays the stream (the device callback, a test, a WAV).

mod midi;

use super::note::Sounding;
use super::render::BLOCK;
use super::reverb::Reverb;
use super::voice::Voice;
use super::{LIMIT_KNEE, Part, freq, limit, pan, voice_level};
pub use midi::Instrument;
use midi::MidiVoices;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};

/// The longest a pressed note is held before it is let go by itself.
const HOLD_SECS: f32 = 30.0;
/// How long a released key takes to fade out.
const FADE_SECS: f32 = 0.08;

/// What the mixer is told while it plays.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LiveCmd {
    /// A note at `frame` of the clock, held for `held` frames.
    At {
        frame: u64,
        held: u64,
        voice: Voice,
        part: Part,
        key: u8,
        velocity: u8,
    },
    /// A key pressed now: it sounds from the next block until `Release(id)`.
    Press {
        id: u32,
        voice: Voice,
        key: u8,
        velocity: u8,
    },
    Release(u32),
    /// Mutes or unmutes a part (sounding notes of it too).
    Mute(Part, bool),
    /// Forgets every scheduled note and lets every pressed one go.
    Clear,
}

/// The frames a mixer has handed out: the clock every part of a session is placed on.
#[derive(Clone, Debug, Default)]
pub struct LiveClock(Arc<AtomicU64>);

impl LiveClock {
    pub fn now(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }
    fn set(&self, frame: u64) {
        self.0.store(frame, Ordering::Release);
    }
}

struct Playing {
    note: Sounding,
    offset: usize,
    gl: f32,
    gr: f32,
    part: Part,
    /// The key pressed (None for a scheduled note).
    id: Option<u32>,
    /// The fade's gain and its step per frame once released.
    fade: Option<(f32, f32)>,
}

/// Plays notes sent to it for as long as it is asked; never ends by itself.
pub struct LiveMixer {
    sr: f32,
    rx: Receiver<LiveCmd>,
    clock: LiveClock,
    /// Scheduled, by frame (the next first).
    pending: std::collections::VecDeque<LiveCmd>,
    playing: Vec<Playing>,
    muted: [bool; 4],
    frame: u64,
    room: Option<Reverb>,
    mono: Vec<f32>,
    left: Vec<f32>,
    right: Vec<f32>,
    mix: Vec<f32>,
    read: usize,
    seed: u32,
    /// A SoundFont or a MIDI port playing the notes instead of the built-in voices.
    midi: Option<MidiVoices>,
}

/// The mixer (in a `room` from 0, dry, to 1), the sender its notes go through, and its clock.
pub fn live(sample_rate: u32, room: f32) -> (LiveMixer, Sender<LiveCmd>, LiveClock) {
    let (tx, rx) = channel();
    let clock = LiveClock::default();
    let sr = sample_rate.clamp(8_000, 192_000) as f32;
    let m = LiveMixer {
        sr,
        rx,
        clock: clock.clone(),
        pending: Default::default(),
        playing: Vec::with_capacity(128),
        muted: [false; 4],
        frame: 0,
        room: (room > 0.0).then(|| Reverb::new(sr, room)),
        mono: vec![0.0; BLOCK],
        left: vec![0.0; BLOCK],
        right: vec![0.0; BLOCK],
        mix: vec![0.0; 2 * BLOCK],
        read: BLOCK,
        seed: 1,
        midi: None,
    };
    (m, tx, clock)
}

fn part_index(p: Part) -> usize {
    match p {
        Part::Lead => 0,
        Part::Chords => 1,
        Part::Bass => 2,
        Part::Drums => 3,
    }
}

impl LiveMixer {
    pub fn sample_rate(&self) -> u32 {
        self.sr as u32
    }

    /// Plays every note through `inst` (a SoundFont or a MIDI port) from now on.
    pub fn set_instrument(&mut self, inst: Instrument) {
        self.midi = Some(MidiVoices::new(inst, BLOCK));
    }

    /// Writes interleaved stereo frames into all of `out`; returns how many.
    pub fn fill(&mut self, out: &mut [f32]) -> usize {
        let want = out.len() / 2;
        let mut done = 0;
        while done < want {
            if self.read == BLOCK {
                self.block();
            }
            let k = (BLOCK - self.read).min(want - done);
            out[2 * done..2 * (done + k)]
                .copy_from_slice(&self.mix[2 * self.read..2 * (self.read + k)]);
            self.read += k;
            done += k;
            self.clock.set(self.frame - BLOCK as u64 + self.read as u64);
        }
        done
    }

    fn take_commands(&mut self) {
        while let Ok(cmd) = self.rx.try_recv() {
            match cmd {
                LiveCmd::At { frame, .. } => {
                    let at = self.pending.partition_point(|c| start_of(c) <= frame);
                    self.pending.insert(at, cmd);
                }
                LiveCmd::Press {
                    id,
                    voice,
                    key,
                    velocity,
                } => match &mut self.midi {
                    Some(m) => m.press(id, key, velocity, self.frame),
                    None => self.start(voice, Part::Lead, key, velocity, HOLD_SECS, 0, Some(id)),
                },
                LiveCmd::Release(id) => {
                    if let Some(m) = &mut self.midi {
                        m.release(id, self.frame);
                    }
                    let step = 1.0 / (FADE_SECS * self.sr);
                    for p in self.playing.iter_mut().filter(|p| p.id == Some(id)) {
                        p.fade.get_or_insert((1.0, step));
                        p.id = None;
                    }
                }
                LiveCmd::Mute(part, m) => {
                    self.muted[part_index(part)] = m;
                    if let Some(v) = self.midi.as_mut().filter(|_| m) {
                        v.mute(part, self.frame);
                    }
                }
                LiveCmd::Clear => {
                    self.pending.clear();
                    if let Some(m) = &mut self.midi {
                        m.clear(self.frame);
                    }
                    let step = 1.0 / (FADE_SECS * self.sr);
                    for p in &mut self.playing {
                        p.fade.get_or_insert((1.0, step));
                    }
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn start(
        &mut self,
        voice: Voice,
        part: Part,
        key: u8,
        velocity: u8,
        held: f32,
        offset: usize,
        id: Option<u32>,
    ) {
        let vel = velocity.clamp(1, 127) as f32 / 127.0;
        let (level, p) = voice_level(voice);
        let amp = level * (0.35 + 0.65 * vel);
        self.seed = self.seed.wrapping_mul(0x2545_F491).wrapping_add(1);
        let note = Sounding::new(voice, freq(key), amp, held, self.sr, self.seed);
        let (gl, gr) = pan(p);
        self.playing.push(Playing {
            note,
            offset,
            gl,
            gr,
            part,
            id,
            fade: None,
        });
    }

    /// Starts the notes due in the next block (a late one at once) and renders it.
    fn block(&mut self) {
        self.take_commands();
        let end = self.frame + BLOCK as u64;
        while let Some(&LiveCmd::At {
            frame,
            held,
            voice,
            part,
            key,
            velocity,
        }) = self.pending.front().filter(|c| start_of(c) < end)
        {
            self.pending.pop_front();
            let offset = frame.saturating_sub(self.frame) as usize;
            match &mut self.midi {
                Some(_) if self.muted[part_index(part)] => {}
                Some(m) => m.note(frame.max(self.frame), held, voice, part, key, velocity),
                None => {
                    let held = held as f32 / self.sr;
                    self.start(voice, part, key, velocity, held, offset, None);
                }
            }
        }
        self.render_block();
        self.frame = end;
        self.read = 0;
    }

    fn render_block(&mut self) {
        let n = BLOCK;
        self.left.fill(0.0);
        self.right.fill(0.0);
        for p in &mut self.playing {
            let gain = if self.muted[part_index(p.part)] {
                0.0
            } else {
                1.0
            };
            let m = (n - p.offset).min(p.note.remaining());
            let mono = &mut self.mono[..m];
            p.note.render(mono);
            let l = &mut self.left[p.offset..p.offset + m];
            let r = &mut self.right[p.offset..p.offset + m];
            for ((l, r), &v) in l.iter_mut().zip(r.iter_mut()).zip(mono.iter()) {
                let g = match &mut p.fade {
                    Some((g, step)) => {
                        *g = (*g - *step).max(0.0);
                        *g
                    }
                    None => 1.0,
                } * gain;
                *l += v * p.gl * g;
                *r += v * p.gr * g;
            }
            p.offset = 0;
        }
        self.playing
            .retain(|p| p.note.remaining() > 0 && p.fade.is_none_or(|(g, _)| g > 0.0));
        if let Some(room) = &mut self.room {
            room.process(&mut self.left, &mut self.right);
        }
        if let Some(m) = &mut self.midi {
            m.render(self.frame, &mut self.left, &mut self.right);
        }
        let peak = self
            .left
            .iter()
            .chain(self.right.iter())
            .fold(0.0f32, |m, x| m.max(x.abs()));
        let soft = peak > LIMIT_KNEE;
        for ((f, &l), &r) in self
            .mix
            .chunks_exact_mut(2)
            .zip(self.left.iter())
            .zip(self.right.iter())
        {
            (f[0], f[1]) = if soft { (limit(l), limit(r)) } else { (l, r) };
        }
    }

    /// Notes sounding now (pressed or scheduled).
    pub fn sounding(&self) -> usize {
        self.playing.len()
    }
}

fn start_of(c: &LiveCmd) -> u64 {
    match c {
        LiveCmd::At { frame, .. } => *frame,
        _ => 0,
    }
}

#[cfg(test)]
mod tests;
