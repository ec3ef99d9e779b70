//! MIDI out: improv's band played by another program or device through the system's MIDI ports.
//!
//! Where there is no MIDI system (no ALSA sequencer, as in containers) `ports` and `connect`
//! say so in one line; nothing else in improv needs MIDI out.

use crate::quiet::quietly;
use crate::synth::schedule::{MidiMsg, Timed, all_notes_off};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum MidiOutError {
    #[error("no MIDI system here ({0}); MIDI out needs an ALSA sequencer")]
    NoSystem(String),
    #[error("no MIDI output port matches \"{0}\" (`improv ports` lists them)")]
    NoPort(String),
    #[error("MIDI port {port}: {reason}")]
    Port { port: String, reason: String },
}

fn output() -> Result<midir::MidiOutput, MidiOutError> {
    quietly(|| midir::MidiOutput::new("improv")).map_err(|e| MidiOutError::NoSystem(e.to_string()))
}

/// The names of the MIDI output ports, in the system's order.
pub fn ports() -> Result<Vec<String>, MidiOutError> {
    let out = output()?;
    Ok(out
        .ports()
        .iter()
        .map(|p| out.port_name(p).unwrap_or_else(|_| "(unnamed)".into()))
        .collect())
}

/// The port `wanted` names: its number in `ports()`, or a part of its name (any case).
pub fn pick(names: &[String], wanted: &str) -> Option<usize> {
    if let Ok(i) = wanted.parse::<usize>() {
        return (i < names.len()).then_some(i);
    }
    let w = wanted.to_lowercase();
    names.iter().position(|n| n.to_lowercase().contains(&w))
}

/// An open connection to one output port.
pub struct MidiOut {
    conn: midir::MidiOutputConnection,
    pub name: String,
}

impl MidiOut {
    pub fn connect(wanted: &str) -> Result<MidiOut, MidiOutError> {
        let out = output()?;
        let ports = out.ports();
        let names: Vec<String> = ports
            .iter()
            .map(|p| out.port_name(p).unwrap_or_default())
            .collect();
        let i = pick(&names, wanted).ok_or_else(|| MidiOutError::NoPort(wanted.into()))?;
        let name = names[i].clone();
        let conn = out
            .connect(&ports[i], "improv")
            .map_err(|e| MidiOutError::Port {
                port: name.clone(),
                reason: e.to_string(),
            })?;
        Ok(MidiOut { conn, name })
    }

    /// Sends one message (a port that went away is not worth stopping the music for).
    pub fn send(&mut self, msg: MidiMsg) {
        let _ = self.conn.send(&msg.bytes());
    }
}

/// Plays `msgs` (in time order) in real time from `from_secs` through `send`, until the end
/// or until `stop` is set, then silences every channel. `at` is told the position as it goes.
pub fn perform(
    msgs: &[Timed],
    from_secs: f64,
    send: &mut dyn FnMut(MidiMsg),
    stop: &AtomicBool,
    at: &mut dyn FnMut(f64),
) {
    let begin = msgs.partition_point(|m| m.secs < from_secs);
    // Set-up (programs, volumes) from before the start still applies.
    for m in &msgs[..begin] {
        if matches!(m.msg, MidiMsg::Program { .. } | MidiMsg::Control { .. }) {
            send(m.msg);
        }
    }
    let t0 = Instant::now();
    for m in &msgs[begin..] {
        loop {
            if stop.load(Ordering::Relaxed) {
                return silence(send);
            }
            let now = from_secs + t0.elapsed().as_secs_f64();
            at(now);
            let wait = m.secs - now;
            if wait <= 0.0 {
                break;
            }
            std::thread::sleep(Duration::from_secs_f64(wait.min(0.02)));
        }
        send(m.msg);
    }
    silence(send);
}

fn silence(send: &mut dyn FnMut(MidiMsg)) {
    for m in all_notes_off() {
        send(m);
    }
}
