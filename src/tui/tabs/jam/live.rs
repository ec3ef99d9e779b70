//! A Jam session while it plays: the session on the mixer's clock, the channel to the mixer,
//! and the answers being computed on threads of their own (the UI thread never waits).

use crate::jam::answer::{AnswerSettings, answer};
use crate::jam::session::{Hold, Now};
use crate::jam::{BandMutes, Out, Plan, PlanError, Session, TurnSpan, Who};
use crate::midi_in::{KeyIn, MidiIn};
use crate::model::bundle::Bundle;
use crate::music::{Note, PPQ, Score, Tick};
use crate::synth::Part;
use crate::synth::live::{LiveClock, LiveCmd, LiveMixer, live};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Instant;

/// The sample rate sessions run at.
pub const RATE: u32 = 48_000;

/// An answer back from its thread.
struct Answered {
    turn: TurnSpan,
    notes: Result<Vec<Note>, String>,
    ms: f64,
}

pub struct Running {
    pub session: Session,
    tx: Sender<LiveCmd>,
    pub clock: LiveClock,
    answers: Receiver<Answered>,
    answers_tx: Sender<Answered>,
    /// The model and settings answers are computed with (None: improv sits out).
    with: Option<(Arc<Bundle>, AnswerSettings)>,
    /// Answers asked for and not back yet.
    pub asking: usize,
    /// The MIDI keyboard, when one is connected.
    midi: Option<MidiIn>,
    keys: Receiver<KeyIn>,
    keys_tx: Sender<KeyIn>,
}

impl Running {
    /// A session ready to play and the mixer it plays on (for the audio thread).
    pub fn start(
        plan: Plan,
        releases: bool,
        with: Option<(Arc<Bundle>, AnswerSettings)>,
    ) -> Result<(Running, LiveMixer), PlanError> {
        let (mixer, tx, clock) = live(plan.sample_rate, crate::synth::ROOM);
        // Without key releases a note lasts until the next key or a beat.
        let beat = (f64::from(PPQ) * plan.frames_per_tick()) as u64;
        let hold = if releases {
            Hold::WhileHeld
        } else {
            Hold::Until(beat)
        };
        let (session, out) = Session::new(plan, clock.now(), hold)?;
        let (answers_tx, answers) = channel();
        let (keys_tx, keys) = channel();
        let mut r = Running {
            session,
            tx,
            clock,
            answers,
            answers_tx,
            with,
            asking: 0,
            midi: None,
            keys,
            keys_tx,
        };
        r.forward(out);
        r.mute(r.session.plan.mutes);
        Ok((r, mixer))
    }

    /// Plays the MIDI keyboard on `port` too; the reason when it cannot (the session goes on).
    pub fn connect_midi(&mut self, port: &str) -> Option<String> {
        match MidiIn::connect(port, self.keys_tx.clone()) {
            Ok(m) => {
                self.midi = Some(m);
                None
            }
            Err(e) => Some(e.to_string()),
        }
    }

    pub fn has_midi(&self) -> bool {
        self.midi.is_some()
    }

    /// The MIDI keyboard's notes since the last tick; a line when its port went away.
    fn midi_keys(&mut self) -> Option<String> {
        let mut gone = None;
        while let Ok(k) = self.keys.try_recv() {
            match k {
                KeyIn::On { key, velocity } => self.press(key, velocity),
                KeyIn::Off { key } => self.release(key),
                KeyIn::Gone(name) => {
                    self.midi = None;
                    gone = Some(format!(
                        "MIDI input {name} went away; the computer keyboard plays on"
                    ));
                }
            }
        }
        gone
    }

    /// Sends the mixer its notes and starts the answers asked for.
    fn forward(&mut self, out: Vec<Out>) {
        for o in out {
            match o {
                Out::Mixer(c) => {
                    let _ = self.tx.send(c);
                }
                Out::Ask { turn, call } => self.ask(turn, call),
            }
        }
    }

    fn ask(&mut self, turn: TurnSpan, call: Vec<Note>) {
        let Some((bundle, settings)) = self.with.clone() else {
            return;
        };
        let plan = self.session.plan.clone();
        let tx = self.answers_tx.clone();
        self.asking += 1;
        std::thread::spawn(move || {
            let t0 = Instant::now();
            let notes = answer(&bundle, &plan, &settings, &call, &turn);
            let ms = t0.elapsed().as_secs_f64() * 1000.0;
            let _ = tx.send(Answered { turn, notes, ms });
        });
    }

    /// Brings the session up to the clock: the band ahead, answers in. Returns the compute
    /// times of answers that came in, and any answer's error.
    pub fn tick(&mut self) -> (Vec<f64>, Option<String>) {
        let mut problem = self.midi_keys();
        let now = self.clock.now();
        let out = self.session.update(now);
        self.forward(out);
        let mut times = Vec::new();
        while let Ok(a) = self.answers.try_recv() {
            self.asking = self.asking.saturating_sub(1);
            times.push(a.ms);
            match a.notes {
                Ok(notes) => {
                    let out = self.session.answer(a.turn, &notes, a.ms, self.clock.now());
                    self.forward(out);
                }
                Err(e) => problem = Some(format!("improv could not answer: {e}")),
            }
        }
        (times, problem)
    }

    pub fn press(&mut self, key: u8, velocity: u8) {
        let out = self.session.press(key, velocity, self.clock.now());
        self.forward(out);
    }

    pub fn release(&mut self, key: u8) {
        let out = self.session.release(key, self.clock.now());
        self.forward(out);
    }

    pub fn mute(&mut self, m: BandMutes) {
        self.session.plan.mutes = m;
        for (part, muted) in [
            (Part::Chords, m.comping),
            (Part::Bass, m.bass),
            (Part::Drums, m.drums),
        ] {
            let _ = self.tx.send(LiveCmd::Mute(part, muted));
        }
    }

    /// Lets every key go and silences the mixer; returns where the session ends.
    pub fn finish(&mut self) -> Tick {
        let now = self.clock.now();
        let out = self.session.stop(now);
        self.forward(out);
        self.session.end_tick(now)
    }

    pub fn score(&self) -> Score {
        let end = self.session.end_tick(self.clock.now());
        crate::jam::record::session_score(&self.session, end)
    }

    /// Whose turn, and the beats left of it, for the status bar.
    pub fn status(&self) -> String {
        match self.session.now(self.clock.now()) {
            Now::CountIn(n) => format!("count-in {n}"),
            Now::Turn { turn, beats_left } => {
                let who = match turn.who {
                    Who::You => "your turn",
                    Who::Improv if self.with.is_none() => "improv's turn (no model: it rests)",
                    Who::Improv => "improv's turn",
                };
                let s = if beats_left == 1 { "" } else { "s" };
                format!("{who} · {beats_left} beat{s} left")
            }
        }
    }

    /// The session tick under the playhead.
    pub fn tick_now(&self) -> i64 {
        self.session.tick_at(self.clock.now())
    }
}
