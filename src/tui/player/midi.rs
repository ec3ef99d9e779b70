//! A performance on a MIDI port: a thread sends the schedule in real time; pause and
//! jumps stop it (every note off) and start another from the new place.

use crate::midi_out::{MidiOut, MidiOutError, perform};
use crate::music::Score;
use crate::synth::SynthSettings;
use crate::synth::schedule::{Timed, schedule};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;

struct Running {
    stop: Arc<AtomicBool>,
    at: Arc<AtomicU64>,
    thread: JoinHandle<MidiOut>,
}

#[derive(Default)]
pub struct MidiPlay {
    port: Option<MidiOut>,
    msgs: Arc<Vec<Timed>>,
    duration: f64,
    running: Option<Running>,
    /// Where a paused performance stopped.
    paused: Option<f64>,
}

impl MidiPlay {
    pub fn play(
        &mut self,
        port: &str,
        score: &Score,
        settings: &SynthSettings,
        from: f64,
    ) -> Result<(), MidiOutError> {
        self.port = Some(self.take_port(port)?);
        self.msgs = Arc::new(schedule(score, settings));
        self.duration = self.msgs.last().map_or(0.0, |m| m.secs);
        self.start(from);
        Ok(())
    }

    /// Stops what plays and hands over a connection to `port` (the open one when it is
    /// that port), for a Jam session to play into.
    pub fn take_port(&mut self, port: &str) -> Result<MidiOut, MidiOutError> {
        self.stop();
        match self.port.take() {
            Some(p) if p.name == port => Ok(p),
            _ => MidiOut::connect(port),
        }
    }

    fn start(&mut self, from: f64) {
        let Some(mut out) = self.port.take() else {
            return;
        };
        let (stop, at) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicU64::new(0)),
        );
        let (s, a, msgs) = (stop.clone(), at.clone(), self.msgs.clone());
        a.store(from.to_bits(), Ordering::Relaxed);
        let thread = std::thread::spawn(move || {
            let mut send = |m| out.send(m);
            let mut tell = |t: f64| a.store(t.to_bits(), Ordering::Relaxed);
            perform(&msgs, from, &mut send, &s, &mut tell);
            out
        });
        self.running = Some(Running { stop, at, thread });
        self.paused = None;
    }

    /// Ends the performance (its thread sends every note off first).
    fn halt(&mut self) -> Option<f64> {
        let r = self.running.take()?;
        r.stop.store(true, Ordering::Relaxed);
        let at = f64::from_bits(r.at.load(Ordering::Relaxed));
        if let Ok(out) = r.thread.join() {
            self.port = Some(out);
        }
        Some(at)
    }

    pub fn pause(&mut self) {
        if let Some(at) = self.halt() {
            self.paused = Some(at);
        }
    }

    pub fn resume(&mut self) {
        if let Some(at) = self.paused.take() {
            self.start(at);
        }
    }

    pub fn stop(&mut self) {
        self.halt();
        self.paused = None;
    }

    /// True while a performance runs (a paused one waits for nothing).
    pub fn active(&self) -> bool {
        self.running.is_some()
    }

    /// Position, length and pause of the performance, if there is one.
    pub fn status(&mut self) -> Option<(f64, f64, bool)> {
        if self
            .running
            .as_ref()
            .is_some_and(|r| r.thread.is_finished())
        {
            self.halt();
            return None;
        }
        if let Some(at) = self.paused {
            return Some((at, self.duration, true));
        }
        let r = self.running.as_ref()?;
        Some((
            f64::from_bits(r.at.load(Ordering::Relaxed)),
            self.duration,
            false,
        ))
    }
}
