//! The audio thread: owns the output device and the MIDI port, plays the score a few blocks
//! ahead of the device (or sends it to a MIDI port in real time) and reports where it is.

use crate::audio::{AudioError, Player};
use crate::music::Score;
use crate::quiet::Silenced;
use crate::synth::live::LiveMixer;
use crate::synth::soundfont::{Font, find, search_dirs};
use crate::synth::{Stream, SynthSettings};
use midi::MidiPlay;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What plays the music: improv's own synth, a SoundFont, or a MIDI port.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum SoundSource {
    #[default]
    Builtin,
    SoundFont(PathBuf),
    /// A MIDI output port, by name.
    Midi(String),
}

impl SoundSource {
    /// A short name for the Play tab's row.
    pub fn label(&self) -> String {
        match self {
            SoundSource::Builtin => "built-in synth".into(),
            SoundSource::SoundFont(p) => p.file_name().map_or_else(
                || p.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            ),
            SoundSource::Midi(port) => format!("MIDI {port}"),
        }
    }
}

/// What the audio thread reports, read by the UI at every tick.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AudioStatus {
    pub position: f64,
    pub duration: f64,
    pub playing: bool,
    pub paused: bool,
    /// Why no device could be opened (set once, on the first command).
    pub no_device: Option<String>,
    /// The SoundFonts and MIDI ports found when the studio started.
    pub sources: Vec<SoundSource>,
    /// Why there is no MIDI out (no MIDI system here).
    pub no_midi: Option<String>,
    /// The MIDI input ports found when the studio started.
    pub midi_inputs: Vec<String>,
    /// The live mixer's output while a Jam session plays.
    pub live: Option<LiveOut>,
}

pub enum AudioCmd {
    /// Play `score` from `from` seconds through `source` (a jump when it already plays).
    Play {
        score: Box<Score>,
        settings: SynthSettings,
        source: SoundSource,
        from: f64,
    },
    /// Play a live mixer (a Jam session) through `source` with a device buffer of
    /// `buffer_ms`; without a device it runs silently on a timer so the session still
    /// keeps time.
    Live {
        mixer: Box<LiveMixer>,
        buffer_ms: u32,
        source: SoundSource,
    },
    Pause,
    Resume,
    Stop,
    /// Stop, silence the MIDI port, then answer (the studio waits for it before quitting).
    StopAndTell(Sender<()>),
}

/// What the audio thread tells the UI besides its status.
pub trait Report: Send + 'static {
    fn report(&self, message: String);
}

/// Stops whatever plays and waits (a moment at most) until every MIDI note is off.
pub fn stop_and_wait(audio: &Sender<AudioCmd>) {
    let (tx, rx) = std::sync::mpsc::channel();
    if audio.send(AudioCmd::StopAndTell(tx)).is_ok() {
        let _ = rx.recv_timeout(Duration::from_millis(500));
    }
}

/// Opens the device with stderr silenced; the error keeps its kind, not only its words.
fn open_quietly(buffer: Option<u32>) -> Result<Player, AudioError> {
    let _quiet = Silenced::stderr();
    Player::open_with_buffer(buffer)
}

/// The SoundFonts installed and the MIDI ports there are (or why there are none).
fn discover(status: &Mutex<AudioStatus>) {
    let mut sources: Vec<SoundSource> = find(&search_dirs())
        .into_iter()
        .map(SoundSource::SoundFont)
        .collect();
    let no_midi = match crate::midi_out::ports() {
        Ok(names) => {
            sources.extend(names.into_iter().map(SoundSource::Midi));
            None
        }
        Err(e) => Some(e.to_string()),
    };
    let inputs = crate::midi_in::ports().unwrap_or_default();
    if let Ok(mut s) = status.lock() {
        s.sources = sources;
        s.no_midi = no_midi;
        s.midi_inputs = inputs;
    }
}

/// The score, settings and source of what plays on the device (a jump only seeks).
type Playing = (Box<Score>, SynthSettings, SoundSource);

/// Everything the audio thread holds.
struct Audio<R: Report> {
    with_audio: bool,
    status: Arc<Mutex<AudioStatus>>,
    out: R,
    device: Option<Player>,
    tried: bool,
    playing: Option<Playing>,
    font: Option<Font>,
    midi: MidiPlay,
    /// The device buffer to open with, in frames (None: the default).
    buffer: Option<u32>,
    /// Set to stop a live mixer played on a timer.
    silent: Option<Arc<AtomicBool>>,
    live: bool,
}

impl<R: Report> Audio<R> {
    fn device(&mut self) -> Option<&mut Player> {
        if !self.tried {
            self.tried = true;
            let opened = match self.with_audio {
                true => open_quietly(self.buffer),
                false => Err(AudioError::NoDevice("audio disabled".into())),
            };
            match opened {
                Ok(p) => self.device = Some(p),
                Err(AudioError::NoDevice(why)) => {
                    if let Ok(mut s) = self.status.lock() {
                        s.no_device = Some(why);
                    }
                }
                Err(e) => self.out.report(e.to_string()),
            }
        }
        self.device.as_mut()
    }

    /// The SoundFont at `path`, loaded once; a bad one is reported in one line.
    fn font(&mut self, path: &PathBuf) -> Option<Font> {
        if self.font.as_ref().is_none_or(|f| &f.path != path) {
            match Font::load(path) {
                Ok(f) => self.font = Some(f),
                Err(e) => {
                    self.out
                        .report(format!("{e}; playing with the built-in synth"));
                    return None;
                }
            }
        }
        self.font.clone()
    }

    fn apply(&mut self, cmd: AudioCmd) {
        match cmd {
            AudioCmd::Play {
                score,
                settings,
                source,
                from,
            } => self.play(score, settings, source, from),
            AudioCmd::Live {
                mixer,
                buffer_ms,
                source,
            } => self.live(*mixer, buffer_ms, &source),
            AudioCmd::Pause => {
                self.midi.pause();
                if let Some(p) = &self.device {
                    p.pause();
                }
            }
            AudioCmd::Resume => {
                self.midi.resume();
                if let Some(p) = &self.device {
                    p.resume();
                }
            }
            AudioCmd::Stop => self.stop(),
            AudioCmd::StopAndTell(tx) => {
                self.stop();
                let _ = tx.send(());
            }
        }
    }

    fn stop(&mut self) {
        if let Some(flag) = self.silent.take() {
            flag.store(true, Ordering::Relaxed);
        }
        if self.live
            && let Ok(mut s) = self.status.lock()
        {
            s.live = None;
        }
        self.live = false;
        self.midi.stop();
        if let Some(p) = &mut self.device {
            p.stop();
        }
        self.playing = None;
    }

    fn play(&mut self, score: Box<Score>, settings: SynthSettings, source: SoundSource, from: f64) {
        if self.live {
            self.stop();
        }
        if let SoundSource::Midi(port) = &source {
            if let Some(p) = &mut self.device {
                p.stop();
            }
            self.playing = None;
            match self.midi.play(port, &score, &settings, from) {
                Ok(()) => return,
                Err(e) => self
                    .out
                    .report(format!("{e}; playing with the built-in synth")),
            }
        }
        self.midi.stop();
        let source = match source {
            SoundSource::Midi(_) => SoundSource::Builtin,
            s => s,
        };
        let same = self
            .playing
            .as_ref()
            .is_some_and(|(s, st, src)| **s == *score && *st == settings && *src == source);
        let still = self.device.as_ref().is_some_and(|p| !p.is_finished());
        if same && still {
            // A jump in what already plays: the synth thread seeks.
            if let Some(p) = &self.device {
                let _ = p.seek(from);
            }
            return;
        }
        let font = match &source {
            SoundSource::SoundFont(path) => self.font(path),
            _ => None,
        };
        let (stream, why) = Stream::new(&score, &settings, font.as_ref());
        if let Some(why) = why {
            self.out.report(why);
        }
        let Some(p) = self.device() else { return };
        match p.play_stream(stream) {
            Ok(()) if from > 0.0 => {
                let _ = p.seek(from);
            }
            Ok(()) => {}
            Err(e) => self.out.report(e.to_string()),
        }
        self.playing = Some((score, settings, source));
    }

    fn active(&self) -> bool {
        self.midi.active() || self.device.as_ref().is_some_and(|p| !p.is_finished())
    }

    fn report(&mut self) {
        let Ok(mut s) = self.status.lock() else {
            return;
        };
        if let Some((position, duration, paused)) = self.midi.status() {
            (s.position, s.duration, s.paused, s.playing) = (position, duration, paused, true);
        } else if self.live {
            s.playing = false;
        } else if let Some(p) = &self.device {
            s.position = p.position_secs();
            s.duration = p.duration_secs();
            s.paused = p.is_paused();
            s.playing = !p.is_finished();
        } else {
            s.playing = false;
        }
    }
}

/// Runs until every sender is gone. While something plays it wakes every 30 ms to report
/// the position; otherwise it sleeps until a command comes.
pub fn audio_loop(
    rx: Receiver<AudioCmd>,
    status: Arc<Mutex<AudioStatus>>,
    with_audio: bool,
    out: impl Report,
) {
    if with_audio {
        discover(&status);
    }
    let mut a = Audio {
        with_audio,
        status,
        out,
        device: None,
        tried: false,
        playing: None,
        font: None,
        midi: MidiPlay::default(),
        buffer: None,
        silent: None,
        live: false,
    };
    loop {
        let cmd = if a.active() {
            match rx.recv_timeout(Duration::from_millis(30)) {
                Ok(c) => Some(c),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => break,
            }
        } else {
            match rx.recv() {
                Ok(c) => Some(c),
                Err(_) => break,
            }
        };
        if let Some(cmd) = cmd {
            a.apply(cmd);
        }
        a.report();
    }
    a.midi.stop();
}

mod live;
mod midi;
pub use live::LiveOut;

#[cfg(test)]
mod tests;
