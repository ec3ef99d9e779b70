//! Playback through rodio: a `Player` that plays rendered buffers or synthesizes a stream a
//! little ahead of the device, with a clear no-device path.
//!
//! No audio device (a server, a container, an SSH session) is normal: `Player::open` returns
//! `AudioError::NoDevice` and everything else (rendering, WAV export) keeps working.

use crate::synth::Stream;
use crate::synth::live::LiveMixer;
use rodio::buffer::SamplesBuffer;
use rodio::{DeviceSinkBuilder, MixerDeviceSink};
use std::num::NonZero;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::time::Duration;

/// Frames synthesized per block for playback (about 21 ms at 48 kHz).
const PLAY_BLOCK: usize = 1024;
/// Blocks synthesized ahead of the device (about a third of a second).
const AHEAD: usize = 16;

#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    #[error("no audio output device ({0}); export a WAV file instead")]
    NoDevice(String),
    #[error("cannot play this buffer: {0}")]
    BadBuffer(String),
}

/// One output stream and one track at a time.
pub struct Player {
    stream: MixerDeviceSink,
    track: Option<rodio::Player>,
    duration: f64,
}

impl Player {
    /// Opens the default output device.
    pub fn open() -> Result<Player, AudioError> {
        Player::open_with_buffer(None)
    }

    /// Opens the default output device with a callback size of `frames` (None: the
    /// system's choice).
    pub fn open_with_buffer(frames: Option<u32>) -> Result<Player, AudioError> {
        // Stream errors (an underrun, a device going away) are not worth a line on the
        // terminal, where they would scribble over the studio.
        let mut stream = DeviceSinkBuilder::from_default_device()
            .map(|b| match frames {
                Some(f) => b.with_buffer_size(rodio::cpal::BufferSize::Fixed(f)),
                None => b,
            })
            .and_then(|b| b.with_error_callback(|_| {}).open_sink_or_fallback())
            .map_err(|e| AudioError::NoDevice(e.to_string()))?;
        stream.log_on_drop(false);
        Ok(Player {
            stream,
            track: None,
            duration: 0.0,
        })
    }

    /// The device's callback size in frames, as the stream was opened (None: the system
    /// chose it, and does not say).
    pub fn buffer(&self) -> Option<u32> {
        match self.stream.config().buffer_size() {
            rodio::cpal::BufferSize::Fixed(frames) => Some(*frames),
            _ => None,
        }
    }

    /// The worst wait, in milliseconds, from a note handed to a live mixer running at
    /// `mixer_rate` to its sound leaving this device (None: the system chose the buffer).
    pub fn live_latency_ms(&self, mixer_rate: u32) -> Option<f64> {
        Some(live_latency_ms(
            self.buffer()?,
            self.sample_rate(),
            mixer_rate,
        ))
    }

    /// The device's sample rate.
    pub fn sample_rate(&self) -> u32 {
        self.stream.config().sample_rate().get()
    }

    /// Plays a live mixer (pulled block by block in the device's callback, so a note sent
    /// to it sounds one device buffer later); returns at once.
    pub fn play_live(&mut self, mixer: LiveMixer) {
        self.stop();
        let track = rodio::Player::connect_new(self.stream.mixer());
        track.append(Live {
            rate: NonZero::new(mixer.sample_rate()).unwrap_or(NonZero::<u32>::MIN),
            mixer,
            block: vec![0.0; 2 * LIVE_BLOCK],
            at: 2 * LIVE_BLOCK,
        });
        track.play();
        self.track = Some(track);
    }

    /// Plays `stream` from its start, synthesizing it a few blocks ahead of the device on
    /// a thread of its own (memory stays small whatever the length); returns at once.
    pub fn play_stream(&mut self, stream: Stream) -> Result<(), AudioError> {
        let rate = NonZero::new(stream.sample_rate())
            .ok_or_else(|| AudioError::BadBuffer("sample rate 0".into()))?;
        self.stop();
        self.duration = stream.secs();
        let track = rodio::Player::connect_new(self.stream.mixer());
        track.append(Streamed::start(stream, rate));
        track.play();
        self.track = Some(track);
        Ok(())
    }

    /// Starts playing interleaved samples from the beginning (replacing what played);
    /// returns at once.
    pub fn play(
        &mut self,
        samples: Vec<f32>,
        sample_rate: u32,
        channels: u16,
    ) -> Result<(), AudioError> {
        let rate = NonZero::new(sample_rate)
            .ok_or_else(|| AudioError::BadBuffer("sample rate 0".into()))?;
        let ch =
            NonZero::new(channels).ok_or_else(|| AudioError::BadBuffer("no channels".into()))?;
        self.stop();
        self.duration = samples.len() as f64 / channels as f64 / sample_rate as f64;
        let track = rodio::Player::connect_new(self.stream.mixer());
        track.append(SamplesBuffer::new(ch, rate, samples));
        track.play();
        self.track = Some(track);
        Ok(())
    }

    pub fn pause(&self) {
        if let Some(t) = &self.track {
            t.pause();
        }
    }

    pub fn resume(&self) {
        if let Some(t) = &self.track {
            t.play();
        }
    }

    pub fn is_paused(&self) -> bool {
        self.track.as_ref().is_some_and(|t| t.is_paused())
    }

    pub fn stop(&mut self) {
        if let Some(t) = self.track.take() {
            t.stop();
        }
        self.duration = 0.0;
    }

    /// Jumps to `secs` into the current track.
    pub fn seek(&self, secs: f64) -> Result<(), AudioError> {
        if let Some(t) = &self.track {
            let to = Duration::from_secs_f64(secs.clamp(0.0, self.duration));
            t.try_seek(to)
                .map_err(|e| AudioError::BadBuffer(e.to_string()))?;
        }
        Ok(())
    }

    /// Seconds played of the current track.
    pub fn position_secs(&self) -> f64 {
        self.track
            .as_ref()
            .map_or(0.0, |t| t.get_pos().as_secs_f64())
    }

    pub fn duration_secs(&self) -> f64 {
        self.duration
    }

    /// True when nothing is playing (never started, stopped or played to the end).
    pub fn is_finished(&self) -> bool {
        self.track.as_ref().is_none_or(|t| t.empty())
    }
}

/// Frames a live mixer renders at a time in the device's callback.
const LIVE_BLOCK: usize = 128;

/// Callbacks' worth of frames in the device buffer when the callback size is fixed (cpal
/// gives ALSA two periods).
pub const PERIODS: u32 = 2;

/// The worst wait from a note handed to a live mixer to its sound leaving the device, in
/// milliseconds: a pressed key waits for the mixer's next block, that block for this
/// player's chunk of it, then the device buffer (`PERIODS` callbacks of `period` frames).
pub fn live_latency_ms(period: u32, device_rate: u32, mixer_rate: u32) -> f64 {
    let device = f64::from(period * PERIODS) / f64::from(device_rate.max(1));
    let mixer = (crate::synth::render::BLOCK + LIVE_BLOCK) as f64 / f64::from(mixer_rate.max(1));
    (device + mixer) * 1000.0
}

/// The callback size that gives a device buffer of `buffer_ms` at `rate`.
pub fn period_frames(buffer_ms: u32, rate: u32) -> u32 {
    (u64::from(buffer_ms) * u64::from(rate) / 1000 / u64::from(PERIODS)).max(32) as u32
}

/// The rodio side of a live mixer.
struct Live {
    mixer: LiveMixer,
    block: Vec<f32>,
    at: usize,
    rate: NonZero<u32>,
}

impl Iterator for Live {
    type Item = f32;

    fn next(&mut self) -> Option<f32> {
        if self.at == self.block.len() {
            self.mixer.fill(&mut self.block);
            self.at = 0;
        }
        self.at += 1;
        Some(self.block[self.at - 1])
    }
}

impl rodio::Source for Live {
    fn current_span_len(&self) -> Option<usize> {
        None
    }

    fn channels(&self) -> rodio::ChannelCount {
        NonZero::new(2).expect("2 is not zero")
    }

    fn sample_rate(&self) -> rodio::SampleRate {
        self.rate
    }

    fn total_duration(&self) -> Option<Duration> {
        None
    }
}

/// A block of audio and the seek generation it belongs to.
struct Block {
    generation: u64,
    samples: Vec<f32>,
}

/// The rodio side of a stream: takes the blocks a synth thread renders ahead.
struct Streamed {
    rx: Receiver<Block>,
    block: Vec<f32>,
    at: usize,
    generation: u64,
    seek: Arc<Seek>,
    rate: NonZero<u32>,
    total: Duration,
}

/// A seek asked by the device side, answered by the synth thread.
struct Seek {
    generation: AtomicU64,
    /// The frame to continue from (valid for the latest generation).
    frame: AtomicUsize,
}

impl Streamed {
    fn start(mut stream: Stream, rate: NonZero<u32>) -> Streamed {
        let (tx, rx): (SyncSender<Block>, Receiver<Block>) = sync_channel(AHEAD);
        let seek = Arc::new(Seek {
            generation: AtomicU64::new(0),
            frame: AtomicUsize::new(0),
        });
        let total = Duration::from_secs_f64(stream.secs());
        let asked = seek.clone();
        std::thread::spawn(move || {
            let mut generation = 0;
            loop {
                let g = asked.generation.load(Ordering::Acquire);
                if g != generation {
                    generation = g;
                    stream.seek(asked.frame.load(Ordering::Acquire));
                }
                let mut samples = vec![0.0f32; 2 * PLAY_BLOCK];
                let n = stream.fill(&mut samples);
                samples.truncate(2 * n);
                // An empty block says "the end" (until a seek asks for more).
                if tx
                    .send(Block {
                        generation,
                        samples,
                    })
                    .is_err()
                {
                    return;
                }
                if n == 0 {
                    // Wait for a seek, or for the player to drop its side.
                    while asked.generation.load(Ordering::Acquire) == generation {
                        if Arc::strong_count(&asked) == 1 {
                            return;
                        }
                        std::thread::sleep(Duration::from_millis(20));
                    }
                }
            }
        });
        Streamed {
            rx,
            block: Vec::new(),
            at: 0,
            generation: 0,
            seek,
            rate,
            total,
        }
    }
}

impl Iterator for Streamed {
    type Item = f32;

    fn next(&mut self) -> Option<f32> {
        while self.at >= self.block.len() {
            let b = self.rx.recv().ok()?;
            if b.generation != self.generation {
                continue;
            }
            if b.samples.is_empty() {
                return None;
            }
            self.block = b.samples;
            self.at = 0;
        }
        let v = self.block[self.at];
        self.at += 1;
        Some(v)
    }
}

impl rodio::Source for Streamed {
    fn current_span_len(&self) -> Option<usize> {
        None
    }

    fn channels(&self) -> rodio::ChannelCount {
        NonZero::new(2).expect("2 is not zero")
    }

    fn sample_rate(&self) -> rodio::SampleRate {
        self.rate
    }

    fn total_duration(&self) -> Option<Duration> {
        Some(self.total)
    }

    fn try_seek(&mut self, pos: Duration) -> Result<(), rodio::source::SeekError> {
        let frame = (pos.min(self.total).as_secs_f64() * f64::from(self.rate.get())) as usize;
        self.seek.frame.store(frame, Ordering::Release);
        self.generation = self.seek.generation.fetch_add(1, Ordering::AcqRel) + 1;
        self.block.clear();
        self.at = 0;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_jam_buffer_keeps_a_key_within_30_ms_of_the_ear() {
        let rate = 48_000;
        let period = period_frames(20, rate);
        assert_eq!(period, 480, "two periods of 10 ms");
        let ms = live_latency_ms(period, rate, rate);
        assert!(
            (ms - 28.0).abs() < 0.01,
            "20 ms of device, 8 of the mixer: {ms}"
        );
        let at_44k = live_latency_ms(period_frames(20, 44_100), 44_100, rate);
        assert!(at_44k <= 30.0, "{at_44k}");
        assert!(live_latency_ms(period_frames(50, rate), rate, rate) > 50.0);
    }
}
