//! A Jam session's live mixer on the audio thread, sounding through the Play tab's choice
//! (the built-in synth, a SoundFont, a MIDI port): on the device with the buffer asked for,
//! or on a timer (a MIDI port, or no device) so the session still keeps time.

use super::{Audio, Report, SoundSource};
use crate::audio::period_frames;
use crate::synth::live::{Instrument, LiveMixer};
use crate::synth::render::BLOCK;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How often a mixer on a timer is brought up to the wall clock.
const TIMER_MS: u64 = 5;

/// How a live mixer reaches the ears.
#[derive(Clone, Debug, PartialEq)]
pub struct LiveOut {
    /// The worst wait from a key to its sound leaving improv, in milliseconds (None: the
    /// system chose the device buffer and does not say how long it is).
    pub latency_ms: Option<f64>,
    /// What plays the session (the built-in synth when the choice could not).
    pub sound: SoundSource,
    /// Why it plays silently, on a timer instead of a device (no device here).
    pub silent: Option<String>,
}

impl<R: Report> Audio<R> {
    /// A live mixer through `source`, on the device with a buffer of `buffer_ms` (or on a
    /// timer: a MIDI port needs no device, and without one the clock still runs).
    pub(super) fn live(&mut self, mut mixer: LiveMixer, buffer_ms: u32, source: &SoundSource) {
        self.stop();
        let sound = self.instrument(&mut mixer, source);
        let sr = mixer.sample_rate();
        let frames = period_frames(buffer_ms, sr);
        if self
            .device
            .as_ref()
            .is_some_and(|p| p.buffer() != Some(frames))
        {
            self.device = None;
            self.tried = false;
        }
        self.buffer = Some(frames);
        let on_device = !matches!(sound, SoundSource::Midi(_));
        let device = match on_device {
            true => self.device(),
            false => None,
        };
        let out = match device {
            Some(p) => {
                let latency_ms = p.live_latency_ms(sr);
                p.play_live(mixer);
                LiveOut {
                    latency_ms,
                    sound,
                    silent: None,
                }
            }
            None => {
                let flag = Arc::new(AtomicBool::new(false));
                drive_on_timer(mixer, flag.clone());
                self.silent = Some(flag);
                let why = self.status.lock().ok().and_then(|s| s.no_device.clone());
                let step = TIMER_MS as f64 + BLOCK as f64 * 1000.0 / f64::from(sr);
                LiveOut {
                    latency_ms: Some(step),
                    silent: on_device
                        .then(|| why.unwrap_or_else(|| "no audio output device".into())),
                    sound,
                }
            }
        };
        self.live = true;
        if let Ok(mut s) = self.status.lock() {
            s.live = Some(out);
        }
    }

    /// Hands the mixer a SoundFont synthesizer or a MIDI port for `source`; returns what
    /// plays (the built-in synth, with a line saying why, when the choice cannot).
    fn instrument(&mut self, mixer: &mut LiveMixer, source: &SoundSource) -> SoundSource {
        let made = match source {
            SoundSource::Builtin => return SoundSource::Builtin,
            SoundSource::SoundFont(path) => match self.font(path) {
                Some(f) => f
                    .synthesizer(mixer.sample_rate(), true)
                    .map(|s| Instrument::Font(Box::new(s)))
                    .map_err(|e| e.to_string()),
                None => return SoundSource::Builtin,
            },
            SoundSource::Midi(port) => self
                .midi
                .take_port(port)
                .map(|mut out| Instrument::Port(Box::new(move |m| out.send(m))))
                .map_err(|e| e.to_string()),
        };
        match made {
            Ok(inst) => {
                mixer.set_instrument(inst);
                source.clone()
            }
            Err(e) => {
                self.out
                    .report(format!("{e}; playing with the built-in synth"));
                SoundSource::Builtin
            }
        }
    }
}

/// Pulls a live mixer in real time without a device, so its clock still runs (and a MIDI
/// port hears its notes on time).
fn drive_on_timer(mut mixer: LiveMixer, stop: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        let t0 = std::time::Instant::now();
        let sr = f64::from(mixer.sample_rate());
        let mut block = vec![0.0f32; 2 * BLOCK];
        let mut done = 0u64;
        while !stop.load(Ordering::Relaxed) {
            let due = (t0.elapsed().as_secs_f64() * sr) as u64;
            while done < due {
                done += mixer.fill(&mut block) as u64;
            }
            std::thread::sleep(Duration::from_millis(TIMER_MS));
        }
    });
}
