//! Playback through rodio: a `Player` that plays rendered buffers, with a clear no-device path.
//!
//! No audio device (a server, a container, an SSH session) is normal: `Player::open` returns
//! `AudioError::NoDevice` and everything else (rendering, WAV export) keeps working.

use rodio::buffer::SamplesBuffer;
use rodio::{DeviceSinkBuilder, MixerDeviceSink};
use std::num::NonZero;
use std::time::Duration;

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
        // Stream errors (an underrun, a device going away) are not worth a line on the
        // terminal, where they would scribble over the studio.
        let mut stream = DeviceSinkBuilder::from_default_device()
            .and_then(|b| b.with_error_callback(|_| {}).open_sink_or_fallback())
            .map_err(|e| AudioError::NoDevice(e.to_string()))?;
        stream.log_on_drop(false);
        Ok(Player {
            stream,
            track: None,
            duration: 0.0,
        })
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
