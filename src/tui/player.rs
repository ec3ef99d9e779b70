//! The audio thread: owns the output device, plays rendered buffers and reports where it is.

use super::quiet::Silenced;
use crate::audio::{AudioError, Player};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the audio thread reports, read by the UI at every tick.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AudioStatus {
    pub position: f64,
    pub duration: f64,
    pub playing: bool,
    pub paused: bool,
    /// Why no device could be opened (set once, on the first command).
    pub no_device: Option<String>,
}

pub enum AudioCmd {
    /// Samples (stereo), sample rate, start position in seconds.
    Play(Vec<f32>, u32, f64),
    Pause,
    Resume,
    Stop,
}

/// What the audio thread tells the UI besides its status.
pub trait Report: Send + 'static {
    fn report(&self, message: String);
}

/// Opens the device with stderr silenced; the error keeps its kind, not only its words.
fn open_quietly() -> Result<Player, AudioError> {
    let _quiet = Silenced::stderr();
    Player::open()
}

fn open(with_audio: bool, status: &Mutex<AudioStatus>, out: &dyn Report) -> Option<Player> {
    let opened = if with_audio {
        open_quietly()
    } else {
        Err(AudioError::NoDevice("audio disabled".into()))
    };
    match opened {
        Ok(p) => Some(p),
        Err(AudioError::NoDevice(why)) => {
            if let Ok(mut s) = status.lock() {
                s.no_device = Some(why);
            }
            None
        }
        Err(e) => {
            out.report(e.to_string());
            None
        }
    }
}

fn apply(p: &mut Player, cmd: AudioCmd, out: &dyn Report) {
    match cmd {
        AudioCmd::Play(samples, rate, from) => {
            if let Err(e) = p.play(samples, rate, 2) {
                out.report(e.to_string());
            } else if from > 0.0 {
                let _ = p.seek(from);
            }
        }
        AudioCmd::Pause => p.pause(),
        AudioCmd::Resume => p.resume(),
        AudioCmd::Stop => p.stop(),
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
    let mut player: Option<Player> = None;
    let mut tried = false;
    loop {
        let active = player.as_ref().is_some_and(|p| !p.is_finished());
        let cmd = if active {
            match rx.recv_timeout(Duration::from_millis(30)) {
                Ok(c) => Some(c),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        } else {
            match rx.recv() {
                Ok(c) => Some(c),
                Err(_) => return,
            }
        };
        if let Some(cmd) = cmd {
            if !tried {
                tried = true;
                player = open(with_audio, &status, &out);
            }
            if let Some(p) = player.as_mut() {
                apply(p, cmd, &out);
            }
        }
        if let (Some(p), Ok(mut s)) = (player.as_ref(), status.lock()) {
            s.position = p.position_secs();
            s.duration = p.duration_secs();
            s.paused = p.is_paused();
            s.playing = !p.is_finished();
        }
    }
}
